from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the login's roles to every template, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role": None}
    return {
        "role": {
            "office": user.is_office,
            "hr": user.is_hr,
            "head": user.is_department_head,
            "staff": hasattr(user, "employee"),
        }
    }
