"""Cell comments that stream like the rows they belong to.

openpyxl's write-only mode streams a sheet's rows to disk but keeps every cell
comment in a list until the workbook is saved, then builds the comments part
and its VML drawing as whole trees: 40,000 comments (a 10,000-person year
summary) cost about 230 MiB. `comments_spool(ws)` puts a `CommentSpool` in that
list's place, which writes each comment's XML to temporary files as its row is
written, and `workbook_save` copies those files into the workbook. The parts
are byte for byte what openpyxl writes (spreadsheets/tests/test_comments.py
compares them), so a reader cannot tell the difference.
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from typing import IO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.comments.author import AuthorList
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.packaging.relationship import Relationship
from openpyxl.utils import coordinate_to_tuple
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import tostring

# openpyxl's ShapeWriter output (comments/shape_writer.py), one comment shape
# at a time: the head declares the three namespaces in the order it meets them.
_VML_HEAD = (
    '<xml xmlns:ns0="urn:schemas-microsoft-com:office:office" '
    'xmlns:ns1="urn:schemas-microsoft-com:vml" '
    'xmlns:ns2="urn:schemas-microsoft-com:office:excel">'
    '<ns0:shapelayout ns1:ext="edit"><ns0:idmap ns1:ext="edit" data="1" /></ns0:shapelayout>'
    '<ns1:shapetype id="_x0000_t202" coordsize="21600,21600" ns0:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><ns1:stroke joinstyle="miter" />'
    '<ns1:path gradientshapeok="t" ns0:connecttype="rect" /></ns1:shapetype>'
)
_VML_SHAPE = (
    '<ns1:shape type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;'
    'margin-top:1.5pt;width:{width}px;height:{height}px;z-index:1;visibility:hidden" '
    'fillcolor="#ffffe1" ns0:insetmode="auto" id="_x0000_s{id:04d}">'
    '<ns1:fill color2="#ffffe1" /><ns1:shadow color="black" obscured="t" />'
    '<ns1:path ns0:connecttype="none" /><ns1:textbox style="mso-direction-alt:auto">'
    '<div style="text-align:left" /></ns1:textbox><ns2:ClientData ObjectType="Note">'
    "<ns2:MoveWithCells /><ns2:SizeWithCells /><ns2:AutoFill>False</ns2:AutoFill>"
    "<ns2:Row>{row}</ns2:Row><ns2:Column>{column}</ns2:Column></ns2:ClientData></ns1:shape>"
)
_VML_TAIL = "</xml>"
_FIRST_SHAPE_ID = 1026  # openpyxl numbers shapes from here
_COPY_CHUNK = 1 << 20


class CommentSpool:
    """A write-only sheet's comments, written to temporary files as the rows stream.

    It stands in for the list openpyxl appends each `CommentRecord` to; only
    the distinct authors stay in memory.
    """

    def __init__(self) -> None:
        # Closed by close(), which the writer calls once the parts are copied.
        self._comments: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._shapes: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._authors: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, record: CommentRecord) -> None:
        record.authorId = self._authors.setdefault(record.author, len(self._authors))
        self._comments.write(tostring(record.to_tree()))
        row, column = coordinate_to_tuple(record.ref)
        self._shapes.write(
            _VML_SHAPE.format(
                width=record.width,
                height=record.height,
                id=_FIRST_SHAPE_ID + self._count,
                row=row - 1,
                column=column - 1,
            ).encode()
        )
        self._count += 1

    def write_comments(self, out: IO[bytes]) -> None:
        authors = tostring(AuthorList(list(self._authors)).to_tree())
        out.write(f'<comments xmlns="{SHEET_MAIN_NS}">'.encode() + authors + b"<commentList>")
        _copy(self._comments, out)
        out.write(b"</commentList></comments>")

    def write_shapes(self, out: IO[bytes]) -> None:
        out.write(_VML_HEAD.encode())
        _copy(self._shapes, out)
        out.write(_VML_TAIL.encode())

    def close(self) -> None:
        self._comments.close()
        self._shapes.close()


def _copy(source: IO[bytes], out: IO[bytes]) -> None:
    source.flush()
    source.seek(0)
    shutil.copyfileobj(source, out, _COPY_CHUNK)


def comments_spool(ws: WriteOnlyWorksheet) -> None:
    """Stream `ws`'s comments from here on; call it once its first row is written.

    openpyxl creates the sheet's writer, which resets the comment list, with
    the first row; column widths and frozen panes must come before that row.
    """
    if ws._writer is None:
        raise ValueError("comments_spool needs the sheet's first row written")
    if ws._comments:
        raise ValueError("comments_spool must come before the first comment")
    ws._comments = CommentSpool()


class _SpoolingWriter(ExcelWriter):
    """openpyxl's writer, copying a `CommentSpool` into the archive instead of a tree."""

    def _write_comment(self, ws) -> None:
        spool = ws._comments
        if not isinstance(spool, CommentSpool):
            super()._write_comment(ws)
            return
        # An empty CommentSheet stands for the part in the manifest and numbering.
        sheet = CommentSheet(authors=AuthorList(), commentList=[])
        self._comments.append(sheet)
        sheet._id = len(self._comments)
        self.manifest.append(sheet)
        with self._archive.open(sheet.path[1:], "w", force_zip64=True) as out:
            spool.write_comments(out)
        ws.legacy_drawing = f"xl/drawings/commentsDrawing{sheet._id}.vml"
        with self._archive.open(ws.legacy_drawing, "w", force_zip64=True) as out:
            spool.write_shapes(out)
        self.vba_modified.add(ws.legacy_drawing)
        spool.close()
        ws._rels.append(Relationship(Id="comments", type=sheet._rel_type, Target=sheet.path))


def workbook_save(wb: Workbook, target: str | os.PathLike[str] | IO[bytes]) -> None:
    """`wb.save(target)`, with spooled comments copied in (openpyxl's save_workbook)."""
    with ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _SpoolingWriter(wb, archive).save()
