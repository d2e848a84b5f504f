"""Describe a recording for ``myosleep info``: channels, roles, rates, units and warnings.

With ``scan_data`` the data are scanned channel by channel, in chunks (never the whole file at
once), for stretches that make a channel unfit for analysis: flat (constant value, e.g. a
disconnected electrode), clipped (runs of samples held at the physical limits of the amplifier/ADC) and NaN;
and, for EMG, for a quantisation coarser than the header says: when every sample sits on every
k-th digital code (a 12-bit converter written into 16-bit samples, a gain applied before
storage), the effective step is k times ``ChannelInfo.resolution_uv``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..vocab import Role
from .recording import MAX_EMG_RESOLUTION_UV, ChannelInfo, Recording

__all__ = ["describe_recording", "format_description", "FLAT_MIN_S", "SCAN_CHUNK_SAMPLES", "CLIP_MIN_SAMPLES"]

#: A constant value held this long (s) is reported as flat (the criterion of issue 2 for
#: ``myosleep info``).  A connected electrode always carries amplifier and physiological noise
#: larger than one ADC step (typically well below 1 uV in PSG amplifiers), so consecutive samples
#: rarely repeat; seconds of identical values mean a disconnected or saturated input, or a
#: channel zero-filled by the recorder.
FLAT_MIN_S = 5.0
#: Fewest consecutive samples at a physical limit that are clipping.  Saturation holds the converter's
#: output at its rail for as long as the input stays beyond it: a run of samples at the limit.  One
#: sample at a limit is also what a range written from the data's own extremes gives (converters
#: such as read_cwa's ``ax_to_edf`` write the physical minimum and maximum as the data's: the
#: extreme sample is on the limit by construction) and cannot be told from a peak that just reaches
#: the range; the same rule as detection's ``preprocessing.artefacts.clipped_runs`` ("a rail, not a peak").
CLIP_MIN_SAMPLES = 2
#: Samples decoded at a time while scanning one channel.
SCAN_CHUNK_SAMPLES = 1 << 20


class _Runs:
    """Collect runs of True in a boolean stream fed chunk by chunk: (start, length) in samples."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, int]] = []
        self._open: int | None = None  # start of a run still open at the end of the last chunk

    def feed(self, mask: np.ndarray, offset: int) -> None:
        if mask.size == 0:
            return
        padded = np.concatenate(([False], mask, [False])).astype(np.int8)
        edges = np.diff(padded)
        starts = np.flatnonzero(edges == 1)
        stops = np.flatnonzero(edges == -1)
        if self._open is not None:
            if mask[0]:
                starts = starts.copy()
                starts[0] = self._open - offset
            else:
                self.runs.append((self._open, offset - self._open))
            self._open = None
        if stops.size and stops[-1] == mask.size:
            self._open = int(starts[-1] + offset)
            starts, stops = starts[:-1], stops[:-1]
        self.runs.extend((int(a + offset), int(b - a)) for a, b in zip(starts, stops))

    def finish(self, total: int) -> list[tuple[int, int]]:
        if self._open is not None:
            self.runs.append((self._open, total - self._open))
            self._open = None
        return self.runs


def _scan_channel(rec: Recording, ch: ChannelInfo) -> list[str]:
    """Data-derived warnings of one channel (flat, clipped, NaN), reading it in chunks."""
    chunk_s = SCAN_CHUNK_SAMPLES / ch.sfreq
    flat = _Runs()  # runs where a sample equals the previous one
    clipped = _Runs()
    n_nan = 0
    previous: float | None = None
    rails = None
    step = offset = None  # digital step and physical value of digital 0, in data units
    code_gcd = 0  # greatest common divisor of the digital differences between samples
    if (ch.digital_min is not None and ch.digital_max is not None and ch.digital_max > ch.digital_min
            and math.isfinite(ch.physical_min) and math.isfinite(ch.physical_max)):
        scale = ch.data_scale
        lo, hi = sorted((ch.physical_min * scale, ch.physical_max * scale))
        step = (ch.physical_max - ch.physical_min) / (ch.digital_max - ch.digital_min) * scale
        offset = ch.physical_min * scale - ch.digital_min * step
        half_step = abs(step) / 2
        rails = (lo + half_step, hi - half_step)
    position = 0
    start_s = 0.0
    while position < ch.n_samples:
        stop_s = min(ch.duration_s, start_s + chunk_s)
        x = rec.get_data(ch.label, start_s=start_s, stop_s=stop_s)
        if x.size == 0:
            break
        n_nan += int(np.isnan(x).sum())
        prev = np.concatenate(([np.nan if previous is None else previous], x[:-1]))
        flat.feed(x == prev, position)
        if rails is not None:
            clipped.feed((x <= rails[0]) | (x >= rails[1]), position)
        if step and ch.is_emg and code_gcd != 1:
            codes = np.rint((x[np.isfinite(x)] - offset) / step).astype(np.int64)
            diffs = np.abs(np.diff(codes))
            diffs = diffs[diffs > 0]
            if diffs.size:
                code_gcd = int(np.gcd.reduce(np.append(diffs, code_gcd)))
        previous = float(x[-1])
        position += x.size
        start_s = position / ch.sfreq
    out: list[str] = []
    # A run of k "equal to previous" samples is a constant stretch of k + 1 samples.
    flat_runs = [(a - 1, n + 1) for a, n in flat.finish(position) if (n + 1) / ch.sfreq >= FLAT_MIN_S]
    if flat_runs:
        total = sum(n for _, n in flat_runs) / ch.sfreq
        out.append(f"flat (constant value) for {total:.0f} s in {len(flat_runs)} stretch(es) of >= "
                   f"{FLAT_MIN_S:g} s, first at {flat_runs[0][0] / ch.sfreq:.1f} s: disconnected or saturated input")
    clip_runs = [(a, n) for a, n in clipped.finish(position) if n >= CLIP_MIN_SAMPLES]
    if clip_runs:
        total = sum(n for _, n in clip_runs)
        out.append(f"clipped: {total} sample(s) ({total / ch.sfreq:.2f} s) at the physical limits in "
                   f"{len(clip_runs)} stretch(es), first at {clip_runs[0][0] / ch.sfreq:.1f} s: amplitudes there "
                   "are underestimated")
    n_nan -= _gap_samples(rec, ch)  # the gaps of an EDF+D are stated once, for the recording
    if n_nan:
        out.append(f"{n_nan} NaN sample(s) ({n_nan / ch.sfreq:.2f} s)")
    if code_gcd > 1 and math.isfinite(ch.resolution_uv):
        effective = code_gcd * ch.resolution_uv
        coarse = (f": coarser than {MAX_EMG_RESOLUTION_UV:g} uV, low-amplitude activity is lost"
                  if effective > MAX_EMG_RESOLUTION_UV else "")
        out.append(f"samples sit on one digital code in {code_gcd}: effective quantisation "
                   f"{effective:.3g} uV per step, not the header's {ch.resolution_uv:.3g} uV{coarse}")
    return out


