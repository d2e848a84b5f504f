"""Write outputs so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from .errors import OutputError

__all__ = ["atomic_path", "atomic_paths", "atomic_write_text", "check_out_dir", "prepare_out_dir", "write_files"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    with _temporary_beside(path) as tmp:
        yield tmp
        os.replace(tmp, path)


@contextlib.contextmanager
def atomic_paths(paths: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """All-or-nothing writing of several files: yield temporary paths, rename all on success.

    Every target is checked first (an existing directory or other non-file in the way is
    an :class:`OutputError`, raised before anything is written); on any failure the
    temporaries are removed and no target is touched.
    """
    targets = [Path(p) for p in paths]
    for t in targets:
        if t.exists() and not t.is_file():
            raise OutputError("is in the way of an output file (not a regular file)", where=t,
                              hint="remove it or choose another output directory")
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(_temporary_beside(t)) for t in targets]
        yield tmps
        for tmp, t in zip(tmps, targets):
            os.replace(tmp, t)


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` with the umask's mode (mkstemp makes 0600), removed on exit."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check that ``out_dir`` can be created or written, without creating it (:class:`OutputError`)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError("exists and is not a directory", where=out, hint="give --out a directory path")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"cannot be created: {probe} is a file", where=out, hint="choose another --out directory")
    if not os.access(probe, os.W_OK):
        raise OutputError("cannot be written (no permission)", where=out, hint="choose a writable --out directory")
    return out


def prepare_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create ``out_dir`` (and parents) or raise :class:`OutputError` naming it."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError("exists and is not a directory", where=out, hint="give --out a directory path")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output directory ({err.strerror})", where=out,
                          hint="choose a writable --out directory") from None
    if not os.access(out, os.W_OK):
        raise OutputError("output directory is not writable", where=out,
                          hint="choose a writable --out directory")
    return out


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """Remove a file or directory tree if it exists."""
    p = Path(path)
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def write_files(out_dir: str | os.PathLike[str], writers: Mapping[str, Callable[[Path], object]]) -> list[Path]:
    """Write several files into ``out_dir`` all-or-nothing; return their paths in order.

    ``writers`` maps each file name to a function that writes the file at the path it is
    given (a temporary name beside the target).  ``out_dir`` is created when needed; the
    files are renamed into place only once every writer has succeeded, so a failure leaves
    no file half-written and replaces none.
    """
    out = prepare_out_dir(out_dir)
    paths = [out / name for name in writers]
    with atomic_paths(list(paths)) as tmps:
        for write, tmp in zip(writers.values(), tmps):
            write(tmp)
    return paths
