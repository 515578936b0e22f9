"""The admin can fix anything the importer read, and a fix survives imports and re-parses."""

import datetime

from archive.ingest.save import import_statement
from archive.models import Document, Meeting, MeetingSeries

from .test_admin_permissions import log_in
from .test_admin_upload import SCATTERED_WORDS, UPLOAD_URL, admin_client, review_data, search_count  # noqa: F401

SECTIONS = """Chairman's Statement of the 24th ASEAN-ROK Summit

1. The 24th ASEAN-ROK Summit was held in Jakarta, Indonesia on 6 September 2023.

Photo credit: Ministry of Foreign Affairs

2. We welcomed the progress in political and security cooperation over the past year.

Economic cooperation and trade in goods.

3. We welcomed the upgrade of the free trade agreement and the growth of two-way trade.

4. We encouraged more flights between our cities. We also supported scholarships for young people.
"""

MENTIONS_THE_22ND = """Chairman's Statement of the 23rd ASEAN-ROK Summit

1. The 23rd ASEAN-ROK Summit was held in Phnom Penh, Cambodia on 12 November 2022.

2. We recalled the decisions of the 22nd ASEAN-ROK Summit on 26 October 2021 on public health.
"""

THE_22ND = """Chairman's Statement of the 22nd ASEAN-ROK Summit

1. The 22nd ASEAN-ROK Summit was held in Bandar Seri Begawan, Brunei Darussalam on 26 October 2021, chaired by His Majesty Sultan Haji Hassanal Bolkiah, Sultan of Brunei Darussalam.

2. We discussed cooperation on public health and vaccines.
"""


def change_url(obj):
    return f"/admin/archive/{obj._meta.model_name}/{obj.pk}/change/"


def change_form_data(response, **changes):
    """The admin change form (with its inlines) as the page fills it, with `changes` made."""
    forms_ = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_ += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms_:
        for name in form.fields:
            value = form[name].value()
            if value not in (None, False):
                data[form[name].html_name] = "on" if value is True else value
    data.update(changes)
    return data


