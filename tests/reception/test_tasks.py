"""ROTA-05 alert job (reception/tasks.py): open receptions older than the policy's limit reach
the site managers once, however often the job runs (quality.md R4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reception import services
from reception.tasks import reception_open_alerts
from salesoffice.core.models import Notification
from salesoffice.core.roles import Role

pytestmark = pytest.mark.django_db


def test_rota_05_alert_task_run_twice_sends_one_notification(midday, site, people, manager, staff):
    deputy = staff(Role.DEPUTY, site)
    old = timezone.now() - dt.timedelta(hours=3, minutes=5)
    services.rota_sign_in(site=site, actor=people["A"], now=old)
    services.rota_sign_in(site=site, actor=people["B"], now=old)
    services.rota_walk_in(site=site, actor=people["B"], type="new", now=old)  # A, open 3 h 5 min
    services.rota_walk_in(site=site, actor=people["B"], type="new")  # B, just now

    assert reception_open_alerts.delay().get() == 2  # A's reception, to the manager and the deputy
    assert reception_open_alerts.delay().get() == 0

    alerts = Notification.objects.filter(kind="rota.open_reception")
    assert sorted(alerts.values_list("recipient_id", flat=True)) == sorted([manager.pk, deputy.pk])
    assert all("A" in alert.title for alert in alerts)


def test_rota_05_alert_limit_follows_the_policy(midday, site, people, manager):
    from salesoffice.core.services import policy_update

    policy_update(site=site, actor=manager, changes={"open_reception_alert_hours": 1}, reason="tighter")
    old = timezone.now() - dt.timedelta(minutes=61)
    services.rota_sign_in(site=site, actor=people["A"], now=old)
    services.rota_walk_in(site=site, actor=people["A"], type="new", now=old)
    assert reception_open_alerts() == 1
