"""The truth: motor events and the per-channel bursts that compose them.

Each generator draws events from its clinical model (numbers with sources below) and
places them on the EMG sample grid, so the truth is exactly where the signal is: a
burst occupies samples ``[onset_i, onset_i + n)`` of its channel and its envelope is
non-zero on every one of those samples and zero outside (see
:func:`myosleep.simulate.timeline.envelope_shape`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from ..io.hypnogram_model import Hypnogram
from ..vocab import Role, Side
from .hypnogram import sleep_onset_transitions_s, stage_runs
from .scenarios import ChannelSpec, Scenario

__all__ = ["Burst", "Event", "EegTransient", "Truth", "generate_truth", "aasm_periodic"]

W, N1, N2, N3, R = 0, 1, 2, 3, 4
SLEEP = (N1, N2, N3, R)
NREM = (N1, N2, N3)

#: Least quiet time between two events on the whole montage, s. Keeps events apart so
#: that the detectors' synchrony windows (tens of ms) never merge two true events and
#: every burst has a burst-free second before it on its channel. Neonatal clusters and
#: PLM series keep their own, physiological, spacing inside this rule.
MIN_GAP_S = 1.0


@dataclass
class Burst:
    channel: str
    onset_i: int  # first EMG sample of the burst
    n: int  # samples
    amplitude_uv: float  # peak of the burst's own RMS envelope
    shape: str


@dataclass
class Event:
    trial_type: str
    bursts: list[Burst]
    arousal: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class EegTransient:
    """A time-locked EEG potential on one channel.

    ``kind="spike"``: the biphasic cortical transient of cortical myoclonus, positive peak
    (``amplitude_uv``) at ``peak_s``. ``kind="bp"``: a Bereitschaftspotential, a slow
    negativity starting ``rise_s`` before ``peak_s`` (the EMG onset) and reaching
    ``-amplitude_uv`` there.
    """

    label: str
    peak_s: float  # spike: time of the positive peak; bp: EMG onset, s
    amplitude_uv: float
    kind: str = "spike"
    rise_s: float = 0.0


@dataclass
class Truth:
    events: list[Event]
    transients: list[EegTransient]
    arousals: list[tuple[float, float]]  # (onset s, duration s)
    rswa_tonic_epochs: np.ndarray  # indices of REM epochs with tonic chin activity


class _Placer:
    """Non-overlapping event spans (sample indices), with a minimum gap."""

    def __init__(self, fs: float, n_samples: int):
        self.fs = fs
        self.n = n_samples
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.gap = int(round(MIN_GAP_S * fs))
        self.margin = int(round(0.5 * fs))

    def fits(self, a: int, b: int) -> bool:
        if a < self.margin or b > self.n - self.margin:
            return False
        k = bisect.bisect_left(self.starts, a)
        if k < len(self.starts) and self.starts[k] < b + self.gap:
            return False
        if k > 0 and self.ends[k - 1] + self.gap > a:
            return False
        return True

    def add(self, a: int, b: int) -> None:
        k = bisect.bisect_left(self.starts, a)
        self.starts.insert(k, a)
        self.ends.insert(k, b)

    def try_place(self, ev: Event) -> bool:
        a = min(b.onset_i for b in ev.bursts)
        b_ = max(b.onset_i + b.n for b in ev.bursts)
        if not self.fits(a, b_):
            return False
        self.add(a, b_)
        return True


def _times_in_stages(hyp: Hypnogram, stages, count: int, rng: np.random.Generator,
                     duration_s: float) -> np.ndarray:
    """``count`` uniform random times (s) within epochs of the given stages."""
    onsets = hyp.epoch_onsets_s
    ok = np.isin(hyp.stages, stages) & (onsets + hyp.epoch_s <= duration_s)
    idx = np.flatnonzero(ok)
    if idx.size == 0 or count <= 0:
        return np.empty(0)
    pick = rng.choice(idx, size=count, replace=True)
    return np.sort(onsets[pick] + rng.uniform(0.0, hyp.epoch_s, count))


def _seconds_in(hyp: Hypnogram, stages) -> float:
    return float(np.isin(hyp.stages, stages).sum() * hyp.epoch_s)


def _poisson(rng: np.random.Generator, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


class _Gen:
    def __init__(self, sc: Scenario, hyp: Hypnogram, fs: float, n: int, rng: np.random.Generator):
        self.sc, self.hyp, self.fs, self.n, self.rng = sc, hyp, fs, n, rng
        self.duration_s = n / fs
        self.placer = _Placer(fs, n)
        self.emg = sc.emg_channels()
        self.by_role: dict[Role, list[ChannelSpec]] = {}
        for c in self.emg:
            self.by_role.setdefault(c.role, []).append(c)

    def i(self, t_s: float) -> int:
        return int(round(t_s * self.fs))

    def ns(self, dur_s: float, lo_s: float | None = None, hi_s: float | None = None) -> int:
        """Samples for ``dur_s``, kept inside the class's bounds [lo_s, hi_s] after rounding."""
        n = max(2, int(round(dur_s * self.fs)))
        if lo_s is not None:
            n = max(n, int(np.ceil(lo_s * self.fs - 1e-9)))
        if hi_s is not None:
            n = min(n, int(np.floor(hi_s * self.fs + 1e-9)))
        return n

    # ------------------------------------------------------------- hypnic jerks
    def hypnic_jerks(self) -> list[Event]:
        """Sleep starts: single 75-250 ms bursts on >= 2 body segments, onsets within
        ~50 ms, at wake-to-sleep transitions, often followed by an arousal (DESIGN.md;
        ICSD-3 2014; Chokroverty et al., J Clin Neurophysiol 2013)."""
        rate = self.sc.rates.hypnic_jerks_per_onset
        out: list[Event] = []
        if rate <= 0:
            return out
        segs = [r for r in (Role.CHIN, Role.ARM, Role.LEG, Role.AXIAL) if r in self.by_role]
        if len(segs) < 2:
            return out
        for tb in sleep_onset_transitions_s(self.hyp):
            # frequent sleep starts (rate >= 1): at least one at every transition
            n_here = 1 + _poisson(self.rng, rate - 1.0) if rate >= 1.0 else _poisson(self.rng, rate)
            for _ in range(n_here):
                for _attempt in range(20):
                    # within the last W epoch and the first sleep epochs around the boundary
                    t0 = tb + self.rng.uniform(-10.0, 25.0)
                    k = int(self.rng.integers(2, len(segs) + 1))
                    roles = list(self.rng.choice(len(segs), size=k, replace=False))
                    chans = [c for r in roles for c in self.by_role[segs[r]]]
                    amp = self.rng.uniform(60.0, 250.0)  # strong, generalised jerk
                    bursts = []
                    for c in chans:
                        jitter = self.rng.uniform(0.0, 0.040)  # near-synchronous onsets < 50 ms
                        dur = self.rng.uniform(0.075, 0.250)  # 75-250 ms (DESIGN.md)
                        bursts.append(Burst(c.label, self.i(t0 + jitter), self.ns(dur, 0.075, 0.250),
                                            amp * self.rng.uniform(0.5, 1.0),
                                            str(self.rng.choice(["fast_rise", "hann"]))))
                    ev = Event("hypnic_jerk", bursts, arousal=bool(self.rng.random() < 0.6))
                    if self.placer.try_place(ev):
                        out.append(ev)
                        break
        return out

    # ------------------------------------------------------ fragmentary myoclonus
    def _fm_event(self, t0: float, *, excessive: bool) -> Event:
        weights = {Role.LEG: 0.4, Role.ARM: 0.3, Role.CHIN: 0.3, Role.AXIAL: 0.1}
        chans = self.emg
        p = np.array([weights[c.role] for c in chans])
        c = chans[int(self.rng.choice(len(chans), p=p / p.sum()))]
        if excessive:
            lo, hi = 0.075, 0.150  # AASM EFM: 75-150 ms, max 150 ms
            amp = self.rng.uniform(25.0, 80.0)
        else:
            lo, hi = 0.020, 0.150  # healthy: many shorter (20-150 ms, DESIGN.md)
            amp = self.rng.uniform(12.0, 60.0)
        n = self.ns(self.rng.uniform(lo, hi), lo, hi)
        return Event("fragmentary_myoclonus", [Burst(c.label, self.i(t0), n, amp,
                                                     str(self.rng.choice(["hann", "fast_rise"])))])

    def fragmentary(self) -> list[Event]:
        r = self.sc.rates
        out: list[Event] = []
        if r.fm_excessive_per_min > 0:
            n_ex = _poisson(self.rng, r.fm_excessive_per_min * _seconds_in(self.hyp, NREM) / 60.0)
            for t in _times_in_stages(self.hyp, NREM, n_ex, self.rng, self.duration_s):
                ev = self._fm_event(t, excessive=True)
                if self.placer.try_place(ev):
                    out.append(ev)
        if r.fm_per_hour > 0:
            stages = (W, *SLEEP)
            n_bg = _poisson(self.rng, r.fm_per_hour * _seconds_in(self.hyp, stages) / 3600.0)
            for t in _times_in_stages(self.hyp, stages, n_bg, self.rng, self.duration_s):
                ev = self._fm_event(t, excessive=False)
                if self.placer.try_place(ev):
                    out.append(ev)
        return out

    # ----------------------------------------------------------- leg movements
    def _lm_event(self, t0: float) -> Event | None:
        legs = self.by_role.get(Role.LEG, [])
        if not legs:
            return None
        u = self.rng.random()
        if len(legs) >= 2 and u < 0.3:
            chosen = list(legs)  # bilateral, onsets < 0.5 s apart
        else:
            chosen = [legs[int(self.rng.integers(len(legs)))]]
        bursts = []
        for j, c in enumerate(chosen):
            lag = 0.0 if j == 0 else self.rng.uniform(0.0, 0.5)
            # duration: lognormal, median ~2 s, within AASM 0.5-10 s (kept <= 9 s so both
            # AASM and WASM 2016 accept it); amplitude 15-80 uV above rest (AASM >= 8 uV,
            # typical 20-100+ uV)
            dur = float(np.clip(self.rng.lognormal(np.log(2.0), 0.5), 0.6, 9.0))
            amp = self.rng.uniform(15.0, 80.0)
            bursts.append(Burst(c.label, self.i(t0 + lag), self.ns(dur, 0.5, 10.0), amp,
                                str(self.rng.choice(["plateau", "gamma"]))))
        return Event("leg_movement", bursts)

    def plm_series(self) -> list[Event]:
        """PLMS: series of LMs with onset-to-onset intervals of typically 20-40 s (AASM
        5-90 s), mostly in N1/N2 (Ferri et al., Sleep Med 2016; Montplaisir et al.,
        Mov Disord 1997), until the target PLMS index is reached."""
        target_index = self.sc.rates.plm_index_per_hour
        out: list[Event] = []
        if target_index <= 0:
            return out
        sleep_h = _seconds_in(self.hyp, SLEEP) / 3600.0
        target = int(round(target_index * sleep_h * 1.1))
        tries = 0
        spans: list[tuple[float, float]] = []  # series never interleave
        while len(out) < target and tries < 200:
            tries += 1
            start = _times_in_stages(self.hyp, (N1, N2, N2, N2, N3), 1, self.rng, self.duration_s)
            if start.size == 0:
                break
            t = float(start[0])
            if any(a - 100.0 < t < b + 100.0 for a, b in spans):
                continue
            t_first = t
            n_series = int(self.rng.integers(6, 40))
            placed = 0
            for _ in range(n_series):
                st = int(self.hyp.stage_at(t)[0])
                if st not in (N1, N2, N3):  # series end at wake or REM
                    break
                if any(a - 100.0 < t < b + 100.0 for a, b in spans):  # next series reached
                    break
                ev = self._lm_event(t)
                if ev is None:
                    return out
                if self.placer.try_place(ev):
                    ev.arousal = bool(self.rng.random() < 0.3)  # ~30 % PLMS with arousal
                    out.append(ev)
                    placed += 1
                t += float(np.clip(self.rng.normal(28.0, 7.0), 12.0, 80.0))  # 20-40 s typical
            if placed:
                spans.append((t_first, t))
        return out

    def isolated_lms(self) -> list[Event]:
        rate = self.sc.rates.lm_isolated_per_hour
        out: list[Event] = []
        if rate <= 0:
            return out
        stages = (W, N1, N2, N3)
        n = _poisson(self.rng, rate * _seconds_in(self.hyp, stages) / 3600.0)
        for t in _times_in_stages(self.hyp, stages, n, self.rng, self.duration_s):
            ev = self._lm_event(t)
            if ev is not None and self.placer.try_place(ev):
                out.append(ev)
        return out

    # ------------------------------------------------------------- REM twitches
    def rem_twitches(self) -> list[Event]:
        """Phasic REM bursts, 0.1-5 s, most 0.1-0.5 s (AASM phasic REM activity; Frauscher
        et al., Sleep 2012), chin and limbs. Leg twitches are kept < 0.5 s so that they
        are not leg movements by the AASM 0.5-10 s rule."""
        rate = self.sc.rates.rem_twitches_per_min
        out: list[Event] = []
        if rate <= 0:
            return out
        weights = {Role.CHIN: 0.4, Role.ARM: 0.3, Role.LEG: 0.3, Role.AXIAL: 0.05}
        p = np.array([weights[c.role] for c in self.emg])
        n = _poisson(self.rng, rate * _seconds_in(self.hyp, (R,)) / 60.0)
        for t in _times_in_stages(self.hyp, (R,), n, self.rng, self.duration_s):
            c = self.emg[int(self.rng.choice(len(self.emg), p=p / p.sum()))]
            dur = float(np.clip(self.rng.lognormal(np.log(self.sc.rates.rem_twitch_median_s), 0.6), 0.1, 5.0))
            if c.role == Role.LEG:
                dur = min(dur, 0.45)
            amp = self.rng.uniform(10.0, 50.0)
            n_s = self.ns(dur, 0.1, 0.45 if c.role == Role.LEG else 5.0)
            ev = Event("rem_twitch", [Burst(c.label, self.i(t), n_s, amp,
                                            str(self.rng.choice(["hann", "fast_rise", "gamma"])))])
            if self.placer.try_place(ev):
                out.append(ev)
        return out

    # ---------------------------------------------------------------- infants
    def bnsm(self) -> list[Event]:
        """Benign neonatal sleep myoclonus: clusters of jerks at 1-5 Hz lasting seconds,
        in any sleep stage, stopping abruptly on arousal (Maurer et al., Pediatrics 2010;
        Di Capua et al., Mov Disord 1993). Jerk bursts 40-150 ms on limbs
        (shorter than the shortest inter-jerk interval at 4 Hz, so jerks never overlap)."""
        rate = self.sc.rates.bnsm_clusters_per_hour
        out: list[Event] = []
        if rate <= 0:
            return out
        limbs = self.by_role.get(Role.ARM, []) + self.by_role.get(Role.LEG, [])
        if not limbs:
            return out
        n = _poisson(self.rng, rate * _seconds_in(self.hyp, SLEEP) / 3600.0)
        cluster_id = 0
        for t in _times_in_stages(self.hyp, SLEEP, n, self.rng, self.duration_s):
            rate_hz = self.rng.uniform(1.5, 4.0)  # 1-5 Hz repetition
            span = self.rng.uniform(3.0, 15.0)  # clusters last seconds
            n_j = max(3, int(span * rate_hz))
            # the cluster keeps one body pattern (e.g. both arms), as clinicians describe
            k = int(self.rng.integers(1, min(4, len(limbs)) + 1))
            chans = [limbs[j] for j in self.rng.choice(len(limbs), size=k, replace=False)]
            evs, tt = [], t
            for _ in range(n_j):
                amp = self.rng.uniform(30.0, 150.0)
                bursts = [Burst(c.label, self.i(tt + self.rng.uniform(0.0, 0.02)),
                                self.ns(self.rng.uniform(0.04, 0.15)), amp * self.rng.uniform(0.6, 1.0),
                                "fast_rise") for c in chans]
                evs.append(Event("neonatal_myoclonus", bursts, extra={"cluster_id": cluster_id}))
                tt += (1.0 / rate_hz) * self.rng.uniform(0.85, 1.15)
            a = min(b.onset_i for b in evs[0].bursts)
            b_ = max(b.onset_i + b.n for e in evs for b in e.bursts)
            if int(self.hyp.stage_at(tt)[0]) not in SLEEP or not self.placer.fits(a, b_):
                continue
            self.placer.add(a, b_)
            if self.rng.random() < 0.5:  # the cluster stops abruptly on an arousal
                evs[-1].arousal = True
            out.extend(evs)
            cluster_id += 1
        return out

    # -------------------------------------------------------- cortical myoclonus
    def cortical(self, transients: list[EegTransient]) -> list[Event]:
        """Cortical myoclonus: 20-40 ms bursts (cortical ~31 ms, van der Veen et al. 2024)
        in arm/leg muscles, each preceded by a contralateral central EEG transient whose
        positive peak leads EMG onset by ~20 ms for arms and 30-45 ms for legs
        (Shibasaki, J Clin Neurophysiol 1992)."""
        rate = self.sc.rates.cortical_jerks_per_hour
        out: list[Event] = []
        if rate <= 0:
            return out
        limbs = self.by_role.get(Role.ARM, []) + self.by_role.get(Role.LEG, [])
        eeg = {c.label for c in self.sc.channels if c.role == Role.EEG}
        if not limbs:
            return out
        stages = (W, N1, N2)  # cortical myoclonus wanes in deep sleep (Shibasaki 1992)
        # corticomuscular conduction time is fixed per muscle in a patient: one lead per
        # limb for the night, +-2 ms jitter per jerk
        lead_arm = self.rng.uniform(0.015, 0.025)
        lead_leg = self.rng.uniform(0.030, 0.045)
        n = _poisson(self.rng, rate * self.duration_s / 3600.0)
        for t in _times_in_stages(self.hyp, stages, n, self.rng, self.duration_s):
            c = limbs[int(self.rng.integers(len(limbs)))]
            chans = [c]
            if self.rng.random() < 0.3:  # arm + leg of the same side
                other = [x for x in limbs if x.side == c.side and x.role != c.role]
                chans += other[:1]
            bursts, leads = [], []
            for ch in chans:
                base = lead_arm if ch.role == Role.ARM else lead_leg
                lo, hi = (0.015, 0.025) if ch.role == Role.ARM else (0.030, 0.045)
                lead_s = float(np.clip(base + self.rng.normal(0.0, 0.002), lo, hi))
                leads.append(lead_s)
                bursts.append(Burst(ch.label, 0, self.ns(self.rng.uniform(0.020, 0.040), 0.020, 0.040),
                                    self.rng.uniform(50.0, 200.0), "fast_rise"))
            # one cortical discharge at time td; each muscle fires td + its own lead
            td = t
            for b, lead in zip(bursts, leads):
                b.onset_i = self.i(td + lead)
            ev = Event("cortical_myoclonus", bursts)
            if not self.placer.try_place(ev):
                continue
            first = min(bursts, key=lambda b: b.onset_i)
            first_lead = leads[bursts.index(first)]
            contra = "C3-M2" if c.side == Side.RIGHT else "C4-M1"
            ipsi = "C4-M1" if contra == "C3-M2" else "C3-M2"
            amp = self.rng.uniform(20.0, 45.0)
            peak_s = first.onset_i / self.fs - first_lead
            if contra in eeg:
                transients.append(EegTransient(contra, peak_s, amp))
            if ipsi in eeg:
                transients.append(EegTransient(ipsi, peak_s, 0.3 * amp))
            ev.extra["eeg_lead_ms"] = round(1000.0 * first_lead, 3)
            out.append(ev)
        return out

    # ---------------------------------------------------------- functional jerks
    def functional(self, transients: list[EegTransient]) -> list[Event]:
        """Functional (psychogenic) jerks in wakefulness, each preceded by a
        Bereitschaftspotential (Terada et al., JNNP 1995; van der Salm et al., JNNP 2012).

        BP: a slow negativity starting 1-2 s before EMG onset, maximal over the vertex and
        central sites, reaching 5-12 uV at movement onset (early BP then the steeper late
        BP / NS' of the last ~400 ms; Shibasaki & Hallett, Clin Neurophysiol 2006). EMG:
        longer and more variable bursts than cortical myoclonus (mostly > 100 ms, 70-500 ms
        here; median burst >= 100 ms argues against cortical myoclonus, van der Veen et al.
        2024), one or several limb muscles with variable recruitment (tens of ms)."""
        rate = self.sc.rates.functional_jerks_per_wake_min
        out: list[Event] = []
        limbs = self.by_role.get(Role.ARM, []) + self.by_role.get(Role.LEG, [])
        if rate <= 0 or not limbs:
            return out
        gains = {lab: _bp_site_gain(lab) for lab in (c.label for c in self.sc.channels if c.role == Role.EEG)}
        n = _poisson(self.rng, rate * _seconds_in(self.hyp, (W,)) / 60.0)
        for t in _times_in_stages(self.hyp, (W,), n, self.rng, self.duration_s):
            k = int(self.rng.integers(1, min(3, len(limbs)) + 1))
            chans = [limbs[j] for j in self.rng.choice(len(limbs), size=k, replace=False)]
            amp = self.rng.uniform(40.0, 200.0)
            bursts = []
            for j, c in enumerate(chans):
                lag = 0.0 if j == 0 else self.rng.uniform(0.0, 0.08)
                dur = float(np.clip(self.rng.lognormal(np.log(0.15), 0.45), 0.07, 0.5))
                bursts.append(Burst(c.label, self.i(t + lag), self.ns(dur, 0.07, 0.5), amp * self.rng.uniform(0.6, 1.0),
                                    str(self.rng.choice(["hann", "gamma", "plateau"]))))
            ev = Event("myoclonic_jerk", bursts)
            if not self.placer.try_place(ev):
                continue
            onset_s = min(b.onset_i for b in bursts) / self.fs
            bp_uv = self.rng.uniform(5.0, 12.0)
            rise = self.rng.uniform(1.0, 2.0)
            for lab, g in gains.items():
                if g > 0:
                    transients.append(EegTransient(lab, onset_s, g * bp_uv, kind="bp", rise_s=rise))
            ev.extra["bp_uv"] = round(bp_uv, 3)
            out.append(ev)
        return out

    # ---------------------------------------------------- propriospinal myoclonus
    def propriospinal(self) -> list[Event]:
        """Propriospinal myoclonus at sleep onset: 100-400 ms axial jerks in relaxed
        wakefulness, starting in rectus abdominis (T10) and spreading up and down the cord at
        3-11 m/s (mean ~5) to every muscle of the montage innervated along it (Brown et al.,
        Brain 1991; Vetrugno et al., Sleep 2001; Montagna et al. 2006).

        Each muscle's EMG starts when the spread reaches its segment (cord distance / velocity)
        plus its motor nerve's conduction (nerve length / motor velocity): about 15 ms more to
        tibialis anterior than to a paraspinal muscle.  Segments and nerve lengths are those of
        :mod:`myosleep.classification.anatomy`; each sleeper has one body size (cord and nerve
        lengths x 0.9-1.1, adults of 1.58-1.93 m; cord length scales with height, Frostell et
        al. 2016) and one motor conduction velocity (50-60 m/s, Kimura 2013), which the
        classifier does not know."""
        from ..classification.anatomy import SEGMENT_CM, muscle_at

        rate = self.sc.rates.propriospinal_per_onset
        out: list[Event] = []
        muscles = [(c, m) for c in self.emg if c.role != Role.CHIN and (m := muscle_at(c.label, c.role.value))]
        axial = [(c, m) for c, m in muscles if c.role == Role.AXIAL]
        if rate <= 0 or not axial:
            return out
        gen, gen_m = min(axial, key=lambda a: abs(a[1].cord_cm - SEGMENT_CM["T10"]))  # rectus abdominis
        size = float(self.rng.uniform(0.9, 1.1))  # this sleeper's body size
        cv_m_s = float(self.rng.uniform(50.0, 60.0))  # this sleeper's motor conduction velocity
        for tb in sleep_onset_transitions_s(self.hyp):
            # relaxed wakefulness in the 10 minutes before each (re-)onset
            t_lo = max(1.0, tb - 600.0)
            n = _poisson(self.rng, rate * (tb - t_lo) / 60.0)
            for t in np.sort(self.rng.uniform(t_lo, tb - 1.0, n)):
                if int(self.hyp.stage_at(t)[0]) != W:
                    continue
                v_m_s = self._cord_velocity_m_s()
                dur0 = float(np.clip(self.rng.lognormal(np.log(0.2), 0.4), 0.1, 1.0))
                amp = self.rng.uniform(50.0, 200.0)
                bursts = []
                for c, m in muscles:  # t: the generator's segment fires
                    delay_s = (abs(m.cord_cm - gen_m.cord_cm) * size / 100.0 / v_m_s
                               + m.nerve_cm * size / 100.0 / cv_m_s)
                    bursts.append(Burst(c.label, self.i(t + delay_s), self.ns(dur0 * self.rng.uniform(0.8, 1.2)),
                                        amp * (1.0 if c is gen else self.rng.uniform(0.4, 0.9)), "fast_rise"))
                ev = Event("propriospinal_myoclonus", bursts, extra={"velocity_m_s": round(v_m_s, 3)})
                if self.placer.try_place(ev):
                    out.append(ev)
        return out

    def _cord_velocity_m_s(self) -> float:
        """A spread velocity along the cord: normal, mean 5 m/s, SD 1.5, within 3-11 m/s
        (DESIGN.md; Montagna et al. 2006), redrawn outside the range rather than clipped (a
        clip would put 9 % of the jerks exactly on the 3 m/s bound)."""
        while True:
            v = float(self.rng.normal(5.0, 1.5))
            if 3.0 <= v <= 11.0:
                return v

    # ------------------------------------------------------------ body movements
    def body_movements(self) -> list[Event]:
        """Gross body movements: 2-15 s, every EMG channel, mostly in wake or at stage
        shifts (Wilde-Frenz & Schulz, Sleep 1983)."""
        rate = self.sc.rates.body_movements_per_hour
        out: list[Event] = []
        if rate <= 0:
            return out
        n = _poisson(self.rng, rate * self.duration_s / 3600.0)
        shifts = np.array([on for _, on, _ in stage_runs(self.hyp)][1:])
        for _ in range(n):
            for _attempt in range(10):
                if shifts.size and self.rng.random() < 0.7:
                    t = float(self.rng.choice(shifts)) + self.rng.uniform(-20.0, 10.0)
                else:
                    t = float(self.rng.uniform(1.0, self.duration_s - 20.0))
                dur = self.rng.uniform(2.0, 15.0)
                bursts = [Burst(c.label, self.i(t + self.rng.uniform(0.0, 0.3)), self.ns(dur),
                                self.rng.uniform(30.0, 150.0), "plateau") for c in self.emg]
                ev = Event("body_movement", bursts)
                if self.placer.try_place(ev):
                    out.append(ev)
                    break
        return out


