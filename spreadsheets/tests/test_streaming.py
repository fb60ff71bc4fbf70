"""spreadsheets.streaming: rows written as text make the same workbook as openpyxl's."""

import datetime
import io
import random
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import IllegalCharacterError

from spreadsheets.comments import comments_spool, workbook_save
from spreadsheets.streaming import StreamingSheet, StreamingWorkbook
from spreadsheets.writing import number_cell, text_cell, text_value

TEXTS = (
    "张三",
    "A001",
    "a & b <c> \"d\" 'e'",
    " leading",
    "trailing ",
    "   ",
    "",
    "line\nbreak",
    "tab\tinside",
    "=1+1",
    "=",
    "+86 138",
    "-5",
    "@sum",
    "#N/A",
    "#DIV/0!",
    "x" * 40000,
    "emoji 😊",
    "\u00a0nbsp\u00a0",
)
NUMBERS = (
    0,
    7,
    -3,
    10**20,
    Decimal("96.33"),
    Decimal("600.00"),
    Decimal("-0.50"),
    Decimal("1E+3"),
    Decimal("0.1234567890123456789"),
    1.5,
    float("nan"),
    float("inf"),
    Decimal("NaN"),
)
# openpyxl refuses these as plain values; text_cell and text_value drop the character.
ILLEGAL = ("bell\x07",)
OTHERS = (True, False, datetime.date(2026, 9, 30), datetime.datetime(2026, 9, 30, 8, 15))


def random_value(ws, rng: random.Random) -> object:
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(TEXTS)
    if kind == 2:
        return rng.choice(NUMBERS)
    if kind == 3:
        return rng.choice(OTHERS)
    if kind == 4:
        return text_cell(ws, rng.choice((*TEXTS, *ILLEGAL, None)), border=rng.random() < 0.5)
    if kind == 5:
        return text_value(ws, rng.choice((*TEXTS, *ILLEGAL)))
    if kind == 6:
        return number_cell(ws, rng.choice((*NUMBERS, None)), bold=rng.random() < 0.5)
    if kind == 7:
        cell = WriteOnlyCell(ws, value=rng.choice((*TEXTS[:5], *NUMBERS[:5])))
        if rng.random() < 0.5:
            cell.font = Font(italic=True)
        return cell
    return WriteOnlyCell(ws)  # an empty cell without a look: not written


def write(*, streaming: bool, seed: int = 14, rows: int = 400) -> io.BytesIO:
    """A workbook of random rows of every kind the exports write, and of kinds they do not."""
    rng = random.Random(seed)
    wb = StreamingWorkbook() if streaming else Workbook(write_only=True)
    for title in ("一", "二"):
        ws = wb.create_sheet(title)
        ws.column_dimensions["A"].width = 12
        ws.freeze_panes = "A2"
        ws.row_dimensions[3].height = 28
        ws.append([text_cell(ws, "工号", bold=True, alignment=Alignment(horizontal="center"))])
        comments_spool(ws)
        for number in range(rows):
            shape = rng.randrange(10)
            if shape == 0:
                ws.append([])
            elif shape == 1:
                ws.append(tuple(random_value(ws, rng) for _ in range(5)))
            elif shape == 2:
                cell = WriteOnlyCell(ws, value=number)
                cell.comment = Comment(f"note {number}", "办公室")
                ws.append(["commented", cell])
            elif shape == 3:
                ws.append(random_value(ws, rng) for _ in range(3))  # a generator
            else:
                ws.append([random_value(ws, rng) for _ in range(rng.randrange(1, 30))])
    out = io.BytesIO()
    workbook_save(wb, out)
    out.seek(0)
    return out


@pytest.mark.parametrize("seed", [14, 2026, 95])
def test_streamed_rows_write_the_same_parts_as_openpyxl(seed, monkeypatch):
    row_xml = StreamingSheet._row_xml
    fast = []

    def spy(self, values, row_idx):
        xml = row_xml(self, values, row_idx)
        fast.append(xml is not None)
        return xml

    theirs = zipfile.ZipFile(write(streaming=False, seed=seed))
    monkeypatch.setattr(StreamingSheet, "_row_xml", spy)
    ours = zipfile.ZipFile(write(streaming=True, seed=seed))

    # Both ways were taken, so both are compared.
    assert fast.count(True) > 100
    assert fast.count(False) > 100

    assert ours.namelist() == theirs.namelist()
    # core.xml holds the time of saving, to the second.
    for name in theirs.namelist():
        if name != "docProps/core.xml":
            assert ours.read(name) == theirs.read(name), name


def test_the_workbook_makes_streaming_sheets():
    wb = StreamingWorkbook()

    assert isinstance(wb.create_sheet("a"), StreamingSheet)
    assert wb.write_only
    assert [ws.title for ws in wb.worksheets] == ["a"]


def test_plain_rows_do_not_go_through_openpyxls_cell_writer(monkeypatch):
    wb = StreamingWorkbook()
    ws = wb.create_sheet("x")
    calls = []
    ws.append(["header"])
    monkeypatch.setattr(ws._writer, "write_row", lambda *args: calls.append(args))

    ws.append(["A001", "张三", 3, Decimal("96.33"), None, text_cell(ws, "=x", border=True)])
    ws.append(["A002", datetime.date(2026, 9, 30)])  # a date: openpyxl writes it
    monkeypatch.undo()
    wb.save(io.BytesIO())

    assert [call[2] for call in calls] == [3]


def test_a_reader_reads_back_what_was_written():
    wb = StreamingWorkbook()
    ws = wb.create_sheet("结果")
    ws.append(["工号", "姓名", "得分", "公式", "空"])
    ws.append(["A001", " 张三 ", Decimal("96.33"), text_cell(ws, "=HYPERLINK(1)"), ""])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)

    row = [cell.value for cell in load_workbook(out)["结果"][2]]

    assert row == ["A001", " 张三 ", 96.33, "=HYPERLINK(1)", None]


@pytest.mark.parametrize("workbook", [StreamingWorkbook, lambda: Workbook(write_only=True)])
def test_a_plain_value_xml_cannot_hold_is_refused_as_openpyxl_refuses_it(workbook):
    ws = workbook().create_sheet("x")

    with pytest.raises(IllegalCharacterError):
        ws.append(["ok", "bell\x07"])
