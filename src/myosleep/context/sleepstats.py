"""Standard sleep measures from a hypnogram, within lights off .. lights on.

Definitions follow the AASM Manual (v2.6, 2020, "Sleep scoring data" parameters) and
match ``yasa.Hypnogram.sleep_statistics`` (Vallat and Walker, eLife 2021) where they
overlap, so numbers can be compared with YASA's:

* TRT (total recording time, YASA's TIB): lights off to lights on.
* SOL: lights off to the first epoch of any sleep stage (AASM sleep onset).
* SPT (sleep period time): first to last sleep epoch, inclusive.
* WASO: W epochs inside SPT.
* TST: sleep epochs (N1, N2, N3, R) inside SPT; artefact and unscored epochs are not
  sleep (as in YASA >= 0.5).
* SE = TST / TRT x 100; SME = TST / SPT x 100.
* Minutes per stage over TRT; per-stage percentages of TST for N1..R (AASM) and of
  TRT for W.
* REM latency from sleep onset (AASM; YASA's ``Lat_REM`` counts from lights off).
* LPS (latency to persistent sleep): lights off to the first run of 10 minutes of
  uninterrupted sleep, the measure of insomnia trials (Carskadon and Dement,
  Principles and Practice of Sleep Medicine; FDA insomnia guidance). Documented extra,
  not an AASM parameter.
* Awakenings: runs of one or more W epochs inside SPT.

A recording with gaps (an EDF+D paused during the night, ``gaps_s``): the epochs in a gap
(:func:`myosleep.context.gaps.gap_epochs`; unscored) are neither sleep nor wake and count in
no duration: TRT and SPT leave them out (so SE, SME and the percentages of TRT do), and
``gap_min`` says how long they are.  Latencies (SOL, LPS, REM latency) stay clock times from
lights off or sleep onset, gaps included; a gap breaks a run of persistent sleep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError
from ..vocab import Stage
from .gaps import gap_epochs
from .transitions import runs

if TYPE_CHECKING:  # pragma: no cover
    from ..io.hypnogram_model import Hypnogram

__all__ = ["sleep_statistics", "lights_mask"]

# Latency to persistent sleep: 10 min of continuous sleep (Carskadon and Dement; FDA
# insomnia guidance).
PERSISTENT_SLEEP_S = 600.0

_STAGE_KEYS = (("w", Stage.W), ("n1", Stage.N1), ("n2", Stage.N2), ("n3", Stage.N3), ("r", Stage.R))


def lights_mask(hypnogram: Hypnogram, lights_off_s: float | None, lights_on_s: float | None) -> np.ndarray:
    """Epochs whose middle lies in [lights_off_s, lights_on_s); all when a bound is ``None``."""
    mid = hypnogram.epoch_onsets_s + 0.5 * float(hypnogram.epoch_s)
    keep = np.ones(hypnogram.n_epochs, dtype=bool)
    if lights_off_s is not None:
        keep &= mid >= float(lights_off_s)
    if lights_on_s is not None:
        keep &= mid < float(lights_on_s)
    return keep


def sleep_statistics(hypnogram: Hypnogram, *, lights_off_s: float | None = None,
                     lights_on_s: float | None = None, gaps_s: Sequence[tuple[float, float]] = ()
                     ) -> dict[str, float]:
    """Sleep measures of a night (definitions in the module docstring).

    Parameters
    ----------
    hypnogram : Hypnogram
        Scored epochs.
    lights_off_s, lights_on_s : float | None
        Lights off / on in seconds from the recording start; ``None`` = first / last
        epoch of the hypnogram (leading and trailing unscored epochs dropped).
    gaps_s : sequence of (start, stop)
        The recording's gaps, in seconds (:attr:`myosleep.io.Recording.gaps_s`): their epochs
        count in no duration (module docstring).

    Returns
    -------
    dict
        ``trt_min``, ``spt_min``, ``tst_min``, ``waso_min``, ``sol_min``, ``lps_min``,
        ``rem_latency_min`` (minutes; NaN when undefined, e.g. no sleep), ``se_pct``,
        ``sme_pct`` (%), ``w_min``, ``n1_min``, ``n2_min``, ``n3_min``, ``r_min``,
        ``nrem_min``, ``artefact_min``, ``unscored_min`` (minutes over TRT, gaps left out),
        ``gap_min`` (minutes of epochs in the recording's gaps between lights off and on), ``w_pct``
        (% of TRT), ``n1_pct`` .. ``r_pct``, ``nrem_pct`` (% of TST), ``n_awakenings``
        and ``n_wake_to_sleep_transitions`` (counts within TRT).
    """
    if lights_off_s is not None and lights_on_s is not None and lights_on_s <= lights_off_s:
        raise ParameterError(f"lights on ({lights_on_s} s) must come after lights off ({lights_off_s} s)",
                             where="lights_on_s")
    keep = lights_mask(hypnogram, lights_off_s, lights_on_s)
    st = hypnogram.stages[keep].astype(np.int64)
    gap = gap_epochs(hypnogram, gaps_s)[keep]
    st[gap] = int(Stage.UNSCORED)  # no signal: neither sleep nor wake, whatever the hypnogram says
    if lights_off_s is None or lights_on_s is None:
        scored = np.flatnonzero(st != int(Stage.UNSCORED))
        if scored.size:
            lo = 0 if lights_off_s is not None else scored[0]
            hi = st.size if lights_on_s is not None else scored[-1] + 1
            st, gap = st[lo:hi], gap[lo:hi]
        else:
            st, gap = st[:0], gap[:0]
    ep_min = float(hypnogram.epoch_s) / 60.0
    nan = float("nan")
    n_gap = int(np.count_nonzero(gap))
    out: dict[str, float] = {"trt_min": (st.size - n_gap) * ep_min}
    sleep = st >= int(Stage.N1)
    idx = np.flatnonzero(sleep)
    has_sleep = idx.size > 0
    spt = st[idx[0]: idx[-1] + 1] if has_sleep else st[:0]
    spt_gap = int(np.count_nonzero(gap[idx[0]: idx[-1] + 1])) if has_sleep else 0
    out["spt_min"] = (spt.size - spt_gap) * ep_min
    out["tst_min"] = float(np.count_nonzero(spt >= int(Stage.N1))) * ep_min
    out["waso_min"] = float(np.count_nonzero(spt == int(Stage.W))) * ep_min if has_sleep else nan
    out["sol_min"] = float(idx[0]) * ep_min if has_sleep else nan
    n_persist = int(np.ceil(PERSISTENT_SLEEP_S / float(hypnogram.epoch_s) - 1e-9))
    r_starts, r_stops = runs(sleep)
    long_runs = r_starts[(r_stops - r_starts) >= n_persist]
    out["lps_min"] = float(long_runs[0]) * ep_min if long_runs.size else nan
    rem = np.flatnonzero(st == int(Stage.R))
    out["rem_latency_min"] = float(rem[0] - idx[0]) * ep_min if (rem.size and has_sleep) else nan
    out["se_pct"] = 100.0 * out["tst_min"] / out["trt_min"] if out["trt_min"] > 0 else nan
    out["sme_pct"] = 100.0 * out["tst_min"] / out["spt_min"] if has_sleep else nan
    for key, stage in _STAGE_KEYS:
        out[f"{key}_min"] = float(np.count_nonzero(st == int(stage))) * ep_min
    out["nrem_min"] = out["n1_min"] + out["n2_min"] + out["n3_min"]
    out["artefact_min"] = float(np.count_nonzero(st == int(Stage.ARTEFACT))) * ep_min
    out["unscored_min"] = float(np.count_nonzero(st == int(Stage.UNSCORED)) - n_gap) * ep_min
    out["gap_min"] = n_gap * ep_min
    out["w_pct"] = 100.0 * out["w_min"] / out["trt_min"] if out["trt_min"] > 0 else nan
    for key in ("n1", "n2", "n3", "r", "nrem"):
        out[f"{key}_pct"] = 100.0 * out[f"{key}_min"] / out["tst_min"] if out["tst_min"] > 0 else nan
    w_starts, _ = runs(spt == int(Stage.W))
    out["n_awakenings"] = int(w_starts.size)
    if st.size >= 2:
        n_tr = int(np.count_nonzero((st[:-1] == int(Stage.W)) & (st[1:] >= int(Stage.N1))))
    else:
        n_tr = 0
    out["n_wake_to_sleep_transitions"] = int(n_tr)
    return out
