"""Fixtures shared by the whole suite: sites, staff by role, API clients, Celery mode."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from rest_framework.test import APIClient

from salesoffice.celery import app as celery_app
from salesoffice.core.roles import Role
from tests.factories import MembershipFactory, SiteFactory, UserFactory


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test starts a real worker (tests marked ``worker``)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def site(db):
    return SiteFactory(name="滨江壹号")


@pytest.fixture
def other_site(db):
    return SiteFactory(name="城北花园")


@pytest.fixture
def staff(db):
    """``staff(role, site)`` makes a user holding ``role`` at ``site``."""

    def make(role: Role, site, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, site=site, role=role.value)
        return user

    return make


@pytest.fixture
def manager(staff, site):
    return staff(Role.MANAGER, site, last_name="王", first_name="经理")


@pytest.fixture
def salesperson(staff, site):
    return staff(Role.SALESPERSON, site, last_name="李", first_name="娜")


@pytest.fixture
def api():
    """``api(user)`` gives a DRF client logged in as ``user`` (session auth)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


class Clock:
    """A settable ``timezone.now`` so tests can play several days at a site."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def set(self, moment):
        self.now = moment

    def advance(self, **delta):
        self.now = self.now + datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    start = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    fake = Clock(start)
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake
