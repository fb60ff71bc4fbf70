from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from appraisal.management.commandline import day_from_option
from appraisal.services import finalize_due_quarters


class Command(BaseCommand):
    help = (
        "The daily job (run it from cron every morning): every published quarter whose public "
        "notice has ended and that has no pending objection becomes final, with its payout "
        "month (the month after the notice ends). A quarter with a pending objection stays in "
        "its notice and is reported on standard error (the job's mail shows it). Running it again the same day changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Run as if today were this date (default: today in Asia/Shanghai).",
        )

    def handle(self, *args: object, **options: object) -> None:
        today = day_from_option(options.get("today"), option="--today")
        run = finalize_due_quarters(today=today)
        for quarter in run.finalized:
            self.stdout.write(
                _("%(quarter)s is final; the payout month is %(month)s.")
                % {"quarter": quarter.code, "month": quarter.payout_month.strftime("%Y-%m")}
            )
        if not run.finalized and not run.blocked:
            self.stdout.write(_("No quarter is due."))
        for quarter, reason in run.blocked:
            self.stderr.write(
                _("%(quarter)s stays in its public notice: %(reason)s")
                % {"quarter": quarter.code, "reason": reason}
            )
