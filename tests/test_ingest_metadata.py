"""What the importer reads from a statement's header and text: the release date as publishers print it, the
meeting's chair, and the other meetings the text names."""

import datetime

import pytest

from archive.ingest.mentions import find_mentions
from archive.ingest.metadata import MeetingInfo, extract_metadata, find_chairs, find_published_on

from .test_ingest_golden import catalogue

TITLE = "Chairman's Statement of the 24th ASEAN-Republic of Korea Summit"
OPENING = "The 24th ASEAN-Republic of Korea Summit was held on 6 September 2023 in Jakarta, Indonesia."


def published(header, page_date=None, footer=()):
    return extract_metadata([TITLE, *header], [OPENING], catalogue(), list(footer), page_date).published_on


@pytest.mark.parametrize("line, expected", [
    ("Writer : Mission to ASEAN Date : 2021-10-28 Views : 412", datetime.date(2021, 10, 28)),
    ("Writer Mission to ASEAN Date 2023-09-12 Views 164", datetime.date(2023, 9, 12)),
    ("Released on Thursday, 7 September 2023", datetime.date(2023, 9, 7)),
    ("Last updated: September 8th, 2023", datetime.date(2023, 9, 8)),
    ("Posted: 08/09/2023 | Share", datetime.date(2023, 9, 8)),
    ("INTERNATIONAL COOPERATION Phnom Penh, 12 November 2022", datetime.date(2022, 11, 12)),
])
def test_a_release_date_is_read_as_the_publisher_labels_it(line, expected):
    assert published(["Jakarta, Indonesia, 6 September 2023", line]) == expected


def test_a_labelled_date_is_not_taken_from_a_note_about_an_earlier_text():
    header = ["Phnom Penh, 14 November 2022", "(Revised version, replacing the text issued on 12 November 2022)"]
    assert published(header) == datetime.date(2022, 11, 14)


def test_the_page_date_wins_over_the_meetings_venue_line():
    assert published(["Jakarta, 6 September 2023"], page_date=datetime.date(2023, 9, 8)) == datetime.date(2023, 9, 8)
    assert published(["6 September 2023, Jakarta, Indonesia"], page_date=datetime.date(2023, 9, 8)) \
        == datetime.date(2023, 9, 8)


def test_an_upload_date_a_catalogue_date_and_a_signing_line_are_not_release_dates():
    assert published(["Uploaded by asean_docs on Sep 10, 2023"]) is None
    assert published(["[Place] Jakarta, Indonesia", "[Date] September 6, 2023"]) is None
    assert published([], footer=["Jakarta, 6 September 2023"]) is None
    assert published([], footer=["8 September 2023"]) == datetime.date(2023, 9, 8)


def test_the_found_release_date_is_marked_found():
    assert find_published_on(["Date : 2023-09-08"], None, [], None) == (datetime.date(2023, 9, 8), "found")
    assert find_published_on([], None, [], datetime.date(2023, 9, 8)) == (datetime.date(2023, 9, 8), "guessed")


@pytest.mark.parametrize("text, chair, country", [
    ("The Meetings were hosted by Viet Nam. The Meeting was co-chaired by Dato Erywan Pehin Yusof, Minister of "
     "Foreign Affairs II of Brunei Darussalam, and Minister Kang Kyung-wha of the Republic of Korea.",
     "Erywan Pehin Yusof", "Brunei Darussalam"),
    ("The Summit was held under the chairmanship of Prime Minister Anwar Ibrahim of Malaysia on 27 October 2025.",
     "Anwar Ibrahim", "Malaysia"),
    ("President Ferdinand R. Marcos Jr. of the Philippines, as Chair, opened the Meeting.",
     "Ferdinand R. Marcos Jr", "Philippines"),
    ("The Summit was presided over by Prime Minister Hun Manet of Cambodia.", "Hun Manet", "Cambodia"),
    ("The Related Meetings were hosted by Singapore.", "", "Singapore"),
])
def test_the_chair_is_read_from_how_statements_name_it(text, chair, country):
    assert find_chairs(text)[:2] == (chair, country)


def test_a_chair_named_in_the_opening_of_remarks_takes_the_host_country():
    header = ["Remarks by President Yoon Suk Yeol at the 26th ASEAN Plus Three Summit", "2023.09.06",
              "Jakarta Convention Center, Jakarta", "Mr. Chair, President Joko Widodo, fellow leaders,"]
    metadata = extract_metadata(header, ["ASEAN Plus Three was born out of a crisis a quarter of a century ago."],
                                catalogue())
    assert (metadata.meeting.chair, metadata.meeting.chair_country) == ("Joko Widodo", "Indonesia")


def mentions(text, own=None, year=None):
    return [(m.series, m.ordinal, m.date) for m in find_mentions([text], catalogue(), own, year)]


def test_a_meeting_named_by_neither_ordinal_nor_day_is_not_linked():
    """Which meeting "the Commemorative Summit in November 2019" or "a Ministerial Meeting on Smart City" is, the
    text does not say: linking such names made a second, undated Commemorative Summit beside the one of 26 November
    2019, and took a proposed ministerial meeting on smart cities for the Foreign Ministers' Meeting."""
    assert mentions("They looked forward to the ASEAN-ROK Commemorative Summit and the first Mekong-ROK Summit to "
                    "be held in Busan in November 2019.") == [("Mekong-ROK Summit", 1, None)]
    assert mentions("ASEAN looked forward to the convening of the ASEAN-ROK Ministerial Meeting on Smart City and "
                    "Infrastructure as proposed by the ROK.") == []
    assert mentions("They agreed to hold an ASEAN-ROK Commemorative Summit to be held in the ROK in 2019.") == []
    assert mentions("The ASEAN-ROK Summit remains the apex of the partnership.") == []


