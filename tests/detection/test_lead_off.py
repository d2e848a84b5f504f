"""An EMG lead off the skin (a floating input) is an artefact, not muscle (docs/robustness.md, defect 61).

A floating lead records the mains field (hundreds of uV to mV, its amplitude wandering as the cable
moves), a drift of hundreds of uV and amplifier noise; before, the wandering hum's sidebands and the
1-3 Hz drift passed the 10-Hz high-pass as bursts everywhere (the artefact trial: 125-178 false
events per hour, PLMS "present" on healthy nights) while the artefacts table and the warnings were
empty.  The floating stretches below are placed in the leg and chin of short simulated nights at
the clinical rates, for both mains frequencies; the attached leads of the controls carry what an
attached lead can: hum of tens of uV, sweat, breathing, a large ECG, strong muscle.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from myosleep.detection import detect, detect_channel

from ._detect_helpers import SimRecording, sim_night

HOURS = 1 / 3  # 20-min nights
T0, T1 = 300.0, 900.0  # the floating stretch: 10 min


def _slow(n: int, fs: float, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS random signal band-limited to lo-hi Hz (a 2nd-order roll-off to 3 x hi)."""
    f = np.fft.rfftfreq(n, 1 / fs)
    g = ((f >= lo) & (f <= hi)).astype(float)
    up = (f > hi) & (f < 3 * hi)
    g[up] = (hi / f[up]) ** 2
    y = np.fft.irfft(g * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)), n)
    return y / (y.std() + 1e-12)


def floating(n: int, fs: float, rng: np.random.Generator, *, mains_hz: float, hum_uv: float, wander: bool = True,
             drift_uv: float = 300.0, noise_uv: float = 3.0) -> np.ndarray:
    """A lead off the skin: mains pickup (amplitude x exp(0.5 N) wandering at 0.02-0.5 Hz; 2nd and 3rd
    harmonics at 0.1 and 0.3), drift at 0.02-1 Hz, broadband amplifier noise (the trial's model)."""
    t = np.arange(n) / fs
    amp = hum_uv * (np.exp(0.5 * _slow(n, fs, 0.02, 0.5, rng)) if wander else 1.0)
    hum = np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 6.28))
    for k, rel in ((2, 0.1), (3, 0.3)):
        if k * mains_hz < 0.45 * fs:
            hum += rel * np.sin(2 * np.pi * k * mains_hz * t + rng.uniform(0, 6.28))
    from scipy import signal

    sos = signal.butter(4, [1.0, 0.45 * fs], btype="band", fs=fs, output="sos")
    noise = signal.sosfiltfilt(sos, rng.standard_normal(n))
    return amp * hum + drift_uv * _slow(n, fs, 0.02, 1.0, rng) + noise_uv * noise / noise.std()


def _channel(sim, label):
    c = sim.channel(label)
    return np.asarray(c.data, dtype=np.float64).copy(), float(c.sfreq)


def _lead_off(arts):
    lo = arts[arts["kind"] == "lead_off"]
    return lo["onset"].to_numpy(float), (lo["onset"] + lo["duration"]).to_numpy(float)


# (rate Hz, mains Hz, channel, floating lead) - the trial's lead (500 uV wandering hum + 300 uV drift), a
# constant hum, a 2-mV hum, a 150-uV hum on the chin, drift without hum (a battery-powered or shielded room)
CASES = [
    (200.0, 50.0, "EMG LAT", dict(hum_uv=500.0)),
    (256.0, 60.0, "EMG LAT", dict(hum_uv=500.0)),
    (512.0, 50.0, "EMG RAT", dict(hum_uv=500.0)),
    (200.0, 60.0, "EMG LAT", dict(hum_uv=500.0, wander=False, drift_uv=0.0)),
    (512.0, 60.0, "EMG LAT", dict(hum_uv=2000.0, drift_uv=400.0)),
    (256.0, 50.0, "EMG Chin", dict(hum_uv=150.0)),
    (200.0, 50.0, "EMG RAT", dict(hum_uv=0.0, drift_uv=300.0)),
    (512.0, 60.0, "EMG Chin", dict(hum_uv=0.0, drift_uv=300.0)),
]


