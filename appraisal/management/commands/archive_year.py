from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from appraisal.management.commandline import YearExportCommand, refusal
from appraisal.services.year import year_archive
from employees.models import Department


class Command(YearExportCommand):
    @property
    def help(self) -> str:
        # The workbook code (openpyxl) loads only when the command runs or explains itself.
        from appraisal.exports_year import ARCHIVE_SHEETS

        return (
            "Write the year's archive workbook (every department, or one with --department), in "
            "streaming mode; its worksheets: {sheets}. With --lock the year is archived first "
            "(all four quarters must be paid): from then on nothing dated in it changes."
        ).format(sheets=", ".join(ARCHIVE_SHEETS))

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--department", metavar="NAME", help="Only this department.")
        parser.add_argument(
            "--lock", action="store_true", help="Archive (lock) the year before writing."
        )

    def handle(self, *args: object, **options: object) -> None:
        from appraisal.exports_year import archive_workbook_write

        year = int(options["year"])
        department = None
        if options.get("department"):
            try:
                department = Department.objects.get(name=options["department"])
            except Department.DoesNotExist:
                raise CommandError(
                    _("No department is named %(name)s.") % {"name": options["department"]}
                ) from None
        if options.get("lock"):
            try:
                year_archive(year=year, archived_by=None)
            except ValidationError as error:
                raise refusal(error) from None
            self.stdout.write(_("The year %(year)s is archived.") % {"year": year})
        path = self.write_year(
            options,
            lambda handle: archive_workbook_write(year=year, target=handle, department=department),
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote the archive of %(year)s to %(path)s.") % {"year": year, "path": path}
            )
        )
