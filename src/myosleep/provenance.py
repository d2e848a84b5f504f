"""Where an input came from: :class:`InputFile` (path, name, SHA-256, size) for summary.json ``inputs``.

Part of the base layer (no pipeline imports).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["InputFile", "sha256_file"]


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in 1-MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """An input file as summary.json records it.

    Attributes
    ----------
    path : str
        The path as given.
    name : str
        Its file name.
    sha256 : str | None
        Hex SHA-256 of its bytes (None when not hashed, e.g. read from another input).
    size_bytes : int | None
        Its size.
    source : str | None
        How it was found when not given directly (e.g. ``"recording annotations"``).
    """

    path: str
    name: str
    sha256: str | None = None
    size_bytes: int | None = None
    source: str | None = None

    @classmethod
    def hashed(cls, path: str | os.PathLike[str]) -> InputFile:
        """The entry of a file given by the user: path, name, SHA-256 and size."""
        p = Path(path)
        return cls(path=str(p), name=p.name, sha256=sha256_file(p), size_bytes=p.stat().st_size)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, without the fields that are None."""
        fields = {"path": self.path, "name": self.name, "sha256": self.sha256, "size_bytes": self.size_bytes,
                  "source": self.source}
        return {k: v for k, v in fields.items() if v is not None}