@pytest.mark.parametrize(("fs", "mains_hz", "label", "lead"), CASES,
                         ids=[f"{int(c[0])}Hz-{int(c[1])}Hz-{c[2].split()[-1]}-hum{int(c[3]['hum_uv'])}"
                              f"{'-const' if c[3].get('wander') is False else ''}" for c in CASES])
def test_a_floating_lead_is_masked_as_lead_off(fs, mains_hz, label, lead):
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=fs, mains_hz=mains_hz)
    x, fs = _channel(sim, label)
    rng = np.random.default_rng(int(fs) + int(mains_hz))
    a, b = int(T0 * fs), int(T1 * fs)
    x[a:b] = floating(b - a, fs, rng, mains_hz=mains_hz, **lead)
    role = "chin" if "Chin" in label else "leg"
    bursts, arts, st = detect_channel(x, fs, label=label, role=role)
    on, off = _lead_off(arts)
    # the whole stretch, and little more: a second or two either side (the lead coming off or back is a
    # step, on which the drift band rings for a second)
    assert on.size >= 1 and on.min() == pytest.approx(T0, abs=3.0) and off.max() == pytest.approx(T1, abs=3.0)
    assert float((off - on).sum()) == pytest.approx(T1 - T0, abs=5.0)
    inside = (bursts["onset"] > T0 - 1.0) & (bursts["onset"] < T1 + 1.0)
    assert int(inside.sum()) == 0
    assert st.used and st.lead_off_s == pytest.approx(T1 - T0, abs=5.0)
    warn = st.quality_warnings(sim.duration_s)
    assert any(w.startswith(f"Channel {label}: 10 min lead off (mains pickup or drift no attached electrode shows")
               and "(50% of the recording); no events there" in w for w in warn), warn


def test_a_lead_off_all_night_refuses_the_channel_with_the_reason():
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=256.0)
    x, fs = _channel(sim, "EMG LAT")
    x[:] = floating(x.size, fs, np.random.default_rng(5), mains_hz=50.0, hum_uv=500.0)
    bursts, arts, st = detect_channel(x, fs, label="EMG LAT", role="leg")
    assert not st.used and "lead off" in st.reason and len(bursts) == 0
    assert (arts["kind"] == "lead_off").any()


def test_floating_lead_leaves_no_events_and_the_other_channels_alone():
    """The detection of a whole night: the events of a floating 10 min are gone, the rest unchanged."""
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=200.0)
    clean = detect(SimRecording(sim), workers=1)
    x, fs = _channel(sim, "EMG LAT")
    a, b = int(T0 * fs), int(T1 * fs)
    x[a:b] = floating(b - a, fs, np.random.default_rng(7), mains_hz=50.0, hum_uv=500.0)
    chans = tuple(dataclasses.replace(c, data=x.astype(np.float32)) if c.label == "EMG LAT" else c
                  for c in sim.channels)
    res = detect(SimRecording(dataclasses.replace(sim, channels=chans)), workers=1)
    ev, ev0 = res.events, clean.events
    win = (ev["onset"] > T0 - 1) & (ev["onset"] < T1 + 1)
    win0 = (ev0["onset"] > T0 - 1) & (ev0["onset"] < T1 + 1)
    lat = np.array(["EMG LAT" in c for c in ev["channel"]])
    assert int((win & lat).sum()) == 0  # nothing of the left leg in the floating stretch
    # outside it the same events as the intact night
    assert int((~win).sum()) == int((~win0).sum())
    assert any("lead off" in w for w in res.quality_warnings())
    assert not any("lead off" in w for w in clean.quality_warnings())


def _breathing_hum(n, fs, rng, mains_hz, amp_uv, depth):
    t = np.arange(n) / fs
    return amp_uv * (1 + depth * np.sin(2 * np.pi * 0.25 * t)) * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 6))


