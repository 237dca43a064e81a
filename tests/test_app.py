"""Every page of the app through Streamlit's AppTest: chats, graph data, sidebar settings, calendar, compare."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orchestration.calendar import Calendar
from orchestration.evaluate import FAULTS
from orchestration.patterns import PATTERNS

from .helpers import drawn_graphs

ROOT = Path(__file__).resolve().parents[1]
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


@pytest.fixture
def app() -> AppTest:
    page = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    page.run()
    return page


def with_settings(**state: object) -> AppTest:
    """The app with sidebar settings already made.

    Under AppTest, interacting with a sidebar widget of an `st.navigation` app drops the sidebar from
    later runs (a browser keeps it; tests/test_browser.py types into the real widgets), so these
    tests set the settings' session state before the first run instead.
    """
    page = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    for key, value in state.items():
        page.session_state[key] = value
    page.run()
    return page


def open_page(app: AppTest, name: str) -> AppTest:
    app.switch_page(f"pages/{name}.py").run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def say(app: AppTest, *messages: str) -> list[str]:
    """Send each message through the page's chat; returns every chat text on the page afterwards."""
    for message in messages:
        app.chat_input[0].set_value(message).run()
        assert not app.exception, [e.message for e in app.exception]
    return [m.value for m in app.markdown] + [t.value for t in app.text]


def results_table(app: AppTest) -> object:
    """Compare's table of this run's results (recorded real-model runs may be listed above it)."""
    return next(d.value for d in app.dataframe if "tool calls" in d.value.columns)


def graph(app: AppTest) -> dict:
    """The decision graph's boxes and arrows, as drawn (the last one on the page)."""
    drawn = drawn_graphs(app)
    assert drawn, "no decision graph on the page"
    return drawn[-1]


def drawn_steps(data: dict) -> list[int]:
    """The step numbers the graph's labels carry (each label's title lists its steps, one per line)."""
    return [int(line.split(".")[0]) for node in data["nodes"] if node["id"].startswith("steps:")
            for line in node["title"].split("\n")]


def bookings(app: AppTest) -> list[tuple[str, str, str, str]]:
    """Bookings made through the pages: each page books on its own copy of the starting calendar."""
    base = Path(app.session_state["calendar_path"])
    pages = sorted(base.parent.glob(f"{base.stem}-page-*.db"))
    return [(b.court, b.time, b.user, b.via) for page in pages for b in Calendar(str(page)).bookings()
            if b.via != "seed"]


def test_home_shows_the_spectrum_the_seven_patterns_and_the_vendors(app: AppTest) -> None:
    assert not app.exception
    text = " ".join(m.value for m in app.markdown) + " ".join(i.value for i in app.info)
    assert "Control ◀ **A** ─── **C** ─── **E** ─── **D** ─── **B** ─── **F / G** ▶ Autonomy" in text
    for letter, info in PATTERNS.items():
        assert f"{letter} · {info.name}" in text
    assert "offline model (rule-based)" in text and "It is not an LLM" in text


@pytest.mark.parametrize("letter", list(PATTERNS))
def test_each_pattern_page_books_through_the_chat_and_draws_the_graph(letter: str) -> None:
    app = with_settings(demo_user="alice")
    open_page(app, f"pattern_{letter.lower()}")
    texts = say(app, *DIALOGUE)
    assert "What time would you like?" in texts
    assert any(re.search(r"Booked.*TC-[0-9A-F]{6}", t) for t in texts), texts
    assert bookings(app) == [("A", "15:00", "alice", letter)]
    data = graph(app)
    assert {"user", "code", "calendar"} & {n["id"] for n in data["nodes"]}
    steps = sorted(drawn_steps(data))
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 10
    # steps between two actors share a label
    assert len([n for n in data["nodes"] if n["id"].startswith("steps:")]) < len(steps)
    assert {e["color"] for e in data["edges"]} >= {"#6b7280", "#2563eb"}  # you and your code, at least


