"""A changed text becomes a new version, a copy another source, another text a new document; nothing is lost."""

import hashlib

import pytest
from django.conf import settings

from archive.ingest import IngestError
from archive.ingest.save import import_statement, reparse
from archive.models import Document, OriginalFile

STATEMENT = """Chairman's Statement of the 23rd ASEAN-ROK Summit

1. The 23rd ASEAN-ROK Summit was held in Phnom Penh, Cambodia on 12 November 2022, chaired by Samdech Hun Sen, Prime Minister of the Kingdom of Cambodia.

2. We welcomed the Korea-ASEAN Solidarity Initiative announced by the President of the Republic of Korea.

3. We agreed to upgrade the ASEAN-ROK Dialogue Relations to a Comprehensive Strategic Partnership in due course.

4. We noted the contributions of the ASEAN-Korea Cooperation Fund to community building over many years.

5. We looked forward to the 35th anniversary of ASEAN-ROK Dialogue Relations in 2024.
"""

OTHER_STATEMENT = """Co-Chairs' Press Statement of the 23rd ASEAN-ROK Summit

1. The 23rd ASEAN-ROK Summit in Phnom Penh on 12 November 2022 discussed maritime safety in the region.

2. Leaders exchanged views on energy security, food supply chains and the digital economy.

3. Leaders encouraged young people of both sides to take part in exchange programmes.
"""


@pytest.fixture
def first(search_index):
    return import_statement(STATEMENT.encode(), "statement.txt").document


def test_a_reworded_and_an_added_paragraph_become_a_new_version_and_the_first_text_is_kept(first):
    changed = STATEMENT.replace("in due course", "at the next Summit") + \
        "\n6. We tasked our Ministers to follow up on these decisions.\n"
    result = import_statement(changed.encode(), "statement.txt")
    assert result.status == "version" and result.document == first
    versions = list(first.versions.order_by("number"))
    assert [(v.number, v.label) for v in versions] == [(1, "as issued"), (2, "corrected")]
    assert [p["text"] for p in versions[0].paragraphs][2].endswith("in due course.")
    assert len(versions[0].paragraphs) == 5 and len(versions[1].paragraphs) == 6
    assert first.paragraphs.count() == 6 and first.paragraphs.get(number="6").text.startswith("We tasked")


def test_the_document_page_says_which_version_it_shows_and_shows_the_earlier_one(first, client):
    import_statement((STATEMENT + "\n6. We tasked our Ministers to follow up.\n").encode(), "mofa-statement.txt")
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Showing version 2 of 2" in page and "We tasked our Ministers" in page
    earlier = client.get(first.get_absolute_url() + "?version=1").content.decode()
    assert "Showing version 1 of 2" in earlier and "We tasked our Ministers" not in earlier


def test_a_partial_copy_from_another_publisher_is_another_source(first):
    stub = "Summit outcome\n\n" + "\n\n".join(STATEMENT.split("\n\n")[1:4])
    result = import_statement(stub.encode(), "news-stub.txt")
    assert result.status == "duplicate" and result.document == first
    assert sorted(first.sources.values_list("name", flat=True)) == ["news-stub.txt", "statement.txt"]
    assert first.paragraphs.count() == 5


def test_two_publishers_files_of_the_same_name_stay_two_documents(first):
    result = import_statement(OTHER_STATEMENT.encode(), "statement.txt")
    assert result.status == "imported" and result.document != first
    assert Document.objects.count() == 2
    assert first.paragraphs.count() == 5 and result.document.paragraphs.count() == 3


def test_the_same_file_again_is_read_again_in_place(first):
    result = import_statement(STATEMENT.encode(), "statement.txt")
    assert (result.status, result.document) == ("updated", first)
    assert first.versions.count() == 1 and first.sources.count() == 1


def test_reparse_keeps_what_the_admin_corrected(first):
    first.title, first.kind = "Chairman's Statement (corrected title)", "Joint Statement"
    first.extraction = {**first.extraction, "title": "corrected", "kind": "corrected"}
    first.save()
    reparse(first)
    first.refresh_from_db()
    assert (first.title, first.kind) == ("Chairman's Statement (corrected title)", "Joint Statement")
    assert first.extraction["title"] == "corrected" and first.paragraphs.count() == 5


def test_reparse_refuses_an_original_cut_short_instead_of_reading_it(first):
    source = first.sources.get()
    path = settings.DATA_DIR / source.stored_file
    path.write_bytes(path.read_bytes()[:100])
    OriginalFile.objects.filter(checksum=source.checksum).update(data=STATEMENT.encode()[:100])
    with pytest.raises(IngestError, match="checksum"):
        reparse(first)
    assert first.paragraphs.count() == 5


def test_an_original_missing_or_damaged_on_this_server_is_read_from_the_database(first):
    source = first.sources.get()
    path = settings.DATA_DIR / source.stored_file
    path.write_bytes(path.read_bytes()[:100])  # cut short
    assert reparse(first).status == "updated" and first.paragraphs.count() == 5
    assert path.read_bytes() == STATEMENT.encode()  # kept whole again
    path.unlink()  # received by another server
    assert reparse(first).status == "updated"
    assert path.read_bytes() == STATEMENT.encode()
    assert bytes(OriginalFile.objects.get(checksum=source.checksum).data) == STATEMENT.encode()


def test_originals_are_written_whole_and_match_their_checksum(first):
    source = first.sources.get()
    data = (settings.DATA_DIR / source.stored_file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == source.checksum == hashlib.sha256(STATEMENT.encode()).hexdigest()
    assert not list((settings.DATA_DIR / source.stored_file).parent.glob(".*.tmp"))
