"""What each finding's rule needs the montage to see (docs/robustness.md, defect 36).

A finding counts events of one kind; a montage that cannot show that kind of event cannot tell
"none happened" from "none could be seen".  Every finding therefore names the channels its rule
needs (:data:`NEEDS`, read from the class rules themselves), and on a montage without them it is
``present: None`` with the reason, whatever its rule found (:func:`gate`):

* ``sleep_starts``: a hypnic jerk is counted only when its EMG recruits >= ``hypnic_min_regions``
  body regions with brief EMG bursts (:mod:`.hypnic`; sleep starts are jerks of several body
  segments, ICSD-3, Chokroverty et al. 2013).  An accelerometer is a sensor, not a body region,
  and its movement outlasts the EMG burst, so it shows neither; a montage needs EMG of that many
  regions (chin, arm, leg, axial): a chin-only or legs-only night cannot show one.
* ``excessive_fragmentary_myoclonus``: FM potentials are single-muscle EMG potentials of
  20-150 ms (AASM VII.D; :mod:`.fragmentary`); an accelerometer event is never one.  Any EMG
  channel of a known site can show them.
* ``periodic_limb_movements``: leg movements are scored from leg channels (AASM VII.A, tibialis
  anterior; :mod:`.plm`).
* ``rem_sleep_without_atonia``: chin EMG (SINBAR's chin, Ferri's atonia index; the recorder's chin
  envelope suffices for the index, :mod:`.rswa`).
* ``benign_neonatal_sleep_myoclonus``: clusters of jerks of the limbs and trunk (Maurer et al.,
  Pediatrics 2010), whose EMG bursts are < 0.5 s (:mod:`.neonatal`): a limb or axial EMG.
* ``propriospinal_myoclonus``: an axial first muscle and >= ``psm_min_channels`` spinal segment
  levels among the EMG channels (the spread is a regression over segment levels,
  :mod:`.propriospinal`).
* ``cortical_myoclonus``: jerk-locked EEG back-averaging needs an EEG (Shibasaki 1992); the
  burst-duration test beside it needs EMG bursts (van der Veen et al. 2024), :mod:`.cortical`.
* ``functional_jerks``: the Bereitschaftspotential needs an EEG (Terada et al. 1995).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..vocab import FindingCode, Role
from .anatomy import muscle_at
from .findings import Finding, tag
from .rules import RuleSet

__all__ = ["EMG_SITES", "ChannelNeed", "gate", "needs"]

#: EMG roles of a known site: the body regions the rules read.
EMG_SITES = (Role.CHIN.value, Role.ARM.value, Role.LEG.value, Role.AXIAL.value)


@dataclass(frozen=True)
class ChannelNeed:
    """The channels a finding's rule needs to see the events it counts.

    Attributes
    ----------
    roles : tuple of str
        Channel roles that can show the events.
    min_roles : int
        How many distinct roles of ``roles`` the montage must hold (hypnic jerks: body regions).
    what : str
        The need in words ("EMG of >= 2 body regions (chin, arm, leg, axial)").
    why : str
        Why, with its source.
    min_levels : int
        Distinct spinal segment levels among the EMG channels (propriospinal spread), 0: none.
    chin_amplitude : bool
        The recorder's chin envelope (an amplitude per second) also meets the need (atonia index).
    """

    roles: tuple[str, ...]
    min_roles: int
    what: str
    why: str
    min_levels: int = 0
    chin_amplitude: bool = False

    def missing(self, roles: Mapping[str, str], *, has_chin_amplitude: bool = False) -> str | None:
        """None when the montage (``{label: role}`` of its usable channels) meets the need, else why not."""
        present = sorted({r for r in roles.values() if r in self.roles})
        if self.chin_amplitude and has_chin_amplitude:
            return None
        if len(present) < self.min_roles:
            return f"no {self.what}"
        if self.min_levels:
            levels = {m.cord_cm for lab, r in roles.items() if r in EMG_SITES and (m := muscle_at(lab, r)) is not None}
            if len(levels) < self.min_levels:
                return f"no {self.what} ({len(levels)} spinal segment level(s) among the EMG channels)"
        return None

    def to_dict(self) -> dict[str, object]:
        """``{"roles", "min_roles", "what"}`` (JSON-ready; ``values["channels_needed"]`` of a finding)."""
        return {"roles": list(self.roles), "min_roles": self.min_roles, "what": self.what}


def needs(rules: RuleSet) -> dict[FindingCode, ChannelNeed]:
    """The channel need of every finding (:class:`~myosleep.vocab.FindingCode`) under ``rules``."""
    limbs = (Role.ARM.value, Role.LEG.value, Role.AXIAL.value)
    k = rules.hypnic_min_regions
    return {
        FindingCode.SLEEP_STARTS: ChannelNeed(
            EMG_SITES, k, f"EMG of >= {k} body regions (chin, arm, leg, axial)",
            f"a hypnic jerk recruits >= {k} body regions with EMG bursts of <= "
            f"{rules.hypnic_max_burst_s * 1000:.0f} ms (sleep starts: ICSD-3, Chokroverty et al. 2013); an "
            "accelerometer is no body region and shows no EMG burst"),
        FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS: ChannelNeed(
            EMG_SITES, 1, "EMG channel (chin, arm, leg, axial)",
            f"fragmentary myoclonus potentials are EMG potentials of {rules.fm_min_burst_s * 1000:.0f}-"
            f"{rules.fm_max_burst_s * 1000:.0f} ms (AASM VII.D); an accelerometer cannot show them"),
        FindingCode.PERIODIC_LIMB_MOVEMENTS: ChannelNeed(
            (Role.LEG.value,), 1, "usable leg EMG channel",
            "leg movements are scored from the legs (AASM VII.A: tibialis anterior)"),
        FindingCode.REM_SLEEP_WITHOUT_ATONIA: ChannelNeed(
            (Role.CHIN.value,), 1, "usable chin EMG channel",
            "SINBAR reads the chin (Frauscher et al. 2012), the atonia index the chin amplitude (Ferri et al. 2010)",
            chin_amplitude=True),
        FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS: ChannelNeed(
            limbs, 1, "limb or axial EMG channel (arm, leg, axial)",
            "benign neonatal sleep myoclonus is clusters of jerks of the limbs and trunk (Maurer et al. 2010), "
            f"each an EMG burst of < {rules.neonatal_max_burst_s * 1000:.0f} ms"),
        FindingCode.PROPRIOSPINAL_MYOCLONUS: ChannelNeed(
            (Role.AXIAL.value,), 1, "axial EMG channel (abdominal, paraspinal, intercostal)",
            f"the jerk starts in an axial muscle and spreads over >= {rules.psm_min_channels} spinal segment levels "
            "(Brown et al. 1991; Montagna et al. 2006)", min_levels=rules.psm_min_channels),
        FindingCode.CORTICAL_MYOCLONUS: ChannelNeed(
            (Role.EEG.value,), 1, "EEG channel",
            "a cortical origin needs a jerk-locked EEG transient (back-averaging, Shibasaki 1992)"),
        FindingCode.FUNCTIONAL_JERKS: ChannelNeed(
            (Role.EEG.value,), 1, "EEG channel",
            "a Bereitschaftspotential is read from the EEG (Terada et al. 1995)"),
    }


def gate(finding: Finding, roles: Mapping[str, str], *, rules: RuleSet, has_chin_amplitude: bool = False) -> Finding:
    """The finding, or ``present: None`` with the reason when the montage cannot show its events.

    ``values["channels_needed"]`` always says what the rule needs; when the montage lacks it,
    ``values["not_assessed"]`` says what is missing and the evidence opens with it, followed by
    what the montage holds.
    """
    need = needs(rules).get(finding.code)
    if need is None:
        return finding
    values = {**finding.values, "channels_needed": need.to_dict()}
    missing = need.missing(roles, has_chin_amplitude=has_chin_amplitude)
    if missing is None:
        return Finding(finding.code, finding.present, finding.evidence, values)
    held = sorted({r for r in roles.values()}) or ["no usable channel"]
    reason = f"{missing} in the montage ({', '.join(held)})"
    values = {**values, "not_assessed": reason}
    what = finding.code.value.replace("_", " ").replace("rem ", "REM ")
    return Finding(finding.code, None,
                   f"{reason[:1].upper()}{reason[1:]}: {need.why}, so {what} cannot be assessed (neither found nor "
                   f"excluded) {tag(rules)}.", values)
