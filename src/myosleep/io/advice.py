"""What to tell the user when no channel of a recording can be analysed for jerks.

The advice follows from the actual reasons, never from a fixed sentence: "record EMG at
>= 200 Hz" only when an EMG channel was refused for its sampling rate ("export the raw EMG"
when it holds the recorder's amplitude envelope, whatever its rate); "give a longer
recording" only when the recording holds less data than any analysis needs; a header or
unit fix only for the channels whose header or unit is the problem; the ``--channels`` line
only when the file holds EMG whose site it does not say (listing those channels), or no EMG
role at all.  Built here (io knows channels, roles, rates and units) and raised by
``myosleep.detection.run.require_usable_channels``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ChannelError, InputError
from ..vocab import Role

__all__ = ["no_usable_channel_error", "MIN_DATA_S"]

#: Less data than this (s) cannot be analysed at all: detection refuses a channel holding less than
#: one second (``myosleep.preprocessing.quality.emg_channel_problem``), which is also where a resting
#: baseline around a 75-ms burst stops being measurable.
MIN_DATA_S = 1.0
#: Channels listed by name in a message, at most.
_MAX_LISTED = 12


def _listing(labels: Sequence[str]) -> str:
    shown = ", ".join(repr(x) for x in labels[:_MAX_LISTED])
    return shown + (f" and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else "")


def _channels_of(recording: Any, where: str) -> list[Any]:
    """The recording's channels; read from the header of ``where`` when no recording was given."""
    if recording is not None:
        return list(getattr(recording, "channels", ()) or ())
    path = Path(where)
    if not path.is_file():
        return []
    from .recording import read_recording

    try:  # header only: channels are read lazily
        with read_recording(path, allow_annotation_only=True) as rec:
            return list(rec.channels)
    except InputError:
        return []


def no_usable_channel_error(statuses: Iterable[Any], *, where: str, duration_s: float,
                            recording: Any = None) -> ChannelError:
    """The one-line error for a recording none of whose EMG or accelerometer channels can be analysed.

    Parameters
    ----------
    statuses : iterable
        What detection did with each EMG/accelerometer channel it considered: objects with
        ``label``, ``role``, ``sfreq`` (Hz), ``used`` and ``reason`` (e.g.
        ``DetectionResult.channel_status.values()``).
    where : str
        The recording (its path), for the message.
    duration_s : float
        Duration of the recording, in seconds.
    recording : Recording | None
        The recording, to list EMG of unknown site and unreadable channels by name (when None,
        the header of ``where`` is read if it is a file).

    Returns
    -------
    ChannelError
        What is wrong (every refused channel with its reason), where, and only the advice that
        fits those reasons.
    """
    from .recording import MIN_EMG_SFREQ, channels_hint

    refused = [st for st in statuses if not getattr(st, "used", False)]
    channels = _channels_of(recording, where)
    by_label = {getattr(c, "label", None): c for c in channels}
    unknown_site = [c for c in channels if getattr(c, "role", None) is Role.EMG]
    hints: list[str] = []
    short = math.isfinite(duration_s) and duration_s < MIN_DATA_S

    unread = [c for c in channels if getattr(c, "role", None) is Role.ACCELEROMETER and not c.readable]
    # an accelerometer is unreadable for its unit, or for header fields that cannot scale its samples
    # (a digital range beyond the format's): each gets its own reason and advice
    motion = [c for c in unread if getattr(c, "problem", None) is None]
    motion_header = [c for c in unread if getattr(c, "problem", None) is not None]
    motion_why = "; ".join(
        [f"{c.label} {next((w for w in c.warnings if 'not an acceleration' in w), 'unreadable')}" for c in motion]
        + [f"{c.label} not read: {c.problem}" for c in motion_header])
    if getattr(recording, "annotation_only", False):
        return ChannelError("is an annotation-only file (e.g. a hypnogram): it holds no signal to analyse",
                            where=where, hint="give the PSG recording, and this file as its hypnogram (--hypnogram)")
    if refused:
        what = "no channel can be analysed for jerks (" + "; ".join(
            f"{st.label} {st.reason}" for st in refused) + ")"
        if short:
            hints.append(f"the recording holds {duration_s:.3g} s of data, less than the {MIN_DATA_S:g} s any "
                         "analysis needs: give the whole recording")
        envelope = [st.label for st in refused if getattr(by_label.get(st.label), "emg_envelope", None)]
        if envelope:
            hints.append(f"{_listing(envelope)} {'holds' if len(envelope) == 1 else 'hold'} the recorder's amplitude "
                         "envelope of the EMG: export the raw EMG instead (band-pass 10-100 Hz, no rectification "
                         "or smoothing, sampled at >= 200 Hz: AASM)")
        slow = [st.label for st in refused if str(getattr(st, "role", "")) != Role.ACCELEROMETER.value
                and math.isfinite(float(st.sfreq)) and float(st.sfreq) < MIN_EMG_SFREQ
                and st.label not in envelope]
        if slow:
            hints.append(f"EMG must be sampled at >= {MIN_EMG_SFREQ:g} Hz to show a 75-ms burst ({_listing(slow)} "
                         f"{'is' if len(slow) == 1 else 'are'} not): record EMG at >= 200 Hz (AASM; 500 Hz preferred)")
        header = [st.label for st in refused if getattr(by_label.get(st.label), "problem", None)]
        if header:
            hints.append(f"the header of {_listing(header)} cannot scale the samples: export the file again or "
                         "leave those channels out")
        unit = [st.label for st in refused if st.label in by_label and not by_label[st.label].readable
                and by_label[st.label].problem is None]
        if unit:
            hints.append(f"fix the unit of {_listing(unit)} in the file, or give those channels another role "
                         "with --channels")
        if unread:
            what = what[:-1] + f"; {motion_why})"
    else:
        if unknown_site:
            what = ("holds no EMG of a known site: " + _listing([c.label for c in unknown_site])
                    + " are EMG whose labels do not say the muscle")
            if unread:
                what += f" ({motion_why})"
        elif unread:
            what = f"holds no usable EMG or accelerometer channel ({motion_why})"
        else:
            labels = [c.label for c in channels]
            listed = f" (channels: {_listing(labels)})" if labels else ""
            what = f"holds no EMG or accelerometer channel{listed}"
            exg = [lab for lab in labels if re.fullmatch(r"EXG\d+", lab.strip(), re.IGNORECASE)]
            if len(exg) >= 2:  # BioSemi: every input against CMS, an EMG is the difference of two
                hints.append(f"if {_listing(exg)} hold EMG, give each muscle as the derivation of its two "
                             f"electrodes (BioSemi records every input against CMS), e.g. --channels "
                             f"leg-left={exg[0]}-{exg[1]}")
            elif labels:
                hints.append("if one of them is EMG, name its muscle, e.g. --channels chin=LABEL,leg=LABEL")
        if short:
            hints.append(f"the recording holds {duration_s:.3g} s of data, less than the {MIN_DATA_S:g} s any "
                         "analysis needs")
    header_labels = [st.label for st in refused if getattr(by_label.get(st.label), "problem", None)]
    if motion_header and not set(c.label for c in motion_header) <= set(header_labels):
        hints.append(f"the header of {_listing([c.label for c in motion_header])} cannot scale the samples: "
                     "export the file again or leave those channels out")
    if motion:
        hints.append("write the accelerometer's unit as g, mg or m/s^2 in the file (or give those channels "
                     "another role)")
    if unknown_site:
        hints.append(f"name the muscle of the EMG of unknown site: {channels_hint(unknown_site)}")
    return ChannelError(what, where=where, hint="; ".join(hints) if hints else None)
