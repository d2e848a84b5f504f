"""Lazy, per-signal access to the data records of an EDF/BDF file, and EDF+ annotation parsing.

The data records are memory-mapped; reading one signal decodes only that signal's bytes of the
records that cover the requested span (16-bit little-endian two's complement for EDF, 24-bit for
BDF).  Nothing else is decoded, so three EMG channels of a 1 GB night cost three channels.
"""

from __future__ import annotations

import logging
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import RecordingError
from .edf_header import EdfHeader, SignalHeader

__all__ = ["EdfData", "Annotation", "parse_tals", "CHUNK_SAMPLES"]

log = logging.getLogger("myosleep")

#: Samples decoded at a time when reading one signal (bounds the decoding temporaries).
CHUNK_SAMPLES = 1 << 20


@dataclass(frozen=True)
class Annotation:
    """One annotation of a recording.

    Attributes
    ----------
    onset_s : float
        Onset, in seconds from the start of the recording.
    duration_s : float
        Duration, in seconds (0 when the file gives none).
    description : str
        Text, without any ``@@LABEL`` channel suffix.
    channel : str | None
        The channel the annotation refers to (the ``@@LABEL`` suffix used by e.g. the
        Haaglanden Medisch Centrum database), None when global.
    """

    onset_s: float
    duration_s: float
    description: str
    channel: str | None = None


def decode_samples(raw: np.ndarray, sample_bytes: int) -> np.ndarray:
    """Decode little-endian two's-complement samples from a ``(..., n * sample_bytes)`` uint8 array.

    Returns an int32 array of shape ``(..., n)``.
    """
    raw = np.ascontiguousarray(raw)
    if sample_bytes == 2:
        return raw.view("<i2").astype(np.int32)
    trip = raw.reshape(*raw.shape[:-1], -1, 3).astype(np.int32)
    value = trip[..., 0] | (trip[..., 1] << 8) | (trip[..., 2] << 16)
    return (value ^ 0x800000) - 0x800000  # sign-extend 24 bits


