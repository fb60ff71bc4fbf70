"""What the office and HR cannot do in the admin, whatever they post.

An employee's login is the key to that employee's page, so HR cannot set it
and nobody ties a login with a role to an employee. Only a superuser changes
a superuser or another office login, and nobody hands out more than they hold.
The walk at the end posts every change form, password form, delete and action
of every registered model as the office and as HR, and checks both rules.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.urls import reverse

from employees.models import Employee, Role, User
from employees.services import role_groups_sync
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)
from employees.tests.test_admin import office as office
from employees.tests.test_admin import one_of_each  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

ROLE_GROUPS = [Role.OFFICE.value, Role.HR.value, Role.DEPARTMENT_HEAD.value]


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def password_url(pk: int) -> str:
    # /admin/employees/user/<id>/password/, named after auth's own User.
    return reverse("admin:auth_user_password_change", args=[pk])


def form_data(response) -> dict[str, object]:
    """What the browser would post back from an admin change page, inlines included."""
    data: dict[str, object] = {}

    def add(form, name: str, key: str) -> None:
        value = form[name].value()
        if value is None or isinstance(value, FieldFile):
            return
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        add(form, name, name)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            add(management, name, management.add_prefix(name))
        for inline_form in formset.forms:
            for name in inline_form.fields:
                add(inline_form, name, inline_form.add_prefix(name))
    return data


def login_state() -> dict[int, tuple]:
    return {
        user.pk: (
            user.username,
            user.first_name,
            user.last_name,
            user.email,
            user.password,
            user.is_superuser,
            user.is_staff,
            user.is_active,
            user.department_id,
            frozenset(user.groups.values_list("name", flat=True)),
            frozenset(user.user_permissions.values_list("pk", flat=True)),
        )
        for user in User.objects.all()
    }


def employees_with_role_logins() -> list[Employee]:
    return list(
        Employee.objects.filter(
            Q(user__is_staff=True)
            | Q(user__is_superuser=True)
            | Q(user__groups__name__in=ROLE_GROUPS)
        )
    )


# --- 1. The link between an employee and a login -----------------------------------


@pytest.fixture
def d1002():
    role_groups_sync()
    return staff_employee(number="D1002", name="李四")


def test_hr_cannot_tie_their_own_login_to_an_employee(client, d1002):
    # The report: HR set D1002's login to their own, then read D1002's sheets.
    hr = hr_user(username="hr", is_staff=True)
    client.force_login(hr)
    page = client.get(admin_url(Employee, "change", d1002.pk))
    data = form_data(page)
    data["user"] = str(hr.pk)

    response = client.post(admin_url(Employee, "change", d1002.pk), data)

    assert "user" not in page.context["adminform"].form.fields
    assert response.status_code == 302
    d1002.refresh_from_db()
    assert d1002.user.username == "D1002"
    assert client.get(reverse("employees:me")).status_code == 404
    client.force_login(d1002.user)
    assert client.get(reverse("employees:me")).context["scores"].employee == d1002


def test_hr_still_changes_the_rest_of_an_employee(client, d1002):
    client.force_login(hr_user(is_staff=True))
    data = form_data(client.get(admin_url(Employee, "change", d1002.pk)))
    data["position"] = "调度员"

    response = client.post(admin_url(Employee, "change", d1002.pk), data)

    assert response.status_code == 302
    d1002.refresh_from_db()
    assert d1002.position == "调度员"
    assert d1002.user.username == "D1002"


def role_logins() -> dict[str, User]:
    return {
        "hr": hr_user(username="hr_login"),
        "office": office_user(username="office_login"),
        "department_head": head_user(DepartmentFactory(), username="head_login"),
        "is_staff": UserFactory(username="staff_flag", is_staff=True),
        "superuser": User.objects.create_superuser("root", password="x" * 12),
    }


@pytest.mark.parametrize("role", ["hr", "office", "department_head", "is_staff", "superuser"])
def test_the_office_cannot_tie_a_login_with_a_role_to_an_employee(client, office, role):
    login = role_logins()[role]
    employee = EmployeeFactory()
    data = form_data(client.get(admin_url(Employee, "change", employee.pk)))
    data["user"] = str(login.pk)

    response = client.post(admin_url(Employee, "change", employee.pk), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["user"]
    assert errors == [
        f"登录账号：{login.username} 拥有角色或管理后台权限（考核办公室、人力资源、部门负责人、"
        "工作人员状态或超级用户），不能作为员工本人的登录账号。"
    ]
    employee.refresh_from_db()
    assert employee.user is None


def test_the_office_ties_a_plain_staff_login_to_an_employee(client, office):
    login = UserFactory(username="D2001", roles=[Role.STAFF])
    employee = EmployeeFactory(number="D2001")
    data = form_data(client.get(admin_url(Employee, "change", employee.pk)))
    data["user"] = str(login.pk)

    response = client.post(admin_url(Employee, "change", employee.pk), data)

    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.user == login


def test_the_office_cannot_give_an_employees_own_login_a_role(client, office, d1002):
    # The other way round to the same place: a role added to a tied login.
    login = d1002.user
    data = form_data(client.get(admin_url(User, "change", login.pk)))
    data["groups"] = [str(Group.objects.get(name=Role.HR.value).pk)]

    response = client.post(admin_url(User, "change", login.pk), data)

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not login.groups.filter(name=Role.HR.value).exists()


# --- 2. Superusers, office logins and privileges ------------------------------------


@pytest.fixture
def root():
    return User.objects.create_superuser("root", password="root-Secret-2026")


def test_the_office_cannot_set_a_superusers_password(client, office, root):
    # The report: the office posted the superuser's password form and took it over.
    url = password_url(root.pk)

    page = client.get(url)
    response = client.post(url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"})

    assert page.status_code == 403
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("root-Secret-2026")
    assert not root.check_password("Taken-over-2026")


def test_the_office_cannot_change_or_delete_a_superuser_or_another_office_login(
    client,
    office,
    root,
):
    other = office_user(username="office2", is_staff=True)
    for login in (root, other):
        before = login_state()[login.pk]
        data = form_data(client.get(admin_url(User, "change", login.pk)))
        data["first_name"] = "冒名"

        change = client.post(admin_url(User, "change", login.pk), data)
        delete = client.post(admin_url(User, "delete", login.pk), {"post": "yes"})
        password = client.post(
            password_url(login.pk),
            {"password1": "Taken-over-2026", "password2": "Taken-over-2026"},
        )
        action = client.post(
            admin_url(User, "changelist"),
            {"action": "delete_selected", "_selected_action": [login.pk], "post": "yes"},
        )

        assert (change.status_code, delete.status_code, password.status_code) == (403, 403, 403)
        assert action.status_code == 403
        assert login_state()[login.pk] == before


def test_the_office_still_looks_at_a_superuser_read_only(client, office, root):
    response = client.get(admin_url(User, "change", root.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


def test_the_office_still_resets_an_hr_login_and_its_own(client, office):
    hr = hr_user(username="hr_login")
    for login in (hr, office):
        response = client.post(
            password_url(login.pk),
            {"password1": "New-secret-2026", "password2": "New-secret-2026"},
        )

        assert response.status_code == 302
        login.refresh_from_db()
        assert login.check_password("New-secret-2026")


def test_a_superuser_still_changes_a_superuser_and_an_office_login(client, root):
    client.force_login(root)
    other_root = User.objects.create_superuser("root2", password="x" * 12)
    office_login = office_user(username="office2", is_staff=True)
    for login in (other_root, office_login):
        response = client.post(
            password_url(login.pk),
            {"password1": "New-secret-2026", "password2": "New-secret-2026"},
        )

        assert response.status_code == 302
        login.refresh_from_db()
        assert login.check_password("New-secret-2026")


@pytest.fixture
def auditors() -> Group:
    """A group a superuser made with permissions the office does not hold."""
    group = Group.objects.create(name="auditors")
    group.permissions.set(Permission.objects.filter(content_type__app_label="auth"))
    return group


def test_the_office_cannot_grant_a_group_with_permissions_it_lacks(client, office, auditors):
    plain = UserFactory(username="plain", roles=[Role.STAFF])
    for login in (office, plain):
        data = form_data(client.get(admin_url(User, "change", login.pk)))
        data["groups"] = [*data.get("groups", []), str(auditors.pk)]

        response = client.post(admin_url(User, "change", login.pk), data)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["groups"] == [
            "组：auditors 拥有您自己的登录账号没有的权限，只有超级用户可以授予。"
        ]
        assert not login.groups.filter(pk=auditors.pk).exists()


def test_the_office_cannot_create_a_login_with_a_group_it_lacks_nor_a_superuser(
    client,
    office,
    auditors,
):
    base = {
        "username": "new_login",
        "usable_password": "true",
        "password1": "Smile-2026-new",
        "password2": "Smile-2026-new",
        "is_superuser": "on",
        "user_permissions": [str(p.pk) for p in Permission.objects.all()],
    }

    refused = client.post(admin_url(User, "add"), {**base, "groups": [str(auditors.pk)]})
    created = client.post(admin_url(User, "add"), base)

    assert refused.status_code == 200
    assert "groups" in refused.context["adminform"].form.errors
    assert created.status_code == 302
    login = User.objects.get(username="new_login")
    assert not login.is_superuser
    assert not login.user_permissions.exists()
    assert not login.groups.exists()


def test_the_office_cannot_make_itself_a_superuser_or_give_itself_permissions(client, office):
    data = form_data(client.get(admin_url(User, "change", office.pk)))
    data["is_superuser"] = "on"
    data["user_permissions"] = [str(p.pk) for p in Permission.objects.all()]

    client.post(admin_url(User, "change", office.pk), data)

    office.refresh_from_db()
    assert not office.is_superuser
    assert not office.user_permissions.exists()


# --- The walk: every change form, password form, delete and action -----------------


def registered_models() -> list[type[models.Model]]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def walk(one_of_each, auditors):  # noqa: F811
    """Every registered model has a row; the guarded logins and an employee's login exist."""
    root = User.objects.create_superuser("root", password="root-Secret-2026")
    other_office = office_user(username="office2", is_staff=True)
    staff_employee()
    AccessAttempt.objects.create(
        username="D1002", ip_address="10.0.0.1", failures_since_start=5, get_data="", post_data=""
    )
    AccessLog.objects.create(username="D1002", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="D1002", ip_address="10.0.0.1")
    return [root, other_office]


