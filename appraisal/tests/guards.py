"""Test helpers for the PostgreSQL guards of migration 0006.

The database takes a quarter only one lifecycle step at a time and refuses
results inserted into an approved quarter; tests that build such states
directly go through these helpers.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from appraisal.models import Quarter, QuarterStatus

# The forward steps, in order; each one is a transition the services make.
FORWARD = [
    QuarterStatus.OPEN,
    QuarterStatus.CLOSED,
    QuarterStatus.PUBLISHED,
    QuarterStatus.FINAL,
    QuarterStatus.PAID,
]


def advance(quarter: Quarter, status: QuarterStatus) -> Quarter:
    """Move `quarter` forward to `status` one step at a time, as the services would."""
    current = Quarter.objects.get(pk=quarter.pk).status
    for step in FORWARD[FORWARD.index(current) + 1 : FORWARD.index(status) + 1]:
        Quarter.objects.filter(pk=quarter.pk).update(status=step)
    quarter.refresh_from_db()
    return quarter


@contextmanager
def guards_off() -> Iterator[None]:
    """Within the block, PostgreSQL fires no trigger (as during a restore); elsewhere a no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        # A released savepoint keeps a SET LOCAL until the outer transaction ends.
        cursor.execute("SET LOCAL session_replication_role TO DEFAULT")


class CreatedWithGuardsOff:
    """A factory mixin for results: tests build approved quarters directly, and
    PostgreSQL refuses a result inserted into one, so it goes in as a restore's would."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with guards_off():
            return super()._create(model_class, *args, **kwargs)
