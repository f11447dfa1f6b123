"""Making text inert wherever Streamlit would render markdown."""

from __future__ import annotations

import re

# Every character CommonMark or Streamlit's markdown extensions give a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=&^])")


def escape_markdown(text: str) -> str:
    """Backslash-escape markdown so the text shows exactly as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def escape_label(text: str) -> str:
    """Escape markdown in a widget label, but leave parentheses alone: Streamlit reads the label out as
    the field's accessible name, backslashes included, and "(required)" needs none (a parenthesis only
    starts markup after "]", which stays escaped)."""
    return re.sub(r"\\([()])", r"\1", escape_markdown(text))


def inline_code(text: str) -> str:
    """Show text literally as a markdown code span: no markup and no automatic links inside it."""
    # Backticks would end the span; nothing typed into a join code needs them.
    return "`" + str(text).replace("`", "").replace("\n", " ") + "`"
