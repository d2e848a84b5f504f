"""Files that are containers of other files, told apart by their first bytes (magic numbers).

A user gives the archive a dataset was downloaded in, or the spreadsheet a hypnogram was typed
into, where the reader wants the file inside or its text.  "Not EDF" or "binary" is true but does
not say what to do; the container's own signature does.  Signatures: PKWARE APPNOTE (ZIP, and the
Office Open XML and OpenDocument files built on it), RFC 1952 (gzip), the bzip2 and xz headers,
Microsoft's Compound File Binary format (legacy .xls/.doc), ISO 32000 (PDF).
"""

from __future__ import annotations

__all__ = ["container_kind"]

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument spreadsheet is one too)",
     "unzip it and give the file inside, or save the spreadsheet's sheet as CSV"),
    (b"\x1f\x8b", "gzip-compressed", "decompress it (gunzip) and give the file inside"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (unxz) and give the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and give the file inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and give the file inside"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (an Excel .xls or Word .doc)",
     "save the sheet as CSV and give that"),
    (b"%PDF", "a PDF document (a printed report)", "export the data from the software that made it"),
)


def container_kind(head: bytes) -> tuple[str, str] | None:
    """``(what the file is, what to do)`` when ``head`` (the file's first bytes) starts with a
    known container's signature, else None."""
    for magic, what, todo in _SIGNATURES:
        if head.startswith(magic):
            return what, todo
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] == b"1AY&SY":  # block size, block magic
        return "bzip2-compressed", "decompress it (bunzip2) and give the file inside"
    return None
