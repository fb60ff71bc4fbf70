import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from demo.loader import DemoSummary, demo_company_load
from demo.roster import DEMO_PASSWORD


def _display_width(text: str) -> int:
    # Chinese characters take two columns in a terminal; pad by what is seen.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class Command(BaseCommand):
    help = (
        "Build the demo company: the ten departments of the measures plus 安环部, the "
        "assessment group, about 60 employees, the past year's four quarters settled (paid, "
        "with published service stars, not archived), the past quarter's daily sheets and events, "
        "and pending events in the current quarter for the office's queue. Running it again "
        "changes nothing (on a later day it only adds the newer days' sheets). Prints the "
        "demo logins: office, hr, head1 … head10 and every employee number; the password "
        f"of every one is {DEMO_PASSWORD}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help=(
                "Build as if today were this date (default: today in Asia/Shanghai). The past "
                "quarter is the calendar quarter before this date's; sheets run up to the day "
                "before."
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        today = self._parse_today(options.get("today"))
        try:
            summary = demo_company_load(today=today)
        except (ValidationError, DatabaseError) as exc:
            # The build is one transaction: nothing was changed.
            raise CommandError(
                _("The demo company could not be loaded; nothing was changed: %(error)s")
                % {"error": exc}
            ) from exc
        self._print(summary)

    @staticmethod
    def _parse_today(value: object) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError as exc:
            raise CommandError(
                _("--today %(value)s is not a date; write it like 2026-11-27.") % {"value": value}
            ) from exc

    def _print_year(self, summary: DemoSummary) -> None:
        year = summary.year
        self.stdout.write(
            _(
                "Past year %(year)s: %(paid)d of 4 quarters paid (%(quarters)s); %(stars)d "
                "service stars published."
            )
            % {
                "year": year.year,
                "paid": year.paid,
                "quarters": ", ".join(f"{code} {status.label}" for code, status in year.quarters),
                "stars": year.stars,
            }
        )
        if year.archived:
            return
        if year.paid == 4:
            message = _(
                "The year %(year)s is not archived: the office can archive it on its year page, "
                "/appraisal/years/%(year)s/."
            )
        else:
            message = _(
                "The year %(year)s is not archived: it can be archived once its four quarters "
                "are paid."
            )
        self.stdout.write(message % {"year": year.year})

    def _print(self, summary: DemoSummary) -> None:
        write = self.stdout.write
        write(
            _("Demo company as of %(today)s: past quarter %(past)s, current quarter %(current)s.")
            % {
                "today": summary.today.isoformat(),
                "past": summary.past_quarter.code,
                "current": summary.current_quarter.code,
            }
        )
        for code in summary.skipped_quarters:
            write(
                self.style.WARNING(
                    _("Quarter %(quarter)s is closed; its sheets and events were left as they are.")
                    % {"quarter": code}
                )
            )
        if summary.notice_ends_on is not None:
            write(
                _(
                    "Quarter %(quarter)s is %(status)s: published on %(on)s, public notice "
                    "until %(end)s."
                )
                % {
                    "quarter": summary.past_quarter.code,
                    "status": summary.past_quarter_status.label,
                    "on": summary.published_on.isoformat(),
                    "end": summary.notice_ends_on.isoformat(),
                }
            )
        self._print_year(summary)
        write("")
        headers = (_("Username"), _("Role"), _("Department"), _("Name"))
        rows = [
            (
                login.username,
                str(login.role.label)
                if login.is_active
                else _("%(role)s (left, login disabled)") % {"role": login.role.label},
                login.department,
                login.name,
            )
            for login in summary.logins
        ]
        table = [headers, *[tuple(str(cell) for cell in row) for row in rows]]
        widths = [max(_display_width(row[column]) for row in table) for column in range(4)]
        for row in table:
            write(
                "  ".join(
                    cell + " " * (width - _display_width(cell))
                    for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        write("")
        write(
            self.style.SUCCESS(
                _("Password for every demo login: %(password)s") % {"password": DEMO_PASSWORD}
            )
        )
        write(
            _(
                "Departments: %(departments)d, employees: %(employees)d, logins: %(logins)d, "
                "daily sheets: %(sheets)d (%(sheets_added)d added), events: %(events)d "
                "(%(events_added)d added, %(pending)d pending)."
            )
            % {
                "departments": summary.departments,
                "employees": summary.employees,
                "logins": len(summary.logins),
                "sheets": summary.sheets,
                "sheets_added": summary.sheets_added,
                "events": summary.events,
                "events_added": summary.events_added,
                "pending": summary.pending_events,
            }
        )
