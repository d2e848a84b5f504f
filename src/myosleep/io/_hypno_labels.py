"""Sleep-stage labels of the many scoring conventions, mapped to :class:`~myosleep.vocab.Stage`.

Conventions covered (all map into the AASM stages W, N1, N2, N3, R):

* AASM (Berry et al., AASM Manual v2.5 2018): W, N1, N2, N3, R.
* Rechtschaffen & Kales 1968: W, S1-S4, REM, MT (movement time).  S3 and S4 together
  are AASM N3 (Iber et al., AASM Manual 2007, which merged them); MT has no AASM
  equivalent and becomes :attr:`Stage.ARTEFACT`.
* EDF+ conventions: Sleep-EDF ("Sleep stage W/1/2/3/4/R/?", "Movement time";
  Kemp et al., IEEE TBME 2000) and HMC ("Sleep stage N1/N2/N3"; Alvarez-Estevez and
  Rijsman, PLoS ONE 2021).
* YASA integers (Vallat and Walker, eLife 2021; ``yasa.Hypnogram``): 0 W, 1 N1, 2 N2,
  3 N3, 4 R, -1 artefact, -2 unscored.
* R&K integers as written by Elan, visbrain and Compumedics/NSRR: 0 W, 1-4 S1-S4, 5 REM,
  6 movement, 9 unscored (NSRR EventConcept "Movement|6", "Unscored|9").
* SOMNOmedics Domino exports (German/English): Wach/Wake, N1-N4, Rem, Movement, A/Artefakt.
* Philips Respironics RML (Alice, Sleepware G3): Wake, NonREM1-NonREM4, REM, NotScored.
* RemLogic (Embla/Natus) stage events: SLEEP-S0 (wake), SLEEP-S1..SLEEP-S4, SLEEP-REM, SLEEP-MT
  (the CAP Sleep Database's exports).
* Written apart or hyphenated: "N 1", "S-2", "NREM-3"; R&K wake as "S0"; an epoch nobody scored as
  "Undefined" (PhysioNet/CinC Challenge 2018), "Not staged" (besides "?", "Unscored", "Not scored").
* The words of other European exports: wake as French Eveil/Veille, Italian Veglia, Spanish and
  Italian Vigilia, Portuguese Vigilia, Dutch Waak, Spanish Despierto, Portuguese Acordado, Italian
  Sveglio; REM as Sommeil paradoxal, Sonno REM, Sueno REM, Sono REM, REM-Schlaf; "not scored" as
  German nicht bewertet, Italian non valutato, Spanish no puntuado, French non scoré, YASA's UNS;
  stage numbers after Stade (fr), Stadio (it), Estadio/Fase (es, it, pt),
  Stadium/Schlafstadium (de, nl), Phase; "S3/S4", "N3/N4", "Stage 3/4" (R&K S3 and S4 scored
  together) as N3.  Accents are folded (Eveil = Éveil).
"""

from __future__ import annotations

import re
import unicodedata

from ..vocab import Stage

__all__ = ["normalise_label", "label_to_stage", "label_convention", "is_infant_label", "is_bare_nrem",
           "YASA_CODES", "RK_CODES", "NON_STAGE_MARKERS", "INFANT_TEXT", "BARE_NREM",
           "INFANT_CODING_NOTE"]

W, N1, N2, N3, R = Stage.W, Stage.N1, Stage.N2, Stage.N3, Stage.R
ART, UNS = Stage.ARTEFACT, Stage.UNSCORED