def test_the_replay_slider_redraws_the_graph_up_to_a_step(app: AppTest) -> None:
    open_page(app, "pattern_c")
    say(app, "Book court B tomorrow at 9am")
    total = len(drawn_steps(graph(app)))
    app.slider(key="replay_C").set_value(3).run()
    assert sorted(drawn_steps(graph(app))) == [1, 2, 3] and total > 3


def test_the_pattern_page_details(app: AppTest) -> None:
    open_page(app, "pattern_e")
    say(app, "Book court B tomorrow at 9am")
    tab_labels = [t.label for t in app.tabs]
    assert tab_labels[:6] == ["Steps", "Architecture", "Who controls what", "Code", "About this pattern", "Export"]
    steps = app.dataframe[0].value
    assert list(steps["decided by"])[:2] == ["you", "your code"]
    assert "class Workflow(Conversation)" in app.code[0].value
    assert {m.label for m in app.metric} >= {"Decided by code", "Decided by models", "Model calls", "Est. cost"}
    assert any("sequenceDiagram" in c.value for c in app.code)


def test_user_text_in_graph_node_titles_is_html_escaped() -> None:
    app = with_settings(demo_user='<img src=x onerror="alert(1)">')
    open_page(app, "pattern_c")
    say(app, "hello")
    titles = [n["title"] for n in graph(app)["nodes"]]
    you = next(t for t in titles if t.startswith("You"))
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in you and "<img" not in you


def test_today_override_and_the_demo_user() -> None:
    app = with_settings(demo_user="bob", today_on=True)
    open_page(app, "pattern_a")
    texts = say(app, "Any courts free tomorrow at 3pm?", "A")
    assert "Courts A and B are free on Thursday 4 December at 15:00. Would you like to book one?" in texts
    assert bookings(app) == [("A", "15:00", "bob", "A")]
    assert any("today is Wednesday 3 December 2025" in c.value for c in app.caption)


def test_a_session_key_turns_its_vendor_real_and_is_never_shown_back() -> None:
    key = "sk-test-typed-into-the-sidebar-0123456789"
    app = with_settings(settings_overrides={"openai_api_key": key})
    assert not app.exception
    shown = [str(e.value) for e in (*app.sidebar.caption, *app.sidebar.markdown, *app.sidebar.text,
                                    *app.sidebar.text_input, *app.markdown, *app.info, *app.caption)]
    assert "OpenAI: real · gpt-4.1-mini" in shown and "Anthropic: offline model (rule-based)" in shown
    assert "OpenAI API key: set for this session" in shown
    assert not [text for text in shown if key in text]
    assert "typed_openai_api_key" not in [t.key for t in app.sidebar.text_input]  # no box holding it
    assert [b.label for b in app.sidebar.button] == ["Forget the keys typed here"]


def test_the_calendar_page_shows_bookings_and_resets() -> None:
    app = with_settings(demo_user="alice")
    open_page(app, "pattern_c")
    say(app, "Book court A tomorrow at 3pm")
    open_page(app, "calendar")
    grid = app.dataframe[0].value
    assert grid.loc["15:00", "Court A"] == "you · via C"
    assert grid.loc["15:00", "Court C"] not in ("free", "you · via C")
    assert list(app.dataframe[1].value["pattern"]) == ["C"]
    app.button[1].click().run()  # empty the calendar
    assert (app.dataframe[0].value == "free").all().all()


def test_the_compare_page_runs_all_seven_side_by_side(app: AppTest) -> None:
    open_page(app, "compare")
    app.button[0].click().run()
    assert not app.exception, [e.message for e in app.exception]
    table = results_table(app)
    assert [p[0] for p in table["pattern"]] == list("ACEDBFG")
    assert all(change.startswith("booked A ") and change.endswith("15:00 for guest")
               for change in table["calendar change"])
    assert (table["model calls"] > 0).all()
    assert set(table["safeguards"]) == {"off"} and set(table["safeguard acts"]) == {0}
    assert set(table["replies from"]) == {"every reply the pattern's own"}
    beside = app.dataframe[-1].value
    assert list(beside["article: control"]) == ["Full", "High", "High", "Medium", "Low", "Low", "Medium"]
    assert len(graph(app)["edges"]) > 0
    cards = [m.value for m in app.markdown if m.value.startswith("**") and "· safeguards" in m.value]
    assert len(cards) == 7 and all(card.endswith("· safeguards off") for card in cards)


