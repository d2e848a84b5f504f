"""Is the resting level what keeps REM-twitch durations above the goal? (docs/detection.md, "The floor").

Detects the RSBD and infant nights of ``eval_rates.py`` at one rate twice: as the detector reads
them, and with the resting level its edges are read against (``rest_on``/``rest_off`` of
``detection.bursts._place_short_edges``) replaced by the truth's: ``sqrt(gt**2 tone**2 + gn**2
noise**2)`` of the simulated tone at each burst (``myosleep.simulate.emg.scored_span``'s ``R``).
Prints, for the REM twitches standing >= 3x rest (the tables' rule), the 90th percentile of
|duration error| overall and by true duration, and how the detector's level compares with the
truth's at the bursts it reads (the ratio's median and 10th-90th percentiles, per channel).
A diagnostic: it patches two private functions for the run.

    .venv/bin/python benchmarks/diag_rest_level.py [RATE_HZ] [SEEDS]      # 512 1,2,3: ~25 s
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import myosleep.detection.bursts as bursts  # noqa: E402
import myosleep.detection.run as run  # noqa: E402
import myosleep.simulate.core as core  # noqa: E402
from eval_rates import MIN_SNR, night  # noqa: E402
from myosleep.detection import detect  # noqa: E402
from myosleep.simulate import simulate_night  # noqa: E402
from myosleep.simulate.emg import band_gains  # noqa: E402
from myosleep.simulate.truth import resting_rms_before  # noqa: E402
from myosleep.vocab import Role  # noqa: E402
from tests.detection._detect_helpers import SimRecording, match_bursts  # noqa: E402

SCENARIOS = ("rsbd", "infant_bnsm")
_EMG = (Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL)


def run_nights(rate: float, seeds: list[int], oracle: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    tones: list[np.ndarray] = []
    state: dict[str, object] = {}
    levels: list[pd.DataFrame] = []
    tone_profile, detect_channel, place = core.tone_profile, run.detect_channel, bursts._place_short_edges

    def recording_tone(*a, **k):
        t = tone_profile(*a, **k)
        tones.append(t)
        return t

    def channel(x, sfreq, *, label, **k):
        state["label"], state["R"] = label, state["levels"][label]
        return detect_channel(x, sfreq, label=label, **k)

    def edges(filtered, sfreq, s, e, removed, *, rest_on, rest_off, delay_s, **k):
        true = state["R"]
        d = int(round(delay_s * sfreq))
        t_on, t_off = true[np.clip(s - d, 0, true.size - 1)], true[np.clip(e - d, 0, true.size - 1)]
        levels.append(pd.DataFrame({"channel": state["label"], "on": rest_on / t_on, "off": rest_off / t_off}))
        if oracle:
            rest_on, rest_off = t_on.astype(float), t_off.astype(float)
        return place(filtered, sfreq, s, e, removed, rest_on=rest_on, rest_off=rest_off, delay_s=delay_s, **k)

    core.tone_profile, run.detect_channel, bursts._place_short_edges = recording_tone, channel, edges
    rows = []
    try:
        gt, gn = band_gains(rate)
        for sc in SCENARIOS:
            for seed in seeds:
                tones.clear()
                hours, hyp, _ = night(sc)
                sim = simulate_night(sc, hours=hours, seed=seed, sfreq_emg=rate, hypnogram=hyp)
                emg = [c for c in sim.channels if c.role in _EMG]
                state["levels"] = {c.label: np.sqrt((gt * t.astype(float)) ** 2 + (gn * core.AMPLIFIER_NOISE_UV) ** 2)
                                   for c, t in zip(emg, tones, strict=True)}
                b = detect(SimRecording(sim), workers=1).bursts
                truth = sim.bursts.merge(sim.events[["event_id", "trial_type"]], on="event_id")
                for ch, t in truth.groupby("channel"):
                    rest = resting_rms_before(sim.channel(ch).data, sim.channel(ch).sfreq, t.onset.to_numpy())
                    t = t[(t.trial_type == "rem_twitch").to_numpy() & (t.peak_amplitude_uv.to_numpy() >= MIN_SNR * rest)]
                    d = b[(b.channel == ch) & (b.detector == "short")]
                    on, off = t.onset.to_numpy(), (t.onset + t.duration).to_numpy()
                    pairs, _, _ = match_bursts(on, off, d.onset.to_numpy(), d.offset_s.to_numpy())
                    for i, j in pairs:
                        rows.append({"dur": off[i] - on[i], "err": (d.offset_s.iloc[j] - d.onset.iloc[j]) - (off[i] - on[i])})
    finally:
        core.tone_profile, run.detect_channel, bursts._place_short_edges = tone_profile, detect_channel, place
    return pd.DataFrame(rows), pd.concat(levels, ignore_index=True)


def main() -> None:
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 512.0
    seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1, 2, 3]
    for oracle in (False, True):
        df, lv = run_nights(rate, seeds, oracle)
        a = np.abs(df.err) * 1000
        parts = []
        for name, m in (("< 0.25 s", df.dur < 0.25), ("0.25-0.8 s", (df.dur >= 0.25) & (df.dur < 0.8)),
                        (">= 0.8 s", df.dur >= 0.8)):
            parts.append(f"{name} {np.percentile(a[m], 90):.1f} (n={int(m.sum())})")
        label = "true resting level" if oracle else "detector's level  "
        print(f"{rate:g} Hz, {label}: REM twitches n={len(df)}, duration |error| p90 {np.percentile(a, 90):.1f} ms "
              f"(median {1000 * df.err.median():+.1f}); by true duration: " + ", ".join(parts))
        if not oracle:
            r = lv["off"]
            print(f"  detector's / true resting level at the offsets: median {r.median():.3f}, "
                  f"p10-p90 {r.quantile(0.1):.3f}-{r.quantile(0.9):.3f} ({len(r)} candidate bursts)")


if __name__ == "__main__":
    main()
