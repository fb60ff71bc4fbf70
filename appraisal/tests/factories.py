import datetime
from decimal import Decimal

import factory

from appraisal.models import (
    DailySheet,
    Event,
    EventKind,
    EventValidity,
    Objection,
    ObjectionChannel,
    Quarter,
    QuarterStatus,
    RuleSettings,
)
from appraisal.services import rule_settings_copy_defaults
from employees.tests.factories import EmployeeFactory


class QuarterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quarter
        django_get_or_create = ("year", "number")

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
