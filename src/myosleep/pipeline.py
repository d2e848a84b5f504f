"""The one orchestration of ``detect`` and ``analyze``: recording -> stages -> results -> files.

::

    Recording --detect--> DetectionResult --build_context--> SleepContext
        --classify--> Classification --STAGES (e.g. EEG back-averaging)--> Analysis

:class:`_Run` is the one place that checks the parameters and the output folder first,
opens and closes the recording, shows progress and times the steps; each result writes
itself all-or-nothing (:meth:`DetectionResult.write`, :meth:`Analysis.write`).  The
hypnogram and the scored events are read once, before detection, so that a bad file fails
early (:func:`myosleep.context.read_inputs`).

This module sits at the top of the pipeline (beside ``cli`` and ``batch``): it may import
every layer; no layer imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ._atomic import check_out_dir
from .age import Age, parse_age
from .neurophysiology.analysis_stage import NeurophysiologyStage

if TYPE_CHECKING:  # pragma: no cover
    import mne
    import pandas as pd
    from matplotlib.axes import Axes

    from .classification import AnalysisStage, Classification, RuleSet
    from .context import ContextInputs, SleepContext
    from .detection import DetectionResult
    from .io.hypnogram_model import Hypnogram
    from .io.recording import Recording
    from .reporting.evidence import Evidence

__all__ = ["OUTPUT_FILES", "STAGES", "Analysis", "analyze", "analyze_to_dir", "detect_to_dir"]

logger = logging.getLogger("myosleep")

#: Files :meth:`Analysis.write` writes, in order (batch's resume logic checks them all;
#: hypnogram.tsv: the stages used, whatever their source).
OUTPUT_FILES = ("events.tsv", "summary.json", "report.html", "annotations.edf", "events.json", "hypnogram.tsv")

#: Stages run after classification, in order (each may relabel events and set findings; see
#: :mod:`myosleep.classification.stages`): jerk-locked EEG back-averaging
#: (``cortical_myoclonus``, ``functional_jerks``; :mod:`myosleep.neurophysiology.analysis_stage`).
STAGES: tuple[AnalysisStage, ...] = (NeurophysiologyStage(),)

@dataclass(frozen=True, repr=False)
class Analysis:
    """Everything ``myosleep analyze`` produced for one recording.

    Attributes
    ----------
    events : pandas.DataFrame
        events.tsv rows (:data:`myosleep.schema.EVENTS`), after every stage; of
        ``analyze --events-from``: :data:`myosleep.schema.REVIEWED_EVENTS` rows.
    summary : dict
        summary.json.
    detection : DetectionResult
    context : SleepContext
    classification : Classification
        After the stages (its events are :attr:`events`).
    stage_values : Mapping
        The numbers each stage after classification measured, by stage name.
    evidence : Evidence | None
        What report.html shows of the signals (example events, transitions) and the
        recording's header fields, read while the recording was open; None: the report
        shows no signal and annotations.edf has no start date.
    """

    events: pd.DataFrame
    summary: dict[str, object]
    detection: DetectionResult
    context: SleepContext
    classification: Classification
    stage_values: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    evidence: Evidence | None = None

    @property
    def hypnogram(self) -> Hypnogram:
        """The stages used (given, from the recording's annotations, or staged)."""
        return self.context.hypnogram

    def summary_table(self, by: str | Sequence[str] = ("trial_type", "stage")) -> pd.DataFrame:
        """Events grouped by ``by`` with counts and indices per hour (:meth:`Classification.summary`)."""
        return self.classification.summary(by)

    def to_mne_annotations(self) -> mne.Annotations:
        """The classified events as :class:`mne.Annotations` (description = trial_type)."""
        return self.classification.to_mne_annotations()

    def plot_hypnogram(self, ax: Axes | None = None) -> Axes:
        """The hypnogram used (:meth:`SleepContext.plot_hypnogram`)."""
        return self.context.plot_hypnogram(ax)

    def plot_events(self, ax: Axes | None = None) -> Axes:
        """Every classified event over the night, one row per class (:meth:`Classification.plot_events`)."""
        return self.classification.plot_events(ax, duration_s=self.detection.duration_s)

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write :data:`OUTPUT_FILES` into ``out_dir`` (created when needed).

        events.tsv, summary.json, report.html, annotations.edf (EDF+ annotations, one per
        events.tsv row, the recording's start: :func:`myosleep.io.export_edf.write_annotations_edf`),
        events.json (the BIDS sidecar of events.tsv, from :mod:`myosleep.schema`) and
        hypnogram.tsv (the stages used, whatever their source).  Every file is written to a
        temporary name and renamed into place only when all exist, so a failure leaves nothing
        half-written.
        """
        from ._atomic import write_files
        from .context.hypnogram_file import hypnogram_text
        from .io.export_bids import write_events_sidecar
        from .io.export_edf import write_annotations_edf
        from .reporting.html import render_report
        from .reporting.summary import to_json_text
        from .schema import events_table

        header = self.evidence.header if self.evidence is not None else None
        table = events_table(self.events)
        return write_files(out_dir, {
            OUTPUT_FILES[0]: lambda p: table.write(self.events, p),
            OUTPUT_FILES[1]: lambda p: p.write_text(to_json_text(self.summary), encoding="utf-8"),
            OUTPUT_FILES[2]: lambda p: p.write_text(render_report(self.summary, self.events, self.hypnogram,
                                                                  evidence=self.evidence), encoding="utf-8"),
            OUTPUT_FILES[3]: lambda p: write_annotations_edf(
                _as_in_events_tsv(self.events), p, start_datetime=header.edf_start if header else None,
                patient=header.edf_patient if header else None),
            OUTPUT_FILES[4]: lambda p: write_events_sidecar(table.columns, p, columns=table.names),
            OUTPUT_FILES[5]: lambda p: p.write_text(hypnogram_text(self.context), encoding="utf-8"),
        })

    def __repr__(self) -> str:
        inputs = self.summary.get("inputs")
        rec = inputs.get("recording") if isinstance(inputs, dict) else None
        name = rec.get("name", "recording") if isinstance(rec, dict) else "recording"
        present = [f.code.value for f in self.classification.findings if f.present]
        return (f"<Analysis {name}: {len(self.events)} events, "
                f"hypnogram {self.context.hypnogram_source}, rules {self.classification.rules.name}; "
                f"findings present: {', '.join(present) if present else 'none'}>")


def _as_in_events_tsv(events: pd.DataFrame) -> pd.DataFrame:
    """Onsets and durations as events.tsv holds them (0.1 ms), so annotations.edf has the same rows."""
    from .schema import EVENTS

    return events.assign(**{c: [float(f"{v:.{EVENTS.column(c).decimals}f}") for v in events[c]]
                            for c in ("onset", "duration")})


class _Run:
    """One run of the pipeline: output folder checked first, recording opened and closed, progress, timings."""

    def __init__(self, *, progress: bool, out_dir: str | os.PathLike[str] | None):
        if out_dir is not None:
            check_out_dir(out_dir)  # before any work: created only once the results exist
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._status = None
        if progress:
            from rich.console import Console

            self._status = Console(stderr=True).status("myosleep: starting")
            self._status.start()

    @contextlib.contextmanager
    def step(self, text: str, timing: str | None = None) -> Iterator[None]:
        """A step of the run: shown, logged, timed as ``timings[timing]`` (s)."""
        logger.info(text)
        if self._status is not None:
            self._status.update(f"myosleep: {text}")
        t = time.perf_counter()
        yield
        if timing is not None:
            self.timings[timing] = time.perf_counter() - t

    def channel_done(self, done: int, total: int) -> None:
        """Detection's progress, one channel at a time."""
        if self._status is not None:
            self._status.update(f"myosleep: detecting EMG bursts and motor events ({done}/{total} channels)")

    @contextlib.contextmanager
    def recording(self, source: str | os.PathLike[str] | Recording | mne.io.BaseRaw,
                  channels: Mapping[str, Sequence[str]] | None) -> Iterator[Recording]:
        """The recording, opened (and closed afterwards) unless it is an open :class:`Recording` already."""
        from .io import read_recording
        from .io.recording import Recording

        with self.step("reading the recording"):
            rec = source if isinstance(source, Recording) else read_recording(source, channels=channels)
        self.timings["read_s"] = time.perf_counter() - self.t0
        try:
            yield rec
        finally:
            if rec is not source:
                rec.close()

    def detect(self, rec: Recording, *, chin_amplitude_suffices: bool = False) -> DetectionResult:
        """Detection, refusing a recording without a usable EMG or accelerometer channel.

        ``chin_amplitude_suffices`` (``analyze``): a recording whose only chin is an amplitude the
        recorder made (Sleep-EDF's rectified, smoothed ``EMG submental``) has no channel to read
        jerks from but still gives the chin amplitude per second, hence the REM atonia index; it is
        analysed, and :func:`without_jerk_channels` says that nothing else could be assessed.
        """
        from .detection import detect, require_usable_channels

        with self.step("detecting EMG bursts and motor events", "detect_s"):
            result = detect(rec, progress=self.channel_done)
        if not (chin_amplitude_suffices and chin_amplitude_only(result)):
            require_usable_channels(result, where=str(rec.path or "recording"), recording=rec)
        return result

    def close(self) -> None:
        self.timings["total_s"] = time.perf_counter() - self.t0
        if self._status is not None:
            self._status.stop()
            self._status = None


def chin_amplitude_only(detection: DetectionResult) -> bool:
    """No EMG or accelerometer channel could be read for jerks, but the chin is an amplitude envelope the
    recorder made (``ChinAmplitude.source`` "envelope channel:..."), which gives its amplitude per second.

    Only such a chin: one refused for its samples (a unit that makes its level implausible, a step
    too coarse) gives no amplitude to trust either (``detection.run._refused_chin``).
    """
    import numpy as np

    amp = detection.chin_amplitude
    return (not detection.channels_used and amp.values_uv is not None and amp.source.startswith("envelope channel:")
            and bool(np.isfinite(amp.values_uv).any()))


def no_jerk_channel_reason(detection: DetectionResult) -> str:
    """Why no jerk could be read: every refused channel with its reason."""
    refused = detection.channels_refused
    return ("no EMG or accelerometer channel could be read for jerks ("
            + "; ".join(f"{label}: {why}" for label, why in refused.items()) + ")")


def without_jerk_channels(classification: Classification, detection: DetectionResult) -> Classification:
    """Every finding that rests on jerks, made "cannot be assessed" with the reason, when no channel
    could be read for them (:func:`chin_amplitude_only`); REM sleep without atonia keeps its verdict
    from the chin amplitude (Ferri's atonia index), which says what it rests on."""
    from .classification.findings import Finding
    from .vocab import FindingCode

    reason = no_jerk_channel_reason(detection)
    return classification.with_findings([  # every code, those the skipped stages would set included
        Finding(code, None, f"{reason[:1].upper()}{reason[1:]}, so this cannot be assessed.",
                {"ruleset": classification.rules.name, "not_assessed": reason})
        for code in FindingCode if code is not FindingCode.REM_SLEEP_WITHOUT_ATONIA])


def _rules(rules: str | RuleSet) -> RuleSet:
    from .classification.rules import get_ruleset

    return get_ruleset(rules)


def detect_to_dir(recording: str | os.PathLike[str] | Recording, *, out_dir: str | os.PathLike[str],
                  channels: Mapping[str, Sequence[str]] | None = None, progress: bool = False,
                  on_warning: Callable[[str], None] | None = None) -> list[Path]:
    """``myosleep detect``: detect, then write bursts.tsv, motor_events.tsv, motor_event_members.tsv
    and artefacts.tsv into ``out_dir`` (:meth:`DetectionResult.write`); return their paths.

    ``on_warning`` receives each of the recording's warnings (``"FILE: text"``: a file cut short,
    header fields read leniently, a montage recognised as a whole), which these tables have no
    place for; ``analyze`` puts them in summary.json and the report.

    Raises
    ------
    ChannelError
        No EMG or accelerometer channel can be analysed (nothing is written).
    OutputError
        ``out_dir`` cannot be written (checked before the recording is read).
    """
    run = _Run(progress=progress, out_dir=out_dir)
    try:
        with run.recording(recording, channels) as rec:
            result = run.detect(rec)  # a refusal is its one line: the warnings follow a detection
            if on_warning is not None:
                name = Path(rec.path).name if rec.path is not None else "recording"
                for text in rec.warnings:
                    on_warning(f"{name}: {text}")
        with run.step("writing the tables"):
            return result.write(out_dir)
    finally:
        run.close()


def analyze(recording: str | os.PathLike[str] | Recording | mne.io.BaseRaw, *,
            hypnogram: Hypnogram | str | os.PathLike[str] | None = None, age: str | float | Age | None = None,
            rules: str | RuleSet = "aasm", channels: Mapping[str, Sequence[str]] | None = None,
            scored_events: pd.DataFrame | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
            progress: bool = False, stages: Sequence[AnalysisStage] | None = None) -> Analysis:
    """Analyse one recording for sleep myoclonus.

    Parameters
    ----------
    recording : path | Recording | mne.io.Raw
        EDF/EDF+/BDF file, an opened :class:`~myosleep.io.Recording`, or an MNE Raw.
    hypnogram : path | Hypnogram | None
        Scored stages. None: the recording's own EDF+ stage annotations when it has some, else
        staged with YASA (adults), or an explicit EMG/EOG estimate (infants); the outputs say which.
    age : str | float | Age | None
        Years (``34``) or with a unit (``18d``, ``6w``, ``4mo``, ``34y``).
    rules : {"aasm", "wasm2016"} or RuleSet
        Leg-movement ruleset.
    channels : dict | None
        Role overrides, ``{"leg": ["LAT", "RAT"]}``, applied when the recording is read here.
    scored_events : path | list of paths | DataFrame | None
        Scored arousals / respiratory events (used for arousal marking and the PLM
        respiratory exclusion); several files are combined (SOMNOmedics/Domino writes one event
        type per file).  The scorer's arousals, when given, are the AASM arousals (myosleep's
        detected AASM arousals are then not used).  None: the arousals and respiratory events
        written in an EDF+ recording's own annotations, when it holds some.
    progress : bool
        Show the steps on stderr.
    stages : sequence of AnalysisStage | None
        Stages after classification (default :data:`STAGES`).

    Returns
    -------
    Analysis
    """
    return _analyze(recording, hypnogram=hypnogram, age=age, rules=rules, channels=channels,
                    scored_events=scored_events, progress=progress, stages=stages, out_dir=None)


class Revision(Protocol):
    """How a re-analysis departs from analyze's path (the reviewed events of ``myosleep review``:
    :mod:`myosleep.review.recompute`); every other step is analyze's own."""

    #: The progress line of :meth:`revise`.
    step: str

    def inputs(self, rec: Recording, inputs: ContextInputs) -> ContextInputs:
        """Check the recording and the inputs read for it; the inputs to use."""

    def revise(self, classification: Classification) -> Classification:
        """The classification to continue with, from analyze's own."""

    def stages(self, classification: Classification) -> tuple[AnalysisStage, ...]:
        """The stages after classification."""


def _analyze(recording: str | os.PathLike[str] | Recording | mne.io.BaseRaw, *,
             hypnogram: Hypnogram | str | os.PathLike[str] | None, age: str | float | Age | None,
             rules: str | RuleSet, channels: Mapping[str, Sequence[str]] | None,
             scored_events: pd.DataFrame | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
             progress: bool, stages: Sequence[AnalysisStage] | None, out_dir: str | os.PathLike[str] | None,
             revision: Revision | None = None) -> Analysis:
    """The one path of every analysis: :func:`analyze`, and with ``revision`` a re-analysis."""
    from .classification import classify, run_stages
    from .context import build_context, read_inputs
    from .reporting.evidence import extract_evidence
    from .reporting.summary import build_summary

    run = _Run(progress=progress, out_dir=out_dir)
    try:
        rs, age_obj = _rules(rules), parse_age(age)
        with run.recording(recording, channels) as rec:
            age_obj, age_source, age_notes = recording_age(rec, age_obj)
            inputs = read_inputs(rec, hypnogram=hypnogram, scored_events=scored_events)
            if revision is not None:
                inputs = revision.inputs(rec, inputs)
            detection = run.detect(rec, chin_amplitude_suffices=True)
            text = "building the sleep context" + ("" if inputs.hypnogram is not None else " (staging the night)")
            with run.step(text, "context_s"):
                context = build_context(rec, inputs=inputs, age=age_obj)
            with run.step("classifying events", "classify_s"):
                classification = classify(detection, context, rules=rs, age=age_obj)
            if revision is not None:
                with run.step(revision.step, "recompute_s"):
                    classification = revision.revise(classification)
            todo = (revision.stages(classification) if revision is not None
                    else STAGES if stages is None else tuple(stages))
            if chin_amplitude_only(detection):  # no jerk to average the EEG around: no stage to run
                todo = ()
            with run.step(f"running {', '.join(s.name for s in todo)}", "stages_s" if todo else None):
                classification, values = run_stages(todo, rec, detection, context, classification)
            if chin_amplitude_only(detection):
                classification = without_jerk_channels(classification, detection)
            with run.step("reading example events for the report", "evidence_s"):
                evidence = extract_evidence(rec, detection, context, classification)
            run.timings["total_s"] = time.perf_counter() - run.t0
            summary = build_summary(rec, detection, context, classification, age=age_obj, timings=run.timings,
                                    stages=values, age_source=age_source,
                                    age_warnings=age_notes + hypnogram_age_warnings(age_obj, context))
    finally:
        run.close()
    return Analysis(events=classification.events, summary=summary, detection=detection, context=context,
                    classification=classification, stage_values=values, evidence=evidence)


def recording_age(rec: Recording, given: Age | None) -> tuple[Age | None, str | None, list[str]]:
    """The age of the analysis, where it comes from, and a warning when the sources disagree.

    ``given`` (``--age``) wins; else the age on the recording's start date of the EDF+ patient
    field's birthdate (EDF+ spec 2.1.3.3: ``code sex birthdate name``, ``dd-MMM-yyyy``; :func:`.io.
    edf_header.edf_plus_birthdate`), when both dates are the file's (not anonymised to ``X``).
    Sources: ``"given"`` or ``"edf_plus_birthdate"`` (the dates said in the warning-free summary).
    """
    from .age import age_from_birthdate, ages_disagree
    from .io.edf_header import edf_plus_birthdate, read_edf_header

    header_age, birth = None, None
    if rec.path is not None and rec.format != "mne" and rec.start_datetime is not None and rec.start_date_known:
        birth = edf_plus_birthdate(read_edf_header(rec.path).patient)
        if birth is not None:
            header_age = age_from_birthdate(birth, rec.start_datetime.date())
    if given is None:
        return header_age, None if header_age is None else "edf_plus_birthdate", []
    notes = []
    if header_age is not None and ages_disagree(given, header_age):
        notes.append(f"--age {given.text} disagrees with the EDF+ header: born {birth:%d-%b-%Y}, recorded "
                     f"{rec.start_datetime:%d-%b-%Y}, {header_age.days:.0f} days old ({header_age.years:.2f} years); "
                     f"--age is used, check which is right")
    return given, "given", notes


def hypnogram_age_warnings(age: Age | None, context: SleepContext) -> list[str]:
    """A warning when the hypnogram's scoring rules do not fit the age.

    AASM infant rules (W, N, T, R) cover 0-2 months post-term; from 2 months NREM is scored
    N1, N2, N3 (AASM Manual; Grigg-Damberger, J Clin Sleep Med 2016).  N2 needs sleep spindles,
    which appear from about 2 months (Grigg-Damberger 2016): N2 epochs under 2 months, or
    infant labels past 2 months, mean the age or the hypnogram is wrong.
    """
    import numpy as np

    from .vocab import Stage

    hyp = getattr(context, "hypnogram", None)
    if age is None or hyp is None or not str(hyp.source).startswith("file:"):  # a scorer's file, not a staging
        return []
    limit_days = 2.0 * 365.25 / 12.0
    infant = hyp.convention == "infant-labels"
    if infant and age.days > limit_days:
        return [f"The hypnogram is scored with infant rules (W, N, T, R: AASM, 0-2 months post-term) but the age is "
                f"{age.text} ({age.months:.1f} months): from 2 months NREM is scored N1, N2, N3 (Grigg-Damberger, "
                f"J Clin Sleep Med 2016); check the age or the hypnogram"]
    n2 = int((np.asarray(hyp.stages) == int(Stage.N2)).sum())
    if not infant and age.days < limit_days and n2:
        return [f"The hypnogram holds {n2} N2 epochs but the age is {age.text} ({age.months:.1f} months): N2 needs "
                f"sleep spindles, which appear from about 2 months; infants of 0-2 months are scored W, N, T, R "
                f"(AASM infant rules; Grigg-Damberger, J Clin Sleep Med 2016); check the age or the hypnogram"]
    return []


def analyze_to_dir(recording: str | os.PathLike[str], *, out_dir: str | os.PathLike[str],
                   hypnogram: Hypnogram | str | os.PathLike[str] | None = None, age: str | float | Age | None = None,
                   rules: str = "aasm", channels: Mapping[str, Sequence[str]] | None = None,
                   scored_events: (pd.DataFrame | str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
                                   | None) = None,
                   progress: bool = False, on_warning: Callable[[str], None] | None = None) -> list[Path]:
    """Run :func:`analyze` and write its files (:data:`OUTPUT_FILES`) into ``out_dir``; return their paths.

    ``out_dir`` is checked first but created only once the analysis has succeeded.  ``on_warning``
    receives each of summary.json's ``warnings`` once the files are written (a short recording, a file
    cut short, hypnogram epochs left out, ...), so that a user reading the command's output learns
    of them without opening the report.
    """
    analysis = _analyze(recording, hypnogram=hypnogram, age=age, rules=rules, channels=channels,
                        scored_events=scored_events, progress=progress, stages=None, out_dir=out_dir)
    paths = analysis.write(out_dir)
    if on_warning is not None:
        warnings = analysis.summary.get("warnings")
        for text in warnings if isinstance(warnings, list) else ():
            on_warning(str(text))
    return paths
