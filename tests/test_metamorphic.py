"""Metamorphic: reword every prompt, instruction, agent name and tool description, and nothing else changes.

A real model reads meaning. If a pattern, or the offline model standing in for one, depended on the
exact words of an instruction, a paraphrase would change what gets booked or what the user is told.
Each run replaces all of them at once with one paraphrase from the tables below (two per text),
runs the same conversations through all seven patterns, and compares the calendar and the facts
in the replies (courts, times, confirmation codes) with the run on the original words.

A paraphrase only proves something if the model reads it, so every request the offline model
answers is recorded (every vendor, G's in-process Lambdas included), and each run also checks that
every paraphrase reached the model where that text goes — a system prompt in that pattern's
requests to that vendor, a tool description in every request that offers the tool, pattern E's
step-2 task in its booking step's input — and that none of the original words is left anywhere.
Agent names are reworded too, but no vendor request carries them to the model.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agents import Agent, FunctionTool

from orchestration import tools
from orchestration.patterns import a_ai_as_service as a
from orchestration.patterns import b_bedrock_agent as b
from orchestration.patterns import base
from orchestration.patterns import c_function_calling as c
from orchestration.patterns import d_agents_sdk as d
from orchestration.patterns import e_workflow as e
from orchestration.patterns.bedrock_agents import AgentDefinition
from orchestration.patterns.f_manager_bedrock import availability_agent as f_availability
from orchestration.patterns.f_manager_bedrock import booking_agent as f_booking
from orchestration.patterns.f_manager_bedrock import manager as f
from orchestration.patterns.g_lambda_agents import availability_lambda as g_availability
from orchestration.patterns.g_lambda_agents import booking_lambda as g_booking
from orchestration.patterns.g_lambda_agents import manager as g
from orchestration.vendors.offline.protocol import ModelRequest

from .helpers import TODAY, VENDORS, Recorded, bookings_by, converse, new_calendar, record_requests

CONVERSATIONS = {
    "dialogue": ("demo", ("Book a court for tomorrow", "3pm", "A")),
    "one message": ("empty", ("Book court B tomorrow at 9am",)),
    "question": ("demo", ("Any courts free tomorrow at 3pm?",)),
    "taken": ("demo", ("Book court C tomorrow at 3pm",)),
    "no such court": ("empty", ("Book court F tomorrow at 10am",)),
    "any court": ("empty", ("Book any court tomorrow at 10am",)),  # the one that sends E's WISHES["any"]
}

CHAT, RESPONSES, MESSAGES, CONVERSE, AGENTS = (VENDORS[f"orchestration.vendors.offline.{name}"] for name in (
    "openai_chat", "openai_responses", "anthropic_messages", "bedrock_runtime", "bedrock_agents"))

Reaches = frozenset[tuple[str, str]]
"""(pattern letter, vendor): where a text must reach the model."""


def reaches(**by_letter: str | tuple[str, ...]) -> Reaches:
    return frozenset((letter, vendor) for letter, vendors in by_letter.items()
                     for vendor in ((vendors,) if isinstance(vendors, str) else vendors))


# --- The paraphrases --------------------------------------------------------------------------------
# Each rewords the text it replaces, as of the pattern modules it names, and keeps its placeholders.

RULES = (
    "Always look up availability before you book anything. When more than one court is open and the member did not "
    "pick one, ask them which. If the day, the time or the court is missing, ask for it. Book at most once per "
    "request. After a booking succeeds, tell the member the court, the day, the time and the confirmation code. "
    "Every booking is made in the name of the member who is signed in.",
    "Rules: check first, then book. Missing day, time or court? Ask. Several open courts and no preference given? "
    "Let the member choose. One booking per request, never two. Confirm with court, day, time and confirmation "
    "code. Bookings belong to the signed-in member.",
)
"""base.ASSISTANT_RULES, as C, D, F and G give it."""
RULES_REACH = reaches(C=CHAT, D=RESPONSES, F=RESPONSES, G=RESPONSES)

TODAY_LINES: tuple[Callable[[Any], str], Callable[[Any], str]] = (
    lambda today: f"The current date is {today.isoformat()}, a {today:%A}.",
    lambda today: f"For reference, today's date: {today.isoformat()} ({today:%A}).",
)
"""base.today_line. B's and F's Bedrock agents get the date as a prompt attribute instead."""
TODAY_REACH = reaches(A=CONVERSE, C=CHAT, D=RESPONSES, E=RESPONSES, F=RESPONSES, G=(RESPONSES, CONVERSE, MESSAGES))

PROMPTS: dict[tuple[Any, str], tuple[tuple[str, str], Reaches]] = {  # module-level prompts, read when used
    (a, "PARSE_PROMPT"): ((
        "{today} Your job is to turn a tennis court booking conversation into data. Answer with one JSON object and "
        "nothing else: the member's request as it stands once their most recent message is taken into account. Keys: "
        "intent (\"book\", \"check\" or \"other\"), date (YYYY-MM-DD), time (24-hour HH:MM) and court (\"A\" to \"D\", "
        "or \"any\" when the member says any court is fine). Anything the member has not mentioned is null.",
        "Read this tennis-court booking conversation and extract the request. {today} Return JSON only, one object and "
        "no prose, reflecting where the request stands after the user's last message. Fields: intent: \"book\", "
        "\"check\" or \"other\"; date: YYYY-MM-DD; time: HH:MM on a 24-hour clock; court: \"A\"-\"D\", or \"any\" if "
        "the user is happy with any court. Fields the user has not given are null."),
        reaches(A=CONVERSE)),
    (c, "SYSTEM_PROMPT"): ((
        "{today} You handle court bookings at the front desk of a tennis club; it has four courts, A to D.\n{rules}",
        "Role: court reservations assistant for a tennis club (courts A, B, C and D). {today}\n{rules}"),
        reaches(C=CHAT)),
    (d, "INSTRUCTIONS"): ((
        "You take court reservations for a tennis club whose courts are A, B, C and D. {today}\n{rules}",
        "{today} Members of a tennis club come to you to book one of its courts: A, B, C or D.\n{rules}"),
        reaches(D=RESPONSES)),
    (f, "INSTRUCTIONS"): ((
        "{today} You run the booking desk of a tennis club with courts A to D. You have no access to the calendar; two "
        "specialists do. Send questions about availability to the availability agent and reservations to the booking "
        "agent. To make a booking, get the open slots from the availability agent first, then have the booking agent "
        "reserve the one chosen. Sum up what they tell you when you answer the member.\n{rules}",
        "Tennis club booking desk; the courts are A, B, C and D. {today}\nYou coordinate two specialists: the "
        "availability agent knows which slots are open, and the booking agent makes reservations. For a booking, ask "
        "the availability agent first, then the booking agent for the slot picked, and answer the user from what they "
        "report.\n{rules}"),
        reaches(F=RESPONSES)),
    (g, "INSTRUCTIONS"): ((
        "You run the booking desk of a tennis club with courts A to D. {today}\nTwo Lambda functions do the work: send "
        "availability questions to the availability Lambda and reservations to the booking Lambda. For a booking, get "
        "the open slots from the availability Lambda first, then have the booking Lambda reserve the slot chosen. "
        "Combine what they return into your reply to the user.\n{rules}",
        "{today} You coordinate bookings for a tennis club with four courts (A, B, C, D) through two specialist "
        "Lambdas: the availability Lambda says what is open, the booking Lambda makes reservations. Call the "
        "availability one first, then the booking one for the slot picked, and summarise their answers for the "
        "member.\n{rules}"),
        reaches(G=RESPONSES)),
    (g_availability, "SYSTEM"): ((
        "{today} Find out which tennis courts (A to D) are open by calling check_availability, and report the open "
        "slots.",
        "Report the open slots on the club's tennis courts A, B, C and D, using check_availability to find them. "
        "{today}"),
        reaches(G=CONVERSE)),
    (g_booking, "SYSTEM"): ((
        "{today} Reserve tennis court slots using the book tool: reserve precisely the slot requested, then confirm "
        "it.",
        "Use the book tool to book the one tennis court slot you are asked for, and confirm the reservation "
        "afterwards. {today}"),
        reaches(G=MESSAGES)),
}
E_INSTRUCTIONS: dict[str, tuple[Agent[Any], tuple[str, str]]] = {  # E renders these into its agents at import
    "AVAILABILITY_INSTRUCTIONS": (e.availability_agent, (
        "{today} Find out which day and time the member has in mind; if either is missing, ask for it in `message`. "
        "Once you know both, call check_availability and list the open slots. Note the court the member asked for, "
        "if they named one. Booking is not your job. The club's courts are A, B, C and D.",
        "Availability step for a tennis club with courts A to D. {today}\nEstablish the day and the time (ask in "
        "`message` for whichever is missing), then call check_availability and report the open slots, along with any "
        "court the user requested. You are not able to book.")),
    "BOOKING_INSTRUCTIONS": (e.booking_agent, (
        "{today} Using the book tool, reserve one of the slots you have been given: the one the member wants. If they "
        "did not name a court and more than one is open, ask them which instead of booking. Say whether the booking "
        "went through and give the confirmation code.",
        "Booking step. {today} Choose from the listed slots the one the user asked for and book it with the book "
        "tool; with several open and no court named, ask the user to pick rather than booking. Report the outcome and "
        "the confirmation code.")),
}
STEP_2_TASK = ("Slots available for this booking: {slots}. {wish}",
               "{wish} Book one of these open slots: {slots}.")
"""e.STEP_2_TASK: what E's code hands its booking agent (a user message, not a system prompt)."""
WISHES = {"court": ("The member wants court {court}.", "The member requested court {court}."),
          "any": ("Any court will do for the member.", "The user has no preference between courts."),
          "none": ("The member did not name a court.", "No particular court was requested.")}
