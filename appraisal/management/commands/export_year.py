from django.utils.translation import gettext as _

from appraisal.management.commandline import YearExportCommand


class Command(YearExportCommand):
    @property
    def help(self) -> str:
        # The workbook code (openpyxl) loads only when the command runs or explains itself.
        from appraisal.exports_year import YEAR_HEADERS

        return (
            "Export the year summary (rules.md section 7) to an Excel file: one row per employee "
            "appraised in at least one quarter of the year, the header row first: {headers}. "
            "A quarter's cell holds its final score or 未考核, with the outcome as a cell comment. "
            "A year without any quarter is refused and nothing is written."
        ).format(headers=" | ".join(YEAR_HEADERS))

    def handle(self, *args: object, **options: object) -> None:
        from appraisal.exports_year import year_workbook_write

        year = int(options["year"])
        rows = 0

        def write(handle):
            nonlocal rows
            rows = year_workbook_write(year=year, target=handle)

        path = self.write_year(options, write)
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(rows)d employees of %(year)s to %(path)s.")
                % {"rows": rows, "year": year, "path": path}
            )
        )
