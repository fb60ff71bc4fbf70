import datetime
from decimal import Decimal

import factory

from appraisal.models import (
    DailySheet,
    DepartmentReview,
    Event,
    EventKind,
    EventValidity,
    Objection,
    ObjectionChannel,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    RuleSettings,
    SheetRevision,
)
from appraisal.services import rule_settings_copy_defaults
from appraisal.tests.guards import CreatedWithGuardsOff
from employees.tests.factories import EmployeeFactory


class QuarterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quarter
        django_get_or_create = ("year", "number")
        skip_postgeneration_save = True

    year = 2026
    number = 3
    status = QuarterStatus.OPEN

    @factory.post_generation
    def rule_settings(self, create: bool, extracted: object, **kwargs: object) -> None:
        # Every quarter starts from a copy of the company defaults, as in quarter_ensure.
        if create and not RuleSettings.objects.filter(quarter=self).exists():
            rule_settings_copy_defaults(quarter=self)


class DailySheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailySheet

    employee = factory.SubFactory(EmployeeFactory)
    day = datetime.date(2026, 7, 1)
    discipline = Decimal("20")
    courtesy = Decimal("10")
    service = Decimal("50")
    morality = Decimal("20")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    employee = factory.SubFactory(EmployeeFactory)
    date = datetime.date(2026, 7, 15)
    kind = EventKind.PRAISE_LETTER
    validity = EventValidity.PENDING


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    quarter = factory.SubFactory(QuarterFactory)
    employee = factory.SubFactory(EmployeeFactory)
    channel = ObjectionChannel.HOTLINE
    text = "对获奖有异议"


class QuarterResultFactory(CreatedWithGuardsOff, factory.django.DjangoModelFactory):
    """A computed result with no award; pass award_tier and award_amount for a winner."""

    class Meta:
        model = QuarterResult

    quarter = factory.SubFactory(QuarterFactory)
    employee = factory.SubFactory(EmployeeFactory)
    department = factory.SelfAttribute("employee.department")
    days = 60
    average = Decimal("82.50")
    final = Decimal("82.50")


class DepartmentReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentReview

    quarter = factory.SubFactory(QuarterFactory)
    department = factory.SubFactory("employees.tests.factories.DepartmentFactory")


class QuarterLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterLog

    quarter = factory.SubFactory(QuarterFactory)
    action = QuarterAction.CLOSE


class SheetRevisionFactory(factory.django.DjangoModelFactory):
    """A revision of `sheet`, copying its employee and day as the services do."""

    class Meta:
        model = SheetRevision

    sheet = factory.SubFactory(DailySheetFactory)
    employee = factory.SelfAttribute("sheet.employee")
    day = factory.SelfAttribute("sheet.day")
    is_spot_check = factory.SelfAttribute("sheet.is_spot_check")
    old_values = factory.LazyFunction(lambda: {"courtesy": "10"})
    new_values = factory.LazyFunction(lambda: {"courtesy": "9.5"})
    reason = "仪容仪表"
