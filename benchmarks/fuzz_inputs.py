"""Robustness sweep: EDF/BDF files as other labs write them, through the CLI, with a verdict each.

Synthetic files are written into a temporary folder (edfio for what it writes; header bytes
patched, digital samples rewritten or the data cut for what it will not write), and every
case runs ``myosleep info --json``, ``detect``, ``analyze`` (with and without ``--hypnogram``,
with ``--age``) and ``export`` as subprocesses, the way a reviewer would.  Content comes from
the simulator (:func:`myosleep.simulate.simulate_night`, a PLMD night on a fixed hypnogram),
so each case knows what the right answer is:

* a file that holds the same physical signals as the reference (other units, an inverted
  range, BDF, extra trailing bytes, another date, no annotation signal...) must give the
  reference's bursts (same count within 5 %, matched onsets within 10 ms);
* a file at another sampling rate must find the simulator's leg movements (recall, onset error);
* labels must get the roles a technologist would give them;
* anything refused must be exit status 2 with one line (what, where, what to do) and no output
  folder left behind; anything else (exit 1, a traceback, a second line) is a failure.

Classes: sampling rates and record durations (non-integer rates), labels, units, physical and
digital ranges, header fields (dates, record counts, EDF+C/D, truncation, length), content
(flat, saturated, DC offset, mains hum, disconnection, a giant artefact), hypnograms that do
not fit the recording, and exports of the analyses.

    .venv/bin/python benchmarks/fuzz_inputs.py [--only SUBSTRING] [--keep DIR] [--no-yasa]

Prints one row per command: case, command, exit status, first line of stderr, verdict; and a
count of verdicts at the end.  Takes ~5 min on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MYOSLEEP = [sys.executable, "-m", "myosleep.cli"]
if (REPO / ".venv" / "bin" / "myosleep").exists():
    MYOSLEEP = [str(REPO / ".venv" / "bin" / "myosleep")]

#: Minutes of the reference night: W 2, N1 1, N2 12 (a PLMD night: leg movements every 20-40 s).
NIGHT_MIN = 15
#: Physical range of EMG/EEG/EOG in uV, and of the ECG (as ``myosleep.simulate.write``).
RANGE_UV, ECG_RANGE_UV = 3000.0, 5000.0


sys.path.insert(0, str(REPO))
from tests.conftest import make_fixtures  # noqa: E402  (the repository's tests package)

FIX = make_fixtures()


# --------------------------------------------------------------------------- content
@cache
def night():
    """The reference night (Simulation): PLMD, 15 min, EMG at 512 Hz, EEG at 256 Hz."""
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night
    from myosleep.vocab import Stage as S

    stages = np.r_[np.full(4, int(S.W)), np.full(2, int(S.N1)), np.full(24, int(S.N2))].astype(np.int8)
    hyp = Hypnogram(stages=stages, epoch_s=30.0, source="simulated")
    return simulate_night("plmd", seed=2, hypnogram=hyp)


def resample(x: np.ndarray, fs_from: float, fs_to: float, n: int) -> np.ndarray:
    """``x`` at ``fs_to`` (polyphase), ``n`` samples."""
    from scipy.signal import resample_poly

    if fs_to == fs_from:
        y = np.asarray(x, float)
    else:
        r = Fraction(fs_to / fs_from).limit_denominator(4096)
        y = resample_poly(np.asarray(x, float), r.numerator, r.denominator)
    return np.resize(y, n) if y.size < n else y[:n]


@dataclass
class Ch:
    """One channel to write: label, samples in ``unit``, rate, role it has in the simulation."""

    label: str
    data: np.ndarray
    sfreq: float
    unit: str = "uV"
    prange: tuple[float, float] | None = None
    drange: tuple[int, int] | None = None
    role: str = ""


def montage(*, emg_hz: float | None = None, eeg_hz: float | None = None, seconds: float | None = None,
            labels: dict[str, str] | None = None) -> list[Ch]:
    """The reference night's channels, optionally at other rates, cut to ``seconds``, relabelled."""
    sim = night()
    out = []
    for c in sim.channels:
        fs = float(c.sfreq)
        is_emg = c.role.value in ("chin", "leg", "arm", "axial", "ecg")
        new_fs = (emg_hz if is_emg else eeg_hz) or fs
        dur = seconds if seconds is not None else sim.duration_s
        n = int(round(dur * new_fs))
        x = resample(c.data, fs, new_fs, n)
        lim = ECG_RANGE_UV if c.role.value == "ecg" else RANGE_UV
        out.append(Ch((labels or {}).get(c.label, c.label), np.clip(x, -lim, lim), new_fs,
                      prange=(-lim, lim), role=c.role.value))
    return out


# --------------------------------------------------------------------------- writers
def write(path: Path, chans: Sequence[Ch], *, record_s: float = 1.0, bdf: bool = False, plus: bool = False,
          start: dt.datetime = dt.datetime(2021, 3, 4, 22, 30, 0)) -> Path:
    """Write with edfio; a record duration edfio will not take (non-integer rates) is patched in.

    Each channel's samples per record are ``sfreq * record_s`` (rounded); the file is written
    with 1-s records of that many samples and the record-duration field is then patched.
    """
    import edfio

    sig_cls, file_cls = (edfio.BdfSignal, edfio.Bdf) if bdf else (edfio.EdfSignal, edfio.Edf)
    spr = [int(round(c.sfreq * record_s)) for c in chans]
    n_rec = min(int(c.data.size // s) for c, s in zip(chans, spr))
    sigs = []
    for c, s in zip(chans, spr):
        kw = {"label": c.label, "physical_dimension": c.unit}
        if c.prange is not None:
            kw["physical_range"] = c.prange
        if c.drange is not None:
            kw["digital_range"] = c.drange
        sigs.append(sig_cls(np.asarray(c.data[: n_rec * s], float), s, **kw))
    kw = {}
    if plus:
        kw["annotations"] = [edfio.EdfAnnotation(0.0, None, "Recording starts")]
    edf = file_cls(sigs, data_record_duration=1.0, starttime=start.time(),
                   recording=edfio.Recording(startdate=start.date()), **kw)
    edf.write(path)
    if record_s != 1.0:
        FIX.patch_main_field(path, 244, 8, f"{record_s:g}")
    if not plus:  # edfio writes "EDF+C" reserved fields and an annotation signal only with annotations
        assert b"EDF Annotations" not in path.read_bytes()[:256 * (len(chans) + 2)]
    return path


def ns_of(path: Path) -> int:
    return int(path.read_bytes()[252:256].decode().strip())


def field_value(path: Path, index: int, name: str) -> str:
    raw = path.read_bytes()
    ns, pos = ns_of(path), 256
    for fname, width in FIX._FIELD_WIDTHS:
        if fname == name:
            return raw[pos + index * width: pos + (index + 1) * width].decode("latin-1").strip()
        pos += width * ns
    raise KeyError(name)


def rewrite_digital(path: Path, index: int, fn: Callable[[np.ndarray], np.ndarray]) -> None:
    """Replace the digital samples of signal ``index`` by ``fn(samples)`` (EDF 16 bit)."""
    raw = bytearray(path.read_bytes())
    ns = ns_of(path)
    spr = [int(field_value(path, i, "samples_per_record")) for i in range(ns)]
    head = 256 * (ns + 1)
    rec_bytes = 2 * sum(spr)
    n_rec = (len(raw) - head) // rec_bytes
    data = np.frombuffer(bytes(raw[head: head + n_rec * rec_bytes]), "<i2").reshape(n_rec, -1).copy()
    a = sum(spr[:index])
    flat = data[:, a: a + spr[index]].reshape(-1).astype(np.int64)
    data[:, a: a + spr[index]] = np.clip(fn(flat), -32768, 32767).astype("<i2").reshape(n_rec, -1)
    raw[head: head + n_rec * rec_bytes] = data.tobytes()
    path.write_bytes(bytes(raw))


def index_of(path: Path, label: str) -> int:
    return next(i for i in range(ns_of(path)) if field_value(path, i, "label") == label)


def write_hypnogram_edf(path: Path, stages: Sequence[str], start: dt.datetime) -> Path:
    """An annotation-only EDF+ hypnogram (AASM labels, 30-s epochs) starting at ``start``."""
    import edfio

    anns = [edfio.EdfAnnotation(30.0 * i, 30.0, f"Sleep stage {s}") for i, s in enumerate(stages)]
    edf = edfio.Edf([], annotations=anns, starttime=start.time(), recording=edfio.Recording(startdate=start.date()))
    edf.write(path)
    return path


def write_hypnogram_tsv(path: Path, stages: Sequence[str], *, start_s: float = 0.0) -> Path:
    rows = ["onset\tduration\tstage"] + [f"{start_s + 30 * i:.3f}\t30.000\t{s}" for i, s in enumerate(stages)]
    path.write_text("\n".join(rows) + "\n")
    return path


def write_hypnogram_rml(path: Path, stages: Sequence[str], start: dt.datetime) -> Path:
    """A Philips Respironics RML (Alice, Sleepware G3): the scorer's AASM stage changes, 30-s epochs."""
    words = {"W": "Wake", "N1": "NonREM1", "N2": "NonREM2", "N3": "NonREM3", "R": "REM"}
    changes = "".join(f'<Stage Type="{words[s]}" Start="{30 * i}"/>' for i, s in enumerate(stages)
                      if i == 0 or s != stages[i - 1])
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<PatientStudy xmlns="http://www.respironics.com/PatientStudy.xsd">'
        f"<Acquisition><Sessions><Session><RecordingStart>{start.isoformat()}</RecordingStart>"
        f"<Duration>{30 * len(stages)}</Duration></Session></Sessions></Acquisition>"
        f"<ScoringData><StagingData><UserStaging><NeuroAdultAASMStaging>{changes}</NeuroAdultAASMStaging>"
        "</UserStaging></StagingData><Events/></ScoringData></PatientStudy>\n")
    return path


def true_stages() -> list[str]:
    return [{0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R"}[int(s)] for s in night().hypnogram.stages]


# --------------------------------------------------------------------------- running and judging
@dataclass
class Result:
    case: str
    command: str
    status: int
    stderr: str
    verdict: str


@dataclass
class Case:
    name: str
    group: str
    build: Callable[[Path], Path]
    #: "ok" (exit 0 expected), "refuse" (exit 2 expected), or a callable(command, status) -> expected str
    expect: str | dict[str, str] = "ok"
    commands: tuple[str, ...] = ("info", "detect")
    #: extra checks: name -> callable(ctx) -> problem or None, run after each command
    checks: dict[str, Callable[..., str | None]] = field(default_factory=dict)
    hypnogram: Callable[[Path], Path] | None = None
    age: str | None = None


def run_cli(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    env = dict(os.environ, MYOSLEEP_DEBUG="")
    p = subprocess.run([*MYOSLEEP, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    return p.returncode, p.stdout, p.stderr


def contract_problems(status: int, stderr: str, out: Path | None) -> list[str]:
    """What breaks the CLI contract: exit 1, a traceback, more than one line for a refusal, leftovers."""
    problems = []
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    if status not in (0, 2):
        problems.append(f"exit {status}")
    if "Traceback" in stderr:
        problems.append("traceback")
    if status == 2:
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        if out is not None and out.exists() and any(out.iterdir()):
            problems.append(f"left {sorted(p.name for p in out.iterdir())} behind")
    return problems


def read_tsv(path: Path):
    import pandas as pd

    return pd.read_csv(path, sep="\t", na_values="n/a")


@cache
def reference_bursts_path() -> Path:
    return REFERENCE["bursts"]


REFERENCE: dict[str, Path] = {}


def compare_bursts(bursts_tsv: Path, *, label_map: dict[str, str] | None = None) -> str | None:
    """Problem when the bursts differ from the reference night's (count, onsets, amplitudes)."""
    ref = read_tsv(REFERENCE["bursts"])
    got = read_tsv(bursts_tsv)
    if label_map:
        got = got.assign(channel=got.channel.map(lambda c: label_map.get(c, c)))
    if abs(len(got) - len(ref)) > max(1, 0.05 * len(ref)):
        return f"{len(got)} bursts vs reference {len(ref)}"
    errs, amp = [], []
    for _, r in ref.iterrows():
        g = got[(got.channel == r.channel) & (got.detector == r.detector)]
        if len(g) == 0:
            continue
        j = int(np.argmin(np.abs(g.onset.to_numpy() - r.onset)))
        errs.append(abs(g.onset.iloc[j] - r.onset))
        amp.append(g.peak_amplitude_uv.iloc[j] / r.peak_amplitude_uv)
    if not errs:
        return "no burst matches the reference"
    if np.median(errs) > 0.010:
        return f"onsets {1000 * np.median(errs):.0f} ms from the reference (median)"
    if abs(np.median(amp) - 1) > 0.05:
        return f"amplitudes x{np.median(amp):.3g} of the reference"
    return None


def lm_recall(bursts_tsv: Path, *, shift_s: float = 0.0) -> tuple[float, float, int]:
    """(recall, median |onset error| s, n truth) of the simulator's leg movements by ``lm`` bursts."""
    truth = night().events
    lm = truth[truth.trial_type == "leg_movement"].onset.to_numpy() + shift_s
    got = read_tsv(bursts_tsv)
    d = got[got.detector == "lm"].onset.to_numpy()
    if lm.size == 0:
        return float("nan"), float("nan"), 0
    if d.size == 0:
        return 0.0, float("nan"), lm.size
    err = np.array([np.min(np.abs(d - t)) for t in lm])
    hit = err <= 0.5
    return float(hit.mean()), float(np.median(err[hit])) if hit.any() else float("nan"), lm.size


# --------------------------------------------------------------------------- checks
def info_check(fn: Callable[[dict], str | None]) -> Callable[..., str | None]:
    def check(command: str, status: int, stdout: str, out: Path | None) -> str | None:
        if command != "info" or status != 0:
            return None
        return fn(json.loads(stdout))
    return check


def detect_check(fn: Callable[[Path], str | None]) -> Callable[..., str | None]:
    def check(command: str, status: int, stdout: str, out: Path | None) -> str | None:
        if command != "detect" or status != 0 or out is None:
            return None
        return fn(out / "bursts.tsv")
    return check


def summary_check(fn: Callable[[dict], str | None]) -> Callable[..., str | None]:
    def check(command: str, status: int, stdout: str, out: Path | None) -> str | None:
        if not command.startswith("analyze") or status != 0 or out is None:
            return None
        return fn(json.loads((out / "summary.json").read_text()))
    return check


def same_as_reference(**kw) -> dict[str, Callable[..., str | None]]:
    return {"same bursts": detect_check(lambda p: compare_bursts(p, **kw))}


def roles_are(expected: dict[str, str]) -> dict[str, Callable[..., str | None]]:
    def fn(info: dict) -> str | None:
        got = {c["label"]: c["role"] for c in info["channels"]}
        bad = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
        return None if not bad else "roles " + ", ".join(f"{k!r}: {g} (want {v})" for k, (g, v) in bad.items())
    return {"roles": info_check(fn)}


def rates_are(expected: dict[str, float], duration_s: float) -> Callable[..., str | None]:
    def fn(info: dict) -> str | None:
        probs = []
        for c in info["channels"]:
            if c["label"] in expected and abs(c["sfreq"] - expected[c["label"]]) > 1e-6:
                probs.append(f"{c['label']} at {c['sfreq']} Hz (want {expected[c['label']]})")
        if abs(info["duration_s"] - duration_s) > 1.0:
            probs.append(f"duration {info['duration_s']} s (want {duration_s})")
        return "; ".join(probs) or None
    return info_check(fn)


def lm_found(min_recall: float, *, shift_s: float = 0.0, max_err_s: float = 0.1) -> Callable[..., str | None]:
    def fn(p: Path) -> str | None:
        rec, err, n = lm_recall(p, shift_s=shift_s)
        if n == 0:
            return None
        if rec < min_recall:
            return f"leg-movement recall {rec:.2f} < {min_recall} ({n} true)"
        if err == err and err > max_err_s:
            return f"leg-movement onsets {1000 * err:.0f} ms off (median)"
        return None
    return detect_check(fn)


def start_is(iso: str | None, known: bool = True) -> Callable[..., str | None]:
    def fn(info: dict) -> str | None:
        if info.get("start_datetime") != iso:
            return f"start {info.get('start_datetime')} (want {iso})"
        if bool(info.get("start_date_known")) != known:
            return f"start_date_known {info.get('start_date_known')} (want {known})"
        return None
    return info_check(fn)


def channel_warns(label: str, *words: str) -> Callable[..., str | None]:
    def fn(info: dict) -> str | None:
        ch = next((c for c in info["channels"] if c["label"] == label), None)
        if ch is None:
            return f"no channel {label!r}"
        text = " ".join(ch["warnings"]).lower()
        missing = [w for w in words if w.lower() not in text]
        return f"{label!r} warnings lack {missing}: {ch['warnings']}" if missing else None
    return info_check(fn)


def no_bursts_on(label: str, after_s: float = 0.0, before_s: float = float("inf")) -> Callable[..., str | None]:
    def fn(p: Path) -> str | None:
        b = read_tsv(p)
        bad = b[(b.channel == label) & (b.onset >= after_s) & (b.onset < before_s)]
        return f"{len(bad)} bursts on {label!r} in {after_s:g}-{before_s:g} s" if len(bad) else None
    return detect_check(fn)


def no_pops() -> Callable[..., str | None]:
    """No electrode pop: the reference night has none (at 200-256 Hz the cardiac field's residual
    was read as 37-45 of them before issue 9's defect 14 was fixed)."""
    def fn(p: Path) -> str | None:
        a = read_tsv(p.parent / "artefacts.tsv")
        pops = a[a.kind == "electrode_pop"] if len(a) else a
        return f"{len(pops)} electrode pops (first at {pops.onset.min():.3f} s)" if len(pops) else None
    return detect_check(fn)


def only_true_potentials(tol_s: float = 0.1) -> Callable[..., str | None]:
    """Every fragmentary-myoclonus potential and myoclonic jerk scored is one of the night's own (at
    200-256 Hz the slow tails of leg movements were scored as such before issue 9's defect 17, and the
    cardiac field's residual before defect 14)."""
    def check(command: str, status: int, stdout: str, out: Path | None) -> str | None:
        if not command.startswith("analyze") or status != 0 or out is None:
            return None
        kinds = ["fragmentary_myoclonus", "myoclonic_jerk"]
        truth = night().events
        true_on = truth[truth.trial_type.isin(kinds)].onset.to_numpy()
        ev = read_tsv(out / "events.tsv")
        got = ev[ev.trial_type.isin(kinds)].onset.to_numpy()
        extra = [t for t in got if true_on.size == 0 or np.min(np.abs(true_on - t)) > tol_s]
        return f"{len(extra)} potentials the night does not hold (first at {min(extra):.3f} s)" if extra else None
    return check


def gap_stated(gap: tuple[float, float], duration_s: float) -> Callable[[dict], str | None]:
    """``info --json`` lists the gap, the span includes it, and a warning line says so."""
    def fn(info: dict) -> str | None:
        if info.get("gaps_s") != [list(gap)]:
            return f"gaps_s {info.get('gaps_s')} (want {[list(gap)]})"
        if abs(info["duration_s"] - duration_s) > 1e-6:
            return f"duration {info['duration_s']} s (want {duration_s})"
        return None if any("EDF+D: 1 gap" in w for w in info["warnings"]) else f"no gap line in {info['warnings']}"
    return fn


def no_bursts_between(a: float, b: float) -> Callable[[Path], str | None]:
    def fn(p: Path) -> str | None:
        got = read_tsv(p)
        bad = got[(got.onset + got.duration > a) & (got.onset < b)]
        return f"{len(bad)} bursts in the gap {a:g}-{b:g} s" if len(bad) else None
    return fn


def lms_around_gap(min_recall: float, gap: tuple[float, float]) -> Callable[[Path], str | None]:
    """The simulator's LMs, those after the gap's start moved by its length, found with ``min_recall``."""
    def fn(p: Path) -> str | None:
        truth = night().events
        lm = truth[truth.trial_type == "leg_movement"].onset.to_numpy()
        lm = np.where(lm >= gap[0], lm + (gap[1] - gap[0]), lm)
        got = read_tsv(p)
        d = got[got.detector == "lm"].onset.to_numpy()
        hits = [bool(d.size) and float(np.min(np.abs(d - t))) <= 0.5 for t in lm]
        rec = float(np.mean(hits)) if lm.size else float("nan")
        return f"leg-movement recall {rec:.2f} < {min_recall} around the gap ({lm.size} true)" \
            if rec < min_recall else None
    return fn


def gap_in_summary(gap: tuple[float, float]) -> Callable[[dict], str | None]:
    """summary.json states the gap, and that a hypnogram as long as the recording without it is suspect."""
    def fn(s: dict) -> str | None:
        if s["inputs"]["recording"].get("gaps_s") != [list(gap)]:
            return f"summary gaps_s {s['inputs']['recording'].get('gaps_s')}"
        if not any(w["code"] == "recording_gaps" for w in s["warning_details"]):
            return "no recording_gaps warning"
        if not any("about the length of its gaps" in w for w in s["warnings"]):
            return "a hypnogram scored without the gap is not questioned"
        return None
    return fn


def findings_not_claimed(info_min: float) -> Callable[..., str | None]:
    """No finding present/absent from less data than its rule needs (here: all must be null)."""
    def fn(s: dict) -> str | None:
        claimed = [f["code"] for f in s["findings"] if f["present"] is not None]
        return f"findings claimed from {info_min:g} min: {claimed}" if claimed else None
    return summary_check(fn)


# --------------------------------------------------------------------------- cases
LEGS = ("EMG LAT", "EMG RAT")
EMG_LABELS = ("EMG Chin", "EMG LAT", "EMG RAT")


def _plain(d: Path, name: str, **kw) -> Path:
    return write(d / name, montage(), **kw)


def cases() -> list[Case]:  # noqa: C901 - a table of cases
    out: list[Case] = []
    dur = NIGHT_MIN * 60.0

    # ---- sampling rates (every channel of the EMG group at the rate; EEG at min(rate, 256))
    for hz in (100, 128, 200, 250, 256, 500, 512, 1000, 2048):
        checks = {"rates": rates_are({"EMG LAT": hz, "F4-M1": min(hz, 256)}, dur)}
        if hz >= 128:  # 128 Hz: below the AASM minimum, a rate older systems use (100 Hz: LMs read short)
            checks["LMs"] = lm_found(0.8)
            checks["no pops"] = no_pops()
            checks["only the night's potentials"] = only_true_potentials()
        out.append(Case(f"rate_{hz}", "rate",
                        lambda d, hz=hz: write(d / f"rate_{hz}.edf", montage(emg_hz=hz, eeg_hz=min(hz, 256))),
                        checks=checks, commands=("info", "detect", "analyze") if hz == 100 else
                        ("info", "detect", "analyze+hyp") if hz >= 128 else ("info", "detect"),
                        hypnogram=lambda d, hz=hz: write_hypnogram_tsv(d / f"rate_{hz}.tsv", true_stages())))
    out.append(Case("rate_mixed", "rate", lambda d: write(d / "mixed.edf", [
        *(c if c.role != "leg" else Ch(c.label, resample(c.data, 512, 500, int(dur * 500)), 500, prange=c.prange)
          for c in montage(eeg_hz=200)),
        Ch("Resp Flow", np.sin(np.arange(int(dur * 25)) / 25 * 2 * np.pi * 0.25) * 100, 25, prange=(-200, 200))]),
        checks={"rates": rates_are({"EMG LAT": 500, "EMG Chin": 512, "F4-M1": 200, "Resp Flow": 25}, dur),
                "LMs": lm_found(0.8)}))
    for rec_s, spr in ((5.0, 999), (0.5, 128), (10.0, 2000), (30.0, 6000), (3.0, 1000)):
        hz = spr / rec_s
        out.append(Case(f"record_{rec_s:g}s_{hz:.4g}Hz", "rate",
                        lambda d, rec_s=rec_s, hz=hz: write(d / f"rec_{rec_s:g}.edf", montage(emg_hz=hz, eeg_hz=hz),
                                                            record_s=rec_s),
                        checks={"rates": rates_are({"EMG LAT": hz}, dur // rec_s * rec_s), "LMs": lm_found(0.8)},
                        commands=("info", "detect", "analyze") if rec_s == 5.0 else ("info", "detect")))

    # ---- labels
    label_sets = {
        "lower": {"EMG Chin": "emg chin", "EMG LAT": "leg l", "EMG RAT": "leg r", "C4-M1": "c4-m1",
                  "E1-M2": "eog e1-m2"},
        "upper": {"EMG Chin": "EMG CHIN", "EMG LAT": "LAT", "EMG RAT": "RAT", "C4-M1": "C4-A1", "E1-M2": "EOG E1"},
        "spaces": {"EMG Chin": "EMG  Chin ", "EMG LAT": " Leg  L", "EMG RAT": "Leg R  "},
        "lab_a": {"EMG Chin": "EMG Chin1-Chin2", "EMG LAT": "Tib L", "EMG RAT": "Leg/R", "F4-M1": "EEG Fpz-Cz",
                  "C4-M1": "C4:A1", "E1-M2": "EOG E1-M2"},
        "lab_b": {"EMG Chin": "Chin EMG", "EMG LAT": "Leg/L", "EMG RAT": "RAT"},
        "lab_c": {"EMG Chin": "EMG submental", "EMG LAT": "LAT", "EMG RAT": "Tib R"},
    }
    want = {"EMG Chin": "chin", "EMG LAT": "leg", "EMG RAT": "leg", "C4-M1": "eeg", "F4-M1": "eeg",
            "E1-M2": "eog"}
    for name, mapping in label_sets.items():
        expected = {v.strip(): want[k] for k, v in mapping.items()}

        def build(d, mapping=mapping, name=name):
            p = write(d / f"labels_{name}.edf", montage())
            for old, new in mapping.items():
                FIX.patch_signal_field(p, index_of(p, old), "label", new)
            return p
        out.append(Case(f"labels_{name}", "labels", build, checks={
            **roles_are(expected),
            **same_as_reference(label_map={v.strip(): k for k, v in mapping.items()})}))

    def latin1(d):
        p = write(d / "labels_latin1.edf", montage())
        FIX.patch_signal_field(p, index_of(p, "EMG Chin"), "label", "EMG Kinn \xb5".encode("latin-1"))
        FIX.patch_signal_field(p, index_of(p, "EMG LAT"), "label", "EMG TA gauche".encode("latin-1"))
        FIX.patch_signal_field(p, index_of(p, "EMG RAT"), "label", "EMG TA droit\xe9".encode("latin-1"))
        return p
    out.append(Case("labels_latin1", "labels", latin1, commands=("info", "detect", "analyze+hyp"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "l1.tsv", true_stages())))

    def utf8(d):
        p = write(d / "labels_utf8.edf", montage())
        FIX.patch_signal_field(p, index_of(p, "EMG Chin"), "label", "EMG Kinn μ".encode())
        return p
    out.append(Case("labels_utf8", "labels", utf8, checks=roles_are({"EMG Kinn μ": "chin"})))

    def dup(d):
        p = write(d / "labels_dup.edf", montage())
        FIX.patch_signal_field(p, index_of(p, "EMG RAT"), "label", "EMG LAT")
        return p
    out.append(Case("labels_duplicate", "labels", dup, commands=("info", "detect", "analyze+hyp"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "dup.tsv", true_stages()),
                    checks=roles_are({"EMG LAT": "leg", "EMG LAT#2": "leg"})))

    def empty(d):
        p = write(d / "labels_empty.edf", montage())
        FIX.patch_signal_field(p, index_of(p, "O2-M1"), "label", "")
        FIX.patch_signal_field(p, index_of(p, "ECG II"), "label", "")
        return p
    out.append(Case("labels_empty", "labels", empty, checks=roles_are({"channel 4": "other"})))
    out.append(Case("no_ecg_channel", "labels",
                    lambda d: write(d / "noecg.edf", [c for c in montage() if c.role != "ecg"]),
                    checks=same_as_reference()))
    def legs_twice(d):  # each leg also recorded under a second label (a pair's second electrode, a spare)
        rng = np.random.default_rng(5)
        chans = montage()
        extra = [Ch(new, 0.8 * c.data + rng.normal(0.0, 0.5, c.data.size), c.sfreq, prange=c.prange)
                 for c in chans for old, new in (("EMG LAT", "LLEG2"), ("EMG RAT", "RLEG2")) if c.label == old]
        return write(d / "legs_twice.edf", chans + extra)
    out.append(Case("labels_legs_twice", "labels", legs_twice, commands=("info", "detect", "analyze+hyp"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "twice.tsv", true_stages()),
                    checks={**roles_are({"LLEG2": "leg", "RLEG2": "leg"}), **same_as_reference()}))
    out.append(Case("edf_plus_annotations", "labels", lambda d: _plain(d, "plus.edf", plus=True),
                    checks=same_as_reference()))

    # ---- units (EMG channels written in the unit, values scaled accordingly)
    for unit, factor, raw in (("uV", 1.0, None), ("µV", 1.0, b"\xb5V"), ("mV", 1e-3, None), ("V", 1e-6, None),
                              ("nV", 1e3, None), ("", 1.0, None), ("mv", 1e-3, None), ("UV", 1.0, None)):
        def build(d, unit=unit, factor=factor, raw=raw):
            chans = []
            for c in montage():
                if c.label in EMG_LABELS:
                    c = Ch(c.label, c.data * factor, c.sfreq, unit if raw is None else "uV",
                           prange=(c.prange[0] * factor, c.prange[1] * factor))
                chans.append(c)
            p = write(d / f"unit_{unit.encode('ascii', 'replace').decode() or 'empty'}.edf", chans)
            if raw is not None:
                for lab in EMG_LABELS:
                    FIX.patch_signal_field(p, index_of(p, lab), "unit", raw)
            return p
        out.append(Case(f"unit_{unit or 'empty'}", "units", build, checks=same_as_reference()))

    def counts(d):
        chans = [Ch(c.label, c.data, c.sfreq, "counts" if c.label in EMG_LABELS else "uV", prange=c.prange)
                 for c in montage()]
        return write(d / "unit_counts.edf", chans)
    out.append(Case("unit_unknown_on_emg", "units", counts, expect={"info": "ok", "detect": "refuse"}))

    def mv_mislabelled(d):  # uV-sized numbers in a header that says mV: 1000x too large
        chans = [Ch(c.label, c.data, c.sfreq, "mV" if c.label in EMG_LABELS else "uV", prange=c.prange)
                 for c in montage()]
        return write(d / "unit_mv_mislabelled.edf", chans)
    out.append(Case("unit_mV_values_in_uV_edf", "units", mv_mislabelled, expect={"info": "ok", "detect": "refuse"},
                    checks={"warned": channel_warns("EMG LAT", "quantised")}))

    def mv_mislabelled_bdf(d):  # the same in 24 bits: no quantisation warning gives it away
        chans = [Ch(c.label, c.data, c.sfreq, "mV" if c.label in EMG_LABELS else "uV", prange=c.prange)
                 for c in montage()]
        return write(d / "unit_mv_mislabelled.bdf", chans, bdf=True)
    out.append(Case("unit_mV_values_in_uV_bdf", "units", mv_mislabelled_bdf, expect={"info": "ok", "detect": "refuse"}))

    # ---- prefilter fields (what the recorder did to the EMG before storing it)
    def envelope_chin(d):  # Sleep-EDF's chin: rectified and smoothed by the recorder, here stored at 512 Hz
        from scipy.signal import butter, lfilter

        chans = [Ch(c.label, lfilter(*butter(1, 0.7, fs=c.sfreq), np.abs(c.data)), c.sfreq, prange=(-50.0, 450.0))
                 if c.label == "EMG Chin" else c for c in montage()]
        p = write(d / "envelope_chin.edf", chans)
        FIX.patch_signal_field(p, index_of(p, "EMG Chin"), "prefilter", "HP:16Hz Rectification LP:0.7Hz")
        return p
    out.append(Case("prefilter_envelope_chin", "prefilter", envelope_chin, checks={
        "warned": channel_warns("EMG Chin", "amplitude envelope"), "no bursts": no_bursts_on("EMG Chin"),
        "LMs": lm_found(0.8)}))

    def lp70(d):  # the same samples; the header says the recorder low-passed the EMG at 70 Hz
        p = _plain(d, "lp70.edf")
        for lab in EMG_LABELS:
            FIX.patch_signal_field(p, index_of(p, lab), "prefilter", "HP:10Hz LP:70Hz")
        return p
    out.append(Case("prefilter_lp70_emg", "prefilter", lp70, checks={
        "warned": channel_warns("EMG LAT", "low-passed at 70 Hz"), **same_as_reference()}))

    # ---- physical/digital ranges
    def inverted(d):
        p = _plain(d, "inverted.edf")
        for lab in EMG_LABELS:
            i = index_of(p, lab)
            lo, hi = field_value(p, i, "physical_min"), field_value(p, i, "physical_max")
            FIX.patch_signal_field(p, i, "physical_min", hi)
            FIX.patch_signal_field(p, i, "physical_max", lo)
            dlo, dhi = int(field_value(p, i, "digital_min")), int(field_value(p, i, "digital_max"))
            rewrite_digital(p, i, lambda x, dlo=dlo, dhi=dhi: dlo + dhi - x)
        return p
    out.append(Case("range_inverted_physical", "ranges", inverted, checks=same_as_reference()))

    def dig_swapped(d):
        p = _plain(d, "dig_swapped.edf")
        i = index_of(p, "EMG LAT")
        lo, hi = field_value(p, i, "digital_min"), field_value(p, i, "digital_max")
        FIX.patch_signal_field(p, i, "digital_min", hi)
        FIX.patch_signal_field(p, i, "digital_max", lo)
        return p
    out.append(Case("range_digital_min_above_max", "ranges", dig_swapped,
                    checks={"warned": channel_warns("EMG LAT", "digital")}))

    def coarse(d):
        chans = [Ch(c.label, c.data, c.sfreq, prange=(-1024e3, 1024e3) if c.label in LEGS else c.prange)
                 for c in montage()]
        return write(d / "coarse.edf", chans)
    out.append(Case("range_pm1V_16bit", "ranges", coarse,
                    checks={"warned": channel_warns("EMG LAT", "quantised"), "no LM": no_bursts_on("EMG LAT")}))

    def eight_bit(d):
        chans = [Ch(c.label, c.data, c.sfreq, prange=c.prange, drange=(-128, 127) if c.label in LEGS else None)
                 for c in montage()]
        return write(d / "eight_bit.edf", chans)
    out.append(Case("range_8bit_digital", "ranges", eight_bit,
                    checks={"warned": channel_warns("EMG LAT", "quantised")}))

    def tight(d):  # physical range smaller than the signal: bursts clipped at the rails
        chans = [Ch(c.label, np.clip(c.data, -40, 40), c.sfreq, prange=(-40, 40) if c.label in LEGS else c.prange)
                 for c in montage()]
        return write(d / "tight.edf", chans)
    out.append(Case("range_pm40uV_clipping", "ranges", tight, checks={"LMs": lm_found(0.8)}))
    out.append(Case("bdf_24bit", "ranges", lambda d: _plain(d, "rec.bdf", bdf=True), checks=same_as_reference()))
    out.append(Case("bdf_plus", "ranges", lambda d: _plain(d, "recplus.bdf", bdf=True, plus=True),
                    checks=same_as_reference()))

    # ---- header fields
    def dated(name: str, date: str, time: str, recording: str | None) -> Callable[[Path], Path]:
        def build(d):
            p = _plain(d, f"{name}.edf")
            FIX.patch_main_field(p, 168, 8, date)
            FIX.patch_main_field(p, 176, 8, time)
            if recording is not None:
                FIX.patch_main_field(p, 88, 80, recording)
            return p
        return build
    for name, date, time, rec, want_iso, known in (
            ("date_1985", "01.01.85", "00.00.00", "", "1985-01-01T00:00:00", True),
            ("date_2084", "31.12.84", "23.59.59", "", "2084-12-31T23:59:59", True),
            ("date_2084_plus", "31.12.84", "22.00.00", "Startdate 31-DEC-2084 X X X", "2084-12-31T22:00:00", True),
            ("date_dots_only", "04.03.21", "22.30.00", "Lab PSG 7", "2021-03-04T22:30:00", True),
            ("date_plus_lower", "04.03.21", "22.30.00", "Startdate 04-mar-2021 X X X", "2021-03-04T22:30:00", True),
            ("date_anonymised", "01.01.85", "22.30.00", "Startdate X X X X", "1985-01-01T22:30:00", False),
            ("date_malformed", "2021/3/4", "22:30", "", None, False),
            ("quirk_date_slashes", "04/03/21", "22-30-00", "Lab PSG 7", "2021-03-04T22:30:00", True),
            ("quirk_date_4digit_year", "4.3.2021", "22:30:00", "Lab PSG 7", "2021-03-04T22:30:00", True),
            ("time_malformed", "04.03.21", "25.61.00", "", None, False)):
        out.append(Case(name, "header", dated(name, date, time, rec), commands=("info", "detect", "analyze+hyp"),
                        hypnogram=lambda d, name=name: write_hypnogram_tsv(d / f"{name}.tsv", true_stages()),
                        checks={"start": start_is(want_iso, known), **same_as_reference()}))

    def unknown_records(d):
        p = _plain(d, "nrec_minus1.edf")
        FIX.patch_main_field(p, 236, 8, "-1")
        return p
    out.append(Case("records_minus1", "header", unknown_records,
                    checks={"rates": rates_are({"EMG LAT": 512}, dur), **same_as_reference()}))

    def minus1_partial(d):
        p = _plain(d, "nrec_minus1_partial.edf")
        FIX.patch_main_field(p, 236, 8, "-1")
        raw = p.read_bytes()
        p.write_bytes(raw[: len(raw) - 1000])
        return p
    out.append(Case("records_minus1_partial_last", "header", minus1_partial,
                    checks={"rates": rates_are({"EMG LAT": 512}, dur - 1)}))

    def quirk(name: str, patches: dict[int, bytes]) -> Callable[[Path], Path]:
        def build(d):  # main-header bytes as some writers fill them (docs/robustness.md, defect 21)
            p = _plain(d, f"{name}.edf")
            raw = bytearray(p.read_bytes())
            for offset, value in patches.items():
                raw[offset: offset + len(value)] = value
            p.write_bytes(bytes(raw))
            return p
        return build
    out.append(Case("quirk_header_bytes_blank", "header", quirk("hb_blank", {184: b" " * 8}),
                    checks=same_as_reference()))
    out.append(Case("quirk_header_bytes_256", "header", quirk("hb_256", {184: b"256     "}),
                    checks=same_as_reference()))
    out.append(Case("quirk_zero_records_over_data", "header", quirk("nrec0", {236: b"0       "}),
                    checks={"rates": rates_are({"EMG LAT": 512}, dur), **same_as_reference()}))
    out.append(Case("quirk_nul_ended_fields", "header",
                    quirk("nul", {236: f"{int(dur)}".encode() + b"\x00\xcd\xcd",
                                  244: b"1\x00\xcd\xcd\xcd\xcd\xcd\xcd"}),
                    checks={"rates": rates_are({"EMG LAT": 512}, dur), **same_as_reference()}))

    def truncated(d):
        p = _plain(d, "truncated.edf")
        raw = p.read_bytes()
        p.write_bytes(raw[: len(raw) - 1000])
        return p
    out.append(Case("truncated_last_record", "header", truncated,  # read up to its last complete record
                    checks={"rates": rates_are({"EMG LAT": 512}, dur - 1.0), "cut short said": info_check(
                        lambda info: None if any("cut short" in w for w in info["warnings"])
                        else "no 'cut short' warning")}))

    def trailing(d):
        p = _plain(d, "trailing.edf")
        p.write_bytes(p.read_bytes() + b"\x00" * 777)
        return p
    out.append(Case("trailing_bytes", "header", trailing, checks=same_as_reference()))

    def plus_d(gap: str | None) -> Callable[[Path], Path]:
        def build(d):
            p = _plain(d, f"plusd_{gap}.edf", plus=True)
            FIX.patch_main_field(p, 192, 44, "EDF+D")
            n_rec = int(dur)
            if gap == "gap":  # the records from 300 s on stamped 60 s later: a pause of 60 s
                FIX.set_record_onsets(p, {r: r + 60.0 for r in range(300, n_rec)})
            elif gap == "overlap":  # the records from 300 s on stamped 0.5 s early: they overlap
                FIX.set_record_onsets(p, {r: r - 0.5 for r in range(300, n_rec)})
            return p
        return build
    out.append(Case("edf_plus_d_contiguous", "header", plus_d(None), checks=same_as_reference()))
    out.append(Case("edf_plus_d_gap", "header", plus_d("gap"), commands=("info", "detect", "analyze+hyp"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "plusd_gap.tsv", true_stages()),
                    checks={"gap stated": info_check(gap_stated((300.0, 360.0), dur + 60.0)),
                            "nothing in the gap": detect_check(no_bursts_between(300.0, 360.0)),
                            "LMs outside the gap": detect_check(lms_around_gap(0.8, (300.0, 360.0))),
                            "hypnogram questioned": summary_check(gap_in_summary((300.0, 360.0)))}))
    out.append(Case("edf_plus_d_overlap", "header", plus_d("overlap"), expect="refuse"))

    def zero_records(d):
        p = _plain(d, "zero.edf")
        FIX.patch_main_field(p, 236, 8, "0")
        p.write_bytes(p.read_bytes()[: 256 * (ns_of(p) + 1)])
        return p
    out.append(Case("zero_records", "header", zero_records, expect="refuse"))
    for seconds in (30, 120, 600):
        out.append(Case(f"length_{seconds}s", "header",
                        lambda d, s=seconds: write(d / f"len_{s}.edf", montage(seconds=s)),
                        commands=("info", "detect", "analyze+hyp", "analyze"),
                        hypnogram=lambda d, s=seconds: write_hypnogram_tsv(d / f"len_{s}.tsv",
                                                                           true_stages()[: max(1, s // 30)]),
                        checks={"no findings": findings_not_claimed(seconds / 60)}))

    # ---- content
    def content(name: str, fn: Callable[[Ch], Ch]) -> Callable[[Path], Path]:
        return lambda d: write(d / f"{name}.edf", [fn(c) for c in montage()])

    out.append(Case("flat_chin", "content", content("flat", lambda c: Ch(c.label, c.data * 0, c.sfreq, prange=c.prange)
                                                       if c.label == "EMG Chin" else c),
                    checks={"warned": channel_warns("EMG Chin", "flat"), "none": no_bursts_on("EMG Chin")}))

    def railed(d):
        p = _plain(d, "railed.edf")
        rewrite_digital(p, index_of(p, "EMG LAT"), lambda x: np.full_like(x, 32767))
        return p
    out.append(Case("saturated_leg", "content", railed,
                    checks={"warned": channel_warns("EMG LAT", "clip"), "none": no_bursts_on("EMG LAT")}))
    out.append(Case("dc_offset_leg", "content",
                    content("dc", lambda c: Ch(c.label, c.data + 2000.0, c.sfreq, prange=(-1000, 5000))
                            if c.label in LEGS else c), checks=same_as_reference()))
    for hz in (50, 60):
        def hum(c: Ch, hz=hz) -> Ch:
            if c.label not in EMG_LABELS:
                return c
            t = np.arange(c.data.size) / c.sfreq
            return Ch(c.label, c.data + 20 * np.sin(2 * np.pi * hz * t), c.sfreq, prange=c.prange)
        out.append(Case(f"mains_{hz}Hz", "content", content(f"hum{hz}", hum), checks={"LMs": lm_found(0.8)}))

    def unplug(kind: str) -> Callable[[Path], Path]:
        def build(d):
            p = _plain(d, f"unplug_{kind}.edf")
            fs = 512

            def fn(x):
                y = x.copy()
                y[int(450 * fs):] = 0 if kind == "flat" else 32767
                return y
            rewrite_digital(p, index_of(p, "EMG LAT"), fn)
            return p
        return build
    out.append(Case("disconnected_flat", "content", unplug("flat"), checks={"none": no_bursts_on("EMG LAT", 450.5)}))
    out.append(Case("disconnected_rail", "content", unplug("rail"), checks={"none": no_bursts_on("EMG LAT", 450.5)}))

    def giant(c: Ch) -> Ch:
        if c.label != "EMG RAT":
            return c
        y = c.data.copy()
        i = int(400 * c.sfreq)
        y[i: i + int(0.2 * c.sfreq)] += 2900.0 * np.hanning(int(0.2 * c.sfreq))
        return Ch(c.label, y, c.sfreq, prange=c.prange)
    out.append(Case("giant_artefact", "content", content("giant", giant), checks={"LMs": lm_found(0.8)}))

    # ---- hypnograms that do not fit
    st = true_stages()
    start = dt.datetime(2021, 3, 4, 22, 30, 0)
    for name, hyp, expect, tst_min in (
            ("hyp_longer_x2", lambda d: write_hypnogram_tsv(d / "long.tsv", st * 2), "refuse", None),
            ("hyp_shorter_half", lambda d: write_hypnogram_tsv(d / "short.tsv", st[: len(st) // 2]), "ok", 5.5),
            ("hyp_one_epoch_long", lambda d: write_hypnogram_tsv(d / "p1.tsv", st + ["W"]), "ok", 13.0),
            ("hyp_edf_offset_2h", lambda d: write_hypnogram_edf(d / "off2h.edf", st, start + dt.timedelta(hours=2)),
             "refuse", None),
            ("hyp_edf_offset_5min", lambda d: write_hypnogram_edf(d / "off5.edf", st, start + dt.timedelta(minutes=5)),
             "refuse", None),
            ("hyp_edf_earlier_5min", lambda d: write_hypnogram_edf(d / "early5.edf", st,
                                                                   start - dt.timedelta(minutes=5)), "ok", 10.0),
            ("hyp_edf_7s_early", lambda d: write_hypnogram_edf(d / "early7s.edf", st,
                                                               start - dt.timedelta(seconds=7)), "ok", 13.0),
            ("hyp_edf_other_day", lambda d: write_hypnogram_edf(d / "day.edf", st, start + dt.timedelta(days=1)),
             "refuse", None)):
        checks = {} if tst_min is None else {"sleep": summary_check(
            lambda s, want=tst_min: None if abs(s["sleep"]["tst_min"] - want) < 0.01
            else f"{s['sleep']['tst_min']} min of sleep (the recording holds {want})")}
        out.append(Case(name, "hypnogram", lambda d: _plain(d, "hyprec.edf"), commands=("analyze+hyp",),
                        hypnogram=hyp, expect=expect, checks=checks))

    def midnight(d):  # recording from 23:55; EDF+ hypnogram from 00:00 the next day (5 min in)
        return write(d / "midnight.edf", montage(), start=dt.datetime(2021, 3, 4, 23, 55, 0))
    out.append(Case("hyp_across_midnight", "hypnogram", midnight, commands=("analyze+hyp",),
                    hypnogram=lambda d: write_hypnogram_edf(d / "mid.edf", st[: len(st) - 10],
                                                            dt.datetime(2021, 3, 5, 0, 0, 0)),
                    checks={"sleep": summary_check(lambda s: None if abs(s["sleep"]["tst_min"] - 8.0) < 0.01
                                                   else f"{s['sleep']['tst_min']} min of sleep (want 8)")}))

    out.append(Case("hyp_rml", "hypnogram", lambda d: _plain(d, "rmlrec.edf"), commands=("analyze+hyp",),
                    hypnogram=lambda d: write_hypnogram_rml(d / "night.rml", st, start),
                    checks={"sleep": summary_check(lambda s: None if abs(s["sleep"]["tst_min"] - 13.0) < 0.01
                                                   else f"{s['sleep']['tst_min']} min of sleep (want 13)")}))

    # ---- ages and exports
    for age in ("3w", "34", "0", "130y"):
        out.append(Case(f"age_{age}", "age", lambda d: _plain(d, "age.edf"), commands=("analyze+hyp",),
                        hypnogram=lambda d: write_hypnogram_tsv(d / "age.tsv", st), age=age))
    out.append(Case("yasa_staging", "analyze", lambda d: _plain(d, "yasa.edf"), commands=("analyze",)))
    for name, build in (("export_plain", lambda d: _plain(d, "exp.edf")),
                        ("export_2084", dated("exp2084", "31.12.84", "23.59.59", "Startdate 31-DEC-2084 X X X")),
                        ("export_anonymised", dated("expanon", "01.01.85", "22.30.00", "Startdate X X X X")),
                        ("export_latin1", latin1)):
        out.append(Case(name, "export", build, commands=("analyze+hyp", "export edf", "export bids", "export nsrr",
                                                         "export csv"),
                        hypnogram=lambda d: write_hypnogram_tsv(d / "exp.tsv", st),
                        checks={"start": export_keeps_start(name != "export_anonymised")}))

    def patient_latin1(d):  # EDF+ patient subfield in Latin-1 (EDF+ allows ASCII only): copied by export edf
        p = _plain(d, "patient.edf", plus=True)
        FIX.patch_main_field(p, 8, 80, "MCH-0234567 M 02-MAY-1951 Jos_Garcia")
        raw = bytearray(p.read_bytes())
        raw[8 + 28: 8 + 36] = "Jos\xe9_Gar".encode("latin-1")[:8]
        p.write_bytes(bytes(raw))
        return p
    out.append(Case("export_patient_latin1", "export", patient_latin1,
                    commands=("info", "analyze+hyp", "export edf", "export csv"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "pat.tsv", st)))

    def not_plus_recording(d):  # EDF+C whose recording field lacks the Startdate subfield
        p = _plain(d, "noplusfield.edf", plus=True)
        FIX.patch_main_field(p, 88, 80, "PSG lab 3 bed 2")
        return p
    out.append(Case("edf_plus_without_startdate", "header", not_plus_recording,
                    commands=("info", "analyze+hyp", "export edf"),
                    hypnogram=lambda d: write_hypnogram_tsv(d / "nps.tsv", st),
                    checks={"start": start_is("2021-03-04T22:30:00", True)}))
    return out


def export_keeps_start(date_known: bool) -> Callable[..., str | None]:
    """The EDF+ export keeps the recording's clock (and date only when known); CSV clock times likewise."""
    def check(command: str, status: int, stdout: str, out: Path | None) -> str | None:
        if status != 0 or out is None or command not in ("export edf", "export csv"):
            return None
        if command == "export edf":
            from myosleep.io.edf_header import read_edf_header

            h = read_edf_header(out / "a.edf")
            if h.start_date_known != date_known:
                return f"exported start_date_known {h.start_date_known} (recording: {date_known}): {h.recording[:30]!r}"
            return None
        rows = (out / "e.csv").read_text(encoding="utf-8-sig").splitlines()
        clock = rows[1].split(",")[1] if len(rows) > 1 else ""
        if ("T" in clock) != date_known:
            return f"CSV clock_time {clock!r} with the recording's date {'known' if date_known else 'unknown'}"
        return None
    return check


# --------------------------------------------------------------------------- main
def expected_status(case: Case, command: str) -> str:
    if isinstance(case.expect, dict):
        return case.expect.get(command.split()[0].split("+")[0], case.expect.get(command, "ok"))
    return case.expect


def run_case(case: Case, work: Path, *, yasa: bool) -> list[Result]:
    d = work / case.name
    d.mkdir()
    results: list[Result] = []
    try:
        rec = case.build(d)
        hyp = case.hypnogram(d) if case.hypnogram else None
    except Exception as err:  # noqa: BLE001 - a generator failure is reported as a row
        return [Result(case.name, "build", -1, f"{type(err).__name__}: {err}", "GENERATOR FAILED")]
    for command in case.commands:
        if command == "analyze" and not yasa:
            continue
        out: Path | None = None
        if command == "info":
            args = ["info", rec.name, "--json"]
        elif command == "detect":
            out = d / "detect"
            args = ["detect", rec.name, "--out", out.name]
        elif command.startswith("analyze"):
            out = d / ("analyze_hyp" if command == "analyze+hyp" else "analyze")
            args = ["analyze", rec.name, "--out", out.name]
            if command == "analyze+hyp" and hyp is not None:
                args += ["--hypnogram", hyp.name]
            if case.age:
                args += ["--age", case.age]
        else:  # export FORMAT
            fmt = command.split()[1]
            src = d / "analyze_hyp"
            out = d / f"export_{fmt}"
            args = ["export", src.name, "--format", fmt, "--out",
                    out.name if fmt == "bids" else str(Path(out.name) / {"edf": "a.edf", "nsrr": "a.xml",
                                                                          "csv": "e.csv"}[fmt])]
            if fmt != "bids":
                out.mkdir()
        status, stdout, stderr = run_cli(args, d)
        problems = contract_problems(status, stderr, out if command != "info" else None)
        want = expected_status(case, command)
        if want == "ok" and status == 2:
            problems.append("refused")
        if want == "refuse" and status == 0:
            problems.append("accepted (should refuse)")
        for name, check in case.checks.items():
            try:
                problem = check(command, status, stdout, out)
            except Exception as err:  # noqa: BLE001
                problem = f"check {name} failed: {type(err).__name__}: {err}"
            if problem:
                problems.append(problem)
        first = next((ln for ln in stderr.splitlines() if ln.strip()), "")
        if status not in (0, 2) and "--debug" not in first:
            first = stderr.strip().splitlines()[-1] if stderr.strip() else first
        results.append(Result(case.name, " ".join(["myosleep", *args]), status, first,
                              "ok" if not problems else "WRONG: " + "; ".join(problems)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="run the cases whose name or group contains this")
    ap.add_argument("--keep", default=None, help="write the files here and keep them")
    ap.add_argument("--no-yasa", action="store_true", help="skip the analyses without --hypnogram (YASA staging)")
    args = ap.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="myosleep-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        ref_dir = work / "_reference"
        ref_dir.mkdir(exist_ok=True)
        ref = _plain(ref_dir, "ref.edf")
        status, _, stderr = run_cli(["detect", ref.name, "--out", "detect"], ref_dir)
        if status != 0:
            print(f"reference detection failed: {stderr}", file=sys.stderr)
            return 1
        REFERENCE["bursts"] = ref_dir / "detect" / "bursts.tsv"
        rec, err, n = lm_recall(REFERENCE["bursts"])
        print(f"reference: {len(read_tsv(REFERENCE['bursts']))} bursts; leg movements recall {rec:.2f} of {n}, "
              f"median onset error {1000 * err:.0f} ms")
        rows: list[Result] = []
        for case in cases():
            if args.only and args.only not in case.name and args.only != case.group:
                continue
            for r in run_case(case, work, yasa=not args.no_yasa):
                rows.append(r)
                err_line = (r.stderr[:110] + "...") if len(r.stderr) > 113 else r.stderr
                print(f"| {r.case} | `{r.command}` | {r.status} | {err_line.replace('|', '/')} | {r.verdict} |",
                      flush=True)
        bad = [r for r in rows if r.verdict != "ok"]
        print(f"\n{len(rows)} commands on {len({r.case for r in rows})} cases: {len(rows) - len(bad)} ok, "
              f"{len(bad)} wrong")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