#: Text labels (already normalised by :func:`normalise_label`) of every convention.
_TEXT: dict[str, Stage] = {
    # wake
    "w": W, "wake": W, "wach": W, "awake": W, "wakefulness": W,
    # N1 / S1
    "n1": N1, "s1": N1, "nrem1": N1, "nrem 1": N1, "stage 1": N1, "nonrem1": N1,
    # N2 / S2
    "n2": N2, "s2": N2, "nrem2": N2, "nrem 2": N2, "stage 2": N2, "nonrem2": N2,
    # N3 / S3 + S4 (R&K S3 and S4 = AASM N3, Iber et al. 2007)
    "n3": N3, "s3": N3, "nrem3": N3, "nrem 3": N3, "stage 3": N3, "nonrem3": N3,
    "n4": N3, "s4": N3, "nrem4": N3, "nrem 4": N3, "stage 4": N3, "sws": N3, "nonrem4": N3,
    # wake and REM in the words of other European exports (accents folded)
    "eveil": W, "veille": W, "veglia": W, "vigilia": W, "waak": W, "wakker": W,
    "despierto": W, "acordado": W, "sveglio": W, "sveglia": W,
    "sommeil paradoxal": R, "sonno rem": R, "sueno rem": R, "sono rem": R, "rem slaap": R,
    "rem-schlaf": R, "rem schlaf": R, "remschlaf": R, "rem-slaap": R,
    # R&K S3 and S4 scored together
    "s3/s4": N3, "n3/n4": N3, "3/4": N3, "s3/4": N3,
    # REM
    "r": R, "rem": R, "stage r": R, "stage rem": R, "paradoxical sleep": R,
    # movement time / artefact (no AASM stage)
    "mt": ART, "movement time": ART, "movement": ART, "artefact": ART, "artifact": ART,
    "artefakt": ART, "art": ART, "a": ART, "bewegung": ART,
    # RemLogic (Embla/Natus) stage events, R&K: SLEEP-S0 is wake (the CAP Sleep Database's Event
    # column, PhysioNet capslpdb; Terzano et al., Sleep Med 2001)
    "sleep-s0": W, "sleep-s1": N1, "sleep-s2": N2, "sleep-s3": N3, "sleep-s4": N3, "sleep-rem": R,
    "sleep-mt": ART,
    # unscored
    "?": UNS, "unscored": UNS, "unscorable": UNS, "unknown": UNS, "unsure": UNS, "u": UNS,
    "n/a": UNS, "na": UNS, "nan": UNS, "none": UNS, "no stage": UNS, "not scored": UNS, "notscored": UNS,
    # "undefined": the sixth stage of the PhysioNet/CinC Challenge 2018 annotations (Ghassemi et al. 2018)
    "undefined": UNS, "not staged": UNS, "unstaged": UNS,
    # wonambi's stage for an imported epoch whose stage it did not recognise (wonambi/widgets/utils.py STAGE_NAME)
    "unrecognized": UNS, "unrecognised": UNS,
    # YASA's string for -2 (``yasa.Hypnogram``: "UNS"); "not scored" in German, Italian, Spanish, French
    "uns": UNS, "nicht bewertet": UNS, "nicht gewertet": UNS, "non valutato": UNS, "no puntuado": UNS,
    "non score": UNS,
    # R&K wake written as stage 0 (RemLogic's SLEEP-S0 without its prefix)
    "s0": W,
}

#: Infant state words.  The AASM rules for infants 0-2 months post-term (AASM Manual v2.2,
#: 2015; Grigg-Damberger, J Clin Sleep Med 2016;12:429-445) score W, N (NREM), T (transitional)
#: and R; the Anders, Emde and Parmelee manual (1971) codes active sleep (AS), quiet sleep (QS),
#: indeterminate sleep (IS, IN) and wakefulness (AW active, QW quiet).  myosleep codes them as its
#: infant state estimate and simulator do (:mod:`myosleep.context.infant`): active sleep R (the
#: precursor of REM sleep), quiet sleep N3 (its high-voltage slow / trace alternant EEG is the
#: precursor of slow-wave sleep: read the code as "NREM"), transitional and indeterminate N1
#: (the state between, as N1 is in adults).  None of these words is an adult stage label.
INFANT_TEXT: dict[str, Stage] = {
    "as": R, "active sleep": R,
    "qs": N3, "quiet sleep": N3,
    "t": N1, "transitional": N1, "transitional sleep": N1, "trans": N1,
    "is": N1, "in": N1, "ind": N1, "indeterminate": N1, "indeterminate sleep": N1,
    "aw": W, "qw": W, "active wake": W, "quiet wake": W, "active wakefulness": W, "quiet wakefulness": W,
}

#: What an infant hypnogram's states were read as (a warning of the hypnogram read).
INFANT_CODING_NOTE = ("infant states read as myosleep codes them: active sleep and R as R, quiet sleep and "
                      "N (NREM) as N3, transitional and indeterminate sleep as N1 (AASM infant rules, 0-2 "
                      "months; Anders et al. 1971); the N1/N2/N3 figures are those codes, not adult stages")

#: NREM without a stage number: the AASM infant rules' "N" (quiet sleep, coded N3, in an infant
#: hypnogram); in an adult's it cannot say N1, N2 or N3, which the rules tell apart.
BARE_NREM = frozenset({"n", "nrem", "non rem", "non-rem", "nonrem", "nrem sleep", "non rem sleep",
                       "non-rem sleep", "nonrem sleep"})

#: YASA integer codes (``yasa.Hypnogram`` "int" mapping).
YASA_CODES: dict[int, Stage] = {0: W, 1: N1, 2: N2, 3: N3, 4: R, -1: ART, -2: UNS}

#: R&K integer codes as written by Elan/visbrain and Compumedics (NSRR "Unscored|9",
#: "Movement|6"); 4 is R&K stage 4 (-> N3), 5 is REM.  Elan writes -1/-2 for artefact
#: (visbrain ``read_hypno``: "-2 -> -1 (Art)").
RK_CODES: dict[int, Stage] = {0: W, 1: N1, 2: N2, 3: N3, 4: N3, 5: R, 6: ART, 7: UNS, 9: UNS,
                              -1: ART, -2: ART}

#: Labels that are known not to be stages; inside a stage sequence they mean "no stage".
NON_STAGE_MARKERS = frozenset({"l", "lights", "lights off", "lights on", "lights out",
                               "unscored epoch", "no data", "gap",
                               "recording start", "recording start time"})

_PREFIX = re.compile(r"^(sleep[ _-]?stage|stage|sleepstage|schlafstadium|slaapstadium|stadium|stade|stadio|"
                     r"estadio|fase|phase)[ _:-]*", re.IGNORECASE)
