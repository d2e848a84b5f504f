"""Input: recordings (EDF, EDF+, BDF, mne Raw) and hypnograms."""

from __future__ import annotations

from .hypnogram import read_hypnogram
from .hypnogram_model import Hypnogram
from .recording import ChannelInfo, Recording, read_recording

__all__ = ["read_recording", "Recording", "ChannelInfo", "read_hypnogram", "Hypnogram"]
