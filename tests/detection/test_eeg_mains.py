"""Defect 26 (docs/robustness.md): mains hum on the EEG alone hid body movements.

The body-movement criterion reads the EEG's 20-60 Hz power, a band holding 50 and 60 Hz.  On a
30-min PLMD night (truth: 2 body movements, 24 leg movements) a 50-uV hum on the EEG channels
alone, as unfiltered exports carry it, left 0 body movements and 26 leg movements (their leg
bursts).  Now the EEG's mains lines are found and subtracted as the EMG's are, and stated.

Each night is simulated once (module scope) and analysed with its true hypnogram as ``myosleep
analyze`` does.  Tolerance: the body movements of the no-hum night, each within 0.5 s, and its
leg-movement count within 1.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from myosleep.vocab import Role

HOURS = 0.5
SEED = 1
HUM_UV = 50.0
ONSET_TOL_S = 0.5
LM_TOL = 1


def _with_eeg(sim, *, hum_uv: float = 0.0, hum_hz: float = 50.0, decimate: int = 1):  # type: ignore[no-untyped-def]
    """``sim`` with a mains sinusoid added to its EEG channels, or its EEG kept one sample in ``decimate``."""
    chans = []
    for c in sim.channels:
        if c.role is Role.EEG:
            t = np.arange(c.data.size) / c.sfreq
            x = (c.data + hum_uv * np.sin(2 * np.pi * hum_hz * t + 0.3)).astype(np.float32)
            c = dataclasses.replace(c, data=x[::decimate], sfreq=c.sfreq / decimate)
        chans.append(c)
    return dataclasses.replace(sim, channels=tuple(chans))


def _analyze(sim, path: Path):  # type: ignore[no-untyped-def]
    from myosleep.pipeline import analyze

    paths = sim.write(path)
    return analyze(path, hypnogram=next(p for p in paths if p.name.endswith(".hypnogram.tsv")))


_SIMS: dict[float, object] = {}


def _sim(sfreq_eeg: float):  # type: ignore[no-untyped-def]
    from myosleep.simulate import simulate_night

    if sfreq_eeg not in _SIMS:
        _SIMS[sfreq_eeg] = simulate_night("plmd", hours=HOURS, seed=SEED, sfreq_emg=256, sfreq_eeg=sfreq_eeg)
    return _SIMS[sfreq_eeg]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The no-hum nights' analyses, by EEG rate (computed on first use)."""
    cache: dict[float, object] = {}

    def get(sfreq_eeg: float):  # type: ignore[no-untyped-def]
        if sfreq_eeg not in cache:
            cache[sfreq_eeg] = _analyze(_sim(sfreq_eeg), tmp_path_factory.mktemp("clean") / "night.edf")
        return cache[sfreq_eeg]

    return get


def _onsets(res, kind: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    ev = res.events
    return np.sort(ev.loc[ev["trial_type"] == kind, "onset"].to_numpy(float))


def test_no_hum_control_finds_the_true_body_and_leg_movements(clean):  # type: ignore[no-untyped-def]
    sim, res = _sim(256.0), clean(256.0)
    truth = sim.events["trial_type"]
    assert (truth == "body_movement").sum() == 2
    assert _onsets(res, "body_movement").size == 2
    assert _onsets(res, "leg_movement").size == (truth == "leg_movement").sum() == 24
    assert not any("EMG alone" in w for w in res.summary["warnings"])


@pytest.mark.parametrize("sfreq_eeg,hum_hz", [(256.0, 50.0), (256.0, 60.0), (200.0, 60.0), (500.0, 50.0),
                                              (128.0, 50.0)])
def test_mains_hum_on_the_eeg_leaves_body_and_leg_movements_as_without_it(clean, tmp_path, sfreq_eeg, hum_hz):
    base = clean(sfreq_eeg)
    res = _analyze(_with_eeg(_sim(sfreq_eeg), hum_uv=HUM_UV, hum_hz=hum_hz), tmp_path / "hum.edf")
    want, got = _onsets(base, "body_movement"), _onsets(res, "body_movement")
    assert want.size == 2
    assert got.size == want.size and np.all(np.abs(got - want) <= ONSET_TOL_S), (want, got)
    assert abs(_onsets(res, "leg_movement").size - _onsets(base, "leg_movement").size) <= LM_TOL
    # what was removed is stated, as an EMG channel's mains lines are
    eeg = [c for c in res.summary["channels"]["all"] if c["role"] == "eeg"]
    assert eeg and all(hum_hz in (c["mains_hz"] or []) for c in eeg if c["label"] in res.detection.eeg_status)
    assert any(hum_hz in st.mains_hz for st in res.detection.eeg_status.values())
    emg = [c for c in res.summary["channels"]["all"] if c["role"] == "leg"]
    assert all(isinstance(c["mains_hz"], list) for c in emg)


def test_eeg_too_slow_for_the_band_is_said_not_silently_skipped(tmp_path):  # type: ignore[no-untyped-def]
    # 256 Hz kept one sample in 4: 64 Hz, Nyquist 32 Hz, below the 20-60 Hz band's 50 Hz
    res = _analyze(_with_eeg(_sim(256.0), decimate=4), tmp_path / "slow.edf")
    warn = [w for w in res.summary["warnings"] if "Body movements decided on the EMG alone" in w]
    assert len(warn) == 1 and "64 Hz" in warn[0], res.summary["warnings"]
    assert all(not st.used for st in res.detection.eeg_status.values())
