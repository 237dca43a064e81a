"""The SDK patterns' memory has a budget: a long conversation stops growing the prompt, and the
trace says when older turns were left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.patterns import memory

from .helpers import converse, new_calendar


@pytest.mark.parametrize("letter", ["D", "E", "F"])
def test_a_long_conversation_is_trimmed_to_the_budget(letter: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "SESSION_BUDGET", 12)  # reached within a few turns
    conversation = converse(letter, new_calendar(tmp_path))
    per_turn = []
    for _ in range(12):
        conversation.send("Is court A free tomorrow at 3pm?")
        turn = conversation.trace.of_turn(conversation.trace.turn)
        per_turn.append(max((e.tokens_in for e in turn if e.model_call), default=0))
    trims = [e for e in conversation.trace.events if e.summary.startswith("trim the session")]
    assert trims, f"{letter}: 12 turns never reached a budget of 12 items"
    assert max(per_turn[-4:]) <= max(per_turn[:-4]) * 1.1, per_turn  # the prompt stopped growing
