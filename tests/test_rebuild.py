"""A full rebuild holds exactly what Whoosh's own writer makes of the same paragraphs: the same stored fields,
terms, postings and scores; its faster writers produce Whoosh's files byte for byte, but for the pickle protocol
of the postings blocks."""

import hashlib
import pickle
from pathlib import Path

import pytest
from haystack import indexes
from whoosh.codec import whoosh3
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from archive.search.engine.analysis import TextField
from archive.search.engine.bitmaps import POSTINGS_PER_BLOCK
from archive.search.engine import build
from archive.search.engine.build import BulkSegmentWriter
from archive.search.engine.storage import writer_options
from archive.search.indexing import get_backend, paragraph_index, rebuild_index
from archive.search.service import SearchRequest, search_page
from archive.search_indexes import content_checksum

SMALL_BATCH = 5  # documents sent to an indexing process at a time, so that even three statements make several
QUERIES = ["cooperation", "cooperation fund", '"plan of action"', "korea AND asean", "maritime security",
           "economic NOT trade", "series:summit cooperation", "year:2019 peace", "cooperat*", ""]
# Words that fold, split or stem in unusual ways: accents, ligatures, Hangul, numbers, hyphens, apostrophes.
AWKWARD_TEXT = ("Ａ ＢＣ İstanbul ǅemal café NAÏVE 3.141 big-time under_score 한국 ASEAN–ROK Korea's "
                "\u0301 x\u0301y Ångström ﬁnance STRASSE Œuvre the the of the cooperation cooperating")


def index_contents(backend):
    """Every stored document, and every term with its document frequency, frequency and postings (weights and
    encoded values, such as positions)."""
    searcher = backend.current_searcher()
    reader = searcher.reader()
    stored = sorted(repr(sorted(fields.items())) for fields in searcher.all_stored_fields())
    ids = {docnum: fields["django_id"] for docnum, fields in reader.iter_docs()}
    terms = hashlib.sha256()
    for field, term in reader.all_terms():
        postings = reader.postings(field, term)
        by_paragraph = sorted((ids[docnum], value) for docnum, value in postings.items_as("weight"))
        by_paragraph += sorted((ids[docnum], value) for docnum, value in reader.postings(field, term).all_items())
        terms.update(repr((field, term, reader.doc_frequency(field, term), reader.frequency(field, term),
                           by_paragraph)).encode())
    return stored, terms.hexdigest()


def ranked(query):
    page = search_page(SearchRequest(q=query, per_page=50))
    return page.count, sorted((round(hit.score, 6), hit.pk) for hit in page.hits) if query else page.count


@pytest.mark.parametrize("build_mb", [768, 0])  # 0: each process closes a segment after every batch
def test_a_rebuild_holds_what_whoosh_s_own_writer_writes(three_statements, settings, monkeypatch, build_mb):
    settings.ARCHIVE_INDEX_BUILD_MB = build_mb
    monkeypatch.setattr(build, "BATCH_DOCUMENTS", SMALL_BATCH)
    backend, search_index = get_backend(), paragraph_index()
    backend.clear()
    backend.update(search_index, search_index.index_queryset())  # one commit of Whoosh's writer, nothing deleted
    updated = index_contents(backend)
    results = [ranked(query) for query in QUERIES]
    assert updated[0] and results[0][0]

    assert rebuild_index() == len(updated[0])
    segments = len(backend.current_searcher().reader().leaf_readers())
    assert segments == 2 if build_mb else segments > 2

    assert index_contents(backend) == updated
    assert [ranked(query) for query in QUERIES] == results


def test_rebuilt_segments_merged_by_whoosh_s_writer_hold_the_same(three_statements, settings, monkeypatch):
    # The rebuild's blocks are pickled with POSTINGS_PROTOCOL; a merge reads them and writes Whoosh's own.
    settings.ARCHIVE_INDEX_BUILD_MB = 0
    monkeypatch.setattr(build, "BATCH_DOCUMENTS", SMALL_BATCH)
    backend = get_backend()
    rebuild_index()
    rebuilt = index_contents(backend)
    results = [found(query) for query in QUERIES]
    assert backend.merge_small_segments(choose=list) > 2
    assert len(backend.current_searcher().reader().leaf_readers()) == 1
    assert index_contents(backend) == rebuilt
    assert [found(query) for query in QUERIES] == results


def found(query):
    """How many paragraphs a query finds, and which. Not their scores: Whoosh's merge adds up its paragraphs'
    field lengths from their one-byte approximations, so the average length that scores use moves a little."""
    page = search_page(SearchRequest(q=query, per_page=50))
    return page.count, sorted(hit.pk for hit in page.hits)


def segment_files(folder):
    """{file kind: bytes} of the one segment in `folder` (its name, drawn at random, left out)."""
    return {path.name.split(".", 1)[1]: path.read_bytes() for path in Path(folder).iterdir()
            if path.name.startswith("MAIN_")}


@pytest.mark.parametrize("write_bytes", [build.WRITE_BYTES, 1000])  # 1000: each field's terms written in many pieces
def test_the_bulk_writer_writes_whoosh_s_own_files(three_statements, tmp_path, monkeypatch, write_bytes):
    monkeypatch.setattr(build, "WRITE_BYTES", write_bytes)
    backend, search_index = get_backend(), paragraph_index()
    paragraphs = [backend.prepare(search_index, paragraph) for paragraph in search_index.index_queryset()]
    # Repeated, so that frequent words fill several posting blocks, compressed, and rare ones one small block.
    documents = paragraphs * (2 * POSTINGS_PER_BLOCK // len(paragraphs) + 1)
    documents.append({**paragraphs[0], "id": "archive.paragraph.0", "text": AWKWARD_TEXT})  # terms of one posting
    # Whoosh's writer pickles postings blocks with protocol 2, the bulk writer with its own protocol
    monkeypatch.setattr(whoosh3, "dumps", lambda value, protocol: pickle.dumps(value, build.POSTINGS_PROTOCOL))
    written = []
    for name, writer_class in [("whoosh", SegmentWriter), ("bulk", BulkSegmentWriter)]:
        folder = tmp_path / name
        folder.mkdir()
        index = FileStorage(str(folder)).create_index(backend.schema)
        writer = writer_class(index, **writer_options()) if writer_class is BulkSegmentWriter else \
            writer_class(index, _lk=False, **writer_options())
        for fields in documents:
            writer.add_document(**fields)
        writer._finalize_segment()
        written.append(segment_files(folder))
    whoosh_files, bulk_files = written
    assert whoosh_files.keys() == bulk_files.keys() and len(whoosh_files) > 3
    assert whoosh_files == bulk_files


def test_the_text_field_indexes_what_its_analyzer_makes():
    field = TextField(get_backend().pairs, stored=True)
    texts = [AWKWARD_TEXT, "", "   ", "of the of the", AWKWARD_TEXT.lower() * 3]
    for text in texts:
        assert sorted(field.index(text)) == sorted(TEXT.index(field, text))


def test_a_paragraph_s_fields_are_what_haystack_s_own_prepare_gives(three_statements):
    """The paragraph index works its fields out faster than haystack's loop, with the same values and checksum."""
    search_index = paragraph_index()
    paragraphs = list(search_index.index_queryset())
    assert paragraphs
    for paragraph in paragraphs:
        expected = dict(indexes.SearchIndex.prepare(search_index, paragraph))
        expected.update(search_index.document_fields(paragraph))
        expected["checksum"] = content_checksum(expected)
        assert search_index.prepare(paragraph) == expected
        assert expected["text"] == paragraph.text and expected["topics"] is not None
