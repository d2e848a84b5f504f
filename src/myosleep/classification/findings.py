"""Recording-level findings: the seven codes of summary.json, each with its evidence.

Every finding says whether it is ``present`` (True / False, or None when it cannot be
assessed on this recording), one sentence of ``evidence`` with the numbers, and ``values``
(numbers with units in their keys, always including ``ruleset``).  Decision support, never
a diagnosis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..vocab import FindingCode
from .rules import RuleSet

__all__ = ["Finding", "sleep_starts", "excessive_fragmentary_myoclonus", "periodic_limb_movements",
           "rem_sleep_without_atonia", "benign_neonatal_sleep_myoclonus", "propriospinal_myoclonus",
           "cortical_myoclonus"]


@dataclass(frozen=True)
class Finding:
    """One recording-level finding.

    Parameters
    ----------
    code : FindingCode
    present : bool | None
        None when the recording does not allow the assessment (the evidence says why).
    evidence : str
        One sentence with the numbers behind ``present``.
    values : dict
        Numbers, units in the key names (``plms_index_per_h``, ``rem_min``), and ``ruleset``.
    """

    code: FindingCode
    present: bool | None
    evidence: str
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "present", "evidence", "values"}`` (JSON-ready with numpy scalars as numbers)."""
        return {"code": self.code.value, "present": self.present, "evidence": self.evidence,
                "values": dict(self.values)}


def _fmt(x: float, nd: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def _tag(rules: RuleSet) -> str:
    return f"({rules.name.upper()} rules)"


def sleep_starts(*, n_hypnic: int, n_transitions: int, n_followed_by_arousal: int, per_transition: list[int],
                 rules: RuleSet) -> Finding:
    """Sleep starts (hypnic jerks) per wake-to-sleep transition."""
    values = {"ruleset": rules.name, "n_hypnic_jerks": int(n_hypnic), "n_wake_to_sleep_transitions": int(n_transitions),
              "hypnic_jerks_per_transition": (n_hypnic / n_transitions) if n_transitions else float("nan"),
              "hypnic_jerks_by_transition": [int(v) for v in per_transition],
              "followed_by_arousal_pct": (100.0 * n_followed_by_arousal / n_hypnic) if n_hypnic else float("nan")}
    if n_transitions == 0:
        return Finding(FindingCode.SLEEP_STARTS, None,
                       f"No wake-to-sleep transition in the hypnogram, so sleep starts cannot be assessed "
                       f"{_tag(rules)}.",
                       values)
    rate = n_hypnic / n_transitions
    present = bool(rate >= rules.sleep_starts_min_per_transition and n_hypnic >= rules.sleep_starts_min_count)
    ev = (f"{n_hypnic} hypnic jerks over {n_transitions} wake-to-sleep transitions ({rate:.1f} per transition), "
          f"{_fmt(values['followed_by_arousal_pct'], 0)} % followed by an arousal; "
          + ("frequent (intensified) sleep starts" if present else "within the normal variant")
          + f" (threshold >= {rules.sleep_starts_min_per_transition:g} per transition and >= "
          f"{rules.sleep_starts_min_count} jerks) {_tag(rules)}.")
    return Finding(FindingCode.SLEEP_STARTS, present, ev, values)


def excessive_fragmentary_myoclonus(*, efm: dict, n_fm: int, fm_index_per_h: float, rules: RuleSet) -> Finding:
    """AASM excessive fragmentary myoclonus from :func:`~.fragmentary.excessive_fm_minutes` output."""
    values = {"ruleset": rules.name, "n_fm_potentials": int(n_fm), "fm_index_per_h": fm_index_per_h,
              "nrem_min": efm["nrem_min"], "efm_min": efm["efm_min"], "longest_run_min": efm["longest_run_min"],
              "fm_per_min_nrem": efm["fm_per_min_nrem"]}
    if efm["nrem_min"] < rules.efm_min_nrem_min:
        return Finding(FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS, None,
                       f"Only {efm['nrem_min']:.0f} min of NREM sleep, fewer than the {rules.efm_min_nrem_min:g} min "
                       f"the rule needs, so excessive fragmentary myoclonus cannot be assessed {_tag(rules)}.", values)
    present = bool(efm["present"])
    ev = (f"{efm['efm_min']:.0f} of {efm['nrem_min']:.0f} NREM minutes hold >= {rules.efm_min_per_min:g} "
          f"fragmentary myoclonus potentials (<= {rules.fm_max_burst_s * 1000:.0f} ms), "
          f"{'at or above' if present else 'below'} the {rules.efm_min_nrem_min:g} min required; "
          f"FM index {_fmt(fm_index_per_h)}/h {_tag(rules)}.")
    return Finding(FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS, present, ev, values)


def periodic_limb_movements(*, has_leg_channels: bool, n_plms: int, tst_h: float, n_plmw: int, wake_h: float,
                            n_lm_sleep: int, n_plms_arousal: int, is_child: bool, age_known: bool,
                            rules: RuleSet) -> Finding:
    """PLMS index against the adult (> 15/h) or paediatric (> 5/h) cut-off."""
    cutoff = rules.plms_index_child_per_h if is_child else rules.plms_index_adult_per_h
    plmsi = n_plms / tst_h if tst_h > 0 else float("nan")
    values = {"ruleset": rules.name, "n_plms": int(n_plms), "plms_index_per_h": plmsi,
              "n_plmw": int(n_plmw), "plmw_index_per_h": (n_plmw / wake_h) if wake_h > 0 else float("nan"),
              "lm_sleep_index_per_h": n_lm_sleep / tst_h if tst_h > 0 else float("nan"),
              "plms_arousal_index_per_h": n_plms_arousal / tst_h if tst_h > 0 else float("nan"),
              "tst_h": tst_h, "cutoff_per_h": cutoff, "age_group": "child" if is_child else "adult"}
    if not has_leg_channels:
        return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, None,
                       f"No usable leg EMG channel, so periodic limb movements cannot be assessed "
                       f"{_tag(rules)}.", values)
    if not tst_h > 0:
        return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, None,
                       f"No sleep in the hypnogram, so the PLMS index cannot be computed {_tag(rules)}.", values)
    present = bool(plmsi > cutoff)
    who = "children" if is_child else ("adults" if age_known else "adults (age not given)")
    ev = (f"PLMS index {plmsi:.1f}/h ({n_plms} periodic leg movements in {tst_h:.1f} h of sleep), "
          f"{'above' if present else 'not above'} the {cutoff:g}/h cut-off for {who}; "
          f"PLMW {n_plmw} {_tag(rules)}.")
    return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, present, ev, values)