def test_the_arena_runs_the_suite_with_safeguards_off_and_on_side_by_side() -> None:
    """With both settings, each pattern has two columns: a made-up slot harms C as the article writes it, and
    the checked-slots safeguard rescues it; A recovers either way."""
    app = with_settings(arena_patterns=["A", "C"], arena_faults=["hallucinated_slot"], arena_safeguards="both")
    open_page(app, "arena")
    app.button[0].click().run()
    assert not app.exception, [e.message for e in app.exception]
    summary = app.dataframe[0].value
    assert list(summary.index) == ["A off · AI as a service", "A on · AI as a service", "C off · Function calling",
                                   "C on · Function calling"]
    assert list(summary.columns[:4]) == ["success", "rescued", "pass^k", "harmed"]
    assert list(summary["success"]) == [1.0, 1.0, 1.0, 1.0] and list(summary["harmed"]) == [0, 0, 0, 0]
    assert app.dataframe[1].value.loc["Made-up slot"].to_dict() == {
        "A off": "recovered", "A on": "recovered", "C off": "harmed", "C on": "rescued"}
    labels = [e.label.replace("\\", "") for e in app.expander]  # labels are Markdown, escaped
    assert any(label.startswith("C off · ") and "fail, harmed" in label for label in labels), labels
    assert any(label.startswith("C on · ") and "rescued: safeguard checked-slots acted" in label
               for label in labels), labels
    assert not [label for label in labels if label.startswith("A ")]
    captions = [c.value.replace("\\", "") for c in app.caption]  # plain(): Markdown, escaped
    assert any(c.startswith("Rescued by: safeguard checked-slots acted") for c in captions)
    assert any("Safeguards off and on; commit" in c for c in captions)
    assert graph(app)["edges"]  # each failure shows its graph


def test_the_arena_runs_with_the_sidebars_setting_by_default() -> None:
    app = with_settings(settings_overrides={"safeguards": "on"}, arena_patterns=["A"])
    open_page(app, "arena")
    assert app.radio(key="arena_safeguards").value == "on"
    assert app.radio(key="arena_safeguards").options == [
        "Off: as the article writes them", "On: with the playground's safeguards", "Both, side by side"]


def test_a_fault_chosen_in_the_sidebar_reaches_the_conversation() -> None:
    """The same injection the arena uses: on an empty calendar a made-up slot makes C and E, as the article
    writes them, book court B a day late; with the Safeguards switch on, checked-slots stops it."""
    for letter in "CE":
        for on, day in ((False, "2025-12-05"), (True, "2025-12-04")):
            app = with_settings(fault="hallucinated_slot", calendar_seed="empty", today_on=True, safeguards_switch=on)
            open_page(app, f"pattern_{letter.lower()}")
            say(app, "Book court B tomorrow at 9am")
            assert page_bookings(app, letter) == [("B", day, "09:00")], (letter, on)
            captions = " ".join(c.value for c in app.caption)
            assert "fault: Made-up slot" in captions  # the name every page uses
            assert f"safeguards {'on' if on else 'off'}" in captions
            acted = "Safeguard checked-slots" in list(app.dataframe[0].value["from"])
            assert acted == on, (letter, on)
            guards = [n for n in graph(app)["nodes"] if n["id"].startswith("safeguard:")]
            assert [(n["id"], n["label"]) for n in guards] == (
                [("safeguard:checked-slots", "Safeguard\nchecked-\nslots\n(your code)")] if on else [])


