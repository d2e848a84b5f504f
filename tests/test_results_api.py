"""The results from Python: compact reprs, summary tables, plots, MNE annotations, a stage after
classification, and a channel label with a comma through the whole pipeline."""

from __future__ import annotations

import inspect
import json

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import myosleep  # noqa: E402
from myosleep.classification import Finding, Relabel, StageOutcome  # noqa: E402
from myosleep.schema import EVENTS, MOTOR_EVENTS  # noqa: E402
from myosleep.vocab import FindingCode, TrialType  # noqa: E402

LEFT = "Tib ant, left"  # a label with a comma (BIDS lists are comma-separated)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A 0.5-h simulated PLMD night written to EDF with its left leg channel relabelled."""
    import edfio

    from myosleep.simulate import simulate_night

    d = tmp_path_factory.mktemp("night")
    sim = simulate_night("plmd", hours=0.5, seed=5, sfreq_emg=256, sfreq_eeg=128)
    paths = sim.write(d / "n.edf")
    edf = edfio.read_edf(d / "n.edf")
    for s in edf.signals:
        if s.label == "EMG LAT":
            s.label = LEFT
    edf.write(d / "comma.edf")
    hyp = next(p for p in paths if str(p).endswith(".hypnogram.tsv"))
    return d / "comma.edf", hyp


@pytest.fixture(scope="module")
def analysis(night):
    edf, hyp = night
    return myosleep.analyze(edf, hypnogram=hyp, age="45", channels={"leg": [LEFT, "EMG RAT"]})


def test_top_level_api():
    names = set(dir(myosleep))
    assert {"detect", "build_context", "classify", "analyze", "analyze_to_dir", "DetectionResult",
            "Classification", "Analysis", "InputError", "ParameterError", "ChannelError"} <= names
    assert issubclass(myosleep.ParameterError, myosleep.InputError)
    sig = inspect.signature(myosleep.analyze_to_dir)
    assert list(sig.parameters) == ["recording", "out_dir", "hypnogram", "age", "rules", "channels",
                                    "scored_events", "progress", "on_warning"]
    assert all(p.kind is p.KEYWORD_ONLY for n, p in sig.parameters.items() if n != "recording")


def test_compact_reprs(analysis):
    for obj in (analysis, analysis.detection, analysis.context, analysis.classification,
                analysis.detection.chin_amplitude, analysis.classification.findings[0]):
        text = repr(obj)
        assert len(text) < 400 and "\n" not in text, text
    assert "leg_movement" in repr(analysis.classification)
    # the 0.5-h night holds < 2 h of sleep: no finding can be claimed (issue 9, defect 1)
    assert "findings present: none" in repr(analysis)
    assert "periodic_limb_movements n/a" in repr(analysis.classification)


def test_analysis_holds_events_and_summary(analysis):
    ev = analysis.events
    assert list(ev.columns) == list(EVENTS.names)
    assert isinstance(analysis.summary, dict) and json.dumps(analysis.summary, allow_nan=False)
    assert sum(analysis.summary["counts"].values()) == len(ev)
    assert analysis.summary["channels"]["used"].count(LEFT) == 1


def test_summary_tables(analysis):
    ev = analysis.events
    t = analysis.summary_table(by="trial_type")
    assert t["count"].sum() == len(ev)
    assert t.loc["leg_movement", "count"] == int((ev["trial_type"] == "leg_movement").sum())
    by_stage = analysis.summary_table(by=("trial_type", "stage"))
    n2 = by_stage.loc[("leg_movement", "N2")]
    hours_n2 = analysis.context.hours_in("N2")
    assert n2["per_h"] == pytest.approx(n2["count"] / hours_n2)
    assert n2["count"] == analysis.summary["counts_by_stage"]["leg_movement"]["N2"]
    d = analysis.detection.summary(by="channel")
    assert d["count"].sum() == len(analysis.detection.bursts) and LEFT in d.index


