"""Fixtures of the batch tests: simulated nights, a corrupt file, a real Dask cluster on loopback.

The cluster is the ``dask scheduler`` and ``dask worker`` programs of the distributed
package, run with this interpreter (``python -m dask ...``, the same entry point as the
``dask`` command), bound to 127.0.0.1 on free ports, and stopped by process id in the
fixture's teardown.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Short nights keep the tests fast; 0.3 h still holds sleep onsets, hypnic jerks and leg movements.
NIGHT_H = 0.3
SCENARIOS = ("sleep_starts", "plmd", "healthy_adult", "excessive_fragmentary_myoclonus", "rsbd", "propriospinal")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    """``dask scheduler`` + ``n`` ``dask worker`` processes (1 thread each) on 127.0.0.1."""

    def __init__(self, workdir: Path, n_workers: int = 2):
        self.workdir = workdir
        self.n_workers = n_workers
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.worker_pids: list[int] = []

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.workdir / log, "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=self.workdir, start_new_session=True)
        proc._log = out  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def _listening(self, proc: subprocess.Popen, timeout_s: float) -> bool:
        """True once the scheduler says it listens ("Scheduler at:" in its log); False if it exits
        first or does not say so in ``timeout_s`` (another process may hold the port: connecting
        to it proves nothing)."""
        deadline = time.monotonic() + timeout_s
        log = self.workdir / "scheduler.log"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if "Scheduler at:" in log.read_text(errors="replace"):
                return True
            time.sleep(0.2)
        return False

    def start(self) -> "LoopbackCluster":
        # free_port() releases the port before the scheduler binds it: another process can take it
        # in between (seen once in a full run: "Scheduler failed to start"), so a scheduler that
        # exits before it listens is started again on a fresh port
        for attempt in range(3):
            sched = self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
                                "scheduler.log")
            if self._listening(sched, timeout_s=60.0):
                break
            self.stop()
            log = (self.workdir / "scheduler.log").read_text(errors="replace")
            if attempt == 2:
                raise RuntimeError(f"the loopback Dask scheduler did not start:\n{log[:3000]}")
            self.port = free_port()
            self.address = f"tcp://127.0.0.1:{self.port}"
        for i in range(self.n_workers):
            p = self._start(["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                             "--no-dashboard", "--name", f"w{i}", "--memory-limit", "4GiB",
                             "--local-directory", str(self.workdir / f"w{i}"), "--death-timeout", "60"],
                            f"worker{i}.log")
            self.worker_pids.append(p.pid)
        self._wait_for_workers()
        return self

    def _wait_for_workers(self, timeout_s: float = 90.0) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(self.n_workers, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                    self.stop()
                    logs = "\n".join((self.workdir / n).read_text(errors="replace")[-2000:]
                                     for n in ("scheduler.log", "worker0.log"))
                    raise RuntimeError(f"the loopback Dask cluster did not start:\n{logs}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM each started process group by its leader's pid, then SIGKILL what is left."""
        for proc in reversed(self.procs):  # workers first, the scheduler last
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
            proc._log.close()  # type: ignore[attr-defined]
        self.procs = []


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = LoopbackCluster(tmp_path_factory.mktemp("dask"), n_workers=2)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def write_corrupt(src: Path, dst: Path) -> Path:
    """A recording cut off inside its first data record: nothing of it can be read.

    (A file cut later is read up to its last complete record, with a warning: MNE and edfio do the same.)
    """
    data = src.read_bytes()
    dst.write_bytes(data[: int(data[184:192]) + 100])
    return dst


@pytest.fixture(scope="session")
def six_nights(tmp_path_factory) -> list[Path]:
    """Six simulated nights (different scenarios and seeds) with hypnograms, plus one corrupt file."""
    from myosleep.simulate import simulate_night

    folder = tmp_path_factory.mktemp("nights")
    paths = []
    for i, name in enumerate(SCENARIOS):
        edf = folder / f"night{i + 1}_{name}.edf"
        simulate_night(name, hours=NIGHT_H, seed=100 + i).write(edf)
        paths.append(edf)
    paths.append(write_corrupt(paths[0], folder / "night7_corrupt.edf"))
    return paths