def page_bookings(app: AppTest, letter: str) -> list[tuple[str, str, str]]:
    base = Path(app.session_state["calendar_path"])
    page = base.with_name(f"{base.stem}-page-{letter}{base.suffix}")
    return [(b.court, b.date, b.time) for b in Calendar(str(page)).bookings() if b.via != "seed"]


def test_the_safeguards_switch_is_off_by_default_and_switching_starts_fresh_conversations() -> None:
    app = with_settings()
    switch = app.sidebar.toggle(key="safeguards_switch")
    assert switch.label == "Safeguards" and switch.value is False
    for name in ("checked-slots", "one-booking", "repeat-stop", "calendar-word"):
        assert name in switch.help
    assert "as the article writes it" in switch.help and "fresh conversations" in switch.help
    open_page(app, "pattern_c")
    say(app, "Book a court for tomorrow")
    assert "Book a court for tomorrow" in [t.value for t in app.text]
    assert any("safeguards off" in c.value for c in app.caption)
    app.session_state["safeguards_switch"] = True  # as the switch does (see with_settings on sidebar widgets)
    app.run()
    assert app.session_state["settings_overrides"] == {"safeguards": "on"}
    assert "Book a court for tomorrow" not in [t.value for t in app.text]  # a fresh conversation
    assert any("safeguards on" in c.value for c in app.caption)
    assert bookings(app) == []


def test_the_code_tab_shows_the_articles_code_and_separately_the_playgrounds_safeguards() -> None:
    for letter, names in (("C", ["checked-slots", "one-booking", "repeat-stop", "calendar-word"]),
                          ("A", ["calendar-word"])):
        app = with_settings(settings_overrides={"safeguards": "on"} if letter == "A" else {})
        open_page(app, f"pattern_{letter.lower()}")
        assert "**The playground's safeguards (not in the article)**" in [m.value for m in app.markdown]
        table = next(d.value for d in app.dataframe if "safeguard" in d.value.columns)
        assert list(table["safeguard"]) == names
        assert set(table["in this session"]) == {"on" if letter == "A" else "off"}
        assert all(table["why"]) and all(table["what it does"])
        assert any("safeguards.py — the playground's addition, not the article's code" in e.label for e in app.expander)
        sources = [c.value for c in app.code]
        assert any("class LoopChecks" in s for s in sources)  # safeguards.py, in its expander
        assert not any("class LoopChecks" in s and "class Conversation" in s for s in sources)
        assert any("The code the article shows for this pattern" in c.value for c in app.caption)


def test_the_compare_page_runs_each_pattern_with_safeguards_off_and_on_side_by_side() -> None:
    """One message on an empty calendar with a made-up slot: as the article writes them, C and E book court B a
    day late; with safeguards, checked-slots keeps them to the checked slot. Every card says its setting."""
    app = with_settings(compare_safeguards="both", compare_example="One message books", fault="hallucinated_slot",
                        calendar_seed="empty")
    open_page(app, "compare")
    app.button[0].click().run()
    assert not app.exception, [e.message for e in app.exception]
    table = results_table(app)
    assert [p[0] for p in table["pattern"]] == [letter for letter in "ACEDBFG" for _ in (1, 2)]
    assert list(table["safeguards"]) == ["off", "on"] * 7
    change = {(p[0], s): c
              for p, s, c in zip(table["pattern"], table["safeguards"], table["calendar change"], strict=True)}
    acts = {(p[0], s): n
            for p, s, n in zip(table["pattern"], table["safeguards"], table["safeguard acts"], strict=True)}
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert change["A", "off"] == change["A", "on"] == f"booked B {tomorrow} 09:00 for guest"
    for letter in "CE":
        assert change[letter, "off"] != change[letter, "on"] == f"booked B {tomorrow} 09:00 for guest"
        assert acts[letter, "off"] == 0 and acts[letter, "on"] >= 1
    assert set(table["replies from"]) <= {"reply: the pattern's own", "reply from a safeguard",
                                          "reply from a loop's cap"}
    cards = [m.value for m in app.markdown if m.value.startswith("**") and "· safeguards" in m.value]
    assert cards[:2] == ["**A · AI as a service** · safeguards off", "**A · AI as a service** · safeguards on"]
    assert len(cards) == 14
    assert any("safeguard acted 1× (checked-slots)" in c.value.replace("\\", "") for c in app.caption)
    assert app.radio(key="compare_closer").options[:2] == ["A · AI as a service · safeguards off",
                                                           "A · AI as a service · safeguards on"]


