import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from archive.models import Document, Meeting, Paragraph

from .conftest import DIALOGUE_SEED, SEEDS, SUMMIT_SEED, run_import

FURNITURE = ["Skip to Content", "ABOUT ASEAN", "Menu -", "SITEMAP", "WHAT WE DO", "Address:", "Mobile:",
             "Fax:", "National ASEAN 2020 Committee", "Tài liệu đính kèm", "Below is the full text"]


def import_json(*paths):
    out = io.StringIO()
    call_command("import_statements", "--json", *map(str, paths), stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def texts(document):
    return list(document.paragraphs.values_list("text", flat=True))


def test_summit_statement_splits_into_its_22_numbered_paragraphs(seeds):
    summit = seeds["summit"]
    numbers = list(summit.paragraphs.values_list("number", flat=True))
    assert numbers == [str(n) for n in range(1, 23)]
    assert texts(summit)[0].startswith("The 21st ASEAN-Republic of Korea (ROK) Summit was held via videoconference")
    assert texts(summit)[21].endswith("including the 1982 UNCLOS.")


def test_page_breaks_are_joined_without_gluing_words(seeds):
    paragraphs = texts(seeds["summit"])
    assert "foster closer cooperation in the next five (5) years. ASEAN Leaders welcomed" in paragraphs[1]
    assert "in response to the COVID-19 Outbreak" in paragraphs[4]
    assert "recovery. We reaffirmed the commitment to maintaining trade" in paragraphs[4]
    assert not any("  " in text or "fiveyears" in text or "Wereaffirmed" in text for text in paragraphs)


def test_summit_metadata(seeds):
    summit = seeds["summit"]
    assert summit.title == "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit"
    assert summit.kind == "Chairman's Statement"
    assert summit.published_on == datetime.date(2020, 11, 21)
    assert summit.summary.endswith("Below is the full text of the Summit's Chairman's Statement.")
    assert summit.attachment_name == "52-Final-Chairmans-Statement-of-the-21st-ASEAN-ROK-Summit.pdf"
    meeting = summit.meeting
    assert (meeting.series.name, meeting.ordinal, meeting.title) == ("ASEAN-ROK Summit", 21, "21st ASEAN-ROK Summit")
    assert meeting.start_date == datetime.date(2020, 11, 12)
    assert meeting.mode == Meeting.Mode.VIDEOCONFERENCE
    assert (meeting.chair, meeting.chair_country) == ("Nguyễn Xuân Phúc", "Viet Nam")


def test_dialogue_press_release_has_ten_prose_paragraphs_and_a_derived_title(seeds):
    dialogue = seeds["dialogue"]
    paragraphs = texts(dialogue)
    assert len(paragraphs) == 10
    assert set(dialogue.paragraphs.values_list("number", flat=True)) == {""}
    assert paragraphs[0].startswith("JAKARTA, 26 August 2020")
    assert paragraphs[-1].endswith("attended the Dialogue.")
    assert dialogue.title == "Press Release: 24th ASEAN-ROK Dialogue"
    assert dialogue.kind == "Press Release"
    meeting = dialogue.meeting
    assert (meeting.series.name, meeting.ordinal) == ("ASEAN-ROK Dialogue", 24)
    assert meeting.start_date == datetime.date(2020, 8, 26)
    assert (meeting.city, meeting.country, meeting.mode) == ("Jakarta", "Indonesia", "videoconference")
    assert meeting.chair_country == "Brunei Darussalam"
    assert meeting.co_chairs == "Emaleen Abd Rahman Teo (Brunei Darussalam); Kim Gunn (ROK)"


def test_no_web_page_furniture_reaches_a_paragraph(seeds):
    for paragraph in Paragraph.objects.all():
        for furniture in FURNITURE:
            assert furniture not in paragraph.text, (paragraph, furniture)


def test_json_report_describes_each_document(db):
    report = import_json(SEEDS / SUMMIT_SEED, SEEDS / DIALOGUE_SEED)
    summit, dialogue = report
    assert summit["status"] == "imported" and summit["reason"] is None
    assert summit["paragraph_count"] == 22
    assert summit["published_on"] == "2020-11-21"
    assert summit["kind"] == "Chairman's Statement"
    assert summit["url"] == Document.objects.get(sources__name=SUMMIT_SEED).get_absolute_url()
    assert summit["meeting"] == {
        "series": "ASEAN-ROK Summit", "ordinal": 21, "title": "21st ASEAN-ROK Summit",
        "url": "/meetings/21st-asean-rok-summit/", "start_date": "2020-11-12", "end_date": None,
        "city": None, "country": None, "mode": "videoconference", "chair": "Nguyễn Xuân Phúc",
        "chair_country": "Viet Nam",
    }
    assert dialogue["title"] == "Press Release: 24th ASEAN-ROK Dialogue"
    assert dialogue["paragraph_count"] == 10
    assert dialogue["meeting"]["city"] == "Jakarta"


def test_importing_twice_updates_and_never_duplicates(seeds):
    anchors = {d.pk: [p.anchor for p in d.paragraphs.all()] for d in Document.objects.all()}
    meetings = Meeting.objects.count()
    report = import_json(SEEDS)
    assert [item["status"] for item in report] == ["updated", "updated"]
    assert (Meeting.objects.count(), Document.objects.count(), Paragraph.objects.count()) == (meetings, 2, 32)
    assert Meeting.objects.filter(known_only_from_mentions=False).count() == 2
    assert {d.pk: [p.anchor for p in d.paragraphs.all()] for d in Document.objects.all()} == anchors


def test_skip_existing_leaves_admin_edits_alone(seeds):
    summit = seeds["summit"]
    summit.title = "Edited title"
    summit.save()
    assert "Nothing to import" in run_import("--skip-existing", SEEDS)
    summit.refresh_from_db()
    assert summit.title == "Edited title"


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"Some notes\n\n1. Nothing here names a meeting.\n", "no meeting of a known series"),
])
def test_unreadable_files_are_reported_and_nothing_is_saved(db, tmp_path, content, reason):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(CommandError):
        run_import(bad)
    assert (Document.objects.count(), Paragraph.objects.count(), Meeting.objects.count()) == (0, 0, 0)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_statements", "--json", str(bad), stdout=out, stderr=io.StringIO())
    (item,) = json.loads(out.getvalue())
    assert item["status"] == "failed" and reason in item["reason"] and item["file"] == str(bad)


