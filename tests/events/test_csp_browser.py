"""The Content-Security-Policy in a real browser: the portal shows as it should, and an
editor logs in (password and second factor), edits a page title and publishes, with no
policy violation in the browser console anywhere (headless Chromium, live gunicorn).
"""

import time

import pytest
from django_tenants.utils import tenant_context

from beteiligung.project.testing.browser import chromium, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def browser():
    driver = chromium(window_size="1280,1000", console_log=True)
    yield driver
    driver.quit()


def _violations(browser):
    """Console messages about the Content-Security-Policy (or Permissions-Policy)."""
    return [entry["message"] for entry in browser.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
            or "Permissions-Policy" in entry["message"] or "Permissions policy" in entry["message"]]


def _wait(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 20)


@pytest.fixture
def editor(django_db_blocker):
    """A superuser of tenant alpha with an authenticator app, committed; removed after."""
    from tenants.models import Tenant

    from ..factories import add_totp, make_user

    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(schema_name="alpha")
        with tenant_context(tenant):
            user = make_user("csp-redaktion@example.org", is_superuser=True, is_staff=True)
            secret = add_totp(user)
    yield user, secret
    with django_db_blocker.unblock(), tenant_context(tenant):
        user.delete()


def test_portal_and_editing_work_under_the_policy(browser, committed_live_event, editor,
                                                  django_db_blocker):
    from allauth.mfa.totp.internal.auth import hotp_value
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    from ..factories import PASSWORD

    tenant, event, port = committed_live_event("Amt für Kopfzeilen", threads=4,
                                               title="Richtlinien-Test", capacity=5)
    base = f"http://alpha.localhost:{port}"

    # Public pages: home, listing, the event with its registration form, the lean page, login.
    for path in ("/", "/verfahren/", event.path_on_site, f"/veranstaltungen/{event.pk}/anmeldung/",
                 "/konto/login/"):
        browser.get(base + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
        # The tenant's colours (the one inline style, allowed by its hash) are applied.
        header = browser.find_element(By.CSS_SELECTOR, ".site-header")
        assert header.value_of_css_property("background-color") == "rgba(26, 84, 144, 1)", path
        assert _violations(browser) == [], path
    # The policy is enforced, and this test sees it: an injected inline script is refused.
    browser.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s);")
    assert browser.execute_script("return window.injected") is None
    assert any("inline script" in message for message in _violations(browser))

    # The editor logs in the way the portal requires: password, then the second factor.
    user, secret = editor
    browser.get(base + "/konto/login/?next=/admin/")
    browser.find_element(By.NAME, "login").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    code = _wait(browser).until(EC.presence_of_element_located((By.NAME, "code")))
    code.send_keys(f"{hotp_value(secret, int(time.time()) // 30):06d}")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(browser).until(EC.url_contains("/admin/"))
    assert _violations(browser) == []

    # The page editor: change the title, publish.
    browser.get(f"{base}/admin/pages/{event.pk}/edit/")
    title = _wait(browser).until(EC.element_to_be_clickable((By.ID, "id_title")))
    title.clear()
    title.send_keys("Richtlinien-Test (geändert)")
    toggle = browser.find_element(By.CSS_SELECTOR, "footer .w-dropdown__toggle")
    toggle.click()
    publish = _wait(browser).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "button[name=action-publish]")))
    publish.click()
    _wait(browser).until(EC.url_matches(r"/admin/pages/\d+/$"))
    assert "Richtlinien-Test (geändert)" in browser.page_source
    with django_db_blocker.unblock(), tenant_context(tenant):
        from modules.events.models import EventPage

        page = EventPage.objects.get(pk=event.pk)
        assert page.title == "Richtlinien-Test (geändert)" and page.live
        assert not page.has_unpublished_changes
    assert _violations(browser) == []

    # Other admin pages an editor uses every day.
    for path in ("/admin/", "/admin/account/", f"/admin/veranstaltungen/{event.pk}/",
                 f"/admin/veranstaltungen/{event.pk}/einlass/"):
        browser.get(base + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
        assert _violations(browser) == [], path
