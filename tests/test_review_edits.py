"""The paragraph split can be edited on the review page, before saving, as on a saved document's page."""

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Document

from .test_admin_corrections import SECTIONS, reparse_page, reparse_with_defaults, rows
from .test_admin_permissions import log_in
from .test_admin_upload import SCATTERED_WORDS, UPLOAD_URL, admin_client, review_data, search_count  # noqa: F401

HEADING = "Economic cooperation and trade in goods."


def review(client, *texts):
    """Upload statements (name, text) and return the review page."""
    files = [SimpleUploadedFile(name, text.encode()) for name, text in texts]
    response = client.post(UPLOAD_URL, {"files": files})
    assert response.status_code == 200 and not response.context["failures"]
    return response


def press(client, page, op=None, text=None, file=0, typed=(), **fields):
    """Choose the paragraph starting with `text` in the preview of file number `file` and press an edit
    (`fields`: its other inputs, forget=… to undo one) on the review page, the file's corrections `typed` (a
    dict) first; returns the page shown again."""
    item = page.context["previews"][file]
    prefix = item["edit"].prefix
    data = {**review_data(page), **{f"{item['form'].prefix}-{name}": value for name, value in dict(typed).items()},
            **{f"{prefix}-{name}": value for name, value in fields.items()}}
    if op:
        data[f"{prefix}-op"] = op
    if text:
        data[f"{prefix}-paragraph"] = next(index for index, p in enumerate(item["paragraphs"]) if p.text.startswith(text))
    response = client.post(UPLOAD_URL, data)
    assert response.status_code == 200
    return response


def shown(page, file=0):
    return [(p.number, p.heading, p.text) for p in page.context["previews"][file]["paragraphs"]]


def outcome(page, file=0):
    return page.context["previews"][file]["outcome"]


def test_edits_made_before_saving_are_saved_recorded_and_made_again_by_a_reparse(admin_client):
    page = review(admin_client, ("s.txt", SECTIONS))
    assert [text[:12] for _, _, text in shown(page)] == [
        "The 24th ASE", "Photo credit", "We welcomed ", HEADING[:12], "We welcomed ", "We encourage"]
    page = press(admin_client, page, "furniture", "Photo credit")
    assert outcome(page) == ("success", "Done: remove “Photo credit: Ministry of Foreign Affairs” as page furniture.")
    page = press(admin_client, page, "heading", "Economic cooperation")
    page = press(admin_client, page, "split", "We encouraged", after="between our  cities.")
    page = press(admin_client, page, "number", "We also supported", number="5")
    page = press(admin_client, page, "merge", "We welcomed the progress")
    page = press(admin_client, page, "number", "The 24th", number="")
    expected = [
        ("", "", "The 24th ASEAN-ROK Summit was held in Jakarta, Indonesia on 6 September 2023."),
        ("2", "", "We welcomed the progress in political and security cooperation over the past year. We welcomed "
                  "the upgrade of the free trade agreement and the growth of two-way trade."),
        ("4", HEADING, "We encouraged more flights between our cities."),
        ("5", HEADING, "We also supported scholarships for young people."),
    ]
    assert shown(page) == expected
    html = page.content.decode()
    assert "4 paragraphs (6 edits)" in html and "Done: print no number for “The 24th ASEAN-ROK Summit" in html
    assert "<td class=\"text\">We encouraged more flights between our cities.</td>" in html
    edits = json.loads(page.context["previews"][0]["form"]["paragraph_edits"].value())
    assert [edit["op"] for edit in edits] == ["furniture", "heading", "split", "number", "merge", "number"]
    assert edits[2] == {"op": "split", "text": "We encouraged more flights between our cities. We also supported "
                                               "scholarships for young people.", "after": "between our  cities."}
    assert not Document.objects.exists()  # nothing is saved until Save

    response = admin_client.post(UPLOAD_URL, review_data(page))
    document = Document.objects.get()
    assert response["Location"] == f"/admin/archive/document/{document.pk}/change/"
    assert [(number, heading, text) for number, _, heading, text in rows(document)] == expected
    assert document.paragraph_corrections == edits
    assert list(document.versions.values_list("label", flat=True)) == ["as issued"]
    assert search_count(admin_client, "credit") == 0 and search_count(admin_client, '"scholarships for young"') == 1
    page = admin_client.get(f"/admin/archive/document/{document.pk}/change/").content.decode()
    assert "Edit paragraphs (6 edits)" in page and "paragraphs: <strong>corrected (6 edits)</strong>" in page

    saved = rows(document)
    assert "paragraphs" not in [change.name for change, _ in reparse_page(admin_client, document).context["changes"]]
    assert "no longer applies" not in reparse_with_defaults(admin_client, document).content.decode()
    assert rows(document) == saved and Document.objects.get().paragraph_corrections == edits


