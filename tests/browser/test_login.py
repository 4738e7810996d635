"""QUAL-04: a salesperson logs in at a tablet and sees the dashboard, in Chinese."""

import pytest
from django.utils import translation

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_dashboard(page, live_server, login, screenshot, manager, site):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    screenshot("login")
    login(manager, PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert page.locator(".topbar .site-name").inner_text() == site.name
    with translation.override("zh-hans"):
        heading = translation.gettext("The site today")  # the site manager's dashboard (RPT-09)
    assert heading in page.locator("h1").inner_text()
    assert page.locator("nav.mainnav").inner_text().count("工作台") == 1
    screenshot("dashboard-manager")


def test_wrong_password_shows_an_error(page, live_server, login, salesperson):
    login(salesperson, "wrong-password")
    assert "/accounts/login/" in page.url
    assert page.locator(".error").is_visible()