"""e.WISHES: what E's code tells its booking agent about the court."""
BEDROCK_AGENTS: dict[tuple[tuple[Any, ...], str], tuple[tuple[tuple[str, str], tuple[str, str]], Reaches]] = {
    ((b,), "BOOKING_AGENT"): ((
        ("tennis-desk-agent", "You book courts A to D for the members of a tennis club. Look up availability before "
                              "you book, ask for whatever is missing, and when several courts are free, ask the member "
                              "which one."),
        ("club-reservations", "Book the tennis club's courts (A, B, C and D) for its members: check what is free "
                              "first, ask for any missing details, and ask which court when more than one is free.")),
        reaches(B=AGENTS)),
    ((f, f_availability), "AVAILABILITY_AGENT"): ((
        ("slot-finder", "You find open tennis courts (A to D): call check_availability and report the open slots. "
                        "Booking is not something you can do."),
        ("availability-desk", "Report the open slots on the tennis courts A, B, C and D, using check_availability. "
                              "You are unable to make bookings.")),
        reaches(F=AGENTS)),
    ((f, f_booking), "BOOKING_AGENT"): ((
        ("reservation-maker", "You reserve tennis court slots. Reserve precisely the slot requested using the book "
                              "function, and confirm the reservation."),
        ("booking-desk", "Make the tennis court booking you are asked for with the book function, that slot and no "
                         "other, then confirm it.")),
        reaches(F=AGENTS)),
}
AGENT_NAMES = [(d.booking_agent, ("Court helper", "Reservations")),
               (e.availability_agent, ("Slot checker", "Step one")), (e.booking_agent, ("Reserver", "Step two")),
               (f.manager, ("Front desk", "Coordinator")), (g.manager, ("Desk lead", "Dispatcher"))]
