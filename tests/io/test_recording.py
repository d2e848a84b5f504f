"""read_recording: units to uV, mixed rates, BDF, mne Raw, lazy reads, labels, overrides, annotations."""

from __future__ import annotations

import hashlib
import logging
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import ChannelError, ParameterError, RecordingError
from myosleep.io import ChannelInfo, Recording, read_recording
from myosleep.io import _edf_data
from myosleep.io.recording import unit_scale_to_uv
from myosleep.vocab import Role, Side


# ----------------------------------------------------------------------- units
@pytest.mark.parametrize(("unit", "scale"), [
    ("V", 1e6), ("v", 1e6), ("mV", 1e3), ("MV", 1e3), ("uV", 1.0), ("UV", 1.0), ("uv", 1.0),
    ("\u00b5V", 1.0), ("\u03bcV", 1.0), ("nV", 1e-3), ("microvolts", 1.0), ("Microvolt", 1.0), ("microV", 1.0),
    (" mV ", 1e3), ("millivolts", 1e3), ("g", None), ("mg", None), ("m/s^2", None), ("%", None),
    ("DegC", None), ("", None), ("counts", None),
    ("mkV", 1.0), ("uVolt", 1.0), ("mVolt", 1e3), ("[uV]", 1.0), ("(mV)", 1e3), ("[g]", None), ("()", None),
])
def test_unit_scale_to_uv(unit: str, scale: float | None) -> None:
    assert unit_scale_to_uv(unit) == scale


@pytest.mark.parametrize("name", ["V", "mV", "uV", "nV", "micro_sign", "greek_mu", "lower", "upper"])
def test_units_round_trip_to_uv(fixture_dir: Path, mkfix, name: str) -> None:
    path = fixture_dir / f"units_{name}.edf"
    truth = mkfix.test_signal_uv(1024, 256.0)
    with read_recording(path) as rec:
        ch = rec.channel("EMG Chin")
        assert ch.data_unit == "uV"
        assert ch.scale_to_uv == {"V": 1e6, "mV": 1e3, "nV": 1e-3}.get(name, 1.0)
        # 1000 uV range over 65535 steps, whatever unit the header states
        assert ch.resolution_uv == pytest.approx(1000 / 65535, rel=1e-9)
        data = rec.get_data("EMG Chin")
    assert data.shape == truth.shape
    assert np.max(np.abs(data - truth)) <= ch.resolution_uv


# ----------------------------------------------------------------------- rates, spans, BDF
def test_mixed_rates_are_kept(fixture_dir: Path, mkfix) -> None:
    truth = {label: (sf, mkfix.test_signal_uv(int(sf * 10), sf, seed=i))
             for i, (label, sf) in enumerate({"EEG C3-M2": 256.0, "Leg/L": 512.0, "Flow": 32.0}.items())}
    with read_recording(fixture_dir / "mixed_rates.edf") as rec:
        assert rec.duration_s == 10.0
        assert [c.sfreq for c in rec.channels] == [256.0, 512.0, 32.0]
        assert [c.n_samples for c in rec.channels] == [2560, 5120, 320]
        for label, (sf, expected) in truth.items():
            ch = rec.channel(label)
            got = rec.get_data(label)
            assert got.shape == expected.shape
            assert np.max(np.abs(got - expected)) <= ch.resolution_uv
        # a span: samples [2.5 s, 4.0 s) of the 512-Hz leg channel, crossing record boundaries
        span = rec.get_data("Leg/L", start_s=2.5, stop_s=4.0)
        assert span.shape == (768,)
        np.testing.assert_allclose(span, truth["Leg/L"][1][1280:2048], atol=rec.channel("Leg/L").resolution_uv)
        assert rec.get_data("Flow", start_s=9.5).shape == (16,)
        assert rec.get_data("Flow", start_s=3.0, stop_s=3.0).shape == (0,)
        assert rec.get_data("Leg/L", dtype=np.float32).dtype == np.float32


