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
def test_sec04_tokens_are_throttled(api, site, manager, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    from salesoffice.core.throttling import FixedWindowThrottle

    now = [60.0 * 20_000]  # the start of a one-minute window
    monkeypatch.setattr(FixedWindowThrottle, "timer", lambda _self: now[0])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/min", "user": "1000/min"})
    cache.clear()
    try:
        _token, text = token_create(user=manager, site=site, name="erp", scope="read", actor=manager)
        answers = [api().get("/api/v1/me/", headers=_headers(text)) for _ in range(4)]
        now[0] += 45
        still_limited = api().get("/api/v1/me/", headers=_headers(text))
        now[0] += 15  # the next window
        next_window = api().get("/api/v1/me/", headers=_headers(text))
    finally:
        cache.clear()
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3]["Retry-After"] == "60"
    assert (still_limited.status_code, still_limited["Retry-After"]) == (429, "15")
    assert next_window.status_code == 200


@pytest.mark.django_db
def test_p1_a_token_request_costs_two_statements(api, site, staff, django_assert_num_queries):
    """The token with its user, site and roles is one statement, the lookup another (P1)."""
    user = staff(Role.SALESPERSON, site)
    _token, text = token_create(user=user, site=site, name="desk", scope="read", actor=user)
    path = f"/api/v1/sites/{site.pk}/customers/lookup/?q=13812345678"
    assert api().get(path, headers=_headers(text)).status_code == 200  # notes the token's first use
    with django_assert_num_queries(2):
        assert api().get(path, headers=_headers(text)).status_code == 200


@pytest.mark.django_db
def test_sec04_token_follows_its_user_s_roles_at_once(api, site, staff):
    """Roles are read with the token on every request: a membership ended or a site closed counts at
    the next request."""
    user = staff(Role.SALESPERSON, site)
    _token, text = token_create(user=user, site=site, name="desk", scope="read", actor=user)
    path = f"/api/v1/sites/{site.pk}/customers/lookup/?q=zs"
    assert api().get(path, headers=_headers(text)).status_code == 200
    user.memberships.update(is_active=False)
    assert api().get(path, headers=_headers(text)).status_code == 404
    user.memberships.update(is_active=True)
    site.is_active = False
    site.save()
    assert api().get(path, headers=_headers(text)).status_code == 404
    site.is_active = True
    site.save()
    user.is_active = False
    user.save()
    assert api().get(path, headers=_headers(text)).status_code == 401


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
