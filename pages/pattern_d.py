"""Pattern D — Agents SDK agent."""

from ui.pattern_page import render

render("D")
