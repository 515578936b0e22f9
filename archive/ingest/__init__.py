"""Ingest: raw bytes -> blocks -> structure -> metadata and mentions -> one atomic save.

`parse_document` is pure (no database); `archive.ingest.save.import_statement` is the one way
statements enter the database, used alike by the import command and the admin.
"""

from dataclasses import dataclass

from ..sanitize import plain_text
from .errors import IngestError
from .mentions import Mention, find_mentions
from .metadata import Metadata, SeriesCatalogue, extract_metadata
from .readers import read_document
from .structure import NO_TEXT, ParsedParagraph, parse_structure

__all__ = ["IngestError", "ParsedStatement", "parse_document"]


@dataclass
class ParsedStatement:
    format: str
    metadata: Metadata
    paragraphs: list[ParsedParagraph]
    mentions: list[Mention]
    attachment_name: str
    removed: list[str]
    text: str  # the text as read, before splitting and cleaning
    notes: list[str]  # warnings for the admin: what the reader repaired, or could not read


def parse_document(data: bytes, filename: str, catalogue: SeriesCatalogue, max_bytes: int) -> ParsedStatement:
    """Read and parse one statement file; raises IngestError saying why it cannot be."""
    reading = read_document(data, filename, max_bytes)
    structure = parse_structure(reading)
    # Markup never gets further than this: what is previewed, saved and indexed is plain text.
    for paragraph in structure.paragraphs:
        paragraph.text, paragraph.heading = plain_text(paragraph.text), plain_text(paragraph.heading)
    structure.paragraphs = [paragraph for paragraph in structure.paragraphs if not NO_TEXT.match(paragraph.text)]
    structure.header = [plain_text(line) for line in structure.header]
    if not structure.paragraphs:
        raise IngestError("no paragraphs of text were found")
    texts = [paragraph.text for paragraph in structure.paragraphs]
    metadata = extract_metadata(structure.header, texts, catalogue, structure.footer, reading.page_date,
                                reading.byline)
    if reading.ocr:
        # OCR can misread any letter or digit: every field read from its text is to be checked.
        metadata.provenance = {**dict.fromkeys(metadata.provenance, "ocr"), "text": "ocr"}
    # A day printed without its year ("on November 11-12") is read in the year the statement was released, when
    # it prints that date; else in its meeting's year.
    printed_release = metadata.published_on if metadata.provenance.get("published_on") == "found" else None
    own_date = printed_release or (metadata.meeting and metadata.meeting.start_date) or metadata.published_on
    mentions = find_mentions(texts, catalogue, metadata.meeting, own_date.year if own_date else None)
    text = reading.text if reading.blocks is None else "\n\n".join(block.text for block in reading.blocks)
    return ParsedStatement(reading.format, metadata, structure.paragraphs, mentions,
                           plain_text(structure.attachment_name), structure.removed, text, reading.notes)
