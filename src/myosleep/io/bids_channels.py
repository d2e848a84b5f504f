"""Channel roles from a BIDS ``*_channels.tsv`` sidecar beside an EEG or EMG recording.

BIDS (EEG, and EMG since its extension: ``src/modality-specific-files/electromyography.md``)
stores a recording as ``sub-<label>[_ses-<label>]_task-<label>[...]_<eeg|emg>.<edf|bdf>`` with a
``<same entities>_channels.tsv`` beside it: one row per channel, columns ``name``, ``type``
(upper case: ``EMG``, ``EOG``/``HEOG``/``VEOG``, ``ECG``, ``EEG``, ``MISC``...), ``units``, and
for EMG ``target_muscle`` (e.g. "tibialis anterior left"); ``description`` is free text.

The labels of such files often name no site (``emg1``..``emg4``).  The sidecar then tells what
the label does not:

* a channel whose label gives no role (``other``) or EMG of unknown site gets the sidecar's type
  (``EOG``, ``ECG``, ``EEG``, ``ACCEL`` of BIDS motion; ``EMG`` as EMG of unknown site);
* an EMG channel whose ``target_muscle`` (or, without one, ``description``) names a muscle the
  label rules know (:func:`myosleep.io.roles.infer_role`) gets that muscle's role and side.

A role the label itself gives is kept (the label is the lab's own word for the channel); the
user's ``--channels`` comes after both.  A sidecar that cannot be read is reported and ignored.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..vocab import EMG_ROLES, Role
from .roles import RoleGuess, infer_role

__all__ = ["sidecar_path", "apply_sidecar"]

_BIDS_DATA = re.compile(r"^(?P<stem>sub-[^_]+(?:_[a-z]+-[^_]+)*)_(?:eeg|emg|ieeg)\.(?:edf|bdf)$", re.IGNORECASE)
_TYPES = {"EOG": Role.EOG, "HEOG": Role.EOG, "VEOG": Role.EOG, "ECG": Role.ECG, "EKG": Role.ECG, "EEG": Role.EEG,
          "EMG": Role.EMG, "ACCEL": Role.ACCELEROMETER}  # ACCEL: the motion extension's accelerometer type


def sidecar_path(path: Path) -> Path | None:
    """The ``*_channels.tsv`` of a BIDS EEG/EMG data file, when the file is named so and it exists."""
    m = _BIDS_DATA.match(path.name)
    if m is None:
        return None
    side = path.with_name(f"{m.group('stem')}_channels.tsv")
    return side if side.is_file() else None


def apply_sidecar(labels: list[str], guesses: list[RoleGuess], sidecar: Path) -> tuple[list[RoleGuess], str | None]:
    """Guesses completed from ``sidecar`` (see the module docstring), and a warning when it cannot be read."""
    try:
        with open(sidecar, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return guesses, f"BIDS sidecar {sidecar.name} not read ({err}): roles from the labels only"
    if not rows or "name" not in rows[0] or "type" not in rows[0]:
        return guesses, f"BIDS sidecar {sidecar.name} has no 'name' and 'type' columns: roles from the labels only"
    by_name = {(r.get("name") or "").strip(): r for r in rows}
    out = list(guesses)
    for i, label in enumerate(labels):
        row = by_name.get(label.strip())
        if row is None:
            continue
        kind = _TYPES.get((row.get("type") or "").strip().upper())
        if kind is None:
            continue
        g = out[i]
        unspecific = g.role in (Role.OTHER, Role.EMG)
        if kind is Role.EMG and (g.role in EMG_ROLES or unspecific):
            text = next((row[c].strip() for c in ("target_muscle", "description")
                         if (row.get(c) or "").strip() not in ("", "n/a")), "")
            role, side = infer_role(text) if text else (Role.OTHER, None)
            if role in EMG_ROLES and unspecific:
                out[i] = RoleGuess(role, side or g.side, f"BIDS {sidecar.name}: type EMG, muscle {text!r}")
            elif unspecific:
                out[i] = RoleGuess(Role.EMG, g.side, f"BIDS {sidecar.name}: type EMG"
                                   + (f", muscle {text!r} not recognised" if text else ", no target muscle"))
        elif g.role is Role.OTHER and kind is not Role.EMG:
            out[i] = RoleGuess(kind, g.side, f"BIDS {sidecar.name}: type {row['type'].strip().upper()}")
    return out, None
