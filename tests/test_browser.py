"""The pages in a real headless Chromium, against a live server on localhost."""

import pytest
from selenium.webdriver.common.by import By

from archive.models import Meeting, Paragraph

from .browser import check_page
from .conftest import seed_documents

pytestmark = pytest.mark.subprocess

@pytest.fixture
def site(live_server, django_db_serialized_rollback, snapshots):
    """Only the seeds: the counts below are those of the two seed statements."""
    snapshots.restore("seeds", seed_documents)
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
    paragraphs[3].find_element(By.LINK_TEXT, "Cite").click()
    permalink = browser.find_element(By.ID, "cite-url").get_attribute("value")
    assert permalink.startswith(site) and permalink.endswith("#p4")


def test_every_page_is_accessible_and_fits_a_phone(browser, site):
    pages = {
        "home": "/",
        "meetings": "/meetings/",
        "meeting": "/meetings/" + Meeting.objects.filter(documents__isnull=False).first().slug + "/",
        "document": "/documents/chairmans-statement-of-the-21st-asean-republic-of-korea-summit/",
        "search": "/search/?q=cooperation",
        "search-empty": "/search/?q=zzzzqqq",
        "search-help": "/search/help/",
        "similar": f"/paragraphs/{Paragraph.objects.first().pk}/similar/",
    }
    for name, path in pages.items():
        check_page(browser, site + path, name)
