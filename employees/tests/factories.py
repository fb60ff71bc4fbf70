import factory
from django.contrib.auth.models import Group

from employees.models import Department, DepartmentKind, Employee, EmploymentForm, Role, User

PASSWORD = "smile2026"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"部门{n}")
    kind = DepartmentKind.FRONTLINE
    display_order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=role.value)[0])


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    number = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    department = factory.SubFactory(DepartmentFactory)
    position = "理货员"
    employment_form = EmploymentForm.PERMANENT


def office_user(**kwargs: object) -> User:
    return UserFactory(roles=[Role.OFFICE], **kwargs)


def hr_user(**kwargs: object) -> User:
    return UserFactory(roles=[Role.HR], **kwargs)


def head_user(department: Department, **kwargs: object) -> User:
    return UserFactory(roles=[Role.DEPARTMENT_HEAD], department=department, **kwargs)


def staff_employee(**kwargs: object) -> Employee:
    """An appraised employee with a staff login named after their number."""
    employee = EmployeeFactory(**kwargs)
    employee.user = UserFactory(username=employee.number, roles=[Role.STAFF])
    employee.save(update_fields=["user"])
    return employee
