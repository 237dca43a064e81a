"""Pattern C — Function calling."""

from ui.pattern_page import render

render("C")