_INT = re.compile(r"^[+-]?\d+(\.0+)?$")


# A stage number written apart from its letters or hyphenated: "N 1", "S-2", "NREM-3" (= N1, S2, NREM3).
_SPLIT_NUMBER = re.compile(r"^(n|s|nrem|nonrem)[ -]+([0-4])$")


def normalise_label(text: str) -> str:
    """Lower-case ``text``, drop an ``@@channel`` suffix, spaces and a "Sleep stage" prefix."""
    s = str(text).split("@@", 1)[0].strip().strip('"').strip("'").strip()
    # accents folded (Eveil = Éveil, Sueno = Sueño)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = " ".join(s.lower().replace("_", " ").split())
    return _SPLIT_NUMBER.sub(r"\1\2", s)


def _strip_prefix(s: str) -> str:
    t = _PREFIX.sub("", s).strip()
    return t if t else s


def is_integer_label(text: str) -> bool:
    """True when ``text`` is an integer (``"3"``, ``"-2"``, ``"4.0"``)."""
    return bool(_INT.match(normalise_label(text)))


def label_to_stage(text: str, *, integer_codes: dict[int, Stage] | None = None,
                   infant: bool = False) -> Stage | None:
    """Stage of one label, or ``None`` when the label is unknown.

    Parameters
    ----------
    text : str
        The label as written in the file.
    integer_codes : dict | None
        How to read bare integers (:data:`YASA_CODES` or :data:`RK_CODES`); ``None``
        reads "1".."4" as R&K stage numbers (4 -> N3) and rejects 0/5/negative codes
        only when they cannot be told apart.
    infant : bool
        Read NREM without a stage number (:data:`BARE_NREM`: the AASM infant rules' "N") as
        quiet sleep (N3); otherwise it is unknown.  The infant words of :data:`INFANT_TEXT`
        are read either way.
    """
    s = normalise_label(text)
    if "|" in s and s.split("|", 1)[0].strip():
        # NSRR EventConcept "Wake|0", "Stage 2 sleep|2", "REM sleep|5": the name before the bar
        # (NSRR annotation vocabulary; the bar's code is R&K numbering, as the name says)
        s = s.split("|", 1)[0].strip()
    if _INT.match(s):
        value = int(float(s))
        if integer_codes is not None:
            return integer_codes.get(value)
        return {0: W, 1: N1, 2: N2, 3: N3, 4: N3}.get(value)
    if s in _TEXT:
        return _TEXT[s]
    if s in INFANT_TEXT:
        return INFANT_TEXT[s]
    t = _strip_prefix(s)
    if t in INFANT_TEXT:  # "Stage T", "Sleep stage AS"
        return INFANT_TEXT[t]
    if infant and (s in BARE_NREM or t in BARE_NREM):
        return N3
    t = re.sub(r"\s+sleep$", "", t)  # "REM sleep", "Stage 1 sleep" (NSRR concept names)
    if t in _TEXT:
        return _TEXT[t]
    if _INT.match(t):  # "Sleep stage 4": R&K stage number
        return {0: W, 1: N1, 2: N2, 3: N3, 4: N3}.get(int(float(t)))
    if s in NON_STAGE_MARKERS or t in NON_STAGE_MARKERS:
        return UNS
    return None


# Labels only R&K scoring writes (S1-S4, stage 4, "Sleep stage 1".."4", movement time).
_RK_ONLY = frozenset({"s1", "s2", "s3", "s4", "n4", "nrem4", "nrem 4", "nonrem4", "stage 4", "4", "1", "2", "3",
                      "mt", "movement time", "s3/s4", "n3/n4", "3/4", "s3/4",
                      "sleep-s0", "sleep-s1", "sleep-s2", "sleep-s3", "sleep-s4", "sleep-mt", "s0"})


def is_infant_label(text: str) -> bool:
    """True for a word of :data:`INFANT_TEXT` (``AS``, ``QS``, ``T``, ``Stage T``...)."""
    s = normalise_label(text).split("|", 1)[0].strip()
    return s in INFANT_TEXT or _strip_prefix(s) in INFANT_TEXT


def is_bare_nrem(text: str) -> bool:
    """True for NREM without a stage number (``N``, ``NREM``, ``Stage N``, ``non-REM sleep``)."""
    s = normalise_label(text).split("|", 1)[0].strip()
    return s in BARE_NREM or _strip_prefix(s) in BARE_NREM


def label_convention(labels: list[str]) -> str:
    """``"infant-labels"`` when any label is an infant state word (AS, QS, T...), ``"rk-labels"``
    when any is R&K-only (S1-S4, stage numbers, MT), else ``"aasm-labels"``."""
    if any(is_infant_label(lab) for lab in labels):
        return "infant-labels"
    for lab in labels:
        s = normalise_label(lab).split("|", 1)[0].strip()
        t = re.sub(r"\s+sleep$", "", _strip_prefix(s))
        if s in _RK_ONLY or t in _RK_ONLY:
            return "rk-labels"
    return "aasm-labels"
