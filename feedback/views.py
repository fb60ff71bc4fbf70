"""The public feedback column: no login, phone first, plain HTML forms.

The client address used for the rate limits is REMOTE_ADDR. Behind a reverse
proxy the proxy must put the customer's address there (for gunicorn:
`--forwarded-allow-ips` with the proxy's address, so it honours the proxy's
X-Forwarded-For); the views never read X-Forwarded-For themselves, since any
client can send one.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from appraisal.models import EventSource
from awards.models import WorkBadge
from employees.permissions import role_required, sees_contacts
from feedback.forms import FeedbackForm, LookupForm
from feedback.selectors import feedback_badge_for_token, feedback_lookup
from feedback.services import FeedbackRateLimited, feedback_submit


def _badge_or_404(token: str) -> WorkBadge:
    badge = feedback_badge_for_token(token=token)
    if badge is None:
        raise Http404("No such badge")
    return badge


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    badges = feedback_lookup(**form.cleaned_data) if form.is_valid() else []
    return render(
        request,
        "feedback/lookup.html",
        {"form": form, "badges": badges, "searched": form.is_bound},
    )


_SENT_KEY = "feedback_sent_tokens"
_SENT_KEEP = 20


def _already_sent(request: HttpRequest, once: str) -> bool:
    return bool(once) and once in request.session.get(_SENT_KEY, [])


def _mark_sent(request: HttpRequest, once: str) -> None:
    if once:
        request.session[_SENT_KEY] = [*request.session.get(_SENT_KEY, []), once][-_SENT_KEEP:]


def _submit(request: HttpRequest, badge: WorkBadge, form: FeedbackForm) -> None:
    data = form.cleaned_data
    feedback_submit(
        employee=badge.employee,
        badge=badge,
        kind=data["kind"],
        text=data["text"],
        happened=data["happened"],
        contact=data["contact"],
        client_address=client_address(request),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def employee_feedback(request: HttpRequest, token: str) -> HttpResponse:
    badge = _badge_or_404(token)
    form = FeedbackForm(request.POST or None, initial={"once": secrets.token_urlsafe(16)})
    status = 200
    if request.method == "POST" and _already_sent(request, request.POST.get("once", "")):
        # The same form sent again (Back, then send): it is stored already.
        return redirect("feedback:thanks", token=badge.token)
    if request.method == "POST" and form.is_valid():
        if form.is_spam:
            return redirect("feedback:thanks", token=badge.token)
        try:
            _submit(request, badge, form)
        except FeedbackRateLimited as exc:
            return render(
                request,
                "feedback/rate_limited.html",
                {"badge": badge, "scope": exc.scope, "text": form.cleaned_data["text"]},
                status=429,
            )
        except ValidationError as exc:
            # Rare: the badge or the employee changed meanwhile. A closed quarter never
            # refuses a customer: the service keeps the message for the record.
            for message in exc.messages:
                form.add_error(None, message)
            status = 409
        else:
            _mark_sent(request, form.cleaned_data["once"])
            return redirect("feedback:thanks", token=badge.token)
    return render(
        request,
        "feedback/employee_form.html",
        {"badge": badge, "employee": badge.employee, "form": form},
        status=status,
    )


@require_safe
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    badge = _badge_or_404(token)
    return render(request, "feedback/thanks.html", {"badge": badge, "employee": badge.employee})


@role_required(sees_contacts)
@require_GET
def received(request: HttpRequest) -> HttpResponse:
    """The office reads and rules on incoming feedback in its queue of pending WeChat events."""
    return redirect(
        f"{reverse('appraisal:event_queue')}?{urlencode({'source': EventSource.WECHAT})}"
    )
