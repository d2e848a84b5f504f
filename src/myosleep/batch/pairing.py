"""How a night's hypnogram and scored events are found: the user's patterns, else dataset layouts.

``--hypnograms``/``--events`` patterns hold placeholders (:data:`PLACEHOLDERS`), each optionally
with a format spec (``{stem:.6}``: its first 6 characters); :func:`check_pattern` refuses every
other field with one line before any night runs.  The placeholders' values are glob-escaped when
the pattern's own text holds a wildcard: a folder ``Study [2019]`` is a name, not a character
class.  Without a pattern, :data:`HYPNOGRAM_LAYOUTS` are looked for in order, each used when
exactly one file matches.
"""

from __future__ import annotations

import glob
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, ParameterError

__all__ = ["PLACEHOLDERS", "NO_HYPNOGRAMS", "HYPNOGRAM_LAYOUTS", "check_pattern", "match_pattern",
           "default_hypnogram", "layout_convention", "bids_base", "absolute"]

#: Placeholders of ``--hypnograms``/``--events`` patterns.
PLACEHOLDERS = ("stem", "base", "dir", "id", "sub", "ses")
#: ``--hypnograms none``: no hypnogram file for any night (each is staged as ``analyze`` does).
NO_HYPNOGRAMS = "none"

GLOB_CHARS = re.compile(r"[*?\[]")
#: A BIDS recording's name (EEG and EMG datatypes), its ``base`` the name without ``_eeg``/``_emg``.
BIDS_NAME = re.compile(r"^(?P<base>sub-[A-Za-z0-9]+.*)_(?P<datatype>eeg|emg)\.(edf|bdf)$", re.IGNORECASE)


def absolute(text: str) -> Path:
    """The path as named, absolute (``..`` and ``.`` folded, links not resolved)."""
    return Path(os.path.abspath(os.path.expanduser(text)))


def bids_base(p: Path) -> str | None:
    m = BIDS_NAME.match(p.name)
    return m.group("base") if m else None


def check_pattern(pattern: str, option: str) -> None:
    """Refuse a malformed ``--hypnograms``/``--events`` pattern (one line, exit 2).

    Fields are the placeholders only, optionally with a format spec (``{stem:.6}``: the first 6
    characters); no index, attribute, conversion or positional field.
    """
    where = option.lstrip("-")
    hint = ("placeholders are {" + "} {".join(PLACEHOLDERS) + "}; the first N characters of one: {stem:.N} "
            "(e.g. '{stem:.6}*-Hypnogram.edf'); a literal brace is written {{ or }}")
    if not pattern.strip():
        raise ParameterError("is empty", where=where,
                             hint=f"give a pattern, or '{NO_HYPNOGRAMS}' to stage every night without a hypnogram file"
                             if option == "--hypnograms" else "give a pattern")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as err:
        raise ParameterError(f"cannot read {pattern!r} ({err})", where=where, hint=hint) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        head = re.match(r"[A-Za-z_]\w*", name)
        if name not in PLACEHOLDERS:
            if head and head.group(0) in PLACEHOLDERS and name[len(head.group(0)):][:1] in ("[", "."):
                what = (f"{{{name}}} indexes or takes an attribute of a placeholder, which patterns do not do")
            elif not name:
                what = "{} names no placeholder"
            else:
                what = f"unknown placeholder {{{name}}}"
            raise ParameterError(f"{what} in {pattern!r}", where=where, hint=hint)
        if conversion:
            raise ParameterError(f"conversion !{conversion} in {pattern!r} is not allowed", where=where, hint=hint)
        if spec:
            if "{" in spec or "}" in spec:
                raise ParameterError(f"nested field in {{{name}:{spec}}} of {pattern!r}", where=where, hint=hint)
            try:
                format("x", spec)
            except (ValueError, TypeError) as err:
                raise ParameterError(f"format spec {spec!r} of {{{name}}} in {pattern!r} cannot format text ({err})",
                                     where=where, hint=hint) from None


