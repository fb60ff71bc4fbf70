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

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Text starting with one of these is a formula to Excel (and to openpyxl for
# "="); tab and carriage return are in OWASP's list for the same reason.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "0.00"
# Excel opens no sheet longer than this; a longer table continues on another sheet.
EXCEL_MAX_ROWS = 1_048_576

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
            style["quote_prefix"] = True
        elif text in ERROR_CODES:
            # openpyxl would store "#N/A" as Excel's error value, not as the text typed.
            cell.data_type = "s"
    _style(cell, **style)
    return cell


def text_value(ws: WriteOnlyWorksheet, value: str | None) -> str | WriteOnlyCell | None:
    """`text_cell` for the long tables: the plain string wherever openpyxl keeps it text as it is.

    A row of plain values lets openpyxl reuse one cell object for the whole
    row instead of one per value (the archive writes millions); anything that
    needs care (a formula prefix, an error code, characters XML cannot hold)
    still goes through `text_cell`.
    """
    if value is None or value == "":
        return None
    text = str(value)
    if (
        text.startswith(FORMULA_PREFIXES)
        or text in ERROR_CODES
        or ILLEGAL_CHARACTERS_RE.search(text)
    ):
        return text_cell(ws, text)
    return text


def number_cell(
    ws: WriteOnlyWorksheet, value: Decimal | int | None, *, money: bool = True, **style: object
) -> WriteOnlyCell:
    """A numeric cell; Decimal stays exact (openpyxl writes its text), shown with two decimals."""
    cell = WriteOnlyCell(ws, value=value)
    _style(cell, number_format=MONEY_FORMAT if money else None, **style)
    return cell


def _style(
    cell: WriteOnlyCell,
    *,
    bold: bool = False,
    border: bool = False,
    alignment: Alignment | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    number_format: str | None = None,
    quote_prefix: bool = False,
) -> None:
    """Give `cell` its look; a look the workbook has seen is copied, not built again.

    Setting a font or border looks the style up in the workbook's lists by
    hashing it, which costs more than writing the cell; a cell's whole look is
    one small array of those lists' indices, and copying it is how openpyxl's
    documentation copies styles. The cache lives on the workbook, whose lists
    the indices point into, and holds the style objects so their ids stay theirs.
    """
    if font is None and bold:
        font = _BOLD
    if (
        font is None
        and not border
        and alignment is None
        and fill is None
        and number_format is None
        and not quote_prefix
    ):
        return
    key = (id(font), border, id(alignment), id(fill), number_format, quote_prefix)
    cache = cell.parent.parent.__dict__.setdefault("_smile_styles", {})
    known = cache.get(key)
    if known is not None:
        cell._style = StyleArray(known[0])  # a copy, as copy() makes it
        return
    if font is not None:
        cell.font = font
    if border:
        cell.border = _BORDER
    if alignment is not None:
        cell.alignment = alignment
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if quote_prefix:
        cell.quotePrefix = True
    cache[key] = (StyleArray(cell._style), (font, alignment, fill))


def set_widths(ws: WriteOnlyWorksheet, widths: Iterable[int]) -> None:
    # In write-only mode column settings must come before the first row.
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width


class SheetSeries:
    """One table over as many sheets as Excel's row limit needs.

    The first sheet takes `title`; a table longer than a sheet continues on
    "`title` (2)", "`title` (3)", … right after it, each starting again with
    `start(ws)` (widths, panes, the header row). Ask `row()` for the sheet
    before making each row's cells, so they belong to the sheet they go to.
    """

    def __init__(
        self,
        wb: Workbook,
        title: str,
        *,
        start: Callable[[WriteOnlyWorksheet], None],
        comments: bool = False,
    ) -> None:
        self._wb = wb
        self._title = title
        self._start = start
        self._comments = comments
        self.titles: list[str] = []
        self.rows = 0
        self._ws = self._next()

    def _next(self) -> WriteOnlyWorksheet:
        number = len(self.titles) + 1
        title = self._title if number == 1 else f"{self._title} ({number})"
        ws = self._wb.create_sheet(title)
        self._start(ws)
        if self._comments:
            from spreadsheets.comments import comments_spool

            comments_spool(ws)
        self.titles.append(title)
        self._in_sheet = 1  # the header row, which `start` wrote
        return ws

    def row(self) -> WriteOnlyWorksheet:
        """The sheet the next row goes to; call `append` on it once."""
        if self._in_sheet >= EXCEL_MAX_ROWS:
            self._ws = self._next()
        self._in_sheet += 1
        self.rows += 1
        return self._ws


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
