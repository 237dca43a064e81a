"""Arena: the scenario suite through the patterns, graded by the calendar's end state (safeguards off, on, or both)."""

import streamlit as st

from orchestration.evaluate import FAULTS
from orchestration.patterns import PATTERNS
from ui import arena_view as view
from ui import guards, session
from ui.live import settle_heap
from ui.sidebar import where_calls_go

st.title("Arena")
st.caption("Every scenario of the suite runs through the chosen patterns on a fresh calendar and is graded by the "
           "bookings it leaves behind — nothing missing, nothing extra, nobody else's name — and by what the last "
           "reply must say. Faults run over the probe scenarios, injected the same way into every pattern.")
view.remember({"arena_patterns": list(PATTERNS), "arena_runs": 1, "arena_faults": [],
               "arena_safeguards": guards.default_choice(session.safeguards_on())})
left, middle, right = st.columns([2, 1, 3])
letters = left.multiselect("Patterns", list(PATTERNS), key="arena_patterns")
runs = middle.number_input("Runs each", 1, 5, key="arena_runs", help="Repeated runs give pass^k (offline: identical).")
faults = right.multiselect("Faults", list(FAULTS), key="arena_faults", format_func=lambda f: FAULTS[f].title,
                           help="\n".join(f"{fault.title}: {fault.what}." for fault in FAULTS.values()))
choice = st.radio("Safeguards", list(guards.CHOICES), format_func=guards.CHOICES.get, key="arena_safeguards",
                  horizontal=True, help="Off: each pattern as the article writes it. On: with the playground's own "
                                        "checks. Both: the suite twice, each pattern's two columns side by side.")
view.chosen_now(["arena_patterns", "arena_runs", "arena_faults", "arena_safeguards"])
if st.button("Run the suite", type="primary", disabled=not letters):
    st.session_state[view.RESULTS] = view.run("".join(letters), int(runs), faults, choice)
suites = st.session_state.get(view.RESULTS)
if suites:
    st.text(where_calls_go())
    first = next(iter(suites.values())).report
    st.caption(f"{first['note']} Safeguards {' and '.join(suites)}; commit {first['commit'] or 'unknown'}. "
               "success and pass^k count runs the pattern did alone; rescued, runs a loop's cap, an error path or a "
               "safeguard brought to the right end state; harmed, runs that booked what nobody asked for.")
    st.dataframe(view.summary(suites), width="stretch",
                 column_config={c: st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
                                for c in ("success", "rescued", "pass^k", "decided by code")})
    st.altair_chart(view.cost_vs_pass_chart(suites), height=300, width="stretch")
    matrix = view.fault_matrix(suites)
    if matrix is not None:
        st.subheader("Faults: who recovers, who is rescued, who contains it, who is harmed")
        st.dataframe(matrix.style.map(lambda v: view.VERDICT_STYLE.get(v, "")), width="stretch")
    st.subheader("Runs that did not pass")
    view.failures(suites)
measured, measured_rows = view.measured_on_a_real_model()
if measured_rows:
    with st.expander("Measured on a real model, beside the offline runs above"):
        st.caption(f"The core scenarios on {measured}: the table in docs/real-models.md, counted from its records.")
        st.dataframe(measured_rows, hide_index=True, width="stretch",
                     column_config={c: st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
                                    for c in ("pass", "rescued", "fail")})
settle_heap()  # see ui/live.py: keeps Streamlit's collection after each rerun short
