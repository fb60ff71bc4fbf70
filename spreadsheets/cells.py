"""The cell parsers: what Excel stores (floats, datetimes, booleans) as the values the rules need.

Each raises `CellError` with a message the caller places on its row.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class CellError(ValueError):
    """A cell whose value cannot be used; the message says why, without the row."""


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YES = frozenset({"是", "yes", "y", "true", "1"})
NO = frozenset({"否", "no", "n", "false", "0"})


def parse_text(value: object) -> str:
    """The cell as text, stripped; numbers as Excel shows them (1001.0 is "1001")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("%s is not a usable value.") % value)
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def parse_decimal(value: object) -> Decimal | None:
    """The cell as an exact decimal; None when blank.

    Excel keeps numbers as binary doubles with 15 significant digits; reading
    them back through those 15 digits gives 19.5 for 19.5 and 0.3 for the
    0.30000000000000004 that a formula may have stored, never a binary tail.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("%s is not a number.") % parse_text(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("%s is not a number.") % value)
        return Decimal(format(value, ".15g"))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise CellError(_("%s is not a number.") % value.strip()) from exc
    else:
        raise CellError(_("%s is not a number.") % parse_text(value))
    if not number.is_finite():
        raise CellError(_("%s is not a number.") % parse_text(value))
    return number


def parse_date(value: object) -> datetime.date | None:
    """The cell as a date (an Excel date or YYYY-MM-DD text); None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    # A bare number may be an unformatted Excel serial or 20260701 typed in:
    # guessing which would put scores on the wrong day.
    raise CellError(_("%s is not a date; use an Excel date or YYYY-MM-DD.") % parse_text(value))


def parse_yes_no(value: object) -> bool | None:
    """The cell as yes (是, yes, 1, TRUE) or no (否, no, 0, FALSE); None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = parse_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("%s is neither 是 nor 否.") % parse_text(value))
