"""Driving the browser in the tests: load a page, read its console, wait for a condition, set the viewport."""

from __future__ import annotations

import time
from typing import Any

IGNORED_CONSOLE = ("favicon.ico",)  # the sites have no icon; Chromium asks for one anyway


def console_errors(driver: Any) -> list[str]:
    """Errors logged in the browser console since the last call (JavaScript errors, failed loads)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in IGNORED_CONSOLE)]


def visit(driver: Any, url: str) -> None:
    """Load ``url``, wait until its scripts ran, and fail on any console error of the page."""
    console_errors(driver)  # forget the previous page's
    driver.get(url)
    wait_for(driver, "return document.readyState === 'complete'")
    errors = console_errors(driver)
    assert errors == [], (url, errors)


def wait_for(driver: Any, script: str, timeout: float = 20.0, *args: Any) -> Any:
    """Run ``script`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.05)


def set_viewport(driver: Any, width: int, height: int) -> None:
    """An exact CSS viewport (a phone is ``390 x 844``), whatever the window manager allows."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def reset_viewport(driver: Any) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def search(driver: Any, url: str) -> list[str]:
    """Open a search page and wait for Sphinx's search to finish; the hits' titles."""
    visit(driver, url)
    wait_for(driver, "const s = document.querySelector('#search-results .search-summary');"
                     "return s && s.textContent.trim().length > 0;")
    hits = driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li')).map(li => li.textContent);")
    errors = console_errors(driver)
    assert errors == [], (url, errors)
    return hits
