"""The two findings of the stage: ``cortical_myoclonus`` and ``functional_jerks``.

Built with :class:`myosleep.classification.findings.Finding`. Decision support: every
number behind the verdict is in ``values`` and in the evidence sentence.
"""

from __future__ import annotations

import math

from ..classification.findings import Finding, Minimum, minimum_evidence
from ..vocab import FindingCode
from .params import NeuroParams

__all__ = ["cortical_finding", "functional_finding"]

#: Source of the least number of jerks a back-average is judged on (:class:`NeuroParams` ``min_jerks``).
_MIN_JERKS_SOURCE = ("power of the paired test at alpha 0.01; clinics average 50-200 jerks, Shibasaki & Hallett, "
                     "Muscle Nerve 2005")


def _jerks_minimum(n: int, params: NeuroParams, what: str) -> Minimum:
    """The least number of jerks a verdict needs (summary.json ``values["minimum_evidence"]``)."""
    return Minimum("jerks", float(params.min_jerks), float(n), what, "", _MIN_JERKS_SOURCE)


def _fmt(x: float, nd: int = 0) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{nd}f}"


def _coherence_text(coh) -> str:
    if coh is None or coh.n_segments == 0 or not math.isfinite(coh.confidence_limit):
        return "EEG-EMG coherence not computed (too few jerks with a known EMG channel)"
    if not coh.significant:
        return (f"no significant 12-30 Hz EEG-EMG coherence (peak {coh.peak_coherence:.2f} at "
                f"{coh.peak_hz:.0f} Hz, limit {coh.confidence_limit:.2f}, {coh.n_segments} segments)")
    lead = {"EEG": f"EEG leading by {coh.lead_ms:.0f} ms", "EMG": f"EMG leading by {-coh.lead_ms:.0f} ms",
            None: "direction undetermined"}[coh.leader]
    return (f"significant 12-30 Hz EEG-EMG coherence ({coh.peak_coherence:.2f} at {coh.peak_hz:.0f} Hz on "
            f"{coh.channel}, limit {coh.confidence_limit:.2f}), {lead} by the phase slope")


def _where(group, params: NeuroParams) -> str:
    """The jerks of a group as the finding names them ("25 jerks of EMG FDS L")."""
    return {"all": f"{group.n_jerks} jerks", "other muscles": f"{group.n_jerks} jerks of the muscles with fewer "
            f"than {params.min_jerks} each"}.get(group.name, f"{group.n_jerks} jerks of {group.name}")


def _signs_for_cortex(groups, params: NeuroParams) -> dict[str, list[str]]:
    """What, besides the averages, points to a cortical origin, per group whose average is too
    small to outweigh it (fewer than ``params.absence_jerks`` jerks): ``{group name: signs}``.

    A test that misses is no proof of absence: "not cortical" only when, in every group of
    jerks, neither independent sign of a cortical origin points to one (EEG leading a
    significant 12-30 Hz EEG-EMG coherence, Brown et al. 1999; bursts <= 45 ms, van der Veen
    et al. 2024). The groups are disjoint sets of jerks (one per trigger muscle): a sign in
    one group is evidence about its own jerks, whatever the group with the lowest p shows.
    """
    out: dict[str, list[str]] = {}
    for group in groups:
        if group.n_jerks >= params.absence_jerks:
            continue
        coh, bd = group.coherence, group.bursts
        signs = []
        if coh is not None and coh.significant and coh.leader == "EEG":
            signs.append("EEG leads a significant EEG-EMG coherence")
        if bd is not None and bd.verdict == "supports_cortical":
            signs.append("the EMG bursts are as brief as cortical ones")
        if signs:
            out[group.name] = signs
    return out


def _reference_text(tr) -> str:
    """The recording reference when it is a scalp electrode, and the average reference's view."""
    if tr is None or tr.reference is None:
        return ""
    text = (f"; recorded against {tr.reference}, a scalp electrode whose own potential appears inverted on every "
            "channel")
    rf = tr.reference_free
    if rf:
        text += (f": against the average of the {rf['n_sites']} sites the deflection is largest at {rf['site']} "
                 f"({rf['polarity']}, {rf['amplitude_uv']:+.1f} uV)")
    return text


