"""The page every pattern shares: chat beside the live decision graph, then what the run did.

Left, the chat (kept per browser session and per pattern). Right, the graph of who decided each
step, with a slider to replay the run. Below: the steps, the article's architecture with this run's
path, who controlled what, the pattern's own code, what it is good for, and the trace to download.

Speed (benchmarks/bench_app.py): the graph is inline SVG (`graph.draw`), framed so that a replay never
moves the view; a turn redraws it live only when it runs longer than `LIVE_AFTER_S` (a real model); the
architecture drawing is laid out only while its tab is open.
"""

from __future__ import annotations

import json
import time

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orchestration.observe.trace import MODEL_DECIDERS, Event, Trace, actor_label, code_share
from orchestration.patterns import PATTERNS, Conversation, PatternInfo
from orchestration.patterns.base import MAX_MESSAGE_CHARS
from orchestration.vendors.pricing import estimate_cost

from . import recorded, session
from .architecture import dot
from .graph import DECIDER_COLORS, DECIDER_NAMES, draw, legend
from .guards import code_section
from .live import run_turn, settle_heap
from .text import plain

LIVE_AFTER_S = 0.5
"""A turn still running after this long draws its graph as it goes (a fresh component each time); a
faster one draws once, when it ends."""
TABS = ("Steps", "Architecture", "Who controls what", "Code", "About this pattern", "Export")
DAYS = "page_days"
"""Session key: pattern letter -> the day its page's calendar was laid out for (kept across reloads)."""
FAULTS_SEEN = "faults_seen"
"""Session key: pattern letter -> the fault its conversation last ran with (kept across reloads)."""
VIEWS = ("Every step: each arrow lists its step numbers", "Gathered: one arrow per pair of actors, with its count")
"""The graph's two views; the gathered one expands back into every step."""
ZOOMS = {"Fit": 1.0, "1.5×": 1.5, "2×": 2.0, "3×": 3.0}
"""How large the graph is drawn: fitted to its box, or larger in a box that scrolls (for long runs)."""
MAX_TYPED_CHARS = 50_000
"""What the chat box takes in. Past `MAX_MESSAGE_CHARS` a message is refused aloud, and shown back."""


def render(letter: str) -> None:
    info = PATTERNS[letter]
    st.title(f"{letter} · {info.name}")
    st.caption(f"{info.style} — {info.who_decides}")
    chat_column, graph_column = st.columns([35, 65], gap="medium")
    with graph_column:
        st.markdown("**Who decided each step**")
        legend()
        graph_slot = st.empty()
    _new_day(letter)
    with chat_column:
        replayed = recorded.section(letter, graph_slot)
        if replayed is None:
            _chat(letter, graph_slot)
    trace = replayed or session.conversation(letter).trace
    with graph_column:
        upto = _replay(letter, trace, graph_slot)
    _details(info, trace, upto)
    settle_heap()


# --- Chat ---------------------------------------------------------------------------------------


def _new_day(letter: str) -> None:
    """When "today" changed since this page's calendar was laid out: lay it out again for the new day (the
    demo state is laid out around "today") if nothing was booked on the page; else keep its bookings, which
    are never deleted behind the user's back. Either way, say so in the chat."""
    today = session.clock().today()
    days = st.session_state.setdefault(DAYS, {})
    laid = days.get(letter)
    days[letter] = today
    if laid is None or laid == today or letter not in session.page_calendars():
        return
    when = f"Today is now {today:%A} {today.day} {today:%B %Y}"
    if any(b.via != "seed" for b in session.page_calendar(letter).bookings()):
        session.history(letter).append({"role": "note", "text": (
            f"{when}. This page's calendar keeps the bookings made here, as it was laid out for {laid:%A} "
            f"{laid.day} {laid:%B}; “Reset this page's calendar” lays it out for the new day.")})
        return
    session.reset_page_calendar(letter)
    session.history(letter).append({"role": "note", "text": (
        f"{when}: this page's calendar, with nothing booked on it yet, was laid out again for that day "
        f"(the {session.starting_state()} state), and the conversation starts again.")})


