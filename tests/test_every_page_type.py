"""Every page type of the archive in a real headless Chromium, on the seeds, the editions set and a statement with
a very long file name and URL: valid HTML, no serious or critical axe-core violation, no sideways scrolling on a
360 px phone, screenshots at 1280 and 390 px; then keyboard use, the search page's order on a phone and the
paragraph numbers that must not break."""

import re
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from django.urls import reverse
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from archive.ingest.save import import_statement
from archive.models import Commitment, Document

from .browser import SMALL_PHONE, check_page, sideways_overflow, window
from .conftest import SUMMIT_SEED, import_editions
from .valid_html import html_problems

pytestmark = pytest.mark.subprocess

# A source file name of 120 characters with nowhere to break a line, and a long URL, as publishers name them.
LONG_FILE_NAME = ("ChairmansStatementOfTheAseanRepublicOfKoreaCommemorativeSummit" * 2)[:116] + ".txt"
LONG_URL = "https://www.example.org/" + "StatementsAndCommuniquesOfTheAseanRokCommemorativeSummit" * 3 + ".txt"
LONG_NAMED_STATEMENT = f"""Chairman's Statement of the 4th ASEAN-ROK Commemorative Summit

1. The 4th ASEAN-ROK Commemorative Summit was held in Busan, Republic of Korea on 26 November 2019.

2. We welcomed the ASEAN-Korea Cooperation Fund and the documents published at {LONG_URL} for everyone.

3. We agreed to give priority to the following areas:
(a) cooperation on the New Southern Policy in the region, including:
(i) the exchange of officials and experts;
(b) exchanges between the young people of ASEAN and the Republic of Korea.
"""
# The same statement corrected, reworded and with a paragraph added: its second version.
CORRECTED_STATEMENT = LONG_NAMED_STATEMENT.replace("for everyone", "for every reader") + \
    "\n4. We tasked our Ministers to follow up on these decisions at their next meeting.\n"

TRENDS_PHRASES = ['"ASEAN-Korea Cooperation Fund"', '"Korea-ASEAN Solidarity Initiative"']


def summit():
    return Document.objects.get(sources__name=SUMMIT_SEED)


def long_named():
    return Document.objects.filter(sources__name=LONG_FILE_NAME).distinct().get()


def edition(name):
    return Document.objects.get(sources__name=name)


def first_paragraph(document):
    return document.paragraphs.order_by("position").first()


def query(path, **params):
    return f"{path}?{urlencode(params, doseq=True)}"


# Each page type the archive has, by the name of its screenshots: how to build its URL on the archive the
# `site` fixture imports. A new page type is one line here.
PAGE_TYPES = {
    "home": lambda: reverse("archive:home"),
    "meetings": lambda: reverse("archive:meeting-list"),
    "meetings-of-a-year": lambda: reverse("archive:meeting-year", args=[2019]),
    "meetings-of-a-month": lambda: reverse("archive:meeting-month", args=[2019, 11]),
    "meeting": lambda: summit().meeting.get_absolute_url(),
    "series-list": lambda: reverse("archive:series-list"),
    "series": lambda: summit().meeting.series.get_absolute_url(),
    "documents": lambda: reverse("archive:document-list"),
    "documents-filtered": lambda: query(reverse("archive:document-list"), series=summit().meeting.series.slug,
                                        year="not-a-year", sort="oldest"),
    "document": lambda: summit().get_absolute_url(),
    "document-highlighted": lambda: query(summit().get_absolute_url(), q="cooperation"),
    "document-long-names": lambda: long_named().get_absolute_url(),
    "document-first-version": lambda: query(long_named().get_absolute_url(), version=1),
    "compare-form": lambda: reverse("archive:compare"),
    "compare-editions": lambda: query(reverse("archive:compare"), a=edition("asean_rok_summit_22_2021.txt").slug,
                                      b=edition("asean_rok_summit_23_2022.txt").slug),
    "compare-versions": lambda: query(reverse("archive:compare"), a=long_named().slug, av=1, b=long_named().slug, bv=2),
    "paragraph-history": lambda: reverse("archive:paragraph-history",
                                         args=[first_paragraph(edition("asean_rok_summit_23_2022.txt")).pk]),
    "similar": lambda: reverse("archive:similar-paragraphs", args=[first_paragraph(summit()).pk]),
    "trends": lambda: query(reverse("archive:trends"), q=TRENDS_PHRASES),
    "commitments": lambda: reverse("archive:commitment-list"),
    "commitment": lambda: reverse("archive:commitment-detail", args=[Commitment.objects.order_by("pk").first().slug]),
    "cite": lambda: reverse("archive:cite-paragraph", args=[first_paragraph(long_named()).pk]),
    "search": lambda: query(reverse("archive:search"), q="cooperation"),
    "search-no-results": lambda: query(reverse("archive:search"), q="zzzzqqq"),
    "search-facets-selected": lambda: query(reverse("archive:search"), q="cooperation", series="ASEAN-ROK Summit",
                                            year="2020"),
    "search-help": lambda: reverse("archive:search-help"),
    "export": lambda: reverse("archive:export"),
    "not-found": lambda: "/no-such-page/",
}


