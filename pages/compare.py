"""Compare: one conversation through all seven patterns, side by side (safeguards off, on, or both)."""

import streamlit as st

from ui import compare_view as view
from ui import guards, session
from ui.live import settle_heap
from ui.sidebar import where_calls_go

st.title("Compare all seven")
st.caption("The same conversation runs through every pattern, each on its own copy of your calendar, so they start "
           "from the same state and none sees another's bookings.")
view.remember({"compare_example": next(iter(view.EXAMPLES)), "compare_typed": "Book a court for tomorrow\n3pm\nA",
               "compare_safeguards": guards.default_choice(session.safeguards_on())})
left, right = st.columns([3, 2])
example = left.selectbox("Conversation", [*view.EXAMPLES, "Your own…"], key="compare_example")
choice = right.radio("Safeguards", list(guards.CHOICES), format_func=guards.CHOICES.get, key="compare_safeguards",
                     horizontal=True,
                     help="Off: each pattern as the article writes it. On: with the playground's own checks "
                          "(orchestration/safeguards.py). Both: each pattern twice, off beside on, to see what a "
                          "safeguard buys in each architecture.")
if example == "Your own…":
    typed = st.text_area("One message per line", key="compare_typed")
    messages = [line.strip() for line in typed.splitlines() if line.strip()][:6]
else:
    messages = view.EXAMPLES[example]
    st.caption(" → ".join(f"“{m}”" for m in messages))
view.chosen_now(["compare_example", "compare_typed", "compare_safeguards"])
if st.button("Run all seven", type="primary", disabled=not messages):
    st.session_state[view.RESULTS] = view.run_all(messages, choice)
recorded = view.recorded_beside(messages)
if recorded:
    with st.expander(f"Recorded real-model runs of this conversation ({len(recorded)})"):
        st.caption("What a real model did with these same messages, recorded and kept with the app. Replay or fork "
                   "any of them on its pattern's page.")
        st.dataframe(recorded, hide_index=True, width="stretch")
results = st.session_state.get(view.RESULTS)
if results:
    st.text(where_calls_go())
    rows = view.table(results)
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "decided by code": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
    st.caption("Here and below, the patterns stand in the article's order, "
               "from control to autonomy: A, C, E, D, B, F, G.")
    charts = st.columns(4)
    for column, (metric, title) in zip(charts, [("model calls", "Model calls"), ("tokens", "Tokens"),
                                                 ("latency ms", "Latency (ms)"),
                                                 ("est. cost $", "Est. cost ($)")], strict=True):
        column.caption(title)
        data = view.chart_data(results, rows, metric)
        column.vega_lite_chart(data, view.bar_chart(data, title), width="stretch")
    st.caption("Each card shows its run's steps in order, each numbered and coloured by who decided it (a failed step "
               "dashed red); open any run's graph large below. Under each reply: who wrote it (the pattern, a loop's "
               "cap, a safeguard or an error path) and how often a safeguard acted.")
    view.cards(results)
    view.closer(results)
    st.subheader("The article's table, beside what this run measured")
    st.dataframe(view.article_beside_measured(results), hide_index=True, width="stretch")
settle_heap()  # see ui/live.py: keeps Streamlit's collection after each rerun short
