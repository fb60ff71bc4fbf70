"""The event ledger, the record form and the office's pending queue.

Thin views: forms validate, services write, selectors read. Every page checks
the role first (PermissionDenied → 403); records outside what the login may
see are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal.forms import EventEntryForm, EventLedgerQueryForm, EventReruleForm, EventRuleForm
from appraisal.models import EventSource, EventValidity
from appraisal.rules import QuarterId
from appraisal.selectors.events import (
    event_for_queue,
    event_history,
    event_ledger,
    event_ledger_departments,
    event_lines,
    event_quarter_codes,
    event_queue_for,
    event_reporters_for,
)
from appraisal.selectors.grid import quarter_for_day
from appraisal.services import event_enter, event_queue_rule, event_rerule, needs_confirmation
from employees.permissions import (
    may_open_event_ledger,
    may_record_events,
    may_rule_events,
    role_required,
)

LEDGER_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50


# --- The ledger --------------------------------------------------------------------


@role_required(may_open_event_ledger)
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """Every event of a quarter that the login may read, filtered and paginated."""
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
        filters = query.ledger_filters()
        found = event_ledger(user=request.user, **filters)
        page = Paginator(found, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
        events = event_reporters_for(events=event_lines(events=page.object_list), user=request.user)
        quarter_code = filters["quarter"].code
    else:
        quarter_code = current
    quarter = quarter_for_day(day=QuarterId.parse(quarter_code).first_day)
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
            "may_record": may_record_events(request.user),
        },
    )


# --- The record form ---------------------------------------------------------------


@role_required(may_record_events)
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """The office records any event; a department head their department's deductions."""
    if request.method == "POST":
        form = EventEntryForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                event = event_enter(recorded_by=request.user, **form.entry_values())
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
                if event.employee.is_supervisor:
                    # Recorded all the same: the office may keep a supervisor's record.
                    messages.warning(
                        request,
                        _(
                            "%(name)s is a supervisor: supervisors are not appraised, "
                            "so this event counts in no quarter’s results."
                        )
                        % {"name": event.employee.name},
                    )
                query = urlencode({"quarter": QuarterId.of(event.date).code})
                return redirect(f"{reverse('appraisal:events')}?{query}")
    else:
        initial = {"date": timezone.localdate()}
        if may_rule_events(request.user):
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


@role_required(may_rule_events)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Pending events of open quarters, oldest first, each ruled in one step."""
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


def _queue_rule(request: HttpRequest, event: object, form: EventRuleForm) -> tuple:
    """(ruled event or None, error sentences, consequences to confirm)."""
    if not form.is_valid():
        return None, form.error_messages(), []
    try:
        ruled = event_queue_rule(
            event=event,
            validity=form.cleaned_data["validity"],
            ruled_by=request.user,
            reason=form.cleaned_data["reason"],
            confirmed=form.cleaned_data["confirmed"],
        )
    except ValidationError as error:
        if needs_confirmation(error):
            return None, [], error.messages
        return None, form.add_service_error(error), []
    return ruled, [], []


@role_required(may_rule_events)
@require_POST
def event_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rule one pending event valid or invalid (with a reason).

    A ruling that disqualifies or fines someone first answers with that
    consequence and a button to confirm it. With htmx the answer is the queue's
    row; without JavaScript a confirmation page, or a redirect back to the queue.
    """
    event = event_for_queue(user=request.user, pk=pk)
    if event is None:
        raise Http404
    form = EventRuleForm(request.POST)
    ruled, error_messages, consequences = _queue_rule(request, event, form)
    context = {"form": form, "ruled": ruled is not None, "row_errors": error_messages}
    context |= {"consequences": consequences, "back": _back_to_queue(request)}
    if request.htmx:
        context["line"] = event_lines(events=[event_for_queue(user=request.user, pk=pk)])[0]
        return render(request, "appraisal/events/queue.html#queue_row", context)
    if consequences:
        context["line"] = event_lines(events=[event])[0]
        return render(request, "appraisal/events/confirm_ruling.html", context)
    names = {"kind": event.get_kind_display(), "name": event.employee.name}
    if ruled is not None:
        names["validity"] = ruled.get_validity_display()
        messages.success(request, _("%(kind)s of %(name)s ruled %(validity)s.") % names)
    else:
        names["problems"] = " ".join(error_messages)
        messages.error(request, _("%(kind)s of %(name)s: not ruled. %(problems)s") % names)
    return redirect(_back_to_queue(request))


# --- One event: its rulings, and the office's correction ---------------------------


@role_required(may_open_event_ledger)
@require_http_methods(["GET", "HEAD", "POST"])
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An event and every ruling of it; the office re-rules it here, with a reason."""
    found = event_history(user=request.user, pk=pk)
    if found is None:
        raise Http404
    event, rulings = found
    form = EventReruleForm(request.POST or None) if may_rule_events(request.user) else None
    consequences: list[str] = []
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        consequences, done = _rerule(request, form=form, event=event)
        if done:
            messages.success(request, _("The ruling is corrected and kept in the history."))
            return redirect("appraisal:event_detail", pk=pk)
    context = {"line": event, "rulings": rulings, "form": form, "consequences": consequences}
    return render(request, "appraisal/events/detail.html", context)


def _rerule(
    request: HttpRequest, *, form: EventReruleForm, event: object
) -> tuple[list[str], bool]:
    """(consequences to confirm, whether the ruling was saved)."""
    if not form.is_valid():
        return [], False
    try:
        event_rerule(event=event, ruled_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        if needs_confirmation(error):
            return error.messages, False
        for message in form.add_service_error(error):
            form.add_error(None, message)
        return [], False
    return [], True
