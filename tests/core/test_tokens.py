"""SEC-04: API tokens bound to a site and a scope, stored hashed, revocable."""

import pytest

from salesoffice.core.models import ApiToken, SitePolicyVersion
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create, token_revoke


def _headers(text):
    return {"Authorization": f"Token {text}"}


@pytest.fixture
def manager_on_two_sites(staff, site, other_site):
    user = staff(Role.MANAGER, site)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, site=other_site, role=Role.MANAGER.value)
    return user


@pytest.mark.django_db
def test_sec04_token_is_stored_hashed(site, manager):
    token, text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
    secret = text.split("_", 2)[2]
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in stored.digest
    assert len(stored.digest) == 64


@pytest.mark.django_db
def test_sec04_read_token_reads_but_cannot_write(api, site, manager):
    _token, text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
    client = api()
    assert client.get(f"/api/v1/sites/{site.pk}/policy/", headers=_headers(text)).status_code == 200
    response = client.put(
        f"/api/v1/sites/{site.pk}/policy/",
        {"policy": {"visit_protection_days": 15}, "reason": "x"},
        format="json",
        headers=_headers(text),
    )
    assert response.status_code == 403
    assert not SitePolicyVersion.objects.exists()


@pytest.mark.django_db
def test_sec04_write_token_writes(api, site, manager):
    _token, text = token_create(user=manager, site=site, name="erp", scope="write", actor=manager)
    response = api().put(
        f"/api/v1/sites/{site.pk}/policy/",
        {"policy": {"visit_protection_days": 15}, "reason": "sync"},
        format="json",
        headers=_headers(text),
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1


@pytest.mark.django_db
def test_sec04_token_is_bound_to_its_site(api, site, other_site, manager_on_two_sites):
    _token, text = token_create(user=manager_on_two_sites, site=site, name="erp", scope="read", actor=None)
    client = api()
    assert client.get(f"/api/v1/sites/{site.pk}/policy/", headers=_headers(text)).status_code == 200
    # The same person's session sees both sites; the token sees only its own (404, not 403).
    assert client.get(f"/api/v1/sites/{other_site.pk}/policy/", headers=_headers(text)).status_code == 404
    assert api(manager_on_two_sites).get(f"/api/v1/sites/{other_site.pk}/policy/").status_code == 200


@pytest.mark.django_db
def test_sec04_revoked_token_is_refused(api, site, manager):
    token, text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
    token_revoke(token=token, actor=manager, reason="rotated")
    response = api().get("/api/v1/me/", headers=_headers(text))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Token nonsense", "Token so_abc_def", "Token a b"])
def test_sec04_malformed_tokens_are_refused(api, header):
    assert api().get("/api/v1/me/", headers={"Authorization": header}).status_code == 401


@pytest.mark.django_db
def test_sec04_owner_can_revoke_through_the_api(api, site, manager, salesperson):
    token, _text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
    assert api(salesperson).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 404
    assert api(manager).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_sec04_tokens_are_throttled(api, site, manager, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min", "user": "1000/min"},
    }
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    SimpleRateThrottle.THROTTLE_RATES = {"token": "3/min", "user": "1000/min"}
    try:
        _token, text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
        codes = [api().get("/api/v1/me/", headers=_headers(text)).status_code for _ in range(4)]
    finally:
        from rest_framework.settings import api_settings

        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
    assert codes == [200, 200, 200, 429]


@pytest.mark.django_db
def test_sec04_manager_issues_and_revokes_tokens_in_the_page(client, site, manager, salesperson):
    client.force_login(salesperson)
    assert client.get("/tokens/").status_code == 403
    client.force_login(manager)
    response = client.post("/tokens/", {"name": "ERP", "scope": "read"})
    assert response.status_code == 200
    text = response.context["issued"]
    assert text.startswith("so_")
    token = ApiToken.objects.get(name="ERP")
    assert text.split("_", 2)[2] not in token.digest
    client.post(f"/tokens/{token.pk}/revoke/", {"reason": "rotated"})
    token.refresh_from_db()
    assert token.revoked_at is not None
