"""A real headless Chromium for page tests: accessibility checked with axe-core inside the page, the width of a
phone checked, and a screenshot of each page kept at desktop and phone width (`SCREENSHOTS`)."""

import base64
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from axe_core_python.selenium import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]
DESKTOP = (1280, 900)
PHONE = (390, 844)
SMALL_PHONE = (360, 740)
# axe-core's impact levels that fail a page; "minor" and "moderate" findings are reported, not failed.
FAILING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = Path(os.environ.get("ARCHIVE_TEST_ARTIFACTS", Path(__file__).resolve().parent / "artifacts")) / "screenshots"


@contextmanager
def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size={},{}".format(*DESKTOP))
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def accessibility_problems(driver):
    """The serious and critical axe-core violations of the page now shown, as readable lines."""
    results = Axe().run(driver)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def sideways_overflow(driver):
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")


@contextmanager
def window(driver, size):
    driver.set_window_size(*size)
    try:
        yield
    finally:
        driver.set_window_size(*DESKTOP)


# A full-page screenshot is cut at this height (CSS pixels): a long statement need not be one huge image.
SCREENSHOT_MAX_HEIGHT = 6000


def screenshot(driver, path):
    """The whole page, not only the window, as a PNG (Chromium's DevTools protocol)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], SCREENSHOT_MAX_HEIGHT), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))


def check_page(driver, url, name):
    """Open `url` and assert what every page owes its readers: no serious or critical axe-core violation at
    desktop or phone width, no sideways scrolling on a 360 px phone; screenshots at 1280 and 390 px are kept as
    `<name>-<width>.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.get(url)
    problems = accessibility_problems(driver)
    assert not problems, f"{name}: {problems}"
    screenshot(driver, SCREENSHOTS / f"{name}-{DESKTOP[0]}.png")
    with window(driver, SMALL_PHONE):
        driver.get(url)
        assert sideways_overflow(driver) <= 0, f"{name} scrolls sideways at {SMALL_PHONE[0]} px"
    with window(driver, PHONE):
        driver.get(url)
        problems = accessibility_problems(driver)
        assert not problems, f"{name} at {PHONE[0]} px: {problems}"
        screenshot(driver, SCREENSHOTS / f"{name}-{PHONE[0]}.png")
