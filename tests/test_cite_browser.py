"""Citing and reusing in a real headless Chromium: search → facet → paragraph → cite page (every format shown,
copy button where scripts run), statement → its API JSON, the export page; each page accessible and phone-wide."""

import json

import pytest
from selenium.webdriver.common.by import By

from archive.models import Paragraph

from .browser import check_page
from .test_browser import site  # noqa: F401 (the live archive of the seeds)

pytestmark = pytest.mark.subprocess

CITATION_FIELDS = {"cite-url": "Permanent URL", "cite-quote": "Quote with reference", "cite-chicago": "Chicago",
                   "cite-apa": "APA", "cite-bibtex": "BibTeX", "cite-ris": "RIS", "cite-csl": "CSL-JSON"}


def test_a_journalist_finds_a_paragraph_and_cites_it(browser, site):
    browser.get(site + "/search/?q=%22South+China+Sea%22")
    browser.find_element(By.LINK_TEXT, "ASEAN-ROK Summit").click()
    assert "1 paragraph found" in browser.find_element(By.CLASS_NAME, "result-count").text
    browser.find_element(By.CSS_SELECTOR, ".hit .hit-number").click()
    target = browser.find_element(By.CSS_SELECTOR, "li.paragraph:target")
    assert target.get_attribute("id") == "p22"
    target.find_element(By.LINK_TEXT, "Cite").click()

    assert browser.find_element(By.TAG_NAME, "h1").text == "Cite paragraph 22"
    paragraph = Paragraph.objects.select_related("document__meeting").get(anchor="p22", document__meeting__ordinal=21)
    for field, label in CITATION_FIELDS.items():
        box = browser.find_element(By.ID, field)
        assert box.is_displayed() and box.get_attribute("readonly") is not None
        assert browser.find_element(By.CSS_SELECTOR, f"label[for='{field}']").text.startswith(label)
        text = box.get_attribute("value")
        assert text.endswith("#p22") if field == "cite-url" else paragraph.document.title in text, field
    assert browser.find_element(By.ID, "cite-url").get_attribute("value") == f"{site}{paragraph.get_absolute_url()}"
    assert "para. 22" in browser.find_element(By.ID, "cite-chicago").get_attribute("value")
    # Scripts run here: each citation has its copy button.
    assert len(browser.find_elements(By.CSS_SELECTOR, "button.copy-button")) == len(CITATION_FIELDS)
    assert {link.text for link in browser.find_elements(By.CSS_SELECTOR, ".downloads a")} == {
        "BibTeX (.bib)", "RIS (.ris)", "CSL-JSON (.json)"}
    check_page(browser, browser.current_url, "cite")


def test_a_researcher_goes_from_a_statement_to_its_data(browser, site):
    browser.get(site + "/documents/chairmans-statement-of-the-21st-asean-republic-of-korea-summit/")
    browser.find_element(By.LINK_TEXT, "This statement as JSON (API)").click()
    data = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    assert data["slug"] == "chairmans-statement-of-the-21st-asean-republic-of-korea-summit"
    assert [p["anchor"] for p in data["paragraphs"]][:3] == ["p1", "p2", "p3"]

    browser.get(site + "/")
    browser.find_element(By.LINK_TEXT, "Download the archive").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Download the archive"
    check_page(browser, browser.current_url, "export")
    check_page(browser, site + "/documents/chairmans-statement-of-the-21st-asean-republic-of-korea-summit/",
               "document-with-cite-links")
