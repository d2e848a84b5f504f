"""Write the tiny EDF/BDF files the io tests read (nothing binary is committed).

Usage: ``python scripts/make_fixtures.py OUT_DIR`` writes every fixture into OUT_DIR.
The tests import this module and call its functions into a temporary directory.

Good files are written with edfio (an independent writer, so round trips test our reader
against someone else's encoder); bad files are good ones with header bytes patched or the
data cut, or written by :func:`write_raw_edf` (a minimal writer that allows anything).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Byte offsets of the per-signal header fields, relative to the start of the signal block
# (EDF spec: each field for all signals, one after the other).
_FIELD_WIDTHS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
                 ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples_per_record", 8),
                 ("reserved", 32))

#: Test signal amplitude, in uV.
AMPLITUDE_UV = 100.0


def test_signal_uv(n: int, sfreq: float, *, seed: int = 0) -> np.ndarray:
    """A 7-Hz sine of 100 uV plus 10 uV Gaussian noise, in uV (deterministic)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sfreq
    return AMPLITUDE_UV * np.sin(2 * np.pi * 7.0 * t) + rng.normal(0, 10.0, n)


def write_edf(path: Path, signals: Sequence[dict], *, record_s: float = 1.0, bdf: bool = False,
              annotations: Sequence[tuple[float, float, str]] = ()) -> Path:
    """Write an EDF (or BDF) with edfio.

    ``signals``: dicts with ``data`` (physical values), ``sfreq``, ``label``, ``unit`` and
    optionally ``physical_range``.
    """
    import edfio

    signal_cls = edfio.BdfSignal if bdf else edfio.EdfSignal
    file_cls = edfio.Bdf if bdf else edfio.Edf
    sigs = []
    for s in signals:
        kwargs = {"label": s["label"], "physical_dimension": s.get("unit", "")}
        if "physical_range" in s:
            kwargs["physical_range"] = s["physical_range"]
        if "digital_range" in s:
            kwargs["digital_range"] = s["digital_range"]
        sigs.append(signal_cls(np.asarray(s["data"], dtype=np.float64), s["sfreq"], **kwargs))
    anns = [edfio.EdfAnnotation(onset, duration, text) for onset, duration, text in annotations]
    edf = file_cls(sigs, data_record_duration=record_s, annotations=anns or None)
    edf.write(path)
    return Path(path)


def patch_signal_field(path: Path, index: int, field: str, value: bytes | str) -> None:
    """Overwrite one per-signal header field of signal ``index`` (bytes padded with spaces)."""
    raw = bytearray(Path(path).read_bytes())
    ns = int(raw[252:256].decode("ascii").strip())
    pos = 256
    for name, width in _FIELD_WIDTHS:
        if name == field:
            data = value.encode("latin-1") if isinstance(value, str) else value
            if len(data) > width:
                raise ValueError(f"{value!r} longer than the {width}-byte field {field}")
            start = pos + index * width
            raw[start:start + width] = data.ljust(width, b" ")
            Path(path).write_bytes(bytes(raw))
            return
        pos += width * ns
    raise ValueError(f"no field {field!r}")


def patch_main_field(path: Path, offset: int, width: int, value: str) -> None:
    """Overwrite a field of the fixed 256-byte header."""
    raw = bytearray(Path(path).read_bytes())
    raw[offset:offset + width] = value.encode("ascii").ljust(width, b" ")
    Path(path).write_bytes(bytes(raw))


