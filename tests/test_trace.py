"""The decision trace: events in order, live subscribers, secrets scrubbed, JSON and Mermaid export."""

from __future__ import annotations

import json

from orchestration.observe.trace import Event, Trace, actor_label


def _two_steps(trace: Trace) -> None:
    trace.begin_turn()
    trace.emit("user", "code", "message", "user", "“Book court A; tomorrow #1”", {"text": "Book court A"})
    trace.emit("model:gpt-4.1-mini", "code", "choose_tool", "llm", "suggest book(...)", {"tool": "book"},
               tokens_in=120, tokens_out=12, ms=35.25, model_call=True)


def test_events_are_numbered_and_typed() -> None:
    trace = Trace()
    _two_steps(trace)
    assert trace.events[1] == Event(step=2, turn=1, actor="model:gpt-4.1-mini", target="code", action="choose_tool",
                                    decided_by="llm", summary="suggest book(...)", detail={"tool": "book"},
                                    tokens_in=120, tokens_out=12, ms=35.25, model_call=True)


def test_subscribers_receive_each_event_as_it_happens_and_can_leave() -> None:
    trace = Trace()
    seen: list[int] = []
    leave = trace.subscribe(lambda event: seen.append(event.step))
    trace.emit("user", "code", "message", "user", "hi")
    assert seen == [1]
    leave()
    trace.emit("code", "user", "reply", "code", "hello")
    assert seen == [1]


def test_secrets_are_scrubbed_from_summaries_and_details() -> None:
    trace = Trace(secrets=["sk-secret-value"])
    trace.emit("code", "user", "reply", "code", "failed with key sk-secret-value",
               {"error": {"headers": ["Bearer sk-secret-value"]}})
    assert trace.events[0].summary == "failed with key ***"
    assert trace.events[0].detail == {"error": {"headers": ["Bearer ***"]}}


def test_metrics_count_model_calls_tools_tokens_and_deciders() -> None:
    trace = Trace()
    _two_steps(trace)
    trace.emit("code", "calendar", "execute_tool", "code", "run book → booked")
    assert trace.metrics() == {"llm_calls": 1, "tool_calls": 1, "tokens_in": 120, "tokens_out": 12,
                               "prompt_tokens": 120, "prompt_tokens_evaluated": None, "prompt_tokens_floor": None,
                               "decisions": {"code": 1, "llm": 1, "user": 1}}


def test_the_floor_is_what_follows_the_longest_prefix_shared_with_any_earlier_call() -> None:
    trace = Trace()
    trace.prompts.add(1, 5, 5, [1, 2, 3, 4, 5])
    trace.prompts.add(1, 4, 2, [9, 9, 9, 9])  # another agent: nothing shared
    trace.prompts.add(2, 7, 3, [1, 2, 3, 4, 5, 6, 7])  # the first agent again, two tokens on
    trace.prompts.adopt([{"sent": 5, "evaluated": None, "tokens": [9, 9, 8, 8, 8]}], turn=2)  # from a Lambda
    assert trace.prompts.totals() == {"prompt_tokens": 21, "prompt_tokens_evaluated": None, "prompt_tokens_floor": 14}
    assert trace.prompts.totals({1}) == {"prompt_tokens": 9, "prompt_tokens_evaluated": 7, "prompt_tokens_floor": 9}


def test_json_export_round_trips() -> None:
    trace = Trace()
    _two_steps(trace)
    exported = json.loads(trace.to_json())
    assert [Event(**e) for e in exported["events"]] == list(trace.events)
    assert exported["metrics"] == trace.metrics()


def test_mermaid_export_is_a_sequence_diagram_with_safe_text() -> None:
    trace = Trace()
    _two_steps(trace)
    assert trace.to_mermaid() == (
        "sequenceDiagram\n"
        "    participant p1 as You\n"
        "    participant p2 as Your code\n"
        "    participant p3 as Model gpt-4.1-mini\n"
        "    p1->>p2: 1. “Book court A#59; tomorrow #35;1” [user]\n"
        "    p3-->>p2: 2. suggest book(...) [llm]\n"
    )


def test_actor_labels() -> None:
    assert [actor_label(a) for a in ("user", "code", "runtime", "manager", "calendar", "model:gpt-4.1-mini",
                                     "model:offline model (rule-based)", "sub-agent:availability",
                                     "lambda:booking")] == [
        "You", "Your code", "Agent runtime", "Manager", "Calendar", "Model gpt-4.1-mini",
        "Offline model (rule-based)", "Sub-agent availability", "Lambda booking"]


def test_an_error_is_scrubbed_before_it_is_cut_short() -> None:
    """Regression: a key straddling the 300-character cut left its first characters in the message."""
    from orchestration.patterns.base import describe_error

    key = "sk-live-" + "k" * 40
    trace = Trace([key])
    message = describe_error(RuntimeError("x" * 280 + key + " rest"), trace.scrub)
    assert "sk-live" not in message and "kkkk" not in message