def import_editions_and_long_names():
    documents = import_editions()
    import_statement(LONG_NAMED_STATEMENT.encode(), LONG_FILE_NAME, url=LONG_URL)
    import_statement(CORRECTED_STATEMENT.encode(), LONG_FILE_NAME, url=LONG_URL)
    return documents


@pytest.fixture
def site(live_server, django_db_serialized_rollback, snapshots, browser):
    """The seeds, the editions set and the long-named statement in its two versions, in a live archive."""
    snapshots.restore("editions and long names", import_editions_and_long_names)
    yield live_server.url
    # No page left loading (a chart, a search) while the test's data is taken away.
    browser.get("about:blank")


def served_html(url):
    """The page's HTML as the server sent it (an error page's too), before any browser repaired it."""
    try:
        with urlopen(url) as response:
            return response.read().decode("utf-8")
    except HTTPError as error:
        return error.read().decode("utf-8")


def test_every_page_type_is_valid_accessible_and_fits_a_phone(browser, site):
    assert long_named().versions.count() == 2
    failures = {}
    for name, build in PAGE_TYPES.items():
        url = site + build()
        problems = html_problems(served_html(url))
        try:
            check_page(browser, url, name)
        except AssertionError as failure:
            problems.append(str(failure))
        if problems:
            failures[name] = problems
    assert not failures, "\n".join(f"{name}: {problems}" for name, problems in failures.items())


def focused(browser):
    return browser.switch_to.active_element


def focus_outline(browser):
    """The focused element's computed outline: its style and width in pixels."""
    return browser.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)];")


def press(browser, key):
    ActionChains(browser).send_keys(key).perform()


def tab_through(browser):
    """Tab from the top of a freshly loaded page until focus comes back round; every element reached, each with its outline."""
    reached = []
    for _ in range(MAX_TABS):
        press(browser, Keys.TAB)
        element = focused(browser)
        if reached and element == reached[0][0]:
            break
        if element.tag_name == "body":
            break
        reached.append((element, focus_outline(browser)))
    return reached


# More than any page of the test archive has interactive elements: a page that traps focus stops the walk.
MAX_TABS = 400
INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])"


def shown(browser, element):
    """Whether the browser renders `element`, on screen or off it (as the skip link is until focused)."""
    return browser.execute_script("return arguments[0].checkVisibility({contentVisibilityAuto: true})", element)


def reachable_elements(browser):
    """The interactive elements the browser renders (the skip link too, though off screen until focused)."""
    return [element for element in browser.find_elements(By.CSS_SELECTOR, INTERACTIVE) if shown(browser, element)]


