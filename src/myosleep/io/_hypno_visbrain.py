"""visbrain Sleep hypnograms in its stage-duration text encoding (visbrain >= 0.4).

What Sleep's "Save hypnogram" writes (EtienneCmb/visbrain: visbrain/io/rw_hypno.py
``write_hypno(version='time')``, called from visbrain/gui/sleep/interface/ui_elements/ui_menu.py;
docs/sleep.rst, "Save hypnogram"): ``*``-prefixed info lines, ``*Duration_sec<TAB>N/sf`` (the
recording's length, s) and ``*Datafile<TAB>path``, then one ``Stage<TAB>Time`` row per run of one
stage, in time order, whose time is where the run ends, in seconds from the data's start.  The
stage names are Sleep's default vigilance states: Wake, N1, N2, N3, REM, Art (``write_hypno``'s
``hstates``; Iber et al. 2007).  visbrain's reader (``read_hypno`` -> ``hypno_time_to_sample``)
drops the ``*`` rows, starts the first run at 0 and fills each run up to its time.

The time written is that of the run's *last sample* on Sleep's downsampled time axis
(``transient(hypno, time)[1][:, 1]`` with ``time = np.arange(n)[::dsf] / sf``): one sample
(10 ms at Sleep's default 100 Hz) before the epoch boundary, 29.99 for a run ending at 30 s.  Runs
are expanded with :func:`~myosleep.io._hypno_common.segments_to_stages`, whose epoch grid takes
such ends (within 2 % of an epoch) to the boundary.  The file does not state the epoch length
(Sleep's hypnogram is one value per sample): epochs are 30 s, Sleep's default scoring window
(``Sleep._defwin``) and the AASM epoch, unless ``epoch_s`` says otherwise; runs off that grid are
refused, never read on a length guessed from the runs.
"""

from __future__ import annotations

import numpy as np

from ..errors import HypnogramError
from ._hypno_common import RawScoring

__all__ = ["is_visbrain", "read_visbrain"]

#: Sleep's default scoring window, s (visbrain/gui/sleep/sleep.py ``self._defwin = 30.``), the AASM epoch.
_SLEEP_WINDOW_S = 30.0

_HINT = ("a visbrain hypnogram is '*Duration_sec<TAB>seconds', then one 'Stage<TAB>end time (s)' line per "
         "stage run; export it again from visbrain Sleep")


def _fields(line: str) -> list[str]:
    """A line's fields: tab-separated as ``write_hypno`` writes them (a path may hold spaces),
    else whitespace-separated (visbrain reads them with ``delim_whitespace=True``)."""
    parts = [p.strip() for p in line.strip().split("\t")]
    return parts if len(parts) == 2 else line.split()


def is_visbrain(lines: list[str]) -> bool:
    """True when the file's first lines that are not blank are visbrain ``*`` info lines and one
    of them is ``*Duration_sec``."""
    head = [ln.strip() for ln in lines if ln.strip()][:4]
    info = [ln for ln in head if ln.startswith("*")]
    return bool(head) and head[0].startswith("*") and any(ln.split()[0] == "*Duration_sec" for ln in info)


def read_visbrain(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """visbrain Sleep ``.txt`` hypnogram: ``*Duration_sec``, ``*Datafile``, ``Stage<TAB>EndTime`` rows.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        The file, for messages.
    epoch_s : float | None
        Epoch length (s); default: 30 s (Sleep's default scoring window, AASM).
    convention : str | None
        Refused unless a label convention (the file holds stage names).

    Returns
    -------
    RawScoring
        One segment per run, from the previous run's end (0 for the first) to its own, in
        seconds from the start of the data the file was scored on.
    """
    from ._hypno_markup import _format_convention
    from ._hypno_text import _map_labels

    _format_convention(convention, "labels", "visbrain hypnogram", source=source)
    info: dict[str, str] = {}
    labels: list[str] = []
    ends: list[float] = []
    where: list[str] = []
    for k, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        f = _fields(line)
        if f[0].startswith("*"):  # info rows (visbrain's reader drops every row starting with '*')
            info[f[0][1:]] = f[1] if len(f) > 1 else ""
            continue
        if len(f) != 2:
            raise HypnogramError(f"line {k} has {len(f)} fields, not 'Stage<TAB>end time'", where=source, hint=_HINT)
        try:
            end = float(f[1])
        except ValueError:
            raise HypnogramError(f"end time {f[1]!r} at line {k} is not a number of seconds", where=source,
                                 hint=_HINT) from None
        if ends and end <= ends[-1]:
            raise HypnogramError(f"end time {f[1]} s at line {k} is not after the one before ({ends[-1]:g} s)",
                                 where=source, hint="each line is where a stage run ends, in time order")
        if end <= 0:
            raise HypnogramError(f"end time {f[1]} s at line {k} is not after the data's start", where=source,
                                 hint=_HINT)
        labels.append(f[0])
        ends.append(end)
        where.append(f"line {k}")
    if not labels:
        raise HypnogramError("visbrain hypnogram holds no 'Stage<TAB>end time' rows after its * lines",
                             where=source, hint=_HINT)
    duration_s: float | None = None
    if "Duration_sec" in info:
        try:
            duration_s = float(info["Duration_sec"])
        except ValueError:
            raise HypnogramError(f"*Duration_sec {info['Duration_sec']!r} is not a number of seconds",
                                 where=source, hint=_HINT) from None
    codes, meta = _map_labels(labels, where, source=source, convention=convention)
    end_arr = np.asarray(ends, dtype=float)
    onset = np.r_[0.0, end_arr[:-1]]
    dur = end_arr - onset
    ep = float(epoch_s) if epoch_s is not None else _SLEEP_WINDOW_S
    if duration_s is not None and end_arr[-1] > duration_s + 0.02 * ep:
        raise HypnogramError(f"its last stage ends at {end_arr[-1]:g} s ({where[-1]}), after the recording's "
                             f"*Duration_sec {duration_s:g} s", where=source,
                             hint="check that the hypnogram belongs to this recording")
    raw = RawScoring(format="visbrain", seg_onset_s=onset, seg_duration_s=dur, seg_code=codes, seg_where=where,
                     epoch_s=ep,
                     epoch_source=("epoch_s= given" if epoch_s is not None else
                                   "default: visbrain Sleep's 30-s scoring window (the file states no epoch length)"),
                     metadata={**meta, "datafile": info.get("Datafile"), "duration_s": duration_s,
                               "n_runs": len(labels)})
    raw.events = [(float(o), float(d), lab, "stage", None) for o, d, lab in zip(onset, dur, labels)]
    return raw
