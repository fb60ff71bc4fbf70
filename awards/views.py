"""Badge pages: award badges out and overdue, work badges, and the printable badge sheet."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from awards.forms import (
    AwardBadgeLostForm,
    AwardBadgeReturnForm,
    AwardBadgesIssueForm,
    IssueMissingForm,
    PrintFilterForm,
    WorkBadgeLostForm,
)
from awards.models import AwardBadge
from awards.selectors import (
    award_badge_overdue_count,
    award_badges_closed_recently,
    award_badges_out,
    employees_without_badge_count,
    quarters_for_award_badges,
    work_badges_recently_lost,
    work_badges_to_print,
)
from awards.services import (
    award_badge_report_lost,
    award_badge_return,
    award_badges_issue,
    work_badge_report_lost,
    work_badges_issue_missing,
)
from employees.permissions import may_manage_badges, may_print_work_badges, role_required


def _form_errors(form: object) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _service_errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@role_required(may_manage_badges)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Award badges out and overdue, with their return and loss forms (the office)."""
    today = timezone.localdate()
    return render(
        request,
        "awards/index.html",
        {
            "today": today,
            "badges_out": award_badges_out(user=request.user),
            "overdue_count": award_badge_overdue_count(user=request.user, today=today),
            "closed_recently": award_badges_closed_recently(user=request.user),
            "quarters": quarters_for_award_badges(),
            "issue_form": AwardBadgesIssueForm(),
        },
    )


@role_required(may_manage_badges)
@require_POST
def award_badges_issue_view(request: HttpRequest) -> HttpResponse:
    form = AwardBadgesIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("awards:index")
    try:
        count = award_badges_issue(
            quarter=form.cleaned_data["quarter"],
            issued_on=form.cleaned_data["issued_on"],
            issued_by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _service_errors(exc))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d award badge issued for %(quarter)s.",
                "%(count)d award badges issued for %(quarter)s.",
                count,
            )
            % {"count": count, "quarter": form.cleaned_data["quarter"]},
        )
    return redirect("awards:index")


def _award_badge_or_404(request: HttpRequest, pk: int) -> AwardBadge:
    return get_object_or_404(
        AwardBadge.objects.visible_to(request.user).select_related("employee"), pk=pk
    )


@role_required(may_manage_badges)
@require_POST
def award_badge_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    badge = _award_badge_or_404(request, pk)
    form = AwardBadgeReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("awards:index")
    try:
        award_badge_return(
            badge=badge, returned_on=form.cleaned_data["returned_on"], recorded_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, _service_errors(exc))
    else:
        messages.success(
            request,
            _("The award badge of %(name)s is recorded as returned.")
            % {"name": badge.employee.name},
        )
    return redirect("awards:index")


@role_required(may_manage_badges)
@require_POST
def award_badge_lost_view(request: HttpRequest, pk: int) -> HttpResponse:
    badge = _award_badge_or_404(request, pk)
    form = AwardBadgeLostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("awards:index")
    try:
        award_badge_report_lost(
            badge=badge, lost_on=form.cleaned_data["lost_on"], recorded_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, _service_errors(exc))
    else:
        messages.success(
            request,
            _("The award badge of %(name)s is recorded as lost, with the fine and the deduction.")
            % {"name": badge.employee.name},
        )
    return redirect("awards:index")


def _work_badges_page(
    request: HttpRequest, *, lost_form: WorkBadgeLostForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "awards/work_badges.html",
        {
            "lost_form": lost_form,
            "issue_form": IssueMissingForm(),
            "print_form": PrintFilterForm(user=request.user),
            "without_badge": employees_without_badge_count(user=request.user),
            "recently_lost": work_badges_recently_lost(user=request.user),
        },
        status=status,
    )


@role_required(may_manage_badges)
@require_GET
def work_badges(request: HttpRequest) -> HttpResponse:
    return _work_badges_page(request, lost_form=WorkBadgeLostForm(user=request.user))


@role_required(may_manage_badges)
@require_POST
def work_badge_lost_view(request: HttpRequest) -> HttpResponse:
    form = WorkBadgeLostForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            new_badge = work_badge_report_lost(
                badge=form.badge, lost_on=form.cleaned_data["lost_on"], recorded_by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "The work badge of %(name)s is recorded as lost, with the fine and the "
                    "deduction. The new badge has a new QR code: print it now."
                )
                % {"name": new_badge.employee.name},
            )
            return redirect(f"{reverse('awards:print')}?employee={new_badge.employee_id}")
    return _work_badges_page(request, lost_form=form, status=400)


@role_required(may_manage_badges)
@require_POST
def work_badges_issue_missing_view(request: HttpRequest) -> HttpResponse:
    form = IssueMissingForm(request.POST)
    if form.is_valid():
        count = work_badges_issue_missing(
            issued_on=form.cleaned_data["issued_on"], issued_by=request.user
        )
        messages.success(
            request,
            ngettext("%(count)d work badge issued.", "%(count)d work badges issued.", count)
            % {"count": count},
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect("awards:work_badges")


@role_required(may_print_work_badges)
@require_GET
def print_badges(request: HttpRequest) -> HttpResponse:
    """A4 sheets of work badges: the office prints anyone's, a department head their own."""
    form = PrintFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        # A department or employee the login may not see is refused, not widened.
        raise PermissionDenied
    base_url = settings.PUBLIC_BASE_URL or request.build_absolute_uri("/")
    sheets = work_badges_to_print(
        user=request.user,
        base_url=base_url,
        department=form.cleaned_data["department"],
        employee=form.cleaned_data["employee"],
    )
    return render(
        request,
        "awards/print.html",
        {
            "sheets": sheets,
            "count": sum(len(sheet) for sheet in sheets),
            "filter": form.cleaned_data,
        },
    )
