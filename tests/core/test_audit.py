"""SEC-03: the audit trail is append-only in PostgreSQL itself."""

import pytest
from django.db import InternalError, connection, transaction

from salesoffice.core.audit import audit_record
from salesoffice.core.models import AuditEvent, SitePolicyVersion
from salesoffice.core.services import policy_update
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_sec03_update_of_an_audit_event_fails_in_postgresql(site, manager):
    event = audit_record(action="test.event", actor=manager, site=site, reason="original")
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'rewritten' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.reason == "original"


@pytest.mark.django_db
def test_sec03_delete_of_an_audit_event_fails_even_in_bulk(site, manager):
    audit_record(action="test.event", actor=manager, site=site)
    with pytest.raises(InternalError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action="test.event").count() == 1


@pytest.mark.django_db
def test_sec03_policy_versions_cannot_be_rewritten(site, manager):
    version = policy_update(site=site, actor=manager, changes={"visit_protection_days": 15}, reason="trial")
    with pytest.raises(InternalError), transaction.atomic():
        SitePolicyVersion.objects.filter(pk=version.pk).update(data={})
    version.refresh_from_db()
    assert version.data["visit_protection_days"] == 15


@pytest.mark.django_db
def test_sec03_event_carries_who_what_before_after_and_reason(site, manager):
    policy_update(site=site, actor=manager, changes={"call_protection_days": 10}, reason="option C")
    event = AuditEvent.objects.get(action="policy.update")
    assert event.actor == manager
    assert event.site == site
    assert event.before == {"call_protection_days": 7}
    assert event.after == {"call_protection_days": 10}
    assert event.reason == "option C"


@pytest.mark.django_db
def test_sec03_login_is_recorded_with_the_request_id(client, manager):
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": PASSWORD},
        headers={"X-Request-Id": "req-123"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert response["X-Request-Id"] == "req-123"
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.request_id, event.ip_address) == (manager, "req-123", "10.1.2.3")