class EdfData:
    """Memory-mapped data records of a validated EDF/BDF file.

    Parameters
    ----------
    header : EdfHeader
        Validated header (from :func:`~myosleep.io.edf_header.read_edf_header`).
    """

    def __init__(self, header: EdfHeader):
        self.header = header
        try:
            # The map holds its own duplicate of the descriptor: the file object is closed at once,
            # so a Recording that is never closed leaks no open file (only the map, freed with it).
            with open(header.path, "rb") as f:
                self._mmap = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as err:
            raise RecordingError(f"cannot be mapped for reading ({err})", where=header.path,
                                 hint="Check the file's permissions and that it is a regular file") from None
        self._records = np.frombuffer(self._mmap, dtype=np.uint8,
                                      count=header.n_records * header.record_bytes,
                                      offset=header.header_bytes).reshape(header.n_records, header.record_bytes)

    def close(self) -> None:
        """Unmap and close the file (idempotent)."""
        if getattr(self, "_records", None) is None:
            return
        self._records = None
        try:
            self._mmap.close()
        except BufferError:  # a view of the map is still alive somewhere: the map goes with it
            log.debug("%s: memory map still referenced; released when garbage-collected", self.header.path)

    @property
    def closed(self) -> bool:
        return self._records is None

    def digital(self, signal: SignalHeader, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Digital samples ``start:stop`` of one signal (int32), decoding only the records needed."""
        out = np.empty(0, dtype=np.int32)
        parts = list(self.iter_digital(signal, start, stop))
        return np.concatenate([p for _, p in parts]) if parts else out

    def iter_digital(self, signal: SignalHeader, start: int = 0, stop: int | None = None,
                     *, chunk_samples: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(offset, int32 samples)`` blocks of samples ``start:stop`` of one signal.

        Blocks hold about ``chunk_samples`` samples (default :data:`CHUNK_SAMPLES`), so
        temporaries stay small whatever the span; ``offset`` counts samples from ``start``.
        """
        chunk_samples = CHUNK_SAMPLES if chunk_samples is None else chunk_samples
        if self._records is None:
            raise RecordingError("is closed", where=self.header.path, hint="Read data before closing the recording")
        spr = signal.samples_per_record
        total = spr * self.header.n_records
        stop = total if stop is None else min(stop, total)
        start = max(0, min(start, stop))
        nbytes = spr * self.header.sample_bytes
        per_block = max(1, chunk_samples // spr)
        r_first, r_end = start // spr, -(-stop // spr)
        for r0 in range(r_first, r_end, per_block):
            r1 = min(r_end, r0 + per_block)
            raw = self._records[r0:r1, signal.byte_offset: signal.byte_offset + nbytes]
            values = decode_samples(raw, self.header.sample_bytes).reshape(-1)
            lo = max(start - r0 * spr, 0)
            hi = min(stop - r0 * spr, values.size)
            if hi > lo:
                yield r0 * spr + lo - start, values[lo:hi]
            self._release(r0, r1)

    def _release(self, r0: int, r1: int) -> None:
        """Drop the mapped pages of records ``r0:r1`` from this process's resident memory.

        EDF interleaves signals record by record, so reading one signal touches nearly every page;
        without this the map's resident size grows to the whole file (the pages stay in the OS
        cache, so a later read costs no disk access).
        """
        advice = getattr(mmap, "MADV_DONTNEED", None)
        if advice is None or self._mmap is None:
            return
        begin = self.header.header_bytes + r0 * self.header.record_bytes
        end = self.header.header_bytes + r1 * self.header.record_bytes
        aligned = begin - begin % mmap.PAGESIZE
        try:
            self._mmap.madvise(advice, aligned, end - aligned)
        except (OSError, ValueError):  # advisory only
            return

    def annotation_bytes(self, signal: SignalHeader) -> np.ndarray:
        """Raw bytes of an annotation signal, shape ``(n_records, bytes_per_record)``."""
        nbytes = signal.samples_per_record * self.header.sample_bytes
        return np.array(self._records[:, signal.byte_offset: signal.byte_offset + nbytes])


_TAL_ONSET = re.compile(r"^([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?)?)?$")


def parse_tals(record: bytes) -> tuple[float | None, list[tuple[float, float, str]]]:
    """Parse the time-stamped annotation lists (TALs) of one data record (EDF+ section 2.2.2).

    Returns the record's time-keeping onset (seconds, None if missing) and the list of
    ``(onset_s, duration_s, text)`` annotations, onsets relative to the file's start time.
    """
    keeping: float | None = None
    out: list[tuple[float, float, str]] = []
    for i, tal in enumerate(record.split(b"\x00")):
        if not tal.strip(b"\x00"):
            continue
        parts = tal.split(b"\x14")
        head = parts[0].decode("latin-1").strip()
        match = _TAL_ONSET.match(head)
        if match is None:
            continue
        onset = float(match.group(1))
        duration = float(match.group(2)) if match.group(2) else 0.0
        texts = [p.decode("utf-8", errors="replace").strip() for p in parts[1:]]
        texts = [t for t in texts if t]
        if keeping is None and i == 0 and not texts:
            keeping = onset
            continue
        if keeping is None and i == 0:
            keeping = onset  # time-keeping TAL that also carries text (seen in some writers)
        out.extend((onset, duration, t) for t in texts)
    return keeping, out


def record_onsets(data: EdfData) -> np.ndarray:
    """Time-keeping onset of every data record, in seconds from the file's start time (EDF+ only)."""
    signal = data.header.annotation_signals[0]
    block = data.annotation_bytes(signal)
    onsets = np.empty(len(block))
    for r, rec in enumerate(block):
        keeping, _ = parse_tals(rec.tobytes())
        onsets[r] = np.nan if keeping is None else keeping
    return onsets


def read_annotations(data: EdfData) -> tuple[Annotation, ...]:
    """Every annotation of every annotation signal, onsets relative to the first data record."""
    annotations: list[Annotation] = []
    first_keeping: float | None = None
    for signal in data.header.annotation_signals:
        block = data.annotation_bytes(signal)
        for rec in block:
            keeping, tals = parse_tals(rec.tobytes())
            if first_keeping is None and keeping is not None:
                first_keeping = keeping
            for onset, duration, text in tals:
                description, sep, channel = text.rpartition("@@")
                if not sep:
                    description, channel = text, ""
                annotations.append(Annotation(onset_s=onset, duration_s=duration,
                                              description=description.strip(), channel=channel.strip() or None))
    shift = first_keeping or 0.0
    if shift:
        annotations = [Annotation(a.onset_s - shift, a.duration_s, a.description, a.channel) for a in annotations]
    annotations.sort(key=lambda a: (a.onset_s, a.description))
    return tuple(annotations)