def rem_sleep_without_atonia(*, sinbar: dict, rai: float, has_chin: bool, rules: RuleSet,
                             rai_source: str) -> Finding:
    """SINBAR chin 'any' (and chin + FDS) percentages and Ferri's atonia index."""
    rem_min = float(sinbar.get("rem_min", 0.0))
    values = {"ruleset": rules.name, "rem_min": rem_min,
              "sinbar_chin_any_pct": sinbar.get("chin_any_pct", float("nan")),
              "sinbar_chin_phasic_pct": sinbar.get("chin_phasic_pct", float("nan")),
              "sinbar_chin_tonic_pct": sinbar.get("chin_tonic_pct", float("nan")),
              "sinbar_chin_fds_any_pct": sinbar.get("chin_fds_any_pct", float("nan")),
              "atonia_index": rai, "atonia_index_source": rai_source,
              "chin_any_cutoff_pct": rules.sinbar_chin_any_pct,
              "chin_fds_any_cutoff_pct": rules.sinbar_chin_fds_any_pct,
              "atonia_index_abnormal_below": rules.rai_abnormal_below}
    if not has_chin:
        return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, None,
                       f"No usable chin EMG channel, so REM sleep without atonia cannot be assessed "
                       f"{_tag(rules)}.", values)
    if rem_min < rules.rswa_min_rem_min:
        return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, None,
                       f"Only {rem_min:.1f} min of REM sleep (< {rules.rswa_min_rem_min:g} min), too little to assess "
                       f"REM sleep without atonia {_tag(rules)}.", values)
    reasons = []
    chin_any = values["sinbar_chin_any_pct"]
    if math.isfinite(chin_any) and chin_any >= rules.sinbar_chin_any_pct:
        reasons.append(f"SINBAR chin 'any' {chin_any:.1f} % >= {rules.sinbar_chin_any_pct:g} %")
    fds = values["sinbar_chin_fds_any_pct"]
    if isinstance(fds, float) and math.isfinite(fds) and fds >= rules.sinbar_chin_fds_any_pct:
        reasons.append(f"chin + FDS 'any' {fds:.1f} % >= {rules.sinbar_chin_fds_any_pct:g} %")
    if math.isfinite(rai) and rai < rules.rai_abnormal_below:
        reasons.append(f"atonia index {rai:.2f} < {rules.rai_abnormal_below:g}")
    present = bool(reasons)
    if present:
        ev = "REM sleep without atonia: " + ", ".join(reasons) + f" over {rem_min:.0f} min of REM {_tag(rules)}."
    else:
        ev = (f"Normal REM atonia: SINBAR chin 'any' {_fmt(chin_any)} % (< {rules.sinbar_chin_any_pct:g} %), "
              f"atonia index {_fmt(rai, 2)} over {rem_min:.0f} min of REM {_tag(rules)}.")
    return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, present, ev, values)


