"""Browsing the archive without a search: series and their editions, the home page's summary and timeline,
year calendars and month archives, the list of every document."""

import datetime
import html
import re

import pytest
from django.db import connection
from hypothesis import given, strategies as st
from django.test.utils import CaptureQueriesContext

from archive import timeline
from archive.models import Document, Meeting, MeetingSeries
from archive.pages import new_revision
from archive.views import (DOCUMENTS_PER_PAGE, EDITIONS_PER_PAGE, LATEST_ADDITIONS, MEETINGS_PER_PAGE,
                           MENTIONED_ONLY_ON_HOME)

from .conftest import SCATTERED_WORDS, add_statement
from .test_fuzz_parameters import FUZZ, QUERIES, fetch
from .test_injection import assert_inert_html, payload_archive  # noqa: F401 (a fixture)
from .test_security_headers import assert_nothing_inline, assert_secure

# Two archives of different sizes are compared: the larger has this many times the meetings of the smaller.
GROWTH = 10
FEW_MEETINGS = 30
# The home page of the larger archive may be this much longer (its counts have more digits), no more.
PAGE_SIZE_SLACK = 1024


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def section(page, heading):
    """The part of `page` from the heading with this text to the next heading of any level."""
    start = page.index(heading)
    end = page.index("</h", start)
    rest = re.search(r"<h[1-6]\b", page[end:])
    return page[start:end + rest.start()] if rest else page[start:]


def summit_meeting(ordinal, date, **fields):
    return Meeting.objects.create(series=MeetingSeries.objects.get(slug="asean-rok-summit"), ordinal=ordinal,
                                  title=f"{ordinal}th ASEAN-ROK Summit", slug=f"{ordinal}th-asean-rok-summit",
                                  start_date=date, **fields)


@pytest.fixture
def summits(seeds):
    """The seeds, the 22nd Summit's statement, a 20th Summit without documents and a 19th known only from mentions."""
    twentieth = summit_meeting(20, datetime.date(2019, 11, 26), city="Busan", country="Republic of Korea",
                               mode=Meeting.Mode.IN_PERSON, chair="Moon Jae-in", chair_country="Republic of Korea")
    nineteenth = summit_meeting(19, datetime.date(2018, 11, 15), known_only_from_mentions=True)
    return {**seeds, "22nd": add_statement(SCATTERED_WORDS, "22nd.txt"), "20th": twentieth, "19th": nineteenth}


def test_series_page_lists_every_edition_in_order_with_its_facts(client, summits):
    page = get(client, "/series/asean-rok-summit/")
    editions = section(page, ">Editions<")
    positions = [editions.index(title) for title in
                 ("20th ASEAN-ROK Summit", "21st ASEAN-ROK Summit", "22nd ASEAN-ROK Summit")]
    assert positions == sorted(positions)
    assert "26 November 2019" in editions and "Busan, Republic of Korea" in editions
    assert "Moon Jae-in (Republic of Korea)" in editions
    assert "Videoconference" in editions and "Nguyễn Xuân Phúc (Viet Nam)" in editions
    assert "Bandar Seri Begawan, Brunei Darussalam" in editions
    # Each edition's documents are linked by their kind.
    assert summits["summit"].get_absolute_url() in editions and summits["22nd"].get_absolute_url() in editions
    # The timeline has one link per dated meeting, each to the meeting.
    svg = page[page.index("<svg"):page.index("</svg>")]
    for key in ("19th", "20th"):
        assert f'href="{summits[key].get_absolute_url()}"' in svg
    for key in ("summit", "22nd"):
        assert f'href="{summits[key].meeting.get_absolute_url()}"' in svg
    assert "2018" in svg and "2021" in svg


