"""A recording without an ECG channel: its heartbeats are taken from the EMG lead that shows the
heart most regularly, tracked on the rhythm, and every lead removes its cardiac field at them.

Found by the robustness sweep (``benchmarks/fuzz_inputs.py``, case ``no_ecg_channel``): a
15-min PLMD night without its ECG channel gave 232 bursts where the ECG gave 78, 76-90 % of
the extra ones within 0.15 s of a heartbeat.  Each lead found its own beats against a 10-s
block's threshold, which a leg movement in the block raises above the beats beside it; each
missed beat stayed in the EMG as a 5-15 uV "potential".

Measured here (short bursts, reference with the ECG / without it; the beats of the chosen
lead that lie within 50 ms of an ECG beat, after the lead's constant delay). First fix
(cf20256): beats from one lead, tracked on the rhythm. Second (2026-12-07): under a movement
the tracker took a movement's peak near the rhythm's time for a beat (a detected one up to 20 %
of the RR away, or the window's largest energy) and lost the rhythm's phase for several beats,
and the beats it then put at the rhythm's time drifted; now the search back takes the QRS-energy
peak of a beat's energy nearest the rhythm's time, under a movement only peaks within 10 % of
it count, and a run of beats put by the rhythm alone is spaced evenly between the beats found
on either side.  Third (2026-12-07, later): the beats are placed on one lead's field, 90 % within
6 ms of the ECG's R-peaks but some 15-40 ms off, and each lead aligned its template within 4 ms
only (an ECG's precision): the field of the misplaced beats stayed beside their QRS as 3-5 uV
potentials; each lead now aligns the beats on its own QRS within 40 ms
(``detection.run.EMG_BEATS_ALIGN_S``).  Red before: seeds 2 (49 > 1.1 x 41) and 4 (39 > 1.1 x 35):

==============  ========  =================  ===================  ==================  =========
night           with ECG  without, before    after the first fix  after the second    the third
==============  ========  =================  ===================  ==================  =========
seed 2, 512 Hz  41        196 (824/946)      64 (906/946)         49 (928/946)        41
seed 1, 200 Hz  50        150 (733/946)      56 (901/946)         54 (926/946)        51
seed 3, 256 Hz  31        54 (855/947)       32 (937/947)         31 (946/947)        32
seed 4, 200 Hz  35        -                  37 (935/946)         39 (944/946)        34
seed 5, 512 Hz  32        -                  45 (924/946)         33 (935/946)        33
==============  ========  =================  ===================  ==================  =========
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.detection.run import _beats
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.preprocessing import detect_r_peaks
from myosleep.simulate import simulate_night
from myosleep.vocab import Role
from myosleep.vocab import Stage as S

from ._detect_helpers import SimRecording

#: Short bursts without the ECG at most this multiple of those with it (before: 1.7-4.8 x; after
#: the first fix 1.12-1.56 x, after the second 1.0-1.2 x, now 0.97-1.03 x).
MAX_BURST_RATIO = 1.1
#: Share of the ECG's beats the EMG-derived beats find within 50 ms (before: 0.77-0.90; after the
#: first fix 0.95-0.99, now 0.98-1.0).
MIN_BEATS_FOUND = 0.965


def _night(seed: int, sfreq: float):
    stages = np.r_[np.full(4, int(S.W)), np.full(2, int(S.N1)), np.full(24, int(S.N2))].astype(np.int8)
    return simulate_night("plmd", seed=seed, hypnogram=Hypnogram(stages=stages, epoch_s=30.0, source="simulated"),
                          sfreq_emg=sfreq)


@pytest.mark.parametrize("seed, sfreq", [(2, 512.0), (1, 200.0), (4, 200.0)])
def test_no_ecg_channel_beats_from_the_clearest_emg_lead(seed, sfreq):
    sim = _night(seed, sfreq)
    ecg = next(c for c in sim.channels if c.role == Role.ECG)
    true_beats = detect_r_peaks(np.asarray(ecg.data), ecg.sfreq) / ecg.sfreq
    rec = SimRecording(sim, drop=(ecg.label,))
    beats = _beats(rec, rec.channels)[0]
    assert beats is not None
    # the cardiac field in an EMG lead peaks a fixed delay after the ECG's R wave
    nearest = beats[np.argmin(np.abs(true_beats[:, None] - beats[None, :]), axis=1)]
    lag = float(np.median(nearest - true_beats))
    found = np.abs(nearest - true_beats - lag) < 0.05
    assert found.mean() >= MIN_BEATS_FOUND, found.mean()
    assert beats.size <= 1.02 * true_beats.size
    with_ecg = detect(SimRecording(sim), workers=1).bursts
    without = detect(rec, workers=1).bursts
    n_ref, n_no = int((with_ecg.detector == "short").sum()), int((without.detector == "short").sum())
    assert n_no <= MAX_BURST_RATIO * n_ref, (n_no, n_ref)
    # leg movements do not depend on the cardiac field
    assert abs(int((without.detector == "lm").sum()) - int((with_ecg.detector == "lm").sum())) <= 1