def _fault_note(letter: str, conversation: Conversation, history: list[dict[str, str]]) -> None:
    """A fault chosen or removed in the sidebar applies from the next message: say so where the chat is.

    A calendar-side fault is armed before each turn, so the conversation goes on. A model-side one is part
    of the settings the conversation's clients were made with, so the session starts the conversation
    over (`session.conversation`); the note says that too."""
    chosen = session.fault()
    name = chosen.name if chosen else ""
    seen = st.session_state.setdefault(FAULTS_SEEN, {})
    started = conversation.trace.started_at
    before, before_started = seen.get(letter, (name if not history else "", started))
    seen[letter] = (name, started)
    if name == before:
        return
    text = (f"Fault “{chosen.title}” from your next message on: {chosen.what}." if chosen
            else "No fault from your next message on.")
    if started != before_started:
        text += (" The model's settings changed with it, so the conversation started over (the calendar "
                 "keeps its bookings).")
    history.append({"role": "note", "text": text})


def _chat(letter: str, graph_slot: DeltaGenerator) -> None:
    conversation = session.conversation(letter)
    history = session.history(letter)
    _fault_note(letter, conversation, history)
    today = conversation.deps.clock.today()
    injected = f" · fault: {session.fault().title}" if session.fault() else ""
    guarded = "on" if conversation.safeguards_on else "off"
    st.caption(f"Booking as **{plain(session.user())}** · today is {today:%A} {today.day} {today:%B %Y}{injected} · "
               f"safeguards {guarded} · on this page's own copy of your starting calendar "
               f"({session.starting_state()} state)")
    top = st.columns(2)
    if top[0].button("Start over", key=f"restart_{letter}", width="stretch", help="A new conversation; bookings stay."):
        session.restart(letter)
        st.rerun()
    if top[1].button("Reset this page's calendar", key=f"reset_calendar_{letter}", width="stretch",
                     help="This page's calendar back to the starting state, and a new conversation."):
        session.reset_page_calendar(letter)
        st.rerun()
    messages = st.container(height=430)
    with messages:
        if not history:
            st.caption("Try the article's dialogue: “Book a court for tomorrow”, then “3pm”, then “A”.")
        for turn in history:
            if turn["role"] == "note":  # the page's own word, between the turns
                st.caption(f":material/info: {plain(turn['text'])}")
                continue
            with st.chat_message(turn["role"]):
                st.text(turn["text"], width="stretch")  # plain text: no Markdown, no HTML, no live links
    prompt = st.chat_input("Book a court for tomorrow…", key=f"chat_input_{letter}", max_chars=MAX_TYPED_CHARS)
    if not prompt:
        return
    if len(prompt) > MAX_MESSAGE_CHARS:
        st.warning(f"That message has {len(prompt):,} characters; a message can have {MAX_MESSAGE_CHARS:,}. It was "
                   "not sent. Here it is, so nothing is lost: shorten it and send it again.")
        st.text_area("Your message", prompt, key=f"too_long_{letter}", height=120)
        return
    history.append({"role": "user", "text": prompt})
    with messages:
        with st.chat_message("user"):
            st.text(prompt, width="stretch")
        with st.chat_message("assistant"):
            status = st.status("Working…", expanded=True)
            shown: list[Event] = list(conversation.trace.events)
            started = time.monotonic()

            def progress(new: list[Event]) -> None:
                shown.extend(new)
                status.update(label=f"Step {new[-1].step}: "
                                    f"{actor_label(new[-1].actor)} → {actor_label(new[-1].target)}")
                status.text(f"{new[-1].step}. {new[-1].summary}")
                if time.monotonic() - started >= LIVE_AFTER_S:  # a slow turn: show where it is
                    with graph_slot:
                        draw(shown, user=session.user())

            session.inject_fault(conversation.deps.calendar)
            result = run_turn(conversation, prompt, progress)
            if result.error:
                status.update(label="This turn failed", state="error", expanded=True)
                reply = (f"This turn failed: {result.error}. Nothing more was sent; check the steps below "
                         "for anything it did before failing.")
            else:
                status.update(label=f"Done in {len(result.events)} steps", state="complete", expanded=False)
                reply = result.reply or ""
            st.text(reply, width="stretch")
    history.append({"role": "assistant", "text": reply})