def user_fields(form) -> list[str]:
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField | ModelMultipleChoiceField)
        and field.queryset.model is User
    ]


@pytest.mark.parametrize("actor_role", ["office", "hr"])
@pytest.mark.parametrize("model", registered_models(), ids=lambda model: model._meta.label)
def test_no_admin_page_lets_the_office_or_hr_take_over_a_login_or_escalate(
    client, walk, actor_role, model, auditors
):
    guarded = walk
    if actor_role == "office":
        actor = User.objects.get(username="office")
    else:
        actor = hr_user(username="hr_actor", is_staff=True)
    client.force_login(actor)
    before = login_state()
    held_by_anyone = {pk: row[9] for pk, row in before.items()}

    def assert_nothing_taken(step: str) -> None:
        after = login_state()
        for login in guarded:
            assert after.get(login.pk) == before[login.pk], step
        for pk, row in after.items():
            old = before[pk]
            assert row[5] == old[5], f"{step}: superuser status of {row[0]}"
            assert row[10] <= old[10], f"{step}: permissions of {row[0]}"
            assert "auditors" not in row[9] - held_by_anyone[pk], f"{step}: groups of {row[0]}"
        assert employees_with_role_logins() == [], step

    for obj in list(model._default_manager.all()):
        label = f"{model._meta.label} {obj.pk}"
        page = client.get(admin_url(model, "change", obj.pk))
        if page.status_code == 200 and "adminform" in page.context:
            data = form_data(page)
            client.post(admin_url(model, "change", obj.pk), data)
            assert_nothing_taken(f"{label}: unchanged form")
            form = page.context["adminform"].form
            for name in user_fields(form):
                for login in guarded:
                    many = isinstance(form.fields[name], ModelMultipleChoiceField)
                    value = [str(login.pk)] if many else str(login.pk)
                    client.post(admin_url(model, "change", obj.pk), {**data, name: value})
                    assert_nothing_taken(f"{label}: {name} set to {login.username}")
            if model is User:
                client.post(
                    admin_url(model, "change", obj.pk),
                    {**data, "groups": [str(g.pk) for g in Group.objects.all()]},
                )
                assert_nothing_taken(f"{label}: every group")
                client.post(
                    admin_url(model, "change", obj.pk),
                    {
                        **data,
                        "first_name": "冒名",
                        "is_superuser": "on",
                        "is_staff": "on",
                        "user_permissions": [str(p.pk) for p in Permission.objects.all()],
                    },
                )
                assert_nothing_taken(f"{label}: superuser and permissions")
        else:
            assert page.status_code in (302, 403), label
        if model is User:
            client.post(
                password_url(obj.pk),
                {"password1": "Taken-over-2026", "password2": "Taken-over-2026"},
            )
            assert_nothing_taken(f"{label}: password")
            if obj in guarded:
                client.post(admin_url(User, "delete", obj.pk), {"post": "yes"})
                assert_nothing_taken(f"{label}: delete")

    changelist = client.get(admin_url(model, "changelist"))
    if changelist.status_code != 200 or changelist.context["action_form"] is None:
        assert changelist.status_code in (200, 302, 403)
        return
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    selected = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)]
    for action in filter(None, actions):
        client.post(
            admin_url(model, "changelist"),
            {"action": action, "_selected_action": selected, "post": "yes", "index": 0},
        )
        assert_nothing_taken(f"{model._meta.label} action {action}")


def test_the_walk_covers_the_logins_the_axes_records_and_the_groups():
    labels = {model._meta.label for model in registered_models()}

    assert {"employees.User", "auth.Group", "axes.AccessAttempt"} <= labels
