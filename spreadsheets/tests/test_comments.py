"""spreadsheets.comments: streamed cell comments make the same workbook as openpyxl's."""

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment

from spreadsheets.comments import comments_spool, workbook_save


def commented_workbook(*, spooled: bool, count: int = 30) -> io.BytesIO:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    ws.append(["工号", "一季度"])
    if spooled:
        comments_spool(ws)
    for i in range(count):
        cell = WriteOnlyCell(ws, value=90 + i)
        # Two authors, text that XML must escape, and sizes of their own.
        cell.comment = Comment(
            f" 最佳微笑奖 <{i}> & 取消\n",
            ("办公室", "微笑服务考核")[i % 2],
            height=79 + i,
            width=144,
        )
        ws.append([f"E{i:03}", cell])
    wb.create_sheet("plain").append(["no comments here"])
    out = io.BytesIO()
    if spooled:
        workbook_save(wb, out)
    else:
        wb.save(out)
    out.seek(0)
    return out


def test_spooled_comments_write_the_same_parts_as_openpyxl():
    theirs = zipfile.ZipFile(commented_workbook(spooled=False))
    ours = zipfile.ZipFile(commented_workbook(spooled=True))

    assert ours.namelist() == theirs.namelist()
    # core.xml holds the time of saving, to the second.
    for name in theirs.namelist():
        if name != "docProps/core.xml":
            assert ours.read(name) == theirs.read(name), name


def test_a_reader_sees_every_comment_with_its_author():
    sheet = load_workbook(commented_workbook(spooled=True))["汇总"]

    assert sheet["B2"].comment.text == " 最佳微笑奖 <0> & 取消\n"
    assert sheet["B2"].comment.author == "办公室"
    assert sheet["B31"].comment.author == "微笑服务考核"
    assert sheet["A2"].comment is None


def test_spooled_comments_do_not_stay_in_memory():
    def peak(*, spooled: bool) -> int:
        tracemalloc.start()
        commented_workbook(spooled=spooled, count=3000)
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    # openpyxl holds every comment and builds both parts as trees; the spool
    # holds one comment at a time.
    assert peak(spooled=True) * 4 < peak(spooled=False)


def test_the_spool_goes_in_after_the_first_row_and_before_any_comment():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    with pytest.raises(ValueError, match="first row"):
        comments_spool(ws)
    cell = WriteOnlyCell(ws, value=1)
    cell.comment = Comment("a", "b")
    ws.append([cell])
    with pytest.raises(ValueError, match="before the first comment"):
        comments_spool(ws)
    # Saved, so the sheet's row stream closes now rather than when collected.
    wb.save(io.BytesIO())