def _values(rec: Path, rid: str, ents: dict[str, str]) -> dict[str, str]:
    return {"stem": rec.stem, "base": bids_base(rec) or rec.stem, "dir": str(rec.parent), "id": rid,
            "sub": ents.get("sub", ""), "ses": ents.get("ses", "")}


def _fill(pattern: str, values: dict[str, str], *, escape: bool) -> str:
    """The pattern with its placeholders' values (glob-escaped when the result is globbed: a ``[``
    in a folder or file name is then a character, not a wildcard)."""
    if escape:
        values = {k: glob.escape(v) for k, v in values.items()}
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as err:  # check_pattern ran first
        raise ParameterError(f"cannot fill {pattern!r} ({err})", where="hypnograms") from None


def _pattern_globs(pattern: str) -> bool:
    """True when the pattern's own text (not its placeholders' values) holds a glob wildcard."""
    return any(GLOB_CHARS.search(literal or "") for literal, *_ in string.Formatter().parse(pattern))


def _same_file(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def match_pattern(pattern: str, rec: Path, rid: str, ents: dict[str, str],
                  option: str) -> tuple[str | None, str | None]:
    """(path, problem): the file a user's pattern names for this recording."""
    values = _values(rec, rid, ents)
    if _pattern_globs(pattern):
        text = os.path.expanduser(_fill(pattern, values, escape=True))
        if not os.path.isabs(text):
            text = os.path.join(glob.escape(str(rec.parent)), text)
        hits = [Path(os.path.abspath(h)) for h in sorted(glob.glob(text))]
        hits = [h for h in hits if h.is_file() and not _same_file(h, rec)]
        if len(hits) > 1:
            return None, (f"{option} {pattern!r} matches {len(hits)} files for {rec.name} "
                          f"({', '.join(h.name for h in hits[:3])}); make the pattern specific")
        if len(hits) == 1:
            return str(hits[0]), None
    else:
        p = Path(os.path.expanduser(_fill(pattern, values, escape=False)))
        p = p if p.is_absolute() else rec.parent / p
        if p.is_file():
            return str(absolute(str(p))), None
    return None, f"{option} {pattern!r} names no file for {rec.name}"


# ------------------------------------------------------------------------- default hypnograms
@dataclass(frozen=True)
class _Layout:
    name: str
    title: str
    convention: str | None = None


#: Hypnogram files looked for when ``--hypnograms`` is not given, in this order; each is used only when
#: exactly one file matches (two are the night's error).  Names from each dataset's documentation.
HYPNOGRAM_LAYOUTS: tuple[_Layout, ...] = (
    _Layout("simulate", "{stem}.hypnogram.tsv (myosleep simulate)"),
    _Layout("bids-events", "BIDS {base}_events.tsv (its stage rows)"),
    _Layout("sleep-edf", "Sleep-EDF Expanded: SC4ssNE0-PSG.edf -> SC4ssN*-Hypnogram.edf (ST7ssNJ0 likewise; "
                         "Kemp et al. 2000, PhysioNet sleep-edfx)"),
    _Layout("mass", "MASS: '<id> PSG.edf' -> '<id> Base.edf' (O'Reilly et al. 2014)"),
    _Layout("hmc", "HMC: SNxxx.edf -> SNxxx_sleepscoring.edf (Alvarez-Estevez and Rijsman, PhysioNet 2021)"),
    _Layout("dreams", "DREAMS: <stem>.edf -> HypnogramAASM_<stem>.txt (Devuyst, University of Mons)"),
    _Layout("isruc", "ISRUC-Sleep: <n>.rec -> <n>_1.txt, scorer 1 (Khalighi et al. 2016)", convention="isruc"),
    _Layout("nsrr", "NSRR: polysomnography/edfs/[<cohort>/]<stem>.edf -> "
                    "polysomnography/annotations-events-nsrr/[<cohort>/]<stem>-nsrr.xml (or -profusion.xml)"),
    _Layout("cap", "CAP Sleep Database: <stem>.edf -> <stem>.txt when it is a RemLogic export (Terzano et al. 2002)"),
)
_LAYOUT = {lay.name: lay for lay in HYPNOGRAM_LAYOUTS}
_SLEEP_EDF = re.compile(r"^(S[CT]\d{4})[A-Z]0-PSG$", re.IGNORECASE)
_MASS = re.compile(r"^(\d{2}-\d{2}-\d{4}) PSG$", re.IGNORECASE)


def _nsrr_candidates(rec: Path) -> list[Path]:
    parts = rec.parent.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].lower() == "edfs" and parts[i - 1].lower() == "polysomnography":
            base = Path(*parts[:i])
            sub = Path(*parts[i + 1:]) if i + 1 < len(parts) else Path()
            return [base / "annotations-events-nsrr" / sub / f"{rec.stem}-nsrr.xml",
                    base / "annotations-events-profusion" / sub / f"{rec.stem}-profusion.xml"]
    return []


