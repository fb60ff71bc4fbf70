from django.http import HttpRequest

from employees.permissions import Access


def access(request: HttpRequest) -> dict[str, object]:
    """Every template reads the login's permissions as `access.<predicate>` (employees.permissions)."""
    return {"access": Access(getattr(request, "user", None))}
