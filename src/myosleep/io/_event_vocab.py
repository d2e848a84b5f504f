"""The one vocabulary of scored-event labels: what family (``kind``) a scorer's label names.

Every reader of scored events (:func:`myosleep.io.read_scored_events`, the hypnogram readers that
also hold events) and :func:`myosleep.io.scored_events.normalise_event_label` (``myosleep
compare``) read a label through :func:`classify_event`, so that ``analyze`` and ``compare`` never
disagree on what a label means (docs/robustness.md, defect 45).

A label is compared in a folded form (:func:`fold`): lower case, accents removed (``Hypopnée`` is
``hypopnee``, ``Entsättigung`` is ``entsattigung``), ``_`` and ``-`` read as spaces, an EDF+
``@@channel`` suffix dropped.

Words of scoring exports in other languages (apnoea, hypopnoea, RERA, arousal, desaturation), and
where each comes from:

* German: Apnoe, Hypopnoe, Weckreaktion/Aufwachreaktion (arousal), Entsättigung/Sättigungsabfall,
  Flusslimitation: the DGSM's German scoring terms (Penzel et al., "Empfehlungen zur
  computerunterstützten Aufzeichnung und Auswertung von Polygraphien", Somnologie 1998;2:42-48;
  DGSM S3-Leitlinie "Schlafbezogene Atmungsstörungen bei Erwachsenen", Somnologie 2017;20 Suppl 2),
  and the German user interface of SOMNOmedics DOMINO ("Beinbewegung", "Weckreaktion", read by
  ``myosleep compare`` since its first version); German text: "Hypopnoe", "Apnoe",
  "Sauerstoffentsättigung und Arousals" (buecher.de, "Diagnose der obstruktiven Schlafapnoe").
* French: apnée, hypopnée, micro-éveil, désaturation, limitation de débit: the SPLF/SFRMS
  recommendations (Escourrou et al., "Quelle approche clinique et quelle procédure diagnostique pour
  le SAHOS ?", Rev Mal Respir 2010;27 Suppl 3:S115-S138); "Hypopnée" is the default hypopnoea label
  of the R package sleepr for French PSG exports (boupetch/sleepr, ``resp_stats``:
  ``l = c("A. Obstructive", "Hypopnée")``).
* Italian: apnea (ostruttiva, centrale, mista), ipopnea, microrisveglio/micro-risveglio,
  desaturazione (Italian sleep-clinic usage: "apnee o ipopnee centrali o miste", altamedica.it;
  "Micro-risveglio" as the Italian for micro-éveil, it.frwiki "Micro-risveglio").
* Spanish: apnea, hipopnea, microdespertar, ERAM (esfuerzos respiratorios asociados a
  microdespertares: the Spanish RERA), desaturación: the Spanish national consensus on sleep
  apnoea-hypopnoea syndrome (Documento Nacional de Consenso SAHS, Arch Bronconeumol 2005;41 Suppl
  4:12-29) and the SEPAR guideline (Lloberes et al., Arch Bronconeumol 2011;47:143-156).
* Portuguese: apneia (apnéia), hipopneia, microdespertar (Brazil) / micro-alerta (Portugal),
  dessaturação (Guimarães, "Diagnóstico polissonográfico", Pulmão RJ 2010;19:88-92; Rodrigues,
  "Micro-estrutura do Sono ... micro-alertas", Univ. Lisboa 2010).
* Dutch: apneu, hypopneu, wekreactie (arousal), desaturatie/saturatiedaling: Dutch sleep-clinic
  usage ("apneu-hypopneu-index", kno-arts-amsterdam.nl; "wekreacties in de hersenen",
  antisnurkbeugel.nl; "saturatiedalingen", chronomed.nl); Dutch exports also write "Arousal".

Bare words for waking (German "Erwachen", French "éveil", Italian "risveglio", Spanish and
Portuguese "despertar") are *not* arousals: an awakening is scored as W epochs, and "Éveil" is
the French label of stage W itself; only the micro- words are.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["EVENT_KINDS", "classify_event", "fold", "lights_kind", "motor_class"]

#: Values of ``kind``: the families of scored events.  ``myoclonus`` and ``body_movement`` are
#: motor events myosleep classifies itself (a scorer's "Hypnic jerk" or "Body movement").
EVENT_KINDS = ("arousal", "respiratory", "limb_movement", "stage", "lights", "desaturation",
               "emg_phasic", "emg_tonic", "emg_any", "artefact", "myoclonus", "body_movement", "other")

# Respiratory stems of the six languages (module docstring): apnoea as apnea/apnoea (en, it, es),
# apnoe (de), apnee (fr, folded), apneia (pt), apneu (nl); hypopnoea likewise, with it "ipopnea",
# es/pt "hipopnea"/"hipopneia".
_APNOEA = r"apn(?:o?ea|oe|ee|eia|eu)"
_HYPOPNOEA = r"h?[iy]popn(?:o?ea|oe|ee|eia|eu)"
_FLOW_LIMITATION = (r"flow ?limitation|fluss ?limitation|flusslimitation|limitation (?:de |du )?debit"
                    r"|limitazione (?:di |del )?flusso|limitacion (?:de |del )?flujo|limitacao (?:de |do )?fluxo"
                    r"|flow ?limitatie")

# Order matters: the first match wins.
_KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("lights", re.compile(r"^lights?$")),  # "Lights off", "Licht aus", ...: lights_kind
    ("stage", re.compile(r"sleep ?stage|^stages?\b|movement time|^(w|n1|n2|n3|n4|r|rem|wake)$")),
    # RERAs are respiratory events (AASM: LMs next to apnoeas, hypopnoeas or RERAs are not scored);
    # Spanish ERAM (esfuerzo respiratorio asociado a microdespertar) is the RERA.
    ("respiratory", re.compile(r"\brera\b|effort ?related arousal|\beram\b"
                               r"|esfuerzos? respiratorios? asociados? a microdespertar")),
    # Arousal wins over respiratory and limb movement ("Respiratory Arousal", "PLM Arousal").
    ("arousal", re.compile(r"arousal|weckreaktion|aufwachreaktion|wekreactie|micro ?eveil"
                           r"|micro ?risveglio|micro ?despertar|micro ?alerta")),
    ("artefact", re.compile(r"artifact|artefact|artefakt|artefatto|artefacto|artefato")),
    ("desaturation", re.compile(r"desat|dessat|spo2|sao2|oxygen|entsattigung|sattigungsabfall"
                                r"|saturatiedaling")),
    ("respiratory", re.compile(_APNOEA + "|" + _HYPOPNOEA + "|" + _FLOW_LIMITATION
                               + r"|respirat|breathing|cheyne|hypoventilation|\bobstructive\b|\bcentral\b")),
    # leg movements; German exports (SOMNOmedics, Domino) write "Beinbewegung"
    ("limb_movement", re.compile(r"limb ?movement|leg ?movement|\bplms?\b|\blms?\b|periodic (leg|limb)"
                                 r"|beinbewegung|bein ?bew")),
    ("emg_phasic", re.compile(r"phasic|phasisch")),
    ("emg_tonic", re.compile(r"tonic|tonisch")),
    ("emg_any", re.compile(r"(chin|arm|leg)any$|\bany\b")),
]
# Whole labels that are abbreviations (compared after :func:`fold`, the whole label only: "H" inside a
# word is nothing).  The annotation codes of the MIT-BIH Polysomnographic Database (PhysioNet slpdb
# README: H hypopnea, HA hypopnea with arousal, OA obstructive apnea, X obstructive apnea with
# arousal, CA central apnea, CAA central apnea with arousal, LA leg movements with arousal), which
# sleep reports and hand-made event tables write the same way, and obstructive/central hypopnoea as
# OH/CH.  An event "with arousal" is an arousal, as "Respiratory Arousal" is (classify_event).  Left
# out as ambiguous: "MA" (mixed apnoea, or a micro-arousal) and slpdb's single letters "A", "L" and
# "X" (a label no rule reads is counted and named in a warning).
_ABBREVIATIONS = {"oa": "respiratory", "ca": "respiratory", "h": "respiratory", "oh": "respiratory",
                  "ch": "respiratory", "ha": "arousal", "caa": "arousal", "la": "arousal"}
# An arm movement is a limb movement (not an AASM leg movement: normalise_event_label gives it no
# trial_type).
_ARM = re.compile(r"\barms?\b|\bhand\b|\bfds\b|flexor digitorum|deltoid|biceps")

# Named motor events in the words scorers and vendors use (English, German; NSRR concepts).
# Order matters: the first match wins.
_MOTOR_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # ICSD-3 "sleep starts (hypnic jerks)"; German "Einschlafzuckung"
    ("hypnic_jerk", re.compile(r"hypnic|sleep ?starts?\b|einschlafzuck")),
    ("fragmentary_myoclonus", re.compile(r"fragmentary|\befm\b|fragmentarisch")),
    ("propriospinal_myoclonus", re.compile(r"propriospinal")),
    ("neonatal_myoclonus", re.compile(r"neonatal|bnsm\b")),
    ("cortical_myoclonus", re.compile(r"cortical myoclon|kortikal")),
    ("rem_twitch", re.compile(r"rem twitch|\btwitch")),
    ("body_movement", re.compile(r"body movement|gross movement|korperbewegung")),
    ("myoclonic_jerk", re.compile(r"myoclon|myoklon|\bjerks?\b")),
]


def fold(text: object) -> str:
    """A label as the vocabulary reads it: no ``@@channel``, lower case, accents removed, ``_``/``-`` as spaces."""
    t = str(text).split("@@", 1)[0]
    t = "".join(ch for ch in unicodedata.normalize("NFKD", t) if not unicodedata.combining(ch))
    return " ".join(t.lower().replace("_", " ").replace("-", " ").split())


def lights_kind(text: str) -> str | None:
    """``"off"``, ``"on"`` or ``None`` for a lights annotation ("Lights off@@EEG F4-A1", "Licht aus")."""
    t = fold(text)
    if re.search(r"\blights? ?(off|out)\b|\blicht ?aus\b|\bextinction (des feux|de la lumiere|des lumieres)\b"
                 r"|\blumieres? (eteinte|off)s?\b|\bluci spente\b|\bluces apagadas\b|\blicht uit\b", t):
        return "off"
    if re.search(r"\blights? ?on\b|\blicht ?(an|ein)\b|\blumieres? allumees?\b|\bluci accese\b"
                 r"|\bluces encendidas\b|\blicht aan\b", t):
        return "on"
    return None


def motor_class(words: str) -> str | None:
    """myosleep's motor class (a :class:`~myosleep.vocab.TrialType` value) a folded label names, or None."""
    for trial, pattern in _MOTOR_PATTERNS:
        if pattern.search(words):
            return trial
    return None


def classify_event(text: str, *, event_type: str | None = None) -> str:
    """``kind`` of a scored event from its text (and NSRR/Profusion event type): one of :data:`EVENT_KINDS`.

    Arousal wins over respiratory and limb movement ("Respiratory Arousal", "PLM Arousal" are
    arousals); SpO2 events are desaturations even when NSRR files them under
    "Respiratory|Respiratory".  ``"other"``: the label names nothing this vocabulary knows.
    """
    t = fold(text)
    typ = (event_type or "").split("|", 1)[0].strip().lower()
    if typ.startswith("stage"):
        return "stage"
    if lights_kind(t) is not None:
        return "lights"
    if t in _ABBREVIATIONS:
        return _ABBREVIATIONS[t]
    for kind, pattern in _KIND_RULES:
        if pattern.search(t):
            return kind
    if typ.startswith("arousal"):
        return "arousal"
    if typ.startswith("respiratory"):
        return "respiratory"
    if typ.startswith("limb"):
        return "limb_movement"
    if _ARM.search(t) and "movement" in t:
        return "limb_movement"
    trial = motor_class(t)
    if trial is not None:
        return "body_movement" if trial == "body_movement" else "myoclonus"
    return "other"