def test_a_failure_in_one_file_keeps_the_others(db, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"   \n")
    (tmp_path / SUMMIT_SEED).write_bytes((SEEDS / SUMMIT_SEED).read_bytes())
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_statements", str(tmp_path), stdout=out, stderr=io.StringIO())
    assert "failed    " in out.getvalue() and "imported  " in out.getvalue()
    assert Document.objects.get().paragraphs.count() == 22


def test_the_same_statement_from_another_publisher_becomes_a_second_source(seeds, tmp_path):
    text = (SEEDS / SUMMIT_SEED).read_text(encoding="utf-8")
    republished = tmp_path / "mofa-copy.txt"
    # Another site's copy: its own page furniture, a slightly different preface, the same paragraphs.
    republished.write_text("Home > News > Statements\n\n" + text.replace("Skip to Content", "Ministry of Foreign Affairs"),
                           encoding="utf-8")
    (item,) = import_json(republished)
    assert item["status"] == "duplicate"
    assert item["url"] == seeds["summit"].get_absolute_url()
    assert item["sources"] == [SUMMIT_SEED, "mofa-copy.txt"]
    assert Document.objects.count() == 2


def test_originals_are_kept_with_their_checksum(seeds, settings):
    import hashlib

    source = seeds["summit"].primary_source
    stored = settings.DATA_DIR / source.stored_file
    assert stored.read_bytes() == (SEEDS / SUMMIT_SEED).read_bytes()
    assert source.checksum == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert source.retrieved_on is not None and source.format == "text"


def test_extracted_fields_say_whether_they_were_found_or_guessed(seeds):
    assert seeds["summit"].extraction["title"] == "found"
    assert seeds["summit"].extraction["start_date"] == "found"
    assert seeds["dialogue"].extraction["title"] == "guessed"
    assert seeds["dialogue"].extraction["country"] == "guessed"


def test_every_format_imports_through_the_command(db, tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("Joint Statement of the 25th ASEAN-ROK Dialogue", style="Title")
    word.add_paragraph("1. The 25th ASEAN-ROK Dialogue was held in Seoul, Republic of Korea on 3 June 2021.")
    word.add_paragraph("2. Both sides welcomed the marmalade initiative.")
    word.save(tmp_path / "dialogue.docx")
    (tmp_path / "page.html").write_text(
        "<html><body><nav>Home | About</nav><article><h1>Press Release of the 26th ASEAN-ROK Dialogue</h1>"
        "<p>1. The 26th ASEAN-ROK Dialogue was held via videoconference on 6 June 2022.</p>"
        "<p>2. Officials discussed <script>alert('x')</script>maritime cooperation in the region.</p>"
        "</article><footer>Copyright 2022</footer></body></html>", encoding="utf-8")
    report = {item["file"].rsplit("/", 1)[1]: item for item in import_json(tmp_path)}
    assert report["dialogue.docx"]["status"] == "imported" and report["dialogue.docx"]["paragraph_count"] == 2
    assert report["page.html"]["meeting"]["mode"] == "videoconference"
    texts = " ".join(Paragraph.objects.values_list("text", flat=True))
    assert "marmalade" in texts and "maritime cooperation" in texts and "alert" not in texts and "Home" not in texts
