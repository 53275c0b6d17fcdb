"""pow.js in a real browser under the portal's Content-Security-Policy: the payload is
filled while someone types, the server accepts it, and nothing violates the policy.
The form is served by an in-process server (test URLconf tests/participation/urls_spam_form.py)."""

import threading

import pytest

from beteiligung.project.testing.browser import chromium, needs_chromium

pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def server(settings, django_db_setup, django_db_blocker):
    from django.core.cache import cache
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = "tests.participation.urls_spam_form"

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    with django_db_blocker.unblock():
        httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
        httpd.set_app(get_wsgi_application())
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield httpd.server_address[1]
        finally:
            httpd.shutdown()
            httpd.server_close()
            cache.clear()


def test_pow_js_fills_the_payload_under_the_csp(server):
    import urllib.request

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    request = urllib.request.Request(f"http://127.0.0.1:{server}/spam-test/",
                                     headers={"Host": "alpha.localhost"})
    with urllib.request.urlopen(request) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    browser = chromium(console_log=True)
    try:
        browser.get(f"http://alpha.localhost:{server}/spam-test/")
        payload = browser.find_element(By.CSS_SELECTOR, 'input[data-pow="payload"]')
        assert payload.get_attribute("value") == ""
        # Typing starts the solver; the honeypot is not reachable (off-screen, no tab stop).
        text = browser.find_element(By.NAME, "text")
        text.click()
        text.send_keys("Mehr Bäume in der Innenstadt.")
        WebDriverWait(browser, 30).until(lambda b: payload.get_attribute("value"))
        honeypot = browser.find_element(By.NAME, "website")
        assert not honeypot.is_displayed() or honeypot.location["x"] < 0
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, 20).until(
            lambda b: b.find_element(By.ID, "result").text)
        assert browser.find_element(By.ID, "result").text == "ok:valid"
        violations = [entry["message"] for entry in browser.get_log("browser")
                      if "Content Security Policy" in entry["message"]
                      or "Refused to" in entry["message"]]
        assert violations == []
    finally:
        browser.quit()


def test_form_is_sent_unsolved_without_waiting(server):
    """Submitting at once (before any solving could finish) sends the form anyway."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = chromium()
    try:
        browser.get(f"http://alpha.localhost:{server}/spam-test/")
        browser.execute_script(
            "var f = document.querySelector('form'); f.text.value = 'Schnell';"
            "f.querySelector('button').click();")
        WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "result").text)
        assert browser.find_element(By.ID, "result").text == "ok:missing"
    finally:
        browser.quit()
