"""Ingest: raw bytes -> text -> structure -> metadata -> one atomic save.

`parse_statement` is pure; `import_statement` (in save.py) is the one way statements
enter the database, used alike by the import command and the admin.
"""

from dataclasses import dataclass

from .errors import IngestError
from .metadata import Metadata, SeriesCatalogue, extract_metadata
from .structure import parse_structure

__all__ = ["IngestError", "ParsedStatement", "parse_statement"]


@dataclass
class ParsedStatement:
    metadata: Metadata
    paragraphs: list[tuple[str, str]]
    attachment_name: str
    removed: list[str]


def parse_statement(text: str, catalogue: SeriesCatalogue) -> ParsedStatement:
    structure = parse_structure(text)
    if not structure.paragraphs:
        raise IngestError("no paragraphs of text were found")
    metadata = extract_metadata(structure.header, [text for _, text in structure.paragraphs], catalogue)
    return ParsedStatement(metadata, structure.paragraphs, structure.attachment_name, structure.removed)