def test_chat_text_is_plain_and_a_long_message_is_refused_aloud() -> None:
    """Regression: a Markdown link became a live (and mangled) link; a 5,000-character paste vanished silently."""
    app = with_settings()
    open_page(app, "pattern_c")
    say(app, "[link](http://example.com) book court A tomorrow at 3pm")
    assert "[link](http://example.com) book court A tomorrow at 3pm" in [t.value for t in app.text]
    # the graph's tooltips hold it too, as raw HTML that Markdown does not read (test_graph)
    assert not [m.value for m in app.markdown if "example" in m.value and "decision-graph" not in m.value]
    long = "Book court B tomorrow at 9am. " + "x" * 5000
    app.chat_input[0].set_value(long).run()
    assert "5,030 characters" in app.warning[0].value and app.text_area[0].value == long


def test_every_page_starts_from_the_same_calendar_and_keeps_its_bookings() -> None:
    """Regression: one calendar was shared by every page, so after A booked court A at 15:00 the article's
    dialogue failed on every later page; "Start over" kept the bookings, with nothing saying why."""
    app = with_settings(demo_user="alice")
    for letter in "ABCDEFG":
        open_page(app, f"pattern_{letter.lower()}")
        say(app, *DIALOGUE)
    assert sorted(bookings(app)) == [("A", "15:00", "alice", letter) for letter in "ABCDEFG"]
    open_page(app, "pattern_c")
    app.button(key="reset_calendar_C").click().run()
    assert sorted(bookings(app)) == [("A", "15:00", "alice", letter) for letter in "ABDEFG"]
    open_page(app, "calendar")
    assert sorted(set(app.dataframe[1].value["pattern"])) == list("ABDEFG")


def test_changing_today_never_deletes_a_booking() -> None:
    """Regression: a new "today" re-seeded the session's calendar, and a confirmed booking disappeared."""
    app = with_settings(demo_user="alice", today_on=True, today_value=date(2025, 12, 3))
    open_page(app, "pattern_c")
    say(app, "Book court A tomorrow at 3pm")
    assert bookings(app) == [("A", "15:00", "alice", "C")]
    app.session_state["today_value"] = date(2025, 12, 4)
    open_page(app, "pattern_c")
    open_page(app, "calendar")
    assert bookings(app) == [("A", "15:00", "alice", "C")]
    assert list(app.dataframe[1].value["confirmation"])[0].startswith("TC-")


