"""A person with only a keyboard registers in a real browser (headless Chromium).

Runs against the live gunicorn server with committed data, like the concurrency test.
Needs Debian's chromium and chromium-driver, which `make test` installs.
"""


import pytest
from django_tenants.utils import tenant_context

from beteiligung.project.testing.browser import chromium, needs_chromium

pytestmark = needs_chromium


def _wait(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 15)


@pytest.fixture
def browser():
    driver = chromium(window_size="400,900")
    yield driver
    driver.quit()


@pytest.fixture
def live_event(committed_live_event):
    tenant, event, port = committed_live_event("Amt für Barrierefreiheit", threads=2,
                                               title="Tastatur-Test", capacity=5)
    return f"http://alpha.localhost:{port}", event.path_on_site, tenant, event


def test_keyboard_only_registration(browser, live_event, django_db_blocker):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    base, path, tenant, event = live_event
    browser.get(base + path)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    # The skip link is the first stop and becomes visible on focus.
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Zum Inhalt springen"
    assert skip.value_of_css_property("outline-style") != "none"

    # Every form field has a visible label that names it.
    name = browser.find_element(By.ID, "id_name")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=id_name]").text.startswith(
        "Vor- und Nachname")
    name.send_keys("Erika Tastatur")
    name.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys("erika@example.org")
    browser.switch_to.active_element.send_keys(Keys.TAB)
    consent = browser.switch_to.active_element
    assert consent.get_attribute("name") == "privacy_consent"
    consent.send_keys(Keys.SPACE)
    consent.send_keys(Keys.TAB)
    submit = browser.switch_to.active_element
    assert submit.text == "Anmelden"
    submit.send_keys(Keys.ENTER)

    # Registration by e-mail ends on the "check your mailbox" page (the same answer as
    # for an address that was registered already).
    _wait(browser).until(EC.url_contains("/anmeldung/gesendet/"))
    assert "E-Mail-Postfach" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Fast geschafft" in browser.page_source
    with django_db_blocker.unblock(), tenant_context(tenant):
        from modules.events.models import Registration

        registration = Registration.objects.get(event=event)
        assert (registration.name, registration.email, registration.status) == (
            "Erika Tastatur", "erika@example.org", "pending")


def test_server_side_errors_keep_what_was_typed(browser, live_event):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    base, path, _tenant, _event = live_event
    browser.get(base + path)
    browser.find_element(By.ID, "id_name").send_keys("Max Mustermann")
    browser.find_element(By.ID, "id_email").send_keys("max@@example.org")
    # Skip the browser's own checks (as an old browser would) so the server has to answer;
    # the required consent is missing as well.
    browser.execute_script("document.querySelector('form.registration-form').noValidate = true;")
    browser.find_element(By.CSS_SELECTOR, "form.registration-form button[type=submit]").click()
    summary = _wait(browser).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert summary.get_attribute("role") == "alert"
    assert "Ihre Anmeldung konnte nicht gespeichert werden" in summary.text
    assert "gültige E-Mail-Adresse" in summary.text
    assert "Datenschutzhinweisen" in summary.text
    # Each error links to its field, and nothing typed is lost.
    summary.find_element(By.CSS_SELECTOR, "a[href='#id_email']").click()
    assert browser.switch_to.active_element.get_attribute("id") == "id_email"
    assert browser.find_element(By.ID, "id_name").get_attribute("value") == "Max Mustermann"
    assert browser.find_element(By.ID, "id_email").get_attribute("value") == "max@@example.org"
