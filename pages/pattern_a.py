"""Pattern A — AI as a service."""

from ui.pattern_page import render

render("A")
