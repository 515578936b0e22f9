import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Document, Meeting, Paragraph
from archive.search.indexing import get_backend

from .conftest import SCATTERED_WORDS, SEEDS, SUMMIT_SEED

UPLOAD_URL = "/admin/archive/document/upload/"
HOSTILE = """Joint Statement of the 25th ASEAN-ROK Dialogue

1. The 25th ASEAN-ROK Dialogue was held in Seoul on 3 June 2021. <script>alert("stolen")</script>We praised the <b onclick="steal()">zebrafish</b> project.

2. <a href="javascript:steal()">Click</a> <style>body{display:none}</style>Both sides welcomed the marmalade initiative.
"""


@pytest.fixture
def admin_client(client, transactional_db, django_db_serialized_rollback):
    get_backend().clear()
    user = User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    return client


def review_data(response, **changes):
    """The review form as the admin would submit it (as the page shows it), with `changes` made to every file's
    fields."""
    data = {"review": "1", "count": str(response.context["count"])}
    for item in response.context["previews"]:
        form = item["form"]
        for name, field in form.fields.items():
            value = field.prepare_value(changes[name]) if name in changes else form[name].value()
            if name == "save":
                value = "on" if value else ""
            data[f"{form.prefix}-{name}"] = "" if value is None else value
    return data


def upload(client, **post):
    """Upload, then save from the review page; returns (review response, save response)."""
    review = client.post(UPLOAD_URL, post)
    assert review.status_code == 200
    meeting = post.pop("meeting", None)
    changes = {"meeting": meeting} if meeting else {}
    return review, client.post(UPLOAD_URL, review_data(review, **changes))


def search_count(client, query):
    return client.get("/api/search/", {"q": query}).json()["count"]


def test_uploaded_statement_is_searchable_as_soon_as_the_save_returns(admin_client):
    upload_file = SimpleUploadedFile(SUMMIT_SEED, (SEEDS / SUMMIT_SEED).read_bytes(), content_type="text/plain")
    review, response = upload(admin_client, files=[upload_file])
    assert "22 paragraphs" in review.content.decode()
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{document.pk}/change/")
    assert document.paragraphs.count() == 22
    data = admin_client.get("/api/search/", {"q": '"South China Sea"'}).json()
    assert data["count"] == 1 and data["results"][0]["paragraph_number"] == "22"


def test_pasted_text_is_parsed_like_an_import(admin_client):
    review, response = upload(admin_client, text=SCATTERED_WORDS, name="22nd summit")
    assert response.status_code == 302
    assert review.status_code == 200 and "3 paragraphs" in review.content.decode()
    document = Document.objects.get()
    assert document.primary_source.name == "22nd summit.txt"
    assert list(document.paragraphs.values_list("number", flat=True)) == ["1", "2", "3"]
    assert document.meeting.title == "22nd ASEAN-ROK Summit"
    assert search_count(admin_client, "Begawan") == 1


