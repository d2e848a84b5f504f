"""Physical dimensions of channels: voltages to uV, accelerations to g, and what other units are.

EDF's physical dimension is free text (Kemp et al. 1992; EDF+ recommends SI prefixes and
``uV``/``mV``/``V``).  Labs write the same unit many ways: ``uV``, ``µV`` (U+00B5), ``μV``
(U+03BC), ``microvolts``; ``m/s^2``, ``m/s2``, ``m/s²``, ``m s-2``, ``m*s^-2``, ``m/sec/sec``;
``g``, ``G``, ``mg``.  An accelerometer unit is parsed as a dimension (length x time^-n, or a
multiple of standard gravity), so that a unit that is *not* an acceleration is recognised as
what it is (``m/s^3`` or ``g/s``: a jerk; ``m/s``: a velocity; ``deg/s``: a gyroscope's angular
velocity; ``deg``: an angle; ``uT``/``gauss``: a magnetometer; ``mV``: an analogue sensor's
output, scale unknown) and refused for the accelerometer role instead of being read silently.

Standard gravity g = 9.80665 m/s^2 (3rd CGPM, 1901).  ``mg`` on an accelerometer is milli-g
(accelerometer data sheets and actigraphy devices), not milligrams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["unit_scale_to_uv", "norm_unit", "MotionUnit", "motion_unit", "STANDARD_GRAVITY_M_S2",
           "EMPTY_UNITS"]

#: Standard gravity, m/s^2 (3rd CGPM 1901).
STANDARD_GRAVITY_M_S2 = 9.80665

#: Physical dimensions that mean "none given".
EMPTY_UNITS = frozenset({"", "n/a", "na", "none", "-"})

# Physical dimension (normalised) -> factor to uV.
# ``mkV``: the transliteration of Russian мкВ (Neurosoft, Mitsar exports); ``uVolt``, ``mVolt``
# spelled out by some amplifier software.
_VOLTAGE = {
    "v": 1e6, "volt": 1e6, "volts": 1e6,
    "mv": 1e3, "millivolt": 1e3, "millivolts": 1e3, "mvolt": 1e3, "mvolts": 1e3,
    "uv": 1.0, "microvolt": 1.0, "microvolts": 1.0, "mcv": 1.0, "mkv": 1.0, "microv": 1.0, "uvolt": 1.0,
    "uvolts": 1.0,
    "nv": 1e-3, "nanovolt": 1e-3, "nanovolts": 1e-3,
}


def norm_unit(unit: str) -> str:
    """Lower case, no spaces, micro signs (U+00B5, U+03BC) as ``u``, one pair of enclosing brackets
    dropped (``[uV]``, ``(mV)``)."""
    text = re.sub(r"\s+", "", str(unit).replace("\u00b5", "u").replace("\u03bc", "u")).lower()
    m = re.fullmatch(r"\[(.*)\]|\((.*)\)", text)
    return next(g for g in m.groups() if g is not None) if m else text


def unit_scale_to_uv(unit: str) -> float | None:
    """Factor from a physical dimension to microvolts, None when ``unit`` is not a voltage.

    Parameters
    ----------
    unit : str
        Physical dimension as written in a header: ``V``, ``mV``, ``uV``, ``µV`` (U+00B5 or
        U+03BC), ``nV``, ``microvolts``..., any case.
    """
    return _VOLTAGE.get(norm_unit(unit))


@dataclass(frozen=True)
class MotionUnit:
    """What a unit measures, for a channel that should hold an acceleration.

    Attributes
    ----------
    kind : str
        ``"acceleration"``, ``"jerk"``, ``"velocity"``, ``"length"``, ``"angular velocity"``,
        ``"angle"``, ``"magnetic field"``, ``"voltage"``, ``"empty"`` or ``"unknown"``.
    to_g : float | None
        Factor to g for an acceleration, else None.
    """

    kind: str
    to_g: float | None = None

    @property
    def is_acceleration(self) -> bool:
        return self.kind == "acceleration"


# Length units (m) and time units (s), as written in accelerometer and motion-sensor headers.
_LENGTH_M = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "cm": 1e-2, "mm": 1e-3,
             "km": 1e3, "ft": 0.3048, "in": 0.0254}
_TIME_S = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3,
           "min": 60.0, "h": 3600.0}
# Longest first, so that "mms-2" is mm/s^2 and "ms-2" is m/s^2 (not per millisecond).
_LENGTH_ALT = "|".join(sorted(map(re.escape, _LENGTH_M), key=len, reverse=True))
_TIME_ALT = "|".join(sorted(map(re.escape, _TIME_S), key=len, reverse=True))
_G_UNITS = {"g": 1.0, "gn": 1.0, "g0": 1.0, "gee": 1.0, "mg": 1e-3, "millig": 1e-3, "milli-g": 1e-3,
            "ug": 1e-6, "microg": 1e-6, "gal": 0.01 / STANDARD_GRAVITY_M_S2}
_ANGULAR = re.compile(r"^(deg|degree|degrees|°|rad|radian|radians|dps|rpm|rps)(/(s|sec|second))?$")
_MAGNETIC = frozenset({"t", "mt", "ut", "nt", "tesla", "gauss", "mgauss", "mgs", "gs"})


def _time_power(text: str) -> tuple[float, int] | None:
    """(seconds per unit, power) of a time unit with an optional power: ``s``, ``s^2``, ``sec2``, ``s**2``."""
    m = re.fullmatch(r"([a-z]+)(?:\^?(\d))?", text)
    if m is None or m.group(1) not in _TIME_S:
        return None
    return _TIME_S[m.group(1)], int(m.group(2) or 1)


def _length_over_time(u: str) -> tuple[float, int] | None:
    """(metres per unit length, power of time in the denominator) of ``L/T^n``-like units, or None."""
    u = u.replace("**", "^").replace("²", "^2").replace("³", "^3").replace("·", "*")
    # L/T^n, L/T/T, L/(T^n)
    m = re.fullmatch(r"([a-z]+)((?:/\(?[a-z]+(?:\^?\d)?\)?)+)", u)
    if m and m.group(1) in _LENGTH_M:
        total, factor = 0, 1.0
        for part in re.findall(r"/\(?([a-z]+(?:\^?\d)?)\)?", m.group(2)):
            tp = _time_power(part)
            if tp is None:
                return None
            factor *= tp[0] ** tp[1]
            total += tp[1]
        return _LENGTH_M[m.group(1)] / factor, total
    # L*T^-n, L.T-n, L T-n (spaces already removed: "ms-2" is metre per second squared)
    m = re.fullmatch(rf"({_LENGTH_ALT})[*.]?({_TIME_ALT})\^?-(\d)", u)
    if m:
        n = int(m.group(3))
        return _LENGTH_M[m.group(1)] / _TIME_S[m.group(2)] ** n, n
    if u in _LENGTH_M:
        return _LENGTH_M[u], 0
    return None


def motion_unit(unit: str) -> MotionUnit:
    """What ``unit`` measures when the channel should hold an acceleration.

    Parameters
    ----------
    unit : str
        Physical dimension as written in the header.

    Returns
    -------
    MotionUnit
        ``kind`` and, for accelerations, the factor to g: ``g``/``G``/``gn`` 1, ``mg`` 1e-3,
        ``m/s^2`` (and spellings) 1/9.80665, ``cm/s^2`` (``gal``) 0.01/9.80665...
    """
    u = norm_unit(unit)
    if u in EMPTY_UNITS:
        return MotionUnit("empty")
    if u in _G_UNITS:
        return MotionUnit("acceleration", _G_UNITS[u])
    fraction = re.fullmatch(r"1/(\d+(?:\.\d+)?) ?g", u)
    if fraction and float(fraction.group(1)) > 0:
        # a fraction of g per count: Empatica E4's ACC is in "1/64g" (its documentation: 1/64 g, +-2 g)
        return MotionUnit("acceleration", 1.0 / float(fraction.group(1)))
    if unit_scale_to_uv(u) is not None:
        return MotionUnit("voltage")
    if _ANGULAR.match(u):
        return MotionUnit("angular velocity" if "/" in u or u in ("dps", "rpm", "rps") else "angle")
    if u in _MAGNETIC:
        return MotionUnit("magnetic field")
    g_rate = re.fullmatch(r"(m?g)/(s|sec|second)", u)
    if g_rate:
        return MotionUnit("jerk")
    lt = _length_over_time(u)
    if lt is not None:
        metres, power = lt
        kind = {0: "length", 1: "velocity", 2: "acceleration", 3: "jerk"}.get(power, "unknown")
        return MotionUnit(kind, metres / STANDARD_GRAVITY_M_S2 if power == 2 else None)
    return MotionUnit("unknown")
