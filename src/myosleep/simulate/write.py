"""Write a :class:`~myosleep.simulate.Simulation`: EDF+C and its truth tables, atomically."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._atomic import atomic_paths
from ..errors import OutputError
from ..vocab import Role

if TYPE_CHECKING:  # pragma: no cover
    from .core import Simulation

__all__ = ["write_simulation", "PHYSICAL_RANGE", "output_paths"]

#: Physical range per role, in the channel's unit. On 16 bits, +-3000 uV gives a step of
#: 6000/65535 = 0.092 uV, well below the 1 uV that EMG scoring needs; the ECG (R ~ 1 mV)
#: gets +-5000 uV (0.15 uV step); accelerometer axes +-8 g (0.24 mg step).
PHYSICAL_RANGE = {Role.ECG: 5000.0, Role.ACCELEROMETER: 8.0}
DEFAULT_RANGE_UV = 3000.0


def output_paths(path: str | os.PathLike[str]) -> dict[str, Path]:
    """OUT.edf and the truth tables beside it (OUT.events.tsv, ...)."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() == ".edf" else p
    return {
        "edf": p if p.suffix.lower() == ".edf" else p.with_name(p.name + ".edf"),
        "events": stem.with_name(stem.name + ".events.tsv"),
        "hypnogram": stem.with_name(stem.name + ".hypnogram.tsv"),
        "bursts": stem.with_name(stem.name + ".bursts.tsv"),
        "artefacts": stem.with_name(stem.name + ".artefacts.tsv"),
    }


def _tsv(df) -> str:
    """TSV with 6 decimals: onsets (s) keep their exact EMG sample (1/512 s = 0.001953125)."""
    return df.to_csv(sep="\t", index=False, na_rep="n/a", float_format="%.6f", lineterminator="\n")


def write_simulation(sim: Simulation, path: str | os.PathLike[str]) -> list[Path]:
    """Write the recording (EDF+C, 1-s data records, each channel at its own rate, uV)
    and its truth; return the paths written."""
    import edfio

    paths = output_paths(path)
    parent = paths["edf"].parent
    if not parent.is_dir():
        raise OutputError("the output folder does not exist", where=parent,
                          hint="create it or choose another output path")
    signals = []
    for ch in sim.channels:
        lim = PHYSICAL_RANGE.get(ch.role, DEFAULT_RANGE_UV)
        x = np.clip(ch.data.astype(np.float64), -lim, lim)
        signals.append(edfio.EdfSignal(x, sampling_frequency=float(ch.sfreq), label=ch.label,
                                       physical_dimension=ch.unit, physical_range=(-lim, lim),
                                       transducer_type="AgAgCl electrode" if ch.role != Role.ACCELEROMETER
                                       else "accelerometer",
                                       prefiltering=""))
    # a fixed, plausible lights-off clock time keeps the file deterministic
    edf = edfio.Edf(signals, data_record_duration=1.0, annotations=(),
                    starttime=datetime.time(23, 0, 0),
                    patient=edfio.Patient(name="simulated"),
                    recording=edfio.Recording(startdate=datetime.date(2000, 1, 1), equipment_code="myosleep",
                                              additional=(f"{sim.scenario.name}-seed{sim.seed}",)))
    ev = sim.events.copy()
    for col in ("periodic", "arousal"):
        ev[col] = ev[col].map(lambda v: v if isinstance(v, str) else str(bool(v)))
    for col in ("cluster_id",):
        ev[col] = ev[col].map(lambda v: "n/a" if v != v else str(int(v)))
    keys = ("edf", "events", "hypnogram", "bursts", "artefacts")
    try:
        with atomic_paths([paths[k] for k in keys]) as (edf_tmp, ev_tmp, hyp_tmp, bursts_tmp, art_tmp):
            edf.write(edf_tmp)
            ev_tmp.write_text(_tsv(ev), encoding="utf-8")
            sim.hypnogram.to_tsv(hyp_tmp)
            bursts_tmp.write_text(_tsv(sim.bursts), encoding="utf-8")
            art_tmp.write_text(_tsv(sim.artefacts), encoding="utf-8")
    except PermissionError as err:
        raise OutputError(f"cannot write ({err.strerror})", where=err.filename or parent,
                          hint="choose a writable output path") from None
    return [paths[k] for k in ("edf", "events", "hypnogram", "bursts", "artefacts")]