# --- The graph, replayable ----------------------------------------------------------------------


def _replay(letter: str, trace: Trace, graph_slot: DeltaGenerator) -> int:
    """The graph up to the step the replay slider shows; returns that step."""
    events = trace.events
    if not events:
        with graph_slot:
            st.info("The graph appears here as the pattern runs: one box per actor, one numbered arrow per step.")
        return 0
    total = len(events)
    if st.session_state.get(f"replay_total_{letter}") != total:  # a new run: show all of it
        st.session_state[f"replay_{letter}"] = total
        st.session_state[f"replay_total_{letter}"] = total
    upto = st.slider("Replay the run step by step", 1, total, key=f"replay_{letter}") if total > 1 else total
    views, zooms = st.columns([4, 1])
    view = views.radio("Graph view", VIEWS, horizontal=True, key=f"graph_view_{letter}", label_visibility="collapsed")
    zoom = zooms.selectbox("Zoom", list(ZOOMS), key=f"graph_zoom_{letter}", label_visibility="collapsed")
    gathered = view == VIEWS[1]
    with graph_slot:
        draw(events, upto=upto, user=session.user(), gathered=gathered, framed=True, zoom=ZOOMS[zoom])
    step = events[upto - 1]
    st.caption(plain(f"Step {step.step}: {actor_label(step.actor)} → {actor_label(step.target)} · "
                     f"{step.action}, decided by {DECIDER_NAMES[step.decided_by]} · {step.summary}"))
    return upto


# --- Below the chat -----------------------------------------------------------------------------


def _details(info: PatternInfo, trace: Trace, upto: int) -> None:
    # The tabs report which one is open, so the architecture drawing, whose Graphviz layout the browser redid
    # on every rerun (300 ms of a reply), is drawn only while its tab is open; the rest is cheap to keep.
    steps, architecture, control, code, about, export = st.tabs(TABS, key=f"details_{info.letter}", on_change="rerun")
    events = trace.events
    with steps:
        if 0 < upto < len(events):
            st.caption(f"Up to step {upto} of {len(events)}, as the replay shows.")
        steps_table(events[:upto] if upto else events)
    with architecture:
        st.caption("The article's drawing of this pattern; the arrows this run used are coloured by who decided "
                   "them and numbered with their steps.")
        if architecture.open:
            st.graphviz_chart(dot(info.letter, events), width="stretch")
    with control:
        _control(info, trace)
    with code:
        files = info.source_files()
        st.caption("The code the article shows for this pattern, in the article's order: the code that runs. Where "
                   "it calls one of the playground's safeguards (a line marked “safeguard”), that is our addition, "
                   "below, not the article's.")
        places = st.tabs(list(info.files)) if len(files) > 1 else [st.container()]
        for place, path in zip(places, files, strict=True):
            place.code(path.read_text(), language="python", line_numbers=True)
        code_section(info.letter, session.safeguards_on())
    with about:
        _about(info)
    with export:
        left, middle, right = st.columns(3)
        left.download_button("Trace as JSON", trace.to_json, file_name=f"pattern-{info.letter}-trace.json",
                             mime="application/json", disabled=not events)
        middle.download_button("Trace as Mermaid", trace.to_mermaid, file_name=f"pattern-{info.letter}-trace.mmd",
                               mime="text/plain", disabled=not events)
        right.download_button("OpenTelemetry spans (OTLP/JSON)", lambda: _otlp(info, trace), disabled=not events,
                              file_name=f"pattern-{info.letter}-otlp.json", mime="application/json",
                              help="GenAI semantic-convention spans with who decided each step; open in Phoenix, "
                                   "Langfuse or Jaeger")
        if events:
            st.code(trace.to_mermaid(), language="text")


def _otlp(info: PatternInfo, trace: Trace) -> str:
    from orchestration.observe import otel

    return otel.otlp_json(otel.spans(trace.events, info.letter, f"{info.letter} · {info.name}", trace.started_at))


