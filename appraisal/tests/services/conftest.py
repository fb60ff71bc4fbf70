"""The world after the close of 2026Q3, and an objection during its notice."""

import pytest

from appraisal.models import ObjectionChannel
from appraisal.services import objection_record
from appraisal.tests.services.quarter_world import PUBLISHED_ON, World


@pytest.fixture
def world():
    return World()


@pytest.fixture
def objection(world):
    world.publish()
    return objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.HOTLINE,
        text="与顾客争吵",
        recorded_by=world.office,
        today=PUBLISHED_ON,
    )
