"""spreadsheets.writing: text cells stay text, and a file is saved whole or not at all."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from spreadsheets import number_cell, text_cell, workbook_save_atomic, writing
from spreadsheets.writing import SheetSeries, text_value


def written(*cells_of):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    sheet.append([make(sheet) for make in cells_of])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer).active


@pytest.mark.parametrize("make", [text_cell, text_value])
@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx"])
def test_text_that_looks_like_a_formula_is_written_as_text(make, text):
    cell = written(lambda sheet: make(sheet, text))["A1"]

    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


@pytest.mark.parametrize("make", [text_cell, text_value])
def test_text_that_reads_as_an_excel_error_stays_text(make):
    cell = written(lambda sheet: make(sheet, "#N/A"))["A1"]

    assert cell.value == "#N/A"
    assert cell.data_type == "s"


def test_plain_text_goes_into_a_row_as_itself_and_needs_no_cell_of_its_own():
    sheet = Workbook(write_only=True).create_sheet("x")

    assert text_value(sheet, "装卸作业部") == "装卸作业部"
    assert text_value(sheet, "") is None
    assert text_value(sheet, "a\x00b").value == "ab"


def test_characters_xml_cannot_hold_are_dropped_and_blank_text_stays_empty():
    sheet = written(lambda s: text_cell(s, "a\x00b\x1fc"), lambda s: text_cell(s, ""))

    assert sheet["A1"].value == "abc"
    assert sheet["B1"].value is None


def test_money_is_shown_with_two_decimals_and_counts_are_not():
    sheet = written(lambda s: number_cell(s, 12), lambda s: number_cell(s, 3, money=False))

    assert sheet["A1"].number_format == "0.00"
    assert sheet["B1"].number_format == "General"


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"earlier")

    def fail(handle):
        handle.write(b"half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        workbook_save_atomic(path=target, write=fail)

    assert target.read_bytes() == b"earlier"
    assert [path.name for path in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_finished_write_replaces_the_file_and_returns_what_the_writer_returned(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"earlier")

    outcome = workbook_save_atomic(path=target, write=lambda handle: handle.write(b"new"))

    assert outcome == 3
    assert target.read_bytes() == b"new"
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def series_written(monkeypatch, rows: int, *, limit: int = 4):
    monkeypatch.setattr(writing, "EXCEL_MAX_ROWS", limit)
    workbook = Workbook(write_only=True)
    series = SheetSeries(workbook, "日常考核", start=lambda ws: ws.append(["工号"]))
    for n in range(rows):
        ws = series.row()
        ws.append([text_cell(ws, f"E{n}")])
    workbook.create_sheet("修改记录")
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return series, load_workbook(buffer)


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets_each_with_its_header(
    monkeypatch,
):
    series, wb = series_written(monkeypatch, rows=7)

    assert wb.sheetnames == ["日常考核", "日常考核 (2)", "日常考核 (3)", "修改记录"]
    assert series.titles == wb.sheetnames[:3] and series.rows == 7
    sheets = [list(wb[t].values) for t in series.titles]
    assert [len(s) for s in sheets] == [4, 4, 2]
    assert all(s[0] == ("工号",) for s in sheets)
    assert [r[0] for s in sheets for r in s[1:]] == [f"E{n}" for n in range(7)]


def test_a_table_that_fills_its_sheet_exactly_makes_no_empty_continuation(monkeypatch):
    series, wb = series_written(monkeypatch, rows=3)

    assert series.titles == ["日常考核"]
    assert wb.sheetnames == ["日常考核", "修改记录"]


def test_each_cell_keeps_its_own_look_when_looks_repeat_across_cells_and_workbooks():
    def saved(make_row):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("x")
        for _ in range(2):  # the second row takes every look from the cache
            sheet.append(make_row(sheet))
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        return load_workbook(buffer).active

    # Another workbook first, with its looks in another order: the indices differ.
    saved(lambda s: [number_cell(s, 1, bold=True), text_cell(s, "x", border=True)])
    sheet = saved(
        lambda s: [
            text_cell(s, "a", border=True),
            text_cell(s, "b", bold=True, border=True),
            number_cell(s, 3),
            number_cell(s, 4, border=True),
            text_cell(s, "=1", border=True),
            text_cell(s, "plain"),
        ]
    )

    for row in (1, 2):
        a, b, money, boxed_money, formula, plain = sheet[row]
        assert a.border.left.style == "thin" and not a.font.bold
        assert b.border.left.style == "thin" and b.font.bold
        assert money.number_format == "0.00" and money.border.left.style is None
        assert boxed_money.number_format == "0.00" and boxed_money.border.left.style == "thin"
        assert formula.quotePrefix and formula.border.left.style == "thin"
        assert formula.value == "=1" and formula.data_type == "s"
        assert not plain.quotePrefix and not plain.has_style
