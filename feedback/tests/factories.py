import factory
from django.utils import timezone

from appraisal.models import EventKind, EventSource
from appraisal.tests.factories import EventFactory
from employees.tests.factories import EmployeeFactory
from feedback.models import FeedbackKind, FeedbackMessage


class FeedbackMessageFactory(factory.django.DjangoModelFactory):
    """A customer's praise with its pending WeChat event."""

    class Meta:
        model = FeedbackMessage

    employee = factory.SubFactory(EmployeeFactory)
    kind = FeedbackKind.PRAISE
    text = "服务热情，主动帮忙搬运货物"
    client_key = "0" * 64
    event = factory.SubFactory(
        EventFactory,
        employee=factory.SelfAttribute("..employee"),
        kind=EventKind.WECHAT_PRAISE,
        source=EventSource.WECHAT,
        date=factory.LazyFunction(timezone.localdate),
        note=factory.SelfAttribute("..text"),
    )