def test_the_summit_series_page_shows_its_seven_editions_from_2018_to_2025(client, editions):
    page = get(client, "/series/asean-rok-summit/")
    assert "7 editions in the archive, 2018–2025." in page
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="[^"]+">([^<]+)</a></th>(.*?)</tr>', section(page, ">Editions<"), re.S)
    assert [title for title, _ in rows] == [f"{n} ASEAN-ROK Summit" for n in
                                            ("20th", "21st", "22nd", "23rd", "24th", "25th", "26th")]
    facts = dict(rows)
    assert "Lee Hsien Loong (Singapore)" in facts["20th ASEAN-ROK Summit"]
    assert "Videoconference" in facts["22nd ASEAN-ROK Summit"]
    assert "Phnom Penh, Cambodia" in facts["23rd ASEAN-ROK Summit"]
    # The Commemorative Summit of 2019 is a series of its own, known only from the statements' mentions.
    assert "Commemorative" not in section(page, ">Editions<")


def test_meetings_known_only_from_mentions_are_shown_apart(client, summits):
    page = get(client, "/series/asean-rok-summit/")
    assert "19th ASEAN-ROK Summit" not in section(page, ">Editions<")
    assert "19th ASEAN-ROK Summit" in section(page, ">Known only from mentions<")
    assert re.search(r'aria-label="19th ASEAN-ROK Summit[^"]*known only from mentions\)"><title>[^<]*</title>\s*'
                     r'<circle class="muted"', page)
    home = get(client, "/")
    mentioned = section(home, 'id="mentioned-heading"')
    # Six meetings are known only from mentions; the home page names the latest few of them.
    assert "6 meetings named in the statements" in mentioned
    assert "4th RCEP Summit" in mentioned and "19th ASEAN-ROK Summit" not in mentioned
    assert mentioned.count("<li>") == MENTIONED_ONLY_ON_HOME
    # The home page's coverage counts only the meetings whose statements the archive holds.
    assert "3 statements</a> of <a href=\"/meetings/\">4 meetings</a>, 2019–2021" in home


