"""Safe reading of uploaded and command-line workbooks, shared by every import.

An .xlsx file is a zip of XML parts, so an untrusted one can be a zip bomb, an
XML entity bomb or simply not a workbook. `read_rows` checks the container
before anything parses it, reads the sheet with python-calamine when a scan
of its XML shows that safe (no DTD, a grid of bounded size) and with openpyxl
through defusedxml otherwise, and hands back plain rows keyed by the
interface's header names; the cells' values are then read with the parsers
of `spreadsheets.cells`.

Errors are collected, never raised one at a time: a person fixing a file of a
thousand rows wants every problem in one go (see `Problems`).
"""

from __future__ import annotations

import itertools
import os
import pyexpat
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from spreadsheets.cells import is_blank

try:
    import python_calamine as _calamine
except ImportError:  # pragma: no cover - pinned in requirements.txt; openpyxl reads then
    _calamine = None

# The parts without which a zip is not a workbook at all.
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# A real workbook has a few dozen parts; thousands are a way to make the
# central directory itself expensive.
MAX_PARTS = 10_000
# Compressed bytes read at a time while an entry's real size is measured.
_INFLATE_CHUNK = 64 * 1024

Source = str | os.PathLike[str] | IO[bytes]
# Told (rows read so far, rows the sheet says it has or 0) every PROGRESS_EVERY rows.
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1000


class ImportRejected(Exception):
    """A file that cannot be imported; nothing was written.

    `errors` holds one message per problem, each naming the file and, where it
    is about a row, the row number, so that a command can print them all and a
    page can list them.
    """

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "\n".join(self.errors)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its Excel row number and its values keyed by header."""

    number: int
    values: dict[str, Any]

    def __getitem__(self, header: str) -> Any:
        return self.values.get(header)


@dataclass(frozen=True, slots=True)
class Table:
    """The data rows of a sheet column by column: `read_rows` without a dict per row.

    `numbers[i]` is the Excel row number of the i-th data row and
    `columns[header][i]` its value under `header`, as `Row` gives them (None
    for an empty cell and under an absent optional column). An import of
    100,000 rows checks each column's few distinct values once instead of
    every row's cells.
    """

    numbers: list[int]
    columns: dict[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, index: int) -> Row:
        return Row(self.numbers[index], {h: c[index] for h, c in self.columns.items()})

    def rows(self) -> list[Row]:
        headers = list(self.columns)
        if not headers:
            return [Row(number, {}) for number in self.numbers]
        return [
            Row(number, dict(zip(headers, values, strict=True)))
            for number, values in zip(
                self.numbers, zip(*self.columns.values(), strict=True), strict=True
            )
        ]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the command's summary line and the page's message."""

    name: str
    rows: int
    created: int
    updated: int = 0
    unchanged: int = 0


def file_error(name: str, problem: str) -> str:
    return _("%(file)s: %(problem)s") % {"file": name, "problem": problem}


def row_error(name: str, row: int, problem: str) -> str:
    return _("%(file)s row %(row)d: %(problem)s") % {"file": name, "row": row, "problem": problem}