def _is_remlogic(path: Path) -> bool:
    from ..io.hypnogram import detect_hypnogram_format

    try:
        return detect_hypnogram_format(path) == "remlogic"
    except InputError:
        return False


def _layout_hits(name: str, rec: Path, is_bids: bool) -> list[Path]:
    """The files the layout ``name`` names for this recording (existing ones only)."""
    d, stem = rec.parent, rec.stem
    if name == "simulate":
        cands = [d / f"{stem}.hypnogram.tsv"]
    elif name == "bids-events":
        base = bids_base(rec)
        cands = [d / f"{base}_events.tsv"] if is_bids and base else []
    elif name == "sleep-edf":
        m = _SLEEP_EDF.match(stem)
        if not m:
            return []
        prefix = m.group(1)[:6]  # SC4 + subject (2) + night (1)
        matches = glob.glob(os.path.join(glob.escape(str(d)), glob.escape(prefix) + "*-Hypnogram.edf"))
        hits = [Path(os.path.abspath(h)) for h in sorted(matches)]
        return [h for h in hits if h.is_file() and not _same_file(h, rec)]
    elif name == "mass":
        m = _MASS.match(stem)
        cands = [d / f"{m.group(1)} Base.edf"] if m else []
    elif name == "hmc":
        cands = [d / f"{stem}_sleepscoring.edf"]
    elif name == "dreams":
        cands = [d / f"HypnogramAASM_{stem}.txt"]
    elif name == "isruc":
        cands = [d / f"{stem}_1.txt"] if stem.isdigit() else []
    elif name == "nsrr":
        cands = [c for c in _nsrr_candidates(rec) if c.is_file()][:1]  # the NSRR XML first, else Profusion's
    elif name == "cap":
        cands = [d / f"{stem}.txt"]
        return [c for c in cands if c.is_file() and _is_remlogic(c)]
    else:  # pragma: no cover - the names are this module's own
        raise ValueError(name)
    return [c for c in cands if c.is_file() and not _same_file(c, rec)]


def default_hypnogram(rec: Path, is_bids: bool) -> tuple[str | None, str | None, str | None]:
    """(path, layout name, problem) of the first default layout that names a file for this recording."""
    for layout in HYPNOGRAM_LAYOUTS:
        hits = _layout_hits(layout.name, rec, is_bids)
        if len(hits) > 1:
            return None, layout.name, (f"the {layout.title.split(':')[0]} layout names {len(hits)} hypnograms for "
                                       f"{rec.name} ({', '.join(h.name for h in hits[:3])}); name one with "
                                       "--hypnograms PATTERN")
        if hits:
            return str(hits[0]), layout.name, None
    return None, None, None


def layout_convention(name: str | None) -> str | None:
    """The integer stage convention a layout fixes (ISRUC: ``isruc``), or None."""
    return _LAYOUT[name].convention if name in _LAYOUT else None
