from typing import Any

from django.utils.translation import gettext as _

from appraisal.management.commandline import ExportCommand


def payout_workbook_write(**kwargs: Any) -> Any:
    """The exports' writer, imported on first use (it brings openpyxl)."""
    from appraisal.exports import payout_workbook_write as write

    return write(**kwargs)


class Command(ExportCommand):
    # A property: the headers live with the exports, and importing those (and
    # openpyxl with them) only to build a help text would slow every start.
    @property
    def help(self) -> str:  # type: ignore[override]
        from appraisal.exports import PAYOUT_HEADERS

        return (
            "Export the payout sheet of a final (or paid) quarter to an Excel file, ready to "
            "print and sign. A title block with the quarter and the payout month comes first; "
            "the table's header row is the first row whose first cell is 序号: {headers}. "
            "One row per employee whose net amount (award + rewards - fines) is not zero, "
            "grouped by department with a subtotal row (小计) each, and a last row 合计 with "
            "the totals; signature lines follow below. The file is written only when the "
            "export succeeds; on any error nothing is written."
        ).format(headers=" | ".join(PAYOUT_HEADERS))

    def handle(self, *args: object, **options: object) -> None:
        quarter, path, summary = self.export(
            options, lambda quarter, handle: payout_workbook_write(quarter=quarter, target=handle)
        )
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
