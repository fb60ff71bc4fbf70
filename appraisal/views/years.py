"""The year end (rules.md section 7): the year summary, service stars, the archive.

Thin views: the services of appraisal/services/year.py write and check who may
call them once more, the selectors of appraisal/selectors/year.py read.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import charts_year
from appraisal.exports_year import archive_workbook_write, year_workbook_write
from appraisal.models import ServiceStar, StarStatus
from appraisal.selectors.year import stars_page_for, year_summary_for, year_summary_may_open
from appraisal.services.year import (
    star_add,
    star_name,
    star_nominate,
    star_withdraw,
    stars_publish,
    year_archive,
    year_archive_blocker,
)
from employees.models import Department, Employee
from employees.permissions import (
    may_archive_year,
    may_name_stars,
    may_open_stars,
    role_required,
    sees_money,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _department_param(request: HttpRequest) -> Department | None:
    value = request.GET.get("department", "")
    if not value.isdigit():
        return None
    return Department.objects.visible_to(request.user).filter(pk=int(value)).first()


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def year_summary(request: HttpRequest, year: int) -> HttpResponse:
    """Each employee's four quarters side by side; staff find their own on "my scores"."""
    if not year_summary_may_open(user=request.user):
        if hasattr(request.user, "employee"):
            return redirect("employees:me")
        raise PermissionDenied
    department = _department_param(request)
    summary = year_summary_for(
        user=request.user, year=year, department=department, sort=request.GET.get("sort", "")
    )
    context = {"summary": summary, "year": year}
    if not summary.has_quarters:
        return render(request, "appraisal/years/summary.html", context, status=404)
    context["charts"] = charts_year.year_charts_for(
        year=year, user=request.user, department=department
    )
    return render(request, "appraisal/years/summary.html", context)


def _file(request: HttpRequest, *, year: int, write, filename: str) -> HttpResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        write(handle)
    except ValidationError as error:
        handle.close()
        _errors(request, error)
        return redirect("appraisal:year", year)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


@role_required(sees_money)
@require_GET
def year_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    """The year summary workbook (interfaces.md "Year summary"), for the office and HR."""
    return _file(
        request,
        year=year,
        write=lambda handle: year_workbook_write(year=year, target=handle),
        filename=f"{year}-year.xlsx",
    )


@role_required(may_archive_year)
@require_GET
def archive_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    """The year's archive workbook, every department or the one asked for; the office's."""
    department = _department_param(request)
    suffix = f"-{department.pk}" if department else ""
    return _file(
        request,
        year=year,
        write=lambda handle: archive_workbook_write(
            year=year, target=handle, department=department, by=request.user
        ),
        filename=f"{year}-archive{suffix}.xlsx",
    )


@role_required(may_archive_year)
@require_http_methods(["GET", "POST"])
def year_archive_view(request: HttpRequest, year: int) -> HttpResponse:
    """The office's confirmation page; POST archives the year (or says why not)."""
    if request.method == "POST":
        try:
            year_archive(year=year, archived_by=request.user)
        except ValidationError as error:
            _errors(request, error)
            return redirect("appraisal:year_archive", year)
        messages.success(request, _archived_message(year))
        return redirect("appraisal:year", year)
    return render(
        request,
        "appraisal/years/archive.html",
        {"year": year, "refusal": year_archive_blocker(year=year)},
    )


def _archived_message(year: int) -> str:
    return _("The year %(year)s is archived: nothing dated in it can change any more.") % {
        "year": year
    }


@role_required(may_open_stars)
@require_GET
def stars(request: HttpRequest, year: int) -> HttpResponse:
    """The year's nominations and service stars: heads nominate, the office names and publishes."""
    page = stars_page_for(user=request.user, year=year)
    return render(request, "appraisal/years/stars.html", {"page": page, "year": year})


@role_required(may_open_stars)
@require_POST
def stars_action(request: HttpRequest, year: int) -> HttpResponse:
    """One step on the star list; a refusal is shown as a message and nothing changes."""
    action = request.POST.get("action", "")
    try:
        if action in ("nominate", "add"):
            employee = get_object_or_404(
                Employee.objects.visible_to(request.user), pk=request.POST.get("employee") or 0
            )
            citation = request.POST.get("citation", "")
            if action == "nominate":
                star_nominate(
                    year=year, employee=employee, citation=citation, nominated_by=request.user
                )
            else:
                star_add(year=year, employee=employee, citation=citation, added_by=request.user)
        elif action in ("name", "withdraw"):
            star = get_object_or_404(ServiceStar, pk=request.POST.get("star") or 0, year__year=year)
            if action == "name":
                star_name(star=star, named_by=request.user)
            else:
                star_withdraw(star=star, withdrawn_by=request.user)
        elif action == "publish":
            stars_publish(year=year, published_by=request.user)
        else:
            raise Http404
    except ValidationError as error:
        _errors(request, error)
    return redirect("appraisal:stars", year)


@login_required
@require_GET
def star_certificate(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """The star's certificate, A4 landscape, for the office or the star themselves."""
    star = get_object_or_404(
        ServiceStar.objects.select_related("employee__department", "year"),
        pk=pk,
        year__year=year,
        status=StarStatus.NAMED,
    )
    own = getattr(request.user, "employee", None) == star.employee
    if not (may_name_stars(request.user) or (own and star.year.stars_published)):
        raise Http404
    return render(request, "appraisal/years/certificate.html", {"star": star})
