"""read_rows through python-calamine: the same rows as openpyxl, and openpyxl where calamine would not be safe."""

import datetime
import io

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from spreadsheets import ImportRejected, parse_date, parse_decimal, parse_text, read_rows, reading

HEADERS = ("工号", "日期", "分值", "备注")


def workbook(cells):
    book = openpyxl.Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def header_cells(**more):
    return {"A1": "工号", "B1": "日期", "C1": "分值", "D1": "备注", **more}


@pytest.fixture
def readers(monkeypatch):
    """Which reader read each file: 'calamine' or 'openpyxl'."""
    used = []
    real = reading._read_calamine

    def calamine(*args, **kwargs):
        used.append("calamine")
        return real(*args, **kwargs)

    monkeypatch.setattr(reading, "_read_calamine", calamine)
    return used


def both(data, monkeypatch):
    """The rows of `data` by calamine and by openpyxl."""
    fast = read_rows(io.BytesIO(data), name="a.xlsx", headers=HEADERS)
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_calamine_may_read", lambda source: False)
        slow = read_rows(io.BytesIO(data), name="a.xlsx", headers=HEADERS)
    return fast, slow


def test_calamine_reads_an_ordinary_workbook_to_the_same_parsed_values(monkeypatch, readers):
    day = datetime.date(2026, 7, 1)
    cells = header_cells()
    values = [
        ("D1001", day, 19.5, "迟到"),
        (1001, datetime.datetime(2026, 7, 1), "47.5", "  空格 "),
        ("D1002", "2026-07-01", 0.1 + 0.2, None),
        ("D1003", day, 20, ""),
        ("D1004", day, 9.5, "\u3000x"),
    ]
    for row, line in enumerate(values, start=2):
        for column, value in zip("ABCD", line, strict=True):
            cells[f"{column}{row}"] = value
    cells["A9"] = "D1009"  # rows 7 and 8 are empty: skipped, numbers kept
    cells["B9"] = day
    data = workbook(cells)

    fast, slow = both(data, monkeypatch)

    assert readers == ["calamine"]
    assert [row.number for row in fast] == [row.number for row in slow] == [2, 3, 4, 5, 6, 9]
    for a, b in zip(fast, slow, strict=True):
        assert parse_text(a["工号"]) == parse_text(b["工号"])
        assert parse_date(a["日期"]) == parse_date(b["日期"])
        assert str(parse_decimal(a["分值"])) == str(parse_decimal(b["分值"]))
        assert parse_text(a["备注"]) == parse_text(b["备注"])
        assert [v is None for v in a.values.values()] == [v is None for v in b.values.values()]


def test_a_value_far_from_the_others_is_read_by_openpyxl_not_calamine(readers):
    # calamine would ask for a grid of 1,048,576 × 16,384 cells and abort the process.
    data = workbook(header_cells(A2="D1001", XFD1048576="x"))

    with pytest.raises(ImportRejected) as caught:
        read_rows(io.BytesIO(data), name="a.xlsx", headers=HEADERS)

    assert readers == []
    assert "1048576" in str(caught.value)


def test_a_workbook_whose_cells_do_not_name_their_place_is_read_by_openpyxl(readers, tmp_path):
    from spreadsheets.tests.test_reading import replace_part

    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook(header_cells(A2="D1001")))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c t="inlineStr"><is><t>工号</t></is></c>'
        '<c t="inlineStr"><is><t>日期</t></is></c><c t="inlineStr"><is><t>分值</t></is></c>'
        '<c t="inlineStr"><is><t>备注</t></is></c></row>'
        '<row r="2"><c t="inlineStr"><is><t>D1001</t></is></c></row></sheetData></worksheet>'
    )
    replace_part(path, "xl/worksheets/sheet1.xml", sheet.encode())

    rows = read_rows(path, name="a.xlsx", headers=HEADERS)

    assert readers == []
    assert [row["工号"] for row in rows] == ["D1001"]


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_dtd_in_any_part_is_refused_before_calamine_opens_it(readers, tmp_path, part):
    from spreadsheets.tests.test_reading import BILLION_LAUGHS, causes, replace_part

    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook(header_cells(A2="D1001")))
    replace_part(path, part, BILLION_LAUGHS.encode())

    with pytest.raises(ImportRejected) as caught:
        read_rows(path, name="a.xlsx", headers=HEADERS)

    assert readers == []
    assert any(isinstance(cause, DefusedXmlException) for cause in causes(caught.value))


def test_error_values_are_read_by_openpyxl_as_their_text(readers, tmp_path):
    from spreadsheets.tests.test_reading import replace_part

    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook(header_cells(A2="D1001")))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>日期</t></is></c><c r="C1" t="inlineStr"><is><t>分值</t></is></c>'
        '<c r="D1" t="inlineStr"><is><t>备注</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>D1001</t></is></c>'
        '<c r="D2" t="e"><v>#N/A</v></c></row></sheetData></worksheet>'
    )
    replace_part(path, "xl/worksheets/sheet1.xml", sheet.encode())

    (row,) = read_rows(path, name="a.xlsx", headers=HEADERS)

    assert readers == []
    assert row["备注"] == "#N/A"


def test_a_panic_in_calamine_refuses_the_file_instead_of_crashing(monkeypatch):
    class PanicException(BaseException):  # pyo3's, which is not an Exception
        pass

    def panic(source):
        raise PanicException("index out of bounds")

    monkeypatch.setattr(reading._calamine.CalamineWorkbook, "from_filelike", panic)
    data = workbook(header_cells(A2="D1001"))

    with pytest.raises(ImportRejected) as caught:
        read_rows(io.BytesIO(data), name="a.xlsx", headers=HEADERS)

    assert "a.xlsx" in str(caught.value)
