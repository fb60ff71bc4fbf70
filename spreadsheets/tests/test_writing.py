"""spreadsheets.writing: text cells stay text, and a file is saved whole or not at all."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from spreadsheets import number_cell, text_cell, workbook_save_atomic


def written(*cells_of):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    sheet.append([make(sheet) for make in cells_of])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer).active


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx"])
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    cell = written(lambda sheet: text_cell(sheet, text))["A1"]

    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


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