def test_bdf_round_trip_24_bit(fixture_dir: Path, mkfix) -> None:
    n = 2048
    emg = mkfix.test_signal_uv(n, 512.0, seed=1)
    eeg = mkfix.test_signal_uv(n, 512.0, seed=2) * 0.5
    with read_recording(fixture_dir / "small.bdf") as rec:
        assert rec.format == "BDF"
        rat, c4 = rec.channel("RAT"), rec.channel("C4-M1")
        assert (rat.role, rat.side) == (Role.LEG, Side.RIGHT)
        assert c4.role is Role.EEG and c4.unit == "mV" and c4.scale_to_uv == 1e3
        # 24-bit: 524.287 uV over 2**24 - 1 steps
        assert rat.resolution_uv == pytest.approx(524.287 / (2**24 - 1), rel=1e-6)
        got_emg, got_eeg = rec.get_data("RAT"), rec.get_data("C4-M1")
    assert (got_emg < 0).any() and (got_emg > 0).any()  # sign extension of negative samples
    assert np.max(np.abs(got_emg - emg)) <= rat.resolution_uv
    assert np.max(np.abs(got_eeg - eeg)) <= c4.resolution_uv


def test_decode_samples_24_bit_sign_extension() -> None:
    raw = np.array([[0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x00]], dtype=np.uint8)
    assert _edf_data.decode_samples(raw, 3).tolist() == [[-1, -(2**23), 2**23 - 1, 1]]
    raw16 = np.array([[0xFF, 0xFF, 0x00, 0x80, 0x01, 0x00]], dtype=np.uint8)
    assert _edf_data.decode_samples(raw16, 2).tolist() == [[-1, -32768, 1]]


