"""The login backend: Django's ModelBackend, with the login's employee loaded alongside."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmployeeModelBackend(ModelBackend):
    """`ModelBackend` whose `get_user`, run once a request, joins the login's employee.

    Every page asks whether the login has an employee (the menu's "My scores"),
    staff pages read that employee and its department, heads' pages their
    headed department: one query with the user's instead of up to three more.
    A login with no employee gets the usual `RelatedObjectDoesNotExist`.
    """

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related(
                "department", "employee__department"
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