def write_raw_edf(path: Path, labels: Sequence[str], samples_per_record: Sequence[int], n_records: int, *,
                  record_s: float = 1.0, seed: int = 0, units: Sequence[str] | None = None,
                  declared_records: int | None = None) -> Path:
    """Minimal EDF writer (random 16-bit data, ±3276.8 uV ranges) for large or odd files."""
    ns = len(labels)
    units = units or ["uV"] * ns

    def field(values: Sequence[object], width: int) -> bytes:
        return b"".join(str(v).encode("latin-1")[:width].ljust(width, b" ") for v in values)

    head = (b"0".ljust(8) + b"X".ljust(80) + b"Startdate X".ljust(80) + b"01.01.20" + b"00.00.00"
            + str(256 * (ns + 1)).encode().ljust(8) + b"".ljust(44)
            + str(n_records if declared_records is None else declared_records).encode().ljust(8)
            + f"{record_s:g}".encode().ljust(8) + str(ns).encode().ljust(4))
    head += (field(labels, 16) + field([""] * ns, 80) + field(units, 8) + field(["-3276.8"] * ns, 8)
             + field(["3276.7"] * ns, 8) + field(["-32768"] * ns, 8) + field(["32767"] * ns, 8)
             + field([""] * ns, 80) + field(samples_per_record, 8) + field([""] * ns, 32))
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        f.write(head)
        per_record = int(sum(samples_per_record))
        block = 4096
        for r0 in range(0, n_records, block):
            n = min(block, n_records - r0)
            f.write(rng.integers(-2000, 2000, size=n * per_record, dtype=np.int16).astype("<i2").tobytes())
    return Path(path)


# --------------------------------------------------------------------------- fixtures
def make_unit_files(out: Path, *, sfreq: float = 256.0, duration_s: float = 4.0) -> dict[str, tuple[Path, np.ndarray]]:
    """The same uV signal written in V, mV, uV, nV, µV (U+00B5, Latin-1 byte) and μV (U+03BC, UTF-8).

    Returns ``{name: (path, truth_uv)}``.
    """
    n = int(sfreq * duration_s)
    truth = test_signal_uv(n, sfreq)
    factors = {"V": 1e-6, "mV": 1e-3, "uV": 1.0, "nV": 1e3}
    files = {}
    for unit, factor in factors.items():
        path = out / f"units_{unit}.edf"
        write_edf(path, [{"data": truth * factor, "sfreq": sfreq, "label": "EMG Chin", "unit": unit,
                          "physical_range": (-500 * factor, 500 * factor)}])
        files[unit] = (path, truth)
    for name, raw in (("micro_sign", b"\xb5V"), ("greek_mu", "\u03bcV".encode("utf-8")),
                      ("lower", b"uv"), ("upper", b"UV")):
        path = out / f"units_{name}.edf"
        write_edf(path, [{"data": truth, "sfreq": sfreq, "label": "EMG Chin", "unit": "uV",
                          "physical_range": (-500, 500)}])
        patch_signal_field(path, 0, "unit", raw)
        files[name] = (path, truth)
    return files


def make_mixed_rates(path: Path, *, duration_s: float = 10.0) -> dict[str, tuple[float, np.ndarray]]:
    """EEG 256 Hz + leg EMG 512 Hz + respiration 32 Hz; returns ``{label: (sfreq, truth)}``."""
    specs = {"EEG C3-M2": 256.0, "Leg/L": 512.0, "Flow": 32.0}
    truth = {label: (sf, test_signal_uv(int(sf * duration_s), sf, seed=i))
             for i, (label, sf) in enumerate(specs.items())}
    write_edf(path, [{"data": d, "sfreq": sf, "label": label, "unit": "uV", "physical_range": (-500, 500)}
                     for label, (sf, d) in truth.items()])
    return truth


def make_bdf(path: Path, *, sfreq: float = 512.0, duration_s: float = 4.0) -> dict[str, np.ndarray]:
    """BDF (24-bit) with a leg EMG in uV and an EEG in mV; returns ``{label: truth_uv}``."""
    n = int(sfreq * duration_s)
    emg = test_signal_uv(n, sfreq, seed=1)
    eeg = test_signal_uv(n, sfreq, seed=2) * 0.5
    write_edf(path, [{"data": emg, "sfreq": sfreq, "label": "RAT", "unit": "uV", "physical_range": (-262.144, 262.143)},
                     {"data": eeg * 1e-3, "sfreq": sfreq, "label": "C4-M1", "unit": "mV",
                      "physical_range": (-0.262144, 0.262143)}], bdf=True)
    return {"RAT": emg, "C4-M1": eeg}