def test_a_long_series_lists_its_editions_a_page_at_a_time(client, search_index):
    """No page lists every meeting: a series of more editions than a page holds is cut into pages, its timeline
    and its meetings known only from mentions following the page."""
    series = MeetingSeries.objects.create(name="Long Test Series", slug="long-test-series")
    count = EDITIONS_PER_PAGE + 7
    for n in range(1, count + 1):  # edition n is the (2n)th meeting; the odd ones are known only from mentions
        Meeting.objects.create(series=series, ordinal=2 * n, title=f"Edition {n:03d}", slug=f"edition-{n}",
                               start_date=datetime.date(1950 + n // 2, 1 + n % 2 * 6, 1))
    early, late = (Meeting.objects.create(series=series, ordinal=2 * n + 1, title=f"Mentioned after {n:03d}",
                                          slug=f"mentioned-{n}", known_only_from_mentions=True,
                                          start_date=datetime.date(1950 + n // 2, 3, 1))
                   for n in (2, EDITIONS_PER_PAGE + 1))

    first = get(client, "/series/long-test-series/")
    assert f"{count} editions in the archive, 1950–{1950 + count // 2}." in first
    assert f"This page lists editions 1 to {EDITIONS_PER_PAGE}." in first
    titles = re.findall(r'<th scope="row"><a href="[^"]+">Edition (\d+)</a></th>', section(first, ">Editions<"))
    assert titles == [f"{n:03d}" for n in range(1, EDITIONS_PER_PAGE + 1)]
    svg = first[first.index("<svg"):first.index("</svg>")]
    assert svg.count("<a href=") == EDITIONS_PER_PAGE + 1 and f'href="{early.get_absolute_url()}"' in svg
    assert "Mentioned after 002" in section(first, ">Known only from mentions<") and late.title not in first
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first

    second = get(client, "/series/long-test-series/?page=2")
    titles = re.findall(r'<th scope="row"><a href="[^"]+">Edition (\d+)</a></th>', section(second, ">Editions<"))
    assert titles == [f"{n:03d}" for n in range(EDITIONS_PER_PAGE + 1, count + 1)]
    assert f'href="{late.get_absolute_url()}"' in second and late.title in section(second, ">Known only from mentions<")
    assert early.title not in second
    assert 'rel="prev" href="?page=1"' in second and 'rel="next"' not in second
    # A page number out of range or not a number gives a page of the series, never an error.
    assert "Edition 001" in get(client, "/series/long-test-series/?page=abc")
    assert f"Edition {count:03d}" in get(client, "/series/long-test-series/?page=999")


def test_series_list_counts_editions_and_their_years(client, summits):
    page = get(client, "/series/")
    row = re.search(r'<a href="/series/asean-rok-summit/">ASEAN-ROK Summit</a></th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">([^<>]+)</td>", row) == ["3", "2019–2021", "1"]
    assert '<a href="/series/asean-rok-dialogue/">' in page


def test_meeting_page_links_its_series_and_month(client, summits):
    page = get(client, summits["summit"].meeting.get_absolute_url())
    assert 'href="/series/asean-rok-summit/"' in page and 'href="/meetings/2020/11/"' in page


def test_month_archive_lists_the_meetings_of_that_month(client, summits):
    page = get(client, "/meetings/2020/11/")
    assert "Meetings in November 2020" in page
    assert "21st ASEAN-ROK Summit" in page and "24th ASEAN-ROK Dialogue" not in page
    # The RCEP Summit of that month is known only from the seeds' mentions: listed, muted.
    assert re.search(r'<li class="muted">\s*<a href="[^"]+">4th RCEP Summit</a>', page)
    assert get(client, "/meetings/2020/8/") == get(client, "/meetings/2020/08/")
    assert "24th ASEAN-ROK Dialogue" in get(client, "/meetings/2020/08/")
    assert "No meetings yet" in get(client, "/meetings/2020/01/")
    get(client, "/meetings/2020/13/", status=404)
    get(client, "/meetings/2020/00/", status=404)
    summit_only = get(client, "/meetings/2020/08/?series=asean-rok-summit")
    assert "24th ASEAN-ROK Dialogue" not in summit_only


def test_year_calendar_links_only_the_months_with_meetings(client, summits):
    page = get(client, "/meetings/2020/")
    calendar = page[page.index('<ol class="calendar">'):page.index("</ol>")]
    linked = re.findall(r'href="/meetings/2020/(\d\d)/"', calendar)
    assert linked == ["04", "06", "08", "11"]
    assert calendar.count("<li") == 12
    assert "1 meeting, 1 known only from mentions" in calendar  # November: the 21st Summit and the RCEP Summit
    assert re.findall(r'href="/meetings/2020/(\d\d)/\?series=asean-rok-dialogue"',
                      get(client, "/meetings/2020/?series=asean-rok-dialogue")) == ["08"]


def many_meetings(count, first_year=2000, years=20):
    """`count` meetings of one series spread over `years` years, each with a document."""
    series, _ = MeetingSeries.objects.get_or_create(name="Test Dialogue", slug="test-dialogue")
    start = Meeting.objects.filter(series=series).count()
    meetings = Meeting.objects.bulk_create(
        Meeting(series=series, ordinal=start + n, title=f"Meeting number {start + n}", slug=f"meeting-{start + n}",
                start_date=datetime.date(first_year + (start + n) % years, 1 + (start + n) % 12, 1))
        for n in range(1, count + 1))
    Document.objects.bulk_create(
        Document(meeting=meeting, title=f"Statement of {meeting.title}", kind="Joint Statement",
                 slug=f"statement-{meeting.slug}") for meeting in meetings)
    new_revision()  # bulk writes send no signals: draw the revision a change must draw
    return meetings


def measured(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = get(client, url)
    return len(page.encode()), len(queries)


@pytest.mark.parametrize("url", ["/", "/meetings/", "/meetings/2005/", "/series/", "/series/test-dialogue/",
                                 "/documents/", "/documents/?series=test-dialogue&sort=title"])
def test_queries_per_page_do_not_grow_with_the_number_of_meetings(client, db, url):
    many_meetings(FEW_MEETINGS)
    _, few = measured(client, url)
    many_meetings(FEW_MEETINGS * (GROWTH - 1))
    _, many = measured(client, url)
    assert many == few


@pytest.mark.parametrize("url", ["/", "/meetings/", "/documents/"])
def test_summary_pages_keep_their_size_as_the_archive_grows(client, db, url):
    many_meetings(FEW_MEETINGS)
    small, _ = measured(client, url)
    many_meetings(FEW_MEETINGS * (GROWTH - 1))
    large, _ = measured(client, url)
    assert large - small < PAGE_SIZE_SLACK


def test_home_shows_coverage_latest_additions_and_a_timeline_linking_each_year(client, db):
    meetings = many_meetings(FEW_MEETINGS)
    page = get(client, "/")
    assert f"{FEW_MEETINGS} statements</a> of <a href=\"/meetings/\">{FEW_MEETINGS} meetings</a>, 2000–2019" in page
    latest = section(page, ">Latest additions<")
    assert latest.count("<li>") == LATEST_ADDITIONS
    svg = page[page.index("<svg"):page.index("</svg>")]
    years = {m.start_date.year for m in meetings}
    assert sorted(int(y) for y in re.findall(r'<a href="/meetings/(\d{4})/"', svg)) == sorted(years)
    assert 'action="/search/"' in page


def test_meeting_list_is_paginated_and_summarised_by_year(client, db):
    many_meetings(MEETINGS_PER_PAGE + 1)
    first = get(client, "/meetings/")
    assert first.count('<a href="/meetings/meeting-') == MEETINGS_PER_PAGE
    assert 'rel="next" href="?page=2"' in first
    second = get(client, "/meetings/?page=2")
    assert second.count('<a href="/meetings/meeting-') == 1
    by_year = section(first, ">By year<")
    assert '<a href="/meetings/2000/">2000</a>' in by_year
    # A page that does not exist shows the nearest one.
    assert get(client, "/meetings/?page=zzz") == first
    assert get(client, "/meetings/?page=999") == second


def titles(page):
    """The titles of the documents listed, in order."""
    return [html.unescape(title) for title in re.findall(r'<li>\s*<a href="/documents/[^"]+">([^<]+)</a>', page)]


def test_document_list_filters_by_series_kind_and_year(client, summits):
    many_meetings(3)
    assert len(titles(get(client, "/documents/"))) == 6
    assert titles(get(client, "/documents/?series=asean-rok-summit")) == [
        "Chairman's Statement of the 22nd ASEAN-ROK Summit",
        "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit"]
    assert titles(get(client, "/documents/?kind=Press+Release")) == ["Press Release: 24th ASEAN-ROK Dialogue"]
    assert titles(get(client, "/documents/?year=2021")) == ["Chairman's Statement of the 22nd ASEAN-ROK Summit"]
    assert titles(get(client, "/documents/?series=asean-rok-summit&year=2020&kind=Chairman%27s+Statement")) == [
        "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit"]
    # The form keeps what was chosen.
    assert '<option value="2021" selected>' in get(client, "/documents/?year=2021")


def test_document_list_sorts_by_date_either_way_and_by_title(client, summits):
    newest = titles(get(client, "/documents/"))
    assert newest == ["Chairman's Statement of the 22nd ASEAN-ROK Summit",
                      "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit",
                      "Press Release: 24th ASEAN-ROK Dialogue"]
    assert titles(get(client, "/documents/?sort=newest")) == newest
    assert titles(get(client, "/documents/?sort=oldest")) == newest[::-1]
    assert titles(get(client, "/documents/?sort=title")) == sorted(newest)


def test_document_list_is_paginated_keeping_its_filters(client, db):
    many_meetings(DOCUMENTS_PER_PAGE * 2 + 1)
    first = get(client, "/documents/?sort=title&kind=Joint+Statement")
    assert first.count('<li>\n    <a href="/documents/') == DOCUMENTS_PER_PAGE
    assert "page 1 of 3" in first
    assert 'rel="next" href="?sort=title&amp;kind=Joint+Statement&amp;page=2"' in first
    last = get(client, "/documents/?sort=title&kind=Joint+Statement&page=3")
    assert last.count('<li>\n    <a href="/documents/') == 1
    assert 'rel="prev" href="?sort=title&amp;kind=Joint+Statement&amp;page=2"' in last


@pytest.mark.parametrize("query, note", [
    ("year=abc", "The year “abc” could not be used"),
    ("year=1850", "The year “1850” could not be used"),
    ("year=99999999999999999999", "The year “99999999999999999999” could not be used"),
    ("series=no-such-series", "The series “no-such-series” could not be used"),
    ("kind=Treaty", "The type “Treaty” could not be used"),
    ("sort=sideways", "The order “sideways” could not be used"),
])
def test_a_filter_that_cannot_be_used_is_ignored_with_a_note(client, summits, query, note):
    page = get(client, f"/documents/?{query}&page=-4")
    assert note in page
    # The rest of the list is still shown: every document, the first page.
    assert "3 documents" in page


def test_browsing_pages_answer_any_parameters_without_a_server_error(client, seeds):
    endpoints = ["/series/", "/series/asean-rok-summit/", "/documents/", "/meetings/2020/11/", "/meetings/2020/"]

    @FUZZ
    @given(path=st.sampled_from(endpoints), params=QUERIES)
    def check(path, params):
        fetch(client, path, params)

    check()


def test_any_month_or_series_in_a_path_gives_no_server_error(client, seeds):
    @FUZZ
    @given(year=st.integers(min_value=0, max_value=10**30), month=st.integers(min_value=0, max_value=10**6),
           slug=st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True))
    def check(year, month, slug):
        for path in (f"/meetings/{year}/{month}/", f"/meetings/{year}/{month:02d}/", f"/series/{slug}/"):
            fetch(client, path, {"page": slug})

    check()


def test_browsing_pages_carry_the_security_policy_and_nothing_inline(client, seeds):
    for path in ["/series/", "/series/asean-rok-summit/", "/documents/?year=abc", "/meetings/2020/11/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure(response, path)
        assert_nothing_inline(response.content, path)


def test_stored_payloads_come_out_inert_on_browsing_pages(client, payload_archive):
    series = MeetingSeries.objects.get(slug="asean-rok-summit")
    pages = ["/", "/series/", series.get_absolute_url(), "/documents/", "/documents/?sort=title&year=2001",
             "/meetings/2001/01/", "/meetings/2001/"]
    for path in pages:
        content = get(client, path)
        assert_inert_html(content, path)


def test_a_document_of_an_undated_meeting_is_listed_under_the_year_it_was_published(client, db):
    series = MeetingSeries.objects.get(slug="asean-rok-summit")
    meeting = Meeting.objects.create(series=series, title="A Summit of unknown date", slug="undated-summit")
    Document.objects.create(meeting=meeting, title="Joint Vision Statement", kind="Joint Statement",
                            slug="joint-vision", published_on=datetime.date(2009, 6, 2))
    many_meetings(FEW_MEETINGS, first_year=2010)
    page = get(client, "/documents/?year=2009")
    assert titles(page) == ["Joint Vision Statement"] and '<option value="2009" selected>' in page


def test_editions_held_in_one_year_are_stacked_and_each_year_is_drawn_in_proportion(db):
    series = MeetingSeries.objects.get(slug="asean-rok-summit")
    same_year = [Meeting(series=series, title=f"Summit {n}", slug=f"summit-{n}", start_date=datetime.date(2019, n, 1))
                 for n in (3, 11)]
    drawn = timeline.editions([*same_year, Meeting(series=series, title="Later", slug="later",
                                                   start_date=datetime.date(2021, 3, 1))])
    first, second, later = drawn.marks
    assert first.cy != second.cy and first.cx < second.cx < later.cx
    assert [year for _, year in drawn.labels] == [2019, 2020, 2021]

    bars = timeline.meetings_per_year([{"year": 2019, "held": 2, "mentioned_only": 0},
                                       {"year": 2020, "held": 1, "mentioned_only": 1}])
    (held_2019,), (held_2020, mentioned_2020) = (mark.bars for mark in bars.marks)
    assert held_2019.height == 2 * held_2020.height == 2 * mentioned_2020.height
    assert mentioned_2020.muted and not held_2020.muted
    assert mentioned_2020.y + mentioned_2020.height == held_2020.y  # stacked on the meetings held
    assert [mark.url for mark in bars.marks] == ["/meetings/2019/", "/meetings/2020/"]


def test_the_note_on_an_ignored_filter_describes_its_field(client, seeds):
    page = get(client, "/documents/?year=abc")
    described = re.search(r'<select name="year" aria-invalid="true" aria-describedby="([^"]+)"', page).group(1)
    assert re.search(rf'<p class="notice" role="status" id="{described}">The year “abc”', page)
