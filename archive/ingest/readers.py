"""Raw bytes to text: the first step of ingest."""

import codecs

from .errors import IngestError

SUPPORTED_EXTENSIONS = {".txt"}


def decode_text(data: bytes) -> str:
    """Decode a text file, honouring byte-order marks and falling back to Windows-1252."""
    if not data.strip():
        raise IngestError("the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise IngestError("the file looks binary, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_upload(data: bytes, filename: str, max_bytes: int) -> str:
    """Check size and type of an uploaded or imported file, then return its text."""
    if len(data) > max_bytes:
        raise IngestError(f"the file is {len(data):,} bytes, over the limit of {max_bytes:,}")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in SUPPORTED_EXTENSIONS:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise IngestError(f"unsupported file type {extension or '(none)'!r}; supported: {supported}")
    return decode_text(data)
