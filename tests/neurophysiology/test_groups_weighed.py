""""Not cortical" weighs the signs of every group of jerks, not only the lowest-p one (defect 80).

Constructed groups (disjoint jerks of one trigger muscle each, as the stage makes them):
no group's average shows a transient; one group, not the one with the lowest p, has a sign
of a cortical origin (bursts <= 45 ms, or EEG leading a significant 12-30 Hz coherence).
With fewer than 50 jerks in that group its negative average cannot outweigh the sign:
the finding is inconclusive and names the group.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.neurophysiology import findings
from myosleep.neurophysiology.bursts import BurstDurationResult
from myosleep.neurophysiology.coherence import CoherenceResult
from myosleep.neurophysiology.params import DEFAULT_PARAMS
from myosleep.neurophysiology.result import Band, GroupAverage
from myosleep.neurophysiology.transient import TransientResult

P = DEFAULT_PARAMS
NAN = float("nan")


def _coherence(sig: bool) -> CoherenceResult:
    # EEG leads by 20 ms (SE 3 ms): a leader when significant
    return CoherenceResult(25, 0.31, sig, "C4-M1", 13.0, 0.58 if sig else 0.15, 20.0 if sig else NAN, 3.0,
                           np.arange(40.0), {})


def _group(name: str, n: int, p_adj: float, burst_ms: float, coherent: bool = False) -> GroupAverage:
    verdict = "supports_cortical" if burst_ms <= 45 else "argues_against" if burst_ms >= 100 else "indeterminate"
    tr = TransientResult(p_adj / 3, p_adj, None, NAN, None, NAN, NAN, NAN, ())
    band = Band(np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)))
    return GroupAverage(name, np.arange(n), tuple(range(n)), band, 0.01, tr, _coherence(coherent),
                        BurstDurationResult(verdict, burst_ms, n, 50.0), 10.0)


def _finding(groups):
    primary = min(groups, key=lambda g: g.transient.p_adjusted)
    return findings.cortical_finding(n_selected=sum(g.n_jerks for g in groups), n_usable=sum(g.n_jerks for g in groups),
                            rejected={}, has_eeg=True, group=primary, bp=None, params=P, ruleset="test",
                            classes=("myoclonic_jerk",), eeg_channels=("C4-M1", "C3-M2"), n_groups=len(groups),
                            groups=tuple(groups))


# the trial's nights (nocort, nocort_pm, nocort_sp, nocort_al): FDS L has the lowest p and a 47-ms
# median burst; FDS R 33 ms; the pooled others 33 ms
CASES = [
    # (groups, the group with the sign, what the sign says)
    ([("EMG FDS L", 25, 0.14, 47.0, False), ("EMG FDS R", 25, 0.89, 33.0, False),
      ("other muscles", 27, 0.52, 60.0, False)], "EMG FDS R", "the EMG bursts are as brief as cortical ones"),
    ([("EMG FDS L", 25, 0.14, 47.0, False), ("EMG FDS R", 25, 0.89, 60.0, False),
      ("other muscles", 27, 0.52, 33.0, False)], "other muscles", "the EMG bursts are as brief as cortical ones"),
    ([("EMG FDS L", 25, 0.14, 47.0, False), ("EMG FDS R", 25, 0.89, 60.0, True)], "EMG FDS R",
     "EEG leads a significant EEG-EMG coherence"),
    ([("EMG TA L", 40, 0.05, 70.0, False), ("EMG TA R", 21, 0.6, 40.0, False)], "EMG TA R",
     "the EMG bursts are as brief as cortical ones"),
]


@pytest.mark.parametrize("spec,signed,sign", CASES)
def test_a_sign_for_cortex_in_another_group_blocks_not_cortical(spec, signed, sign):
    groups = [_group(*g) for g in spec]
    f = _finding(groups)
    assert f.present is None
    assert f.values["not_assessed_because"] == "inconclusive"
    assert f.values["signs_for_cortex_by_group"] == {signed: [sign]}
    n = next(g.n_jerks for g in groups if g.name == signed)
    named = f"{n} jerks of the muscles with fewer than 20 each" if signed == "other muscles" else \
        f"{n} jerks of {signed}"
    assert f"in the {named}, {sign}" in f.evidence
    assert [g["name"] for g in f.values["groups_tested"]] == [g.name for g in groups]
    assert [g["p_value"] for g in f.values["groups_tested"]] == pytest.approx([g[2] for g in spec])


def test_not_cortical_names_every_group():
    """No sign in any group: not cortical, and the text names every group with its p."""
    groups = [_group("EMG FDS L", 25, 0.14, 47.0), _group("EMG FDS R", 25, 0.89, 60.0),
              _group("other muscles", 27, 0.52, 70.0)]
    f = _finding(groups)
    assert f.present is False and "signs_for_cortex" not in f.values
    assert "25 jerks of EMG FDS L" in f.evidence and "25 jerks of EMG FDS R (p = 0.89)" in f.evidence
    assert "27 jerks of the muscles with fewer than 20 each (p = 0.52)" in f.evidence


def test_a_group_of_fifty_jerks_outweighs_its_own_sign():
    """50 jerks or more (clinics' least): a negative average outweighs its group's brief bursts."""
    groups = [_group("EMG FDS L", 25, 0.14, 47.0), _group("EMG FDS R", 60, 0.89, 33.0)]
    f = _finding(groups)
    assert f.present is False


def test_the_primary_groups_own_sign_still_counts():
    """The lowest-p group's own sign (as before): inconclusive, named."""
    groups = [_group("EMG FDS L", 25, 0.14, 33.0), _group("EMG FDS R", 25, 0.89, 60.0)]
    f = _finding(groups)
    assert f.present is None and f.values["signs_for_cortex_by_group"] == {"EMG FDS L": [
        "the EMG bursts are as brief as cortical ones"]}
