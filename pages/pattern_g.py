"""Pattern G — Manager + Lambda agents."""

from ui.pattern_page import render

render("G")
