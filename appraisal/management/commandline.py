"""Argument parsing shared by the appraisal app's management commands."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from appraisal.models import Quarter

T = TypeVar("T")


def quarter_from_code(code: str) -> Quarter:
    """The stored quarter written `2026Q3`; a CommandError names a bad or unknown code."""
    # Imported here: the exports bring openpyxl, which every command would
    # otherwise load at start-up (close_quarter --help included).
    from appraisal.exports import export_quarter_get

    try:
        return export_quarter_get(code=code)
    except ValidationError as error:
        raise refusal(error) from None


def day_from_option(value: str | None, *, option: str) -> datetime.date | None:
    """The date of `--option YYYY-MM-DD`, None when not given."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s takes a date written YYYY-MM-DD, not %(value)s.")
            % {"option": option, "value": value}
        ) from None


def refusal(error: ValidationError) -> CommandError:
    """A service's refusal as the command's error message."""
    return CommandError(" ".join(error.messages))


class ExportCommand(BaseCommand):
    """`<command> QUARTER -o FILE.xlsx`: write one of the quarter's workbooks, all or nothing."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("quarter", metavar="QUARTER", help="The quarter, written like 2026Q3.")
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE.xlsx",
            help="The Excel file to write; an existing file is replaced.",
        )

    def export(
        self, options: dict[str, object], write: Callable[[Quarter, IO[bytes]], T]
    ) -> tuple[Quarter, Path, T]:
        """Write the file through a temporary one, so a failure never leaves half a file."""
        from appraisal.exports import export_quarter_get

        holder: list[Quarter] = []

        def write_quarter(handle: IO[bytes]) -> T:
            holder.append(export_quarter_get(code=str(options["quarter"])))
            return write(holder[0], handle)

        path, result = save_workbook(options, write_quarter)
        return holder[0], path, result


class YearExportCommand(BaseCommand):
    """`<command> YEAR -o FILE.xlsx`: write one of the year's workbooks, all or nothing."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", metavar="YEAR", type=int, help="The year, like 2026.")
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE.xlsx",
            help="The Excel file to write; an existing file is replaced.",
        )

    def write_year(self, options: dict[str, object], write: Callable[[IO[bytes]], T]) -> Path:
        return save_workbook(options, write)[0]


def save_workbook(options: dict[str, object], write: Callable[[IO[bytes]], T]) -> tuple[Path, T]:
    """Write `-o FILE.xlsx` through a temporary file: all or nothing, errors as CommandError."""
    from spreadsheets import workbook_save_atomic

    path = Path(str(options["output"]))
    if not path.parent.is_dir():
        raise CommandError(
            _("Cannot write %(path)s: the folder %(folder)s does not exist.")
            % {"path": path, "folder": path.parent}
        )
    try:
        result = workbook_save_atomic(path=path, write=write)
    except ValidationError as exc:
        raise CommandError(
            _("Nothing was written to %(path)s: %(error)s")
            % {"path": path, "error": " ".join(exc.messages)}
        ) from exc
    except OSError as exc:
        raise CommandError(
            _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    return path, result