"""Agents SDK agents' names: reworded too, though no request carries them to the model."""
TOOL_DESCRIPTIONS: dict[str, tuple[tuple[str, str], Reaches]] = {  # tools.py's two tools, for every vendor
    "check_availability": ((
        "List the free slots on the club's courts A to D for a given day, optionally at a single start time.",
        "Which of the four courts (A, B, C, D) have open slots on a day: the whole day, or one start time."),
        reaches(B=AGENTS, C=CHAT, D=RESPONSES, E=RESPONSES, F=AGENTS, G=CONVERSE)),
    "book": ((
        "Reserve one court slot in the name of the signed-in member, whom the session identifies.",
        "Make a booking of a single court slot; it is made for the user signed in to this session."),
        reaches(B=AGENTS, C=CHAT, D=RESPONSES, E=RESPONSES, F=AGENTS, G=MESSAGES)),
}
SDK_TOOLS = [tool for agent in (d.booking_agent, e.availability_agent, e.booking_agent) for tool in agent.tools]
"""The Agents SDK's own copies of the two tools (D and E): `function_tool` keeps the description it derived."""
DELEGATE_DESCRIPTIONS: list[tuple[FunctionTool, tuple[str, str], Reaches]] = [
    (f.ask_availability_agent, ("Find out from the availability specialist, a Bedrock agent, which courts are open.",
                                "Query the Bedrock availability agent about free courts."), reaches(F=RESPONSES)),
    (f.ask_booking_agent, ("Have the booking specialist, a Bedrock agent, reserve one slot.",
                           "Send one slot to the Bedrock booking agent to reserve."), reaches(F=RESPONSES)),
    (g.ask_availability_lambda, ("Find out which courts are open from the availability specialist, a Lambda function "
                                 "around a Bedrock agent.",
                                 "Query the availability Lambda (a Bedrock agent inside) about free courts."),
     reaches(G=RESPONSES)),
    (g.ask_booking_lambda, ("Have the booking specialist, a Lambda function around a Claude agent, reserve one slot.",
                            "Send one slot to the booking Lambda (a Claude agent inside) to reserve."),
     reaches(G=RESPONSES)),
]


