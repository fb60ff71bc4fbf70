"""The base of the import commands: FILE.xlsx in, a summary line or every error out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.utils.translation import gettext as _

from spreadsheets.reading import ImportRejected, ImportReport, file_error


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's argument order, with the help's file layout kept line by line."""


class ImportCommand(BaseCommand):
    """The shape the import commands share: FILE.xlsx in, a summary line or the errors out.

    A subclass sets `help` (the file format included) and implements
    `run_import` and `summary`. Rejected files exit with status 1 and every
    error on stderr; nothing was written then.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.xlsx", help="the workbook to import")

    def handle(self, *args: object, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(file_error(str(path), _("no such file.")))
        try:
            report = self.run_import(source=path, name=path.name)
        except ImportRejected as exc:
            raise CommandError("\n".join([*exc.errors, _("Nothing was imported.")])) from exc
        self.stdout.write(self.style.SUCCESS(self.summary(report)))

    def run_import(self, *, source: Path, name: str) -> ImportReport:
        raise NotImplementedError

    def summary(self, report: ImportReport) -> str:
        raise NotImplementedError
