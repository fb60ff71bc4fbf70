from pathlib import Path

from django.utils.translation import gettext as _

from appraisal.imports import sheets_import
from spreadsheets import ImportCommand, ImportReport


class Command(ImportCommand):
    help = """Create or overwrite daily score sheets by (工号, 日期, 抽查).

The first sheet is read; its first row holds exactly these headers (抽查 may
be left out):

    工号 | 日期 | 遵章守纪 | 文明礼貌 | 优质服务 | 思想道德 | 备注 | 抽查

  工号      an appraised employee (not a supervisor).
  日期      an Excel date or YYYY-MM-DD text; not in the future, and not in a
            quarter that is closed, published, final or paid.
  遵章守纪  score 0–20 } at most one decimal place (19.5);
  文明礼貌  score 0–10 } all four are required.
  优质服务  score 0–50 }
  思想道德  score 0–20 }
  备注      note, at most 500 characters, may be empty.
  抽查      是 for the appraisal office's spot check, 否 or empty for the
            department's sheet (also yes/no, 1/0).

A row equal to the stored sheet changes nothing; every other written row
keeps a revision (reason: the file name). All or nothing: on any bad row the
command lists every problem (file, row, what is wrong), changes nothing and
exits with status 1."""

    def run_import(self, *, source: Path, name: str) -> ImportReport:
        return sheets_import(source=source, name=name, imported_by=None)

    def summary(self, report: ImportReport) -> str:
        return _(
            "%(file)s: %(created)d sheets created, %(updated)d updated, %(unchanged)d unchanged."
        ) % {
            "file": report.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