def test_markup_in_an_upload_is_never_shown(admin_client):
    review, _ = upload(admin_client, text=HOSTILE, name="hostile")
    assert "stolen" not in review.content.decode() and "onclick" not in review.content.decode()
    document = Document.objects.get()
    texts = " ".join(document.paragraphs.values_list("text", flat=True))
    assert "script" not in texts and "stolen" not in texts and "display:none" not in texts and "<" not in texts
    assert "We praised the zebrafish project." in texts
    page = admin_client.get(document.get_absolute_url() + "?q=zebrafish").content.decode()
    assert "stolen" not in page and "onclick" not in page and "javascript:" not in page
    assert "<mark>zebrafish</mark>" in page
    hit = admin_client.get("/api/search/", {"q": "marmalade"}).json()["results"][0]
    assert "javascript" not in hit["snippet"] and "<mark>marmalade</mark>" in hit["snippet"]


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "the file is empty"),
    ("scan.pdf", b"%PDF-1.4 binary", "the PDF cannot be opened"),
    ("archive.docx", b"PK\x03\x04 not really a zip", "damaged"),
])
def test_a_broken_upload_is_refused_with_the_reason_and_nothing_saved(admin_client, name, content, reason):
    response = admin_client.post(UPLOAD_URL, {"files": [SimpleUploadedFile(name, content)]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing will be saved from these files" in page and name in page and reason in page
    assert (Document.objects.count(), Paragraph.objects.count(), Meeting.objects.count()) == (0, 0, 0)


def test_a_statement_naming_no_meeting_is_refused_unless_one_is_chosen(admin_client):
    review, response = upload(admin_client, files=[SimpleUploadedFile("notes.txt", b"1. A paragraph naming no meeting.\n")])
    assert "No meeting of a known series is named" in review.content.decode()
    page = admin_client.get(response["Location"]).content.decode()
    assert "Nothing was saved from notes.txt: no meeting of a known series" in page
    assert (Document.objects.count(), Paragraph.objects.count(), Meeting.objects.count()) == (0, 0, 0)


def test_upload_form_requires_a_file_or_text(admin_client):
    page = admin_client.post(UPLOAD_URL, {}).content.decode()
    assert "Choose a file to upload or paste a statement" in page


def test_upload_into_a_chosen_meeting(admin_client):
    upload(admin_client, text=SCATTERED_WORDS, name="first")
    meeting = Meeting.objects.get()
    review, response = upload(admin_client, text="A short note on cooperation.\n", name="note", meeting=meeting)
    assert "No meeting of a known series is named" in review.content.decode()
    assert response.status_code == 302
    assert Document.objects.get(sources__name="note.txt").meeting == meeting


def test_admin_edits_and_deletes_reach_search(admin_client):
    upload(admin_client, text=SCATTERED_WORDS, name="s")
    paragraph = Paragraph.objects.get(number="2")
    paragraph.text = "A paragraph now about narwhals."
    paragraph.save()
    assert search_count(admin_client, "narwhals") == 1
    assert search_count(admin_client, "Ships") == 0
    meeting = Meeting.objects.get()
    meeting.title = "Renamed meeting"
    meeting.save()
    assert admin_client.get("/api/search/", {"q": "narwhals"}).json()["results"][0]["meeting"] == "Renamed meeting"
    paragraph.delete()
    assert search_count(admin_client, "narwhals") == 0
    Document.objects.get().delete()
    assert search_count(admin_client, "Begawan") == 0


def test_admin_pages_render(admin_client):
    upload(admin_client, text=SCATTERED_WORDS, name="s")
    document = Document.objects.get()
    for url in ["/admin/", "/admin/archive/document/", UPLOAD_URL, f"/admin/archive/document/{document.pk}/change/",
                "/admin/archive/meeting/", f"/admin/archive/meeting/{document.meeting.pk}/change/",
                "/admin/archive/meetingseries/", "/admin/archive/paragraph/?q=Ships"]:
        assert admin_client.get(url).status_code == 200, url
    assert "Upload statements" in admin_client.get("/admin/archive/document/").content.decode()


def test_nothing_is_saved_until_the_review_is_confirmed(admin_client):
    review = admin_client.post(UPLOAD_URL, {"text": SCATTERED_WORDS, "name": "draft"})
    page = review.content.decode()
    assert "Review before saving" in page and "3 paragraphs" in page
    assert "Bandar Seri Begawan" in page and "guessed" in page
    assert not Document.objects.exists() and search_count(admin_client, "Begawan") == 0


def test_corrections_made_in_the_review_are_saved_and_marked(admin_client):
    review = admin_client.post(UPLOAD_URL, {"text": SCATTERED_WORDS, "name": "fix-me"})
    admin_client.post(UPLOAD_URL, review_data(review, title="Corrected title", kind="Joint Statement"))
    document = Document.objects.get()
    assert (document.title, document.kind) == ("Corrected title", "Joint Statement")
    assert document.extraction["title"] == "corrected"


def test_a_tampered_review_cannot_read_other_files(admin_client):
    review = admin_client.post(UPLOAD_URL, {"text": SCATTERED_WORDS, "name": "x"})
    data = review_data(review)
    data["f0-stored_file"] = "../../../etc/passwd"
    response = admin_client.post(UPLOAD_URL, data, follow=True)
    assert "the review form was incomplete" in response.content.decode()
    assert not Document.objects.exists()


def test_reparse_reruns_the_importer_on_the_stored_original(admin_client):
    upload(admin_client, text=SCATTERED_WORDS, name="again")
    document = Document.objects.get()
    document.paragraphs.update(text="damaged")
    source = document.primary_source
    assert source.checksum and (settings.DATA_DIR / source.stored_file).is_file()
    response = admin_client.post("/admin/archive/document/", {"action": "reparse_documents", "_selected_action": [document.pk]}, follow=True)
    assert "Re-parsed" in response.content.decode()
    assert "Ships sailed south" in document.paragraphs.get(number="2").text


def test_pdf_and_word_uploads_are_read_like_imports(admin_client, tmp_path):
    from .golden_builders import BUILDERS

    BUILDERS["multipage.pdf"](tmp_path / "multipage.pdf")
    BUILDERS["headings.docx"](tmp_path / "headings.docx")
    files = [SimpleUploadedFile(name, (tmp_path / name).read_bytes()) for name in ("multipage.pdf", "headings.docx")]
    review = admin_client.post(UPLOAD_URL, {"files": files})
    page = review.content.decode()
    assert "multipage.pdf <small>(pdf)</small>" in page and "headings.docx <small>(docx)</small>" in page
    assert "lines removed as page furniture" in page
    admin_client.post(UPLOAD_URL, review_data(review))
    pdf = Document.objects.get(sources__name="multipage.pdf")
    assert pdf.title == "Chairman’s Statement of the 20th ASEAN-ROK Summit"
    assert not pdf.paragraphs.filter(text__contains="Page 2 of").exists()
    assert Document.objects.get(sources__name="headings.docx").paragraphs.exclude(heading="").exists()