def in_browser(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    """The sessions started from now on come from a browser whose cookie holds `secret` (None: no cookie).
    AppTest cannot send cookies, so this stands in for `st.context.cookies`."""
    from ui import session

    monkeypatch.setattr(session, "_browser_cookie", lambda: secret)


def session_id(app: AppTest) -> str:
    found = app.query_params["session"]
    return found[0] if isinstance(found, list) else found


def reopen(session: str) -> AppTest:
    """A new browser session opening the app's URL with `?session=`, as a reload or a shared link does."""
    opened = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    opened.query_params["session"] = session
    opened.run()
    assert not opened.exception, [e.message for e in opened.exception]
    return opened


BROWSER_1, BROWSER_2 = "1" * 64, "2" * 64


def test_a_reload_keeps_the_conversation_and_the_next_message_continues_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a reload lost the conversation, the "today" override and the bookings."""
    in_browser(monkeypatch, BROWSER_1)
    app = with_settings(demo_user="alice", today_on=True, today_value=date(2025, 12, 3))
    open_page(app, "pattern_c")
    say(app, "Book a court for tomorrow")
    reloaded = reopen(session_id(app))
    open_page(reloaded, "pattern_c")
    assert "Book a court for tomorrow" in [t.value for t in reloaded.text]
    say(reloaded, "3pm", "A")
    assert bookings(reloaded) == [("A", "15:00", "alice", "C")]


def test_a_reload_never_brings_back_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    in_browser(monkeypatch, BROWSER_1)
    app = with_settings(settings_overrides={"openai_api_key": "sk-test-never-kept-0123456789", "openai_model": "m-1"})
    reloaded = reopen(session_id(app))
    assert reloaded.session_state["settings_overrides"] == {"openai_model": "m-1"}


def test_a_link_opened_in_another_browser_starts_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: `?session=` alone brought back the sender's settings, so a base URL of theirs received the
    next visitor's key; and their conversation, confirmation codes, demo user and calendar."""
    in_browser(monkeypatch, BROWSER_1)
    sender = with_settings(demo_user="alice", settings_overrides={
        "openai_base_url": "http://127.0.0.1:9/v1", "openai_api_key": "sk-test-sender-0123456789"})
    open_page(sender, "pattern_a")
    say(sender, *DIALOGUE)
    assert "OpenAI: real · gpt-4.1-mini" in [t.value for t in sender.sidebar.text]
    link = session_id(sender)

    in_browser(monkeypatch, BROWSER_2)
    visitor = reopen(link)
    open_page(visitor, "pattern_a")
    state = visitor.session_state
    assert session_id(visitor) != link
    assert (state["session_id"], state["demo_user"], state["settings_overrides"]) == (session_id(visitor), "guest", {})
    assert ([t.value for t in visitor.sidebar.text if t.value.startswith("OpenAI")]
            == ["OpenAI: offline model (rule-based)"])
    assert state["history_A"] == [] and Path(state["calendar_path"]) != Path(sender.session_state["calendar_path"])
    assert bookings(visitor) == []

    in_browser(monkeypatch, BROWSER_1)  # the sender's reload still brings everything back, less the key
    reloaded = reopen(link)
    assert session_id(reloaded) == link
    assert reloaded.session_state["settings_overrides"] == {"openai_base_url": "http://127.0.0.1:9/v1"}
    first = reloaded.session_state["history_A"][0]
    assert (first["role"], first["text"]) == ("user", DIALOGUE[0])


def test_a_browser_without_a_cookie_is_given_one_and_a_known_browser_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret that binds saved state to a browser is set by a script on the first visit, once."""
    from ui.session import BROWSER_COOKIE

    def scripts(app: AppTest) -> list[str]:
        return [e.proto.body for e in app.get("html") if BROWSER_COOKIE in e.proto.body]

    in_browser(monkeypatch, None)
    first = with_settings(demo_user="bob")
    [script] = scripts(first)
    secret = re.search(rf"{BROWSER_COOKIE}=([0-9a-f]{{64}});", script).group(1)

    in_browser(monkeypatch, secret)  # the reload sends the cookie the script set
    reloaded = reopen(session_id(first))
    assert ((session_id(reloaded), reloaded.session_state["demo_user"], scripts(reloaded))
            == (session_id(first), "bob", []))


def test_the_steps_table_follows_the_replay_slider() -> None:
    app = with_settings()
    open_page(app, "pattern_c")
    say(app, "Book court B tomorrow at 9am")
    app.slider(key="replay_C").set_value(4).run()
    assert list(app.dataframe[0].value["step"]) == [1, 2, 3, 4]


def test_old_session_calendars_are_removed_and_recent_ones_kept(tmp_path: Path) -> None:
    """Regression: every browser session left its calendar file behind for good."""
    import os
    import time as clock

    from ui.session import KEEP_FILES_S, prune

    old, recent = tmp_path / "calendar-old.db", tmp_path / "calendar-recent.db"
    for path in (old, recent, tmp_path / "calendar-old.db-wal"):
        path.write_text("")
    long_ago = clock.time() - KEEP_FILES_S - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(tmp_path / "calendar-old.db-wal", (long_ago, long_ago))
    assert prune(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendar-recent.db"]


def test_session_files_stay_under_a_cap_on_files_and_bytes_least_recently_used_first(tmp_path: Path) -> None:
    """Regression: each session left two ~110 KB files for 24 h; 200 sessions took the folder to 45 MB.
    Whole sessions go, least recently used first, and never the calling session's."""
    import os
    import time as clock

    from ui.session import prune

    now = clock.time()
    sessions = {"calendar-aaaa": ([".db", "-page-C.db"], 500), "calendar-bbbb": ([".db", ".db-wal"], 400),
                "calendar-cccc": ([".db"], 300), "calendar-dddd": ([".db", "-page-A.db"], 200),
                "calendar-eeee": ([".db"], 100)}
    for name, (suffixes, age) in sessions.items():
        for suffix in suffixes:
            (tmp_path / f"{name}{suffix}").write_bytes(b"x" * 100)
            os.utime(tmp_path / f"{name}{suffix}", (now - age, now - age))

    def left() -> list[str]:
        return sorted(p.name for p in tmp_path.iterdir())

    # 8 files: down to 5, sparing the oldest session because it is the caller's.
    assert prune(tmp_path, max_files=5, max_bytes=10_000, spare=tmp_path / "calendar-aaaa.db") == 3
    assert left() == ["calendar-aaaa-page-C.db", "calendar-aaaa.db", "calendar-dddd-page-A.db", "calendar-dddd.db",
                      "calendar-eeee.db"]
    # 500 bytes: down to 300, the least recently used session first.
    assert prune(tmp_path, max_files=100, max_bytes=300, spare=tmp_path / "calendar-eeee.db") == 2
    assert left() == ["calendar-dddd-page-A.db", "calendar-dddd.db", "calendar-eeee.db"]
    # Under both caps and all recent: nothing goes.
    assert prune(tmp_path, max_files=3, max_bytes=300) == 0
    # The caller's own session stays even when it alone is over the caps.
    assert prune(tmp_path, max_files=0, max_bytes=0, spare=tmp_path / "calendar-eeee-page-B.db") == 2
    assert left() == ["calendar-eeee.db"]


def test_the_folder_is_capped_when_new_sessions_arrive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the app: a new session's calendar and a page's copy each prune first, so the folder stays
    within the caps plus the one file being made."""
    from ui import session

    monkeypatch.setattr(session, "SANDBOX_ROOT", tmp_path)
    monkeypatch.setattr(session, "MAX_FILES", 3)
    stems = []
    for _ in range(4):
        app = with_settings()
        open_page(app, "pattern_c")
        say(app, "Is court A free tomorrow at 3pm?")
        stems.append(Path(app.session_state["calendar_path"]).stem)
    # Each file is made after a prune down to 3, so 4 stay: the two newest sessions'.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{stem}{suffix}" for stem in stems[-2:] for suffix in (".db", "-page-C.db"))


def test_a_session_whose_files_were_pruned_starts_its_calendars_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run marks the session's files as used (so other sessions' go first); if they were removed all the
    same, the page's conversation starts over on a new calendar instead of failing."""
    import os

    app = with_settings()
    open_page(app, "pattern_c")
    say(app, "Book court A tomorrow")
    base = Path(app.session_state["calendar_path"])
    files = sorted(base.parent.glob(base.stem + "*"))
    for path in files:
        os.utime(path, (1, 1))
    app.run()
    assert all(path.stat().st_mtime > 1 for path in files), "a run did not mark the session's files as used"
    for path in files:
        path.unlink()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.session_state["history_C"] == []
    texts = say(app, "Book court A tomorrow at 3pm")
    assert any("Booked" in text for text in texts), texts


def test_every_page_name_fits_the_sidebar() -> None:
    """The sidebar shows about 28 characters of a page's name; longer names were cut off."""
    for letter, info in PATTERNS.items():
        assert len(f"{letter} · {info.name}") <= 28, info.name


def test_each_fault_has_one_name_on_every_page() -> None:
    """The sidebar and the Arena's picker list the same names (the Arena's results use them too, above)."""
    titles = [fault.title for fault in FAULTS.values()]
    assert len(set(titles)) == len(titles)
    app = with_settings()
    assert app.selectbox(key="fault").options == ["None", *titles]
    open_page(app, "arena")
    assert app.multiselect(key="arena_faults").options == titles


# --- Safeguard steps in the graph and the article's drawing ------------------------------------

LONG_RUN = ("Book a court for tomorrow", "3pm", "A", "Is court B free on Friday at 10am?", "Book it",
            "What is free on Saturday at 9am?", "Book court C")


@pytest.fixture(scope="module")
def guarded_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each pattern's long run with safeguards on and a made-up slot (C, E and G's checked-slots act), and
    every safeguard's step added besides, so all four stand in every graph."""
    from dataclasses import replace

    from orchestration.observe.trace import Event
    from orchestration.vendors.settings import Settings

    from .helpers import converse, new_calendar

    found = {}
    settings = Settings(safeguards="on", offline_faults="malformed=hallucinated_slot")
    for letter in PATTERNS:
        conversation = converse(letter, new_calendar(tmp_path_factory.mktemp(letter)), settings=settings)
        for message in LONG_RUN:
            conversation.send(message)
        events = list(conversation.trace.events)
        booking = "lambda:booking-agent" if letter == "G" else "code"
        for at, (name, target) in zip((3, 8, 15, 30), (("checked-slots", "code"), ("one-booking", booking),
                                                       ("repeat-stop", "code"),
                                                       ("calendar-word", "user")), strict=True):
            events.insert(at, Event(0, events[at].turn, f"safeguard:{name}", target, "decide", "code",
                                    f"{name} acted", {"safeguard": name}))
        found[letter] = tuple(replace(e, step=n) for n, e in enumerate(events, start=1))
    return found


