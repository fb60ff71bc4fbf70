"""spreadsheets.reading and .cells: the container checks, the header row, the rows and the cell parsers."""

import datetime
import io
import os
import struct
import time
import zipfile
import zlib
from decimal import Decimal

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from spreadsheets import (
    CellError,
    ImportRejected,
    parse_date,
    parse_decimal,
    parse_text,
    parse_yes_no,
    read_rows,
)

HEADERS = ("工号", "日期", "分值", "抽查")


def write_workbook(path, rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def replace_part(path, part, data):
    """Rewrite the zip at `path` with `part` replaced by (or added as) `data`."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def rejected(source, **kwargs):
    kwargs.setdefault("name", "test.xlsx")
    kwargs.setdefault("headers", HEADERS)
    with pytest.raises(ImportRejected) as caught:
        read_rows(source, **kwargs)
    return caught.value


# --- Rows ---------------------------------------------------------------------------------


def test_rows_carry_their_excel_row_number_and_values_by_header(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            ("D1001", "2026-07-01", 19.5, "否"),
            (None, None, None, None),  # an empty row is skipped, numbering goes on
            ("D1002", "2026-07-02", 20, "是"),
        ],
    )

    rows = read_rows(path, name="a.xlsx", headers=HEADERS)

    assert [row.number for row in rows] == [2, 4]
    assert rows[0].values == {"工号": "D1001", "日期": "2026-07-01", "分值": 19.5, "抽查": "否"}
    assert rows[1]["分值"] == 20


def test_columns_may_come_in_any_order_and_trailing_empty_cells_are_fine(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx",
        [("2026-07-01", "D1001", 18, None, None, "")],
        headers=("日期", "工号", "分值", "抽查", None, None),
    )

    (row,) = read_rows(path, name="a.xlsx", headers=HEADERS)

    assert row["工号"] == "D1001"
    assert row["日期"] == "2026-07-01"


def test_a_missing_optional_column_reads_as_none(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("D1001", "2026-07-01", 20)], headers=HEADERS[:3])

    (row,) = read_rows(path, name="a.xlsx", headers=HEADERS, required=HEADERS[:3])

    assert row["抽查"] is None


def test_an_empty_sheet_has_no_rows_but_still_needs_its_headers(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [])
    assert read_rows(path, name="a.xlsx", headers=HEADERS) == []

    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "blank.xlsx")
    error = rejected(tmp_path / "blank.xlsx", name="blank.xlsx")
    assert "blank.xlsx" in str(error)
    assert "工号" in str(error)


def test_a_missing_required_header_is_named(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("D1001", 20)], headers=("工号", "分值", "抽查"))

    error = rejected(path, name="a.xlsx")

    assert "a.xlsx" in str(error)
    assert "日期" in str(error)


def test_a_renamed_header_is_named_as_unknown(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx", [("D1001", "2026-07-01", 20, "")], headers=("员工号", *HEADERS[1:])
    )

    error = rejected(path, name="a.xlsx")

    assert "员工号" in str(error)
    assert "工号" in str(error).replace("员工号", "")


def test_a_repeated_header_is_rejected(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [], headers=(*HEADERS, "分值"))

    error = rejected(path)

    assert "分值" in str(error)


def test_a_value_under_no_header_is_an_error_of_its_row(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx",
        [("D1001", "2026-07-01", 20, "否"), ("D1002", "2026-07-01", 20, "否", "stray")],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert "3" in error.errors[0]


def test_every_error_names_the_file_and_str_joins_them_by_line(tmp_path):
    path = write_workbook(tmp_path / "x.xlsx", [], headers=("甲", "乙"))

    error = rejected(path, name="x.xlsx")

    assert len(error.errors) >= 2
    assert all("x.xlsx" in message for message in error.errors)
    assert str(error) == "\n".join(error.errors)


def test_a_workbook_is_read_from_a_file_object_and_from_an_upload(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("D1001", "2026-07-01", 20, "否")])
    data = path.read_bytes()

    from_buffer = read_rows(io.BytesIO(data), name="a.xlsx", headers=HEADERS)
    upload = SimpleUploadedFile("a.xlsx", data)
    from_upload = read_rows(upload, name="a.xlsx", headers=HEADERS)

    assert [row.values for row in from_buffer] == [row.values for row in from_upload]
    assert from_upload[0]["工号"] == "D1001"


def test_a_workbook_is_read_whatever_its_file_name_ends_in(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("D1001", "2026-07-01", 20, "否")])
    renamed = path.rename(tmp_path / "下载的表格")

    (row,) = read_rows(renamed, name=renamed.name, headers=HEADERS)

    assert row["工号"] == "D1001"


def test_a_sheet_claiming_a_million_rows_is_read_as_it_is(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("D1001", "2026-07-01", 20, "否")])
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<dimension" in sheet_xml
    start = sheet_xml.index('<dimension ref="') + len('<dimension ref="')
    end = sheet_xml.index('"', start)
    replace_part(
        path,
        "xl/worksheets/sheet1.xml",
        (sheet_xml[:start] + "A1:XFD1048576" + sheet_xml[end:]).encode(),
    )

    started = time.monotonic()
    rows = read_rows(path, name="a.xlsx", headers=HEADERS)

    assert time.monotonic() - started < 5
    assert [row.number for row in rows] == [2]


# --- The container ------------------------------------------------------------------------


def test_a_text_file_is_not_a_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("工号,日期\nD1001,2026-07-01\n", encoding="utf-8")

    error = rejected(path, name="notes.xlsx")

    assert len(error.errors) == 1
    assert "notes.xlsx" in error.errors[0]


def test_a_zip_without_workbook_parts_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    error = rejected(path, name="archive.xlsx")

    assert "archive.xlsx" in str(error)


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(tmp_path, settings):
    path = write_workbook(tmp_path / "big.xlsx", [("D1001", "2026-07-01", 20, "否")])
    settings.IMPORT_MAX_BYTES = 100

    error = rejected(path, name="big.xlsx")

    assert "big.xlsx" in str(error)
    assert "100" in str(error)


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path):
    path = write_workbook(tmp_path / "bomb.xlsx", [("D1001", "2026-07-01", 20, "否")])
    zeros = bytes(50 * 1024 * 1024)
    replace_part(path, "xl/media/zeros.bin", zeros)
    assert path.stat().st_size < 1024 * 1024  # 50 MB of zeros packs to ~50 KB

    started = time.monotonic()
    error = rejected(path, name="bomb.xlsx")

    assert time.monotonic() - started < 5
    assert "bomb.xlsx" in str(error)


def deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of `size` zero bytes, made in milliseconds.

    One MiB of zeros is compressed once with a full flush (so the block stands
    alone) and repeated; a final empty block ends the stream.
    """
    mib = 1024 * 1024
    assert size % mib == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // mib) + compressor.flush(zlib.Z_FINISH)


def raw_zip(entries) -> bytes:
    """A zip of (name, method, data as stored, declared size) entries, written by hand.

    zipfile cannot write an entry whose declared size differs from its content,
    nor take data already compressed; an attacker's tool can.
    """
    out = io.BytesIO()
    central = []
    for name, method, data, declared in entries:
        encoded = name.encode()
        offset = out.tell()
        header = struct.pack(
            zipfile.structFileHeader,
            zipfile.stringFileHeader,
            20,
            0,
            0,
            method,
            0,
            0,
            zlib.crc32(data) if method == zipfile.ZIP_STORED else 0,
            len(data),
            declared,
            len(encoded),
            0,
        )
        out.write(header + encoded + data)
        central.append(
            struct.pack(
                zipfile.structCentralDir,
                zipfile.stringCentralDir,
                20,
                0,
                20,
                0,
                0,
                method,
                0,
                0,
                zlib.crc32(data) if method == zipfile.ZIP_STORED else 0,
                len(data),
                declared,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            zipfile.structEndArchive,
            zipfile.stringEndArchive,
            0,
            0,
            len(central),
            len(central),
            len(directory),
            start,
            0,
        )
    )
    return out.getvalue()


def workbook_parts(tmp_path):
    """The parts of a real one-row workbook, stored as they are."""
    path = write_workbook(tmp_path / "real.xlsx", [("D1001", "2026-07-01", 20, "否")])
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_a_huge_part_padded_with_stored_noise_is_refused_in_well_under_a_second(tmp_path):
    # issue 12.3: 1.1 GB of sheet XML packs to ~1 MB; 12 MiB of stored random
    # bytes beside it bring the whole archive's ratio under the limit.
    parts = workbook_parts(tmp_path)
    huge = 1100 * 1024 * 1024
    entries = [
        (name, zipfile.ZIP_STORED, data, len(data))
        for name, data in parts.items()
        if name != "xl/worksheets/sheet1.xml"
    ]
    entries.append(("xl/worksheets/sheet1.xml", zipfile.ZIP_DEFLATED, deflated_zeros(huge), huge))
    entries.append(
        ("xl/media/padding.bin", zipfile.ZIP_STORED, os.urandom(12 * 1024 * 1024), 12 * 1024 * 1024)
    )
    content = raw_zip(entries)
    assert huge < 100 * len(content)  # the ratio alone would let it through

    started = time.monotonic()
    error = rejected(io.BytesIO(content), name="padded.xlsx")

    assert time.monotonic() - started < 0.5
    assert len(error.errors) == 1
    assert "padded.xlsx" in error.errors[0]
    assert "xl/worksheets/sheet1.xml" in error.errors[0]
    assert str(huge) in error.errors[0]


def test_a_part_over_the_per_part_cap_is_refused_whatever_the_total(tmp_path, settings):
    parts = workbook_parts(tmp_path)
    settings.IMPORT_MAX_ENTRY_BYTES = 2 * 1024 * 1024
    entries = [(name, zipfile.ZIP_STORED, data, len(data)) for name, data in parts.items()]
    entries.append(
        ("xl/media/big.bin", zipfile.ZIP_DEFLATED, deflated_zeros(3 * 1024 * 1024), 3 * 1024 * 1024)
    )
    entries.append(
        ("xl/media/padding.bin", zipfile.ZIP_STORED, os.urandom(1024 * 1024), 1024 * 1024)
    )

    error = rejected(io.BytesIO(raw_zip(entries)), name="part.xlsx")

    assert "xl/media/big.bin" in str(error)
    assert str(2 * 1024 * 1024) in str(error)


def test_parts_together_over_the_total_cap_are_refused(tmp_path, settings):
    parts = workbook_parts(tmp_path)
    settings.IMPORT_MAX_UNPACKED_BYTES = 3 * 1024 * 1024
    entries = [(name, zipfile.ZIP_STORED, data, len(data)) for name, data in parts.items()]
    for n in range(2):
        entries.append(
            (
                f"xl/media/{n}.bin",
                zipfile.ZIP_DEFLATED,
                deflated_zeros(2 * 1024 * 1024),
                2 * 1024 * 1024,
            )
        )
    entries.append(
        ("xl/media/padding.bin", zipfile.ZIP_STORED, os.urandom(1024 * 1024), 1024 * 1024)
    )

    error = rejected(io.BytesIO(raw_zip(entries)), name="total.xlsx")

    assert "total.xlsx" in str(error)
    assert "bin" not in str(error)  # no single part is to blame


def test_a_part_that_unpacks_to_more_than_it_declares_is_caught_while_streaming(tmp_path):
    # Declares 1 KB, holds 200 MiB: the declared sizes pass every cap, and
    # inflating stops a byte past the declaration.
    parts = workbook_parts(tmp_path)
    entries = [(name, zipfile.ZIP_STORED, data, len(data)) for name, data in parts.items()]
    entries.append(
        ("xl/media/liar.bin", zipfile.ZIP_DEFLATED, deflated_zeros(200 * 1024 * 1024), 1024)
    )

    started = time.monotonic()
    error = rejected(io.BytesIO(raw_zip(entries)), name="liar.xlsx")

    assert time.monotonic() - started < 0.5
    assert len(error.errors) == 1
    assert "liar.xlsx" in error.errors[0]
    assert "xl/media/liar.bin" in error.errors[0]


def test_a_hand_written_zip_of_honest_parts_still_reads(tmp_path):
    parts = workbook_parts(tmp_path)
    entries = [(name, zipfile.ZIP_STORED, data, len(data)) for name, data in parts.items()]

    rows = read_rows(io.BytesIO(raw_zip(entries)), name="ok.xlsx", headers=HEADERS)

    assert [row["工号"] for row in rows] == ["D1001"]


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>\n"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_xml_entity_bomb_is_refused_without_expanding_it(tmp_path, part):
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    path = write_workbook(tmp_path / "laughs.xlsx", [("D1001", "2026-07-01", 20, "否")])
    replace_part(path, part, BILLION_LAUGHS.encode())

    started = time.monotonic()
    error = rejected(path, name="laughs.xlsx")

    assert time.monotonic() - started < 5
    assert len(error.errors) == 1
    assert "laughs.xlsx" in error.errors[0]
    assert any(isinstance(cause, DefusedXmlException) for cause in causes(error))


def causes(error):
    cause = error
    while cause is not None:
        yield cause
        cause = cause.__cause__ or cause.__context__


def test_workbooks_are_not_read_when_openpyxl_would_parse_xml_unsafely(tmp_path, monkeypatch):
    import openpyxl.xml

    path = write_workbook(tmp_path / "a.xlsx", [])
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)

    with pytest.raises(ImproperlyConfigured):
        read_rows(path, name="a.xlsx", headers=HEADERS)