@pytest.mark.parametrize("page", ["search-facets-selected", "document-highlighted", "home", "trends", "cite"])
def test_a_keyboard_reaches_everything_from_the_skip_link_on(browser, site, page):
    browser.get(site + PAGE_TYPES[page]())
    reached = tab_through(browser)
    first, _ = reached[0]
    assert "skip-link" in first.get_attribute("class")
    for element, (style, width) in reached:
        assert style != "none" and width > 0, f"no visible focus on {element.get_attribute('outerHTML')[:120]}"
    assert set(reachable_elements(browser)) <= {element for element, _ in reached}

    browser.get(site + PAGE_TYPES[page]())
    press(browser, Keys.TAB)
    press(browser, Keys.ENTER)
    assert browser.execute_script("return location.hash") == "#main"
    press(browser, Keys.TAB)
    assert browser.execute_script("return document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize("key", [Keys.ENTER, Keys.SPACE])
def test_the_folded_facets_open_from_the_keyboard_on_a_phone(browser, site, key):
    with window(browser, SMALL_PHONE):
        browser.get(site + PAGE_TYPES["search"]())
        facets = browser.find_element(By.CSS_SELECTOR, "details.facets")
        assert facets.get_attribute("open") is None
        assert not shown(browser, facets.find_element(By.TAG_NAME, "ul"))
        summary = facets.find_element(By.TAG_NAME, "summary")
        browser.execute_script("arguments[0].focus()", summary)
        summary.send_keys(key)
        assert facets.get_attribute("open") is not None
        assert shown(browser, facets.find_element(By.TAG_NAME, "ul"))


def test_on_a_phone_results_come_before_the_facets_and_on_a_wide_screen_beside_them(browser, site):
    url = site + PAGE_TYPES["search"]()
    assert re.search(r"<details class=\"facets\" open[ >]", served_html(url))  # open where no script runs
    with window(browser, SMALL_PHONE):
        browser.get(url)
        results = browser.find_element(By.CLASS_NAME, "results")
        facets = browser.find_element(By.CSS_SELECTOR, "details.facets")
        assert facets.location["y"] >= results.location["y"] + results.size["height"]
    browser.get(url)
    results = browser.find_element(By.CLASS_NAME, "results")
    facets = browser.find_element(By.CSS_SELECTOR, "details.facets")
    assert facets.location["y"] < results.location["y"] + results.size["height"]
    assert shown(browser, facets.find_element(By.TAG_NAME, "ul"))  # unfolded beside the results


def test_long_names_wrap_and_sub_numbers_stay_whole_on_a_small_phone(browser, site):
    with window(browser, SMALL_PHONE):
        browser.get(site + PAGE_TYPES["document-long-names"]())
        assert sideways_overflow(browser) <= 0
        source = browser.find_element(By.PARTIAL_LINK_TEXT, LONG_FILE_NAME[:40])
        assert source.size["width"] <= SMALL_PHONE[0]
        assert LONG_URL in browser.find_element(By.ID, "p2").text
        for number in browser.find_elements(By.CSS_SELECTOR, ".paragraph-number"):
            lines = browser.execute_script("return arguments[0].getClientRects().length", number)
            height = number.size["height"]
            line_height = browser.execute_script(
                "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", number)
            assert lines == 1 and height < 2 * line_height, f"{number.text} breaks across lines"
        assert {"3(a)", "3(a)(i)"} <= {n.text for n in browser.find_elements(By.CSS_SELECTOR, ".paragraph-number")}


@pytest.mark.parametrize("page", ["trends", "commitment"])
def test_every_chart_has_a_text_alternative_and_its_numbers_in_a_table(browser, site, page):
    browser.get(site + PAGE_TYPES[page]())
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart img")
    assert charts
    for chart in charts:
        assert len(chart.get_attribute("alt").split()) >= MIN_ALT_WORDS
    tables = browser.find_elements(By.CSS_SELECTOR, "table.trend-table")
    assert len(tables) >= len(charts) and all(t.find_element(By.TAG_NAME, "caption").text for t in tables)
    if page == "trends":
        overall = charts[0].get_attribute("alt")
        assert all(phrase in overall for phrase in TRENDS_PHRASES)


# A text alternative says what the chart shows, not only that there is one ("Chart").
MIN_ALT_WORDS = 8
