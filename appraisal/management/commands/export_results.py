from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from appraisal.exports import (
    RESULTS_HEADERS,
    export_quarter_get,
    results_workbook_write,
    workbook_save_atomic,
)


class Command(BaseCommand):
    help = (
        "Export every appraised employee's result of a quarter to an Excel file, from the "
        "quarter's close on (closed, published, final or paid). One sheet, the header row "
        "first: {headers}. One row per result, sorted by department, then employee "
        "number; scores and money are numbers with two decimals. The file is written only "
        "when the export succeeds; on any error nothing is written."
    ).format(headers=" | ".join(RESULTS_HEADERS))

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
            rows = workbook_save_atomic(
                path=path,
                write=lambda handle: results_workbook_write(quarter=quarter, target=handle),
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
                _("Wrote %(rows)d results of %(quarter)s to %(path)s.")
                % {"rows": rows, "quarter": quarter.code, "path": path}
            )
        )
