"""Wearable accelerometer files as devices and converters write them (defects 33-35, docs/robustness.md).

33: two sensors whose axes are interleaved in the file (``L wrist Acc X``, ``R wrist Acc X``, ...) were
grouped by file order, three at a time, and had no side.  34: channels beside the axes that are not
axes (ENMO, a vector magnitude, a magnetometer, a gyroscope) were read as axes or as a muscle.  35: an
accelerometer whose header cannot scale it got unit advice; a range written from the data's own
extremes was "clipped"; a unit written in the label was ignored; jerks in counts were given as g/s.
Every file is made here (edfio, and byte patches of its header).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.detection import detect
from myosleep.io import read_recording
from myosleep.io.describe import describe_recording
from myosleep.io.roles import infer_role
from myosleep.vocab import Role, Side

FS = 50.0
DURATION_S = 300.0
LEFT_JERKS_S = (40.0, 130.0, 220.0)
RIGHT_JERKS_S = (85.0, 175.0, 265.0)


def _axes(jerks_s: tuple[float, ...], *, seed: int) -> np.ndarray:
    """Three axes in g at rest on a wrist (gravity, 3 mg of sensor noise) with 0.3-g, 100-ms half-sine
    jerks (a myoclonic jerk of the forearm: 50-200 ms, 0.15-0.5 g)."""
    rng = np.random.default_rng(seed)
    n = int(DURATION_S * FS)
    t = np.arange(n) / FS
    x = np.array([0.1, -0.2, 0.97])[:, None] + rng.normal(0.0, 0.003, (3, n))
    for t0 in jerks_s:
        on = (t >= t0) & (t < t0 + 0.1)
        direction = rng.normal(0.0, 1.0, 3)
        x[:, on] += 0.3 * (direction / np.linalg.norm(direction))[:, None] * np.sin(np.pi * (t[on] - t0) / 0.1)
    return x


def _sig(label: str, data: np.ndarray, unit: str = "g", pr: tuple[float, float] = (-8.0, 8.0)) -> dict:
    return {"label": label, "data": data, "sfreq": FS, "unit": unit, "physical_range": pr}


def _onsets(bursts, channel: str) -> np.ndarray:
    return np.sort(bursts.loc[bursts.channel == channel, "onset"].to_numpy(float))


# =============================================================================================
# 33: the axes of one sensor are grouped by sensor and side, not by file order
# =============================================================================================
@pytest.mark.parametrize(("label", "side"), [
    ("L wrist Acc X", Side.LEFT), ("R wrist Acc Y", Side.RIGHT), ("Acc X left", Side.LEFT),
    ("ACC_Z_rechts", Side.RIGHT), ("LWrist AccX", Side.LEFT), ("AnkleR acc y", Side.RIGHT),
    ("Accel links Z", Side.LEFT), ("Acc X", None),
    ("acc x [g]", None),  # the unit 'g' is not French gauche
    ("Acc X m s-2", None),  # nor 's' Italian sinistra
])
def test_side_of_an_accelerometer_is_read_from_its_label(label: str, side: Side | None) -> None:
    assert infer_role(label) == (Role.ACCELEROMETER, side)


@pytest.mark.parametrize(("label", "sensor", "axis"), [
    ("L wrist Acc X", "l wrist acc", "x"), ("R wrist Acc X", "r wrist acc", "x"),
    ("Accel Channel 0", "accel channel", "0"), ("ACC2", "acc", "2"), ("dX", "d", "x"), ("AccZ", "acc", "z"),
    ("X-axis", "axis", "x"), ("Yaxis", "axis", "y"), ("Accel_LN_X", "accel ln", "x"), ("acc x [g]", "acc", "x"),
])
def test_the_axis_and_the_sensor_of_a_label(label: str, sensor: str, axis: str) -> None:
    from myosleep.io.roles import accelerometer_axis

    assert accelerometer_axis(label) == (sensor, axis)


@pytest.fixture(scope="module")
def two_wrists(tmp_path_factory: pytest.TempPathFactory, mkfix) -> Path:
    """Both wrists, their axes interleaved (L X, R X, L Y, R Y, L Z, R Z); jerks on one wrist at a time."""
    left, right = _axes(LEFT_JERKS_S, seed=1), _axes(RIGHT_JERKS_S, seed=2)
    sigs = []
    for k, axis in enumerate("XYZ"):
        sigs += [_sig(f"L wrist Acc {axis}", left[k]), _sig(f"R wrist Acc {axis}", right[k])]
    return mkfix.write_edf(tmp_path_factory.mktemp("wrists") / "two_wrists.edf", sigs)


def test_interleaved_axes_of_two_wrists_are_two_sensors(two_wrists: Path) -> None:
    with read_recording(two_wrists) as rec:
        assert [c.side for c in rec.channels] == [Side.LEFT, Side.RIGHT] * 3
        res = detect(rec)
    left, right = "L wrist Acc X+L wrist Acc Y+L wrist Acc Z", "R wrist Acc X+R wrist Acc Y+R wrist Acc Z"
    assert set(res.bursts.channel) == {left, right}
    assert set(res.bursts.loc[res.bursts.channel == left, "side"]) == {"left"}
    assert set(res.bursts.loc[res.bursts.channel == right, "side"]) == {"right"}
    # each jerk once, on its own wrist, within 50 ms (the 15-Hz low-pass and the 20-ms envelope)
    for channel, truth in ((left, LEFT_JERKS_S), (right, RIGHT_JERKS_S)):
        found = _onsets(res.bursts, channel)
        assert found.size == 3 and np.max(np.abs(found - np.array(truth))) < 0.05, (channel, found)


# =============================================================================================
# 34: ENMO, a vector magnitude, a magnetometer and a gyroscope are not axes, whatever their unit
# =============================================================================================
@pytest.fixture(scope="module")
def imu(tmp_path_factory: pytest.TempPathFactory, mkfix) -> Path:
    x = _axes(LEFT_JERKS_S, seed=3)
    vm = np.sqrt((x ** 2).sum(axis=0))
    rng = np.random.default_rng(4)
    sigs = [_sig(f"Accelerometer {a}", x[k]) for k, a in enumerate("XYZ")]
    sigs += [_sig("ENMO", np.maximum(vm - 1.0, 0.0), pr=(0.0, 8.0)), _sig("VM", vm, pr=(0.0, 8.0)),
             _sig("Vector Magnitude", vm * 100.0, unit="counts", pr=(0.0, 1000.0))]
    sigs += [_sig(f"Mag {a}", 0.3 + rng.normal(0.0, 0.01, x.shape[1]), unit="G", pr=(-4.0, 4.0)) for a in "XYZ"]
    sigs += [_sig(f"Gyro {a}", rng.normal(0.0, 1.0, x.shape[1]), unit="dps", pr=(-500.0, 500.0)) for a in "XYZ"]
    return mkfix.write_edf(tmp_path_factory.mktemp("imu") / "imu.edf", sigs)


@pytest.mark.parametrize(("label", "what"), [
    ("ENMO", "ENMO (Euclidean norm"), ("VM", "vector magnitude"), ("Vector Magnitude", "vector magnitude"),
    ("Mag X", "magnetometer"), ("Mag Z", "magnetometer"), ("Gyro Y", "gyroscope"),
])
def test_channels_that_are_not_axes_are_said_and_not_used(imu: Path, label: str, what: str) -> None:
    with read_recording(imu) as rec:
        ch = rec.channel(label)
        assert ch.role is Role.OTHER, ch.role
        assert ch.warnings and ch.warnings[0].startswith(what) and "not an accelerometer axis, not used" in \
            ch.warnings[0], ch.warnings
        assert [c.label for c in rec.picks(Role.ACCELEROMETER)] == ["Accelerometer X", "Accelerometer Y",
                                                                    "Accelerometer Z"]


def test_jerks_come_from_the_axes_alone(imu: Path) -> None:
    with read_recording(imu) as rec:
        res = detect(rec)
    assert set(res.bursts.channel) == {"Accelerometer X+Accelerometer Y+Accelerometer Z"}
    found = _onsets(res.bursts, "Accelerometer X+Accelerometer Y+Accelerometer Z")
    assert found.size == 3 and np.max(np.abs(found - np.array(LEFT_JERKS_S))) < 0.05, found
    assert len(res.events) == 3


def test_vm_in_microvolts_is_still_the_vastus_medialis(tmp_path: Path, mkfix) -> None:
    """Control: SENIAM's VM (vastus medialis) of a BIDS EMG dataset is a voltage, and a leg muscle."""
    emg = np.random.default_rng(5).normal(0.0, 5.0, 5000)
    path = mkfix.write_edf(tmp_path / "vm.edf", [{"label": "VM_L", "data": emg, "sfreq": 1000.0, "unit": "uV",
                                                  "physical_range": (-500.0, 500.0)}])
    with read_recording(path) as rec:
        assert (rec.channel("VM_L").role, rec.channel("VM_L").side) == (Role.LEG, Side.LEFT)


