"""Writing workbooks: cells that stay text, streamed sheets, and saving all or nothing.

Writers stream with openpyxl's write-only mode, so their cells are made here.
Every text cell goes through `text_cell`, the one place that keeps text such as
`=HYPERLINK(...)` from ever being run as a formula.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, TypeVar

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Text starting with one of these is a formula to Excel (and to openpyxl for
# "="); tab and carriage return are in OWASP's list for the same reason.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "0.00"

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)

T = TypeVar("T")


def text_cell(ws: WriteOnlyWorksheet, value: str | None, **style: object) -> WriteOnlyCell:
    """A cell that shows `value` as text, never as a formula.

    openpyxl stores a string starting with "=" as a formula, and Excel runs
    "+", "-" and "@" ones when the cell is edited. Forcing the type to string
    writes it as an inline string, and the quote prefix (Excel's leading
    apostrophe) keeps it text even when someone edits the cell. Characters XML
    cannot hold would make the file unreadable, so they are dropped.
    """
    cell = WriteOnlyCell(ws)
    if value is not None and value != "":
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.value = text
        if text.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
    _style(cell, **style)
    return cell


def number_cell(
    ws: WriteOnlyWorksheet, value: Decimal | int | None, *, money: bool = True, **style: object
) -> WriteOnlyCell:
    """A numeric cell; Decimal stays exact (openpyxl writes its text), shown with two decimals."""
    cell = WriteOnlyCell(ws, value=value)
    if money:
        cell.number_format = MONEY_FORMAT
    _style(cell, **style)
    return cell


def _style(
    cell: WriteOnlyCell,
    *,
    bold: bool = False,
    border: bool = False,
    alignment: Alignment | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
) -> None:
    if font is not None:
        cell.font = font
    elif bold:
        cell.font = _BOLD
    if border:
        cell.border = _BORDER
    if alignment is not None:
        cell.alignment = alignment
    if fill is not None:
        cell.fill = fill


def set_widths(ws: WriteOnlyWorksheet, widths: Iterable[int]) -> None:
    # In write-only mode column settings must come before the first row.
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width


def workbook_save_atomic(*, path: str | os.PathLike[str], write: Callable[[IO[bytes]], T]) -> T:
    """Run `write` on a temporary file beside `path`, then rename it to `path`.

    A refusal or a crash half-way never leaves a half-written file, nor
    replaces a good file from an earlier run: the rename happens only after
    `write` returned.
    """
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed and renamed below
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            outcome = write(handle)
        # A temporary file is private (0600); the export is an ordinary file.
        Path(handle.name).chmod(0o644)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return outcome