@pytest.mark.parametrize("letter", list(PATTERNS))
def test_safeguard_steps_have_their_own_place_and_no_box_covers_another(guarded_runs: dict[str, tuple],
                                                                         letter: str) -> None:
    from ui.architecture import dot
    from ui.graph import graph_data, overlaps
    from ui.trace_view import SIDE_BY_SIDE_FONT_SCALE

    events = guarded_runs[letter]
    assert len(events) >= 40
    for upto in (10, 20, 40):
        for gathered in (False, True):
            nodes, _ = graph_data(events, upto, gathered=gathered)
            assert overlaps(nodes) == [], f"{letter} at step {upto} (gathered={gathered})"
    beside, _ = graph_data(events, gathered=True, font_scale=SIDE_BY_SIDE_FONT_SCALE)
    assert overlaps(beside) == [], (f"{letter}: a graph drawn beside another, "
                                    "text enlarged (Compare's cards no longer draw one)")
    nodes, _ = graph_data(events)
    guards = {n.id: n for n in nodes if n.id.startswith("safeguard:")}
    assert set(guards) == {"safeguard:checked-slots", "safeguard:one-booking", "safeguard:repeat-stop",
                           "safeguard:calendar-word"}
    code = next(n for n in nodes if n.id == "code") if any(n.id == "code" for n in nodes) else None
    for node in guards.values():
        assert node.label.replace("\n", " ").replace("- ", "-").endswith("(your code)")
        assert "playground's safeguards, not the pattern's code" in node.title  # escaped where the SVG is written
        assert code is None or (node.x, node.y) != (code.x, code.y)
    assert guards["safeguard:checked-slots"].label == "Safeguard\nchecked-\nslots\n(your code)"
    assert len({(n.x, n.y) for n in guards.values()}) == 4
    assert "digraph" in dot(letter, events)  # the article's drawing takes safeguard steps (drawn as your code)
