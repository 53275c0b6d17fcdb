"""Headless Debian Chromium for browser tests (selenium), shared by every UI test.

``needs_chromium`` skips a test module with its reason where the browser is missing
(``make test`` installs it when it runs as root with apt).
"""

import shutil

import pytest

needs_chromium = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="needs Debian's chromium and chromium-driver (make test installs them)",
)


def chromium(window_size="1280,1000", console_log=False):
    """A headless Chromium that resolves every *.localhost host to this machine."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--window-size={window_size}",
                 "--host-resolver-rules=MAP *.localhost 127.0.0.1"):
        options.add_argument(flag)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver
