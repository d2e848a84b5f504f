"""Regression harness: detect() and ``myosleep analyze`` must not change what they find.

Two parts, both on fixed simulated nights (fixed seeds):

* ``detect``: :func:`myosleep.detection.detect` on in-memory nights; compares the bursts,
  events and artefacts tables: same number of bursts per channel and detector, onsets and
  offsets within 1 ms, amplitudes within 1 % (plus 0.01 uV), same number of events and
  artefacts, same trial types.
* ``analyze``: each night written to EDF in ``--workdir`` and run through the CLI exactly as a
  user does (``myosleep analyze`` with and without a hypnogram, both rulesets, scored events,
  an infant; ``myosleep detect`` on two nights); compares events.tsv cell by cell,
  summary.json value by value (``generated_utc`` and ``timings_s`` left out), report.html
  line by line, and the detect TSVs cell by cell.  Changes of format that a redesign makes
  on purpose are listed in :data:`KNOWN_CHANGES` and applied to the reference before
  comparing, so that every other difference still shows.

Not a test (it takes a few minutes).  Run:

    .venv/bin/python benchmarks/regress_detect.py --save /tmp/ref [--workdir /tmp/myosleep-regress]
    .venv/bin/python benchmarks/regress_detect.py --compare /tmp/ref [--only analyze]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import pickle
import re
import sys
import time
from pathlib import Path

import numpy as np

#: (scenario, hours, seed, channels dropped): the ECG-less case exercises R-peaks from the EMG.
CASES = [
    ("plmd", 1.0, 11, ()),
    ("sleep_starts", 0.5, 12, ()),
    ("excessive_fragmentary_myoclonus", 0.5, 13, ()),
    ("quiet_artefacts", 1.0, 14, ()),
    ("infant_bnsm", 0.5, 15, ()),
    ("plmd", 0.5, 16, ("ECG",)),
]

#: Analyze cases: (name, scenario, hours, seed, options).  Options: ``hypnogram`` (give the
#: simulated hypnogram; False: YASA staging, or the infant estimate), ``rules``, ``age``
#: (default: the scenario's), ``scored`` (scored apnoeas and arousals), ``detect`` (also run
#: ``myosleep detect``).
ANALYZE_CASES = [
    ("plmd-aasm", "plmd", 1.0, 11, {"detect": True}),
    ("plmd-wasm-scored", "plmd", 1.0, 11, {"rules": "wasm2016", "scored": True}),
    ("sleep_starts", "sleep_starts", 1.0, 12, {}),
    ("sleep_starts-yasa", "sleep_starts", 1.0, 12, {"hypnogram": False}),
    ("efm", "excessive_fragmentary_myoclonus", 1.0, 13, {}),
    ("quiet", "quiet_artefacts", 1.0, 14, {}),
    ("infant", "infant_bnsm", 0.5, 15, {"detect": True}),
    ("infant-estimate", "infant_bnsm", 0.5, 15, {"hypnogram": False}),
    ("propriospinal", "propriospinal", 0.5, 17, {}),
    ("rsbd", "rsbd", 2.5, 18, {}),
    ("cortical", "cortical_myoclonus", 0.5, 19, {}),
    ("healthy-yasa", "healthy_adult", 1.0, 20, {"hypnogram": False, "age": "45"}),
]

#: Real files (../shared/data/real): (name, recording, hypnogram or None).  Sleep-EDF's chin EMG is
#: a 1-Hz envelope: analyze must refuse the file with one line (exit 2), before and after.
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
REAL_CASES = [
    ("sleep-edf-300s", REAL / "sleep-edf" / "SC4001E0-first300s-PSG.edf", REAL / "sleep-edf" / "SC4001EC-Hypnogram.edf"),
    ("sleep-edf-300s-nohyp", REAL / "sleep-edf" / "SC4001E0-first300s-PSG.edf", None),
]

#: Differences made on purpose by a redesign, one entry each: ``(file, kind, detail, why)``.  The
#: comparison applies them to the reference (or loosens it exactly there), so that every other
#: difference still shows.  Kinds: ``drop_column`` (detail: the column that left a TSV),
#: ``rename_column`` (``(old, new, factor)``: values times factor, equal within the rounding of
#: both files), ``new_file``, ``drop_key`` (a dotted summary.json key), ``drop_text`` (text taken
#: out of the reference), ``close_column`` (``(column, relative tolerance)``), ``close_key``
#: (``(last key, relative tolerance)``), ``close_line`` (``(text in the line, relative tolerance)``:
#: its numbers within the tolerance).
KNOWN_CHANGES: list[tuple[str, str, object, str]] = [
    # 1. The body-movement rule of detection takes the jerk-train rule (issue 8: classification no
    #    longer re-runs detection's grouping): its 0.5-s threshold moves from the ruleset to
    #    detection's EventParams.body_min_burst_s.
    ("summary.json", "drop_key", "methods.thresholds.body_min_burst_s",
     "the jerk-train threshold is detection's (EventParams.body_min_burst_s), not the ruleset's"),
    ("report.html", "drop_text", "&#39;body_min_burst_s&#39;: 0.5, ",
     "the report lists the ruleset's thresholds (summary.json methods)"),
    # 2. Propagation velocities from the membership table's exact latencies (the packed
    #    "label:ms" string rounded them to 0.1 ms).
    ("events.tsv", "close_column", ("velocity_m_s", 0.002),
     "latencies no longer rounded to 0.1 ms before the velocity is computed"),
    ("summary.json", "close_key", ("median_velocity_m_s", 0.002), "the same velocities"),
    ("report.html", "close_line", ("median velocity m s", 0.005), "the same velocities, 2 decimals"),
    # 3. Detection's tables follow the schema: lists in the long-format membership table, one
    #    unit per quantity, every column always present.
    ("motor_events.tsv", "drop_column", "latencies_ms", "now motor_event_members.tsv (latency_ms per burst)"),
    ("motor_events.tsv", "drop_column", "burst_ids", "now motor_event_members.tsv (burst_id per row)"),
    ("motor_events.tsv", "rename_column", ("max_burst_duration_s", "max_burst_duration_ms", 1000.0),
     "one name per quantity: events.tsv has max_burst_duration_ms"),
    ("motor_events.tsv", "rename_column", ("min_burst_duration_s", "min_burst_duration_ms", 1000.0),
     "the same quantity in ms"),
    ("motor_events.tsv", "new_column", "median_burst_duration_ms",
     "the median EMG burst that the hypnic-jerk rule reads, computed by detection"),
    ("bursts.tsv", "new_column", "peak_jerk_g_per_s", "always present (n/a for EMG rows), was only with accelerometers"),
    ("motor_event_members.tsv", "new_file", None, "the long-format membership table"),
]

# The tests' Recording-like view of a Simulation (arrays already in uV), shared, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.detection._detect_helpers import SimRecording  # noqa: E402


def _Rec(sim, drop):
    labels = tuple(c.label for c in sim.channels if any(c.label.startswith(d) for d in drop))
    return SimRecording(sim, drop=labels)


# ------------------------------------------------------------------------------- detect
def run_detect_cases() -> dict:
    from myosleep.detection import detect
    from myosleep.simulate import simulate_night

    out = {}
    for scen, hours, seed, drop in CASES:
        sim = simulate_night(scen, hours=hours, seed=seed)
        t0 = time.perf_counter()
        res = detect(_Rec(sim, drop))
        dt = time.perf_counter() - t0
        key = f"{scen}-{hours}-{seed}-{'-'.join(drop) or 'all'}"
        out[key] = {"bursts": res.bursts, "events": res.events, "artefacts": res.artefacts,
                    "time_s": dt}
        print(f"{key}: {len(res.bursts)} bursts, {len(res.events)} events, "
              f"{len(res.artefacts)} artefacts, detect {dt:.2f} s", flush=True)
    return out


def compare_detect(ref: dict, new: dict) -> list[str]:
    """Differences beyond tolerance, one line each (empty if none)."""
    errs = []
    for key, r in ref.items():
        n = new[key]
        rb, nb = r["bursts"], n["bursts"]
        for (ch, det), g in rb.groupby(["channel", "detector"]):
            h = nb[(nb["channel"] == ch) & (nb["detector"] == det)]
            if len(g) != len(h):
                errs.append(f"{key} {ch} {det}: {len(g)} bursts -> {len(h)}")
                continue
            for col in ("onset", "offset_s"):
                d = np.abs(g[col].to_numpy() - h[col].to_numpy())
                if d.size and d.max() > 1e-3 + 1e-9:
                    errs.append(f"{key} {ch} {det} {col}: max diff {d.max() * 1e3:.2f} ms")
            for col in ("peak_amplitude_uv", "mean_amplitude_uv", "baseline_uv"):
                a, b = g[col].to_numpy(), h[col].to_numpy()
                d = np.abs(a - b) - (0.01 * np.abs(a) + 0.01)
                if d.size and d.max() > 0:
                    i = int(np.argmax(d))
                    errs.append(f"{key} {ch} {det} {col}: {a[i]:.3f} -> {b[i]:.3f}")
        if len(nb) != len(rb):
            errs.append(f"{key}: {len(rb)} bursts -> {len(nb)}")
        for tab in ("events", "artefacts"):
            if len(r[tab]) != len(n[tab]):
                errs.append(f"{key}: {len(r[tab])} {tab} -> {len(n[tab])}")
        if "trial_type" in r["events"] and len(r["events"]) == len(n["events"]):
            diff = int((r["events"]["trial_type"].to_numpy() != n["events"]["trial_type"].to_numpy()).sum())
            if diff:
                errs.append(f"{key}: {diff} events changed trial_type")
    return errs


# ------------------------------------------------------------------------------ analyze
def _scored_events_file(sim, path: Path) -> Path:
    """Scored apnoeas ending 0.2 s before some periodic LMs, and arousals after others (TSV)."""
    import pandas as pd

    truth = sim.events
    lm = truth[(truth["trial_type"] == "leg_movement") & (truth["periodic"].astype(str) == "True")]
    resp = lm.iloc[2:10]
    aro = lm.iloc[12:20]
    ev = pd.concat([
        pd.DataFrame({"onset": resp["onset"].to_numpy() - 15.2, "duration": 15.0, "description": "Obstructive apnea"}),
        pd.DataFrame({"onset": aro["onset"].to_numpy() + 0.3, "duration": 4.0, "description": "Arousal"}),
    ], ignore_index=True).sort_values("onset")
    ev.to_csv(path, sep="\t", index=False)
    return path


def _cli(args: list[str]) -> tuple[int, str]:
    from myosleep import cli

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(args)
    return code, err.getvalue().strip()


def _read_outputs(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def run_analyze_cases(workdir: Path) -> dict:
    from myosleep.simulate import SCENARIOS, simulate_night

    out: dict = {}
    sims: dict = {}
    for name, scen, hours, seed, opt in ANALYZE_CASES:
        night_dir = workdir / f"{scen}-{hours:g}h-{seed}"
        edf = night_dir / "night.edf"
        if (scen, hours, seed) not in sims:
            night_dir.mkdir(parents=True, exist_ok=True)
            sim = simulate_night(scen, hours=hours, seed=seed)
            sim.write(edf)
            sims[(scen, hours, seed)] = sim
        sim = sims[(scen, hours, seed)]
        args = ["analyze", str(edf)]
        if opt.get("hypnogram", True):
            args += ["--hypnogram", str(edf.with_name("night.hypnogram.tsv"))]
        age = opt.get("age")
        if age is None and SCENARIOS[scen].age_days is not None:
            age = f"{SCENARIOS[scen].age_days:g}d"
        if age is not None:
            args += ["--age", str(age)]
        if "rules" in opt:
            args += ["--rules", opt["rules"]]
        if opt.get("scored"):
            args += ["--events", str(_scored_events_file(sim, night_dir / "scored.tsv"))]
        res_dir = workdir / "out" / name
        t0 = time.perf_counter()
        code, err = _cli([*args, "--out", str(res_dir)])
        dt = time.perf_counter() - t0
        entry = {"exit": code, "stderr": err, "time_s": dt,
                 "files": _read_outputs(res_dir) if code == 0 else {}}
        if opt.get("detect"):
            det_dir = workdir / "out" / f"{name}-detect"
            dcode, derr = _cli(["detect", str(edf), "--out", str(det_dir)])
            entry["detect"] = {"exit": dcode, "stderr": derr, "files": _read_outputs(det_dir) if dcode == 0 else {}}
        out[name] = entry
        n_ev = entry["files"].get("events.tsv", "").count("\n") - 1
        print(f"{name}: exit {code}, {n_ev} events, analyze {dt:.1f} s {err}", flush=True)
    for name, rec, hyp in REAL_CASES:
        res_dir = workdir / "out" / name
        args = ["analyze", str(rec), "--out", str(res_dir)] + (["--hypnogram", str(hyp)] if hyp else [])
        code, err = _cli(args)
        out[name] = {"exit": code, "stderr": err, "time_s": 0.0, "files": _read_outputs(res_dir) if code == 0 else {}}
        print(f"{name}: exit {code} {err}", flush=True)
    return out


def _tsv(text: str):
    import pandas as pd

    return pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)


def _known(fname: str, kind: str) -> list[object]:
    return [d for f, k, d, _ in KNOWN_CHANGES if f == fname and k == kind]


def _apply_known_changes(fname: str, ref):
    for col in _known(fname, "drop_column"):
        if col in ref.columns:
            ref = ref.drop(columns=[col])
    for old, new, factor in _known(fname, "rename_column"):  # type: ignore[misc]
        if old in ref.columns:
            vals = [v if v == "n/a" else f"{float(v) * factor:.6f}" for v in ref[old]]
            ref = ref.rename(columns={old: new})
            ref[new] = vals
    return ref


def _same_cell(a: str, b: str, tol: float) -> bool:
    """Cells of a renamed column: equal, or equal numbers within ``tol`` (both roundings)."""
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=tol)
    except ValueError:
        return False


def compare_table(where: str, fname: str, ref_text: str, new_text: str) -> list[str]:
    ref = _apply_known_changes(fname, _tsv(ref_text))
    new = _tsv(new_text)
    errs: list[str] = []
    if len(ref) != len(new):
        return errs + [f"{where}/{fname}: {len(ref)} rows -> {len(new)}"]
    # a renamed column converted from the rounded reference: the reference's last decimal
    # times the factor, plus the new file's last decimal
    renamed = {d[1]: d[2] for d in _known(fname, "rename_column")}  # type: ignore[index]
    close = dict(_known(fname, "close_column"))  # type: ignore[arg-type]
    added = set(_known(fname, "new_column"))
    if list(ref.columns) != [c for c in new.columns if c not in added] and errs == []:
        errs.append(f"{where}/{fname}: columns {list(ref.columns)} -> {list(new.columns)}")
    for col in [c for c in ref.columns if c in new.columns]:
        a, b = ref[col].tolist(), new[col].tolist()
        if col in renamed:
            ref_dec = max((len(v.split(".")[1]) for v in _tsv(ref_text)[_old_name(fname, col)] if "." in v), default=0)
            new_dec = max((len(v.split(".")[1]) for v in b if "." in v), default=0)
            tol = 0.5 * 10.0 ** -ref_dec * abs(renamed[col]) + 0.5 * 10.0 ** -new_dec + 1e-9
            bad = [i for i, (x, y) in enumerate(zip(a, b)) if not _same_cell(x, y, tol)]
        elif col in close:
            bad = [i for i, (x, y) in enumerate(zip(a, b)) if not _close(x, y, close[col])]
        else:
            bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if bad:
            i = bad[0]
            errs.append(f"{where}/{fname}: column {col}: {len(bad)} cells differ, first row {i}: "
                        f"{a[i]!r} -> {b[i]!r} (onset {new['onset'][i] if 'onset' in new else '?'})")
    return errs


def _old_name(fname: str, new: str) -> str:
    return next(d[0] for d in _known(fname, "rename_column") if d[1] == new)  # type: ignore[index]


def _close(a: str, b: str, rel: float) -> bool:
    """Equal, or numbers within ``rel`` of each other."""
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=rel)
    except ValueError:
        return False


_VOLATILE = {"generated_utc", "timings_s"}


def compare_json(where: str, a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        errs = []
        for k in sorted(set(a) | set(b)):
            if not path and k in _VOLATILE:
                continue
            if f"{path}.{k}"[1:] in _known("summary.json", "drop_key") and k not in b:
                continue
            if k not in b:
                errs.append(f"{where}: summary.json{path}.{k} removed")
            elif k not in a:
                errs.append(f"{where}: summary.json{path}.{k} added")
            else:
                errs += compare_json(where, a[k], b[k], f"{path}.{k}")
        return errs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: summary.json{path}: {len(a)} items -> {len(b)}"]
        return [e for i, (x, y) in enumerate(zip(a, b)) for e in compare_json(where, x, y, f"{path}[{i}]")]
    tol = dict(_known("summary.json", "close_key")).get(path.rsplit(".", 1)[-1])  # type: ignore[arg-type]
    if tol is not None and isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=tol):
        return []
    if a != b or type(a) is not type(b):
        return [f"{where}: summary.json{path}: {a!r} -> {b!r}"]
    return []


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _close_line(x: str, y: str, rel: float) -> bool:
    """Lines equal once their numbers are compared within ``rel``."""
    if _NUMBER.sub("#", x) != _NUMBER.sub("#", y):
        return False
    return all(_close(p, q, rel) for p, q in zip(_NUMBER.findall(x), _NUMBER.findall(y)))


def compare_text(where: str, fname: str, a: str, b: str) -> list[str]:
    for text in _known(fname, "drop_text"):
        a = a.replace(str(text), "")
    loose = _known(fname, "close_line")
    la, lb = a.splitlines(), b.splitlines()
    bad = [i for i, (x, y) in enumerate(zip(la, lb))
           if x != y and not any(str(t) in x and _close_line(x, y, tol) for t, tol in loose)]  # type: ignore[misc]
    errs = [f"{where}/{fname}: {len(bad)} lines differ, first line {bad[0] + 1}"] if bad else []
    if len(la) != len(lb):
        errs.append(f"{where}/{fname}: {len(la)} lines -> {len(lb)}")
    return errs


def compare_files(where: str, ref: dict[str, str], new: dict[str, str]) -> list[str]:
    errs = []
    added = {f for f, k, _, _ in KNOWN_CHANGES if k == "new_file"}
    for fname in sorted(set(ref) | set(new)):
        if fname not in new:
            errs.append(f"{where}: {fname} no longer written")
        elif fname not in ref:
            if fname not in added:
                errs.append(f"{where}: {fname} newly written")
        elif fname.endswith(".tsv"):
            errs += compare_table(where, fname, ref[fname], new[fname])
        elif fname.endswith(".json"):
            errs += compare_json(where, json.loads(ref[fname]), json.loads(new[fname]))
        else:
            errs += compare_text(where, fname, ref[fname], new[fname])
    return errs


def compare_analyze(ref: dict, new: dict) -> list[str]:
    errs = []
    for name, r in ref.items():
        n = new[name]
        if (r["exit"], r["stderr"]) != (n["exit"], n["stderr"]):
            errs.append(f"{name}: exit {r['exit']} {r['stderr']!r} -> {n['exit']} {n['stderr']!r}")
        errs += compare_files(name, r["files"], n["files"])
        if "detect" in r:
            rd, nd = r["detect"], n["detect"]
            if (rd["exit"], rd["stderr"]) != (nd["exit"], nd["stderr"]):
                errs.append(f"{name} detect: exit {rd['exit']} -> {nd['exit']} {nd['stderr']!r}")
            errs += compare_files(f"{name}-detect", rd["files"], nd["files"])
    return errs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--compare", type=Path)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/myosleep-regress"),
                    help="where the nights and outputs are written (the same path before and after: "
                         "summary.json holds the input paths)")
    ap.add_argument("--only", choices=("detect", "analyze"), default=None)
    args = ap.parse_args()
    res: dict = {}
    if args.only in (None, "detect"):
        res["detect"] = run_detect_cases()
        print(f"total detect time {sum(v['time_s'] for v in res['detect'].values()):.2f} s")
    if args.only in (None, "analyze"):
        res["analyze"] = run_analyze_cases(args.workdir)
        print(f"total analyze time {sum(v['time_s'] for v in res['analyze'].values()):.1f} s")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        with open(args.save / "ref.pkl", "wb") as f:
            pickle.dump(res, f)
        return 0
    with open(args.compare / "ref.pkl", "rb") as f:
        ref = pickle.load(f)
    errs = []
    if "detect" in res:
        errs += compare_detect(ref["detect"], res["detect"])
    if "analyze" in res:
        errs += compare_analyze(ref["analyze"], res["analyze"])
    for e in errs:
        print("DIFF", e)
    print("identical within tolerance" if not errs else f"{len(errs)} differences")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