class Problems:
    """The errors of one import, collected over every row before anything is written."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._found: list[tuple[int, int, str]] = []

    def add(self, row: int, problem: str) -> None:
        self._found.append((row, len(self._found), row_error(self.name, row, problem)))

    @property
    def count(self) -> int:
        return len(self._found)

    @property
    def errors(self) -> list[str]:
        # Checks run in passes (cells, then lookups, then duplicates); people read by row.
        return [message for _row, _order, message in sorted(self._found)]

    def raise_if_any(self) -> None:
        if self._found:
            raise ImportRejected(self.errors)


# --- The container ------------------------------------------------------------------


def _size_of(source: Source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.stat(source).st_size
    size = getattr(source, "size", None)  # Django's UploadedFile knows it
    if isinstance(size, int):
        return size
    position = source.tell()
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(position)
    return size


def _rewind(source: Source) -> None:
    if not isinstance(source, str | os.PathLike):
        source.seek(0)


def _too_big(name: str, unpacked: int) -> ImportRejected:
    return ImportRejected(
        [
            file_error(
                name,
                _(
                    "the workbook would unpack to %(unpacked)s bytes, far more than a "
                    "spreadsheet of this size holds; it was not opened."
                )
                % {"unpacked": unpacked},
            )
        ]
    )


def _part_too_big(name: str, entry: zipfile.ZipInfo) -> ImportRejected:
    return ImportRejected(
        [
            file_error(
                name,
                _(
                    "the part %(part)s would unpack to %(unpacked)s bytes; at most %(limit)s "
                    "bytes are accepted for one part. It was not opened."
                )
                % {
                    "part": entry.filename,
                    "unpacked": entry.file_size,
                    "limit": settings.IMPORT_MAX_ENTRY_BYTES,
                },
            )
        ]
    )


def _lying_entry(name: str, part: str) -> ImportRejected:
    return ImportRejected(
        [
            file_error(
                name,
                _(
                    "the part %(part)s unpacks to more than the size it declares; "
                    "the file is damaged or forged and was not opened."
                )
                % {"part": part},
            )
        ]
    )


def _inflated_size(handle: IO[bytes], entry: zipfile.ZipInfo, budget: int) -> int:
    """How many bytes `entry` really unpacks to, counting no further than `budget` + 1.

    zipfile trusts the declared size; this inflates the entry's own compressed
    bytes with an output cap, so an entry that declares a few bytes and holds a
    gigabyte costs no more than its declared size to catch.
    """
    handle.seek(entry.header_offset)
    header = handle.read(zipfile.sizeFileHeader)
    if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
        raise zipfile.BadZipFile(entry.filename)
    fields = struct.unpack(zipfile.structFileHeader, header)
    handle.seek(
        fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH], os.SEEK_CUR
    )
    if entry.compress_type == zipfile.ZIP_STORED:
        return entry.compress_size
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        # Excel writes only these two; anything else is not a workbook of ours.
        raise zipfile.BadZipFile(entry.filename)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    remaining = entry.compress_size
    size = 0
    while remaining > 0 and size <= budget:
        data = handle.read(min(_INFLATE_CHUNK, remaining))
        if not data:
            raise zipfile.BadZipFile(entry.filename)
        remaining -= len(data)
        while data and size <= budget:
            size += len(inflater.decompress(data, budget + 1 - size))
            data = inflater.unconsumed_tail
    if size <= budget:
        size += len(inflater.flush())
    return size


def check_container(source: Source, *, name: str) -> None:
    """Refuse, before any XML is parsed, a file that is too big, not an xlsx or a zip bomb.

    Every entry's declared uncompressed size is held against a per-entry cap
    and all of them against a total cap (and the archive's ratio), from the
    central directory alone; then every entry is inflated with its declared
    size as its budget, so one that lies about its size is caught as soon as
    it passes it. A padded archive (one huge, highly compressed part beside
    megabytes of stored noise) passes a ratio test but not these.
    """
    try:
        size = _size_of(source)
    except OSError as exc:
        raise ImportRejected([file_error(name, _("the file cannot be read."))]) from exc
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected(
            [
                file_error(
                    name,
                    _("the file is %(size)s bytes; at most %(limit)s bytes are accepted.")
                    % {"size": size, "limit": limit},
                )
            ]
        )
    not_xlsx = file_error(name, _("this is not an Excel workbook (.xlsx)."))
    _rewind(source)
    handle: IO[bytes] = (
        open(source, "rb")  # noqa: SIM115 - closed below
        if isinstance(source, str | os.PathLike)
        else source
    )
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if not all(part in names for part in REQUIRED_PARTS):
            raise ImportRejected([not_xlsx])
        for entry in entries:
            if entry.file_size > settings.IMPORT_MAX_ENTRY_BYTES:
                raise _part_too_big(name, entry)
        unpacked = sum(entry.file_size for entry in entries)
        if (
            len(entries) > MAX_PARTS
            or unpacked > settings.IMPORT_MAX_UNPACKED_BYTES
            or unpacked > settings.IMPORT_MAX_UNPACKED_RATIO * max(size, 1)
        ):
            raise _too_big(name, unpacked)
        for entry in entries:
            if _inflated_size(handle, entry, entry.file_size) > entry.file_size:
                raise _lying_entry(name, entry.filename)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        struct.error,
        OSError,
        ValueError,
        EOFError,
    ) as exc:
        raise ImportRejected([not_xlsx]) from exc
    finally:
        if handle is not source:
            handle.close()
        _rewind(source)


def _assert_xml_is_defused() -> None:
    # openpyxl picks defusedxml up only when it is importable and not switched
    # off through OPENPYXL_DEFUSEDXML; without it an entity bomb would be expanded.
    from openpyxl import xml

    if not xml.DEFUSEDXML:
        raise ImproperlyConfigured(
            "openpyxl is not using defusedxml: install defusedxml and do not set "
            "OPENPYXL_DEFUSEDXML=False; workbooks are not read without it."
        )


# --- Rows ------------------------------------------------------------------------------


def _unreadable(name: str, exc: BaseException) -> str:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return file_error(
                name,
                _("the workbook contains XML entity or DTD declarations, which are refused."),
            )
        cause = cause.__cause__ or cause.__context__
    return file_error(
        name, _("the workbook cannot be read; it may be damaged. Save it again as .xlsx.")
    )


def _header_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_rows(
    source: Source,
    *,
    name: str,
    headers: Sequence[str],
    required: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[Row]:
    """The data rows of the first sheet of the workbook `source`, keyed by header (`read_table`)."""
    return read_table(
        source, name=name, headers=headers, required=required, progress=progress
    ).rows()


def read_table(
    source: Source,
    *,
    name: str,
    headers: Sequence[str],
    required: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Table:
    """The data rows of the first sheet of the workbook `source`, by header.

    `headers` are every header the interface knows; `required` those that must
    be present (all of them by default). The first row is the header row: an
    unknown, repeated or missing header rejects the file, naming it. Fully
    empty rows are skipped; a value in a column without a header is an error
    of its row. Absent optional columns read as None. `name` is the file name
    the messages use (an upload's temporary path means nothing to the user).
    """
    _assert_xml_is_defused()
    required = list(headers if required is None else required)
    if isinstance(source, str | os.PathLike):
        # Opened here, not by openpyxl: it would refuse a workbook whose name
        # does not end in .xlsx, and the checked file is then the parsed one.
        try:
            with open(source, "rb") as handle:
                return _read(
                    handle, name=name, headers=headers, required=required, progress=progress
                )
        except OSError as exc:
            raise ImportRejected([file_error(name, _("the file cannot be read."))]) from exc
    return _read(source, name=name, headers=headers, required=required, progress=progress)


def _read(
    source: IO[bytes],
    *,
    name: str,
    headers: Sequence[str],
    required: Sequence[str],
    progress: Progress | None,
) -> Table:
    check_container(source, name=name)
    try:
        fast = _calamine_may_read(source)
    except ImportRejected:
        raise
    except Exception as exc:
        raise ImportRejected([_unreadable(name, exc)]) from exc
    finally:
        _rewind(source)
    if fast:
        return _read_calamine(
            source, name=name, headers=headers, required=required, progress=progress
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        # Anything openpyxl stumbles on (broken XML, a forbidden entity, a
        # missing part) means the same thing to the user: not a usable workbook.
        raise ImportRejected([_unreadable(name, exc)]) from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise ImportRejected([file_error(name, _("the workbook has no worksheet."))])
        sheet = sheets[0]
        # Only an estimate for the progress bar: the stored dimension may be wrong.
        declared_rows = max((sheet.max_row or 1) - 1, 0) if progress else 0
        # The stored dimension can claim a million rows and 16,384 columns, which
        # openpyxl would pad every row to; read what the sheet really contains.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        columns = _header_columns(next(rows, ()), name=name, headers=headers, required=required)
        return _streamed_table(
            rows, columns, declared_rows, name=name, headers=headers, progress=progress
        )
    except ImportRejected:
        raise
    except Exception as exc:
        raise ImportRejected([_unreadable(name, exc)]) from exc
    finally:
        workbook.close()
        _rewind(source)


# --- python-calamine, when the file allows it -------------------------------------------
#
# python-calamine (Rust) reads a sheet about eight times faster than openpyxl's
# read-only mode and gives the same values once through `spreadsheets.cells`
# (bench/import_sheets.py compares them). But it loads the first sheet whole,
# as a dense grid from its top-left to its bottom-right valued cell: a 5 KB file
# with values in A1 and XFD1048576 asks for 549 GB and aborts the process. So
# it reads a file only when a scan of the XML (after the zip checks above)
# proves the grid small: every cell names its position (`<c r="…">`, as Excel,
# WPS, LibreOffice and openpyxl write them) and the positions span at most
# CALAMINE_MAX_CELLS. Any other file, forged or merely unusual, is read by
# openpyxl as before, which streams. The same scan refuses a DTD or entity
# declaration in any part's prolog (calamine has no defusedxml), before
# calamine opens anything.

# Cells (rows × columns of the grid) python-calamine may be handed: 4M cells are
# a 500,000-row file of the widest interface, about 130 MiB in Rust and Python.
CALAMINE_MAX_CELLS = 4_000_000
# XML read at a time by the scan; a cell reference never spans more than _SCAN_TAIL.
_SCAN_CHUNK = 4 * 1024 * 1024
_SCAN_TAIL = 64


class _RootReached(Exception):
    pass


class _Prolog:
    """Fed a part's XML, refuses (defusedxml's exceptions) a DTD or entity declaration.

    Only the prolog can hold one, so it stops at the root element: `done`.
    XML that is not well-formed before its root leaves `done` False.
    """

    def __init__(self) -> None:
        self.done = False
        self.broken = False
        self._parser = pyexpat.ParserCreate()
        self._parser.StartDoctypeDeclHandler = self._doctype
        self._parser.EntityDeclHandler = self._entity
        self._parser.UnparsedEntityDeclHandler = self._entity
        self._parser.StartElementHandler = self._root

    @staticmethod
    def _doctype(name: str, sysid: str | None, pubid: str | None, has_internal: bool) -> None:
        from defusedxml import DTDForbidden

        raise DTDForbidden(name, sysid, pubid)

    @staticmethod
    def _entity(name: str, *args: object) -> None:
        from defusedxml import EntitiesForbidden

        raise EntitiesForbidden(name, None, None, None, None, None)

    @staticmethod
    def _root(name: str, attributes: object) -> None:
        raise _RootReached

    def feed(self, data: bytes) -> None:
        if self.done or self.broken:
            return
        try:
            self._parser.Parse(data, False)
        except _RootReached:
            self.done = True
        except pyexpat.ExpatError:
            self.broken = True


class _Extent:
    """The grid the cells of the XML fed to it span, at most; `plain` while every cell names its place.

    Reading every reference costs as much as calamine's whole read, so it asks
    the XML a few narrow questions instead: rows of six or seven digits are
    read (below them the grid has at most 99,999 rows), and so are columns.
    """

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.plain = True

    def feed(self, data: bytes) -> None:
        if (
            _OTHER_CELL.search(data)
            or _PREFIXED_CELL.search(data)
            or _ODD_REF.search(data)
            # An error value (t="e", e.g. #N/A): calamine gives "", openpyxl the text.
            # Any "e" or 'e' counts (a note may hold one): openpyxl then reads the file.
            or b'"e"' in data
            or b"'e'" in data
        ):
            self.plain = False
            return
        if b'<c r="' not in data:
            return
        long_rows = _LONG_ROWS.findall(data)
        self.rows = max(self.rows, max(map(int, long_rows)) if long_rows else 99_999)
        letters = set(_WIDE.findall(data)) or set(_NARROW.findall(data))
        widest = max(letters, key=lambda column: (len(column), column))
        self.columns = max(self.columns, _column_number(widest))


# A cell element whose first attribute is not r, or with a namespace prefix (two
# patterns: each starts with a literal, which the regex engine finds fast).
_OTHER_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
# A cell reference that is not 1-3 letters and 1-7 digits.
_ODD_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]{1,7}")')
_LONG_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{6,7})"')
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_NARROW = re.compile(rb'<c r="([A-Z])[0-9]')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_may_read(source: IO[bytes]) -> bool:
    """Whether python-calamine may read `source` (see above); refuses a DTD in any part."""
    if _calamine is None:
        return False
    extent = _Extent()
    with zipfile.ZipFile(source) as archive:
        for entry in archive.infolist():
            if not entry.filename.endswith((".xml", ".rels")):
                continue
            prolog = _Prolog()
            with archive.open(entry) as part:
                tail = b""
                while chunk := part.read(_SCAN_CHUNK):
                    prolog.feed(chunk)
                    if extent.plain:
                        # Cut before the last element that may be incomplete; it goes on.
                        data = tail + chunk
                        cut = max(data.rfind(b"<"), len(data) - _SCAN_TAIL, 0)
                        data, tail = data[:cut], data[cut:]
                        extent.feed(data)
                    elif prolog.done:
                        break
                extent.feed(tail)
            if prolog.broken or not prolog.done:
                extent.plain = False  # openpyxl, through defusedxml, says what is wrong
    return extent.plain and extent.rows * extent.columns <= CALAMINE_MAX_CELLS


def _read_calamine(
    source: IO[bytes],
    *,
    name: str,
    headers: Sequence[str],
    required: Sequence[str],
    progress: Progress | None,
) -> list[Row]:
    try:
        with _calamine.CalamineWorkbook.from_filelike(source) as workbook:
            # The first worksheet, as openpyxl's `worksheets[0]`: chart sheets do not count.
            worksheet = _calamine.SheetTypeEnum.WorkSheet
            first = next(
                (i for i, sheet in enumerate(workbook.sheets_metadata) if sheet.typ == worksheet),
                None,
            )
            if first is None:
                raise ImportRejected([file_error(name, _("the workbook has no worksheet."))])
            # From A1, whatever the first valued cell: row numbers are Excel's.
            grid = workbook.get_sheet_by_index(first).to_python(skip_empty_area=False)
    except ImportRejected:
        raise
    except Exception as exc:
        raise ImportRejected([_unreadable(name, exc)]) from exc
    except BaseException as exc:
        # python-calamine is Rust: a panic on a malformed file arrives as pyo3's
        # PanicException, which is not an Exception; the file is refused all the same.
        if type(exc).__name__ != "PanicException":
            raise
        raise ImportRejected([_unreadable(name, exc)]) from exc
    finally:
        _rewind(source)
    columns = _header_columns(
        grid[0] if grid else (), name=name, headers=headers, required=required
    )
    if progress is not None:
        # calamine has read the whole sheet already: the bar moves on at once.
        for number in range(PROGRESS_EVERY, len(grid) + 1, PROGRESS_EVERY):
            progress(number - 1, max(len(grid) - 1, 0))
    return _table(grid, columns, name=name, headers=headers)


def _as_openpyxl_gives(column: Sequence[Any]) -> Sequence[Any]:
    """A column of calamine's values as openpyxl gives them.

    An empty cell is None, not "", and a negative zero is 0 (openpyxl reads
    the text "-0" as the integer 0). Most columns hold neither: `in` finds
    that at C speed and the column is kept as it is.
    """
    if "" not in column and 0 not in column:
        return column
    return tuple(
        None if value == "" else 0.0 if value == 0 and type(value) is float else value
        for value in column
    )


def _blank_rows(columns: Iterable[Sequence[Any]]) -> list[int]:
    """The indexes of the rows blank in every one of `columns` (each a column of the grid).

    Asked of each column's distinct values, and only for the rows still
    blank in the columns before it; a column with a value in every row ends it.
    """
    candidates: list[int] | None = None
    for column in columns:
        try:
            blanks = {value for value in set(column) if is_blank(value)}
        except TypeError:  # an unhashable cell value: ask every cell
            blanks = None
        if blanks is not None and not blanks:
            return []
        if candidates is None:
            candidates = list(range(len(column)))
        if blanks is None:
            candidates = [i for i in candidates if is_blank(column[i])]
        else:
            candidates = [i for i in candidates if column[i] in blanks]
        if not candidates:
            return []
    return candidates or []


def _valued_rows(column: Sequence[Any]) -> list[int]:
    """The indexes of the rows with a value (not blank) in `column`."""
    try:
        if all(is_blank(value) for value in set(column)):
            return []
    except TypeError:
        pass
    return [i for i, value in enumerate(column) if not is_blank(value)]


def _header_columns(
    header_row: Sequence[Any], *, name: str, headers: Sequence[str], required: Sequence[str]
) -> list[tuple[int, str]]:
    """(index, header) of each column the header row names; refuses an unknown, repeated or missing one."""
    columns: list[tuple[int, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    known = set(headers)
    for index, value in enumerate(header_row):
        header = _header_text(value)
        if not header:
            continue
        if header not in known:
            problems.append(
                _("unknown column %(header)s; the columns are: %(headers)s")
                % {"header": header, "headers": " | ".join(headers)}
            )
        elif header in seen:
            problems.append(_("column %(header)s appears twice.") % {"header": header})
        else:
            seen.add(header)
            columns.append((index, header))
    missing = [header for header in required if header not in seen]
    if missing:
        problems.append(
            _("the header row (row 1) lacks %(missing)s; the columns are: %(headers)s")
            % {"missing": "、".join(missing), "headers": " | ".join(headers)}
        )
    if problems:
        raise ImportRejected([file_error(name, problem) for problem in problems])
    return columns


def _streamed_table(
    rows: Iterable[Sequence[Any]],
    columns: list[tuple[int, str]],
    declared_rows: int,
    *,
    name: str,
    headers: Sequence[str],
    progress: Progress | None,
) -> Table:
    """The data rows of openpyxl's stream (after the header row), checked, by column.

    Row by row, in constant memory beyond the valued rows: the stream of a
    forged sheet may be a million rows long or 16,384 cells wide.
    """
    named = {index for index, _header in columns}
    numbers: list[int] = []
    values: dict[str, list[Any]] = {header: [] for _index, header in columns}
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number - 1, declared_rows)
        if not row or all(is_blank(value) for value in row):
            continue
        count = len(row)
        numbers.append(number)
        for index, header in columns:
            values[header].append(row[index] if index < count else None)
        if any(not is_blank(row[index]) for index in range(count) if index not in named):
            errors.append(
                row_error(name, number, _("a cell has a value but its column has no header."))
            )
    if errors:
        raise ImportRejected(errors)
    absent = (None,) * len(numbers)
    table: dict[str, Sequence[Any]] = {**values}
    table.update((header, absent) for header in headers if header not in table)
    return Table(numbers, table)


def _table(
    grid: list[Sequence[Any]],
    columns: list[tuple[int, str]],
    *,
    name: str,
    headers: Sequence[str],
) -> Table:
    """The data rows of calamine's grid (rows from A1, header row first), checked, by column.

    `columns` are the header row's (`_header_columns`). The grid is bounded
    (CALAMINE_MAX_CELLS) and each check asks a column's distinct values
    rather than every cell. Empties `grid`: its columns replace it.
    """
    # The grid turned into its columns (short rows padded with None), the header row left out.
    everything = [column[1:] for column in itertools.zip_longest(*grid)]
    grid.clear()
    named = {index for index, _header in columns}
    # Columns with headers first: they are the ones likely to hold a value in every row.
    blank = _blank_rows(
        [everything[index] for index, _header in columns]
        + [column for index, column in enumerate(everything) if index not in named]
    )
    errors = sorted(
        {
            i
            for index, column in enumerate(everything)
            if index not in named
            for i in _valued_rows(column)
        }
    )
    if errors:
        raise ImportRejected(
            [
                row_error(name, i + 2, _("a cell has a value but its column has no header."))
                for i in errors
            ]
        )
    count = len(everything[0]) if everything else 0
    if blank:
        skipped = set(blank)
        kept = [i for i in range(count) if i not in skipped]
        numbers = [i + 2 for i in kept]
    else:
        kept = None
        numbers = list(range(2, count + 2))
    values: dict[str, Sequence[Any]] = {}
    for index, header in columns:
        column = everything[index]
        if kept is not None:
            column = [column[i] for i in kept]
        values[header] = _as_openpyxl_gives(column)
    absent = (None,) * len(numbers)
    values.update((header, absent) for header in headers if header not in values)
    return Table(numbers, values)


T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """`items` in slices of at most `size`: for IN lists and bulk writes."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
