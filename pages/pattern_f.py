"""Pattern F — OpenAI manager → Bedrock sub-agents."""

from ui.pattern_page import render

render("F")
