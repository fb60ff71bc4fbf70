from pathlib import Path

from django.utils.translation import gettext as _

from appraisal.imports import events_import
from spreadsheets import ImportCommand, ImportReport


class Command(ImportCommand):
    help = """Add praise, complaints, monthly deductions and badge events.

Every row is a new event; events already recorded are never changed. The first
sheet is read; its first row holds exactly these headers:

    工号 | 日期 | 类型 | 分值 | 金额 | 有效 | 说明

  工号  an appraised employee (not a supervisor).
  日期  an Excel date or YYYY-MM-DD text; not in the future, and not in a
        quarter that is closed, published, final or paid.
  类型  one of 表扬信, 锦旗, 公司级表扬, 微信表扬, 集团级投诉, 公司级投诉,
        内部投诉, 微信投诉, 月度扣分, 未佩戴工作牌, 工作牌丢失, 奖励徽章丢失.
  分值  points, 0 or more, at most one decimal; required for 月度扣分, empty
        elsewhere for the quarter's rule default.
  金额  CNY, at most two decimals: positive a reward, negative a fine.
        Empty is 0, except 工作牌丢失 and 奖励徽章丢失: minus the quarter's
        fine (default −200).
  有效  是 (valid), 否 (invalid), or 待定 / empty (pending, for the office to
        rule on). 是 and 否 are recorded as ruled at import time.
  说明  note, at most 2000 characters, may be empty.

All or nothing: on any bad row the command lists every problem (file, row,
what is wrong), changes nothing and exits with status 1."""

    def run_import(self, *, source: Path, name: str) -> ImportReport:
        return events_import(source=source, name=name, imported_by=None)

    def summary(self, report: ImportReport) -> str:
        return _("%(file)s: %(created)d events added.") % {
            "file": report.name,
            "created": report.created,
        }
