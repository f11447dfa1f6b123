"""Spreadsheet files that stay data: CSV and XLSX writers that never let a cell become a formula.

Participant text is untrusted: a title starting with "=" must stay text in Excel (OWASP CSV injection).
No Streamlit here.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Spreadsheet programs treat a cell starting with these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix text a spreadsheet would read as a formula with a single quote; drop characters XLSX forbids."""
    if not isinstance(value, str):
        return value
    # Rows stored before the rules dropped control characters must not break the whole workbook.
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def plain_rows(frame: pd.DataFrame) -> list[list]:
    """Rows of Python values (no numpy scalars, NaN as None)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def restore_text(text: str) -> str:
    """A cell as its author wrote it: the quote neutralise (or a spreadsheet) put before a formula sign goes."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def write_csv(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel reads Czech and Cyrillic), every text cell neutralised."""
    # Row by row, as plain objects: a column of counts with a 'hidden' row's gap stays "12", not "12.0".
    safe = pd.DataFrame([[neutralise(v) for v in row] for row in plain_rows(frame)],
                        columns=[neutralise(str(c)) for c in frame.columns], dtype=object)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table, readable column widths, frozen header, no formula cell anywhere."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, frame in tables.items():
        sheet = book.create_sheet(title=name[:31])
        rows = plain_rows(frame)
        for index, width in enumerate(_column_widths(frame, rows), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_text_cell(sheet, str(c), bold) for c in frame.columns])
        wrap = Alignment(wrap_text=True, vertical="top") if name == "summary" else None
        for row in rows:
            if wrap is not None:
                sheet.append([_text_cell(sheet, v, None, wrap) if isinstance(v, str) else v for v in row])
            else:
                sheet.append([_safe_value(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _safe_value(sheet, value):
    """A plain value for speed; neutralised text never starts with '=', so openpyxl stores it as a string."""
    if isinstance(value, str):
        value = neutralise(value)
        if value.startswith("="):  # unreachable after neutralise; kept so no change can make a formula
            return _text_cell(sheet, value)
    return value


def _text_cell(sheet, value: str, font=None, alignment=None) -> WriteOnlyCell:
    """A cell that is always a string, never a formula."""
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _column_widths(frame: pd.DataFrame, rows: list[list], sample: int = 500) -> list[float]:
    """Width per column from the header and the first rows, between 8 and 60 characters."""
    widths = []
    for index, column in enumerate(frame.columns):
        longest = max([len(str(column))] + [len(str(r[index])) for r in rows[:sample] if r[index] is not None])
        widths.append(float(min(60, max(8, longest + 2))))
    return widths
