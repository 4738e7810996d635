"""policy.md: typed, validated, versioned site policy; export and import as JSON."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from salesoffice.core.models import AuditEvent, SitePolicyVersion
from salesoffice.core.policy import Policy, PolicyError, policy_from_json
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_current, policy_update


def test_defaults_are_those_of_the_spec():
    policy = Policy()
    assert policy.daily_cutoff == dt.time(18, 0)
    assert (policy.call_protection_days, policy.visit_protection_days) == (7, 30)
    assert policy.registration_validity_days is None
    assert policy.lapse_warning_days == (3, 1)
    assert policy.follow_up_cadence_days == {"A": 2, "B": 3, "C": 7}
    assert policy.large_deposit_max_ratio == Decimal("0.20")
    assert policy.designated_turn == "counts"
    assert policy.makeup_with_own_customer == "once"


def test_json_round_trip_is_lossless():
    policy = Policy(visit_protection_days=15, lapse_warning_days=(5, 2), commission_rate=Decimal("0.006"))
    assert policy_from_json(policy.to_json()) == policy


def test_unknown_fields_are_refused_with_their_names():
    with pytest.raises(PolicyError) as caught:
        policy_from_json({"visit_protection_dayz": 1, "colour": "red"})
    assert set(caught.value.errors) == {"visit_protection_dayz", "colour"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("call_ownership", "whoever"),
        ("visit_protection_days", 0),
        ("visit_protection_days", "30"),
        ("visit_protection_days", True),
        ("small_deposit_hold_days", 4),
        ("large_deposit_hold_days", 2),
        ("large_deposit_max_ratio", "1.5"),
        ("large_deposit_max_ratio", "NaN"),
        ("daily_cutoff", "25:00"),
        ("lapse_warning_days", "3"),
        ("follow_up_cadence_days", {"A": 2}),
        ("peer_counts", "yes"),
    ],
)
def test_bad_values_are_refused_field_by_field(field, value):
    with pytest.raises(PolicyError) as caught:
        policy_from_json({field: value})
    assert field in caught.value.errors


def test_discount_limits_must_not_decrease():
    with pytest.raises(PolicyError) as caught:
        policy_from_json({"discount_limit_supervisor": "0.05", "discount_limit_manager": "0.03"})
    assert "discount_limit_supervisor" in caught.value.errors


@pytest.mark.django_db
def test_policy_versions_apply_from_their_effective_time(site, manager):
    assert policy_current(site=site) == (Policy(), 0)
    policy_update(site=site, actor=manager, changes={"visit_protection_days": 15}, reason="option B")
    later = timezone.now() + dt.timedelta(days=7)
    policy_update(
        site=site, actor=manager, changes={"call_protection_days": 10}, reason="next week", effective_at=later
    )
    current, version = policy_current(site=site)
    assert (current.visit_protection_days, current.call_protection_days, version) == (15, 7, 1)
    future, future_version = policy_current(site=site, at=later + dt.timedelta(seconds=1))
    assert (future.visit_protection_days, future.call_protection_days, future_version) == (15, 10, 2)


@pytest.mark.django_db
def test_policy_page_lets_the_manager_save_a_new_version(client, site, manager):
    client.force_login(manager)
    page = client.get("/policy/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: field.value() for name, field in ((n, form[n]) for n in form.fields)}
    data = {key: value for key, value in data.items() if value is not None and value is not False}
    data.update({"visit_protection_days": "15", "reason": "试行B方案"})
    response = client.post("/policy/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else None
    saved = SitePolicyVersion.objects.get(site=site)
    assert saved.data["visit_protection_days"] == 15
    assert saved.data["call_protection_days"] == 7
    assert AuditEvent.objects.filter(action="policy.update", reason="试行B方案").exists()


@pytest.mark.django_db
def test_policy_page_is_read_only_for_salespeople(client, site, salesperson):
    client.force_login(salesperson)
    assert client.get("/policy/").status_code == 200
    response = client.post("/policy/", {"visit_protection_days": "1", "reason": "x"})
    assert response.status_code == 403
    assert not SitePolicyVersion.objects.exists()


@pytest.mark.django_db
def test_policy_import_names_unknown_and_bad_fields(api, site, manager):
    response = api(manager).put(
        f"/api/v1/sites/{site.pk}/policy/",
        {"policy": {"visit_protection_dayz": 3, "phone_lines": -1}, "reason": "import"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert set(body["fields"]) == {"policy.visit_protection_dayz", "policy.phone_lines"}
    assert not SitePolicyVersion.objects.exists()


@pytest.mark.django_db
def test_policy_export_then_import_into_another_site(api, staff, site, other_site, manager):
    policy_update(site=site, actor=manager, changes={"household_collision": "closest_relative"}, reason="x")
    exported = api(manager).get(f"/api/v1/sites/{site.pk}/policy/").json()["policy"]
    other_manager = staff(Role.MANAGER, other_site)
    response = api(other_manager).put(
        f"/api/v1/sites/{other_site.pk}/policy/", {"policy": exported, "reason": "copy"}, format="json"
    )
    assert response.status_code == 200
    assert policy_current(site=other_site)[0].household_collision == "closest_relative"
