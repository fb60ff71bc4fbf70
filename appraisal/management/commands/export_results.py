from typing import Any

from django.utils.translation import gettext as _

from appraisal.management.commandline import ExportCommand


def results_workbook_write(**kwargs: Any) -> Any:
    """The exports' writer, imported on first use (it brings openpyxl)."""
    from appraisal.exports import results_workbook_write as write

    return write(**kwargs)


class Command(ExportCommand):
    # A property: the headers live with the exports, and importing those (and
    # openpyxl with them) only to build a help text would slow every start.
    @property
    def help(self) -> str:  # type: ignore[override]
        from appraisal.exports import RESULTS_HEADERS

        return (
            "Export every appraised employee's result of a quarter to an Excel file, from the "
            "quarter's close on (closed, published, final or paid). One sheet, the header row "
            "first: {headers}. One row per result, sorted by department, then employee "
            "number; scores and money are numbers with two decimals. The file is written only "
            "when the export succeeds; on any error nothing is written."
        ).format(headers=" | ".join(RESULTS_HEADERS))

    def handle(self, *args: object, **options: object) -> None:
        quarter, path, rows = self.export(
            options, lambda quarter, handle: results_workbook_write(quarter=quarter, target=handle)
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(rows)d results of %(quarter)s to %(path)s.")
                % {"rows": rows, "quarter": quarter.code, "path": path}
            )
        )
