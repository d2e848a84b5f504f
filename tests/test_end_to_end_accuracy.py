"""Issue 4, "Measure and show": the whole pipeline's accuracy on simulated nights, asserted.

Each scenario is simulated once (module-scoped fixtures), written to EDF with its hypnogram
(TSV), and analysed by :func:`myosleep.pipeline.analyze` exactly as ``myosleep analyze REC
--hypnogram FILE`` does.  Events are scored against the simulator's truth with
:func:`myosleep.classification.score_events` (same class, onset within 0.5 s).

Bars (issue 4, given hypnogram): per-class F1 >= 0.9 for hypnic_jerk, leg_movement,
fragmentary_myoclonus, rem_twitch and neonatal_myoclonus; PLMS index within 10 % of the
truth; the right findings in every scenario (no other finding present); a healthy night
with no finding and < 1 non-benign event per hour.

The nights are short, so each one's hypnogram is chosen to hold enough of the class it
tests and the minimum of evidence of its finding (issue 9): 20 min of REM for REM twitches
and RSWA (>= 5 min), 42 min of NREM for excessive FM (AASM: >= 20 NREM minutes of >= 5
potentials; at the scenario's 8/min, a third of the minutes fall short by chance), 2 h 6 min
of sleep for the PLMS index (>= 2 h), the scenario's own generated night where the class
lives at sleep onset (hypnic jerks, several transitions) or in an infant's sleep (neonatal
myoclonus, F1 on 0.5 h; the finding on 1.25 h, 63 min of sleep: it is assessed over >= one
infant sleep cycle, 50 min, and the 0.5-h night's 18 min leave it "cannot be assessed").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.classification import score_events
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Stage

TOLERANCE_S = 0.5  # onset tolerance of a match (s), as benchmarks/eval_scenarios.py
F1_BAR = 0.9  # issue 4
PLMS_REL_TOL = 0.10  # issue 4: PLMS index within 10 % of the truth
SEED = 1
_SLEEP = ("N1", "N2", "N3", "R")


def _hypnogram(*blocks: tuple[Stage, float]) -> Hypnogram:
    """Consecutive blocks of (stage, minutes) as 30-s epochs."""
    stages = np.concatenate([np.full(int(round(minutes * 2)), int(st), dtype=np.int8) for st, minutes in blocks])
    return Hypnogram(stages=stages, epoch_s=30.0, source="simulated")


class _Run:
    """One scenario through the pipeline, with its truth."""

    def __init__(self, scenario: str, tmp: Path, *, hours: float = 1.0, hypnogram: Hypnogram | None = None,
                 age: str | None = None) -> None:
        from myosleep.pipeline import analyze
        from myosleep.simulate import simulate_night

        self.sim = simulate_night(scenario, hours=hours, seed=SEED, hypnogram=hypnogram)
        edf = tmp / f"{scenario}.edf"
        paths = [Path(p) for p in self.sim.write(edf)]
        hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
        self.analysis = analyze(edf, hypnogram=hyp, age=age)
        self.adult = age is None  # the scenarios with an age are infants
        self.hours = self.sim.duration_s / 3600.0

    def f1(self, trial_type: str) -> tuple[float, int]:
        s = score_events(self.analysis.events, self.sim.events, tolerance_s=TOLERANCE_S, classes=[trial_type])
        return float(s.loc[trial_type, "f1"]), int(s.loc[trial_type, "n_true"])

    def findings_present(self) -> set[str]:
        return {f["code"] for f in self.analysis.summary["findings"] if f["present"] is True}

    def true_plms_index(self) -> float:
        tr = self.sim.events
        lm = tr[tr["trial_type"] == "leg_movement"]
        n = int(((lm["periodic"].astype(str) == "True") & lm["stage"].isin(_SLEEP)).sum())
        sleep_h = float(np.isin(self.sim.hypnogram.stages, [1, 2, 3, 4]).sum()) * self.sim.hypnogram.epoch_s / 3600
        return n / sleep_h

    def non_benign_per_h(self) -> float:
        """Propriospinal, cortical, periodic leg movements, and neonatal myoclonus past infancy (per h)."""
        ev = self.analysis.events
        bad = ev["trial_type"].isin(["propriospinal_myoclonus", "cortical_myoclonus"]) | (
            (ev["trial_type"] == "leg_movement") & (ev["periodic"].astype(str) == "True")) | (
            (ev["trial_type"] == "neonatal_myoclonus") & self.adult)
        return float(bad.sum()) / self.hours


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def sleep_starts(tmp_dir) -> _Run:
    # the scenario's own night: repeated W -> N1 onset attempts in the first hour
    return _Run("sleep_starts", tmp_dir, hours=0.75)


@pytest.fixture(scope="module")
def plmd(tmp_dir) -> _Run:
    return _Run("plmd", tmp_dir, hypnogram=_hypnogram((Stage.W, 4), (Stage.N1, 2), (Stage.N2, 64), (Stage.N3, 20),
                                                      (Stage.N2, 40)))


@pytest.fixture(scope="module")
def efm(tmp_dir) -> _Run:
    return _Run("excessive_fragmentary_myoclonus", tmp_dir,
                hypnogram=_hypnogram((Stage.W, 3), (Stage.N1, 2), (Stage.N2, 30), (Stage.N3, 10)))


@pytest.fixture(scope="module")
def rsbd(tmp_dir) -> _Run:
    return _Run("rsbd", tmp_dir, hypnogram=_hypnogram((Stage.W, 3), (Stage.N1, 2), (Stage.N2, 5), (Stage.R, 20)))


@pytest.fixture(scope="module")
def infant(tmp_dir) -> _Run:
    return _Run("infant_bnsm", tmp_dir, hours=0.5, age="21d")


@pytest.fixture(scope="module")
def infant_cycle(tmp_dir) -> _Run:
    # the same infant over one sleep cycle and more (63 min of sleep)
    return _Run("infant_bnsm", tmp_dir, hours=1.25, age="21d")


@pytest.fixture(scope="module")
def healthy(tmp_dir) -> _Run:
    return _Run("healthy_adult", tmp_dir, hypnogram=_hypnogram(
        (Stage.W, 5), (Stage.N1, 3), (Stage.N2, 15), (Stage.N3, 12), (Stage.N2, 5), (Stage.R, 12)))


@pytest.fixture(scope="module")
def propriospinal(tmp_dir) -> _Run:
    # axial jerks in relaxed wakefulness at sleep onset (the scenario's first hour)
    return _Run("propriospinal", tmp_dir, hours=0.75)


@pytest.fixture(scope="module")
def cortical(tmp_dir) -> _Run:
    # brief jerks preceded by a time-locked EEG transient; 45 min at 30 jerks/h leave fewer than
    # 20 jerks of any one muscle, so jerk-locked back-averaging (the neurophysiology stage) gives
    # no verdict: "cannot be assessed" (found on longer nights: tests/neurophysiology/test_wired.py)
    return _Run("cortical_myoclonus", tmp_dir, hours=0.75)


@pytest.fixture(scope="module")
def quiet(tmp_dir) -> _Run:
    # no jerks at all: electrode pops, ECG contamination, mains hum (issue 3: false jerks, goal 0)
    return _Run("quiet_artefacts", tmp_dir, hours=1.0)


@pytest.mark.parametrize("run_name,trial_type", [
    ("sleep_starts", "hypnic_jerk"),
    ("plmd", "leg_movement"),
    ("efm", "fragmentary_myoclonus"),
    ("rsbd", "rem_twitch"),
    ("infant", "neonatal_myoclonus"),
])
def test_class_f1_meets_bar(request, run_name, trial_type):
    # FM is asserted on the excessive-FM night.  In the healthy night's REM, FM potentials of
    # 100-150 ms are also SINBAR phasic bursts (0.1-5 s) and are named rem_twitch (decided
    # first): a definitional overlap, reported in docs/classification.md, not asserted here.
    run = request.getfixturevalue(run_name)
    f1, n_true = run.f1(trial_type)
    assert n_true >= 8, f"too few true {trial_type} events ({n_true}) for an F1"
    assert f1 >= F1_BAR, f"{trial_type} F1 {f1:.3f} on {n_true} true events"


def test_plms_index_within_10_percent(plmd):
    truth = plmd.true_plms_index()
    got = plmd.analysis.summary["indices_per_hour"]["plms_index"]
    assert truth > 15.0  # the scenario is a PLMD night
    assert got == pytest.approx(truth, rel=PLMS_REL_TOL)


@pytest.mark.parametrize("run_name,expected", [
    ("sleep_starts", {"sleep_starts"}),
    ("plmd", {"periodic_limb_movements"}),
    ("efm", {"excessive_fragmentary_myoclonus"}),
    ("rsbd", {"rem_sleep_without_atonia"}),
    ("infant", set()),  # 18 min of sleep: cannot be assessed (test_short_infant_night_...)
    ("infant_cycle", {"benign_neonatal_sleep_myoclonus"}),
    ("healthy", set()),
    ("propriospinal", {"propriospinal_myoclonus"}),
    ("quiet", set()),
    ("cortical", set()),
])
def test_right_findings(request, run_name, expected):
    run = request.getfixturevalue(run_name)
    assert run.findings_present() == expected


def test_short_infant_night_does_not_assess_neonatal_myoclonus(infant):
    f = next(f for f in infant.analysis.summary["findings"] if f["code"] == "benign_neonatal_sleep_myoclonus")
    assert f["present"] is None and f["values"]["below_minimum"] == ["sleep_min"]
    assert f["values"]["n_clusters"] >= 2  # clusters were seen, and counted, not made a finding


def test_healthy_night_has_no_non_benign_events(healthy):
    assert healthy.non_benign_per_h() < 1.0
    # the atonia index of a healthy REM period is normal (Ferri 2010: > 0.9)
    rswa = [f for f in healthy.analysis.summary["findings"] if f["code"] == "rem_sleep_without_atonia"][0]
    assert rswa["present"] is False
    assert rswa["values"]["atonia_index"] > 0.9


def test_quiet_night_has_no_jerks(quiet):
    """Pops, cardiac field and mains hum should never be jerks (goal: 0 per hour).

    The spike-type electrode pop on the chin (truth: 3304.90 s, 215 uV) that used to
    pass as a fragmentary myoclonus potential is now told apart by its monophasic
    shape (``myosleep.preprocessing.artefacts``, test 2).
    """
    ev = quiet.analysis.events
    jerks = ev[ev["trial_type"] != "body_movement"]
    assert len(jerks) == 0, jerks[["onset", "trial_type", "channel"]].to_string()


def test_cortical_finding_is_not_claimed_without_eeg_evidence(cortical):
    f = next(f for f in cortical.analysis.summary["findings"] if f["code"] == "cortical_myoclonus")
    assert f["present"] is None and f["values"]["lead_ms"] is None and f["values"]["n_jerks"] > 0
    assert f["values"]["not_assessed_because"] in ("too_few_jerks", "too_few_per_muscle")
    assert (cortical.analysis.events["trial_type"] != "cortical_myoclonus").all()