def test_comma_label_survives_tables_files_and_annotations(analysis, tmp_path):
    ev = analysis.events
    legs = ev[ev["trial_type"] == "leg_movement"]
    assert any(LEFT in c for c in legs["channel"])
    assert all(isinstance(c, tuple) for c in ev["channel"])
    paths = analysis.write(tmp_path / "out")
    back = EVENTS.read(paths[0])
    assert back["channel"].tolist() == ev["channel"].tolist()
    det_paths = analysis.detection.write(tmp_path / "det")
    motor = MOTOR_EVENTS.read(det_paths[1])
    assert motor["channel"].tolist() == analysis.detection.events["channel"].tolist()
    ann = analysis.to_mne_annotations()
    assert [tuple(c) for c in ann.ch_names] == ev["channel"].tolist()
    assert len(analysis.detection.to_mne_annotations()) == len(analysis.detection.events) + \
        len(analysis.detection.artefacts)


def test_plots_return_axes_with_the_data(analysis):
    import matplotlib.pyplot as plt

    ax = analysis.plot_events()
    classes = [t.get_text() for t in ax.get_yticklabels()]
    present = [t.value for t in TrialType if (analysis.events["trial_type"] == t.value).any()]
    assert classes == [p.replace("_", " ") for p in present]
    ticks = sum(len(c.get_segments()) for c in ax.collections)
    assert ticks == len(analysis.events)
    assert ax.get_xlim() == pytest.approx((0.0, analysis.detection.duration_s / 3600.0))
    ax2 = analysis.plot_hypnogram()
    assert [t.get_text() for t in ax2.get_yticklabels()] == ["N3", "N2", "N1", "R", "W"]
    ax3 = analysis.detection.plot_bursts()
    assert LEFT in [t.get_text() for t in ax3.get_yticklabels()]
    assert sum(len(c.get_segments()) for c in ax3.collections) == len(analysis.detection.bursts)
    plt.close("all")


class _ToyStage:
    """A stage after classification: relabels two jerks and sets the cortical finding."""

    name = "toy_back_averaging"

    def run(self, recording, detection, context, classification):
        assert not recording.closed  # a stage may read the EEG
        ev = classification.events
        ids = tuple(int(i) for i in ev.loc[ev["event_id"] >= 0, "event_id"][:2])
        finding = Finding(FindingCode.CORTICAL_MYOCLONUS, True, "toy: EEG transient 20 ms before the jerks",
                          {"lead_ms": 20.0, "n_jerks": len(ids)})
        return StageOutcome(self.name, relabel=(Relabel(ids, TrialType.CORTICAL_MYOCLONUS, "toy rule"),),
                            findings=(finding,), values={"n_averaged": len(ids)})


def test_a_stage_after_classification_relabels_and_sets_findings(night):
    from myosleep.pipeline import STAGES

    edf, hyp = night
    a = myosleep.analyze(edf, hypnogram=hyp, age="45", channels={"leg": [LEFT, "EMG RAT"]},
                         stages=[*STAGES, _ToyStage()])
    ev = a.events
    assert (ev["trial_type"] == "cortical_myoclonus").sum() == 2
    assert set(ev.loc[ev["trial_type"] == "cortical_myoclonus", "rule"]) == {"toy rule"}
    s = a.summary
    assert s["counts"]["cortical_myoclonus"] == 2
    assert s["indices"]["by_trial_type"]["cortical_myoclonus"]["count"] == 2
    cort = next(f for f in s["findings"] if f["code"] == "cortical_myoclonus")
    assert cort["present"] is True and cort["values"]["lead_ms"] == 20.0
    assert s["stages"]["toy_back_averaging"] == {"n_averaged": 2} and list(s["stages"]) == [
        "neurophysiology", "toy_back_averaging"]
    # in FindingCode order: the neurophysiology stage's functional_jerks kept after the toy stage
    assert [f["code"] for f in s["findings"]] == [c.value for c in FindingCode]
    # the other findings are those of classification; without stages, no "stages" in the summary
    plain = myosleep.analyze(edf, hypnogram=hyp, age="45", channels={"leg": [LEFT, "EMG RAT"]}, stages=())
    assert "stages" not in plain.summary
    assert next(f for f in s["findings"] if f["code"] == "periodic_limb_movements") == \
        next(f for f in plain.summary["findings"] if f["code"] == "periodic_limb_movements")
    assert np.array_equal(ev["onset"].to_numpy(), plain.events["onset"].to_numpy())
