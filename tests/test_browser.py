"""The pages in a real headless Chromium, against a live server on localhost."""

import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from archive.search.indexing import get_backend

from .conftest import SEEDS, run_import

pytestmark = pytest.mark.subprocess

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--window-size=1280,900"]


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    get_backend().clear()
    run_import(SEEDS)
    return live_server.url


def test_a_journalist_searches_narrows_and_lands_on_the_cited_paragraph(browser, site):
    browser.get(site + "/")
    box = browser.find_element(By.ID, "home-q")
    box.send_keys('"South China Sea"')
    box.submit()
    assert "2 paragraphs found" in browser.find_element(By.CLASS_NAME, "result-count").text
    assert len(browser.find_elements(By.CSS_SELECTOR, ".hit mark")) >= 3

    browser.find_element(By.LINK_TEXT, "ASEAN-ROK Summit").click()
    assert "1 paragraph found" in browser.find_element(By.CLASS_NAME, "result-count").text
    browser.find_element(By.CSS_SELECTOR, ".hit .hit-number").click()

    assert browser.execute_script("return location.hash") == "#p22"
    target = browser.find_element(By.CSS_SELECTOR, "li.paragraph:target")
    assert target.get_attribute("id") == "p22"
    assert [m.text for m in target.find_elements(By.TAG_NAME, "mark")][0] == "South China Sea"


def test_policy_staff_browse_from_a_meeting_to_its_document(browser, site):
    browser.get(site + "/meetings/")
    browser.find_element(By.LINK_TEXT, "24th ASEAN-ROK Dialogue").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "24th ASEAN-ROK Dialogue"
    browser.find_element(By.LINK_TEXT, "Press Release: 24th ASEAN-ROK Dialogue").click()
    paragraphs = browser.find_elements(By.CSS_SELECTOR, "ol.paragraphs > li.paragraph")
    assert [p.get_attribute("id") for p in paragraphs] == [f"p{n}" for n in range(1, 11)]
    permalink = paragraphs[3].find_element(By.CLASS_NAME, "permalink-field").get_attribute("value")
    assert permalink.startswith(site) and permalink.endswith("#p4")


def test_pages_fit_a_phone_screen(browser, site):
    browser.set_window_size(390, 844)
    try:
        for path in ["/", "/meetings/", "/search/?q=cooperation",
                     "/documents/chairmans-statement-of-the-21st-asean-republic-of-korea-summit/"]:
            browser.get(site + path)
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, path
    finally:
        browser.set_window_size(1280, 900)
