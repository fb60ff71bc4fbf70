from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from appraisal.management.commandline import quarter_from_code, refusal
from appraisal.selectors.events import event_pending_in
from appraisal.services import quarter_close


class Command(BaseCommand):
    help = (
        "Close a quarter: compute every appraised employee's days, average, bonus, final "
        "score, award tier, disqualifications, training and money (rules.md section 5), and "
        "lock the quarter's sheets and events. Refuses before the quarter's last day unless "
        "--force. On a closed quarter that is not yet approved it recomputes from the same "
        "data and gives the same results; departments' withdrawals stand."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("quarter", metavar="QUARTER", help="The quarter, written like 2026Q3.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Close before the quarter's last day (a correction run, or a test).",
        )

    def handle(self, *args: object, **options: object) -> None:
        quarter = quarter_from_code(str(options["quarter"]))
        # rules.md section 5, "pending at close": they do not count; say which.
        for event in event_pending_in(quarter=quarter):
            self.stderr.write(
                _("Warning: still pending, will not count: %(day)s %(number)s %(name)s %(kind)s")
                % {
                    "day": event.date.isoformat(),
                    "number": event.employee.number,
                    "name": event.employee.name,
                    "kind": event.get_kind_display(),
                }
            )
        try:
            report = quarter_close(quarter=quarter, closed_by=None, force=bool(options["force"]))
        except ValidationError as error:
            raise refusal(error) from error
        message = _(
            "%(quarter)s closed: %(results)d results, %(winners)d winners, "
            "%(disqualified)d disqualified."
        )
        if report.recomputed:
            message = _(
                "%(quarter)s recomputed: %(results)d results, %(winners)d winners, "
                "%(disqualified)d disqualified."
            )
        self.stdout.write(
            message
            % {
                "quarter": quarter.code,
                "results": report.results,
                "winners": report.winners,
                "disqualified": report.disqualified,
            }
        )
