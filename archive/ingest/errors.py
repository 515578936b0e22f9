class IngestError(Exception):
    """A statement that cannot be imported; the message says why, in plain words."""
