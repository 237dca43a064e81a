"""Pattern G — Manager → Lambda-wrapped agents."""

from ui.pattern_page import render

render("G")
