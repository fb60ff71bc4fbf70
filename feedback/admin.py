"""The admin for customer feedback: read-only, the office rules on the event instead."""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from employees.admin import ServiceOnlyAdmin
from feedback.models import FeedbackMessage


@admin.register(FeedbackMessage)
class FeedbackMessageAdmin(ServiceOnlyAdmin):
    """The customer's words exactly as typed.

    Each message is tied to the pending event it created; a ruling on that
    event goes through event_rule so the quarter lock holds, so the message
    itself is never edited here.
    """

    list_display = ("created_at", "employee", "department", "kind", "summary", "validity")
    list_filter = ("kind", "event__validity", "employee__department")
    search_fields = ("employee__number", "employee__name", "text", "contact")
    list_select_related = ("employee__department", "event")
    raw_id_fields = ("employee", "badge", "event")
    readonly_fields = ("created_at", "validity")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    show_full_result_count = False
    # The client key is a hash for rate limits, of no use to a reader.
    exclude = ("client_key",)

    @admin.display(description=_("department"), ordering="employee__department__display_order")
    def department(self, obj: FeedbackMessage) -> str:
        return obj.employee.department.name

    @admin.display(description=_("what happened"))
    def summary(self, obj: FeedbackMessage) -> str:
        return Truncator(obj.text).chars(40)

    @admin.display(description=_("validity"), ordering="event__validity")
    def validity(self, obj: FeedbackMessage) -> str:
        return obj.event.get_validity_display()
