"""Pattern E — Workflow."""

from ui.pattern_page import render

render("E")
