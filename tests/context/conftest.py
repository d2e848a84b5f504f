"""Fixtures of the sleep-context tests: a minimal in-memory recording and EEG builders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from myosleep.vocab import Role


@dataclass(frozen=True)
class FakeChannel:
    """The part of ``myosleep.io.ChannelInfo`` the context code reads."""

    label: str
    role: Role
    sfreq: float
    side: object = None
    unit: str = "uV"
    readable: bool = True


class FakeRecording:
    """Channels at their own rates (an mne Raw cannot hold mixed rates)."""

    def __init__(self, signals: dict[str, tuple[Role, float, np.ndarray]], path: str = "fake.edf"):
        self.path = path
        self.start_datetime = None
        self.annotations = ()
        self.channels = tuple(FakeChannel(k, r, float(fs)) for k, (r, fs, _) in signals.items())
        self._data = {k: np.asarray(x, dtype=float) for k, (_, _, x) in signals.items()}
        self.duration_s = max(x.size / fs for _, fs, x in signals.values()) if signals else 0.0
        self.reads: list[str] = []

    def get_data(self, label, *, start_s=0.0, stop_s=None, dtype=np.float64):
        self.reads.append(label)
        return self._data[label].astype(dtype)


def colored_noise(n: int, sfreq: float, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance noise with a 1/f**exponent power spectrum (flat below 0.5 Hz)."""
    f = np.fft.rfftfreq(n, 1.0 / sfreq)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) / np.maximum(f, 0.5) ** (exponent / 2)
    x = np.fft.irfft(spec, n)
    return x / x.std()


def eeg_with_arousals(duration_s: float, sfreq: float, rng: np.random.Generator, *, exponent: float = 2.0,
                      spacing_s: float = 97.0, amp_uv: float = 30.0):
    """Sleep-like EEG (1/f^exponent; sleep EEG slopes are ~2-3, e.g. He et al., Neuron 2010)
    with arousals: 3.5-14 s where the background halves and alpha (10 Hz) plus broadband
    fast activity appear (an abrupt shift to alpha and > 16 Hz, AASM).

    Returns (signal uV, onsets s, durations s).
    """
    n = int(duration_s * sfreq)
    x = amp_uv * colored_noise(n, sfreq, exponent, rng)
    t = np.arange(n) / sfreq
    grid = np.arange(120.0, duration_s - 60.0, spacing_s)
    onsets = grid + rng.uniform(0.0, 20.0, size=grid.size)
    durations = rng.uniform(3.5, 14.0, size=grid.size)
    for o, d in zip(onsets, durations):
        s = slice(int(o * sfreq), int((o + d) * sfreq))
        a = x[s].std()
        x[s] = 0.5 * x[s] + 0.7 * a * np.sin(2 * np.pi * 10.0 * t[s]) + 0.3 * a * rng.standard_normal(s.stop - s.start)
    return x, onsets, durations


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261128)
