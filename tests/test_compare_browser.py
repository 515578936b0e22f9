"""The journey statement → compare with the previous edition → paragraph history, in a real headless Chromium,
on the seeds and the shared editions of the Summit and the Dialogue (tests/data/editions)."""

import pytest
from selenium.webdriver.common.by import By

from archive.models import Document

from .browser import check_page
from .test_compare_editions import ALIGNMENTS

# The 23rd Summit against the 22nd, as aligned by hand.
EDITION_PAIR = next(entry for entry in ALIGNMENTS if entry["b"] == "asean_rok_summit_23_2022.txt")

pytestmark = pytest.mark.subprocess


def expected_summary(entry):
    unchanged = sum(status == "unchanged" for _, _, status in entry["pairs"])
    return (f"{unchanged} paragraphs unchanged, {len(entry['pairs']) - unchanged} reworded, "
            f"{len(entry['added'])} new, {len(entry['dropped'])} dropped")


def test_from_a_statement_to_what_changed_since_the_previous_edition_to_one_paragraphs_history(browser, site):
    statement = site + Document.objects.get(sources__name=EDITION_PAIR["b"]).get_absolute_url()
    check_page(browser, statement, "compare-statement")
    browser.get(statement)

    browser.find_element(By.LINK_TEXT, "Compare with the previous edition").click()
    assert browser.find_element(By.CLASS_NAME, "compare-summary").text == expected_summary(EDITION_PAIR)
    folded = browser.find_elements(By.CSS_SELECTOR, ".compare-row.unchanged details")
    unchanged = [pair for pair in EDITION_PAIR["pairs"] if pair[2] == "unchanged"]
    assert len(folded) == len(unchanged) and not any(d.get_attribute("open") for d in folded)
    assert not folded[0].find_element(By.CLASS_NAME, "compare-text").is_displayed()
    folded[0].find_element(By.TAG_NAME, "summary").click()
    assert folded[0].find_element(By.CLASS_NAME, "compare-text").is_displayed()
    inserted = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".reworded .new ins")]
    assert inserted and all(text.startswith("[inserted:") for text in inserted)  # with a cue for screen readers
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
    old_number, new_number, _ = unchanged[0]
    browser.find_element(By.ID, f"p{new_number}").find_element(By.LINK_TEXT, "This passage in other editions").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "This passage in other editions"
    editions = browser.find_elements(By.CSS_SELECTOR, ".history-list > li")
    summits = Document.objects.filter(meeting__series__slug=Document.objects.get(
        sources__name=EDITION_PAIR["b"]).meeting.series.slug).values("meeting").distinct().count()
    assert len(editions) >= summits  # every edition of the series, then any other series
    previous = next(li for li in editions if "22nd" in li.find_element(By.CLASS_NAME, "meta").text)
    assert "the same words" in previous.text and f"¶{old_number}" in previous.text
    assert any("This paragraph" in li.text for li in editions)
    check_page(browser, browser.current_url, "paragraph-history")


def test_the_form_to_choose_two_statements_and_a_bad_choice_are_accessible(browser, site):
    check_page(browser, site + "/compare/", "compare-form")
    check_page(browser, site + "/compare/?a=no-such-statement&b=", "compare-bad-choice")
    assert "could not be compared" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
