"""Write-only sheets whose rows are written as text, byte for byte what openpyxl writes.

openpyxl's write-only mode streams rows to disk, but it makes an XML element
for every cell and serialises it through ElementTree: for a results export that
is most of the time spent. `StreamingWorkbook` makes sheets that write a row's
XML as one string when every value in it is of a kind openpyxl writes plainly
(text, whole and decimal numbers, blanks, styled cells of those), and hand any
other row (a date, a formula, a comment, a row with its own height) to
openpyxl's writer as before. Either way the bytes are openpyxl's:
spreadsheets/tests/test_streaming.py writes the same rows both ways and
compares every part of the two files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# openpyxl keeps at most this much of a text (Cell.check_string).
_MAX_TEXT = 32767
_LETTERS = tuple(get_column_letter(index) for index in range(1, 16385))
_NUMBERS = (int, Decimal, float)


def _escape(text: str) -> str:
    # ElementTree's escaping of element text, which openpyxl's writer uses.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text(ref: str, style: str, text: str) -> str:
    if not text:
        return f'<c r="{ref}"{style} t="inlineStr" />'
    stripped = text.strip()
    # openpyxl's `whitespace`: surrounding spaces are kept, but not in all-space text.
    space = ' xml:space="preserve"' if stripped and stripped != text else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _number(ref: str, style: str, value: int | Decimal | float) -> str:
    # openpyxl's safe_string writes "%.16g" % value, which goes through float.
    return f'<c r="{ref}"{style} t="n"><v>{float(value):.16g}</v></c>'


def _plain_text(value: str) -> bool:
    """Whether openpyxl would store `value` as it is, as inline text."""
    return (
        len(value) <= _MAX_TEXT
        and not (len(value) > 1 and value[0] == "=")
        and value not in ERROR_CODES
        and not ILLEGAL_CHARACTERS_RE.search(value)
    )


def _finite(value: int | Decimal | float) -> bool:
    # openpyxl writes an empty value for NaN and infinity; such rows go its way.
    return type(value) is int or math.isfinite(value)


class StreamingSheet(WriteOnlyWorksheet):
    """A write-only sheet that writes plain rows as text (see the module's docstring)."""

    def _write_rows(self) -> Iterator[None]:
        # openpyxl's own generator (WriteOnlyWorksheet._write_rows), with a fast path per row.
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()

        with xf.element("sheetData"):
            write = xf._file
            dimensions = self.row_dimensions
            row_idx = 1
            try:
                while True:
                    row = yield
                    xml = None if row_idx in dimensions else self._row_xml(row, row_idx)
                    if xml is None:
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                    else:
                        write(xml)
                    row_idx += 1
            except GeneratorExit:
                pass

        self._writer.xf.send(None)

    def _row_xml(self, values: Iterable[object], row_idx: int) -> str | None:
        """The row as openpyxl writes it, or None when openpyxl must write it itself."""
        if not isinstance(values, Sequence):
            return None  # a generator can be read once only
        number = str(row_idx)
        styles = self.parent.style_ids
        parts = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                if not _plain_text(value):
                    return None
                parts.append(_text(_LETTERS[index] + number, "", value))
            elif kind in _NUMBERS:
                if not _finite(value):
                    return None
                parts.append(_number(_LETTERS[index] + number, "", value))
            elif kind is Cell:  # what WriteOnlyCell makes
                cell = self._cell_xml(value, _LETTERS[index] + number, styles)
                if cell is None:
                    return None
                parts.append(cell)
            else:
                return None
        parts.append("</row>")
        return "".join(parts)

    @staticmethod
    def _cell_xml(cell: Cell, ref: str, styles: dict[bytes, str]) -> str | None:
        if cell._comment is not None or cell._hyperlink is not None:
            return None
        look = cell._style
        if look is None or not any(look):
            style = ""
        else:
            # `cell.style_id` hashes the look in Python, twice; its bytes key a dict.
            key = look.tobytes()
            style = styles.get(key)
            if style is None:
                style = styles[key] = f' s="{cell.style_id}"'
        value = cell._value
        if cell.data_type == "s" and type(value) is str:
            return _text(ref, style, value)
        if cell.data_type != "n":
            return None
        if value is None:
            return f'<c r="{ref}"{style} t="n" />' if style else ""
        if type(value) in _NUMBERS and _finite(value):
            return _number(ref, style, value)
        return None


class StreamingWorkbook(Workbook):
    """A write-only workbook whose sheets are `StreamingSheet`s."""

    def __init__(self) -> None:
        super().__init__(write_only=True)
        # A cell look's bytes and its ` s="…"` attribute, once the workbook has the look.
        self.style_ids: dict[bytes, str] = {}

    def create_sheet(self, title: str | None = None, index: int | None = None) -> StreamingSheet:
        sheet = StreamingSheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet
