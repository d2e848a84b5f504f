"""The truth is where the signal says it is, and the clinical models hold their numbers."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.errors import ParameterError
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.simulate import SCENARIOS, simulate_night
from myosleep.vocab import TrialType

#: Every stage in 40 min: W, N1, N2, N3, N2, R, W, N1, N2 (epochs of 30 s).
ALL_STAGES = Hypnogram(np.repeat([0, 1, 2, 3, 2, 4, 0, 1, 2], [10, 4, 16, 10, 4, 20, 2, 2, 12]))

VOCAB = {t.value for t in TrialType}


def _bandpass(x: np.ndarray, fs: float, mains_hz: float | None = None) -> np.ndarray:
    """20-200 Hz band-pass (and, if given, notches at the mains frequency and its 3rd
    harmonic)."""
    from scipy.signal import butter, filtfilt, iirnotch, sosfiltfilt

    y = sosfiltfilt(butter(4, [20.0, min(200.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos"),
                    x.astype(float))
    if mains_hz:
        for f in (mains_hz, 3 * mains_hz):
            if f < 0.45 * fs:
                b, a = iirnotch(f, 30.0, fs=fs)
                y = filtfilt(b, a, y)
    return y


def _burst_ratios(sim) -> dict[str, list[float]]:
    """RMS (20-200 Hz) inside each true burst / RMS in the 1 s before it, for bursts with
    no other burst on their channel in that second. Each burst is filtered on its own
    stretch (1.5 s before to 0.5 s after), which keeps the test fast."""
    b = sim.bursts.merge(sim.events[["event_id", "trial_type"]], on="event_id")
    out: dict[str, list[float]] = {}
    for lab, grp in b.groupby("channel"):
        ch = sim.channel(lab)
        fs = ch.sfreq
        ends = (grp.onset + grp.duration).to_numpy()
        for on, dur, tt in zip(grp.onset.to_numpy(), grp.duration.to_numpy(), grp.trial_type):
            if np.any((grp.onset.to_numpy() < on) & (ends > on - 1.0)):
                continue
            i0, n = int(round(on * fs)), int(round(dur * fs))
            lo, hi = i0 - int(1.5 * fs), min(i0 + n + int(0.5 * fs), ch.data.size)
            x = _bandpass(ch.data[lo:hi], fs)
            k = i0 - lo
            inside = np.sqrt(np.mean(x[k:k + n] ** 2))
            before = np.sqrt(np.mean(x[k - int(fs):k] ** 2))
            out.setdefault(tt, []).append(inside / before)
    return out


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "quiet_artefacts"])
def test_burst_power_far_above_the_second_before(sims, name):
    ratios = _burst_ratios(sims(name))
    assert ratios, "scenario produced no bursts"
    for tt, r in ratios.items():
        r = np.asarray(r)
        # every class: median in-burst RMS >= 4x the preceding second, and >= 90 % of
        # bursts at least 1.5x (the weakest are small FM potentials on a tense wake chin)
        assert np.median(r) >= 4.0, (tt, np.median(r))
        assert np.mean(r >= 1.5) >= 0.9, (tt, np.mean(r >= 1.5))


def test_rem_twitch_and_rswa_bursts_are_visible():
    sim = simulate_night("rsbd", hypnogram=ALL_STAGES, seed=5)
    ratios = _burst_ratios(sim)
    r = np.asarray(ratios["rem_twitch"])
    assert r.size >= 50
    assert np.median(r) >= 4.0


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_tables_are_consistent_with_the_night(sims, name):
    sim = sims(name)
    ev, bu = sim.events, sim.bursts
    assert set(ev.trial_type) <= VOCAB
    # no truth outside the recording
    assert (bu.onset >= 0).all() and ((bu.onset + bu.duration) <= sim.duration_s).all()
    assert (ev.onset >= 0).all() and ((ev.onset + ev.duration) <= sim.duration_s).all()
    # each event's stage is the hypnogram's stage at its onset
    assert list(ev.stage) == sim.hypnogram.stage_labels_at(ev.onset.to_numpy())
    # event onset/offset/channels are those of its bursts, channels in recruitment order
    for eid, grp in bu.groupby("event_id"):
        row = ev.loc[ev.event_id == eid].iloc[0]
        assert row.onset == pytest.approx(grp.onset.min(), abs=1e-9)
        assert row.onset + row.duration == pytest.approx((grp.onset + grp.duration).max(), abs=1e-9)
        assert row.channel.split(",") == list(grp.sort_values(["onset", "channel"]).channel)
        assert row.peak_amplitude_uv == pytest.approx(grp.peak_amplitude_uv.max())
    labels = set(sim.labels)
    assert set(bu.channel) <= labels and set(sim.artefacts.channel) <= labels
    # burst onsets lie on the EMG sample grid
    fs = sim.channel("EMG Chin").sfreq
    assert np.allclose(bu.onset * fs, np.round(bu.onset * fs), atol=1e-6)


def test_burst_envelope_is_zero_outside_and_nonzero_inside(sims):
    """Onset = first sample where the burst's own envelope is non-zero; it is zero on the
    sample before and on the sample after the burst's last one."""
    from myosleep.simulate.emg import burst_envelope
    from myosleep.simulate.events import Burst
    from myosleep.simulate.timeline import SHAPES

    rng = np.random.default_rng(0)
    for shape in SHAPES:
        for n in (10, 38, 1024):
            env = burst_envelope([Burst("x", 100, n, 40.0, shape)], 2000, rng)
            assert env[99] == 0.0 and env[100 + n] == 0.0
            assert np.all(env[100:100 + n] > 0.0)
            assert env.max() == pytest.approx(40.0, rel=1e-6)  # peak_amplitude_uv
    # quiet scenario: no motor events at all
    assert len(sims("quiet_artefacts").events) == 0
    assert len(sims("quiet_artefacts").artefacts) > 0


def test_determinism():
    a = simulate_night("plmd", hours=0.25, seed=7)
    b = simulate_night("plmd", hours=0.25, seed=7)
    c = simulate_night("plmd", hours=0.25, seed=8)
    for ca, cb, cc in zip(a.channels, b.channels, c.channels):
        assert np.array_equal(ca.data, cb.data)
        assert not np.array_equal(ca.data, cc.data)
        assert ca.data.dtype == np.float32
    assert a.events.equals(b.events) and a.bursts.equals(b.bursts)
    assert np.array_equal(a.hypnogram.stages, b.hypnogram.stages)


def test_chin_tone_falls_w_n1_n2_n3_r():
    sim = simulate_night("quiet_artefacts", hypnogram=ALL_STAGES, seed=4)
    ch = sim.channel("EMG Chin")
    x = _bandpass(ch.data, ch.sfreq, sim.mains_hz)
    st = ALL_STAGES.stages
    level = {}
    for code in range(5):
        # median |x| per epoch (robust to QRS spikes and pops), epochs whose neighbours
        # share the stage (away from the cross-fade)
        vals = []
        for e in np.flatnonzero(st == code):
            if 0 < e < st.size - 1 and st[e - 1] == code and st[e + 1] == code:
                seg = x[int(e * 30 * ch.sfreq):int((e + 1) * 30 * ch.sfreq)]
                vals.append(np.median(np.abs(seg)) / 0.6745)  # Gaussian sigma
        level[code] = float(np.median(vals))
    assert level[0] > level[1] > level[2] > level[3] > level[4]
    assert 6.0 < level[0] < 15.0  # wake chin ~5-15 uV RMS
    assert level[4] < 2.0  # REM atonia ~1 uV (plus amplifier noise)


def test_plmd_index_and_series():
    sim = simulate_night("plmd", hours=1.5, seed=11)
    ev = sim.events
    lm = ev[ev.trial_type == "leg_movement"]
    tst_h = sum(v for k, v in sim.hypnogram.time_in_stage_s().items() if k in ("N1", "N2", "N3", "R")) / 3600
    plms = lm[(lm.periodic == True) & lm.stage.isin(["N1", "N2", "N3", "R"])]  # noqa: E712
    assert len(plms) / tst_h > 15.0
    on = np.sort(plms.onset.to_numpy())
    on = on[np.r_[True, np.diff(on) >= 5.0]]  # LMs < 5 s apart count once (AASM)
    d = np.diff(on)
    within = d[d <= 90.0]
    assert within.size >= 10 and within.min() >= 5.0
    assert 15.0 <= np.median(within) <= 45.0  # typical 20-40 s
    assert ((lm.duration >= 0.5) & (lm.duration <= 10.0)).all()
    assert set(lm.side) <= {"left", "right", "bilateral"} and "bilateral" in set(lm.side)


def test_hypnic_jerks_model(sims):
    sim = sims("sleep_starts")
    ev = sim.events[sim.events.trial_type == "hypnic_jerk"]
    assert len(ev) >= 5
    from myosleep.simulate.hypnogram import sleep_onset_transitions_s

    tb = sleep_onset_transitions_s(sim.hypnogram)
    for _, row in ev.iterrows():
        b = sim.bursts[sim.bursts.event_id == row.event_id]
        roles = {sim.channel(c).role for c in b.channel}
        assert len(roles) >= 2  # several body segments
        assert b.onset.max() - b.onset.min() <= 0.050  # near-synchronous
        assert ((b.duration >= 0.075 - 1e-9) & (b.duration <= 0.250 + 1e-9)).all()
        assert np.min(np.abs(row.onset - tb)) <= 30.0  # at a wake-to-sleep transition
    assert ev.arousal.mean() > 0.2


def test_excessive_fragmentary_myoclonus_rate(sims):
    sim = sims("excessive_fragmentary_myoclonus")
    fm = sim.events[sim.events.trial_type == "fragmentary_myoclonus"]
    nrem_min = sum(v for k, v in sim.hypnogram.time_in_stage_s().items() if k in ("N1", "N2", "N3")) / 60
    assert (fm.stage.isin(["N1", "N2", "N3"])).sum() / nrem_min >= 5.0
    b = sim.bursts[sim.bursts.event_id.isin(fm.event_id)]
    assert (b.groupby("event_id").size() == 1).all()  # one muscle each: asynchronous
    assert b.duration.max() <= 0.150 + 1e-9


def test_neonatal_clusters(sims):
    sim = sims("infant_bnsm")
    assert sim.age_days == pytest.approx(21.0)
    ev = sim.events[sim.events.trial_type == "neonatal_myoclonus"]
    assert len(ev) >= 20 and ev.stage.isin(["N1", "N2", "N3", "R"]).all()
    for _, grp in ev.groupby("cluster_id"):
        rate_hz = 1.0 / np.diff(grp.onset.to_numpy())
        assert ((rate_hz >= 1.0) & (rate_hz <= 5.5)).all()
        assert grp.arousal.iloc[:-1].eq(False).all()  # an arousal only ends a cluster


def test_cortical_transient_precedes_emg(sims):
    sim = sims("cortical_myoclonus")
    ev = sim.events[sim.events.trial_type == "cortical_myoclonus"]
    assert len(ev) >= 15
    fs = sim.channel("C3-M2").sfreq
    for first, contra in (("EMG FDS R", "C3-M2"), ("EMG FDS L", "C4-M1")):
        sub = ev[ev.channel.str.split(",").str[0] == first]
        assert len(sub) >= 3
        x = sim.signal(contra).astype(float)
        segs = [x[int(round(o * fs)) - int(0.1 * fs):int(round(o * fs)) + int(0.05 * fs)] for o in sub.onset]
        avg = np.mean(segs, axis=0)
        t_ms = (np.arange(avg.size) - int(0.1 * fs)) / fs * 1000
        peak_ms = t_ms[np.argmax(avg)]
        # arm: positive peak 15-25 ms before EMG onset (+- one 256-Hz sample, 3.9 ms)
        assert -29.0 <= peak_ms <= -11.0, peak_ms
        assert avg.max() - np.median(avg) > 8.0  # transient 20-45 uV, jitter of the 256-Hz grid
    lead = ev.eeg_lead_ms.to_numpy()
    assert np.all((lead >= 15.0) & (lead <= 45.0))
    assert (sim.bursts[sim.bursts.event_id.isin(ev.event_id)].duration <= 0.040 + 1e-9).all()


def test_propriospinal_spreads_from_rectus_abdominis(sims):
    sim = sims("propriospinal")
    ev = sim.events[sim.events.trial_type == "propriospinal_myoclonus"]
    assert len(ev) >= 10 and (ev.stage == "W").all()
    assert (ev.channel.str.split(",").str[0] == "EMG RectAbd").all()
    from myosleep.classification.anatomy import muscle_at

    # each muscle's onset after rectus abdominis (T10): cord distance / velocity plus the
    # difference of the two motor nerves' conduction times, for one body size (0.9-1.1) and one
    # motor conduction velocity (50-60 m/s) per sleeper
    gen = muscle_at("EMG RectAbd", "axial")
    for _, row in ev.head(5).iterrows():
        b = sim.bursts[sim.bursts.event_id == row.event_id].set_index("channel")
        assert set(b.index) == {"EMG RectAbd", "EMG Erector T6", "EMG SCM", "EMG Quadriceps", "EMG LAT", "EMG RAT"}
        for ch, on in b["onset"].items():
            m = muscle_at(ch, sim.channel(ch).role.value)
            lat = on - b.loc["EMG RectAbd", "onset"]
            bounds = [abs(m.cord_cm - gen.cord_cm) * size / 100 / row.velocity_m_s
                      + (m.nerve_cm - gen.nerve_cm) * size / 100 / cv for size in (0.9, 1.1) for cv in (50.0, 60.0)]
            assert min(bounds) - 1.5 / 512 <= lat <= max(bounds) + 1.5 / 512, (ch, lat, bounds)
    # tibialis anterior (L5, 10 cm below T10): its ~85-cm nerve makes it later than the cord alone
    # would, even for the longest cord (x 1.1), by more than a sample (1/512 s)
    b = sim.bursts[sim.bursts.event_id.isin(ev.event_id)]
    on = b.pivot_table(index="event_id", columns="channel", values="onset")
    cord_only = 0.10 / ev.set_index("event_id").loc[on.index, "velocity_m_s"]
    assert ((on["EMG LAT"] - on["EMG RectAbd"]) - cord_only * 1.1 > 1 / 512).all()


def test_bad_scenario_lists_the_valid_names():
    with pytest.raises(ParameterError) as exc:
        simulate_night("no_such_scenario", hours=0.1)
    for name in SCENARIOS:
        assert name in str(exc.value)
    with pytest.raises(ParameterError):
        simulate_night("healthy_adult", hours=0.1, sfreq_emg=100.0)
    with pytest.raises(ParameterError):
        simulate_night("healthy_adult", hours=-1.0)


def _atonia_index(sim, hyp) -> float:
    """Ferri's REM atonia index (Ferri et al., J Sleep Res 2008 / Sleep Med 2010): chin
    EMG band-passed 10-100 Hz, mains notched, rectified and averaged per 1-s mini-epoch,
    minus the minimum within +-30 s (noise correction); index = (% mini-epochs <= 1 uV) /
    (100 - % mini-epochs in (1, 2] uV) over REM."""
    from scipy.ndimage import minimum_filter1d
    from scipy.signal import butter, filtfilt, iirnotch, sosfiltfilt

    ch = sim.channel("EMG Chin")
    fs = int(ch.sfreq)
    x = sosfiltfilt(butter(4, [10.0, 100.0], btype="bandpass", fs=fs, output="sos"), ch.data.astype(float))
    b, a = iirnotch(sim.mains_hz, 30.0, fs=fs)
    x = filtfilt(b, a, x)
    r = np.abs(x)[: x.size // fs * fs].reshape(-1, fs).mean(axis=1)
    r = r - minimum_filter1d(r, 61)
    rem = r[hyp.stage_at(np.arange(r.size) + 0.5) == 4]
    return float(np.mean(rem <= 1.0) / (1.0 - np.mean((rem > 1.0) & (rem <= 2.0))))


def test_rem_atonia_index_normal_in_healthy_abnormal_in_rsbd():
    hyp = Hypnogram(np.repeat([0, 1, 2, 3, 2, 4, 2, 4], [10, 4, 16, 10, 4, 30, 10, 30]))
    healthy = _atonia_index(simulate_night("healthy_adult", hypnogram=hyp, seed=1), hyp)
    rsbd = _atonia_index(simulate_night("rsbd", hypnogram=hyp, seed=1), hyp)
    assert healthy > 0.9  # normal (Ferri: > 0.9)
    assert rsbd < 0.8  # abnormal (Ferri: < 0.8)


def test_eeg_stage_signatures():
    """AASM signatures: N3 slow waves > 75 uV p-p over >= 20 % of the epoch (not in N2),
    occipital alpha in wake, spindles (sigma) in N2, theta in N1."""
    from scipy.signal import butter, hilbert, sosfiltfilt, welch

    sim = simulate_night("quiet_artefacts", hypnogram=ALL_STAGES, seed=4)
    st = ALL_STAGES.stages
    med = {}
    for lab in ("C4-M1", "O2-M1"):
        ch = sim.channel(lab)
        fs = ch.sfreq
        n_ep = int(30 * fs)
        x = ch.data.astype(float)[: st.size * n_ep]
        env = np.abs(hilbert(sosfiltfilt(butter(2, [0.5, 2.0], btype="bandpass", fs=fs, output="sos"), x)))
        slow_frac = (2.0 * env > 75.0).reshape(-1, n_ep).mean(axis=1)  # p-p ~ 2 x envelope
        f, p = welch(x.reshape(-1, n_ep), fs=fs, nperseg=int(4 * fs), axis=1)

        def band(lo, hi, p=p, f=f):
            return p[:, (f >= lo) & (f < hi)].sum(axis=1)

        for name, vals in (("slow", slow_frac), ("alpha", band(8, 12)), ("sigma", band(12, 16)),
                           ("theta", band(4, 8))):
            med[lab, name] = [float(np.median(vals[st == code])) for code in range(5)]
    w, n1, n2, n3, r = med["C4-M1", "slow"]
    assert n3 >= 0.2 and n2 < 0.2 and max(w, n1, r) < 0.05
    alpha = med["O2-M1", "alpha"]
    assert alpha[0] > 3 * max(alpha[1:])
    sigma = med["C4-M1", "sigma"]
    assert sigma[2] > 1.5 * max(sigma[1], sigma[4])
    theta = med["C4-M1", "theta"]
    assert theta[1] > 2 * theta[0]


def test_no_discontinuity_at_stage_changes():
    """Stages cross-fade over seconds: the sample-to-sample step of the EEG and chin EMG
    around a stage change is no larger than inside epochs."""
    sim = simulate_night("quiet_artefacts", hypnogram=ALL_STAGES, seed=6)
    borders = np.flatnonzero(np.diff(ALL_STAGES.stages) != 0) + 1
    for lab in ("C4-M1", "EMG Chin"):
        ch = sim.channel(lab)
        fs = ch.sfreq
        d = np.abs(np.diff(ch.data.astype(float)))
        at = np.array([d[int(b * 30 * fs) - 2:int(b * 30 * fs) + 2].max() for b in borders])
        typical = np.percentile(d, 99.9)
        assert at.max() < typical, (lab, at.max(), typical)
