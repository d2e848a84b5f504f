"""The package's exception hierarchy.

Every error caused by the user's input derives from :class:`InputError`; the CLI
turns it into one line on stderr and exit status 2.  Anything else is a bug
(exit status 1).
"""

from __future__ import annotations

__all__ = [
    "MyosleepError",
    "InputError",
    "RecordingError",
    "ChannelError",
    "HypnogramError",
    "ParameterError",
    "OutputError",
]


class MyosleepError(Exception):
    """Base class of every exception myosleep raises on purpose."""


class InputError(MyosleepError):
    """Bad input: a file, a channel, a parameter or an option the user gave.

    Parameters
    ----------
    what : str
        What is wrong, e.g. ``"declares 960 data records but holds 12"``.
    where : str | None
        Where: a path, a channel label, a parameter name (``"rules"``, not the CLI's ``--rules``).
    hint : str | None
        What to do about it.

    ``str(err)`` is one line: ``"<where>: <what>. <hint>"``.
    """

    def __init__(self, what: str, *, where: object | None = None, hint: str | None = None):
        self.what = str(what).rstrip(".")
        self.where = None if where is None else str(where)
        self.hint = hint
        super().__init__(self._line())

    def _line(self) -> str:
        return self.line()

    def line(self, where: str | None = None) -> str:
        """The one-line message, with ``where`` in place of :attr:`where` when given.

        The library names parameters (``where="rules"``); the CLI shows its flag instead
        (``--rules``).
        """
        where = where or self.where
        parts = []
        if where:
            parts.append(f"{where}: {self.what}.")
        else:
            parts.append(f"{self.what}.")
        if self.hint:
            hint = self.hint.rstrip(".")
            hint = hint[:1].upper() + hint[1:]
            parts.append(f"{hint}.")
        return " ".join(" ".join(parts).split())  # one line, always


class RecordingError(InputError):
    """A recording cannot be read: missing, not EDF/BDF, corrupt header, truncated."""


class ChannelError(InputError):
    """A channel is absent, unfit for its role (e.g. EMG sampled < 100 Hz) or unreadable."""


class HypnogramError(InputError):
    """A hypnogram cannot be read or does not fit the recording."""


class ParameterError(InputError, ValueError):
    """A parameter or option is out of its allowed range."""


class OutputError(InputError):
    """An output location cannot be written (e.g. not a directory, no permission)."""