def steps_table(events: tuple[Event, ...]) -> None:
    if not events:
        st.caption("No steps yet.")
        return
    rows = [{"step": e.step, "turn": e.turn, "failed": "✗" if e.failed else "", "from": actor_label(e.actor),
             "to": actor_label(e.target), "action": e.action, "decided by": DECIDER_NAMES[e.decided_by],
             "summary": e.summary,
             "arguments / result": _short(e.detail), "tokens": e.tokens_in + e.tokens_out or None,
             "ms": round(e.ms, 1) or None} for e in events]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"summary": st.column_config.TextColumn(width="large"),
                                "arguments / result": st.column_config.TextColumn(width="medium")})


def _control(info: PatternInfo, trace: Trace) -> None:
    metrics = trace.metrics()
    decisions = metrics["decisions"]
    share = code_share(decisions)
    decided = any(decisions.get(d) for d in ("code", *MODEL_DECIDERS))
    columns = st.columns(5)
    columns[0].metric("Decided by code", f"{share:.0%}")
    columns[1].metric("Decided by models", f"{1 - share:.0%}" if decided else "0%")
    columns[2].metric("Model calls", metrics["llm_calls"])
    columns[3].metric("Tool calls", metrics["tool_calls"])
    settings = session.settings()
    cost = estimate_cost(trace.events, info.vendor, settings.models(),
                         free=[v for v in info.vendors if settings.mode(v) == "local"])
    columns[4].metric("Est. cost", f"${cost:.5f}",
                      help="Tokens at list prices for the configured models; offline, tokens are estimates; "
                           "a local model costs nothing per token.")
    if metrics.get("prompt_tokens_evaluated") is not None:
        st.caption(f"Prompt tokens: {metrics['prompt_tokens']:,} sent, {metrics['prompt_tokens_evaluated']:,} read by "
                   f"the server (the rest came from its cache), floor {metrics['prompt_tokens_floor'] or 0:,} (what no "
                   "cache could avoid: what follows the longest prefix shared with an earlier call).")
    if decisions:  # a plain Vega-Lite spec, in the graph's colours (st.bar_chart's Altair checks cost ~50 ms a run)
        names = [DECIDER_NAMES[d] for d in decisions]
        st.vega_lite_chart(spec={
            "data": {"values": [{"decided by": DECIDER_NAMES[d], "steps": n} for d, n in decisions.items()]},
            "mark": {"type": "bar"}, "height": 150,
            "encoding": {"y": {"field": "decided by", "type": "nominal", "sort": names, "title": None},
                         "x": {"field": "steps", "type": "quantitative", "title": "steps decided"},
                         "color": {"field": "decided by", "type": "nominal", "legend": None,
                                   "scale": {"domain": names, "range": [DECIDER_COLORS[d] for d in decisions]}}}},
            width="stretch")
    st.caption("A step counts for whoever's decision made it happen: your code choosing to call a model or run a "
               "tool, a model choosing a tool or an answer, a manager choosing a specialist.")


def _about(info: PatternInfo) -> None:
    st.markdown(f"**{info.style}.** {plain(info.who_decides)}")
    good, costly = st.columns(2)
    good.markdown("**Good at**\n" + "\n".join(f"- {p}" for p in info.pros))
    costly.markdown("**Costs you**\n" + "\n".join(f"- {c}" for c in info.cons))
    st.markdown(f"**Reach for it when** {info.when[0].lower()}{info.when[1:]}")
    st.markdown("**Who books for whom.** The article's `book_slot(slot_id, user_id)` lets the model choose the user. "
                "Here no model ever sees a user parameter: code binds the signed-in user from the session "
                "(OWASP LLM06, excessive agency; complete mediation), so a prompt cannot book for someone else.")
    article = ", ".join(f"{k} {v.lower()}" for k, v in info.article.items())
    st.caption(f"The article rates it: {article}.")


def _short(detail: object, limit: int = 160) -> str:
    text = json.dumps(detail, ensure_ascii=False, default=str) if detail else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
