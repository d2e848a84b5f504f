"""The nights of the PLM audit (s26/plm), as the tests write them: the hypnogram and the scored
events (lights, apnoea, arousals) as files, the leg movements as the detector's "lm" bursts placed
where the audit's recordings have them (hand counts in tests/classification/test_lights.py and
test_plm_indices.py)."""

from __future__ import annotations

from pathlib import Path

W, N1, N2, N3, R = 0, 1, 2, 3, 4
_LABEL = {W: "W", N1: "N1", N2: "N2", N3: "N3", R: "R"}
#: The audit's night: W 0-600, N2 600-4200, W 4200-4500, N2 4500-6300, R 6300-8100, N3 8100-9000 s.
CASE_STAGES = [W] * 20 + [N2] * 120 + [W] * 10 + [N2] * 60 + [R] * 60 + [N3] * 30


def case_c_lms(*, before_lights_off: bool = True, after_lights_on: bool = True) -> list[tuple[float, float, str]]:
    """The leg movements of the audit's case C (case B: no ``after_lights_on``): (onset s, duration s, side)."""
    rows: list[tuple[float, float, str]] = []
    if before_lights_off:
        rows += [(t, 1.5, "left") for t in (100, 120, 140, 160, 180)]  # periodic, W before lights off (600 s)
    rows += [(1000 + 20 * k, 1.5, "left") for k in range(6)]  # 6 PLMS
    rows += [(1300 + 4.8 * k, 1.0, "left") for k in range(4)]  # 4.8 s apart: no series
    rows += [(1500, 1.5, "left"), (1504.9, 1.5, "right"), (1530, 1.5, "left"), (1535.1, 1.5, "right"),
             (1560, 1.5, "left"), (1590, 1.5, "left")]  # bilateral merging: 5 PLMS
    rows += [(1800, 1.0, "left"), (1820, 0.35, "left"), (1840, 1.0, "left"), (1860, 12.0, "left"),
             (1880, 1.0, "left"), (1900, 1.0, "left")]  # 0.35 s and 12 s are no LMs: 4 PLMS
    rows += [(2090, 1.0, "left"), (2108.0, 1.3, "left"), (2130.4, 1.0, "left"), (2150, 1.0, "left"),
             (2170, 1.0, "left")]  # apnoea 2110-2130: 2130.4 respiratory-related; 4 PLMS
    rows += [(2400 + 20 * k, 1.0, "left") for k in range(4)]  # with arousals: 4 PLMS
    rows += [(t, 1.0, "left") for t in (4140, 4160, 4180, 4210, 4230, 4250, 4270, 4290, 4510, 4530)]  # 3 PLMS, 5 PLMW
    rows += [(7000 + 30 * k, 1.0, "right") for k in range(4)]  # REM: 4 PLMS
    if after_lights_on:
        rows += [(8720 + 20 * k, 1.0, "left") for k in range(4)]  # periodic, N3 after lights on (8700 s)
    return rows


def write_night(folder: Path, stages: list[int], *, lights: tuple[float | None, float | None] = (600.0, 8700.0),
                leading_unscored: int = 0) -> tuple[Path, Path]:
    """The night's hypnogram (TSV, 30-s epochs) and scored events (CSV: lights, apnoea, arousals)."""
    hyp = folder / "night.hypnogram.tsv"
    lines = ["onset\tduration\tstage"]
    lines += [f"{30.0 * i:.3f}\t30.000\t?" for i in range(leading_unscored)]
    lines += [f"{30.0 * (i + leading_unscored):.3f}\t30.000\t{_LABEL[s]}" for i, s in enumerate(stages)]
    hyp.write_text("\n".join(lines) + "\n")
    ev = folder / "night.events.csv"
    rows = ["onset,duration,description"]
    off, on = lights
    if off is not None:
        rows.append(f"{off},0.0,Lights off")
    if on is not None:
        rows.append(f"{on},0.0,Lights on")
    rows += ["2110.0,20.0,Obstructive Apnea", "2401.7,3.3,Arousal", "2421.3,3.7,Arousal", "2436.0,3.7,Arousal",
             "2455.0,3.0,Arousal"]
    ev.write_text("\n".join(rows) + "\n")
    return hyp, ev




def case_a_lms() -> list[tuple[float, float, str]]:
    """The leg movements of the audit's case A: case C's night without lights, 3 LMs in the wake
    before sleep (no series), nothing in N3."""
    return [(t, 1.5, "left") for t in (300, 320, 340)] + case_c_lms(before_lights_off=False, after_lights_on=False)
