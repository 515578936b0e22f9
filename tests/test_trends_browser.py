"""The trends and commitments journeys in a real headless Chromium, on the seeds and the editions set."""

import pytest
from selenium.webdriver.common.by import By

from .browser import check_page
from .conftest import editions_file_name
from .trend_statements import EDITION_PHRASES

pytestmark = pytest.mark.subprocess

PLUS = next(p for p in EDITION_PHRASES if p["phrase"] == "New Southern Policy Plus")


def expected_paragraph(use):
    from archive.models import Document

    document = next(d for d in Document.objects.all() if editions_file_name(d) == use["file"])
    return document.paragraphs.get(number=str(use["paragraph"]))


def images_drawn(browser):
    """How many of the page's charts the browser loaded and drew (an image it could not read has no width)."""
    return browser.execute_script(
        "return [...document.querySelectorAll('figure.chart img')].filter(i => i.complete && i.naturalWidth > 0).length")


def shows_target(browser, anchor):
    assert browser.execute_script("return location.hash") == f"#{anchor}"
    return browser.find_element(By.CSS_SELECTOR, "li.paragraph:target")


def test_search_results_to_trends_to_the_first_use(browser, site):
    search = site + '/search/?q="New Southern Policy Plus"'
    check_page(browser, search, "search-with-trend-link")
    browser.get(search)
    browser.find_element(By.LINK_TEXT, "See this phrase over time").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Trends: \"New Southern Policy Plus\""
    assert images_drawn(browser) == 2  # overall and per series
    years = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, ".trend-table tbody th[scope=row]")]
    assert "2020" in years and "2025" in years
    check_page(browser, browser.current_url, "trends")

    first = expected_paragraph(PLUS["first"])
    browser.find_element(By.CSS_SELECTOR, ".first-use a").click()
    target = shows_target(browser, first.anchor)
    assert "New Southern Policy Plus" in [mark.text for mark in target.find_elements(By.TAG_NAME, "mark")]


def test_trends_compare_two_phrases_with_filters(browser, site):
    url = site + '/trends/?q="ASEAN-Korea Cooperation Fund"&q="Korea-ASEAN Solidarity Initiative"&series=ASEAN-ROK+Summit'
    check_page(browser, url, "trends-compare")
    browser.get(url)
    assert images_drawn(browser) == 2
    headers = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, ".trend-table thead th")]
    assert any("Korea-ASEAN Solidarity Initiative" in text for text in headers)
    check_page(browser, site + "/trends/?q=&from=not-a-date", "trends-empty")


def test_home_to_a_commitment_to_a_paragraph(browser, site):
    check_page(browser, site + "/", "home-with-commitments")
    browser.get(site + "/")
    block = browser.find_element(By.ID, "commitments-heading").find_element(By.XPATH, "..")
    block.find_element(By.LINK_TEXT, "Korea-ASEAN Solidarity Initiative").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Korea-ASEAN Solidarity Initiative"
    assert images_drawn(browser) == 1
    check_page(browser, browser.current_url, "commitment")

    kasi = next(p for p in EDITION_PHRASES if p["phrase"] == "Korea-ASEAN Solidarity Initiative")
    first = expected_paragraph(kasi["first"])
    browser.find_element(By.CSS_SELECTOR, ".mention-timeline .hit-number").click()
    shows_target(browser, first.anchor)
    check_page(browser, site + "/commitments/", "commitments")
