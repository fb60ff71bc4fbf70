"""Excel workbooks in and out: the guarded reader, the cell parsers, the safe writer.

Not a Django app (it has no models, templates or commands of its own): the
imports and exports of every app use it. `reading` checks and parses an
untrusted workbook, `cells` turns its values into the rules' values, `writing`
makes cells that stay text and saves all or nothing, and `commands` is the base
of the import commands.
"""

from spreadsheets.cells import (
    CellError,
    parse_date,
    parse_decimal,
    parse_text,
    parse_yes_no,
)
from spreadsheets.commands import ImportCommand
from spreadsheets.reading import (
    ImportRejected,
    ImportReport,
    Problems,
    Progress,
    Row,
    Source,
    Table,
    check_container,
    chunks,
    file_error,
    read_rows,
    read_table,
    row_error,
)

__all__ = [
    "FORMULA_PREFIXES",
    "MONEY_FORMAT",
    "CellError",
    "ImportCommand",
    "ImportRejected",
    "ImportReport",
    "Problems",
    "Progress",
    "Row",
    "Source",
    "Table",
    "check_container",
    "chunks",
    "file_error",
    "number_cell",
    "parse_date",
    "parse_decimal",
    "parse_text",
    "parse_yes_no",
    "read_rows",
    "read_table",
    "row_error",
    "set_widths",
    "text_cell",
    "text_value",
    "workbook_save_atomic",
]

# The writer needs openpyxl, whose import takes most of a second; the readers
# and the import commands do not, so its names are imported on first use.
_WRITING = {
    "FORMULA_PREFIXES",
    "MONEY_FORMAT",
    "number_cell",
    "set_widths",
    "text_cell",
    "text_value",
    "workbook_save_atomic",
}


def __getattr__(name: str) -> object:
    if name in _WRITING:
        from spreadsheets import writing

        return getattr(writing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
