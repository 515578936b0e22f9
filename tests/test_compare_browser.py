"""The journey statement → compare with the previous edition → paragraph history, in a real headless Chromium."""

import pytest
from selenium.webdriver.common.by import By

from archive.search.indexing import get_backend

from .browser import check_page, chromium
from .conftest import SEEDS, add_statement, run_import
from .test_compare import DATA

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    """The seeds (the 21st Summit) and the 22nd and 23rd Summits of tests/data/compare."""
    get_backend().clear()
    run_import(SEEDS)
    for name in ("summit-22.txt", "summit-23.txt"):
        add_statement((DATA / name).read_text(), name)
    return live_server.url


def test_from_a_statement_to_what_changed_since_the_previous_edition_to_one_paragraphs_history(browser, site):
    browser.get(site + "/")
    browser.find_element(By.LINK_TEXT, "Chairman's Statement of the 23rd ASEAN-ROK Summit").click()
    statement = browser.current_url
    check_page(browser, statement, "compare-statement")
    browser.get(statement)

    browser.find_element(By.LINK_TEXT, "Compare with the previous edition").click()
    assert browser.find_element(By.CLASS_NAME, "compare-summary").text == \
        "2 paragraphs unchanged, 4 reworded, 2 new, 1 dropped"
    folded = browser.find_elements(By.CSS_SELECTOR, ".compare-row.unchanged details")
    assert len(folded) == 2 and not any(d.get_attribute("open") for d in folded)
    assert not folded[0].find_element(By.CLASS_NAME, "compare-text").is_displayed()
    folded[0].find_element(By.TAG_NAME, "summary").click()
    assert folded[0].find_element(By.CLASS_NAME, "compare-text").is_displayed()
    inserted = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".reworded .new ins")]
    assert any(text.endswith("in Phnom Penh\n]") for text in inserted)  # with its cue for screen readers
    pair = browser.find_element(By.CSS_SELECTOR, ".reworded .pair")
    earlier, later = pair.find_elements(By.XPATH, "./div")
    assert earlier.location["y"] == later.location["y"] and earlier.location["x"] < later.location["x"]  # side by side
    comparison = browser.current_url
    check_page(browser, comparison, "compare-editions")
    browser.set_window_size(390, 844)
    try:
        browser.get(comparison)
        earlier, later = browser.find_element(By.CSS_SELECTOR, ".reworded .pair").find_elements(By.XPATH, "./div")
        assert later.location["y"] > earlier.location["y"]  # stacked on a phone
    finally:
        browser.set_window_size(1280, 900)

    browser.get(statement)
    south_china_sea = browser.find_element(By.ID, "p2")
    south_china_sea.find_element(By.LINK_TEXT, "This passage in other editions").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "This passage in other editions"
    editions = browser.find_elements(By.CSS_SELECTOR, ".history-list > li")
    assert len(editions) >= 3
    assert "22nd ASEAN-ROK Summit" in editions[1].text and "the same words" in editions[1].text
    assert "This paragraph" in editions[-1].text
    check_page(browser, browser.current_url, "paragraph-history")


def test_the_form_to_choose_two_statements_and_a_bad_choice_are_accessible(browser, site):
    check_page(browser, site + "/compare/", "compare-form")
    check_page(browser, site + "/compare/?a=no-such-statement&b=", "compare-bad-choice")
    assert "could not be compared" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
