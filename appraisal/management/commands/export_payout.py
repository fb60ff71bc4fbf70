from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from appraisal.exports import (
    PAYOUT_HEADERS,
    PayoutSummary,
    export_quarter_get,
    payout_workbook_write,
    workbook_save_atomic,
)


class Command(BaseCommand):
    help = (
        "Export the payout sheet of a final (or paid) quarter to an Excel file, ready to "
        "print and sign. A title block with the quarter and the payout month comes first; "
        "the table's header row is the first row whose first cell is 序号: {headers}. "
        "One row per employee whose net amount (award + rewards - fines) is not zero, "
        "grouped by department with a subtotal row (小计) each, and a last row 合计 with "
        "the totals; signature lines follow below. The file is written only when the "
        "export succeeds; on any error nothing is written."
    ).format(headers=" | ".join(PAYOUT_HEADERS))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("quarter", metavar="QUARTER", help="The quarter, written like 2026Q3.")
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE.xlsx",
            help="The Excel file to write; an existing file is replaced.",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["output"]))
        if not path.parent.is_dir():
            raise CommandError(
                _("Cannot write %(path)s: the folder %(folder)s does not exist.")
                % {"path": path, "folder": path.parent}
            )
        try:
            quarter = export_quarter_get(code=str(options["quarter"]))
            summary: PayoutSummary = workbook_save_atomic(
                path=path,
                write=lambda handle: payout_workbook_write(quarter=quarter, target=handle),
            )
        except ValidationError as exc:
            raise CommandError(
                _("Nothing was written to %(path)s: %(error)s")
                % {"path": path, "error": " ".join(exc.messages)}
            ) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Wrote the payout sheet of %(quarter)s to %(path)s: %(rows)d employees in "
                    "%(departments)d departments; awards %(awards)s, rewards and fines "
                    "%(adjustments)s, total to pay %(total)s CNY."
                )
                % {
                    "quarter": quarter.code,
                    "path": path,
                    "rows": summary.rows,
                    "departments": summary.departments,
                    "awards": f"{summary.award_total:.2f}",
                    "adjustments": f"{summary.adjustment_total:.2f}",
                    "total": f"{summary.net_total:.2f}",
                }
            )
        )
