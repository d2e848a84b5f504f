"""Integer sleep-stage conventions: which one a file follows, from the file itself, or a refusal.

The same integer means different stages in different conventions (4 is REM for YASA, stage 4
of NREM for R&K numbering, REM again for DREAMS, where 5 is wake).  A file of bare integers is
read only when the file says how (a header such as DREAMS' ``[HypnogramAASM]``, or a legend line
such as YASA's ``# 0: Wake, 1: N1, 2: N2, 3: N3, 4: REM``), when the caller says how
(``convention=``), or when every convention that fits its set of values reads those values
the same way.  Otherwise it is refused with one line naming the conventions that fit and how
to choose.  Never a silent guess.

Conventions (``name``: codes; sources):

``yasa``
    0 W, 1 N1, 2 N2, 3 N3, 4 R, -1 artefact/movement, -2 unscored.  YASA (Vallat and Walker,
    eLife 2021; ``yasa.Hypnogram`` "int" mapping), and tools that follow it (Dreem Open
    Datasets use 0-4 with -1 unscored).
``rk``
    R&K numbering: 0 W, 1-4 S1-S4 (S3 and S4 -> N3), 5 REM, 6 movement time, 9 unscored.  Sleep
    Heart Health Study / NSRR staging codes ("Wake|0" ... "REM sleep|5", "Movement|6",
    "Unscored|9"), Compumedics Profusion ``SleepStage`` lists, and Sleep-EDF/PhysioNet-derived
    integer exports (Kemp et al., IEEE TBME 2000).
``isruc``
    0 W, 1 N1, 2 N2, 3 N3, 5 R (AASM stages numbered the R&K way, no 4): ISRUC-Sleep (Khalighi
    et al., Comput Methods Programs Biomed 2016: "R is called 5 in the original data").
``dreams-aasm``
    ``[HypnogramAASM]`` header, one value per 5 s: 5 W, 4 R, 3 N1, 2 N2, 1 N3, 0/-1/-2/-3 unknown
    (DREAMS Subjects/Patients databases, Devuyst, University of Mons; "The DREAMS Databases and
    Assessment Algorithm").
``dreams-rk``
    ``[HypnogramR&K]`` header, one value per 5 s: 5 W, 4 REM, 3 S1, 2 S2, 1 S3, 0 S4, -1 movement,
    -2/-3 unknown (same source).
``elan``
    Elan ``.hyp`` (``time_base`` header): R&K codes 0 W, 1-4 S1-S4, 5 REM, -1/-2 artefact
    (visbrain ``read_hypno``, Combrisson et al., Front Neuroinform 2017).

Only ``yasa``, ``rk`` and ``isruc`` are candidates for a file of bare integers: DREAMS and Elan
files carry their header (it is part of their format), and a file without it is not theirs.
MASS, Sleep-EDF, HMC and SOMNOmedics files write text labels (``aasm-labels``/``rk-labels``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import HypnogramError, ParameterError
from ..vocab import Stage

__all__ = ["Convention", "CONVENTIONS", "HEADERLESS", "INTEGER_CONVENTIONS", "LABEL_CONVENTIONS",
           "choose_integer_convention", "parse_legend", "declared_epoch_s", "dreams_header", "check_convention"]

W, N1, N2, N3, R = Stage.W, Stage.N1, Stage.N2, Stage.N3, Stage.R
ART, UNS = Stage.ARTEFACT, Stage.UNSCORED


@dataclass(frozen=True)
class Convention:
    """One integer sleep-stage convention.

    Attributes
    ----------
    name : str
        Its identifier (``Hypnogram.convention``).
    title : str
        What it is, for messages and summaries.
    codes : dict
        Integer -> :class:`~myosleep.vocab.Stage`.
    value_s : float | None
        Seconds per value when the convention fixes it (DREAMS: 5 s), else None.
    """

    name: str
    title: str
    codes: dict[int, Stage]
    value_s: float | None = None

    def describe(self) -> str:
        """``"0 W, 1 N1, ... "``: the codes, for messages."""
        parts = []
        for code in sorted(self.codes, key=lambda c: (c < 0, c)):
            st = self.codes[code]
            parts.append(f"{code} {st.label if st.value >= 0 else ('artefact' if st is ART else 'unscored')}")
        return ", ".join(parts)


CONVENTIONS: dict[str, Convention] = {c.name: c for c in (
    Convention("yasa", "YASA/AASM integers (4 = R)", {0: W, 1: N1, 2: N2, 3: N3, 4: R, -1: ART, -2: UNS}),
    Convention("rk", "R&K integers as in SHHS/NSRR, Profusion and Sleep-EDF exports (4 = S4, 5 = REM)",
               {0: W, 1: N1, 2: N2, 3: N3, 4: N3, 5: R, 6: ART, 9: UNS}),
    Convention("isruc", "ISRUC-Sleep AASM integers (5 = R)", {0: W, 1: N1, 2: N2, 3: N3, 5: R}),
    Convention("dreams-aasm", "DREAMS [HypnogramAASM] (5 = W, 4 = R, 1 = N3; one value per 5 s)",
               {5: W, 4: R, 3: N1, 2: N2, 1: N3, 0: UNS, -1: UNS, -2: UNS, -3: UNS}, value_s=5.0),
    Convention("dreams-rk", "DREAMS [HypnogramR&K] (5 = W, 4 = REM, 0 = S4; one value per 5 s)",
               {5: W, 4: R, 3: N1, 2: N2, 1: N3, 0: N3, -1: ART, -2: UNS, -3: UNS}, value_s=5.0),
    Convention("elan", "Elan .hyp R&K codes (0 W, 1-4 S1-S4, 5 REM, -1/-2 artefact)",
               {0: W, 1: N1, 2: N2, 3: N3, 4: N3, 5: R, -1: ART, -2: ART}),
)}

#: Conventions a bare list of integers (no header) may follow, in the order they are reported.
HEADERLESS = ("yasa", "rk", "isruc")
#: Names accepted by ``read_hypnogram(convention=...)`` for integer codes.
INTEGER_CONVENTIONS = tuple(CONVENTIONS)
#: Names of the text-label conventions (recognised, never ambiguous).
LABEL_CONVENTIONS = ("aasm-labels", "rk-labels", "infant-labels")

_DREAMS = {"[hypnogramaasm]": "dreams-aasm", "[hypnogramr&k]": "dreams-rk", "[hypnogramrk]": "dreams-rk"}


def dreams_header(line: str) -> str | None:
    """``"dreams-aasm"``/``"dreams-rk"`` for a DREAMS header line, else None."""
    return _DREAMS.get(re.sub(r"\s+", "", line).lower())


def check_convention(convention: str | None) -> str | None:
    """Validate a ``convention=`` value (None passes)."""
    if convention is None:
        return None
    name = str(convention).strip().lower()
    allowed = INTEGER_CONVENTIONS + LABEL_CONVENTIONS
    if name not in allowed:
        raise ParameterError(f"unknown convention {convention!r}; allowed: {', '.join(allowed)}",
                             where="convention", hint="see myosleep.io.read_hypnogram for what each one codes")
    return name


# ------------------------------------------------------------------------------ the file itself
_PAIR_CODE_FIRST = re.compile(r"(?<![\w.])(-?\d+)\s*[:=]\s*([A-Za-z?][A-Za-z0-9 ?&/_-]*?)"
                              r"\s*(?=[,;|)]|$|\s-?\d+\s*[:=])")
_PAIR_LABEL_FIRST = re.compile(r"([A-Za-z?][A-Za-z0-9 ?&/_-]*?)\s*[:=]\s*(-?\d+)(?![\w.])")


def parse_legend(lines: list[tuple[int, str]]) -> tuple[dict[int, Stage], int] | None:
    """A legend mapping integers to stages in the file's comment or header lines, with its line.

    Parameters
    ----------
    lines : list of (line number, text)
        Comment/header lines (without the comment mark).

    Returns
    -------
    (codes, line) | None
        ``{code: Stage}`` when a line holds two or more ``code: label`` (or ``label = code``)
        pairs whose labels are all known stage labels (``0: Wake, 1: N1, ... 4: REM``).
    """
    from ._hypno_labels import label_to_stage

    for number, text in lines:
        for pattern, code_first in ((_PAIR_CODE_FIRST, True), (_PAIR_LABEL_FIRST, False)):
            pairs = pattern.findall(text)
            if len(pairs) < 2:
                continue
            codes: dict[int, Stage] = {}
            for a, b in pairs:
                code, label = (a, b) if code_first else (b, a)
                st = label_to_stage(label.strip())
                if st is None:
                    codes = {}
                    break
                codes[int(code)] = st
            if len(codes) >= 2:
                return codes, number
    return None


_EPOCH_PATTERNS = (
    re.compile(r"\bper\s+(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)\b", re.IGNORECASE),
    re.compile(r"\b(\d+(?:\.\d+)?)\s*-?\s*(?:s|sec|second)s?\s+epochs?\b", re.IGNORECASE),
    re.compile(r"\b(\d+(?:\.\d+)?)-(?:s|sec|second)\s+epochs?\b", re.IGNORECASE),
    # "epoch length: 20", "EpochLength 30", "epoch_s=30" (a qualifier), or "epoch: 30 s" (a unit);
    # not "epoch 1 starts at lights off".
    re.compile(r"\bepoch[ _]?(?:length|duration|len|size|s)\s*[:=]?\s*(\d+(?:\.\d+)?)", re.IGNORECASE),
    re.compile(r"\bepochs?\s*(?:[:=]|of)?\s*(\d+(?:\.\d+)?)\s*-?\s*(?:s|sec|secs|seconds)\b", re.IGNORECASE),
)


def declared_epoch_s(lines: list[tuple[int, str]]) -> tuple[float, int] | None:
    """Seconds per value a file's comment/header lines declare (``1 value per 30 seconds``,
    ``30-s epochs``, ``epoch length: 20``), with the line; None when none does."""
    for number, text in lines:
        for pattern in _EPOCH_PATTERNS:
            m = pattern.search(text)
            if m:
                value = float(m.group(1))
                if value > 0:
                    return value, number
    return None


# ------------------------------------------------------------------------------------ choosing
def _values(ordered: list[int]) -> str:
    """``[0, 1, 2]`` for messages, cut after 12 values."""
    if len(ordered) <= 12:
        return str(ordered)
    return "[" + ", ".join(str(v) for v in ordered[:12]) + f", ...] ({len(ordered)} values)"


def _differences(names: list[str], values: list[int]) -> str:
    """``"4: N3 for rk, R for yasa"`` for each value the conventions read differently."""
    out = []
    for v in values:
        reads = {n: CONVENTIONS[n].codes[v] for n in names}
        if len(set(reads.values())) > 1:
            out.append(f"{v} is " + " or ".join(f"{st.label if st.value >= 0 else 'no stage'} ({n})"
                                                 for n, st in reads.items()))
    return "; ".join(out)


def choose_integer_convention(values: set[int], *, source: str, convention: str | None = None,
                              legend: tuple[dict[int, Stage], int | str] | None = None,
                              header: str | None = None) -> tuple[dict[int, Stage], str, str, list[str]]:
    """How to read a file's integer stage codes.

    Parameters
    ----------
    values : set of int
        The integers the file holds.
    source : str
        The file (for messages).
    convention : str | None
        The caller's choice (``read_hypnogram(convention=)``; CLI ``--hypnogram-convention``).
    legend : (codes, line) | None
        A legend found in the file (:func:`parse_legend`; ``line`` its number), or beside it
        (``line`` says where: a BIDS sidecar's ``Levels``).
    header : str | None
        A convention named by the file's header (``dreams-aasm``, ``dreams-rk``).

    Returns
    -------
    codes, name, evidence, equivalent
        The mapping, the convention's name, how it was recognised (one phrase), and the other
        conventions that read these values the same way.

    Raises
    ------
    HypnogramError
        A value the chosen convention does not define; no convention fits; or the conventions
        that fit read the values differently (the line names them and how to choose).
    """
    ordered = sorted(values)
    if header is not None and convention is not None and convention != header:
        raise HypnogramError(f"the file's header says {CONVENTIONS[header].title}, but convention={convention!r} "
                             "was given", where=source, hint=f"drop the option or pass convention={header!r}")
    name = header if header is not None else convention
    if name is not None:
        if name in LABEL_CONVENTIONS:
            raise HypnogramError(f"holds integer stage codes, but convention={name!r} is for text labels",
                                 where=source, hint=f"pass one of {', '.join(INTEGER_CONVENTIONS)}")
        conv = CONVENTIONS[name]
        bad = [v for v in ordered if v not in conv.codes]
        if bad:
            raise HypnogramError(f"stage code {bad[0]} is not in the {name} convention ({conv.describe()})",
                                 where=source, hint="check the file or choose another convention=")
        return dict(conv.codes), name, ("the file's header" if header else "convention= given"), []
    if legend is not None:
        codes, line = legend
        # a legend line of the file (its number), or a description beside it (a BIDS sidecar's Levels)
        said = f"the file's legend (line {line})" if isinstance(line, int) else str(line)
        bad = [v for v in ordered if v not in codes]
        if bad:
            raise HypnogramError(f"stage code {bad[0]} is not in {said}", where=source,
                                 hint="complete the legend or pass convention=")
        named = [n for n in INTEGER_CONVENTIONS
                 if all(CONVENTIONS[n].codes.get(c) == st for c, st in codes.items())]
        return dict(codes), (named[0] if named else "file-legend"), said, named[1:]
    fits = [n for n in HEADERLESS if values <= set(CONVENTIONS[n].codes)]
    if not fits:
        raise HypnogramError(
            f"integer stage codes {_values(ordered)} fit no known convention ("
            + "; ".join(f"{n}: {CONVENTIONS[n].describe()}" for n in HEADERLESS) + ")",
            where=source, hint="add a legend line such as '# 0: W, 1: N1, 2: N2, 3: N3, 4: R' to the file, "
                               "or convert it to stage labels (W, N1, N2, N3, R)")
    readings = {tuple(int(CONVENTIONS[n].codes[v]) for v in ordered) for n in fits}
    if len(readings) > 1:
        raise HypnogramError(
            f"integer stage codes {_values(ordered)} fit {len(fits)} conventions that read them differently "
            f"({_differences(fits, ordered)}); the file does not say which", where=source,
            hint=f"pass convention= one of {', '.join(repr(n) for n in fits)} "
                 f"(CLI: --hypnogram-convention {fits[0]}), or add a legend line to the file such as "
                 f"'# 0: W, 1: N1, 2: N2, 3: N3, 4: R'")
    return (dict(CONVENTIONS[fits[0]].codes), fits[0], f"its values {_values(ordered)} (only {', '.join(fits)} fit)",
            fits[1:])