def make_psg(path: Path, *, duration_s: float = 20.0, annotations: Sequence[tuple[float, float, str]] = ()) -> Path:
    """A small PSG: EEG, EOG, chin, two legs, ECG, flow, with optional EDF+ annotations."""
    sigs = []
    for i, (label, sf) in enumerate((("EEG C4-M1", 256.0), ("E1-M2", 256.0), ("Chin1-Chin2", 512.0),
                                     ("LAT", 512.0), ("RAT", 512.0), ("ECG", 256.0), ("Flow", 32.0))):
        sigs.append({"data": test_signal_uv(int(sf * duration_s), sf, seed=i), "sfreq": sf, "label": label,
                     "unit": "uV", "physical_range": (-500, 500)})
    return write_edf(path, sigs, annotations=annotations)


def make_odd_labels(path: Path, *, sfreq: float = 256.0, duration_s: float = 2.0) -> Path:
    """Labels: non-ASCII 'EMG Kinn ü' (UTF-8), an empty label, a duplicate 'Chin', and 'LAT'."""
    labels = ["EMG Kinn X", "PLACEHOLDERLBL", "Chin", "Chin", "LAT"]
    write_edf(path, [{"data": test_signal_uv(int(sfreq * duration_s), sfreq, seed=i), "sfreq": sfreq,
                      "label": label, "unit": "uV", "physical_range": (-500, 500)}
                     for i, label in enumerate(labels)])
    patch_signal_field(path, 0, "label", "EMG Kinn \u00fc".encode("utf-8"))
    patch_signal_field(path, 1, "label", b"")
    return path


def make_edf_plus_d(path: Path, *, gap: bool) -> Path:
    """EDF+D of 10 one-second records; with ``gap`` records 6-10 are stamped 9-13 s (a 4-s pause after 5 s)."""
    make_psg(path, duration_s=10.0, annotations=[(2.0, 0.0, "marker")])
    patch_main_field(path, 192, 44, "EDF+D")
    if gap:
        set_record_onsets(path, {r: r + 4.0 for r in range(5, 10)})
    return path


def _record_layout(raw: bytes | bytearray) -> dict[str, int]:
    """Byte layout of an EDF+/BDF+ file's data records and of its (first) annotation signal."""
    ns = int(bytes(raw[252:256]).decode("ascii").strip())
    sample_bytes = 3 if raw[0] == 255 else 2
    labels = [bytes(raw[256 + 16 * i: 256 + 16 * (i + 1)]).decode("latin-1").strip() for i in range(ns)]
    spr_at = 256 + ns * 216
    spr = [int(bytes(raw[spr_at + 8 * i: spr_at + 8 * (i + 1)]).decode("ascii").strip()) for i in range(ns)]
    ann = next(i for i, label in enumerate(labels) if label in ("EDF Annotations", "BDF Annotations"))
    head, record = 256 * (ns + 1), sample_bytes * sum(spr)
    return {"head": head, "record": record, "n_records": (len(raw) - head) // record,
            "ann_offset": sample_bytes * sum(spr[:ann]), "ann_width": sample_bytes * spr[ann]}


def _record_onset(raw: bytes | bytearray, lay: dict[str, int], r: int) -> float:
    a = lay["head"] + r * lay["record"] + lay["ann_offset"]
    return float(bytes(raw[a: a + lay["ann_width"]]).split(b"\x14", 1)[0].decode("ascii"))


def set_record_onsets(path: Path, onsets: dict[int, float | None]) -> Path:
    """Rewrite the time-keeping TAL of data records of an EDF+/BDF+ file (``{record index: onset s}``).

    The record's other annotations are kept after it; ``None`` removes the time-keeping TAL
    (the record's annotation bytes are then all zero: a record without its time).
    """
    raw = bytearray(Path(path).read_bytes())
    lay = _record_layout(raw)
    for r, onset in onsets.items():
        a = lay["head"] + r * lay["record"] + lay["ann_offset"]
        block = bytes(raw[a: a + lay["ann_width"]])
        first_end = block.index(b"\x14\x14\x00") + 3  # the time-keeping TAL: "+onset\x14\x14\x00"
        rest = block[first_end:].rstrip(b"\x00")
        new = b"" if onset is None else f"{onset:+.6f}".rstrip("0").rstrip(".").encode() + b"\x14\x14\x00" + rest
        if len(new) > lay["ann_width"]:
            raise ValueError(f"record {r}: annotations do not fit in {lay['ann_width']} bytes")
        raw[a: a + lay["ann_width"]] = new.ljust(lay["ann_width"], b"\x00")
    Path(path).write_bytes(bytes(raw))
    return Path(path)


