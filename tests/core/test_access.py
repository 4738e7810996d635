"""SEC-01/SEC-07: site scoping (another site's object is a 404) and role checks (403)."""

import pytest

from salesoffice.core import access
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Cap, Role


@pytest.mark.django_db
def test_sec07_other_sites_policy_is_not_found(api, site, other_site, manager):
    assert api(manager).get(f"/api/v1/sites/{other_site.pk}/policy/").status_code == 404
    assert api(manager).get(f"/api/v1/sites/{other_site.pk}/audit/").status_code == 404
    assert api(manager).get("/api/v1/sites/999999/policy/").status_code == 404


@pytest.mark.django_db
def test_sec07_forbidden_action_on_a_visible_object_is_403_and_audited(api, site, salesperson):
    response = api(salesperson).get(f"/api/v1/sites/{site.pk}/audit/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert AuditEvent.objects.filter(action="auth.denied", actor=salesperson).exists()


@pytest.mark.django_db
def test_sec03_manager_browses_only_their_sites_audit_trail(api, client, staff, site, other_site, manager):
    from salesoffice.core.audit import audit_record

    audit_record(action="unit.hold", site=site, reason="here")
    audit_record(action="unit.hold", site=other_site, reason="elsewhere")
    rows = api(manager).get(f"/api/v1/sites/{site.pk}/audit/").json()["results"]
    assert [row["reason"] for row in rows] == ["here"]
    client.force_login(manager)
    page = client.get("/audit/?action=unit.")
    assert page.status_code == 200
    assert "here" in page.content.decode()
    assert "elsewhere" not in page.content.decode()


@pytest.mark.django_db
def test_inactive_membership_gives_no_access(staff, site):
    user = staff(Role.MANAGER, site)
    user.memberships.update(is_active=False)
    access.forget_roles(user)
    assert access.roles_at(user, site.pk) == frozenset()
    assert not access.can(user, site.pk, Cap.POLICY_READ)


@pytest.mark.django_db
def test_navigation_follows_the_role(client, site, manager, salesperson):
    client.force_login(salesperson)
    labels = _nav_urls(client.get("/").context["nav"])
    assert "/audit/" not in labels
    assert "/policy/" in labels
    client.force_login(manager)
    assert "/audit/" in _nav_urls(client.get("/").context["nav"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MANAGER, 200),
        (Role.DEPUTY, 200),
        (Role.SALESPERSON, 403),
        (Role.FINANCE, 403),
        (Role.REPAIR, 403),
    ],
)
def test_sec01_audit_page_by_role(client, staff, site, role, status):
    client.force_login(staff(role, site))
    assert client.get("/audit/").status_code == status


@pytest.mark.django_db
def test_user_without_any_site_sees_not_found(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="Long-enough-2026")
    client.force_login(user)
    assert client.get("/").status_code == 404


def _nav_urls(nav):
    return [link["url"] for item in nav for link in item.get("links", [item])]


@pytest.mark.django_db
def test_navigation_groups_links_into_menus(client, site, manager):
    client.force_login(manager)
    nav = client.get("/").context["nav"]
    menus = [item for item in nav if "links" in item]
    assert menus, nav
    assert all(len(menu["links"]) > 1 for menu in menus)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_a_start_page(client, staff, site, role):
    client.force_login(staff(role, site))
    assert client.get("/").status_code == 200