def test_an_edit_keeps_the_other_files_and_the_corrections_typed_and_can_be_undone(admin_client):
    page = review(admin_client, ("summit.txt", SCATTERED_WORDS), ("s.txt", SECTIONS))
    summit_read, read = shown(page, 0), shown(page, 1)
    data = {**review_data(page), "f0-title": "Typed, not saved yet", "f1-published_on": "not a date",
            "f1-edit-paragraph": "1", "f1-edit-op": "furniture"}
    page = admin_client.post(UPLOAD_URL, data)
    assert shown(page, 0) == summit_read and outcome(page, 0) is None
    assert page.context["previews"][0]["form"]["title"].value() == "Typed, not saved yet"
    assert "Enter a valid date." in page.content.decode()
    assert shown(page, 1) == read[:1] + read[2:]

    page = press(admin_client, page, "heading", "Economic", file=1, typed={"published_on": "2023-09-06"})
    page = press(admin_client, page, file=1, forget="0")
    assert outcome(page, 1) == ("success", "Undone: remove “Photo credit: Ministry of Foreign Affairs” as page "
                                           "furniture.")
    assert shown(page, 1) == [read[0], read[1], read[2], (read[4][0], HEADING, read[4][2]),
                              (read[5][0], HEADING, read[5][2])]

    admin_client.post(UPLOAD_URL, review_data(page))
    summit, sections = Document.objects.get(sources__name="summit.txt"), Document.objects.get(sources__name="s.txt")
    assert summit.title == "Typed, not saved yet" and summit.paragraph_corrections == []
    assert sections.published_on == datetime.date(2023, 9, 6)
    assert [edit["op"] for edit in sections.paragraph_corrections] == ["heading"]
    assert sections.paragraphs.filter(text__startswith="Photo credit").exists()
    assert not sections.paragraphs.filter(text=HEADING).exists()


def test_an_edit_that_cannot_be_made_is_refused_with_the_reason(admin_client):
    page = review(admin_client, ("s.txt", SECTIONS))
    read = shown(page)
    page = press(admin_client, page, "split", "We encouraged", after="words it does not contain")
    assert outcome(page) == ("error", "To split a paragraph, give words it contains before its end.")
    page = press(admin_client, page, "merge", "We encouraged")
    assert outcome(page) == ("error", "The last paragraph has none after it to join.")
    page = press(admin_client, page, "furniture")
    assert outcome(page) == ("error", "Choose a paragraph and an edit.")
    page = press(admin_client, page, "furniture", paragraph="6")
    assert outcome(page)[0] == "error" and "The paragraphs changed meanwhile" in outcome(page)[1]
    page = press(admin_client, page, forget="0")
    assert outcome(page) == ("error", "That edit is no longer recorded.")
    assert shown(page) == read and page.context["previews"][0]["edits"] == []


def test_the_edits_are_escaped_on_the_page(admin_client):
    text = SECTIONS + "\n5. Tariffs fell where <b>imports</b> & quotas < 5% of trade were kept.\n"
    page = review(admin_client, ("s.txt", text))
    page = press(admin_client, page, "split", "Tariffs fell", after="& quotas <")
    html = page.content.decode()
    assert "after “&amp; quotas &lt;”" in html and "&quot;after&quot;: &quot;&amp; quotas &lt;&quot;" in html
    assert "& quotas <" not in html
    assert shown(page)[-2:] == [("5", "", "Tariffs fell where imports & quotas <"), ("", "", "5% of trade were kept.")]


def test_a_tampered_list_of_edits_is_refused(admin_client):
    page = review(admin_client, ("s.txt", SECTIONS))
    for tampered in ["not json", '{"op": "furniture"}', '[{"op": "furniture", "text": "Photo", "extra": "x"}]',
                     '[{"op": "drop", "text": "Photo"}]', '[{"op": "furniture", "text": 5}]',
                     '[{"op": "number", "text": "We also", "number": "<script>alert(1)</script>"}]',
                     '[{"op": "number", "text": "We also", "number": "' + "9" * 31 + '"}]']:
        data = {**review_data(page), "f0-paragraph_edits": tampered}
        response = admin_client.post(UPLOAD_URL, data, follow=True)
        assert "Nothing was saved from s.txt: the review form was incomplete" in response.content.decode(), tampered
        response = admin_client.post(UPLOAD_URL, {**data, "f0-edit-paragraph": "0", "f0-edit-op": "furniture"})
        assert response.context["failures"] == [("s.txt", "the review form was incomplete")], tampered
        assert response.context["previews"] == []
    assert not Document.objects.exists()


def test_an_edit_naming_a_paragraph_the_file_lacks_is_reported(admin_client):
    page = review(admin_client, ("s.txt", SECTIONS))
    gone = {"op": "furniture", "text": "A line this statement does not have."}
    data = {**review_data(page), "f0-paragraph_edits": json.dumps([gone]), "f0-edit-paragraph": "1",
            "f0-edit-op": "furniture"}
    page = admin_client.post(UPLOAD_URL, data)
    assert "this paragraph edit no longer applies: remove “A line this statement does not have.”" in \
        page.content.decode()
    assert len(shown(page)) == 5
    response = admin_client.post(UPLOAD_URL, review_data(page), follow=True)
    assert "This paragraph edit no longer applies: remove “A line this statement does not have.”" in \
        response.content.decode()
    assert [edit["op"] for edit in Document.objects.get().paragraph_corrections] == ["furniture", "furniture"]


def test_only_those_who_may_upload_edit_a_review(client, db):
    page_data = {"review": "1", "count": "1", "f0-edit-paragraph": "0", "f0-edit-op": "furniture"}
    log_in(client, "reviewer", "Reviewers")
    response = client.post(UPLOAD_URL, page_data)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    client.logout()
    log_in(client, "editor", "Editors")
    page = review(client, ("s.txt", SECTIONS))
    page = press(client, page, "furniture", "Photo credit")
    assert page.context["failures"] == [], page.context["failures"]
    assert outcome(page)[0] == "success" and len(shown(page)) == 5