def reword(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Replace every prompt, instruction, agent name and tool description with paraphrase `n`."""
    for module in (base, c, d, f, g):
        monkeypatch.setattr(module, "ASSISTANT_RULES", RULES[n])
    for module in (base, a, c, d, e, f, g, g_availability, g_booking):
        monkeypatch.setattr(module, "today_line", TODAY_LINES[n])
    for (module, name), (texts, _) in PROMPTS.items():
        monkeypatch.setattr(module, name, texts[n])
    for name, (agent, texts) in E_INSTRUCTIONS.items():
        monkeypatch.setattr(e, name, texts[n])
        monkeypatch.setattr(agent, "instructions", e._instructions(texts[n]))  # reads the reworded today_line
    monkeypatch.setattr(e, "STEP_2_TASK", STEP_2_TASK[n])
    monkeypatch.setattr(e, "WISHES", {key: texts[n] for key, texts in WISHES.items()})
    for (modules, name), (versions, _) in BEDROCK_AGENTS.items():
        agent_name, instruction = versions[n]
        for module in modules:
            monkeypatch.setattr(module, name, dataclasses.replace(getattr(module, name), name=agent_name,
                                                                  instruction=instruction))
    for agent, names in AGENT_NAMES:
        monkeypatch.setattr(agent, "name", names[n])
    for tool_name, (texts, _) in TOOL_DESCRIPTIONS.items():
        monkeypatch.setattr(tools.schema(tool_name), "description", texts[n])  # what every vendor's rendering reads
        for tool in SDK_TOOLS:
            if tool.name == tool_name:
                monkeypatch.setattr(tool, "description", texts[n])
    for tool, texts, _ in DELEGATE_DESCRIPTIONS:
        monkeypatch.setattr(tool, "description", texts[n])


# --- Where each text must reach the model -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Wording:
    """One text a model reads: its original words, its two paraphrases, and where it must arrive."""

    label: str
    original: str
    paraphrases: tuple[str, str]
    reach: Reaches
    field: str
    """`system`, `messages` (a user message), or the name of the tool it describes."""


def _wordings() -> list[Wording]:
    """Every reworded text that reaches a model, with its original words as the modules hold them now."""
    found = [Wording("base.ASSISTANT_RULES", base.ASSISTANT_RULES, RULES, RULES_REACH, "system"),
             Wording("base.today_line", base.today_line(TODAY), (TODAY_LINES[0](TODAY), TODAY_LINES[1](TODAY)),
                     TODAY_REACH, "system")]
    found += [Wording(f"{module.__name__}.{name}", getattr(module, name), texts, reach, "system")
              for (module, name), (texts, reach) in PROMPTS.items()]
    found += [Wording(f"{e.__name__}.{name}", getattr(e, name), texts, reaches(E=RESPONSES), "system")
              for name, (_, texts) in E_INSTRUCTIONS.items()]
    found.append(Wording(f"{e.__name__}.STEP_2_TASK", e.STEP_2_TASK, STEP_2_TASK, reaches(E=RESPONSES), "messages"))
    found += [Wording(f"{e.__name__}.WISHES[{key!r}]", e.WISHES[key], texts, reaches(E=RESPONSES), "messages")
              for key, texts in WISHES.items()]
    found += [Wording(f"{modules[0].__name__}.{name}.instruction", getattr(modules[0], name).instruction,
                      (versions[0][1], versions[1][1]), reach, "system")
              for (modules, name), (versions, reach) in BEDROCK_AGENTS.items()]
    found += [Wording(f"tools.{name} description", tools.schema(name).description or "", texts, reach, name)
              for name, (texts, reach) in TOOL_DESCRIPTIONS.items()]
    found += [Wording(f"{tool.name} description", tool.description, texts, reach, tool.name)
              for tool, texts, reach in DELEGATE_DESCRIPTIONS]
    return found


WORDINGS = _wordings()  # the originals, read before any test rewords them
ORIGINAL_TODAY_LINE, ORIGINAL_RULES = base.today_line, base.ASSISTANT_RULES
_PLACEHOLDER = re.compile(r"\{\w+\}")


def _fragments(template: str, n: int | None) -> list[str]:
    """The words of a text as a request carries them: with today's line and the rules of paraphrase `n`
    (None: the original ones) filled in, cut at the placeholders only a run fills in, and at line ends."""
    filled = template.replace("{today}", (TODAY_LINES[n] if n is not None else ORIGINAL_TODAY_LINE)(TODAY))
    filled = filled.replace("{rules}", RULES[n] if n is not None else ORIGINAL_RULES)
    pieces = [piece.strip() for part in _PLACEHOLDER.split(filled) for piece in part.split("\n")]
    return [piece for piece in pieces if len(piece) >= 8]


def _tool_name(name: str) -> str:
    """A tool's own name, without a Bedrock action group's `<group>__` prefix."""
    return name.rsplit("__", 1)[-1]


def _all_text(request: ModelRequest) -> str:
    return "\n".join([request.system, *(m.text for m in request.messages), *(t.description for t in request.tools)])


def unreached(by_letter: dict[str, Recorded], n: int) -> list[str]:
    """Every way paraphrase `n` failed to reach the model where it should, in words."""
    problems = []
    for wording in WORDINGS:
        wanted = wording.paraphrases[n]
        for letter, vendor in sorted(wording.reach):
            requests = [request for who, request in by_letter[letter] if who == vendor]
            if wording.field == "system":
                fragments = _fragments(wanted, n)
                ok = any(all(piece in request.system for piece in fragments) for request in requests)
            elif wording.field == "messages":
                fragments = _fragments(wanted, n)
                ok = any(all(any(piece in m.text for m in request.messages if m.role == "user") for piece in fragments)
                         for request in requests)
            else:
                ok = any(_tool_name(t.name) == wording.field and t.description == wanted
                         for request in requests for t in request.tools)
            where = {"system": "system prompt", "messages": "user message"}.get(wording.field, f"{wording.field} tool")
            if not ok:
                problems.append(f"{wording.label}: paraphrase {n + 1} is in no {where} of pattern {letter}'s "
                                f"requests to {vendor}")
        if wording.field not in ("system", "messages"):  # a tool's description: the same in every request offering it
            told = {t.description for records in by_letter.values() for _, request in records for t in request.tools
                    if _tool_name(t.name) == wording.field}
            if told != {wanted}:
                problems.append(f"{wording.label}: requests offering {wording.field} describe it as {sorted(told)}, "
                                f"not as paraphrase {n + 1}")
    return problems


def left_over(by_letter: dict[str, Recorded]) -> list[str]:
    """Every original text (each line of it) still found in any request: system, messages or tools."""
    texts = [_all_text(request) for records in by_letter.values() for _, request in records]
    return [f"{wording.label}: {piece!r}" for wording in WORDINGS for piece in _fragments(wording.original, None)
            if any(piece in text for text in texts)]


LABELS = re.compile(r"\b(?:question|from|message|input|text|request)\s*:", re.I)
"""Labels the offline model reads the user's words after (dialogue.payload, structured.extract): "Message: ...",
"Previous question: ...", "Book from: ..."."""


def labelled(by_letter: dict[str, Recorded]) -> list[str]:
    """User messages, in any request, that carry such a label: none may, so no decision rests on one."""
    return sorted({f"pattern {letter}: {m.text[:80]!r}" for letter, records in by_letter.items()
                   for _, request in records for m in request.messages if m.role == "user" and LABELS.search(m.text)})


# --- The runs ---------------------------------------------------------------------------------------


def facts(reply: str) -> tuple[frozenset[str], frozenset[str], bool, bool]:
    """What a reply tells the user: courts, times, whether it confirms a booking, and with a code."""
    times = {f"{int(h):02d}:{m}" for h, m in re.findall(r"\b(\d{1,2}):(\d{2})\b", reply)}
    return (frozenset(re.findall(r"\b[A-F]\b", reply)), frozenset(times), bool(re.search(r"\bbooked\b", reply, re.I)),
            bool(re.search(r"TC-[0-9A-F]{6}", reply)))


Outcomes = dict[tuple[str, str], tuple[list, list]]


def run_all(tmp_path: Path, recorded: Recorded) -> tuple[Outcomes, dict[str, Recorded]]:
    """Every conversation through every pattern: what each booked and told, and the requests each made."""
    outcomes, requests = {}, {}
    for letter in "ABCDEFG":
        first = len(recorded)
        for name, (seed, messages) in CONVERSATIONS.items():
            folder = tmp_path / f"{letter}-{name.replace(' ', '-')}"
            folder.mkdir()
            calendar = new_calendar(folder, seed)
            chat = converse(letter, calendar)
            replies = [chat.send(message) for message in messages]
            outcomes[letter, name] = (bookings_by(calendar, "alice"), [facts(r) for r in replies])
        requests[letter] = recorded[first:]
    return outcomes, requests


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcomes, dict[str, Recorded]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return run_all(tmp_path_factory.mktemp("original"), record_requests(monkeypatch))


@pytest.mark.parametrize("n", [0, 1])
def test_paraphrased_prompts_book_the_same_and_tell_the_same(
    n: int, original: tuple[Outcomes, dict[str, Recorded]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reword(monkeypatch, n)
    reworded, requests = run_all(tmp_path, record_requests(monkeypatch))
    before = original[0]
    differ = {key: (before[key], reworded[key]) for key in before if before[key] != reworded[key]}
    missing, kept, labels = unreached(requests, n), left_over(requests), labelled(requests)
    print(f"paraphrase {n + 1}: {len(before) - len(differ)}/{len(before)} conversations unchanged "
          f"({len({k[0] for k in before} - {k[0] for k in differ})}/7 patterns)")
    print(f"paraphrase {n + 1}: {len(WORDINGS)} texts reworded; {len(missing)} failed to reach the model, "
          f"{len(kept)} original lines left, {len(labels)} labelled messages, "
          f"in {sum(map(len, requests.values()))} requests")
    # A paraphrase the model never read, original words it still reads, or a label to lean on: this run proves nothing.
    assert {"not reached": missing, "left over": kept, "labelled": labels} == \
        {"not reached": [], "left over": [], "labelled": []}
    assert differ == {}, "booked or told differently:\n" + "\n".join(
        f"  {letter} {name}: {was} -> {now}" for (letter, name), (was, now) in differ.items())
    assert before["A", "dialogue"][0] == [("A", "2025-12-04", "15:00")]  # the originals are what they should be


# --- The check itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1])
def test_words_left_as_they_were_fail_the_check(n: int, original: tuple[Outcomes, dict[str, Recorded]]) -> None:
    """The run on the original words, checked as if reworded: every paraphrase is reported missing and
    every original line found — so each original is read by the model where its paraphrase must be."""
    requests = original[1]
    missing = unreached(requests, n)
    for wording in WORDINGS:
        assert any(problem.startswith(f"{wording.label}:") for problem in missing), wording.label
    kept = left_over(requests)
    for wording in WORDINGS:
        for piece in _fragments(wording.original, None):
            assert f"{wording.label}: {piece!r}" in kept
    assert {vendor for records in requests.values() for vendor, _ in records} == set(VENDORS.values())


def test_a_gives_its_parser_the_earlier_messages_as_turns(original: tuple[Outcomes, dict[str, Recorded]]) -> None:
    """Pattern A writes no "Previous question:" or "Message:" labels: its parse request holds the request's
    earlier messages as user and assistant turns, so rewording its prompt (above) leaves nothing else to read."""
    parses = [request for _, request in original[1]["A"]]
    assert ["user", "assistant", "user", "assistant", "user"] in [[m.role for m in r.messages] for r in parses]
    assert labelled({"A": original[1]["A"]}) == []


def test_every_paraphrase_is_new_words_with_the_same_placeholders() -> None:
    for wording in WORDINGS:
        for n, paraphrase in enumerate(wording.paraphrases):
            assert sorted(_PLACEHOLDER.findall(paraphrase)) == sorted(_PLACEHOLDER.findall(wording.original)), \
                (wording.label, n)
            assert paraphrase != wording.original
            others = [w.original for w in WORDINGS]
            assert not any(piece in other for piece in _fragments(paraphrase, n) for other in others), \
                (wording.label, n)


def test_a_tool_description_is_one_value_for_every_vendor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording `tools.schema(name).description` rewords the tool as every vendor receives it."""
    for name in ("check_availability", "book"):
        assert tools.schema(name) is tools.schema(name, True) is tools.schema(name, strict=True)
        monkeypatch.setattr(tools.schema(name), "description", f"reworded {name}")
    rendered = [[t["function"]["description"] for t in tools.openai_chat_tools()],
                [t["description"] for t in tools.openai_responses_tools()],
                [t["description"] for t in tools.anthropic_tools()],
                [t["toolSpec"]["description"] for t in tools.bedrock_converse_tools()["tools"]],
                [t["description"] for t in tools.bedrock_agent_functions()["functions"]]]
    assert rendered == [["reworded check_availability", "reworded book"]] * 5


PATTERN_MODULES = (a, b, base, c, d, e, f, f_availability, f_booking, g, g_availability, g_booking,
                   importlib.import_module("orchestration.patterns.bedrock_agents"),
                   importlib.import_module("orchestration.patterns.manager"),
                   importlib.import_module("orchestration.patterns.memory"))
NOT_READ_BY_A_MODEL = {"FUNCTION_NAME": "a Lambda's name, for your code", "ACTION_LAMBDA": "a Lambda's name",
                       "CAN_DO": "A's code's own reply to the user, like its other replies (a model sees it only as an "
                                 "earlier turn of the conversation)"}


def test_every_text_a_pattern_module_gives_a_model_is_reworded() -> None:
    """Every module-level string of every pattern module, every Bedrock agent's definition, and every
    Agents SDK agent's name and tools: a new prompt cannot slip past this test unreworded."""
    covered = {(module.__name__, name) for module, name in PROMPTS}
    covered |= {(e.__name__, name) for name in (*E_INSTRUCTIONS, "STEP_2_TASK", "WISHES")}
    covered |= {(module.__name__, name) for modules, name in BEDROCK_AGENTS for module in modules}
    covered |= {(module.__name__, "ASSISTANT_RULES") for module in (base, c, d, f, g)}
    reworded_tools = {id(tool) for tool in SDK_TOOLS} | {id(tool) for tool, _, _ in DELEGATE_DESCRIPTIONS}
    renamed = {id(agent) for agent, _ in AGENT_NAMES}
    missing = []
    for module in PATTERN_MODULES:
        for name, value in vars(module).items():
            where = f"{module.__name__}.{name}"
            if name.startswith("__") or name in NOT_READ_BY_A_MODEL:
                continue
            texts = isinstance(value, str) or (isinstance(value, dict) and value
                                               and all(isinstance(v, str) for v in value.values()))
            if (texts or isinstance(value, AgentDefinition)) and (module.__name__, name) not in covered:
                missing.append(where)
            if isinstance(value, Agent):
                missing += [f"{where} name"] * (id(value) not in renamed)
                missing += [f"{where} tool {tool.name}" for tool in value.tools if id(tool) not in reworded_tools]
            if isinstance(value, FunctionTool) and id(value) not in reworded_tools:
                missing.append(where)
    assert missing == []
