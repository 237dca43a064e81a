"""The sidebar every page shares: who you are, what day it is, and where each vendor's calls go.

Keys can come from the environment, `st.secrets`, or be typed here. A typed key moves into this
session's settings and the input is emptied at once, so the key is never shown back; only "set for
this session" is. Nothing here is written anywhere. (The one thing the sidebar stores in the browser is
the cookie that binds a saved session to it: `session.remember_browser`.)
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from orchestration.evaluate import FAULTS
from orchestration.identity import user_problem
from orchestration.safeguards import SAFEGUARDS
from orchestration.vendors.offline.protocol import MODEL_LABEL

from . import session

_SECRET_FIELDS = {
    "openai_api_key": "OpenAI API key",
    "anthropic_api_key": "Anthropic API key",
    "aws_access_key_id": "AWS access key id",
    "aws_secret_access_key": "AWS secret access key",
}
_PLAIN_FIELDS = {
    "openai": [("openai_base_url", "OpenAI base URL (compatible servers)"), ("openai_model", "OpenAI model")],
    "anthropic": [("anthropic_model", "Anthropic model")],
    "aws": [("aws_region", "AWS region"), ("bedrock_model_id", "Bedrock model id")],
}
_LOCAL_FIELDS = [("local_model_url", "Server URL, e.g. http://127.0.0.1:8080/v1"), ("local_model", "Model name")]
_VENDOR_SECRETS = {"openai": ["openai_api_key"], "anthropic": ["anthropic_api_key"],
                   "aws": ["aws_access_key_id", "aws_secret_access_key"]}
_VENDOR_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "aws": "AWS Bedrock"}


def _overrides() -> dict[str, str]:
    return st.session_state.setdefault(session.OVERRIDES, {})


def _take_secret(field: str) -> None:
    """Move a typed key into this session's settings and empty the input."""
    widget = f"typed_{field}"
    value = (st.session_state.get(widget) or "").strip()
    if value:
        _overrides()[field] = value
    st.session_state[widget] = ""


def _take_plain(field: str) -> None:
    value = (st.session_state.get(f"typed_{field}") or "").strip()
    if value:
        _overrides()[field] = value
    else:
        _overrides().pop(field, None)


def _forget_keys() -> None:
    for field in _SECRET_FIELDS:
        _overrides().pop(field, None)


SAFEGUARDS_HELP = (
    "Off: each pattern as the article writes it. On: with the playground's own checks, which are not in the "
    "article: " + "; ".join(f"{s.name} ({s.title[:1].lower()}{s.title[1:]}; "
                            f"{'every pattern' if len(s.patterns) == 7 else 'patterns ' + ', '.join(s.patterns)})"
                            for s in SAFEGUARDS.values())
    + ". Patterns read this when a conversation starts, so switching starts fresh conversations on the pattern "
    "pages (their calendars keep their bookings).")


def _safeguards_switch() -> None:
    """The switch sets this session's `safeguards` setting (a plain setting, never a secret)."""
    st.session_state.setdefault("safeguards_switch", session.settings().safeguards_on)
    on = st.toggle("Safeguards", key="safeguards_switch", help=SAFEGUARDS_HELP)
    if on == session.configured().safeguards_on:  # as the environment or st.secrets set it: nothing to override
        _overrides().pop("safeguards", None)
    else:
        _overrides()["safeguards"] = "on" if on else "off"


def where_calls_go() -> str:
    """One plain line naming the model behind each vendor: what the figures on a page come from."""
    described = session.where_calls_go()
    note = " · ".join(f"{_VENDOR_NAMES[v]}: {where}" for v, where in described.items())
    if all(where == MODEL_LABEL for where in described.values()):
        note += (". Latency, tokens and cost come from the offline model (tokens estimated), and it is deterministic: "
                 "pass^k equals the one-run pass rate.")
    return f"Models: {note}"


def render_sidebar() -> None:
    with st.sidebar:
        st.session_state.setdefault("demo_user", "guest")
        st.text_input("Demo user", key="demo_user", max_chars=64,
                      help="Every booking is made for this user. Your code binds it; no model can choose it.")
        problem = user_problem(st.session_state.get("demo_user"))
        if problem:
            st.error(f"Not changed: {problem}. Bookings stay in the name of {session.user()!r}.")
        st.session_state.setdefault("today_value", date(2025, 12, 3))
        st.checkbox("Pretend today is…", key="today_on",
                    help="Fix the date, as the article's dialogue does (its “tomorrow” is 4 December 2025).")
        if st.session_state.get("today_on"):
            st.date_input("Today", key="today_value", label_visibility="collapsed")

        st.selectbox("Inject a fault", ["", *FAULTS], key="fault",
                     format_func=lambda name: FAULTS[name].title if name else "None",
                     help="Into every turn, on any page, the way the Arena injects it. Model-side faults apply to "
                          "the offline model only.")
        if chosen := FAULTS.get(st.session_state.get("fault") or ""):
            st.caption(f"{chosen.what[:1].upper()}{chosen.what[1:]}.")
        _safeguards_switch()
        st.caption("On: the playground's own checks run too (not in the article)." if session.safeguards_on() else
                   "Off: each pattern as the article writes it.")
        st.markdown("**Where calls go**")
        current = session.settings()
        for vendor, where in session.where_calls_go().items():
            st.text(f"{_VENDOR_NAMES[vendor]}: {where}")  # plain text: a typed model id is never read as Markdown

        with st.expander("Use a local model"):
            st.caption("One OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio) decides for every vendor "
                       "without a key. Bedrock and Anthropic stay emulated in-process; their decisions come from it.")
            for field, label in _LOCAL_FIELDS:
                st.session_state.setdefault(f"typed_{field}", _overrides().get(field, ""))
                st.text_input(label, key=f"typed_{field}", placeholder=getattr(current, field) or "",
                              on_change=_take_plain, args=(field,))

        with st.expander("Use real services"):
            st.caption("Keys stay in this browser session's memory: never shown again, stored, logged or traced.")
            for vendor, name in _VENDOR_NAMES.items():
                st.markdown(f"**{name}**")
                for field in _VENDOR_SECRETS[vendor]:
                    if getattr(current, field):
                        st.caption(f"{_SECRET_FIELDS[field]}: set for this session")
                    else:
                        st.text_input(_SECRET_FIELDS[field], type="password", key=f"typed_{field}",
                                      on_change=_take_secret, args=(field,))
                for field, label in _PLAIN_FIELDS[vendor]:
                    st.session_state.setdefault(f"typed_{field}", _overrides().get(field, ""))
                    st.text_input(label, key=f"typed_{field}", placeholder=getattr(current, field) or "",
                                  on_change=_take_plain, args=(field,))
            if any(field in _overrides() for field in _SECRET_FIELDS):
                st.button("Forget the keys typed here", on_click=_forget_keys)
        session.remember_browser()  # a reload in this browser, and only this one, brings the session back
