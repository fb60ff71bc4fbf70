import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from appraisal.models import Approval, AwardTier, QuarterResult, QuarterStatus
from appraisal.rules import QuarterId
from appraisal.tests.factories import QuarterFactory
from appraisal.tests.guards import CreatedWithGuardsOff
from awards.models import AwardBadge, WorkBadge
from employees.tests.factories import EmployeeFactory


def today() -> datetime.date:
    return timezone.localdate()


def previous_quarter_id() -> QuarterId:
    return QuarterId.of(today()).previous()


class WorkBadgeFactory(factory.django.DjangoModelFactory):
    """An issued work badge, handed out a while ago."""

    class Meta:
        model = WorkBadge

    employee = factory.SubFactory(EmployeeFactory)
    issued_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=120))


class FinalQuarterFactory(QuarterFactory):
    """Last quarter, final: its winners get their award badges now."""

    year = factory.LazyFunction(lambda: previous_quarter_id().year)
    number = factory.LazyFunction(lambda: previous_quarter_id().number)
    status = QuarterStatus.FINAL


class WinnerResultFactory(CreatedWithGuardsOff, factory.django.DjangoModelFactory):
    """An approved Best Smile result of the final quarter."""

    class Meta:
        model = QuarterResult

    quarter = factory.SubFactory(FinalQuarterFactory)
    employee = factory.SubFactory(EmployeeFactory)
    department = factory.SelfAttribute("employee.department")
    days = 60
    average = Decimal("96.00")
    final = Decimal("96.00")
    score_tier = AwardTier.BEST
    award_tier = AwardTier.BEST
    award_amount = Decimal("500.00")
    approval = Approval.APPROVED


class AwardBadgeFactory(factory.django.DjangoModelFactory):
    """An award badge out: issued this quarter, due back on its last day."""

    class Meta:
        model = AwardBadge

    result = factory.SubFactory(WinnerResultFactory)
    employee = factory.SelfAttribute("result.employee")
    quarter = factory.SelfAttribute("result.quarter")
    tier = factory.SelfAttribute("result.award_tier")
    issued_on = factory.LazyFunction(lambda: QuarterId.of(today()).first_day)
    due_back_on = factory.LazyFunction(lambda: QuarterId.of(today()).last_day)
