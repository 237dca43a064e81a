"""Held-out phrasing table for the tennis-court booking assistant's language understanding.

This file was written WITHOUT reading the parser (nothing under orchestration/ was
opened) and without looking at tests/phrasings.py. It is meant as an independent,
held-out set of realistic user messages.

Each row is (message, expecting, facts):
  - message:   what the user typed
  - expecting: what the assistant had just asked ("date", "time", "court",
               "confirm") or None at the start of a conversation
  - facts:     only the keys that should be checked; all answers are meant to be
               unambiguous

Fixed assumptions: today is Wednesday 2025-12-03; courts are A-D; slots start on
the hour 07:00-21:00; bare hours are read inside opening hours (7-11 morning,
12 noon, 1-6 afternoon/evening).
"""

PHRASINGS_HELDOUT: list[tuple[str, str | None, dict]] = [
    # ---- dates (15) ----
    ("Can I book a court tomorrow?", None, {"intent": "book", "date": "2025-12-04", "court": None}),
    ("friday please", "date", {"intent": None, "date": "2025-12-05"}),
    ("next Monday", "date", {"intent": None, "date": "2025-12-08"}),
    ("the 12th", "date", {"date": "2025-12-12"}),
    ("How about the 2nd?", "date", {"date": "2026-01-02"}),
    ("Dec 24", "date", {"date": "2025-12-24"}),
    ("Is anything free on Jan 5?", None, {"intent": "check", "date": "2026-01-05"}),
    ("Friday next week", "date", {"date": "2025-12-12"}),
    ("Wednesday", "date", {"date": "2025-12-10"}),
    ("today", "date", {"date": "2025-12-03"}),
    ("I'd like to reserve a court on December 20th", None, {"intent": "book", "date": "2025-12-20", "court": None}),
    ("Saturday works for me", "date", {"date": "2025-12-06"}),
    ("Sunday", "date", {"date": "2025-12-07"}),
    ("What's available on the 15th?", None, {"intent": "check", "date": "2025-12-15"}),
    ("January 10", "date", {"date": "2026-01-10"}),
    # ---- times (15) ----
    ("3pm", "time", {"intent": None, "time": "15:00"}),
    ("at 7 in the evening", "time", {"time": "19:00"}),
    ("noon", "time", {"time": "12:00"}),
    ("around 10", "time", {"time": "10:00"}),
    ("5", "time", {"time": "17:00"}),
    ("4:30pm", "time", {"time": "16:30"}),
    ("18:00", "time", {"time": "18:00"}),
    ("8am please", "time", {"time": "08:00"}),
    ("Book court B tomorrow at 9am", None, {"intent": "book", "court": "B", "date": "2025-12-04", "time": "09:00"}),
    ("Anything open at 2 on Friday?", None, {"intent": "check", "time": "14:00", "date": "2025-12-05"}),
    ("7 o'clock in the morning", "time", {"time": "07:00"}),
    ("how about 6pm", "time", {"time": "18:00"}),
    ("9 pm", "time", {"time": "21:00"}),
    ("at 11", "time", {"time": "11:00"}),
    ("Can we do 1pm instead?", "time", {"time": "13:00"}),
    # ---- courts (12) ----
    ("Court C", "court", {"intent": None, "court": "C"}),
    ("B please", "court", {"intent": None, "court": "B"}),
    ("any court is fine", "court", {"any_court": True}),
    ("I don't mind which court", "court", {"any_court": True}),
    ("Book a court for tomorrow at 3pm", None,
     {"intent": "book", "court": None, "date": "2025-12-04", "time": "15:00"}),
    ("Can I get court F?", "court", {"court": "F"}),
    ("the first one", "court", {"pick": 0}),
    ("the second one please", "court", {"pick": 1}),
    ("the last one", "court", {"pick": -1}),
    ("doesn't matter, whichever is free", "court", {"any_court": True}),
    ("I'd like to reserve court A on Saturday", None, {"intent": "book", "court": "A", "date": "2025-12-06"}),
    ("Is court C free at 5pm tomorrow?", None,
     {"intent": "check", "court": "C", "time": "17:00", "date": "2025-12-04"}),
    # ---- intents (18) ----
    ("Hi there", None, {"intent": "greet"}),
    ("Good morning!", None, {"intent": "greet"}),
    ("thank you!", None, {"intent": "thanks"}),
    ("Bye", None, {"intent": "bye"}),
    ("see you later", None, {"intent": "bye"}),
    ("yes", "confirm", {"intent": "confirm"}),
    ("sure, go ahead", "confirm", {"intent": "confirm"}),
    ("ok", "confirm", {"intent": "confirm"}),
    ("no", "confirm", {"intent": "deny"}),
    ("never mind", "confirm", {"intent": "deny"}),
    ("no thanks", "confirm", {"intent": "deny"}),
    ("Who won the football game last night?", None, {"intent": "off_topic"}),
    ("I want to play tennis on Friday", None, {"intent": "book", "date": "2025-12-05"}),
    ("What courts are free tomorrow morning?", None, {"intent": "check", "date": "2025-12-04"}),
    ("Any availability this Saturday?", None, {"intent": "check", "date": "2025-12-06"}),
    ("Hey, can I book a court?", None, {"intent": "book", "court": None}),
    ("Yes please, book it", "confirm", {"intent": "confirm"}),
    ("Could you reserve court B for me next Monday at 6pm?", None,
     {"intent": "book", "court": "B", "date": "2025-12-08", "time": "18:00"}),
]
