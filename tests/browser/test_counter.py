"""QUAL-04 / issue flow: look up a number → new → register → the verdict shows → another
salesperson looks it up and sees the masked number and the owner (CUS-03, REG-01, SEC-02)."""

import pytest

from salesoffice.core.roles import Role
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lookup_register_and_masked_lookup(page, live_server, login, screenshot, staff, site):
    first = staff(Role.SALESPERSON, site, last_name="李", first_name="娜")
    second = staff(Role.SALESPERSON, site, last_name="张", first_name="伟")

    login(first, PASSWORD)
    page.click("nav.mainnav >> text=客户查询")
    page.wait_for_load_state("networkidle")  # htmx binds the search box once its script has run
    page.fill("#lookup-q", "13812345678")
    page.wait_for_selector("text=此案场尚无此客户登记")
    screenshot("counter-unknown-number")
    page.click("#lookup-results >> text=新客户登记")
    assert page.input_value("input[name=mobile]") == "13812345678"
    page.fill("input[name=name]", "张三")
    page.select_option("select[name=gender]", "male")
    page.fill("input[name=budget]", "300")
    page.fill("input[name=layout]", "3室2厅")
    page.fill("input[name=purpose]", "自住")
    page.check("input[name=informed]")
    screenshot("register-form")
    page.click("form.register-form button[type=submit]")
    page.wait_for_selector(".verdict-mine")
    assert "下次" in page.inner_text(".messages")
    screenshot("customer-file-owner")

    page.click("button:has-text('退出')")
    login(second, PASSWORD)
    page.goto(f"{live_server.url}/customers/counter/", wait_until="networkidle")
    page.fill("#lookup-q", "5678")
    page.wait_for_selector(".lookup-row")
    row = page.inner_text(".lookup-row")
    assert "138****5678" in row
    assert "13812345678" not in page.content()
    assert "李娜" in row
    screenshot("counter-masked-for-colleague")
