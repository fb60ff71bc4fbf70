from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from appraisal.management.commandline import day_from_option, quarter_from_code, refusal
from appraisal.services import quarter_approve


class Command(BaseCommand):
    help = (
        "Approve a closed quarter's whole list on behalf of the appraisal office and publish "
        "it. Publishing starts the public notice, which runs one calendar month (the quarter's "
        "setting) from the publishing date, that day included: published 2026-10-10, the "
        "notice ends 2026-11-10 and the quarter can be final from 2026-11-11."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("quarter", metavar="QUARTER", help="The quarter, written like 2026Q3.")
        parser.add_argument(
            "--on",
            metavar="YYYY-MM-DD",
            help="The publishing date (default today); not later than today.",
        )

    def handle(self, *args: object, **options: object) -> None:
        quarter = quarter_from_code(str(options["quarter"]))
        on = day_from_option(options.get("on"), option="--on")
        try:
            quarter = quarter_approve(quarter=quarter, approved_by=None, on=on)
        except ValidationError as error:
            raise refusal(error) from error
        self.stdout.write(
            _("%(quarter)s approved and published on %(on)s; the public notice ends on %(end)s.")
            % {
                "quarter": quarter.code,
                "on": quarter.published_on.isoformat(),
                "end": quarter.notice_ends_on.isoformat(),
            }
        )