# =============================================================================================
# 35: a header that cannot scale an accelerometer; ranges from the data; a unit in the label; counts
# =============================================================================================
def test_accelerometer_beyond_16_bits_is_refused_for_its_header(tmp_path: Path, mkfix, capsys) -> None:
    x = _axes(LEFT_JERKS_S, seed=6)
    path = mkfix.write_edf(tmp_path / "openbci.edf", [_sig(f"Accel Channel {k}", x[k], pr=(-4.0, 4.0))
                                                      for k in range(3)])
    for k in range(3):  # OpenBCI's 24-bit range written into a 16-bit EDF
        mkfix.patch_signal_field(path, k, "digital_min", "-8388608")
        mkfix.patch_signal_field(path, k, "digital_max", "8388607")
    assert main(["detect", str(path), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    line = captured.err.strip()
    assert captured.err.count("\n") == 1 and "Traceback" not in line, captured.err
    assert "exceeds the 16-bit samples of EDF" in line and "export the file again" in line, line
    assert "unit" not in line.split(").", 1)[1], line  # no unit advice for a header problem


def test_a_range_written_from_the_data_is_not_clipping(tmp_path: Path, mkfix) -> None:
    x = _axes(LEFT_JERKS_S, seed=7)
    # as read_cwa's ax_to_edf writes it: the physical range is the data's own minimum and maximum
    tight = [_sig(f"Accelerometer {a}", x[k], pr=(float(x[k].min()), float(x[k].max()))) for k, a in enumerate("xyz")]
    # control: a sensor saturating at +-1.1 g holds its rail through each jerk that goes beyond
    rail = 1.1
    clipped = [_sig(f"Accelerometer {a}", np.clip(x[k], -rail, rail), pr=(-rail, rail)) for k, a in enumerate("xyz")]
    for name, sigs in (("tight", tight), ("clipped", clipped)):
        path = mkfix.write_edf(tmp_path / f"{name}.edf", sigs)
        with read_recording(path) as rec:
            desc = describe_recording(rec)
        said = {c["label"]: [w for w in c["warnings"] if w.startswith("clipped")] for c in desc["channels"]}
        if name == "tight":
            assert said == {"Accelerometer x": [], "Accelerometer y": [], "Accelerometer z": []}, said
        else:
            held = {a: int(np.sum(np.abs(x[k]) >= rail)) for k, a in enumerate("xyz")}
            assert sum(held.values()) >= 4
            for a, n in held.items():
                if n:
                    assert said[f"Accelerometer {a}"] and said[f"Accelerometer {a}"][0].startswith(
                        f"clipped: {n} sample(s)"), (a, n, said)


def test_a_unit_in_the_label_is_read_when_the_field_is_empty(tmp_path: Path, mkfix) -> None:
    x = _axes(LEFT_JERKS_S, seed=8)
    sigs = [_sig(f"acc {a} [mg]", x[k] * 1000.0, unit="", pr=(-8000.0, 8000.0)) for k, a in enumerate("xyz")]
    sigs.append({"label": "Chin (mV)", "data": np.random.default_rng(9).normal(0.0, 0.005, 150000), "sfreq": 500.0,
                 "unit": "", "physical_range": (-1.0, 1.0)})
    path = mkfix.write_edf(tmp_path / "label_unit.edf", sigs)
    with read_recording(path) as rec:
        ch = rec.channel("acc x [mg]")
        assert (ch.role, ch.side, ch.unit, ch.data_unit, ch.data_scale) == (Role.ACCELEROMETER, None, "mg", "g", 1e-3)
        assert ch.warnings[0].startswith("unit read from the label: the header's unit field is empty"), ch.warnings
        np.testing.assert_allclose(rec.get_data("acc x [mg]"), x[0], atol=16.0 / 65535)
        chin = rec.channel("Chin (mV)")
        assert (chin.role, chin.scale_to_uv) == (Role.CHIN, 1000.0)
        res = detect(rec, channels=["acc x [mg]", "acc y [mg]", "acc z [mg]"])
    jerk = res.bursts.peak_jerk_g_per_s.to_numpy(float)
    # absolute thresholds: a 0.3-g, 100-ms half-sine has a peak jerk of 0.3 * pi / 0.1 = 9.4 g/s
    assert jerk.size == 3 and np.all((jerk > 3.0) & (jerk < 12.0)), jerk


def test_jerks_in_counts_are_not_given_in_g_per_s(tmp_path: Path, mkfix) -> None:
    x = _axes(LEFT_JERKS_S, seed=10)
    path = mkfix.write_edf(tmp_path / "counts.edf", [_sig(f"Acc {a}", np.round(x[k] * 64), unit="counts",
                                                          pr=(-128.0, 127.0)) for k, a in enumerate("XYZ")])
    with read_recording(path) as rec:
        assert "peak_jerk_g_per_s left empty" in rec.channel("Acc X").warnings[0]
        res = detect(rec)
    assert len(res.bursts) >= 3  # found on relative thresholds
    assert res.bursts.peak_jerk_g_per_s.isna().all(), res.bursts.peak_jerk_g_per_s
