"""Pattern F — Manager + Bedrock agents."""

from ui.pattern_page import render

render("F")