def as_edf_plus(src: Path, dst: Path) -> Path:
    """``src`` (EDF/BDF, e.g. a simulated night) rewritten by edfio as EDF+C/BDF+C with an annotation signal."""
    import edfio

    edf = edfio.read_edf(src)
    edf.set_annotations([edfio.EdfAnnotation(0.0, None, "Recording starts")])
    edf.write(dst)
    return Path(dst)


def cut_records(src: Path, dst: Path, spans_s: Sequence[tuple[float, float]]) -> Path:
    """An EDF+D/BDF+D of ``src`` (an EDF+/BDF+ with an annotation signal) without the records in ``spans_s``.

    Every data record whose time-keeping onset lies in a ``[start, stop)`` span (seconds) is
    removed; the others keep their onsets, so each span becomes a gap, as a recorder paused
    during the night writes it.  The header's reserved field says ``EDF+D`` (``BDF+D``) and its
    record count is updated.
    """
    raw = Path(src).read_bytes()
    lay = _record_layout(raw)
    keep = [r for r in range(lay["n_records"])
            if not any(a <= _record_onset(raw, lay, r) < b for a, b in spans_s)]
    out = bytearray(raw[: lay["head"]])
    out[192:236] = (b"BDF+D" if raw[0] == 255 else b"EDF+D").ljust(44)
    out[236:244] = str(len(keep)).encode().ljust(8)
    for r in keep:
        out += raw[lay["head"] + r * lay["record"]: lay["head"] + (r + 1) * lay["record"]]
    Path(dst).write_bytes(bytes(out))
    return Path(dst)


def make_bad_files(out: Path) -> dict[str, Path]:
    """Each a :class:`~myosleep.errors.RecordingError` for read_recording. Returns ``{case: path}``."""
    good = make_psg(out / "good.edf", duration_s=10.0)
    data = good.read_bytes()
    cases: dict[str, Path] = {}

    def variant(name: str, content: bytes) -> Path:
        p = out / f"{name}.edf"
        p.write_bytes(content)
        cases[name] = p
        return p

    # cut inside its first data record: no complete record to read (a file cut later is read up to
    # its last complete record, with a warning)
    variant("cut_in_first_record", data[: int(data[184:192]) + 2000])
    variant("header_only_cut", data[:400])
    variant("empty", b"")
    variant("text", b"time_s,value\n0.0,1.0\n0.5,2.0\n" * 20)
    wrong = variant("wrong_signal_count", data)  # 6 signals declared; the header bytes (2048) say 7
    patch_main_field(wrong, 252, 4, "6")
    p = variant("bad_number", data)
    patch_main_field(p, 236, 8, "ten")
    p = variant("zero_signals", data)
    patch_main_field(p, 252, 4, "0")
    p = variant("zero_duration", data)
    patch_main_field(p, 244, 8, "0")
    p = variant("physical_equal", data)
    patch_signal_field(p, 2, "physical_min", "500")
    p = variant("digital_inverted", data)
    patch_signal_field(p, 2, "digital_min", "40000")
    p = variant("zero_samples", data)
    patch_signal_field(p, 3, "samples_per_record", "0")
    d = out / "a_directory.edf"
    d.mkdir(exist_ok=True)
    cases["directory"] = d
    cases["missing"] = out / "does_not_exist.edf"
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        sys.stderr.write("usage: make_fixtures.py OUT_DIR\n")
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    make_unit_files(out)
    make_mixed_rates(out / "mixed_rates.edf")
    make_bdf(out / "small.bdf")
    make_psg(out / "psg.edf", annotations=[(1.5, 0.5, "Arousal@@EEG C4-M1"), (3.0, 0.0, "Lights off")])
    make_odd_labels(out / "odd_labels.edf")
    make_edf_plus_d(out / "contiguous_plus_d.edf", gap=False)
    make_edf_plus_d(out / "gap_plus_d.edf", gap=True)
    (out / "bad").mkdir(exist_ok=True)
    make_bad_files(out / "bad")
    for p in sorted(out.rglob("*")):
        sys.stdout.write(f"{p}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
