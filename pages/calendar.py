"""The court calendars: the starting state every page copies, and each pattern page's own, with resets."""

import streamlit as st

from ui import calendar_view as view
from ui import session

st.title("Court calendar")
st.caption("Every pattern page books on its own copy of your starting calendar, so each page starts from the same "
           "state and none sees another's bookings. Visitors of this demo each get their own. Club members' "
           "bookings come from the demo starting state.")
pages = session.page_calendars()
choices = ["Starting calendar", *(f"Pattern {letter}'s page" for letter in pages)]
shown = st.selectbox("Calendar", choices, index=len(choices) - 1, key="calendar_shown")
calendar = session.calendar() if shown == choices[0] else pages[shown.split()[1][0]]
day = st.date_input("Day", value=session.default_day(), min_value=calendar.clock.today(), key="calendar_day_shown")
st.dataframe(view.grid(calendar, day, session.user()).style.map(view.colour), width="stretch", height=580)
mine = [b for page in pages.values() for b in page.bookings() if b.via not in ("", "seed")]
st.subheader("Bookings made in this session")
if mine:
    st.dataframe([{"court": b.court, "date": b.date, "time": b.time, "user": b.user, "pattern": b.via,
                   "confirmation": b.confirmation} for b in mine], hide_index=True, width="stretch")
else:
    st.caption("None yet — book a court on any pattern's page.")
st.caption(f"Starting state: {session.starting_state()}.")
left, right = st.columns(2)
if left.button("Start every calendar from the demo state", width="stretch"):
    session.set_starting_state("demo")
    st.rerun()
if right.button("Start every calendar empty", width="stretch"):
    session.set_starting_state("empty")
    st.rerun()
