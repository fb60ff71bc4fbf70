from django.utils.translation import gettext as _

from appraisal.exports import (
    RESULTS_HEADERS,
    results_workbook_write,
)
from appraisal.management.commandline import ExportCommand


class Command(ExportCommand):
    help = (
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
