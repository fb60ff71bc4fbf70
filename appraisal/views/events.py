"""The event ledger, the record form and the office's pending queue.

Thin views: forms validate, services write, selectors read. Every page checks
the role first (PermissionDenied → 403); records outside what the login may
see are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal.forms import EventEntryForm, EventLedgerQueryForm, EventRuleForm
from appraisal.models import EventSource, EventValidity, Quarter
from appraisal.rules import QuarterId
from appraisal.selectors.events import (
    event_for_queue,
    event_ledger,
    event_ledger_allowed,
    event_ledger_departments,
    event_lines,
    event_quarter_codes,
    event_queue_for,
    event_reporters_for,
)
from appraisal.services import event_enter, event_queue_rule
from employees.permissions import require_office

LEDGER_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50


def _require_ledger_reader(request: HttpRequest) -> None:
    # Staff see their own valid events on their own page, never the ledger.
    if not event_ledger_allowed(user=request.user):
        raise PermissionDenied


def _may_record(user: object) -> bool:
    return bool(getattr(user, "is_office", False) or getattr(user, "is_department_head", False))


# --- The ledger --------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """Every event of a quarter that the login may read, filtered and paginated."""
    _require_ledger_reader(request)
    departments = event_ledger_departments(user=request.user)
    quarter_codes = event_quarter_codes()
    current = QuarterId.of(timezone.localdate()).code
    data = request.GET.copy()
    if not data.get("quarter"):
        data["quarter"] = current
    query = EventLedgerQueryForm(data, departments=departments, quarter_codes=quarter_codes)
    events = []
    page = None
    if query.is_valid():
        qid = QuarterId.parse(query.cleaned_data["quarter"])
        found = event_ledger(
            user=request.user,
            quarter=qid,
            department=query.cleaned_data["department"],
            kind=query.cleaned_data["kind"],
            validity=query.cleaned_data["validity"],
        )
        page = Paginator(found, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
        events = event_reporters_for(events=event_lines(events=page.object_list), user=request.user)
        quarter_code = qid.code
    else:
        quarter_code = current
    shown = QuarterId.parse(quarter_code)
    quarter = Quarter.objects.filter(year=shown.year, number=shown.number).first()
    return render(
        request,
        "appraisal/events/ledger.html",
        {
            "query": query,
            "page": page,
            "events": events,
            "quarter_code": quarter_code,
            "quarter": quarter,
            "show_department_filter": departments.count() > 1,
            "may_record": _may_record(request.user),
        },
    )


# --- The record form ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """The office records any event; a department head their department's deductions."""
    if not _may_record(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = EventEntryForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = event_enter(
                    recorded_by=request.user,
                    employee=data["employee"],
                    date=data["date"],
                    kind=data["kind"],
                    points=data["points"],
                    amount=data["amount"],
                    source=data.get("source") or EventSource.DEPARTMENT,
                    reported_by=data.get("reported_by", ""),
                    note=data["note"],
                    validity=data.get("validity") or None,
                    reason=data.get("reason", ""),
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Recorded: %(kind)s for %(name)s on %(day)s.")
                    % {
                        "kind": event.get_kind_display(),
                        "name": event.employee.name,
                        "day": event.date.isoformat(),
                    },
                )
                query = urlencode({"quarter": QuarterId.of(event.date).code})
                return redirect(f"{reverse('appraisal:events')}?{query}")
    else:
        initial = {"date": timezone.localdate()}
        if request.user.is_office:
            initial["validity"] = EventValidity.PENDING
        form = EventEntryForm(initial=initial, user=request.user)
    return render(request, "appraisal/events/new.html", {"form": form})


# --- The office's queue ------------------------------------------------------------


def _queue_source(request: HttpRequest) -> str:
    source = request.GET.get("source", "")
    return source if source in EventSource.values else ""


def _queue_url(source: str = "") -> str:
    url = reverse("appraisal:event_queue")
    return f"{url}?{urlencode({'source': source})}" if source else url


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Pending events of open quarters, oldest first, each ruled in one step."""
    require_office(request)
    source = _queue_source(request)
    pending, too_late = event_queue_for(user=request.user, source=source)
    page = Paginator(pending, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appraisal/events/queue.html",
        {
            "page": page,
            "events": event_lines(events=page.object_list),
            "too_late": event_lines(events=too_late),
            "source": source,
            "sources": [
                ("", _("All sources")),
                (EventSource.WECHAT.value, EventSource.WECHAT.label),
            ],
            "back": _queue_url(source),
        },
    )


def _back_to_queue(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return _queue_url()


@login_required
@require_POST
def event_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rule one pending event valid or invalid (with a reason).

    With htmx the answer is the queue's row in its new state (or with the
    form's errors); without JavaScript a redirect back to the queue with a message.
    """
    require_office(request)
    event = event_for_queue(user=request.user, pk=pk)
    if event is None:
        raise Http404
    form = EventRuleForm(request.POST)
    error_messages: list[str] = []
    ruled = False
    if form.is_valid():
        try:
            event = event_queue_rule(
                event=event,
                validity=form.cleaned_data["validity"],
                ruled_by=request.user,
                reason=form.cleaned_data["reason"],
            )
            ruled = True
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    for message in errors:
                        if name in form.fields:
                            form.add_error(name, message)
                        else:
                            error_messages.extend(message.messages)
            else:
                error_messages.extend(error.messages)
    else:
        error_messages.extend(str(message) for errors in form.errors.values() for message in errors)
    if request.htmx:
        event = event_for_queue(user=request.user, pk=pk)
        return render(
            request,
            "appraisal/events/queue.html#queue_row",
            {
                "line": event_lines(events=[event])[0],
                "form": form,
                "ruled": ruled,
                "row_errors": error_messages,
                "back": _back_to_queue(request),
            },
        )
    if ruled:
        messages.success(
            request,
            _("%(kind)s of %(name)s ruled %(validity)s.")
            % {
                "kind": event.get_kind_display(),
                "name": event.employee.name,
                "validity": event.get_validity_display(),
            },
        )
    else:
        messages.error(
            request,
            _("%(kind)s of %(name)s: not ruled. %(problems)s")
            % {
                "kind": event.get_kind_display(),
                "name": event.employee.name,
                "problems": " ".join(error_messages)
                or " ".join(str(m) for errors in form.errors.values() for m in errors),
            },
        )
    return redirect(_back_to_queue(request))
