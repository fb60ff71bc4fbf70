"""Role checks shared by the views: a login whose role does not fit the page gets 403.

The services check again when they write; these keep a page from even opening.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require_office(request: HttpRequest) -> None:
    if not request.user.is_office:
        raise PermissionDenied


def require_office_or_hr(request: HttpRequest) -> None:
    # The money side of a quarter, and the staff list HR keeps.
    if not (request.user.is_office or request.user.is_hr):
        raise PermissionDenied
