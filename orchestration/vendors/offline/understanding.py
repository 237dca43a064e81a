"""What a user's sentence says about a court booking: intent, date, time, court.

Dates are read by `dateparser` (relative to "today", preferring the future) on the spans a small
grammar picks out of the sentence — the library does the calendar arithmetic, the grammar only
decides which words are a date. Two things it gets wrong are handled here: a bare ordinal ("the
12th" means the next 12th, not December 2026) and clipped weekday names ("thurs"). Times, courts
and intents are read by the grammar below: opening hours make a bare "at 5" mean 17:00.

`expecting` lets a short answer be read in the light of the question it answers: "3" after
"What time would you like?" is 15:00; "a" after "Which court?" is court A.

A list of courts ("courts A and B") or a number of them ("two courts", "both") is a request for
more than one; "Is court C free at 4pm?" is a question (`asks`), not a booking. The grammar reads
English only: a message in another language's words, or another script, is read as just that
(`other_language`), with nothing guessed from it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

import dateparser

Intent = Literal["book", "check", "greet", "thanks", "bye", "confirm", "deny", "cancel", "recall", "off_topic",
                 "other_language"]
Expecting = Literal["date", "time", "court", "confirm"]


@dataclass(frozen=True)
class Facts:
    """What one message states. None means "not said"."""

    intent: Intent | None = None
    """What the user wants, if the message says."""
    date: date | None = None
    """The day, resolved against today."""
    time: str | None = None
    """Start time as HH:MM, as said (may be off the hour or outside opening hours)."""
    court: str | None = None
    """A court letter as named (may be one the club does not have)."""
    any_court: bool = False
    """The user does not mind which court."""
    pick: int | None = None
    """An ordinal choice among offered options ("the second one" -> 1)."""
    slot_id: str | None = None
    """A slot id written out in full."""
    date_phrase: str | None = None
    """The words the date was read from."""
    on_behalf: str | None = None
    """Someone else the user asks to book for ("for mallory", "as user bob")."""
    courts: tuple[str, ...] = ()
    """Every court named, in order, when the message names more than one ("courts A and B")."""
    count: int | None = None
    """How many courts the user wants, when more than one ("two courts", "both")."""
    asks: bool = False
    """The message is a question about availability ("Is court C free at 4pm?"), not a request to book."""
    language: str | None = None
    """The language the message is written in, when it is not English (intent `other_language`)."""

    @property
    def has_booking_facts(self) -> bool:
        """True when the message names a date, time, court or slot."""
        return any(v is not None for v in (self.date, self.time, self.court, self.slot_id, self.pick, self.count)) \
            or self.any_court


# --- Dates ------------------------------------------------------------------------------------

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|weds|thu|thur|thurs|fri|sat|sun"
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE_SPAN = re.compile(
    rf"""\b(?:
        \d{{4}}-\d{{2}}-\d{{2}}
      | (?:the\s+)?day\s+after\s+tomorrow
      | today | tonight | tomorrow | tmrw | tmr | yesterday
      | in\s+\d{{1,2}}\s+days?
      | (?:(?:next|this|coming|last)\s+)?(?:{_WEEKDAYS})(?:\s+next\s+week)?
      | (?:{_MONTHS})\.?\s+{_ORD}(?:,?\s+\d{{4}})?(?!\s*(?:am|pm|:|h\b|o'?clock))
      | {_ORD}\s+(?:of\s+)?(?:{_MONTHS})(?:,?\s+\d{{4}})?
      | the\s+\d{{1,2}}(?:st|nd|rd|th)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_CLIPPED = {"tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday", "thu": "thursday",
            "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
            "mon": "monday", "tmrw": "tomorrow", "tmr": "tomorrow", "tonight": "today"}


def parse_date(text: str, today: date) -> tuple[date | None, str | None]:
    """The first date the text names, and the words it was read from."""
    for match in _DATE_SPAN.finditer(text):
        phrase = match.group(0)
        when = _resolve_date(phrase.lower(), today)
        if when is not None:
            return when, phrase
    return None, None


def _resolve_date(phrase: str, today: date) -> date | None:
    ordinal = re.fullmatch(r"the\s+(\d{1,2})(?:st|nd|rd|th)", phrase)
    if ordinal:
        return _next_day_of_month(int(ordinal.group(1)), today)
    next_week = re.fullmatch(rf"({_WEEKDAYS})\s+next\s+week", phrase)
    if next_week:
        coming = _resolve_date(next_week.group(1), today)
        return coming + timedelta(days=7) if coming else None
    words = [_CLIPPED.get(w, w) for w in phrase.split()]
    prefer = "past" if words[0] in ("yesterday", "last") else "future"
    parsed = dateparser.parse(" ".join(words), languages=["en"],
                              settings={"RELATIVE_BASE": datetime(today.year, today.month, today.day),
                                        "PREFER_DATES_FROM": prefer})
    return parsed.date() if parsed else None


def _next_day_of_month(day: int, today: date) -> date | None:
    """The next date (today included) whose day of month is `day`."""
    candidate = today
    for _ in range(62):
        if candidate.day == day:
            return candidate
        candidate += timedelta(days=1)
    return None


# --- Times ------------------------------------------------------------------------------------

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_HOUR = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_PERIOD = r"(?:in\s+the\s+(morning|afternoon|evening)|at\s+night|(tonight))"
_TIME_PATTERNS = [
    # 3pm, 3 pm, 3:30 p.m., 3.30pm, seven pm
    (re.compile(rf"(?<![-−\d])(?<!\d[.:]){_HOUR}(?:[:.](\d{{2}}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])", re.I),
     "meridiem"),
    # 7 in the evening, 8 tonight, 9 o'clock in the morning
    (re.compile(rf"\b{_HOUR}(?::(\d{{2}}))?\s*(?:o'?clock\s*)?{_PERIOD}", re.I), "period"),
    # noon, midday, midnight
    (re.compile(r"\b(noon|midday|midnight)\b", re.I), "named"),
    # half past three, quarter past 4, quarter to 5
    (re.compile(rf"\b(half\s+past|quarter\s+past|quarter\s+to)\s+{_HOUR}\b", re.I), "fraction"),
    # 15:00, 9:30, 15h
    (re.compile(r"(?<![-−\d])\b(\d{1,2})(?::(\d{2})|h(\d{2})?\b)", re.I), "clock"),
    # at 5, at five, around 6, 5 o'clock
    # ... but not the 3 of "at 3.5.5" or "at 10.5pm"
    (re.compile(rf"\b(?:at|around|about|for|by)\s+{_HOUR}\b"
                r"(?!\s*(?:st|nd|rd|th|days?|people|courts?|of)\b)(?!-|[.:]\d)", re.I), "bare"),
    (re.compile(rf"\b{_HOUR}\s*o'?clock\b", re.I), "bare"),
]


def _hour(token: str) -> int:
    return _NUMBER_WORDS.get(token.lower(), None) or int(token)


def bare_hour(hour: int) -> int:
    """An hour said without am/pm, read inside opening hours: 7-11 morning, 1-6 afternoon."""
    return hour + 12 if 1 <= hour <= 6 else hour


def parse_time(text: str, expecting: Expecting | None = None) -> str | None:
    """The first time of day the text names, as HH:MM (24-hour)."""
    for pattern, kind in _TIME_PATTERNS:
        match = pattern.search(text)
        if match:
            return _read_time(kind, match)
    if expecting == "time":
        lone = re.fullmatch(rf"\s*(?:at\s+)?{_HOUR}\s*[.!?]?\s*(?:please)?[.!?]?\s*", text, re.I)
        if lone:
            return f"{bare_hour(_hour(lone.group(1))):02d}:00"
    return None


def _read_time(kind: str, match: re.Match[str]) -> str | None:
    if kind == "named":
        return {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}[match.group(1).lower()]
    if kind == "fraction":
        hour = bare_hour(_hour(match.group(2)))
        how = " ".join(match.group(1).lower().split())
        return {"half past": f"{hour:02d}:30", "quarter past": f"{hour:02d}:15",
                "quarter to": f"{hour - 1:02d}:45"}[how]
    hour = _hour(match.group(1))
    minute = 0
    if kind in ("meridiem", "period"):
        minute = int(match.group(2) or 0)
    elif kind == "clock":
        minute = int(match.group(2) or match.group(3) or 0)
    if kind == "meridiem":
        if not 1 <= hour <= 12:  # "13pm", "99pm", "0am" name no time: 99 % 12 must not read as 3pm
            return None
        is_pm = match.group(3).lower().startswith("p")
        hour = hour % 12 + (12 if is_pm else 0)
    elif kind == "period":
        period = (match.group(3) or ("evening" if match.group(4) else "night")).lower()
        if period in ("afternoon", "evening", "night") and hour < 12:
            hour += 12
    elif kind == "bare":
        hour = bare_hour(hour)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


# --- Courts -----------------------------------------------------------------------------------

_COURT_NAMED = re.compile(r"\b(?:court|slot|option)\s+([a-z])\b(?!')", re.I)
_ARTICLE_NOUNS = {"court", "slot", "game", "booking", "reservation", "spot", "time", "match", "tennis", "free",
                  "quick", "few", "doubles", "singles", "friend", "day", "lesson", "session", "couple", "new"}
_ANY_COURT = re.compile(
    r"\b(any(?:\s+(?:one|court|of\s+them))?|either(?:\s+one)?|whichever|whatever|don'?t\s+(?:mind|care)|"
    r"doesn'?t\s+matter|does\s+not\s+matter|(?:do|does)\s+not\s+(?:mind|care)|no\s+preference|"
    r"you\s+(?:pick|choose|decide)|first\s+(?:free|available)(?:\s+one)?)\b",
    re.I,
)
_ORDINAL_PICK = re.compile(r"\b(?:the\s+)?(first|second|third|fourth|last)(?:\s+one)?\b", re.I)
_SLOT_ID = re.compile(r"\b([A-Za-z])-(\d{4}-\d{2}-\d{2})-(\d{4})\b")


def parse_court(text: str, expecting: Expecting | None = None) -> tuple[str | None, bool, int | None]:
    """(court letter, any court, ordinal pick) named in the text."""
    named = _COURT_NAMED.search(text)
    if named:
        return named.group(1).upper(), False, None
    for match in re.finditer(r"(?<![\w'-])([A-D])(?![\w'-])", text):
        following = text[match.end():].split()
        next_word = following[0].strip(".,!?").lower() if following else ""
        if match.group(1) == "A" and next_word in _ARTICLE_NOUNS:
            continue
        return match.group(1), False, None
    bare = re.fullmatch(r"\s*([a-z])\s*(?:please|pls|thanks)?[.!?]*\s*", text, re.I)
    if bare and (expecting == "court" or bare.group(1).upper() in "ABCD"):
        return bare.group(1).upper(), False, None
    if _ANY_COURT.search(text) and not re.search(r"\bany\s+(?:courts?|slots?|times?)\s+(?:free|available|open)\b",
                                                 text, re.I):
        return None, True, None
    pick = _ORDINAL_PICK.search(text)
    if pick and expecting in ("court", "confirm", "time"):
        return None, False, {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}[pick.group(1).lower()]
    return None, False, None


_LIST_MORE = re.compile(r"\s*(?:,\s*(?:and\s+)?|&\s*|(?:and|plus)\s+)(?:courts?\s+)?([A-Za-z])(?![\w'-])", re.I)
_LIST_START = re.compile(r"\bcourts?\s+([A-Za-z])(?![\w'-])|(?<![\w'-])([A-D])(?![\w'-])", re.I)
_COUNT = re.compile(r"\b(two|three|four|[234])\s+(?:of\s+the\s+)?courts\b|\bboth\b(?!\s+of\s+us\b)", re.I)


def parse_courts(text: str) -> tuple[str, ...]:
    """Every court a list names, in order, when it names more than one: "courts A and B", "court A and
    court B", "A, B and C". A choice ("A or B") is not a list; "court A and a friend" names one court."""
    for start in _LIST_START.finditer(text):
        first = start.group(1) or start.group(2)
        if start.group(2) and not first.isupper():
            continue
        letters, at = [first], start.end()
        while (more := _LIST_MORE.match(text, at)) is not None:
            letter, rest = more.group(1), text[more.end():].split()
            if letter.islower() != first.islower() or (
                    letter.lower() == "a" and rest and rest[0].strip(".,!?").lower() in _ARTICLE_NOUNS):
                break
            letters.append(letter)
            at = more.end()
        named = tuple(dict.fromkeys(letter.upper() for letter in letters))
        if len(named) > 1:
            return named
    return ()


def parse_count(text: str) -> int | None:
    """How many courts the user wants, when more than one: "two courts", "both"."""
    match = _COUNT.search(text)
    if match is None:
        return None
    word = (match.group(1) or "two").lower()
    return {"two": 2, "three": 3, "four": 4}.get(word) or int(word)


# --- Language ---------------------------------------------------------------------------------

_ENGLISH_WORDS = """
a an the i me my we us our you your it its this that these those is are was were be been am do does did have has
had can could would will shall should may might must to of in on at for from with by about and or but not no yes
please thanks thank hi hello hey what which when who how where why any some one two free available open book booking
booked reserve court courts slot time today tomorrow tonight morning afternoon evening pm am ok okay sure want like
need get let just also too then there here again instead cancel see show check tell play tennis game hour hours
day days week next last first price cost much many good great fine nice sorry maybe actually make friend doubles
singles"""
_ENGLISH = set(_ENGLISH_WORDS.split())
"""Common English words: a message with these is read as English, whatever else it holds."""
_LANGUAGES = {
    "Spanish": "el la los las una unos por para quiero quisiera reservar reserva reservo pista pistas cancha mañana "
               "tarde noche hoy hay libre libres está están hola gracias puedo favor mi ¿ ¿hay",
    "French": "le les une des pour je voudrais réserver réserve réservez terrain terrains demain soir matin "
              "aujourd'hui libre libres est bonjour merci heures heure du au s'il plaît",
    "German": "der die das ein eine einen ich möchte buchen buche platz plätze morgen uhr frei ist hallo danke bitte "
              "für heute abend",
    "Italian": "il lo gli un una vorrei prenotare prenota campo campi domani alle ore libero liberi ciao grazie per "
               "oggi sera",
    "Portuguese": "os uma quero reservar reserva quadra quadras amanhã às horas livre livres olá obrigado obrigada "
                  "para hoje",
    "Dutch": "de het een ik wil boeken boek baan banen morgen om uur vrij hallo dank bedankt voor vandaag",
}
_FOREIGN = {name: set(words.split()) - _ENGLISH for name, words in _LANGUAGES.items()}


def read_language(text: str) -> tuple[bool, str | None]:
    """(written in another language than English, which one if known), from the words a message uses.

    The offline model reads English only: a message mostly in another language's words, or in another
    script, is one it cannot read. A foreign word in an English sentence ("book court A for mañana")
    does not make it foreign."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3 and sum("LATIN" not in unicodedata.name(c, "") for c in letters) > len(letters) / 2:
        return True, None
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?|¿", text.lower())
    english = sum(word in _ENGLISH for word in words)
    scores = {name: sum(word in vocabulary for word in words) for name, vocabulary in _FOREIGN.items()}
    name, best = max(scores.items(), key=lambda item: item[1])
    if best > english and (best >= 2 or (english == 0 and best * 2 >= len(words))):  # "hola", "merci beaucoup"
        return True, name
    return False, None


# --- Intent -----------------------------------------------------------------------------------

_BOOK = re.compile(r"\b(b(?:o|oo+)k|booking|reserve|reservation|grab|get\s+me|i'?ll\s+take|take\s+it|sign\s+me\s+up|"
                   r"lock\s+(?:it\s+)?in|hold|i\s+want|i'?d\s+like|i\s+would\s+like|play|go\s+for|let'?s\s+do)\b", re.I)
_CHECK = re.compile(r"\b(free|available|availability|open|vacant|any\s+(?:courts?|slots?|times?)\b(?=[^.!]*\?)|"
                    r"what\s+times?|which\s+courts?|is\s+there|are\s+there|when\s+can|show\s+me|"
                    r"check|anything)\b", re.I)
_CONFIRM = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok(?:ay)?|please\s+do|go\s+ahead|do\s+it|sounds\s+good|perfect|"
                      r"great|confirm|book\s+it|that\s+works|correct|y)\b", re.I)
_DENY = re.compile(r"^\s*(no|nope|nah|never\s*mind|forget\s+it|cancel|don'?t|not\s+now|stop)\b", re.I)
_NEGATED_BOOK = re.compile(r"\b(?:don[’']?t|do\s+not|never(?!\s*mind)|no\s+need\s+to)\s+(?!forget\b|hesitate\b)"
                           r"(?:\w+\s+)?(?:to\s+)?(?:b(?:o|oo+)k|reserve)\b", re.I)
"""A booking verb the user negates: "don't book court A", "I do not want to reserve it" (not "don't forget to book")."""
_CANCEL = re.compile(r"\b(?:cancel|delete|remove|undo|call\s+off)\s+(?:my|our|the|this|that|a)?\s*"
                     r"(?:\w+\s+){0,2}(?:booking|reservation)s?\b", re.I)
_RECALL = re.compile(r"\bwhat\s+(?:did|have)\s+i\s+(?:book|reserve)"
                     r"|\b(?:show|list|see)\s+(?:me\s+)?my\s+(?:bookings?|reservations?)"
                     r"|\bmy\s+(?:bookings|reservations)\b|\bdid\s+i\s+(?:book|reserve)\b", re.I)
_GREET = re.compile(r"^\s*(hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening)|greetings)\b", re.I)
_THANKS = re.compile(r"\b(thanks?|thank\s+you|cheers|ta|much\s+appreciated)\b", re.I)
_BYE = re.compile(r"\b(bye|goodbye|see\s+you|that'?s\s+all|cya)\b", re.I)


def parse_intent(text: str, facts_named: bool, expecting: Expecting | None = None) -> Intent | None:
    """What the message asks for; None when it only adds facts ("3pm", "court A")."""
    if expecting == "confirm" and _CONFIRM.search(text):
        return "confirm"
    if _CANCEL.search(text):
        return "cancel"
    if _RECALL.search(text):
        return "recall"
    if _BOOK.search(_NEGATED_BOOK.sub(" ", text)) and not re.search(r"\bhow\s+(?:do|can)\s+i\s+book\b", text, re.I):
        return "book"
    if _CHECK.search(text) or (facts_named and text.rstrip().endswith("?")):
        return "check"
    if _NEGATED_BOOK.search(text) or _DENY.search(text):
        return "deny"
    if _CONFIRM.search(text):
        return "confirm"
    if _THANKS.search(text):
        return "thanks"
    if _BYE.search(text):
        return "bye"
    if _GREET.search(text):
        return "greet"
    return None if facts_named else "off_topic"


# --- Someone else --------------------------------------------------------------------------

_ON_BEHALF = re.compile(r"\b(?:(?:for|as(?:\s+user)?|on\s+behalf\s+of)\s+|user(?:_?id)?\s*[=:]\s*)"
                        r"([A-Za-z][\w.-]{1,30})\b", re.I)
_NOT_A_NAME = {
    "me", "myself", "us", "you", "a", "an", "the", "my", "our", "two", "three", "four", "doubles", "singles",
    "today", "tonight", "tomorrow", "tmrw", "now", "this", "next", "that", "it", "one", "an", "hour", "court",
    "courts", "slot", "booking", "tennis", "practice", "fun", "later", "sure", "ever", "all", "any", "some",
    *_WEEKDAYS.split("|"), *_MONTHS.split("|"), *_NUMBER_WORDS,
}


def parse_on_behalf(text: str) -> str | None:
    """A person the message asks to book for, other than the speaker."""
    for match in _ON_BEHALF.finditer(text):
        name = match.group(1)
        if name.lower() not in _NOT_A_NAME and not name[0].isdigit() and not re.fullmatch(r"[A-D]", name):
            return name
    return None


# --- All together -----------------------------------------------------------------------------


_INVISIBLE = re.compile("[\u200c-\u200f\u2060-\u2064\ufeff\u00ad]")
"""Joiners, direction marks, soft hyphens: invisible, and no word break (a zero-width space is one)."""


def understand(text: str, today: date, expecting: Expecting | None = None) -> Facts:
    """Read one user message."""
    text = unicodedata.normalize("NFKC", text).replace("\u200b", " ")  # full-width "ｃｏｕｒｔ Ａ" reads as "court A"
    text = " ".join(_INVISIBLE.sub("", text).split())
    foreign, language = read_language(text)
    if foreign:  # nothing in it can be read reliably: say so rather than guess at a court or a time
        return Facts(intent="other_language", language=language)
    slot = _SLOT_ID.search(text)
    when, phrase = parse_date(text, today)
    dateless = _DATE_SPAN.sub(" ", text)
    time = parse_time(dateless, expecting)
    if time and phrase and phrase.lower() == "tonight" and int(time[:2]) < 12:
        time = f"{int(time[:2]) + 12:02d}{time[2:]}"
    court, any_court, pick = parse_court(_without_times(dateless), expecting)
    courts = parse_courts(_without_times(dateless))
    count = parse_count(dateless)
    if courts:
        court, any_court, pick = courts[0], False, None
    facts = Facts(date=when, time=time, court=court, any_court=any_court, pick=pick,
                  slot_id=slot.group(0).upper() if slot else None, date_phrase=phrase, on_behalf=parse_on_behalf(text),
                  courts=courts, count=count if count and count > len(courts) else None)
    if slot:
        facts = replace(facts, court=slot.group(1).upper(), date=date.fromisoformat(slot.group(2)),
                        time=f"{slot.group(3)[:2]}:{slot.group(3)[2:]}", courts=())
    intent = parse_intent(text, facts.has_booking_facts, expecting)
    question = bool(_QUESTION.search(text))
    if intent == "check" and facts.any_court and not question:  # "whichever is free": no preference, not a question
        intent = None
    asks = intent == "check" and question and bool(_CHECK.search(text))
    return replace(facts, intent=intent, asks=asks)


_QUESTION = re.compile(r"\?\s*$|^\s*(?:is|are|what|which|when|do|does|have|has|anything|any|can\s+i\s+see)\b", re.I)
"""A question, by its mark or its first word: "Is court C free at 4pm?", "what's open Friday"."""


def _without_times(text: str) -> str:
    """The text with time expressions removed, so "3 pm" or "7 a.m." never reads as court A."""
    for pattern, _ in _TIME_PATTERNS:
        text = pattern.sub(" ", text)
    return text