@pytest.mark.parametrize("fs", [200.0, 512.0])
def test_attached_leads_are_not_lead_off(fs):
    """Controls (also green before): what an attached lead records is never a lead off."""
    rng = np.random.default_rng(11)
    for scenario in ("healthy_adult", "plmd", "rsbd"):
        sim = sim_night(scenario, hours=HOURS, seed=3, sfreq_emg=fs)
        for c in sim.channels:
            if c.role.value not in ("chin", "leg", "arm"):
                continue
            x, fs_ = _channel(sim, c.label)
            variants = {"as recorded": x,
                        # hum of an attached lead: 50 uV breathing-modulated +-30 %, 80 uV constant
                        "hum 50 uV x(1+-0.3)": x + _breathing_hum(x.size, fs_, rng, 50.0, 50.0, 0.3),
                        "hum 80 uV": x + _breathing_hum(x.size, fs_, rng, 60.0, 80.0, 0.0),
                        # sweat (0.1-0.5 Hz, 500 uV p-p) and breathing (0.25 Hz, 60 uV) on the baseline
                        "sweat": x + 125.0 * _slow(x.size, fs_, 0.1, 0.5, rng),
                        "breathing": x + 60.0 * np.sin(2 * np.pi * 0.25 * np.arange(x.size) / fs_)}
            if scenario == "healthy_adult":  # a 1-mV ECG on the lead (trunk, obese patients); 300 uV RMS muscle
                ecg, _ = _channel(sim, "ECG II")
                variants["ECG 1 mV"] = x + 1000.0 * ecg / np.percentile(np.abs(ecg), 99.9)
                strong = x.copy()
                k = int(600 * fs_)
                strong[k:k + int(5 * fs_)] += 300.0 * rng.standard_normal(int(5 * fs_))
                variants["muscle 300 uV RMS, 5 s"] = strong
            for name, y in variants.items():
                from myosleep.preprocessing import preprocess_emg

                pre = preprocess_emg(y, fs_, cardiac="off", label=c.label)
                lead_off = [(a / fs_, b / fs_) for a, b, k in pre.artefacts if k == "lead_off"]
                assert lead_off == [], (scenario, c.label, name, lead_off)


def test_a_railed_stretch_is_counted_once():
    """30 railed minutes are a ``clipped`` and a ``disconnected`` row of one stretch: its time is their union
    (the trial's D10a: "60 min flat, clipped, disconnected or NaN (40 %)" for 30 min)."""
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=256.0)
    x, fs = _channel(sim, "EMG LAT")
    x[int(T0 * fs):int(T1 * fs)] = 3000.0
    _, arts, st = detect_channel(x, fs, label="EMG LAT", role="leg", physical_range_uv=(-3000.0, 3000.0))
    assert {"clipped", "disconnected"} <= set(arts["kind"])
    assert st.artefact_s == pytest.approx(T1 - T0, abs=2.0)
    assert any("10 min flat, clipped, disconnected or NaN (50% of the recording)" in w
               for w in st.quality_warnings(sim.duration_s))


@pytest.mark.parametrize("kind", ["flat", "lead_off"])
def test_the_cardiac_field_is_removed_when_most_of_the_lead_is_masked(kind):
    """The cardiac template is the median of the beats: once the beats inside masked (zeroed) stretches were
    half of them, it was 0 and the field stayed, a "jerk" at every beat of the observed rest (defect 61)."""
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=200.0)
    x, fs = _channel(sim, "EMG LAT")
    ecg, _ = _channel(sim, "ECG II")
    from myosleep.preprocessing import detect_r_peaks

    peaks_s = detect_r_peaks(ecg.astype(np.float32), fs) / fs
    x += 40.0 * ecg / np.percentile(np.abs(ecg), 99.9)  # a 40-uV cardiac field on the leg
    a, b = int(T0 * fs), int((T0 + 720.0) * fs)  # 12 of the 20 min masked
    x[a:b] = 0.0 if kind == "flat" else floating(b - a, fs, np.random.default_rng(3), mains_hz=50.0, hum_uv=500.0)
    bursts, _, st = detect_channel(x, fs, label="EMG LAT", role="leg", r_peaks_s=peaks_s)
    assert st.used and st.n_beats_removed > 400  # the beats of the 8 observed minutes (~70/min)
    assert len(bursts) <= 10, len(bursts)  # not one per beat (~560)