def _gap_samples(rec: Recording, ch: ChannelInfo) -> int:
    """Samples of ``ch`` inside the recording's gaps (read as NaN; gaps start and end on its samples)."""
    return sum(int(round(b * ch.sfreq)) - int(round(a * ch.sfreq)) for a, b in rec.gaps_s)


def describe_recording(rec: Recording, *, scan_data: bool = True) -> dict[str, Any]:
    """Channels, roles, sampling rates, units, durations and warnings of a recording.

    Parameters
    ----------
    rec : Recording
        An open recording.
    scan_data : bool
        Also scan the data (chunk by chunk) for flat, clipped and NaN stretches.  Channels of
        role ``other`` (respiration, temperature, markers, whose constant stretches are normal)
        and channels unreadable in their role are not scanned.

    Returns
    -------
    dict
        ``{"path", "format", "start_datetime", "start_date_known", "duration_s", "gaps_s", "annotations_count",
        "warnings", "channels": [{"label", "role", "side", "sfreq", "unit", "duration_s", "warnings"}, ...]}``;
        ``sfreq`` in Hz, ``duration_s`` in seconds, ``side`` None when unknown, ``gaps_s`` the
        ``[start, stop]`` seconds of every gap of an EDF+D/BDF+D (empty when continuous).
    """
    channels = []
    for ch in rec.channels:
        warnings = list(ch.warnings)
        if scan_data and ch.role is not Role.OTHER and ch.readable:
            warnings.extend(_scan_channel(rec, ch))
        channels.append({
            "label": ch.label, "role": ch.role.value, "side": None if ch.side is None else ch.side.value,
            "sfreq": float(ch.sfreq), "unit": ch.unit, "duration_s": float(ch.duration_s), "warnings": warnings,
        })
    return {
        "path": None if rec.path is None else str(rec.path),
        "format": rec.format,
        "start_datetime": None if rec.start_datetime is None else rec.start_datetime.isoformat(),
        "start_date_known": bool(getattr(rec, "start_date_known", True)),
        "duration_s": float(rec.duration_s),
        "gaps_s": [[a, b] for a, b in getattr(rec, "gaps_s", ())],
        "annotations_count": len(rec.annotations),
        "warnings": list(rec.warnings),
        "channels": channels,
    }


def _fmt_duration(seconds: float) -> str:
    seconds = float(seconds)
    h, rem = divmod(int(round(seconds)), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_description(desc: dict[str, Any]) -> str:
    """Human-readable, aligned table of :func:`describe_recording`'s output."""
    lines = []
    head = [desc.get("path") or "(in memory)", desc.get("format", "")]
    if desc.get("start_datetime"):
        if desc.get("start_date_known", True):
            head.append(f"start {desc['start_datetime'].replace('T', ' ')}")
        else:
            head.append(f"start {desc['start_datetime'].split('T')[1]} (date anonymised)")
    if "duration_s" in desc:
        head.append(f"duration {_fmt_duration(desc['duration_s'])} ({desc['duration_s']:g} s)")
    head.append(f"{len(desc['channels'])} channels")
    if desc.get("annotations_count"):
        head.append(f"{desc['annotations_count']} annotations")
    lines.append("  ".join(str(h) for h in head))
    for w in desc.get("warnings", []):
        lines.append(f"  ! {w}")
    if not desc["channels"]:
        return "\n".join(lines)
    columns = ("label", "role", "side", "sfreq_hz", "unit", "duration", "warnings")
    rows = []
    for ch in desc["channels"]:
        rows.append((ch["label"], ch["role"], ch["side"] or "-", f"{ch['sfreq']:g}", ch["unit"] or "-",
                     _fmt_duration(ch["duration_s"]), ch["warnings"][0] if ch["warnings"] else ""))
    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns) - 1)]
    lines.append("")

    def fmt(cells: tuple[str, ...]) -> str:
        left = "  ".join(c.ljust(widths[i]) if i not in (3,) else c.rjust(widths[i])
                         for i, c in enumerate(cells[:-1]))
        return (left + "  " + cells[-1]).rstrip()

    lines.append(fmt(columns))
    indent = " " * (sum(widths) + 2 * (len(widths)))
    for ch, row in zip(desc["channels"], rows):
        lines.append(fmt(row))
        lines.extend(indent + w for w in ch["warnings"][1:])
    return "\n".join(lines)
