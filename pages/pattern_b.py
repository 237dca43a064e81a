"""Pattern B — Bedrock Agent."""

from ui.pattern_page import render

render("B")