def _bp_site_gain(label: str) -> float:
    """Bereitschaftspotential amplitude at an EEG site relative to the vertex: ~1 at
    central sites, smaller frontally, little over the occiput (Shibasaki & Hallett 2006)."""
    head = label.strip().upper()[:1]
    return {"C": 1.0, "F": 0.6, "P": 0.6, "O": 0.15}.get(head, 0.5)


def _rswa_epochs(sc: Scenario, hyp: Hypnogram, rng: np.random.Generator) -> np.ndarray:
    """REM epochs with tonic chin activity, in runs of 2-6 epochs (RSWA)."""
    frac = sc.rates.rswa_tonic_fraction
    rem = np.flatnonzero(hyp.stages == R)
    if frac <= 0 or rem.size == 0:
        return np.empty(0, dtype=int)
    chosen: set[int] = set()
    target = int(round(frac * rem.size))
    while len(chosen) < target:
        start = int(rng.choice(rem))
        run = int(rng.integers(2, 7))
        chosen.update(e for e in range(start, start + run) if hyp.stages[min(e, hyp.n_epochs - 1)] == R
                      and e < hyp.n_epochs)
    return np.array(sorted(chosen), dtype=int)


def generate_truth(sc: Scenario, hyp: Hypnogram, *, fs_emg: float, n_emg: int,
                   rng: np.random.Generator) -> Truth:
    """Draw every event of the night; scenario-defining events are placed first."""
    g = _Gen(sc, hyp, fs_emg, n_emg, rng)
    transients: list[EegTransient] = []
    events: list[Event] = []
    events += g.bnsm()
    events += g.plm_series()
    events += g.cortical(transients)
    events += g.functional(transients)
    events += g.propriospinal()
    events += g.hypnic_jerks()
    events += g.body_movements()
    events += g.rem_twitches()
    events += g.isolated_lms()
    events += g.fragmentary()
    events.sort(key=lambda e: min(b.onset_i for b in e.bursts))
    # EEG arousals: start within 0.5 s of the event's end (AASM association rule for
    # LM/arousal, < 0.5 s between them), last 3-15 s (AASM arousal >= 3 s; most < 15 s).
    arousals = []
    for ev in events:
        end = max(b.onset_i + b.n for b in ev.bursts) / fs_emg
        on = min(b.onset_i for b in ev.bursts) / fs_emg
        if ev.arousal and int(hyp.stage_at(on)[0]) in SLEEP:
            a_on = end + float(rng.uniform(0.1, 0.5))
            a_dur = float(rng.uniform(3.0, 15.0))
            a_dur = min(a_dur, n_emg / fs_emg - a_on - 0.1)
            if a_dur >= 3.0:
                arousals.append((a_on, a_dur))
                ev.extra["arousal_onset"] = round(a_on, 4)
                ev.extra["arousal_duration"] = round(a_dur, 4)
                continue
        ev.arousal = False
    return Truth(events, transients, arousals, _rswa_epochs(sc, hyp, rng))


def aasm_periodic(onsets_s: np.ndarray, *, min_interval_s: float = 5.0, max_interval_s: float = 90.0,
                  min_count: int = 4) -> np.ndarray:
    """Which leg movements belong to a PLM series (AASM 2.5: >= 4 LMs, onset-to-onset
    intervals 5-90 s). ``onsets_s`` sorted; LMs on both legs with onsets < 5 s apart have
    already been merged into one event by the caller."""
    on = np.asarray(onsets_s, dtype=float)
    out = np.zeros(on.size, dtype=bool)
    if on.size == 0:
        return out
    start = 0
    for k in range(1, on.size + 1):
        broken = k == on.size or not (min_interval_s <= on[k] - on[k - 1] <= max_interval_s)
        if broken:
            if k - start >= min_count:
                out[start:k] = True
            start = k
    return out