# --- Cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1001.0, "1001"),
        (1001, "1001"),
        ("  D1001 ", "D1001"),
        ("\u3000张三\u3000", "张三"),
        (None, ""),
        (12.5, "12.5"),
    ],
)
def test_text_cells_are_stripped_and_whole_numbers_lose_their_point(value, expected):
    assert parse_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (19.5, Decimal("19.5")),
        ("19.5", Decimal("19.5")),
        (" 19.5 ", Decimal("19.5")),
        (0.1, Decimal("0.1")),
        (0.1 + 0.2, Decimal("0.3")),
        (9.95, Decimal("9.95")),
        (20, Decimal("20")),
        ("-200", Decimal("-200")),
        (Decimal("7.25"), Decimal("7.25")),
    ],
)
def test_decimal_cells_are_exact_without_binary_float_tails(value, expected):
    parsed = parse_decimal(value)

    assert parsed == expected
    assert str(parsed) == str(expected)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_decimal_cells_are_none(value):
    assert parse_decimal(value) is None


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), "NaN", "Infinity", "abc", True, datetime.date(2026, 7, 1)]
)
def test_decimal_cells_refuse_what_is_not_a_finite_number(value):
    with pytest.raises(CellError):
        parse_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 7, 1, 0, 0),
        datetime.date(2026, 7, 1),
        "2026-07-01",
        " 2026-07-01 ",
    ],
)
def test_date_cells_take_excel_dates_and_iso_text(value):
    assert parse_date(value) == datetime.date(2026, 7, 1)


@pytest.mark.parametrize("value", ["2026/07/01", "2026-02-30", "7月1日", 46204, 20260701.0])
def test_date_cells_refuse_other_text_and_bare_numbers(value):
    with pytest.raises(CellError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("yes", True),
        ("No", False),
        (1, True),
        (0, False),
        (1.0, True),
        ("1", True),
        ("0", False),
        (True, True),
        (False, False),
        (None, None),
        ("", None),
    ],
)
def test_yes_no_cells(value, expected):
    assert parse_yes_no(value) is expected


@pytest.mark.parametrize("value", ["可能", 2, "是否"])
def test_yes_no_cells_refuse_anything_else(value):
    with pytest.raises(CellError):
        parse_yes_no(value)
