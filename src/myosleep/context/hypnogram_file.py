"""``hypnogram.tsv``: the stages an analysis used, written beside its results.

A night staged by YASA (or, for an infant, by the EMG/EOG estimate) has no hypnogram file of its
own.  ``myosleep analyze`` therefore writes the stages it used, whatever their source, so that
``myosleep review`` can draw them and ``myosleep analyze --events-from`` classifies the reviewed
events on the same stages without staging the night again.

The file is the onset/duration/stage table that :func:`myosleep.io.read_hypnogram` reads (any
program reading BIDS-like tables can too): ``onset`` and ``duration`` in seconds from the
recording's start (6 decimals, so the epochs' start is kept to the microsecond), ``stage`` one of
``W N1 N2 N3 R``, ``artefact`` or ``n/a`` (unscored); lights off and on, as the analysis used them,
are rows of their own (``lights off``/``lights on``, duration 0).  Comment lines before the header
name the stages' source (``file:<name>``, ``yasa``, ``estimate:emg-eog``, ...) and that of the lights,
and the recording's gaps when it has some.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HypnogramError

if TYPE_CHECKING:  # pragma: no cover
    from ..io.hypnogram_model import Hypnogram
    from .context import SleepContext

__all__ = ["USED_HYPNOGRAM_FILE", "hypnogram_text", "read_used_hypnogram"]

#: Name of the file in an analysis folder.
USED_HYPNOGRAM_FILE = "hypnogram.tsv"
_SOURCE = "# source: "
_LIGHTS = "# lights: "


def hypnogram_text(context: SleepContext) -> str:
    """The text of ``hypnogram.tsv`` for the stages and lights of ``context``."""
    hyp = context.hypnogram
    table = hyp.to_dataframe(keep_artefact=True)
    lines = ["# The stages myosleep analyze used for this night (onset and duration in s from the recording start).",
             f"{_SOURCE}{' '.join(str(context.hypnogram_source).split())}",
             f"{_LIGHTS}{' '.join(str(context.lights_source).split())}"]
    if context.gaps_s:  # an EDF+D paused during the night: its epochs are n/a
        lines.append("# gaps (no signal recorded; their epochs n/a): "
                     + ", ".join(f"{a:g}-{b:g} s" for a, b in context.gaps_s))
    lines.append("onset\tduration\tstage")
    if context.lights_off_s is not None:
        lines.append(f"{float(context.lights_off_s):.6f}\t0.000000\tlights off")
    lines += [f"{on:.6f}\t{dur:.6f}\t{stage}" for on, dur, stage in
              zip(table["onset"].to_numpy(float), table["duration"].to_numpy(float), table["stage"])]
    if context.lights_on_s is not None:
        lines.append(f"{float(context.lights_on_s):.6f}\t0.000000\tlights on")
    return "\n".join(lines) + "\n"


def read_used_hypnogram(path: str | os.PathLike[str]) -> Hypnogram:
    """Read ``hypnogram.tsv`` back: the stages, lights off/on and the source the analysis recorded.

    Raises
    ------
    HypnogramError
        The file is missing or not a hypnogram myosleep wrote.
    """
    from ..io import read_hypnogram

    p = Path(path)
    try:
        with open(p, encoding="utf-8") as fh:
            head = [fh.readline() for _ in range(3)]
    except (OSError, UnicodeDecodeError) as err:
        raise HypnogramError(f"cannot be read ({err})", where=p,
                             hint="run myosleep analyze again to write it") from None
    source = next((line[len(_SOURCE):].strip() for line in head if line.startswith(_SOURCE)), None)
    if not source:
        raise HypnogramError("is not the hypnogram.tsv of myosleep analyze (no '# source:' line)", where=p,
                             hint="run myosleep analyze again to write it")
    hyp = read_hypnogram(p)
    return replace(hyp, source=source, metadata={**hyp.metadata, "file": p.name})