def benign_neonatal_sleep_myoclonus(*, age_months: float | None, n_clusters: int, n_jerks: int,
                                    clusters_per_h: float, n_in_wake_after: int, rules: RuleSet) -> Finding:
    """Age-aware BNSM: clusters of 1-5 Hz jerks in sleep in an infant."""
    values = {"ruleset": rules.name, "age_months": age_months, "n_clusters": int(n_clusters),
              "n_neonatal_jerks": int(n_jerks), "clusters_per_h_sleep": clusters_per_h,
              "typical_age": None if age_months is None else bool(age_months < rules.neonatal_typical_max_months)}
    if age_months is None:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, None,
                       f"Age not given, so benign neonatal sleep myoclonus (an infant disorder) cannot be assessed; "
                       f"{n_clusters} clusters of 1-5 Hz jerks in sleep were seen {_tag(rules)}.", values)
    if age_months / 12.0 >= rules.neonatal_max_age_y:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"Not applicable at {age_months / 12.0:.1f} years (benign neonatal sleep myoclonus is a "
                       f"disorder of the first year); {n_clusters} clusters of 1-5 Hz jerks in sleep {_tag(rules)}.",
                       values)
    present = n_clusters >= 1
    if not present:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"No cluster of >= {rules.neonatal_min_jerks} jerks at 1-5 Hz in sleep at "
                       f"{age_months:.1f} months {_tag(rules)}.", values)
    if age_months < rules.neonatal_typical_max_months:
        age_note = f"typical at {age_months:.1f} months"
    elif age_months < rules.neonatal_unusual_after_months:
        age_note = (f"at {age_months:.1f} months it has outlasted the usual 3 months (a third of infants "
                    f"keep it longer)")
    else:
        age_note = (f"UNUSUAL at {age_months:.1f} months (rarely persists beyond "
                    f"{rules.neonatal_unusual_after_months:g} months): consider other causes")
    ev = (f"{n_clusters} clusters ({n_jerks} jerks at 1-5 Hz, {_fmt(clusters_per_h)}/h of sleep) only in sleep, "
          f"{age_note}; benign only with a normal EEG (EEG discharges make it not benign, not checked here) "
          f"{_tag(rules)}.")
    return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, True, ev, values)


def propriospinal_myoclonus(*, has_axial: bool, n_events: int, velocities_m_s: list[float],
                            rules: RuleSet) -> Finding:
    """Axial-onset jerks spreading at propriospinal velocities."""
    import numpy as np

    v = [x for x in velocities_m_s if math.isfinite(x)]
    values = {"ruleset": rules.name, "n_jerks": int(n_events),
              "median_velocity_m_s": float(np.median(v)) if v else float("nan"),
              "velocity_range_m_s": [rules.psm_min_velocity_m_s, rules.psm_max_velocity_m_s]}
    if not has_axial:
        return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, None,
                       f"No axial EMG channel (abdominal, paraspinal, intercostal), so propriospinal myoclonus "
                       f"cannot be assessed {_tag(rules)}.", values)
    present = n_events >= rules.psm_min_events
    ev = (f"{n_events} jerks start in an axial muscle at sleep onset and spread at "
          f"{_fmt(values['median_velocity_m_s'])} m/s (median; propriospinal range "
          f"{rules.psm_min_velocity_m_s:g}-{rules.psm_max_velocity_m_s:g} m/s), "
          f"{'at least' if present else 'fewer than'} the {rules.psm_min_events} required; no cortical "
          f"potential was checked {_tag(rules)}.")
    return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, bool(present), ev, values)


def cortical_myoclonus(*, burst_durations_s: list[float], rules: RuleSet) -> Finding:
    """What can be said without jerk-locked EEG back-averaging: never 'present'."""
    import numpy as np

    d = np.asarray([x for x in burst_durations_s if math.isfinite(x)], dtype=float)
    med_ms = float(np.median(d) * 1000.0) if d.size else float("nan")
    enough = d.size >= rules.cortical_min_bursts
    short = bool(enough and med_ms < rules.cortical_max_burst_s * 1000.0)
    values = {"ruleset": rules.name, "n_jerks": int(d.size), "lead_ms": None,
              "median_burst_duration_ms": med_ms,
              "short_bursts_pct": float(100.0 * np.mean(d < rules.cortical_max_burst_s)) if d.size else float("nan"),
              "burst_duration_suggests_cortical": short if enough else None}
    if not enough:
        ev = (f"Cannot be assessed yet: {d.size} brief unexplained myoclonic jerks "
              f"(< {rules.cortical_min_bursts} for the "
              f"burst-duration test) and no jerk-locked EEG back-averaging {_tag(rules)}.")
    else:
        ev = (f"Cannot be assessed yet without jerk-locked EEG back-averaging; the median EMG burst of "
              f"{d.size} brief unexplained jerks lasts {med_ms:.0f} ms, "
              f"{'below' if short else 'not below'} the {rules.cortical_max_burst_s * 1000:.0f} ms cut-off "
              f"{_tag(rules)}.")
    return Finding(FindingCode.CORTICAL_MYOCLONUS, None, ev, values)
