"""Which transient is reported, on which channel and with which polarity, whatever the montage (defect 79).

Constructed back-averages: electrode-level potentials (an ideal reference) are derived into
each lab's montage, then handed to :func:`locate_transient` as the average and t of a
group. The premyoclonic positivity peaks 20 ms (arm) or 38 ms (leg) before EMG onset over
the central site contralateral to the jerking limb, with a scalp field (contralateral
central 1.0, Cz 0.4, ipsilateral central 0.3, ...). With a Cz reference every channel
carries Cz's share inverted, so the derivations far from the generator show a negativity
that can be the most significant one; an earlier, smaller deflection (-45 ms, ipsilateral
occipital) is a significant run too. The reported transient must be the positivity, at
the contralateral central derivation, within 2 ms of the truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.neurophysiology.channels import preferred_sites, recording_reference
from myosleep.neurophysiology.params import DEFAULT_PARAMS
from myosleep.neurophysiology.transient import TransientNull, locate_transient

FS = 256.0
TIMES = np.arange(-25, 0) / FS  # the test window, -97.7 to -3.9 ms
ELEC = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz", "C4", "T4", "T5", "P3", "Pz", "P4", "T6",
        "O1", "O2", "M1", "M2"]
#: The field of a right-limb jerk (left hemisphere, C3 largest); a left-limb jerk mirrors it.
FIELD_RIGHT = {"C3": 1.0, "F3": 0.35, "P3": 0.35, "Cz": 0.4, "T3": 0.3, "C4": 0.3, "Fz": 0.15, "Pz": 0.15,
               "F7": 0.1, "T5": 0.1, "M1": 0.05}
#: A leg jerk: the foot area under the vertex.
FIELD_LEG = {"Cz": 1.0, "C3": 0.45, "C4": 0.45, "Fz": 0.35, "Pz": 0.35, "F3": 0.1, "F4": 0.1, "P3": 0.1, "P4": 0.1}
AMP_UV = 12.0


def _mirror(e: str) -> str:
    if e.endswith("z") or not e[-1].isdigit():
        return e
    return e[:-1] + str(int(e[-1]) + 1 if int(e[-1]) % 2 else int(e[-1]) - 1)


def _bump(peak_ms: float, width_ms: float = 4.0) -> np.ndarray:
    return np.exp(-0.5 * ((TIMES * 1000.0 - peak_ms) / width_ms) ** 2)


def _electrodes(side: str, limb: str, early: bool) -> dict[str, np.ndarray]:
    """Potentials at each electrode over the test window (uV)."""
    peak = -20.0 if limb == "arm" else -38.0
    field = FIELD_LEG if limb == "leg" else (FIELD_RIGHT if side == "right" else
                                             {_mirror(k): v for k, v in FIELD_RIGHT.items()})
    v = {e: AMP_UV * field.get(e, 0.0) * _bump(peak) for e in ELEC}
    if early:  # an earlier, smaller deflection: ipsilateral occipital, 45 ms (arm) / 70 ms (leg) before onset
        occ = "O2" if side == "right" else "O1"
        v[occ] = v[occ] + 0.6 * AMP_UV * _bump(-45.0 if limb == "arm" else -70.0)
    return v


def _montage(name: str, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if name == "cz":  # a clinical referential export against Cz (Nihon Kohden, Natus)
        return {f"{e}-Cz": v[e] - v["Cz"] for e in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")}
    if name == "cz_eeg":  # the same, EDF-style labels
        return {f"EEG {e}-Cz": v[e] - v["Cz"] for e in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1",
                                                          "O2", "T3", "T4")}
    if name == "cz_few":  # too few channels for the average reference
        return {f"{e}-Cz": v[e] - v["Cz"] for e in ("C3", "C4", "O1", "O2")}
    if name == "egi":  # EGI net: E1..E20 against the vertex (Cz)
        return {f"E{i + 1}": v[e] - v["Cz"] for i, e in enumerate(e for e in ELEC if e != "Cz")}
    if name == "egi_vref":  # the same with the reference kept as a flat channel
        return {**_montage("egi", v), "VREF": np.zeros(TIMES.size)}
    if name == "std":
        return {"F4-M1": v["F4"] - v["M1"], "C4-M1": v["C4"] - v["M1"], "C3-M2": v["C3"] - v["M2"],
                "O2-M1": v["O2"] - v["M1"]}
    if name == "linked":
        lm = (v["M1"] + v["M2"]) / 2
        return {f"{e}-A1A2": v[e] - lm for e in ("F3", "F4", "C3", "C4", "O1", "O2")}
    if name == "avg":
        scalp = [e for e in ELEC if e not in ("M1", "M2")]
        mean = np.mean([v[e] for e in scalp], axis=0)
        return {f"EEG {e}-AVG": v[e] - mean for e in scalp}
    if name == "biosemi":  # ActiveTwo: A1.. against CMS
        return {f"A{i + 1}": v[e] for i, e in enumerate(e for e in ELEC if e not in ("M1", "M2"))}
    raise ValueError(name)


def _group(montage: str, side: str, limb: str, early: bool):
    """(locate_transient's answer, the channel labels) for one constructed group."""
    der = _montage(montage, _electrodes(side, limb, early))
    labels = tuple(der)
    avg = np.stack([der[k] for k in labels], axis=1)  # (n_win, c)
    # t = average / its standard error: central derivations noisier (a t below threshold there),
    # so the most significant run can lie where the reference's inverted share shows
    noisy = np.array([1.0 if any(c in lab for c in ("C3", "C4", "E9", "E10", "A9", "A11")) else 0.6
                      for lab in labels])
    t = avg / (noisy * 1.2)
    null = np.linspace(0.0, 5.0, 2000)  # t_crit at level 0.01 ~4.95
    roles = {limb}
    nl = TransientNull(t, null, avg, TIMES, TIMES <= -DEFAULT_PARAMS.min_lead_ms(roles) / 1000 + 1e-9, labels,
                       DEFAULT_PARAMS.min_lead_ms(roles))
    tr = locate_transient(nl, level=0.01, p_adjusted=nl.p_value, alpha=0.01, params=DEFAULT_PARAMS,
                          lead_window_ms=DEFAULT_PARAMS.lead_window_ms(roles),
                          preferred=preferred_sites({side}, roles), reference=recording_reference(labels))
    return tr, labels


#: (montage, side, expected channel, expected reference-free site or None)
CZ_CASES = [
    ("cz", "left", "C4-Cz", "C4"), ("cz", "right", "C3-Cz", "C3"),
    ("cz_eeg", "left", "EEG C4-Cz", "C4"), ("cz_eeg", "right", "EEG C3-Cz", "C3"),
    ("cz_few", "left", "C4-Cz", None), ("cz_few", "right", "C3-Cz", None),
    ("egi", "left", "E10", "E10"), ("egi", "right", "E9", "E9"), ("egi_vref", "left", "E10", "E10"),
]


@pytest.mark.parametrize("montage,side,channel,site", CZ_CASES)
def test_a_cz_reference_reports_the_contralateral_positivity(montage, side, channel, site):
    """Cz-referenced and EGI montages: the positivity at the contralateral central derivation,
    20 ms before an arm jerk, not the earlier deflection nor the reference's inverted share."""
    tr, _ = _group(montage, side, "arm", early=True)
    assert tr.channel == channel
    assert tr.polarity == "positive" and tr.amplitude_uv > 0
    assert tr.latency_ms == pytest.approx(20.0, abs=2.0)
    assert tr.reference == "Cz"
    assert tr.lead_window_ms == (10.0, 30.0)
    if site is None:
        assert tr.reference_free is None
    else:
        assert tr.reference_free["site"] == site and tr.reference_free["polarity"] == "positive"
        assert tr.reference_free["n_sites"] == {"cz": 11, "cz_eeg": 13}.get(montage, 21)
        # against the average reference the site keeps most of the field (1.0 at the electrode)
        assert 0.6 * AMP_UV < tr.reference_free["amplitude_uv"] < 1.0 * AMP_UV


@pytest.mark.parametrize("montage", ["cz", "egi"])
def test_a_leg_jerk_under_a_vertex_reference_is_placed_at_the_vertex(montage):
    """A leg jerk's positivity under the vertex is on the reference itself: every derivation shows
    it inverted; the average reference puts it back at Cz, positive, 38 ms before onset."""
    tr, _ = _group(montage, "left", "leg", early=True)
    assert tr.latency_ms == pytest.approx(38.0, abs=2.0)
    assert tr.polarity == "negative"  # as recorded: X - Cz
    assert tr.reference_free["site"] == "Cz" and tr.reference_free["polarity"] == "positive"
    assert tr.reference_free["amplitude_uv"] > 0.5 * AMP_UV


CONTROLS = [
    ("std", "left", "C4-M1"), ("std", "right", "C3-M2"),
    ("linked", "left", "C4-A1A2"), ("linked", "right", "C3-A1A2"),
    ("avg", "left", "EEG C4-AVG"), ("avg", "right", "EEG C3-AVG"),
    ("biosemi", "left", "A11"), ("biosemi", "right", "A9"),
]


@pytest.mark.parametrize("montage,side,channel", CONTROLS)
def test_inactive_and_average_references_keep_their_answer(montage, side, channel):
    """Mastoid, linked-ear, average and BioSemi (CMS) montages: the contralateral central channel,
    positive, within 2 ms of the truth, with no reference named (they were right before)."""
    tr, _ = _group(montage, side, "arm", early=False)
    assert tr.channel == channel and tr.polarity == "positive"
    assert tr.latency_ms == pytest.approx(20.0, abs=2.0)
    assert tr.reference is None and tr.reference_free is None


@pytest.mark.parametrize("montage,side,channel", [("std", "right", "C3-M2"), ("linked", "right", "C3-A1A2")])
def test_an_earlier_deflection_outside_the_window_is_not_the_lead(montage, side, channel):
    """Any montage: a significant deflection 45 ms before an arm jerk (outside its 10-30 ms
    window) is not reported over the positivity 20 ms before it."""
    tr, _ = _group(montage, side, "arm", early=True)
    assert tr.channel == channel and tr.latency_ms == pytest.approx(20.0, abs=2.0)
    assert any(c["peak_ms"] < -40 for c in tr.clusters)  # the earlier run is still listed


def test_recording_reference():
    """Which common references are scalp electrodes, and when the average reference stands."""
    cz = recording_reference([f"{e}-Cz" for e in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")])
    assert (cz.name, cz.active, cz.average, len(cz.sites), cz.sites[-1]) == ("Cz", True, True, 11, "Cz")
    few = recording_reference(["C3-Cz", "C4-Cz", "O1-Cz", "O2-Cz"])
    assert (few.name, few.active, few.average) == ("Cz", True, False)
    one_side = recording_reference([f"{e}-Cz" for e in ("Fp1", "F3", "F7", "C3", "T3", "P3", "T5", "O1")])
    assert one_side.active and not one_side.average  # one hemisphere only: not the head
    assert recording_reference([f"E{i}" for i in range(1, 21)]).average
    assert not recording_reference([f"E{i}" for i in range(1, 5)]).average
    # an EGI export keeping its reference as a channel: that channel is the reference's site
    vref = recording_reference([f"E{i}" for i in range(1, 21)] + ["VREF"])
    assert (vref.name, vref.average, vref.recorded, len(vref.sites), vref.sites[-1]) == ("Cz", True, True, 21, "VREF")
    x = np.array([[3.0] * 20 + [0.0]])
    assert vref.rereference(x)[0] == pytest.approx([3.0 - 60 / 21] * 20 + [-60 / 21])
    for labels in (["F4-M1", "C4-M1", "C3-M2", "O2-M1"], ["C3-A1A2", "C4-A1A2"], ["EEG C3-AVG", "EEG C4-AVG"],
                   ["A1", "A2", "A3"], ["Fp1-F3", "F3-C3", "C3-P3"], ["EEG Fpz-Cz", "EEG Pz-Oz"]):
        assert not recording_reference(labels).active
    assert recording_reference(["C3-M2", "C4-M2"]).name == "M2"
    assert preferred_sites({"left"}, {"arm"}) == frozenset({"c4", "c2", "fc2", "cp2"})
    assert preferred_sites({"right"}, {"leg"}) == frozenset({"c3", "c1", "fc1", "cp1", "cz", "fcz", "cpz"})