def cortical_finding(*, n_selected: int, n_usable: int, rejected: dict, has_eeg: bool, group, bp,
                     params: NeuroParams, ruleset: str | None, classes: tuple[str, ...] | None,
                     eeg_channels: tuple[str, ...], n_groups: int, reason: str | None = None,
                     pooled_muscles: int = 0, groups: tuple = ()) -> Finding:
    """Cortical myoclonus from the best group's transient, with BP, coherence and burst duration.

    ``reason``: why the transient was not tested (EEG too slow); ``pooled_muscles``: the
    number of trigger muscles mixed in the one average tested when no muscle had enough
    jerks of its own (0 when a muscle's own average was tested). ``values["not_assessed_because"]``
    says why ``present`` is None: ``no_eeg``, ``eeg_rate``, ``too_few_jerks``,
    ``too_few_per_muscle``, ``conflicting`` (a transient and a Bereitschaftspotential) or
    ``inconclusive`` (no transient in fewer than ``params.absence_jerks`` jerks, but coherence led
    by the EEG or bursts <= 45 ms: ``values["signs_for_cortex"]``).
    """
    tr = group.transient if group is not None else None
    coh = group.coherence if group is not None else None
    bd = group.bursts if group is not None else None
    sig_tr = tr if tr is not None and tr.channel is not None else None  # a significant transient
    values = {
        "ruleset": ruleset,
        "n_jerks": int(group.n_jerks) if group is not None else int(n_usable),
        "n_jerks_selected": int(n_selected), "n_jerks_usable": int(n_usable),
        "epochs_rejected": dict(rejected),
        "lead_ms": float(sig_tr.latency_ms) if sig_tr is not None else None,
        "p_value": float(tr.p_adjusted) if tr is not None and math.isfinite(tr.p_adjusted) else None,
        "p_value_unadjusted": float(tr.p_value) if tr is not None and math.isfinite(tr.p_value) else None,
        "alpha": params.alpha, "multiple_comparisons": "holm",
        "channel": sig_tr.channel if sig_tr is not None else None,
        "polarity": sig_tr.polarity if sig_tr is not None else None,
        "amplitude_uv": float(sig_tr.amplitude_uv) if sig_tr is not None else None,
        "trigger_muscle": group.name if group is not None else None,
        "n_groups_tested": int(n_groups),
        "bereitschaftspotential": bp.status if bp is not None else "not_assessable",
        "coherence_peak_hz": float(coh.peak_hz) if coh is not None and math.isfinite(coh.peak_hz) else None,
        "coherence_significant": bool(coh.significant) if coh is not None else None,
        "coherence_lead_ms": float(coh.lead_ms) if coh is not None and math.isfinite(coh.lead_ms) else None,
        "median_burst_duration_ms": float(bd.median_ms) if bd is not None and math.isfinite(bd.median_ms) else None,
        "burst_duration_test": bd.verdict if bd is not None else "not_assessable",
        "eeg_channels": list(eeg_channels), "classes": None if classes is None else list(classes),
        "not_assessed_because": None,
        "recording_reference": sig_tr.reference if sig_tr is not None else (tr.reference if tr is not None else None),
        "reference_free": dict(sig_tr.reference_free) if sig_tr is not None and sig_tr.reference_free else None,
        "groups_tested": [{"name": g.name, "n_jerks": int(g.n_jerks),
                           "p_value": float(g.transient.p_adjusted) if g.transient is not None
                           and math.isfinite(g.transient.p_adjusted) else None} for g in groups],
    }
    # the least evidence (classification.findings.Minimum): usable jerks in the average judged
    minimum = _jerks_minimum(int(group.n_jerks) if group is not None else int(n_usable), params,
                             "usable jerks in one back-average")
    values["minimum_evidence"] = minimum_evidence([minimum])
    code = FindingCode.CORTICAL_MYOCLONUS

    def unknown(why: str, text: str) -> Finding:
        below = {"below_minimum": [minimum.quantity]} if why == "too_few_jerks" else {}
        return Finding(code, None, text, {**values, "not_assessed_because": why, **below})

    if not has_eeg:
        return unknown("no_eeg", "No usable EEG channel, so jerk-locked back-averaging cannot tell whether the "
                       "jerks are cortical.")
    if reason is not None:
        return unknown("eeg_rate", reason)
    if group is None:
        rej = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in rejected.items() if v)
        return unknown("too_few_jerks", f"Not enough jerks: {n_usable} usable of {n_selected} selected"
                       + (f" (rejected: {rej})" if rej else "")
                       + f"; back-averaging needs at least {params.min_jerks} (clinics average 50-200), so no verdict.")
    extras = "; ".join(x for x in (
        f"Bereitschaftspotential {bp.status.replace('_', ' ')}" if bp is not None else None,
        _coherence_text(coh), bd.sentence(params) if bd is not None else None) if x)
    where = _where(group, params)
    if sig_tr is None and pooled_muscles > 1:
        p_txt = f"p = {tr.p_adjusted:.2g}" if tr is not None and math.isfinite(tr.p_adjusted) else "not tested"
        return unknown("too_few_per_muscle", (
            f"Not enough jerks of one muscle: no muscle has {params.min_jerks} usable jerks of its own, and the "
            f"average of {group.n_jerks} jerks of {pooled_muscles} muscles together shows no EEG transient before "
            f"them ({p_txt}); each muscle has its own corticomuscular latency (arm ~20 ms, leg 30-45 ms; "
            f"Shibasaki 1992), so pooling them blurs a transient and its absence cannot be concluded; {extras}."))
    if sig_tr is not None and bp is not None and bp.status == "present":
        return Finding(code, None, (f"Conflicting: an EEG transient {sig_tr.latency_ms:.0f} ms before EMG onset at "
                                    f"{sig_tr.channel} (p = {sig_tr.p_adjusted:.2g}) but also a Bereitschaftspotential "
                                    f"before the jerks; {extras}. Review the averages."),
                       {**values, "not_assessed_because": "conflicting"})
    test = ("t-max permutation test against jittered onsets"
            + (f", Holm-adjusted over {n_groups} groups of jerks" if n_groups > 1 else ""))
    if sig_tr is not None:
        ev = (f"Cortical: a {sig_tr.polarity} EEG transient ({sig_tr.amplitude_uv:+.1f} uV) at {sig_tr.channel} "
              f"peaks {sig_tr.latency_ms:.0f} ms before EMG onset in the average of {where} ({test}, "
              f"p = {sig_tr.p_adjusted:.2g} < {params.alpha:.2g}){_reference_text(sig_tr)}; {extras}.")
        return Finding(code, True, ev, values)
    p_txt = f"p = {tr.p_adjusted:.2g}" if tr is not None and math.isfinite(tr.p_adjusted) else "not tested"
    others = [g for g in groups if g is not group]
    nor = ""
    if others:
        listed = [f"{_where(g, params)} (p = {g.transient.p_adjusted:.2g})"
                  if g.transient is not None and math.isfinite(g.transient.p_adjusted)
                  else f"{_where(g, params)} (not tested)" for g in others]
        nor = ", nor in that of " + (" or ".join(listed) if len(listed) < 3 else ", ".join(listed[:-1]) +
                                     " or " + listed[-1])
    by_group = _signs_for_cortex(groups, params)
    if by_group:
        named = {g.name: g for g in groups}
        values["signs_for_cortex"] = [f"{sign} ({_where(named[name], params)})"
                                      for name, signs in by_group.items() for sign in signs]
        values["signs_for_cortex_by_group"] = by_group
        said = "; ".join(f"in the {_where(named[name], params)}, {' and '.join(signs)}"
                         for name, signs in by_group.items())
        return unknown("inconclusive", (
            f"Inconclusive: no EEG transient time-locked before the jerks in the average of {where} ({test}, "
            f"{p_txt}, alpha {params.alpha:.2g}){nor}, but {said}, so a cortical origin cannot be excluded with "
            f"fewer than {params.absence_jerks} jerks; more jerks (clinics average 50-200) or a review of the "
            f"averages is needed; {extras}."))
    ev = (f"No EEG transient time-locked before the jerks in the average of {where} "
          f"({test}, {p_txt}, alpha {params.alpha:.2g}){nor}: not cortical by back-averaging; {extras}.")
    return Finding(code, False, ev, values)