@pytest.mark.parametrize("sample_bytes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_decode_physical_equals_int32_decoding_then_conversion(sample_bytes: int, dtype) -> None:
    # the fast path must give the values of the plain formulation: int32 samples * gain + offset
    # in float64, then cast; strided input (one signal's bytes of interleaved records), extremes
    rng = np.random.default_rng(5)
    n_rec, spr, record_bytes, byte_offset = 7, 11, 100, 30
    block = rng.integers(0, 256, size=(n_rec, record_bytes), dtype=np.uint8)
    nbytes = spr * sample_bytes
    raw = block[:, byte_offset: byte_offset + nbytes]
    ext = [0xFF, 0x7F] if sample_bytes == 2 else [0xFF, 0xFF, 0x7F]  # digital max; min below
    block[0, byte_offset: byte_offset + sample_bytes] = ext
    block[1, byte_offset: byte_offset + sample_bytes] = [0x00] * (sample_bytes - 1) + [0x80]
    gain, offset = 0.30518043793392844, 0.152590218966964
    want = (_edf_data.decode_samples(raw, sample_bytes).reshape(-1) * gain + offset).astype(dtype)
    for first, size in [(0, n_rec * spr), (3, n_rec * spr - 3), (5, 13), (76, 1)]:
        out = np.empty(size, dtype=dtype)
        _edf_data.decode_physical(raw, sample_bytes, gain, offset, out, first=first)
        np.testing.assert_array_equal(out, want[first: first + size])
    assert want[0] == dtype(((2 ** (8 * sample_bytes - 1)) - 1) * gain + offset)
    assert want[spr] == dtype(-(2 ** (8 * sample_bytes - 1)) * gain + offset)


def test_float32_read_is_the_float64_read_rounded(fixture_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(_edf_data, "CHUNK_SAMPLES", 1000)  # several blocks, spans cut mid-record
    for name, label in [("psg.edf", "LAT"), ("small.bdf", "RAT")]:
        with read_recording(fixture_dir / name) as rec:
            for span in [(0.0, None), (0.3, 3.1), (1.0, 1.0)]:
                x64 = rec.get_data(label, start_s=span[0], stop_s=span[1])
                x32 = rec.get_data(label, start_s=span[0], stop_s=span[1], dtype=np.float32)
                assert x32.dtype == np.float32 and x64.dtype == np.float64
                np.testing.assert_array_equal(x32, x64.astype(np.float32))
        assert x64.size == 0 and span == (1.0, 1.0)


# ----------------------------------------------------------------------- laziness
def test_reading_one_channel_decodes_only_that_channel(fixture_dir: Path, monkeypatch) -> None:
    decoded_bytes: list[int] = []
    real = _edf_data.decode_physical

    def spy(raw: np.ndarray, sample_bytes: int, *args, **kwargs) -> None:
        decoded_bytes.append(raw.size)
        return real(raw, sample_bytes, *args, **kwargs)

    monkeypatch.setattr(_edf_data, "decode_physical", spy)  # every physical read goes through it
    with read_recording(fixture_dir / "psg.edf") as rec:
        assert decoded_bytes == []  # opening decodes nothing
        rec.get_data("LAT")
        assert decoded_bytes == [512 * 20 * 2]  # 20 records x 512 samples x 2 bytes of LAT only
        decoded_bytes.clear()
        rec.get_data("LAT", start_s=5.0, stop_s=7.0)
        assert decoded_bytes == [512 * 2 * 2]  # only the two records covering the span


def test_reading_one_channel_of_a_large_file_allocates_one_channel(tmp_path: Path, mkfix) -> None:
    n_channels, sfreq, records = 16, 512, 300
    path = mkfix.write_raw_edf(tmp_path / "large.edf", [f"EMG{i}" for i in range(n_channels)],
                               [sfreq] * n_channels, records)
    one_channel = sfreq * records * 8  # float64 bytes of one channel
    with read_recording(path) as rec:
        tracemalloc.start()
        try:
            data = rec.get_data("EMG3")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert data.shape == (sfreq * records,)
    assert peak < 4 * one_channel  # output + one block of temporaries; all 16 channels would need >= 16 x


# ----------------------------------------------------------------------- channels
def test_channel_lookup_and_picks(fixture_dir: Path) -> None:
    with read_recording(fixture_dir / "psg.edf") as rec:
        assert isinstance(rec, Recording)
        assert rec.channel("eeg c4-m1").label == "EEG C4-M1"
        assert rec.channel("EEGC4-M1").label == "EEG C4-M1"
        assert [c.label for c in rec.picks("leg")] == ["LAT", "RAT"]
        assert [c.label for c in rec.picks(Role.LEG, side="left")] == ["LAT"]
        assert [c.label for c in rec.picks("chin", "ecg")] == ["Chin1-Chin2", "ECG"]
        assert len(rec.picks()) == 7
        assert [c.index for c in rec.channels] == list(range(7))
        assert all(isinstance(c, ChannelInfo) for c in rec.channels)
        assert rec.channel("LAT").is_emg and not rec.channel("ECG").is_emg
        with pytest.raises(ChannelError, match=r"'Leg X'.*'LAT'.*'RAT'"):
            rec.channel("Leg X")
        with pytest.raises(ParameterError):
            rec.picks("elbow")


def test_channel_overrides(fixture_dir: Path) -> None:
    with read_recording(fixture_dir / "psg.edf", channels={"leg": ["Flow", "rat"], "arm": "ECG"}) as rec:
        roles = {c.label: (c.role, c.side) for c in rec.channels}
    assert roles["Flow"] == (Role.LEG, None)
    assert roles["RAT"] == (Role.LEG, Side.RIGHT)  # side still from the label
    assert roles["LAT"] == (Role.OTHER, None)  # leg was overridden and LAT not listed
    assert roles["ECG"] == (Role.ARM, None)
    assert roles["Chin1-Chin2"] == (Role.CHIN, None)  # untouched role
    with pytest.raises(ChannelError, match=r"'Tib9'.*available|'Tib9'.*channels are: 'EEG C4-M1'"):
        read_recording(fixture_dir / "psg.edf", channels={"leg": "Tib9"})
    with pytest.raises(ParameterError, match="elbow"):
        read_recording(fixture_dir / "psg.edf", channels={"elbow": "LAT"})


def test_odd_labels_do_not_crash(fixture_dir: Path) -> None:
    with read_recording(fixture_dir / "odd_labels.edf") as rec:
        assert rec.labels == ["EMG Kinn ü", "channel 2", "Chin", "Chin#2", "LAT"]
        assert rec.channel("EMG Kinn ü").role is Role.CHIN
        assert rec.channel("channel 2").role is Role.OTHER
        assert rec.channel("channel 2").original_label == ""
        assert any("empty label" in w for w in rec.channel("channel 2").warnings)
        dup = rec.channel("Chin#2")
        assert dup.role is Role.CHIN and dup.original_label == "Chin"
        assert any("duplicate label 'Chin'" in w for w in dup.warnings)
        assert rec.channel("Chin").warnings == ()
        first, second = rec.get_data("Chin"), rec.get_data("Chin#2")
        assert first.shape == second.shape == (512,)
        assert not np.allclose(first, second)  # two different signals, each reachable


def _one_channel(mkfix, path: Path, *, label: str, unit: str, sfreq: float = 256.0, pr=(-500.0, 500.0),
                 dr=(-32768, 32767), data: np.ndarray | None = None) -> Path:
    values = mkfix.test_signal_uv(int(sfreq * 2), sfreq) if data is None else data
    return mkfix.write_edf(path, [{"data": values, "sfreq": sfreq, "label": label, "unit": unit,
                                   "physical_range": pr, "digital_range": dr}])


def test_non_voltage_units_are_kept(tmp_path: Path, mkfix) -> None:
    acc = np.linspace(-1500, 1500, 100)  # mg
    path = mkfix.write_edf(tmp_path / "acc.edf", [
        {"data": acc, "sfreq": 50.0, "label": "Acc X", "unit": "mg", "physical_range": (-2000, 2000)},
        {"data": acc / 1000, "sfreq": 50.0, "label": "Acc Y", "unit": "g", "physical_range": (-2, 2)},
        {"data": acc / 100, "sfreq": 50.0, "label": "Acc Z", "unit": "m/s^2", "physical_range": (-20, 20)},
        {"data": np.full(100, 36.6), "sfreq": 50.0, "label": "Temp", "unit": "degC", "physical_range": (30, 40)},
    ])
    with read_recording(path) as rec:
        x, y, z, t = rec.channels
        assert [c.role for c in (x, y, z)] == [Role.ACCELEROMETER] * 3
        assert (x.unit, x.data_unit, x.scale_to_uv) == ("mg", "g", 1.0)
        assert (y.data_unit, z.data_unit, t.data_unit) == ("g", "g", "degC")  # accelerations read in g
        assert all(np.isnan(c.resolution_uv) for c in rec.channels)
        np.testing.assert_allclose(rec.get_data("Acc X"), acc / 1000, atol=4000 / 65535 / 1000)
        np.testing.assert_allclose(rec.get_data("Acc Y"), acc / 1000, atol=4 / 65535)
        # m/s^2 -> g by standard gravity (9.80665 m/s^2, CGPM 1901)
        np.testing.assert_allclose(rec.get_data("Acc Z"), acc / 100 / 9.80665, atol=40 / 65535 / 9.80665)
        np.testing.assert_allclose(rec.get_data("Temp"), 36.6, atol=10 / 65535)


def test_a_fraction_of_g_per_count_is_an_acceleration(tmp_path: Path, mkfix) -> None:
    # Empatica E4 writes its ACC in "1/64g" (1/64 g per count, +-2 g): an unknown unit before, so jerks
    # were found on relative thresholds alone and peak_jerk_g_per_s was empty
    counts = np.round(np.linspace(-128, 127, 320))
    path = mkfix.write_edf(tmp_path / "e4.edf", [
        {"data": counts, "sfreq": 32.0, "label": f"ACC {ax}", "unit": "1/64g", "physical_range": (-128, 127)}
        for ax in "XYZ"])
    with read_recording(path) as rec:
        assert [(c.role, c.data_unit) for c in rec.channels] == [(Role.ACCELEROMETER, "g")] * 3
        np.testing.assert_allclose(rec.get_data("ACC X"), counts / 64.0, atol=255 / 65535 / 64)


def test_empty_and_unknown_units_on_physiological_channels(tmp_path: Path, mkfix) -> None:
    sig = mkfix.test_signal_uv(512, 256.0)
    path = mkfix.write_edf(tmp_path / "u.edf", [
        {"data": sig, "sfreq": 256.0, "label": "LAT", "unit": "", "physical_range": (-500, 500)},
        {"data": sig, "sfreq": 256.0, "label": "C3-M2", "unit": "counts", "physical_range": (-500, 500)},
        {"data": sig, "sfreq": 256.0, "label": "Flow", "unit": "", "physical_range": (-500, 500)},
    ])
    with read_recording(path) as rec:
        lat, c3, flow = rec.channels
        assert lat.data_unit == "uV" and "empty physical dimension; assumed uV" in lat.warnings
        np.testing.assert_allclose(rec.get_data("LAT"), sig, atol=lat.resolution_uv)
        assert not c3.readable and any("'counts' is not a voltage" in w for w in c3.warnings)
        with pytest.raises(ChannelError, match=r"'C3-M2'.*'counts'|'counts'.*'C3-M2'"):
            rec.get_data("C3-M2")
        assert flow.warnings == () and flow.data_unit == ""
    # giving the channel a non-physiological role makes it readable in its own unit
    with read_recording(path, channels={"other": "C3-M2"}) as rec:
        assert rec.channel("C3-M2").readable
        assert rec.get_data("C3-M2").shape == (512,)


@pytest.mark.parametrize(("sfreq", "expected"), [
    (50.0, "below 100 Hz: too slow to show a 75 ms burst"),
    (128.0, "below the AASM minimum of 200 Hz"),
    (256.0, None),
])
def test_emg_sampling_rate_warnings(tmp_path: Path, mkfix, sfreq: float, expected: str | None) -> None:
    with read_recording(_one_channel(mkfix, tmp_path / "r.edf", label="Leg/R", unit="uV", sfreq=sfreq)) as rec:
        warnings = rec.channel("Leg/R").warnings
    if expected is None:
        assert warnings == ()
    else:
        assert len(warnings) == 1 and expected in warnings[0]


def test_emg_coarse_quantisation_warning(tmp_path: Path, mkfix) -> None:
    # 12-bit ADC over +-5 mV: 10000 uV / 4095 steps = 2.44 uV per step
    path = _one_channel(mkfix, tmp_path / "q.edf", label="Chin", unit="uV", pr=(-5000, 5000), dr=(-2048, 2047))
    with read_recording(path) as rec:
        ch = rec.channel("Chin")
    assert ch.resolution_uv == pytest.approx(10000 / 4095)
    assert any("quantised at 2.44 uV per step, coarser than 1 uV" in w for w in ch.warnings)
    # the same range on an EEG channel is not an EMG problem
    path = _one_channel(mkfix, tmp_path / "q2.edf", label="C3-M2", unit="uV", pr=(-5000, 5000), dr=(-2048, 2047))
    with read_recording(path) as rec:
        assert rec.channel("C3-M2").warnings == ()


# ----------------------------------------------------------------------- EDF+, annotations
def test_edf_plus_annotations_with_channel_suffix(fixture_dir: Path) -> None:
    with read_recording(fixture_dir / "psg.edf") as rec:
        assert rec.format == "EDF+C"
        assert len(rec.channels) == 7  # the annotation signal is not a data channel
        anns = rec.annotations
    assert [(a.onset_s, a.duration_s, a.description, a.channel) for a in anns] == [
        (1.5, 0.5, "Arousal", "EEG C4-M1"), (3.0, 0.0, "Lights off", None)]


def test_edf_plus_d_contiguous_is_read_and_gaps_are_read_as_nan(fixture_dir: Path) -> None:
    with read_recording(fixture_dir / "contiguous_plus_d.edf") as rec:
        assert rec.format == "EDF+D"
        assert rec.duration_s == 10.0 and rec.gaps_s == ()
        assert rec.get_data("LAT").shape == (5120,)
    # records 6-10 stamped 9-13 s: a 4-s gap after 5 s (tests/io/test_edf_gaps.py reads every case)
    with read_recording(fixture_dir / "gap_plus_d.edf") as rec:
        assert rec.duration_s == 14.0 and rec.gaps_s == ((5.0, 9.0),)
        x = rec.get_data("LAT")
        assert x.shape == (14 * 512,) and np.isnan(x).sum() == 4 * 512


# ----------------------------------------------------------------------- mne input
def test_mne_raw_input_in_volts(mkfix) -> None:
    import mne

    sfreq = 500.0
    emg = mkfix.test_signal_uv(1000, sfreq)
    info = mne.create_info(["EMG Tib L", "C4-M1", "Acc X"], sfreq, ["emg", "eeg", "misc"])
    raw = mne.io.RawArray(np.vstack([emg * 1e-6, emg * 2e-6, emg / 100]), info, verbose="error")
    raw.set_annotations(mne.Annotations([0.5], [0.25], ["twitch"], ch_names=[["EMG Tib L"]]))
    rec = read_recording(raw)
    assert rec.format == "mne" and rec.path is None and rec.duration_s == 2.0
    leg, eeg, acc = rec.channels
    assert (leg.role, leg.side, leg.unit, leg.scale_to_uv) == (Role.LEG, Side.LEFT, "V", 1e6)
    assert eeg.role is Role.EEG and acc.role is Role.ACCELEROMETER
    np.testing.assert_allclose(rec.get_data("EMG Tib L"), emg, rtol=1e-12)
    np.testing.assert_allclose(rec.get_data("C4-M1", start_s=1.0), 2 * emg[500:], rtol=1e-12)
    np.testing.assert_allclose(rec.get_data("Acc X"), emg / 100, rtol=1e-12)  # not scaled: not a voltage
    assert [(a.onset_s, a.duration_s, a.description, a.channel) for a in rec.annotations] == [
        (0.5, 0.25, "twitch", "EMG Tib L")]
    digest = rec.sha256()
    assert len(digest) == 64 and digest == read_recording(raw).sha256()
    raw2 = mne.io.RawArray(np.vstack([emg * 1e-6, emg * 2e-6, emg / 99]), info, verbose="error")
    assert read_recording(raw2).sha256() != digest


def test_mne_raw_of_a_real_file_matches_the_direct_reader(sleep_edf_psg: Path) -> None:
    import mne

    raw = mne.io.read_raw_edf(sleep_edf_psg, verbose="error")
    via_mne = read_recording(raw)
    with read_recording(sleep_edf_psg) as direct:
        for label in ("EEG Fpz-Cz", "EOG horizontal"):
            np.testing.assert_allclose(via_mne.get_data(label), direct.get_data(label), atol=1e-9)
        assert direct.channel("EMG submental").sfreq == 1.0
    # mne upsampled the 1-Hz EMG to 100 Hz: the EMG warning still uses the file's own 1 Hz
    emg = via_mne.channel("EMG submental")
    assert emg.sfreq == 100.0 and emg.native_sfreq == 1.0
    assert any("upsampled to 100 Hz by mne" in w for w in emg.warnings)
    assert any("EMG sampled at 1 Hz, below 100 Hz" in w for w in emg.warnings)


# ----------------------------------------------------------------------- real files
def test_real_sleep_edf_roles_and_warnings(sleep_edf_psg: Path) -> None:
    with read_recording(sleep_edf_psg) as rec:
        assert rec.format == "EDF"
        assert rec.duration_s == 300.0
        assert rec.start_datetime.isoformat() == "1989-04-24T16:13:00"
        roles = {c.label: c.role for c in rec.channels}
        assert roles == {"EEG Fpz-Cz": Role.EEG, "EEG Pz-Oz": Role.EEG, "EOG horizontal": Role.EOG,
                         "Resp oro-nasal": Role.OTHER, "EMG submental": Role.CHIN, "Temp rectal": Role.OTHER,
                         "Event marker": Role.OTHER}
        emg = rec.channel("EMG submental")
        assert emg.sfreq == 1.0 and emg.n_samples == 300
        # its prefilter says what it is: the recorder's envelope ("HP:16Hz Rectification LP:0.7Hz")
        assert emg.warnings == ("EMG already processed by the recorder (rectification; prefilter 'HP:16Hz "
                                "Rectification LP:0.7Hz'): an amplitude envelope stored at 1 Hz, not the EMG, so "
                                "its bursts cannot be read",)
        assert emg.emg_envelope == emg.warnings[0]
        assert [c.warnings for c in rec.channels if c.label != "EMG submental"] == [()] * 6
        assert rec.channel("Temp rectal").data_unit == "DegC"
        eeg = rec.get_data("EEG Fpz-Cz")
        assert eeg.shape == (30000,)
        assert np.std(eeg) > 1.0 and np.std(eeg) < 100.0  # real EEG amplitudes in uV
        assert rec.annotations == ()
        digest = hashlib.sha256(sleep_edf_psg.read_bytes()).hexdigest()
        assert rec.sha256() == digest


def test_real_annotation_only_hypnogram(hmc_hypnogram: Path) -> None:
    with pytest.raises(RecordingError, match="annotation-only EDF\\+C file"):
        read_recording(hmc_hypnogram)  # as a recording it would last 0 s
    with read_recording(hmc_hypnogram, allow_annotation_only=True) as rec:
        assert rec.format == "EDF+C" and rec.annotation_only
        assert rec.channels == () and rec.picks() == []
        assert any("no data channels" in w for w in rec.warnings)
        with pytest.raises(ChannelError, match="no data channels"):
            rec.get_data("EEG F4-A1")
        anns = rec.annotations
    assert len(anns) == 856
    lights_off = [a for a in anns if a.description == "Lights off"]
    assert [(a.onset_s, a.channel) for a in lights_off] == [(33.43, "EEG F4-A1")]
    stages = [a for a in anns if a.description.startswith("Sleep stage")]
    assert stages[0].onset_s == 0.0 and stages[0].duration_s == 30.0
    assert {a.description for a in stages} <= {f"Sleep stage {s}" for s in ("W", "N1", "N2", "N3", "R", "?")}


# ----------------------------------------------------------------------- lifecycle, parameters
def test_close_and_parameters(fixture_dir: Path) -> None:
    rec = read_recording(fixture_dir / "psg.edf")
    with pytest.raises(ParameterError):
        rec.get_data("LAT", start_s=-1.0)
    with pytest.raises(ParameterError):
        rec.get_data("LAT", start_s=30.0)
    with pytest.raises(ParameterError):
        rec.get_data("LAT", start_s=5.0, stop_s=4.0)
    rec.close()
    rec.close()  # idempotent
    assert rec.closed
    with pytest.raises(RecordingError, match="closed"):
        rec.get_data("LAT")
    with pytest.raises(ParameterError):
        read_recording(12345)


def test_declared_minus_one_drops_partial_record_with_warning(tmp_path: Path, mkfix, caplog) -> None:
    path = mkfix.write_raw_edf(tmp_path / "m1.edf", ["LAT", "C3-M2"], [256, 128], 10, declared_records=-1)
    with open(path, "ab") as f:
        f.write(b"\x00" * 100)  # a partial 11th record
    with caplog.at_level(logging.WARNING, logger="myosleep"):
        rec = read_recording(path)
    with rec:
        assert rec.duration_s == 10.0 and rec.get_data("LAT").shape == (2560,)
    assert any("partial record of 100 bytes" in r.getMessage() for r in caplog.records)


def test_extra_bytes_after_declared_records_are_ignored(tmp_path: Path, mkfix, caplog) -> None:
    path = mkfix.write_raw_edf(tmp_path / "x.edf", ["LAT"], [256], 4)
    with open(path, "ab") as f:
        f.write(b"\x01" * 700)
    with caplog.at_level(logging.WARNING, logger="myosleep"):
        with read_recording(path) as rec:
            assert rec.duration_s == 4.0 and rec.get_data("LAT").shape == (1024,)
    assert any("700 bytes after the 4 declared data records" in r.getMessage() for r in caplog.records)


def test_chunked_decoding_gives_the_same_samples(fixture_dir: Path, monkeypatch) -> None:
    with read_recording(fixture_dir / "small.bdf") as rec:
        whole = rec.get_data("RAT")
        span = rec.get_data("RAT", start_s=0.3, stop_s=3.1)
        monkeypatch.setattr(_edf_data, "CHUNK_SAMPLES", 700)  # blocks of 1 record, spans cut mid-record
        np.testing.assert_array_equal(rec.get_data("RAT"), whole)
        np.testing.assert_array_equal(rec.get_data("RAT", start_s=0.3, stop_s=3.1), span)
    assert span.shape == (int(np.ceil(3.1 * 512)) - int(0.3 * 512),)
    np.testing.assert_array_equal(span, whole[153:1588])


def test_override_to_a_physiological_role_needs_a_voltage_unit(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_edf(tmp_path / "pos.edf", [
        {"data": np.zeros(100), "sfreq": 10.0, "label": "Position", "unit": "deg", "physical_range": (0, 360)}])
    with pytest.raises(ChannelError, match=r"'Position'.*'deg' is not a voltage|'deg' is not a voltage.*'Position'"):
        read_recording(path, channels={"chin": "Position"})


def test_mne_emg_type_without_a_muscle_name_is_flagged() -> None:
    import mne

    info = mne.create_info(["EMG3", "EMG4"], 500.0, ["emg", "emg"])
    raw = mne.io.RawArray(np.zeros((2, 500)), info, verbose="error")
    rec = read_recording(raw)
    assert rec.channel("EMG3").role is Role.EMG  # EMG, site unknown: listed, not analysed
    assert any("EMG of unknown site" in w and "--channels chin=EMG3" in w for w in rec.channel("EMG3").warnings)
    rec = read_recording(raw, channels={"leg": "EMG3"})
    assert rec.channel("EMG3").role is Role.LEG and rec.channel("EMG3").warnings == ()


def test_parse_tals_time_keeping_and_multiple_texts() -> None:
    record = (b"+120.5\x14\x14\x00"  # time-keeping TAL of the record
              b"+121\x1530\x14Sleep stage W\x14\x00"
              b"+125.25\x14Arousal@@C4-M1\x14Leg movement\x14\x00"
              b"\x00\x00\x00")  # padding
    keeping, tals = _edf_data.parse_tals(record)
    assert keeping == 120.5
    assert tals == [(121.0, 30.0, "Sleep stage W"), (125.25, 0.0, "Arousal@@C4-M1"), (125.25, 0.0, "Leg movement")]
