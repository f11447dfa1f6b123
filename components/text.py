"""Making text inert wherever Streamlit would render markdown."""

from __future__ import annotations

import re

# Every character CommonMark or Streamlit's markdown extensions give a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=&^])")


def escape_markdown(text: str) -> str:
    """Backslash-escape markdown so the text shows exactly as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def dots_symbols(placed: int, cap: int) -> str:
    """Draw placed dots as filled circles and free room as empty ones."""
    return "●" * placed + "○" * max(0, cap - placed)
