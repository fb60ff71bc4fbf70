import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from employees.backends import EmployeeModelBackend
from employees.models import Employee
from employees.tests.factories import PASSWORD, DepartmentFactory, head_user, staff_employee

pytestmark = pytest.mark.django_db


def test_get_user_brings_the_employee_and_its_department_in_one_query(
    django_assert_num_queries,
):
    employee = staff_employee()

    with django_assert_num_queries(1):
        user = EmployeeModelBackend().get_user(employee.user.pk)
        assert user.employee == employee
        assert user.employee.department.name == employee.department.name


def test_get_user_brings_a_heads_department_and_no_employee(django_assert_num_queries):
    department = DepartmentFactory()
    head = head_user(department)

    with django_assert_num_queries(1):
        user = EmployeeModelBackend().get_user(head.pk)
        assert user.department.name == department.name
        assert not hasattr(user, "employee")
    with pytest.raises(Employee.DoesNotExist):
        _ = user.employee


def test_get_user_refuses_an_inactive_or_unknown_login():
    employee = staff_employee()
    employee.user.is_active = False
    employee.user.save(update_fields=["is_active"])

    assert EmployeeModelBackend().get_user(employee.user.pk) is None
    assert EmployeeModelBackend().get_user(employee.user.pk + 1000) is None


def test_logging_in_with_the_form_stores_this_backend_and_keeps_the_session(client):
    employee = staff_employee()

    response = client.post(
        reverse("login"), {"username": employee.user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "employees.backends.EmployeeModelBackend"
    assert client.session[SESSION_KEY] == str(employee.user.pk)
    page = client.get(reverse("employees:me"))
    assert page.status_code == 200
    assert employee.name in page.content.decode()


def test_a_session_of_the_old_backend_is_logged_out_not_served(client):
    """Sessions made before the change name django.contrib.auth's ModelBackend:
    no longer a configured backend, so they ask for a new login."""
    employee = staff_employee()
    client.force_login(employee.user, backend="employees.backends.EmployeeModelBackend")
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()

    response = client.get(reverse("employees:me"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
