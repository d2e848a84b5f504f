"""Issue 9, defects 29-32: wrist accelerometers as wearables record them.

* 29: a coarsely quantised accelerometer (Empatica E4: 1/64 g per code at 32 Hz, 2 mg noise)
  flickers between adjacent codes; one flip is 1/64 g x 32 Hz = 0.5 g/s, the old jerk floor:
  an hour of rest gave thousands of jerks.
* 30: dropouts written as zeros or as the last value held became jerks at their edges.
* 31: a posture change (gravity rotating over seconds) seen on accelerometers alone was a
  myoclonic jerk.
* 32: 1-10 Hz accelerometers were read for jerks; at 25-32 Hz one jerk was split in two.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from myosleep.detection import detect, find_accel_jerks


def _edf(path, x: np.ndarray, fs: float, unit: str = "g", rng=(-8.0, 8.0)):
    import edfio

    sigs = [edfio.EdfSignal(a, sampling_frequency=fs, label=f"Acc {k}", physical_dimension=unit,
                            physical_range=rng) for a, k in zip(x, "XYZ")]
    edfio.Edf(sigs, starttime=datetime.time(23, 0, 0),
              recording=edfio.Recording(startdate=datetime.date(2000, 1, 1))).write(path)
    return path


def _wrist(fs: float, n_s: float, seed: int, *, noise_g: float = 0.002, jerks=(), roll=None) -> np.ndarray:
    """Three axes (3, n) in g: a resting wrist (gravity, sensor noise, breathing), half-sine jerks
    (t0, dur_s, amp_g) and an optional slow roll (t0, dur_s) of gravity to a new posture."""
    rng = np.random.default_rng(seed)
    n = int(round(n_s * fs))
    t = np.arange(n) / fs
    old = np.array([0.1, -0.2, 0.97])
    old /= np.linalg.norm(old)
    grav = np.tile(old[:, None], (1, n))
    if roll is not None:
        t0, d = roll
        new = np.array([0.0, 0.97, 0.2])
        new /= np.linalg.norm(new)
        i0, i1 = int(t0 * fs), int((t0 + d) * fs)
        ang = np.arccos(np.clip(old @ new, -1, 1)) * (0.5 - 0.5 * np.cos(np.pi * np.arange(i1 - i0) / (i1 - i0)))
        perp = new - (old @ new) * old
        perp /= np.linalg.norm(perp)
        grav[:, i0:i1] = old[:, None] * np.cos(ang) + perp[:, None] * np.sin(ang)  # constant angular profile
        grav[:, i1:] = new[:, None]
    x = grav + rng.normal(0.0, noise_g, (3, n)) + 0.002 * np.sin(2 * np.pi * 0.25 * t)
    for t0, d, a in jerks:
        i0, i1 = int(np.ceil(t0 * fs)), int(np.ceil((t0 + d) * fs))
        dirn = rng.normal(0.0, 1.0, 3)
        x[:, i0:i1] += a * (dirn / np.linalg.norm(dirn))[:, None] * np.sin(np.pi * (t[i0:i1] - t0) / d)[None, :]
    return x


def _jerks(n_s: float, seed: int):
    """Half-sine jerks (t0, dur_s, amp_g) every 23-26 s: 50-200 ms, 0.15-0.5 g (as the trial's)."""
    rng = np.random.default_rng(seed)
    grid = np.arange(30.0, n_s - 30.0, 23.0)
    t0 = grid + rng.uniform(0.0, 3.0, grid.size)
    return [(float(t), float(d), float(a)) for t, d, a in
            zip(t0, rng.uniform(0.05, 0.2, t0.size), rng.uniform(0.15, 0.5, t0.size))]


def _matched(onsets: np.ndarray, truth) -> int:
    return sum(bool(np.any(np.abs(onsets - t) < 0.5)) for t, _, _ in truth)


# ------------------------------------------------------------------ defect 29: quantisation
@pytest.mark.parametrize("unit_scale", [1.0 / 64.0, None])
def test_e4_codes_at_rest_give_no_jerks(unit_scale):
    """10 min of rest on an E4 (values round(x * 64) in '1/64g'; the same in g): no jerk, with the unit
    known (1/64 g) or not (relative thresholds only).  Before: ~1,400 jerks in the 10 min."""
    fs = 32.0
    x = np.round(_wrist(fs, 600.0, 11) * 64.0)
    tab = find_accel_jerks(list(x), fs, scale_to_g=unit_scale)
    assert len(tab["onset"]) == 0


def test_quantised_jerks_are_still_found():
    """The same E4 with 24 jerks of 0.15-0.5 g over 50-200 ms: all found, none split, nothing else."""
    fs = 32.0
    truth = _jerks(600.0, 2)
    x = np.round(_wrist(fs, 600.0, 12, jerks=truth) * 64.0) / 64.0
    tab = find_accel_jerks(list(x), fs, scale_to_g=1.0)
    assert _matched(tab["onset"], truth) == len(truth)
    assert len(tab["onset"]) == len(truth)


# ------------------------------------------------------------------ defect 30: dropouts
def test_dropouts_written_as_zeros_or_held_are_artefacts_not_jerks(tmp_path):
    """100 Hz in g (16-bit over +-8 g), a 20-s and a 5-s dropout written as 0 on all axes and a 20-s
    one holding the last value: no jerk at their edges (before: 4 per dropout at 25 g/s); the
    dropouts are ``flat`` artefacts, the jerks elsewhere found."""
    from myosleep.io import read_recording

    fs = 100.0
    truth = [j for j in _jerks(300.0, 5) if not (55 < j[0] < 85 or 145 < j[0] < 175 or 215 < j[0] < 230)]
    x = _wrist(fs, 300.0, 22, noise_g=0.003, jerks=truth)
    x[:, 60 * 100:80 * 100] = 0.0
    x[:, 220 * 100:225 * 100] = 0.0
    x[:, 150 * 100:170 * 100] = x[:, 150 * 100 - 1:150 * 100]
    with read_recording(_edf(tmp_path / "d.edf", x, fs)) as rec:
        res = detect(rec)
    on = res.bursts.onset.to_numpy()
    for a, b in ((60, 80), (150, 170), (220, 225)):
        assert not np.any((on > a - 1.0) & (on < b + 1.0)), (a, b, on[(on > a - 1) & (on < b + 1)])
    flat = res.artefacts[res.artefacts.kind == "flat"]
    assert len(flat) == 3
    assert flat.onset.to_numpy() == pytest.approx([60.0, 150.0, 220.0], abs=0.02)
    assert flat.duration.to_numpy() == pytest.approx([20.0, 20.0, 5.0], abs=0.02)
    assert _matched(on, truth) == len(truth) and len(on) == len(truth)


# ------------------------------------------------------------------ defect 31: posture changes
@pytest.mark.parametrize("roll_s", [1.8, 3.0])
def test_a_posture_change_seen_only_by_an_accelerometer_is_a_body_movement(tmp_path, roll_s):
    """Gravity rotating by 78 degrees over 1.8 or 3 s (before: 'myoclonic_jerk' of 1.2-2 s) is one
    body movement; the brief jerks of the same night stay jerks."""
    from myosleep.io import read_recording

    fs = 100.0
    truth = [(40.0, 0.1, 0.3), (80.0, 0.2, 0.2)]
    x = _wrist(fs, 120.0, 4, jerks=truth, roll=(60.0, roll_s))
    with read_recording(_edf(tmp_path / "p.edf", x, fs)) as rec:
        ev = detect(rec).events
    roll = ev[(ev.onset > 59.0) & (ev.onset < 60.0 + roll_s)]
    assert len(roll) == 1 and roll.trial_type.iloc[0] == "body_movement"
    jerks = ev[ev.trial_type == "myoclonic_jerk"]
    assert _matched(jerks.onset.to_numpy(), truth) == 2 and len(jerks) == 2


# ------------------------------------------------------------------ defect 32: low rates
@pytest.mark.parametrize("fs", [1.0, 5.0, 10.0, 12.5])
def test_accelerometers_too_slow_for_jerks_are_refused(tmp_path, fs):
    """Below 20 Hz (two samples inside the shortest 100-ms jerk) the channel is refused with the reason,
    and detect's caller stops with one line (exit 2): before, a 1-Hz accelerometer gave findings from
    0 of 53 jerks, at 5 Hz 19 of 53 with durations +1.6 s."""
    from myosleep.detection.run import require_usable_channels
    from myosleep.errors import ChannelError
    from myosleep.io import read_recording

    truth = [(40.0, 0.2, 0.5), (80.0, 0.2, 0.5)]
    x = _wrist(fs, 120.0, 3, jerks=truth)
    with read_recording(_edf(tmp_path / "s.edf", x, fs)) as rec:
        res = detect(rec)
        assert len(res.bursts) == 0 and len(res.events) == 0
        (st,) = res.channel_status.values()
        assert not st.used and st.reason.startswith(f"sampled at {fs:g} Hz; jerks need >= 20 Hz")
        with pytest.raises(ChannelError, match=f"sampled at {fs:g} Hz; jerks need >= 20 Hz"):
            require_usable_channels(res, where="s.edf", recording=rec)


@pytest.mark.parametrize("fs", [25.0, 30.0, 32.0])
def test_jerks_at_wearable_rates_are_not_split(fs):
    """24 jerks of 50-200 ms at 25-32 Hz (the 50-ms window was one sample): one event each, onsets
    within 70 ms, the window's half (before: 6-8 of 53 split into two events 50-250 ms apart)."""
    truth = _jerks(600.0, 7)
    x = _wrist(fs, 600.0, 8, noise_g=0.003, jerks=truth)
    tab = find_accel_jerks(list(x), fs, scale_to_g=1.0)
    assert len(tab["onset"]) == len(truth) and _matched(tab["onset"], truth) == len(truth)
    err = tab["onset"] - np.array([t for t, _, _ in truth])
    assert np.abs(np.median(err)) < 0.07
