"""Showing text from users and models safely: as words, never as markup."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def plain(text: str) -> str:
    """`text` with Markdown and HTML characters escaped, for `st.markdown`: a model cannot add links,
    images (which would fetch from the internet) or formatting to the page."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")
