"""Read a recording: EDF, EDF+C, EDF+D, BDF, BDF+C, BDF+D (lazily, per channel) or an ``mne.io.BaseRaw``.

:func:`read_recording` validates the header first (:mod:`myosleep.io.edf_header`), gives every
channel a role (:mod:`myosleep.io.roles`), its own sampling rate (never resampled) and a scale
to microvolts from the header's physical dimension; data are decoded only when
:meth:`Recording.get_data` asks for one channel.  An EDF+D/BDF+D whose records have gaps is read
onto one timeline from its first record's onset, NaN in the gaps (:mod:`myosleep.io._edf_timeline`);
:attr:`Recording.gaps_s` lists them.  So is an EDF+C/BDF+C whose record times (time-keeping TALs) jump:
it is read as the EDF+D its record times describe, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ChannelError, ParameterError, RecordingError
from ..vocab import EMG_ROLES, Role, Side
from ._edf_data import Annotation, EdfData, read_annotations
from ._edf_timeline import Timeline, gap_warning, timing_of
from .bids_channels import apply_sidecar, sidecar_path
from .edf_header import EdfHeader, SignalHeader, read_edf_header
from .prefilter import emg_envelope_reason, emg_prefilter_findings
from .roles import (
    NOT_AN_AXIS_NOTE,
    RoleGuess,
    accelerometer_side,
    infer_roles,
    infer_side,
    label_unit,
    norm_is_given,
    not_an_axis,
)
from .units import EMPTY_UNITS, motion_unit, norm_unit, unit_scale_to_uv

if TYPE_CHECKING:  # pragma: no cover
    import mne

__all__ = ["read_recording", "Recording", "ChannelInfo", "Annotation", "unit_scale_to_uv", "gap_warning",
           "MIN_EMG_SFREQ", "AASM_MIN_EMG_SFREQ", "MAX_EMG_RESOLUTION_UV"]

log = logging.getLogger("myosleep")

#: EMG sampled below this (Hz) cannot show a 75-ms burst (shortest fragmentary myoclonus
#: potential, AASM Manual v2.5; DESIGN.md "Recording practice"): not used for jerk detection.
MIN_EMG_SFREQ = 100.0
#: AASM Manual (v2.5 2018, technical specifications): EMG sampling rate >= 200 Hz (500 desirable).
AASM_MIN_EMG_SFREQ = 200.0
#: Coarsest EMG quantisation step (uV) that still resolves the AASM leg-movement criteria
#: (onset >= 8 uV above resting EMG, offset <= 2 uV above resting; AASM Manual v2.5).
MAX_EMG_RESOLUTION_UV = 1.0

#: Roles whose channels carry biopotentials (must be in volts).
_PHYSIOLOGICAL = EMG_ROLES | {Role.EMG, Role.EEG, Role.EOG, Role.ECG}
_EMPTY_UNITS = EMPTY_UNITS


@dataclass(frozen=True)
class ChannelInfo:
    """One data channel of a recording.

    Attributes
    ----------
    label : str
        Label as in the file (padding stripped); made unique with a ``#2``, ``#3``... suffix when
        the file repeats a label, ``channel N`` when the file's label is empty.
    index : int
        Position among the data channels (annotation signals excluded), from 0.
    role : Role
        What the channel records (``emg``: EMG whose site the label does not say; not analysed
        until the user names it).
    side : Side | None
        Left or right when the label says so.
    sfreq : float
        Sampling rate, in Hz (the channel's own).
    unit : str
        Physical dimension as in the header; when the header's field is empty and the label ends with
        a unit in brackets (``acc x [g]``, ``Chin (uV)``), that unit, with a warning saying so.
    scale_to_uv : float
        Factor from ``unit`` to uV (1.0 for non-voltage channels).
    n_samples : int
        Number of samples.
    duration_s : float
        ``n_samples / sfreq``, in seconds.
    physical_min, physical_max : float
        Physical range, in ``unit`` (nan when unknown, e.g. mne input).
    resolution_uv : float
        Quantisation step: uV per digital step, ``|physical range| / (digital max - digital min)``
        in uV (EDF spec); nan for non-voltage channels, unscalable channels, or when the
        source does not say (an mne Raw built in memory).  Detection compares it with the
        amplitudes the rules need (AASM: 8 uV leg-movement onset, 2 uV offset).
    prefilter, transducer : str
        Header text fields.
    warnings : tuple of str
        Header-level problems (sampling rate too low for the role, coarse quantisation, unit).
    data_unit : str
        Unit of :meth:`Recording.get_data` values: ``"uV"`` for voltages, ``"g"`` for accelerations
        (``g``, ``mg``, ``m/s^2`` and their spellings; :mod:`myosleep.io.units`), else the
        channel's own unit.
    original_label : str
        Label exactly as in the file (before de-duplication).
    readable : bool
        False when the channel's unit makes it unreadable in its role (an EEG in ``"%"``, an
        accelerometer in ``m/s^3``) or its header fields cannot scale its samples (``problem``).
    digital_min, digital_max : int | None
        Digital range (None for mne input), for clipping checks.
    data_scale : float
        Factor from ``unit`` to ``data_unit`` (equals ``scale_to_uv`` for voltages; 1e-3 for mg -> g,
        1/9.80665 for m/s^2 -> g).
    native_sfreq : float | None
        Sampling rate in the file, in Hz, when an mne Raw resampled the channel on reading
        (mne's EDF reader brings every channel to the highest rate); None otherwise.
    problem : str | None
        Why the samples cannot be read at all (a header field that cannot scale them: physical
        or digital minimum equal to maximum, a range field that is not a number, a digital range
        beyond the format's, 0 samples per record), None when they can; such a channel is
        listed, warned about and skipped.
    prefilter_is_own : bool
        True when ``prefilter`` is the channel's own header field; False for an mne Raw, whose
        ``info`` holds one band for every channel (mne's EDF reader keeps the narrowest).
    minus, minus_scale : int | None, float
        A bipolar derivation the user asked for (``--channels leg-left=EXG1-EXG2`` where the file
        holds ``EXG1`` and ``EXG2`` recorded against a common reference): the channel ``index``
        minus the channel ``minus``, whose samples are brought to uV by ``minus_scale``.  None
        for a channel of the file.
    """

    label: str
    index: int
    role: Role
    side: Side | None
    sfreq: float
    unit: str
    scale_to_uv: float
    n_samples: int
    duration_s: float
    physical_min: float
    physical_max: float
    resolution_uv: float
    prefilter: str
    transducer: str
    warnings: tuple[str, ...] = ()
    data_unit: str = "uV"
    original_label: str = ""
    readable: bool = True
    digital_min: int | None = None
    digital_max: int | None = None
    native_sfreq: float | None = None
    data_scale: float = 1.0
    problem: str | None = None
    minus: int | None = None
    minus_scale: float = 1.0
    prefilter_is_own: bool = True

    @property
    def emg_envelope(self) -> str | None:
        """Why this EMG channel holds an amplitude envelope rather than the EMG (its label names RMS,
        rectification or an envelope; its own prefilter names them, or a low-pass below the EMG
        band), or None."""
        if not (self.is_emg or self.role is Role.EMG):
            return None
        return emg_envelope_reason(self.prefilter, self.native_sfreq or self.sfreq,
                                   label=self.original_label or self.label, own_prefilter=self.prefilter_is_own)

    @property
    def is_emg(self) -> bool:
        """True when the role is an EMG role (chin, leg, arm, axial)."""
        return self.role in EMG_ROLES

    @property
    def is_voltage(self) -> bool:
        return self.data_unit == "uV"

    @property
    def emg_site_unknown(self) -> bool:
        """True for an EMG channel whose site the label does not say (role ``emg``)."""
        return self.role is Role.EMG


def _channel_warnings(info: ChannelInfo, *, unit_warning: str | None) -> tuple[str, ...]:
    out: list[str] = []
    if unit_warning:
        out.append(unit_warning)
    if info.problem is not None:
        return tuple(out)  # nothing else can be said about samples that cannot be read
    sfreq = info.sfreq
    if info.native_sfreq is not None and info.native_sfreq < info.sfreq:
        sfreq = info.native_sfreq
        out.append(f"recorded at {sfreq:g} Hz and upsampled to {info.sfreq:g} Hz by mne on reading; read the "
                   "file itself with read_recording(path) to keep each channel's own rate")
    if info.role is Role.EMG:
        out.append(f"EMG of unknown site (the label names no muscle): not analysed; give its site, e.g. "
                   f"--channels {_override_arg('chin', info.label)} (or leg=, arm=, axial=)")
    envelope = info.emg_envelope
    narrowed = emg_prefilter_findings(info.prefilter, sfreq)[1] if info.prefilter_is_own else None
    if envelope:
        out.append(envelope)  # what the samples are says it all: no rate or step is then of use
    elif info.is_emg or info.role is Role.EMG:
        if narrowed:
            out.append(narrowed)
        if sfreq < MIN_EMG_SFREQ:
            out.append(f"EMG sampled at {sfreq:g} Hz, below {MIN_EMG_SFREQ:g} Hz: too slow to show a 75 ms "
                       "burst; not used for jerk detection")
        elif sfreq < AASM_MIN_EMG_SFREQ:
            out.append(f"EMG sampled at {sfreq:g} Hz, below the AASM minimum of {AASM_MIN_EMG_SFREQ:g} Hz "
                       f"(500 Hz preferred): its band ends below {0.5 * sfreq:g} Hz, not at the AASM's 100 Hz, so "
                       "amplitudes read low, bursts read short and brief potentials are missed; use with caution")
        if math.isfinite(info.resolution_uv) and info.resolution_uv > MAX_EMG_RESOLUTION_UV:
            out.append(f"EMG quantised at {info.resolution_uv:.3g} uV per step, coarser than "
                       f"{MAX_EMG_RESOLUTION_UV:g} uV: low-amplitude activity is lost (AASM leg-movement "
                       "onset 8 uV, offset 2 uV above rest)")
        if any(k in info.original_label.lower() for k in ("masseter", "temporalis")):
            out.append("masseter/temporalis EMG given the chin role (cranial EMG); bruxism can mimic phasic "
                       "chin activity")
    return tuple(out)


def _role_from_unit(guess: RoleGuess, unit: str, label: str = "") -> RoleGuess:
    """The role the unit decides, where the label alone cannot.

    An accelerometer axis known by its unit: a channel whose label names nothing we know (``dX`` of
    a ZMax headband, ``X-axis``) but whose unit is an acceleration (g, mg, m/s^2): no other
    physiological signal of a sleep recording is measured in those units; its side from the label.
    But a label naming what is not an axis (ENMO, a vector magnitude, a magnetometer, a gyroscope:
    :func:`~myosleep.io.roles.not_an_axis`) decides over the unit (``Mag X`` in ``G``, gauss; ``ENMO``
    in g); so does ``VM`` (SENIAM's vastus medialis) in a unit that is not a voltage: a vector
    magnitude, not a muscle.
    """
    what = not_an_axis(label, unit) if label else None
    if what and (guess.role in (Role.ACCELEROMETER, Role.OTHER)
                 or (guess.role in EMG_ROLES and unit_scale_to_uv(unit) is None and norm_is_given(unit))):
        return RoleGuess(Role.OTHER, None, f"{what}: {NOT_AN_AXIS_NOTE}")
    if guess.role is Role.OTHER and guess.note is None and motion_unit(unit).is_acceleration:
        return RoleGuess(Role.ACCELEROMETER, accelerometer_side(label),
                         f"accelerometer: its unit {unit.strip()!r} is an acceleration")
    return guess


def _override_arg(role: str, label: str) -> str:
    """``role=label`` as one shell word for ``--channels`` (quoted when the label needs it)."""
    import shlex

    return shlex.quote(f"{role}={label}")


def _unit_fields(unit: str, role: Role) -> tuple[float, str, float, bool, str | None]:
    """(scale_to_uv, data_unit, data_scale, readable, warning) for a channel's unit and role."""
    to_uv = unit_scale_to_uv(unit)
    if role is Role.ACCELEROMETER:
        return _accelerometer_unit_fields(unit)
    if to_uv is not None:
        return to_uv, "uV", to_uv, True, None
    norm = norm_unit(unit)
    if role in _PHYSIOLOGICAL:
        if norm in _EMPTY_UNITS:
            return 1.0, "uV", 1.0, True, "empty physical dimension; assumed uV"
        return 1.0, unit, 1.0, False, (f"unit {unit!r} is not a voltage: cannot be read as {role.value}; "
                                       f"fix the unit or give the channel another role")
    return 1.0, "" if norm in _EMPTY_UNITS else unit, 1.0, True, None


def _unit_refusal(unit: str, role: Role) -> str:
    """Why a channel's unit makes it unreadable in ``role`` (for errors)."""
    if role is Role.ACCELEROMETER:
        kind = motion_unit(unit).kind
        return f"unit {unit!r} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not an acceleration"
    return f"unit {unit!r} is not a voltage; cannot read it as {role.value}"


def _accelerometer_unit_fields(unit: str) -> tuple[float, str, float, bool, str | None]:
    """Accelerations are read in g; a unit that measures something else is refused, with why."""
    kind = motion_unit(unit)
    if kind.is_acceleration and kind.to_g is not None:  # an acceleration always has its factor to g
        return 1.0, "g", float(kind.to_g), True, None
    if kind.kind in ("empty", "unknown"):
        what = "no unit" if kind.kind == "empty" else f"unit {unit!r} is not a known acceleration unit"
        return 1.0, "" if kind.kind == "empty" else unit, 1.0, True, (
            f"accelerometer with {what}: read as it is, jerks found on relative thresholds only and "
            "their peak_jerk_g_per_s left empty (not g/s) (write g, mg or m/s^2 in the header for absolute ones)")
    article = "an" if kind.kind[0] in "aeiou" else "a"
    return 1.0, unit, 1.0, False, (
        f"unit {unit!r} is {article} {kind.kind}, not an acceleration: not read as an accelerometer "
        "(accelerations are g, mg or m/s^2); fix the unit or give the channel another role")


# ------------------------------------------------------------------ sources
class _EdfSource:
    def __init__(self, header: EdfHeader):
        self.header = header
        self.data = EdfData(header)
        self.signals = header.data_signals
        #: Where the records lie in time: None when they follow each other (EDF, EDF+C, contiguous EDF+D).
        self.timeline: Timeline | None = None

    def physical(self, index: int, start: int, stop: int, *, scale: float = 1.0,
                 dtype: Any = np.float64) -> np.ndarray:
        """Samples ``start:stop`` of data channel ``index`` in physical units times ``scale`` (NaN in gaps)."""
        sig = self.signals[index]
        gain = sig.gain * scale
        offset = (sig.physical_min - sig.digital_min * sig.gain) * scale
        if self.timeline is None:
            return self.data.physical(sig, start, stop, gain=gain, offset=offset, dtype=dtype)
        return self.timeline.read(self.data, sig, start, stop, gain=gain, offset=offset, dtype=dtype)

    def close(self) -> None:
        self.data.close()


class _MneSource:
    def __init__(self, raw: mne.io.BaseRaw):
        self.raw = raw

    def physical(self, index: int, start: int, stop: int, *, scale: float = 1.0,
                 dtype: Any = np.float64) -> np.ndarray:
        data = self.raw.get_data(picks=[index], start=start, stop=stop)[0]
        return (data * scale).astype(dtype, copy=False)

    def close(self) -> None:
        return None


# ------------------------------------------------------------------ recording
class Recording:
    """A recording whose channels are read lazily, one at a time.

    Use as a context manager (or call :meth:`close`) to release the file.

    Attributes
    ----------
    path : Path | None
        The file (None for an mne Raw without a file).
    format : str
        ``"EDF"``, ``"EDF+C"``, ``"EDF+D"``, ``"BDF"``, ``"BDF+C"``, ``"BDF+D"`` or ``"mne"``: as read (an
        EDF+C whose record times jump is read as, and named, EDF+D; a warning says what its header declares).
    start_datetime : datetime | None
        Start of the recording (clock time as in the file, no time zone).
    duration_s : float
        Duration, in seconds (of an EDF+D with gaps: first record's onset to the end of the last
        record, gaps included).
    channels : tuple of ChannelInfo
        Data channels, in file order (annotation signals excluded).
    warnings : tuple of str
        Recording-level problems (no data channels, disagreeing date fields, a montage read as an
        electrode cap, EMG of unknown site only).
    annotation_only : bool
        True for an EDF+/BDF+ that holds annotation signals only (e.g. a hypnogram file).
    start_date_known : bool
        False when only the clock time of ``start_datetime`` is the file's (anonymised date).
    gaps_s : tuple of (float, float)
        ``(start, stop)`` in seconds of every gap of an EDF+D/BDF+D (a pause in the recording: no
        signal; its samples read as NaN and a warning says so); empty for a continuous recording.
    declared_duration_s : float
        The duration the file's header declares: :attr:`duration_s` plus the data records
        missing from a file that was cut short (a warning says so); else :attr:`duration_s`.
    """

    def __init__(self, *, path: Path | None, format: str, start_datetime: datetime | None, duration_s: float,
                 channels: tuple[ChannelInfo, ...], source: _EdfSource | _MneSource,
                 annotations: tuple[Annotation, ...] | None = None, warnings: tuple[str, ...] = (),
                 annotation_only: bool = False, start_date_known: bool = True,
                 gaps_s: tuple[tuple[float, float], ...] = (), declared_duration_s: float | None = None):
        self.path = path
        self.format = format
        self.start_datetime = start_datetime
        self.duration_s = float(duration_s)
        self.channels = channels
        self.warnings = warnings
        self.annotation_only = bool(annotation_only)
        self.start_date_known = bool(start_date_known)
        self.gaps_s = tuple((float(a), float(b)) for a, b in gaps_s)
        self.declared_duration_s = self.duration_s if declared_duration_s is None else \
            max(self.duration_s, float(declared_duration_s))
        self._source: _EdfSource | _MneSource | None = source
        self._annotations = annotations
        self._sha256: str | None = None

    def __repr__(self) -> str:
        return (f"<Recording {self.format} {self.path.name if self.path else '(in memory)'}: "
                f"{len(self.channels)} channels, {self.duration_s:g} s>")

    # -- context manager
    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (idempotent)."""
        if self._source is not None:
            self._source.close()
            self._source = None

    @property
    def closed(self) -> bool:
        return self._source is None

    # -- channels
    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.channels]

    def channel(self, label: str) -> ChannelInfo:
        """Channel by label: exact match first, then ignoring case and spaces.

        Raises
        ------
        ChannelError
            No such channel (the message lists the available labels).
        """
        found = _lookup(self.channels, label)
        if found is None:
            raise ChannelError(f"no channel {label!r}; channels are: {_listing(self.channels)}",
                               where=self.path or "recording", hint="Give one of the labels listed")
        return found

    def picks(self, *roles: Role | str, side: Side | str | None = None) -> list[ChannelInfo]:
        """Channels with any of ``roles`` (all channels when none given), optionally of one ``side``."""
        try:
            wanted = {Role(r) for r in roles}
            side_ = None if side is None else Side(side)
        except ValueError:
            raise ParameterError(f"unknown role or side in {roles!r}, side={side!r}", where="picks",
                                 hint=f"Roles are {', '.join(r.value for r in Role)}; sides left, right") from None
        return [c for c in self.channels
                if (not wanted or c.role in wanted) and (side_ is None or c.side == side_)]

    def derivation(self, label: str) -> ChannelInfo | None:
        """``"A-B"``: the derivation of two referential channels of the file (A minus B), or None when
        ``label`` does not name two of them; read it with :meth:`get_data` (the same rule as a
        ``--channels`` derivation).

        Raises
        ------
        ChannelError
            The two channels cannot be derived (not voltages, different rates or lengths).
        """
        return _derivation(self.channels, label, self.path or "recording")

    # -- data
    def get_data(self, label: str | ChannelInfo, *, start_s: float = 0.0, stop_s: float | None = None,
                 dtype: Any = np.float64) -> np.ndarray:
        """Samples of one channel, in uV (non-voltage channels: in ``ChannelInfo.data_unit``).

        Only that channel, and only the data records covering ``[start_s, stop_s)``, are decoded.

        Parameters
        ----------
        label : str | ChannelInfo
            Channel label, or a channel of :meth:`derivation`.
        start_s, stop_s : float
            Span, in seconds from the start of the recording (``stop_s`` None: to the end).
        dtype : numpy dtype
            Output dtype (float64 by default; a float type when the recording has gaps: their
            samples are NaN).
        """
        info = label if isinstance(label, ChannelInfo) else self.channel(label)
        if info.problem is not None:
            raise ChannelError(f"cannot be read: {info.problem}",
                               where=f"{self.path or 'recording'} channel {info.label!r}",
                               hint="Fix the channel's header fields or leave the channel out")
        if not info.readable:
            raise ChannelError(_unit_refusal(info.unit, info.role),
                               where=f"{self.path or 'recording'} channel {info.label!r}",
                               hint="Fix the unit in the file or give the channel another role (--channels)")
        if self._source is None:
            raise RecordingError("is closed", where=self.path or "recording", hint="Read data before closing it")
        if not (math.isfinite(start_s) and 0 <= start_s <= info.duration_s):
            raise ParameterError(f"start_s must be within 0..{info.duration_s:g} s, got {start_s!r}",
                                 where="get_data")
        if stop_s is not None and not (stop_s >= start_s):
            raise ParameterError(f"stop_s must be >= start_s ({start_s:g} s), got {stop_s!r}", where="get_data")
        if self.gaps_s and not np.issubdtype(np.dtype(dtype), np.floating):
            raise ParameterError(f"the recording has gaps, read as NaN: dtype must be a float type, got "
                                 f"{np.dtype(dtype).name}", where="get_data(dtype)", hint="Use float32 or float64")
        start = int(math.floor(start_s * info.sfreq + 1e-9))
        stop = info.n_samples if stop_s is None else min(info.n_samples, int(math.ceil(stop_s * info.sfreq - 1e-9)))
        x = self._source.physical(info.index, start, max(start, stop), scale=info.data_scale, dtype=dtype)
        if info.minus is not None:  # a bipolar derivation of two referential channels
            x = x - self._source.physical(info.minus, start, max(start, stop), scale=info.minus_scale, dtype=dtype)
        return x

    # -- annotations
    @property
    def annotations(self) -> tuple[Annotation, ...]:
        """Annotations of the file (EDF+ annotation signals, or the mne Raw's), onsets from the start."""
        if self._annotations is None:
            source = self._source
            if isinstance(source, _EdfSource) and source.header.annotation_signals:
                self._annotations = read_annotations(source.data)
            else:
                self._annotations = ()
        return self._annotations

    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (streamed, cached); of the data for an mne Raw without a file."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            if self.path is not None and self.path.is_file():
                with open(self.path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        digest.update(chunk)
            else:
                for ch in self.channels:
                    digest.update(ch.label.encode("utf-8"))
                    digest.update(np.ascontiguousarray(self.get_data(ch.label) if ch.readable else []).tobytes())
            self._sha256 = digest.hexdigest()
        return self._sha256


def _squash(label: str) -> str:
    return re.sub(r"\s+", "", label).casefold()


def _lookup(channels: Sequence[ChannelInfo], label: str) -> ChannelInfo | None:
    for c in channels:
        if c.label == label:
            return c
    key = _squash(label)
    matches = [c for c in channels if _squash(c.label) == key]
    if len(matches) == 1:
        return matches[0]
    matches = [c for c in channels if _squash(c.original_label) == key]
    return matches[0] if matches else None


def _listing(channels: Sequence[ChannelInfo]) -> str:
    return ", ".join(repr(c.label) for c in channels) or "(none: the file has no data channels)"


def _unique_labels(labels: Sequence[str]) -> tuple[list[str], list[str | None]]:
    """Unique labels (``X#2`` for a repeated ``X``, ``channel N`` for an empty one) and a warning each."""
    out: list[str] = []
    notes: list[str | None] = []
    seen: dict[str, int] = {}
    taken = set(labels)
    for i, label in enumerate(labels):
        note = None
        name = label
        if not label:
            name = f"channel {i + 1}"
            note = f"empty label in the file; named {name!r}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            candidate = f"{name}#{seen[key]}"
            while candidate in taken:
                seen[key] += 1
                candidate = f"{name}#{seen[key]}"
            note = f"duplicate label {label!r} in the file; renamed {candidate!r}"
            name = candidate
        else:
            seen[key] = 1
        taken.add(name)
        out.append(name)
        notes.append(note)
    return out, notes


def split_role_side(name: str) -> tuple[str, Side | None]:
    """``"leg-left"`` -> ``("leg", Side.LEFT)``; ``"chin"`` -> ``("chin", None)`` (lower-cased; ``_`` as ``-``)."""
    text = str(name).strip().lower().replace("_", "-")
    base, sep, side = text.rpartition("-")
    if sep and side in (Side.LEFT.value, Side.RIGHT.value):
        return base, Side(side)
    return text, None


def _apply_overrides(channels: list[ChannelInfo], overrides: Mapping[str, str | Sequence[str]] | None,
                     where: object) -> list[ChannelInfo]:
    """Give the listed channels their role; other channels inferred with an overridden role become ``other``.

    A role name may carry the side (``"leg-left"``, ``"arm-right"``): the channel then has that
    side whatever its label says; otherwise the side is read from the label.
    """
    if not overrides:
        return channels
    assigned: dict[tuple[int, int | None], tuple[Role, Side | None]] = {}
    for role_name, labels in overrides.items():
        base, side = split_role_side(role_name)
        try:
            role = Role(base)
        except ValueError:
            raise ParameterError(f"unknown role {role_name!r}", where="channels",
                                 hint=f"Roles are {', '.join(r.value for r in Role)}, with a side if the label "
                                      "gives none (leg-left, leg-right, ...)") from None
        for label in [labels] if isinstance(labels, str) else list(labels):
            found = _lookup(channels, label)
            if found is None:
                found = _derivation(channels, label, where)
                if found is None:
                    raise ChannelError(f"no channel {label!r} (given for role {role_name}); channels are: "
                                       f"{_listing(channels)}", where=where,
                                       hint="Give one of the labels listed, or two joined by '-' for their "
                                            "bipolar derivation")
                channels = [*channels, found]
            assigned[_key(found)] = (role, side)
    overridden = {role for role, _ in assigned.values()}
    out = []
    for c in channels:
        if _key(c) in assigned:
            role, side = assigned[_key(c)]
            single_exg = role in EMG_ROLES and c.minus is None and re.fullmatch(
                r"exg\d+", (c.original_label or c.label).strip().lower()) is not None
            new = _finish(c, role=role, side=side or infer_side(c.original_label or c.label),
                          note=(f"one BioSemi input, recorded against CMS: it carries the common mode (ECG, EEG, "
                                f"mains) beside the EMG; give the muscle's two electrodes ({c.label}-EXGn)")
                          if single_exg else None)
            if new.problem is not None:
                raise ChannelError(f"cannot be read: {new.problem}", where=f"{where} channel {c.label!r}",
                                   hint="Fix the channel's header fields or choose another channel")
            if not new.readable:
                raise ChannelError(_unit_refusal(c.unit, role),
                                   where=f"{where} channel {c.label!r}",
                                   hint="Fix the unit in the file or choose another channel")
            out.append(new)
        elif c.role in overridden:
            out.append(_finish(c, role=Role.OTHER, side=None))
        else:
            out.append(c)
    return out


def _key(c: ChannelInfo) -> tuple[int, int | None]:
    return c.index, c.minus


def _derivation(channels: Sequence[ChannelInfo], label: str, where: object) -> ChannelInfo | None:
    """``"A-B"`` as the bipolar derivation of channels ``A`` and ``B`` of the file, or None.

    Referential recordings (BioSemi's ``EXG1``..``EXG8`` against CMS, amplifiers recording every
    electrode against one reference) hold no bipolar EMG: surface EMG is the difference of two
    electrodes over the muscle, which cancels what they share (ECG, EEG, mains).  Every ``-``
    of the label is tried as the split; both sides must be channels of the file, readable
    voltages of the same rate and length.
    """
    for k in [m.start() for m in re.finditer("-", label)]:
        a, b = _lookup(channels, label[:k].strip()), _lookup(channels, label[k + 1:].strip())
        if a is None or b is None or a is b or a.minus is not None or b.minus is not None:
            continue
        for c in (a, b):
            if c.problem is not None:
                raise ChannelError(f"cannot be read: {c.problem}", where=f"{where} channel {c.label!r}",
                                   hint=f"Choose other channels for {label!r}")
            if unit_scale_to_uv(c.unit) is None:
                raise ChannelError(f"unit {c.unit!r} is not a voltage: cannot take part in the derivation "
                                   f"{label!r}", where=f"{where} channel {c.label!r}",
                                   hint="Derive only voltage channels (EMG, EEG)")
        if a.sfreq != b.sfreq or a.n_samples != b.n_samples:
            raise ChannelError(f"{a.label!r} ({a.sfreq:g} Hz, {a.n_samples} samples) and {b.label!r} "
                               f"({b.sfreq:g} Hz, {b.n_samples} samples) differ in rate or length: no "
                               f"derivation {label!r}", where=where,
                               hint="Derive two channels recorded at the same rate")
        return replace(a, label=label, original_label=label, minus=b.index,
                       minus_scale=float(unit_scale_to_uv(b.unit) or 1.0), physical_min=float("nan"),
                       physical_max=float("nan"), digital_min=None, digital_max=None,
                       resolution_uv=float("nan"),
                       warnings=(f"derivation: {a.label!r} minus {b.label!r} (bipolar, as asked)",))
    return None


def _finish(c: ChannelInfo, *, role: Role, side: Side | None, note: str | None = None) -> ChannelInfo:
    """Recompute the role-dependent fields (unit handling, resolution, warnings) of a channel."""
    keep = ("duplicate label", "empty label", "external input", "derivation", LABEL_UNIT_NOTE) + \
        (("mne type",) if role is Role.OTHER else ())
    base_warnings = tuple(w for w in c.warnings if w.startswith(keep))
    if note and note not in base_warnings:
        base_warnings += (note,)
    scale, data_unit, data_scale, readable, unit_warning = _unit_fields(c.unit, role)
    resolution = float("nan")
    if c.problem is not None:
        readable, unit_warning = False, f"not read: {c.problem}"
    elif data_unit == "uV":
        resolution = _resolution_uv(c, data_scale)
    new = replace(c, role=role, side=side, scale_to_uv=scale, data_unit=data_unit, data_scale=data_scale,
                  readable=readable, resolution_uv=resolution, warnings=())
    return replace(new, warnings=base_warnings + _channel_warnings(new, unit_warning=unit_warning))


def _resolution_uv(c: ChannelInfo, to_uv: float) -> float:
    """uV per digital step from the header ranges (the mne reader's own when the source is mne)."""
    if c.digital_min is None or c.digital_max is None or c.digital_max == c.digital_min:
        return c.resolution_uv if math.isfinite(c.resolution_uv) else float("nan")
    return abs(c.physical_max - c.physical_min) / (c.digital_max - c.digital_min) * to_uv


# ------------------------------------------------------------------ readers
#: How a channel's warning begins when its unit was read from its label (kept through role changes).
LABEL_UNIT_NOTE = "unit read from the label"


def _unit_of(sig: SignalHeader) -> tuple[str, str | None]:
    """The channel's unit and, when it was not the header's field, why: an empty physical dimension
    and a unit in brackets at the end of the label (``acc x [g]``) read as that unit."""
    if norm_unit(sig.unit) not in _EMPTY_UNITS:
        return sig.unit, None
    unit = label_unit(sig.label)
    if unit is None:
        return sig.unit, None
    return unit, (f"{LABEL_UNIT_NOTE}: the header's unit field is empty and the label {sig.label!r} names "
                  f"{unit!r}; read as {unit!r} (write it in the physical dimension field)")


def _from_edf(path: Path, overrides: Mapping[str, str | Sequence[str]] | None,
              header: EdfHeader | None = None) -> Recording:
    header = read_edf_header(path) if header is None else header
    source = _EdfSource(header)
    try:
        timing = timing_of(source.data, header)
        fmt, timeline = timing.format, timing.timeline
        if fmt.endswith("+D") and timeline is None:
            log.info("%s: EDF+D file whose data records are contiguous; read as continuous", header.path)
        source.timeline = timeline
        duration_s = header.duration_s if timeline is None else timeline.duration_s
        signals: tuple[SignalHeader, ...] = header.data_signals
        labels, notes = _unique_labels([s.label for s in signals])
        montage = infer_roles([s.label for s in signals])
        guesses, sidecar_warning = list(montage.guesses), None
        sidecar = sidecar_path(Path(path))
        if sidecar is not None:  # a BIDS recording: its channels.tsv says what the labels do not
            guesses, sidecar_warning = apply_sidecar([s.label for s in signals], guesses, sidecar)
        units = [_unit_of(s) for s in signals]
        guesses = [_role_from_unit(g, u[0], s.label) for g, u, s in zip(guesses, units, signals)]
        channels = []
        for i, (sig, label, note, guess) in enumerate(zip(signals, labels, notes, guesses)):
            unit, unit_note = units[i]
            sfreq = sig.samples_per_record / header.record_duration_s
            n_samples = (sig.samples_per_record * header.n_records if timeline is None
                         else timeline.n_samples(sig.samples_per_record))
            base = ChannelInfo(
                label=label, index=i, role=guess.role, side=guess.side, sfreq=sfreq, unit=unit,
                scale_to_uv=1.0, n_samples=n_samples, duration_s=duration_s,
                physical_min=sig.physical_min, physical_max=sig.physical_max, resolution_uv=float("nan"),
                prefilter=sig.prefilter, transducer=sig.transducer,
                warnings=tuple(n for n in (note, unit_note) if n),
                original_label=sig.label, digital_min=sig.digital_min, digital_max=sig.digital_max,
                problem=sig.problem)
            channels.append(_finish(base, role=guess.role, side=guess.side, note=guess.note))
        channels = _apply_overrides(channels, overrides, path)
        channels, pair_warnings = _referential(channels, source, overrides, path)
        rec_warnings = list(header.warnings) + list(montage.notes) + ([sidecar_warning] if sidecar_warning else []) \
            + pair_warnings
        if header.annotation_only:
            rec_warnings.insert(0, ANNOTATION_ONLY_WARNING)
        gaps = () if timeline is None else timeline.gaps_s
        if gaps:
            rec_warnings.insert(0, gap_warning(fmt, gaps))
            log.info("%s: %s", path, rec_warnings[0])
        if timing.warning:
            rec_warnings.insert(0, timing.warning)
            log.warning("%s: %s", path, timing.warning)
        return Recording(path=path, format=fmt, start_datetime=header.start_datetime,
                         duration_s=duration_s, channels=tuple(channels), source=source,
                         warnings=tuple(rec_warnings) + _unknown_site_warning(channels),
                         annotation_only=header.annotation_only, start_date_known=header.start_date_known,
                         gaps_s=gaps, declared_duration_s=duration_s + header.declared_duration_s - header.duration_s)
    except BaseException:
        source.close()
        raise


def _from_mne(raw: mne.io.BaseRaw, overrides: Mapping[str, str | Sequence[str]] | None) -> Recording:
    from mne.io.constants import FIFF

    sfreq = float(raw.info["sfreq"])
    n_times = int(raw.n_times)
    orig_units: dict[str, str] = dict(getattr(raw, "_orig_units", None) or {})
    types = raw.get_channel_types()
    hp, lp = raw.info.get("highpass"), raw.info.get("lowpass")
    prefilter = f"HP:{hp:g}Hz LP:{lp:g}Hz" if hp is not None and lp is not None else ""
    labels, notes = _unique_labels(list(raw.ch_names))
    native = _mne_native_rates(raw)
    resolution = _mne_resolutions_uv(raw)
    montage = infer_roles(list(raw.ch_names))
    channels = []
    for i, (ch, label, note, guess) in enumerate(zip(raw.info["chs"], labels, notes, montage.guesses)):
        name = ch["ch_name"]
        role, side = guess.role, guess.side
        extra: tuple[str, ...] = (note,) if note else ()
        # mne's EDF reader types every channel 'eeg' by default, so only the explicit eog/ecg/emg
        # types are evidence; the label decides the rest.  An emg type whose label names no muscle
        # is EMG of unknown site.
        if role is Role.OTHER and types[i] in ("eog", "ecg", "emg"):
            role = Role(types[i])
        orig = orig_units.get(name)
        if orig is not None:
            # mne converts voltage units to V on reading; other units are kept as in the file.
            unit = "V" if unit_scale_to_uv(orig) is not None else ("" if orig.strip().lower() in _EMPTY_UNITS
                                                                   else orig)
        else:
            unit = "V" if ch["unit"] == FIFF.FIFF_UNIT_V else ""
        base = ChannelInfo(
            label=label, index=i, role=role, side=side, sfreq=sfreq, unit=unit, scale_to_uv=1.0,
            n_samples=n_times, duration_s=n_times / sfreq, physical_min=float("nan"),
            physical_max=float("nan"), resolution_uv=resolution.get(name, float("nan")), prefilter=prefilter,
            transducer="", warnings=extra, original_label=name, native_sfreq=native.get(name),
            prefilter_is_own=False)
        channels.append(_finish(base, role=role, side=side, note=guess.note))
    channels = _apply_overrides(channels, overrides, "mne Raw")
    channels, pair_warnings = _referential(channels, _MneSource(raw), overrides, "mne Raw")

    annotations = []
    ann = raw.annotations
    shift = raw.first_time if ann.orig_time is not None else 0.0
    ch_names = getattr(ann, "ch_names", [()] * len(ann))
    for onset, duration, desc, chs in zip(ann.onset, ann.duration, ann.description, ch_names):
        annotations.append(Annotation(onset_s=float(onset - shift), duration_s=float(duration),
                                      description=str(desc), channel=",".join(chs) or None))
    meas_date = raw.info.get("meas_date")
    start = meas_date.replace(tzinfo=None) if meas_date is not None else None
    filenames = [Path(f) for f in (getattr(raw, "filenames", None) or []) if f]
    path = filenames[0] if len(filenames) == 1 else None
    return Recording(path=path, format="mne", start_datetime=start, duration_s=n_times / sfreq,
                     channels=tuple(channels), source=_MneSource(raw), annotations=tuple(annotations),
                     warnings=tuple(montage.notes) + tuple(pair_warnings) + _unknown_site_warning(channels))


def _referential(channels: list[ChannelInfo], source: _EdfSource | _MneSource,
                 overrides: Mapping[str, str | Sequence[str]] | None,
                 where: object) -> tuple[list[ChannelInfo], list[str]]:
    """EMG electrodes stored against a common reference, analysed as their derivation
    (:mod:`myosleep.io._referential`); not when the user gave the roles (``--channels``)."""
    if overrides:
        return channels, []
    from ._referential import pair_referential_electrodes

    def read(c: ChannelInfo, start: int, stop: int) -> np.ndarray:
        return source.physical(c.index, start, stop, scale=c.scale_to_uv or 1.0)

    def derive(chs: Sequence[ChannelInfo], label: str) -> ChannelInfo:
        found = _derivation(chs, label, where)
        if found is None:  # both electrodes are channels of the file: cannot happen
            raise ChannelError(f"no derivation {label!r}", where=where)
        return found

    return pair_referential_electrodes(channels, read, derive=derive, finish=_finish)


def _mne_resolutions_uv(raw: mne.io.BaseRaw) -> dict[str, float]:
    """uV per digital step of each channel of an mne EDF/BDF Raw, from the file's header ranges.

    mne keeps the header's physical and digital ranges and the unit's factor to volts in
    ``_raw_extras``; a Raw built in memory has none (empty result: resolution unknown).
    """
    out: dict[str, float] = {}
    for extras in (getattr(raw, "_raw_extras", None) or [])[:1]:
        try:
            names = [str(n) for n in extras["ch_names"]]
            pmin, pmax = np.asarray(extras["physical_min"], float), np.asarray(extras["physical_max"], float)
            dmin, dmax = np.asarray(extras["digital_min"], float), np.asarray(extras["digital_max"], float)
            to_v = np.asarray(extras["units"], float)
        except (KeyError, TypeError, ValueError):
            return {}
        if not (len(names) == pmin.size == pmax.size == dmin.size == dmax.size == to_v.size):
            return {}
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.abs(pmax - pmin) / (dmax - dmin) * to_v * 1e6
        out = {n: float(v) for n, v in zip(names, step) if np.isfinite(v) and v > 0}
    return out


def _unknown_site_warning(channels: Sequence[ChannelInfo]) -> tuple[str, ...]:
    """One recording-level line when EMG channels of unknown site exist and no EMG of known site does."""
    unknown = [c for c in channels if c.role is Role.EMG]
    if not unknown or any(c.is_emg for c in channels):
        return ()
    return (f"EMG of unknown site only ({', '.join(repr(c.label) for c in unknown)}): nothing is analysed "
            f"until their sites are named, e.g. {channels_hint(unknown)}",)


def channels_hint(emg: Sequence[ChannelInfo]) -> str:
    """The ``--channels`` argument naming the sites of EMG channels (first chin, the others leg).

    An example to edit: the file does not say which muscle each channel records.
    """
    import shlex

    pairs = [f"{'chin' if i == 0 else 'leg'}={c.label}" for i, c in enumerate(emg)]
    return "--channels " + shlex.quote(",".join(pairs)) + " (put each channel's muscle: chin, leg, arm, axial)"


def _mne_native_rates(raw: mne.io.BaseRaw) -> dict[str, float]:
    """Per-channel sampling rates of the file behind an mne EDF/BDF Raw (empty when unknown)."""
    rates: dict[str, float] = {}
    for extras in (getattr(raw, "_raw_extras", None) or [])[:1]:
        try:
            names, n_samps = extras["ch_names"], extras["n_samps"]
            record = float(np.atleast_1d(extras["record_length"])[0])
            rates = {str(n): float(k) / record for n, k in zip(names, n_samps)}
        except (KeyError, TypeError, IndexError, ValueError, ZeroDivisionError):
            return {}
    return {n: r for n, r in rates.items() if n in raw.ch_names and r != raw.info["sfreq"]}


#: The line ``myosleep info`` prints for (and every command refuses) a file with annotation signals only.
ANNOTATION_ONLY_WARNING = "no data channels: annotation-only file (e.g. a hypnogram); nothing to analyse"


def read_recording(source: str | os.PathLike[str] | mne.io.BaseRaw, *,
                   channels: Mapping[str, str | Sequence[str]] | None = None,
                   allow_annotation_only: bool = False) -> Recording:
    """Open a recording for lazy, per-channel reading.

    Parameters
    ----------
    source : str | PathLike | mne.io.BaseRaw
        An EDF, EDF+C, EDF+D, BDF, BDF+C or BDF+D file, or an mne Raw.  An EDF+D/BDF+D with gaps
        is read onto one timeline from its first data record's onset: its samples in the gaps are
        NaN, :attr:`Recording.gaps_s` lists the gaps and a warning says so.  An EDF+C/BDF+C whose
        record times jump is read the same way, as EDF+D, with a warning naming the record.
    channels : mapping of role -> label or labels, optional
        Role override, e.g. ``{"leg": ["LAT", "RAT"], "chin": "Chin1"}``.  The listed channels get
        that role (side inferred from the label, or given with the role: ``{"leg-left": "Leg 1",
        "leg-right": "Leg 2"}``); other channels inferred with an overridden role become ``other``.
    allow_annotation_only : bool
        Open an EDF+/BDF+ that holds annotation signals only (a hypnogram or event file), e.g. to
        list it (``myosleep info``).  By default such a file is refused: it has no signal to
        analyse, and as a recording it would last 0 s.

    Returns
    -------
    Recording
        Close it (or use ``with``) to release the file.

    Raises
    ------
    RecordingError
        The file is missing, not EDF/BDF, corrupt or truncated; an EDF+D/BDF+D (or an EDF+C/BDF+C
        whose record times jump) whose records overlap, are out of order, start between two samples,
        or whose gaps are over 24 h or more than the time recorded; or it holds annotations only (unless
        ``allow_annotation_only``).
    ChannelError
        A label in ``channels`` is not in the recording.
    ParameterError
        An unknown role in ``channels``.
    """
    if hasattr(source, "info") and hasattr(source, "get_data") and hasattr(source, "ch_names"):
        return _from_mne(source, channels)
    if not isinstance(source, (str, os.PathLike)):
        raise ParameterError(f"expected a path or an mne Raw, got {type(source).__name__}", where="read_recording")
    path = Path(source)
    header = read_edf_header(path)
    if not allow_annotation_only:
        if header.annotation_only:
            raise RecordingError(
                f"is an annotation-only {header.format} file (e.g. a hypnogram or scored events): it holds no "
                "signal to analyse", where=path,
                hint="Give the recording (the PSG EDF/BDF with the signals) as the recording, and this file "
                     "as its hypnogram (--hypnogram) or scored events (--events)")
    return _from_edf(path, channels, header)
