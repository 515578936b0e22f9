"""Browsing in a real headless Chromium: series → meeting → statement, and the home timeline → a year → a month
→ a meeting; every browsing page checked with axe-core, at 360 px, and kept as screenshots."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .browser import check_page

pytestmark = pytest.mark.subprocess

# How long a click may take to bring the next page.
PAGE_SECONDS = 10


def arrive(browser, title):
    """Wait for the page whose heading is `title` (a click's page may still be loading)."""
    WebDriverWait(browser, PAGE_SECONDS, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda driver: driver.find_element(By.TAG_NAME, "h1").text == title)


def test_policy_staff_walk_from_a_series_to_a_meeting_to_its_statement(browser, site):
    browser.get(site + "/")
    browser.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, "Series").click()
    arrive(browser, "Meeting series")
    browser.find_element(By.LINK_TEXT, "ASEAN-ROK Summit").click()
    arrive(browser, "ASEAN-ROK Summit")
    editions = browser.find_elements(By.CSS_SELECTOR, "table.editions tbody th a")
    ordinals = [int(link.text.split()[0][:-2]) for link in editions]
    assert ordinals == sorted(ordinals) and 21 in ordinals and len(ordinals) > 1
    # The timeline has a mark, a link, for each edition.
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.timeline a")) >= len(editions)

    browser.find_element(By.CSS_SELECTOR, "table.editions").find_element(By.LINK_TEXT, "21st ASEAN-ROK Summit").click()
    arrive(browser, "21st ASEAN-ROK Summit")
    assert browser.find_element(By.CSS_SELECTOR, ".breadcrumbs a").get_attribute("href") == site + "/series/asean-rok-summit/"
    browser.find_element(By.PARTIAL_LINK_TEXT, "Statement of the 21st").click()
    arrive(browser, "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit")


def test_a_reader_follows_the_home_timeline_to_a_year_a_month_and_a_meeting(browser, site):
    browser.get(site + "/")
    browser.find_element(By.CSS_SELECTOR, 'svg.timeline a[href="/meetings/2020/"]').click()
    arrive(browser, "Meetings in 2020")
    months = browser.find_elements(By.CSS_SELECTOR, ".calendar a")
    assert "November" in [month.find_element(By.CLASS_NAME, "month-name").text for month in months]
    browser.find_element(By.CSS_SELECTOR, '.calendar a[href="/meetings/2020/11/"]').click()
    arrive(browser, "Meetings in November 2020")
    browser.find_element(By.LINK_TEXT, "21st ASEAN-ROK Summit").click()
    arrive(browser, "21st ASEAN-ROK Summit")


def test_a_reader_narrows_the_document_list_without_javascript(browser, site):
    browser.get(site + "/documents/")
    every = int(browser.find_element(By.CLASS_NAME, "result-count").text.split()[0])
    browser.find_element(By.CSS_SELECTOR, '#id_series option[value="asean-rok-dialogue"]').click()
    browser.find_element(By.CSS_SELECTOR, '#id_sort option[value="oldest"]').click()
    browser.find_element(By.CSS_SELECTOR, ".list-filters button").click()
    WebDriverWait(browser, PAGE_SECONDS).until(lambda driver: "series=asean-rok-dialogue" in driver.current_url)
    shown = int(browser.find_element(By.CLASS_NAME, "result-count").text.split()[0])
    assert 0 < shown < every
    kinds = {meta.text.split(" · ")[0] for meta in browser.find_elements(By.CSS_SELECTOR, "ul.documents .meta")}
    assert kinds == {"Press Release"}


def test_every_browsing_page_is_accessible_and_fits_a_phone(browser, site):
    pages = {
        "browse-home": "/",
        "browse-series-list": "/series/",
        "browse-series": "/series/asean-rok-summit/",
        "browse-series-mentioned-only": "/series/asean-rok-commemorative-summit/",
        "browse-meetings": "/meetings/",
        "browse-meetings-year": "/meetings/2020/",
        "browse-meetings-month": "/meetings/2020/11/",
        "browse-meeting": "/meetings/21st-asean-rok-summit/",
        "browse-documents": "/documents/?series=asean-rok-summit&sort=oldest",
        "browse-documents-bad-filter": "/documents/?year=abc&sort=sideways",
    }
    for name, path in pages.items():
        check_page(browser, site + path, name)