def functional_finding(*, bp, ruleset: str | None, params: NeuroParams) -> Finding:
    """Functional (psychogenic) jerks: a Bereitschaftspotential before jerks in wakefulness."""
    code = FindingCode.FUNCTIONAL_JERKS
    minimum = _jerks_minimum(int(bp.n_jerks) if bp is not None else 0, params, "usable jerks in wakefulness")
    values = {"ruleset": ruleset, "bereitschaftspotential": bp.status if bp is not None else "not_assessable",
              "n_jerks": int(bp.n_jerks) if bp is not None else 0,
              "channel": bp.channel if bp is not None else None,
              "amplitude_uv": float(bp.amplitude_uv) if bp is not None and math.isfinite(bp.amplitude_uv) else None,
              "early_amplitude_uv": (float(bp.early_amplitude_uv) if bp is not None
                                     and math.isfinite(bp.early_amplitude_uv) else None),
              "p_value": float(bp.p_value) if bp is not None and math.isfinite(bp.p_value) else None,
              "highpass_hz": bp.highpass_hz if bp is not None else None,
              "minimum_evidence": minimum_evidence([minimum])}
    if bp is not None and bp.status == "not_assessable" and not minimum.met:
        values["below_minimum"] = [minimum.quantity]
    source = ("a BP before jerks marks them as generated like voluntary movements (Terada et al., JNNP 1995; "
              "van der Salm et al., JNNP 2012)")
    if bp is None or bp.status == "not_assessable":
        said = (bp.reason if bp is not None else "No jerks to assess.").rstrip(".")
        return Finding(code, None, f"{said} ({source}).", values)
    if bp.status == "present":
        return Finding(code, True, f"Functional jerks suggested: {bp.reason[0].lower()}{bp.reason[1:-1]}; {source}.",
                       values)
    return Finding(code, False, f"{bp.reason[:-1]}; {source}.", values)