def correct(client, obj, **changes):
    response = client.post(change_url(obj), change_form_data(client.get(change_url(obj)), **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def upload_text(client, text, name, **changes):
    review = client.post(UPLOAD_URL, {"text": text, "name": name})
    client.post(UPLOAD_URL, review_data(review, **changes))
    return Document.objects.get(sources__name=f"{name}.txt")


def reparse_page(client, document):
    return client.get(f"/admin/archive/document/{document.pk}/reparse/")


def reparse_with_defaults(client, document):
    """Re-parse through the review page, taking what it ticks by default."""
    changes = reparse_page(client, document).context["changes"]
    accept = [change.name for change, _ in changes if not change.corrected]
    return client.post(f"/admin/archive/document/{document.pk}/reparse/", {"accept": accept}, follow=True)


def edit(client, document, op, paragraph_number=None, text=None, **fields):
    paragraph = document.paragraphs.get(number=paragraph_number) if text is None else \
        document.paragraphs.get(text__startswith=text)
    return client.post(f"/admin/archive/document/{document.pk}/paragraphs/",
                       {"paragraph": paragraph.pk, "op": op, **fields}, follow=True)


def rows(document):
    return list(document.paragraphs.values_list("number", "anchor", "heading", "text"))


def test_the_review_page_corrects_the_meeting_and_imports_and_reparses_keep_it(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s", title="The 22nd Summit", meeting_city="Seoul",
                           meeting_country="Republic of Korea", meeting_chair="Yoon Suk Yeol")
    meeting = document.meeting
    assert (document.title, meeting.city, meeting.country, meeting.chair) == \
        ("The 22nd Summit", "Seoul", "Republic of Korea", "Yoon Suk Yeol")
    assert meeting.corrections == ["chair", "city", "country"] and document.extraction["title"] == "corrected"
    assert document.extraction["city"] != "corrected"  # the meeting keeps its own corrections
    page = admin_client.get(change_url(document)).content.decode()
    assert "city: <strong>corrected</strong>" in page and "title: <strong>corrected</strong>" in page
    assert "mode: <strong>guessed</strong>" in page

    import_statement(SCATTERED_WORDS.replace("Ships sailed", "Boats sailed").encode(), "another.txt")
    reparse_with_defaults(admin_client, document)
    meeting.refresh_from_db()
    document.refresh_from_db()
    assert (meeting.city, meeting.chair, document.title) == ("Seoul", "Yoon Suk Yeol", "The 22nd Summit")


def test_a_corrected_ordinal_files_the_statement_under_its_real_meeting_and_stays_there(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s", meeting_ordinal=23)
    assert document.meeting.title == "23rd ASEAN-ROK Summit" and document.extraction["meeting"] == "corrected"
    assert not Meeting.objects.filter(ordinal=22).exists()
    reparse_with_defaults(admin_client, document)
    assert Document.objects.get().meeting.ordinal == 23 and not Meeting.objects.filter(ordinal=22).exists()


def test_the_review_page_offers_meetings_in_order_of_series_and_ordinal(admin_client):
    summits = MeetingSeries.objects.get(name="ASEAN-ROK Summit")
    for ordinal in (21, 3, 12):
        Meeting.objects.create(series=summits, ordinal=ordinal, title=f"Summit number {ordinal}",
                               slug=f"summit-{ordinal}", start_date=datetime.date(2000 + ordinal, 1, 1))
    page = admin_client.post(UPLOAD_URL, {"text": SCATTERED_WORDS, "name": "s"}).content.decode()
    select = page[page.index('name="f0-meeting"'):]
    assert select.index("Summit number 3") < select.index("Summit number 12") < select.index("Summit number 21")


def test_choosing_another_meeting_and_correcting_its_fields_at_once_is_refused(admin_client):
    upload_text(admin_client, SCATTERED_WORDS, "first")
    other = Meeting.objects.create(series=MeetingSeries.objects.get(name="ASEAN-ROK Dialogue"), ordinal=9,
                                   title="9th ASEAN-ROK Dialogue", slug="9th")
    review = admin_client.post(UPLOAD_URL, {"text": SCATTERED_WORDS.replace("22nd", "30th"), "name": "second"})
    response = admin_client.post(UPLOAD_URL, review_data(review, meeting=other.pk, meeting_city="Hanoi"), follow=True)
    assert "choose another meeting or correct the meeting&#x27;s fields, not both" in response.content.decode()
    assert Document.objects.count() == 1 and other.city == ""


def test_the_change_page_corrects_the_document_and_its_meeting(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s")
    correct(admin_client, document, title="Corrected title", kind="Joint Statement", published_on="2021-10-27",
            meeting_city="Seoul", meeting_chair="Chair Person", meeting_end_date="2021-10-28")
    document.refresh_from_db()
    meeting = document.meeting
    assert (document.title, document.kind, document.published_on) == \
        ("Corrected title", "Joint Statement", datetime.date(2021, 10, 27))
    assert {document.extraction[name] for name in ("title", "kind", "published_on")} == {"corrected"}
    assert (meeting.city, meeting.chair, meeting.end_date) == ("Seoul", "Chair Person", datetime.date(2021, 10, 28))
    assert meeting.corrections == ["chair", "city", "end_date"]
    assert admin_client.get("/api/search/", {"q": "Begawan"}).json()["results"][0]["document_title"] == "Corrected title"

    import_statement(SCATTERED_WORDS.encode(), "s.txt")  # the same file imported again
    document.refresh_from_db()
    assert (document.title, document.meeting.city, document.meeting.chair) == ("Corrected title", "Seoul", "Chair Person")


def test_correcting_the_ordinal_on_the_change_page_renames_the_meeting_unless_it_is_taken(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s")
    correct(admin_client, document, meeting_ordinal=25)
    meeting = Meeting.objects.get()
    assert (meeting.ordinal, meeting.title, meeting.corrections) == (25, "25th ASEAN-ROK Summit", ["ordinal"])
    Meeting.objects.create(series=meeting.series, ordinal=26, title="26th ASEAN-ROK Summit", slug="26th")
    url = change_url(document)
    response = admin_client.post(url, change_form_data(admin_client.get(url), meeting_ordinal=26))
    assert "The archive already holds this meeting" in response.content.decode()
    response = admin_client.post(url, change_form_data(admin_client.get(url), meeting=Meeting.objects.get(ordinal=26).pk,
                                                       meeting_city="Hanoi"))
    assert "not both" in response.content.decode()


def test_the_meeting_page_records_corrections_that_imports_keep(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s")
    meeting = document.meeting
    correct(admin_client, meeting, city="Seri Begawan", mode="videoconference")
    meeting.refresh_from_db()
    assert meeting.corrections == ["city", "mode"]
    import_statement(SCATTERED_WORDS.replace("Ships sailed", "Boats sailed").encode(), "again.txt")
    meeting.refresh_from_db()
    assert (meeting.city, meeting.mode) == ("Seri Begawan", "videoconference")


def test_an_upload_completes_a_meeting_known_only_from_mentions(admin_client):
    import_statement(MENTIONS_THE_22ND.encode(), "23rd.txt")
    mentioned = Meeting.objects.get(ordinal=22)
    assert mentioned.known_only_from_mentions and not mentioned.city
    review = admin_client.post(UPLOAD_URL, {"text": THE_22ND, "name": "22nd"})
    assert review.context["previews"][0]["form"].initial["meeting"] == mentioned
    admin_client.post(UPLOAD_URL, review_data(review))
    meeting = Meeting.objects.get(ordinal=22)
    assert meeting.pk == mentioned.pk and not meeting.known_only_from_mentions
    assert (meeting.start_date, meeting.city, meeting.country) == \
        (datetime.date(2021, 10, 26), "Bandar Seri Begawan", "Brunei Darussalam")
    assert "Hassanal Bolkiah" in meeting.chair
    assert Document.objects.get(sources__name="22nd.txt").meeting == meeting


def test_joining_two_paragraphs_is_searchable_kept_as_a_version_and_keeps_other_anchors(admin_client):
    document = upload_text(admin_client, SECTIONS, "s")
    before = rows(document)
    response = edit(admin_client, document, "merge", "3")
    assert "Done: join" in response.content.decode()
    after = rows(document)
    assert len(after) == len(before) - 1
    assert after[-1][0:2] == ("3", "p3") and after[-1][3].endswith("cities. We also supported scholarships for young people.")
    assert after[:-1] == before[:-2]
    assert search_count(admin_client, '"trade and cooperation"') == 0
    hit = admin_client.get("/api/search/", {"q": "scholarships"}).json()["results"][0]
    assert hit["paragraph_number"] == "3" and "two-way trade" in hit["text"]
    versions = list(document.versions.order_by("number").values_list("label", flat=True))
    assert versions == ["as issued", "edited in the admin"]
    assert document.versions.get(number=1).paragraphs[-1]["number"] == "4"  # nothing lost
    assert [c["op"] for c in Document.objects.get().paragraph_corrections] == ["merge"]


def test_split_number_furniture_and_heading_edits_are_made_again_by_a_reparse(admin_client):
    document = upload_text(admin_client, SECTIONS, "s")
    assert document.paragraphs.filter(text__startswith="Photo credit").exists()
    edit(admin_client, document, "furniture", text="Photo credit")
    edit(admin_client, document, "heading", text="Economic cooperation")
    edit(admin_client, document, "split", "4", after="between our cities.")
    edit(admin_client, document, "number", text="We also supported", number="5")
    edit(admin_client, document, "number", "1", number="")
    edited = rows(document)
    assert [(number, heading) for number, _, heading, _ in edited] == [
        ("", ""), ("2", ""), ("3", "Economic cooperation and trade in goods."),
        ("4", "Economic cooperation and trade in goods."), ("5", "Economic cooperation and trade in goods.")]
    assert edited[3][3] == "We encouraged more flights between our cities."
    assert [anchor for _, anchor, _, _ in edited] == ["p0-1", "p2", "p3", "p4", "p5"]
    page = admin_client.get(f"/admin/archive/document/{document.pk}/paragraphs/").content.decode()
    assert "<code>Photo credit: Ministry of Foreign Affairs</code>" in page
    assert search_count(admin_client, "credit") == 0 and search_count(admin_client, "scholarships") == 1
    assert document.versions.count() == 6

    response = reparse_with_defaults(admin_client, document)
    assert "no longer applies" not in response.content.decode()
    assert rows(document) == edited


def test_an_edit_that_no_longer_applies_is_reported_not_dropped(admin_client):
    document = upload_text(admin_client, SECTIONS, "s")
    edit(admin_client, document, "furniture", text="Photo credit")
    edit(admin_client, document, "merge", "3")
    reworded = SECTIONS.replace("the growth of two-way trade", "a new services chapter signed by ministers of both "
                                                                "sides after long talks")
    result = import_statement(reworded.encode(), "s.txt")
    assert result.status == "version" and [c["op"] for c in result.unapplied] == ["merge"]
    assert "this paragraph edit no longer applies: join “We welcomed the upgrade" in result.notes[-1]
    assert not document.paragraphs.filter(text__startswith="Photo credit").exists()
    assert len(Document.objects.get().paragraph_corrections) == 2
    page = reparse_page(admin_client, document).content.decode()
    assert "These paragraph edits no longer apply" in page and "join “We welcomed the upgrade" in page
    response = admin_client.post(f"/admin/archive/document/{document.pk}/paragraphs/", {"forget": "1"}, follow=True)
    assert "Forgotten" in response.content.decode()
    assert [c["op"] for c in Document.objects.get().paragraph_corrections] == ["furniture"]


def test_an_edit_that_cannot_be_made_is_refused_with_the_reason(admin_client):
    document = upload_text(admin_client, SECTIONS, "s")
    before = rows(document)
    page = edit(admin_client, document, "split", "2", after="words it does not contain").content.decode()
    assert "give words it contains before its end" in page
    page = edit(admin_client, document, "merge", "4").content.decode()
    assert "none after it to join" in page
    assert rows(document) == before and Document.objects.get().paragraph_corrections == []


def test_reparse_shows_each_change_and_takes_only_the_accepted_ones(admin_client):
    document = upload_text(admin_client, SCATTERED_WORDS, "s")
    correct(admin_client, document, title="Corrected title")
    Document.objects.filter(pk=document.pk).update(kind="Press Release")  # as an older importer read it
    document.paragraphs.filter(number="3").delete()
    response = admin_client.post("/admin/archive/document/", {"action": "reparse_documents",
                                                               "_selected_action": [document.pk]})
    assert response["Location"] == f"/admin/archive/document/{document.pk}/reparse/"
    page = reparse_page(admin_client, document)
    changes = {change.name: change for change, _ in page.context["changes"]}
    assert set(changes) == {"title", "kind", "paragraphs"}
    assert (changes["title"].current, changes["title"].reparsed, changes["title"].corrected) == \
        ("Corrected title", "Chairman's Statement of the 22nd ASEAN-ROK Summit", True)
    assert (changes["paragraphs"].current, changes["paragraphs"].reparsed) == (2, 3)
    html = page.content.decode()
    assert 'value="kind" checked' in html and 'value="title">' in html and "2 paragraphs" in html

    admin_client.post(f"/admin/archive/document/{document.pk}/reparse/", {"accept": ["kind"]})
    document.refresh_from_db()
    assert (document.title, document.kind, document.paragraphs.count()) == \
        ("Corrected title", "Chairman's Statement", 2)
    assert document.extraction["title"] == "corrected" and document.extraction["kind"] == "found"

    admin_client.post(f"/admin/archive/document/{document.pk}/reparse/", {"accept": ["title", "paragraphs"]})
    document.refresh_from_db()
    assert document.title == "Chairman's Statement of the 22nd ASEAN-ROK Summit"
    assert document.extraction["title"] == "found" and document.paragraphs.count() == 3


def test_reviewers_cannot_edit_paragraphs_or_reparse(client, seeds):
    document = seeds["summit"]
    log_in(client, "reviewer", "Reviewers")
    assert client.get(change_url(document)).status_code == 200
    assert "Edit paragraphs" not in client.get(change_url(document)).content.decode()
    paragraph = document.paragraphs.get(number="1")
    url = f"/admin/archive/document/{document.pk}/paragraphs/"
    assert client.post(url, {"paragraph": paragraph.pk, "op": "furniture"}).status_code == 403
    assert client.get(f"/admin/archive/document/{document.pk}/reparse/").status_code == 403
    assert client.post(f"/admin/archive/document/{document.pk}/reparse/", {"accept": ["paragraphs"]}).status_code == 403
    assert document.paragraphs.filter(pk=paragraph.pk).exists()
    assert Document.objects.get(pk=document.pk).paragraph_corrections == []


def test_editors_edit_paragraphs_and_unchanged_paragraphs_keep_their_anchors(client, seeds):
    document = seeds["dialogue"]  # printed without numbers: its anchors are positions
    log_in(client, "editor", "Editors")
    assert "Edit paragraphs" in client.get(change_url(document)).content.decode()
    before = rows(document)
    edit(client, document, "merge", text=before[1][3])
    after = rows(document)
    assert len(after) == 9 and after[0] == before[0] and after[2:] == before[3:]
    assert [anchor for _, anchor, _, _ in after[2:]] == [f"p{n}" for n in range(4, 11)]


def test_a_statement_naming_no_meeting_is_filed_under_the_series_and_ordinal_the_admin_gives(admin_client):
    review = admin_client.post(UPLOAD_URL, {"text": "1. A paragraph naming no meeting.\n", "name": "notes"})
    response = admin_client.post(UPLOAD_URL, review_data(review, meeting_city="Seoul"), follow=True)
    assert "Nothing was saved from notes.txt: no meeting of a known series" in response.content.decode()
    series = MeetingSeries.objects.get(name="ASEAN-ROK Dialogue")
    review = admin_client.post(UPLOAD_URL, {"text": "1. A paragraph naming no meeting.\n", "name": "notes"})
    admin_client.post(UPLOAD_URL, review_data(review, meeting_series=series.pk, meeting_ordinal=26, meeting_city="Seoul"))
    meeting = Document.objects.get().meeting
    assert (meeting.title, meeting.city, meeting.corrections) == ("26th ASEAN-ROK Dialogue", "Seoul", ["city"])
