"""Arena: the scenario suite through the patterns, graded by the calendar's end state."""

import streamlit as st

from orchestration.evaluate import FAULTS
from orchestration.patterns import PATTERNS
from ui import arena_view as view
from ui.sidebar import where_calls_go

st.title("Arena")
st.caption("Every scenario of the suite runs through the chosen patterns on a fresh calendar and is graded by the "
           "bookings it leaves behind — nothing missing, nothing extra, nobody else's name — and by what the last "
           "reply must say. Faults run over the probe scenarios, injected the same way into every pattern.")
left, middle, right = st.columns([2, 1, 3])
letters = left.multiselect("Patterns", list(PATTERNS), default=list(PATTERNS), key="arena_patterns")
runs = middle.number_input("Runs each", 1, 5, 1, key="arena_runs", help="Repeated runs give pass^k (offline: identical).")
faults = right.multiselect("Faults", list(FAULTS), key="arena_faults", format_func=lambda f: FAULTS[f].title,
                           help="\n".join(f"{fault.title}: {fault.what}." for fault in FAULTS.values()))
if st.button("Run the suite", type="primary", disabled=not letters):
    st.session_state.arena_suite = view.run("".join(letters), int(runs), faults)
suite = st.session_state.get("arena_suite")
if suite:
    st.text(where_calls_go())
    st.caption(suite.report["note"])
    st.dataframe(view.summary(suite), width="stretch",
                 column_config={c: st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
                                for c in ("success", "pass^k", "decided by code")})
    st.altair_chart(view.cost_vs_pass_chart(suite), height=300)
    matrix = view.fault_matrix(suite)
    if matrix is not None:
        st.subheader("Faults: who recovers, who contains it, who is harmed")
        st.dataframe(matrix.style.map(lambda v: view.VERDICT_STYLE.get(v, "")), width="stretch")
    st.subheader("Runs that did not pass")
    view.failures(suite)
