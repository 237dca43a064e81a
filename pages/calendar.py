"""The court calendar: who booked what, through which pattern, and a reset."""

import streamlit as st

from ui import calendar_view as view
from ui import session

st.title("Court calendar")
st.caption("Your own copy of the club's calendar: visitors of this demo each get one, so nobody's bookings "
           "collide. Club members' bookings come from the demo starting state.")
calendar = session.calendar()
day = st.date_input("Day", value=session.default_day(), min_value=calendar.clock.today(), key="calendar_day_shown")
st.dataframe(view.grid(calendar, day, session.user()).style.map(view.colour), width="stretch", height=580)
mine = [b for b in calendar.bookings() if b.via not in ("", "seed")]
st.subheader("Bookings made in this session")
if mine:
    st.dataframe([{"court": b.court, "date": b.date, "time": b.time, "user": b.user, "pattern": b.via,
                   "confirmation": b.confirmation} for b in mine], hide_index=True, width="stretch")
else:
    st.caption("None yet — book a court on any pattern's page.")
left, right = st.columns(2)
if left.button("Reset to the demo state", width="stretch"):
    calendar.reset("demo")
    st.rerun()
if right.button("Empty the calendar", width="stretch"):
    calendar.reset("empty")
    st.rerun()
