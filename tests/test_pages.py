import datetime

import pytest

from archive.models import Meeting, MeetingSeries

from .conftest import SCATTERED_WORDS, add_statement


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_home_lists_latest_documents_and_meetings_by_year(client, seeds):
    page = get(client, "/")
    assert "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit" in page
    assert "Press Release: 24th ASEAN-ROK Dialogue" in page
    assert 'href="/meetings/2020/"' in page
    assert "21st ASEAN-ROK Summit" in page and "24th ASEAN-ROK Dialogue" in page


def test_meeting_list_filters_by_series_and_year(client, seeds):
    summit_only = get(client, "/meetings/?series=asean-rok-summit")
    assert "21st ASEAN-ROK Summit" in summit_only and "24th ASEAN-ROK Dialogue" not in summit_only
    assert "24th ASEAN-ROK Dialogue" in get(client, "/meetings/2020/")
    assert "No meetings yet" in get(client, "/meetings/2018/")
    # Meetings the seeds mention are listed too, marked as known only from mentions.
    mentioned = get(client, "/meetings/2019/")
    assert "ASEAN-ROK Commemorative Summit, 26 November 2019" in mentioned and "known only from mentions" in mentioned
    get(client, "/meetings/?series=no-such-series", status=404)


def test_meeting_page_links_its_documents_and_neighbours_in_the_series(client, seeds):
    later = add_statement(SCATTERED_WORDS, "22nd.txt")
    summit = seeds["summit"].meeting
    page = get(client, summit.get_absolute_url())
    assert seeds["summit"].get_absolute_url() in page
    assert "12 November 2020" in page and "Videoconference" in page
    assert "Nguyễn Xuân Phúc (Viet Nam)" in page
    assert f'rel="next" href="{later.meeting.get_absolute_url()}"' in page
    later_page = get(client, later.meeting.get_absolute_url())
    assert f'rel="prev" href="{summit.get_absolute_url()}"' in later_page
    assert "Bandar Seri Begawan, Brunei Darussalam" in later_page


def test_previous_and_next_follow_the_ordinal(db):
    series = MeetingSeries.objects.get(name="ASEAN-ROK Summit")
    meetings = {n: Meeting.objects.create(series=series, ordinal=n, title=f"{n}th", slug=f"m{n}",
                                          start_date=datetime.date(2000 + n, 1, 1)) for n in (18, 19, 21)}
    assert meetings[19].previous_in_series() == meetings[18]
    assert meetings[19].next_in_series() == meetings[21]
    assert meetings[21].next_in_series() is None


def test_document_page_numbers_paragraphs_with_stable_anchors(client, seeds):
    page = get(client, seeds["summit"].get_absolute_url())
    for number in (1, 4, 22):
        assert f'id="p{number}"' in page and f'href="#p{number}"' in page
    cite_url = f"/paragraphs/{seeds['summit'].paragraphs.get(anchor='p4').pk}/cite/"
    assert f'href="{cite_url}"' in page  # the absolute permalink is on the paragraph's cite page
    assert "http://testserver" + seeds["summit"].get_absolute_url() + "#p4" in get(client, cite_url)
    assert "52-Final-Chairmans-Statement-of-the-21st-ASEAN-ROK-Summit.pdf" in page
    assert "Below is the full text" in page  # the preface, shown as the summary
    dialogue = get(client, seeds["dialogue"].get_absolute_url())
    assert 'id="p10"' in dialogue and 'id="p11"' not in dialogue


def test_document_page_highlights_the_search_terms(client, seeds):
    page = get(client, seeds["summit"].get_absolute_url() + '?q="South China Sea"')
    assert "<mark>South China Sea</mark>" in page
    assert "<mark>" not in get(client, seeds["summit"].get_absolute_url())


@pytest.mark.parametrize("url", ["/documents/nope/", "/meetings/nope/"])
def test_unknown_pages_are_404(client, db, url):
    get(client, url, status=404)


def test_search_page_shows_hits_with_snippets_and_facets(client, seeds):
    page = get(client, '/search/?q="Korean Peninsula"')
    assert "2 paragraphs found" in page
    assert "<mark>Korean Peninsula</mark>" in page
    assert "#p21" in page
    assert "Meeting series" in page and "Year" in page and "Document type" in page
    assert "No paragraphs match" in get(client, "/search/?q=zzzyzzz")


def test_static_files_are_served(client, db):
    response = client.get("/static/archive/style.css")
    assert response.status_code == 200
    assert b".paragraph" in b"".join(response.streaming_content)


def test_statements_link_the_meetings_they_mention_both_ways(client, seeds):
    summit = seeds["summit"]
    page = get(client, summit.get_absolute_url())
    asean_summit = Meeting.objects.get(series__name="ASEAN Summit", ordinal=36)
    assert asean_summit.known_only_from_mentions and asean_summit.start_date == datetime.date(2020, 6, 26)
    assert f'<a href="{asean_summit.get_absolute_url()}">36th ASEAN Summit</a>' in page
    mentioned = get(client, asean_summit.get_absolute_url())
    assert "known to the archive only because other statements mention it" in mentioned
    assert summit.get_absolute_url() + "#p3" in mentioned
    apt = Meeting.objects.get(series__name="ASEAN Plus Three Summit")
    assert apt.title == "Special ASEAN Plus Three Summit, 14 April 2020"
    # Both seeds mention it: one meeting, linked from both.
    assert {p.document for p in apt.mentioned_in.all()} == {seeds["summit"], seeds["dialogue"]}
    assert "Meetings its statements mention" in get(client, summit.meeting.get_absolute_url())


def test_a_mentioned_meeting_is_completed_not_duplicated_by_its_own_statement(client, seeds):
    statement = """Chairman's Statement of the 36th ASEAN Summit

1. The 36th ASEAN Summit was held via videoconference on 26 June 2020, chaired by Viet Nam.
"""
    own = add_statement(statement, "36th.txt")
    meeting = Meeting.objects.get(series__name="ASEAN Summit")
    assert own.meeting == meeting and not meeting.known_only_from_mentions
    assert meeting.mode == "videoconference"