def test_the_own_meeting_named_by_its_place_is_not_a_mention():
    own = MeetingInfo("ASEAN-ROK Summit", 24, datetime.date(2023, 9, 6))
    assert mentions("The ASEAN-ROK Summit in Jakarta reviewed the partnership.", own) == []


def test_a_shortened_series_name_and_a_date_without_its_year():
    assert mentions("They recalled the Commemorative Summit on Jeju Island on 1-2 June 2009.") == [
        ("ASEAN-ROK Commemorative Summit", None, datetime.date(2009, 6, 1))]
    assert mentions("Viet Nam was invited to the G20 Seoul Summit on November 11-12.", year=2010) == [
        ("G20 Summit", None, datetime.date(2010, 11, 11))]


@pytest.mark.parametrize("text, chair, country", [
    ("Prime Minister Lee Hsien Loong of the Republic of Singapore chaired the Summit, attended by all Leaders.",
     "Lee Hsien Loong", "Singapore"),
    ("Vietnamese Prime Minister Nguyen Xuan Phuc chaired the summit online as this year's ASEAN Chair.",
     "Nguyen Xuan Phuc", "Viet Nam"),
    ("Trade Minister Yeo Han-koo co-chaired the 22nd AEM-ROK Consultation with Tengku Zafrul Aziz, Malaysia's "
     "Minister of Investment, Trade and Industry, in Kuala Lumpur on September 24.", "Tengku Zafrul Aziz", "Malaysia"),
    ("The summit, chaired by Indonesian President Joko Widodo, reviewed the partnership.", "Joko Widodo", "Indonesia"),
    ("On 14 November, the Minister chaired the meeting.", "", ""),
])
def test_the_chair_in_the_active_voice_and_after_a_nationality(text, chair, country):
    assert find_chairs(text)[:2] == (chair, country)


def test_a_byline_makes_a_web_page_a_news_report():
    header = ["Yoon unveils Korea-Asean initiative at Phnom Penh summit"]
    paragraphs = ["President Yoon Suk Yeol spoke at the 23rd Korea-Asean Summit in Phnom Penh on Friday."]
    assert extract_metadata(header, paragraphs, catalogue(), byline="SARAH KIM").kind == "News Article"
    assert extract_metadata(header, paragraphs, catalogue()).kind != "News Article"


def test_an_attachment_file_name_is_not_the_title():
    header = ["Title", "Trade Minister co-chairs AEM-ROK Consultation", "Attachment",
              "(250925) AEM-ROK Consultation press release.hwp"]
    metadata = extract_metadata(header, ["The 22nd AEM-ROK Consultation was held in Kuala Lumpur."], catalogue())
    assert metadata.title == "Trade Minister co-chairs AEM-ROK Consultation"


def test_a_forum_joined_in_a_year_is_not_a_mention():
    assert mentions("We recalled that the ROK joined the ASEAN Regional Forum in 1994.") == []


def test_a_meeting_day_printed_without_its_year_takes_the_release_year():
    header = ["Centre hosts events for the ASEAN-Korea Commemorative Summit", "Posted: January 3rd, 2020"]
    paragraphs = ["Leaders met in Busan on 26 November for the ASEAN-Korea Commemorative Summit."]
    meeting = extract_metadata(header, paragraphs, catalogue()).meeting
    assert meeting.start_date == datetime.date(2019, 11, 26)
    assert extract_metadata(header[:1], paragraphs, catalogue()).meeting.start_date is None


def test_co_chairs_joined_by_and_with_a_nationality():
    text = ("The summit was co-chaired by President Moon and Thai Prime Minister Prayut Chan-o-cha, whose country "
            "held the ASEAN chairmanship, and was the third such summit.")
    assert find_chairs(text)[:2] == ("Prayut Chan-o-cha", "Thailand")


def test_the_meeting_a_leader_attended_on_a_day_without_its_year():
    header = ["Results of the 13th ASEAN-ROK Summit", "October 30, 2010"]
    paragraphs = ["President Lee Myung-bak attended the 13th ASEAN-ROK Summit in Hanoi, Viet Nam, on October 29. The "
                  "leaders reviewed the cooperation since the Commemorative Summit held on Jeju Island on June 1-2, 2009."]
    assert extract_metadata(header, paragraphs, catalogue()).meeting.start_date == datetime.date(2010, 10, 29)


def test_the_date_held_is_read_where_the_text_names_its_own_meeting():
    header = ["Briefing for Diplomatic Corps on Outcome of 2019 ASEAN-ROK Commemorative Summit"]
    paragraphs = ["The Ministry held a briefing on December 10, 2019 for diplomats in Seoul on the results of the "
                  "ASEAN-ROK Commemorative Summit, which took place in Busan on November 26, 2019."]
    assert extract_metadata(header, paragraphs, catalogue()).meeting.start_date == datetime.date(2019, 11, 26)
