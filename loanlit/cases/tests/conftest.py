from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from loanlit.cases.tests.views_support import build_case_world

# The page tests' "now": a Monday, 18:00 in Beijing.
PAGES_NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen_today():
    with time_machine.travel(PAGES_NOW, tick=False):
        yield


@pytest.fixture
def client():
    # English pages unless a test asks for another language (the site default is zh-Hans).
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def world(personas):
    """One Beijing case with a borrower, a loan, a claim and a first-instance proceeding (views_support)."""
    return build_case_world(personas)
