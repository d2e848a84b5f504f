"""A batch on a real Dask cluster (scheduler + two workers on loopback) gives local mode's results."""

from __future__ import annotations

import json

import pandas as pd
import psutil

from myosleep.batch import run_batch
from myosleep.cli import main

from .conftest import free_port

#: Columns that measure the run, not the night (time taken, memory, which run did it).
VOLATILE = {"elapsed_s", "analysis_s", "worker_peak_rss_mib", "status"}


def _night_files(folder):
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("generated_utc", "timings_s"):
        summary.pop(key)
    return summary, (folder / "events.tsv").read_bytes()


def test_six_nights_and_a_corrupt_file_on_a_dask_cluster_match_local_mode(six_nights, dask_cluster, tmp_path):
    local = run_batch([str(p) for p in six_nights], out_dir=tmp_path / "local", workers=2)
    remote = run_batch([str(p) for p in six_nights], out_dir=tmp_path / "cluster", scheduler=dask_cluster.address)

    for res in (local, remote):
        assert (res.n_nights, res.n_done, res.n_bad_input, res.n_unexpected) == (7, 6, 1, 0)
        assert res.exit_status == 2
    # the nights ran in the two worker processes of the started cluster (children of its nannies)
    assert len(remote.worker_peak_rss_mib) == 2
    parents = {psutil.Process(pid).ppid() for pid in remote.worker_peak_rss_mib}
    assert parents == set(dask_cluster.worker_pids)

    a = pd.read_parquet(tmp_path / "local" / "cohort.parquet")
    b = pd.read_parquet(tmp_path / "cluster" / "cohort.parquet")
    assert len(a) == len(b) == 7
    assert a["error"].notna().sum() == 1 and b["error"].notna().sum() == 1
    bad = b[b["error"].notna()].iloc[0]
    assert bad["recording_id"] == "night7_corrupt" and bad["error_kind"] == "bad_input"
    assert "night7_corrupt.edf" in bad["error"] and "\n" not in bad["error"]
    assert pd.isna(bad["hypnic_jerks_per_transition"]) and pd.isna(bad["finding_sleep_starts"])
    ok = b[b["error"].isna()]
    assert (ok["status"] == "done").all() and ok["input_hash"].str.len().eq(64).all()
    assert ok["tst_min"].notna().all() and ok["tst_min"].gt(0).sum() >= 4
    assert ok["finding_sleep_starts"].notna().any() and ok["fm_index_per_h"].notna().any()

    cols = [c for c in a.columns if c not in VOLATILE]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    for rid in ok["recording_id"]:
        assert _night_files(tmp_path / "local" / rid) == _night_files(tmp_path / "cluster" / rid)
        assert (tmp_path / "cluster" / rid / "report.html").is_file()
    assert not (tmp_path / "cluster" / "night7_corrupt" / "summary.json").exists()

    csv = pd.read_csv(tmp_path / "cluster" / "cohort.csv")
    assert len(csv) == 7 and csv["error"].notna().sum() == 1


def test_cli_on_the_cluster_reports_bad_input_with_exit_status_2(six_nights, dask_cluster, tmp_path, capsys):
    status = main(["batch", *map(str, six_nights[4:]), "--out", str(tmp_path / "o"),
                   "--scheduler", dask_cluster.address])
    out, err = capsys.readouterr()
    assert status == 2
    assert "3 nights: 2 analysed, 0 already done, 1 bad input, 0 failed unexpectedly" in out
    assert "cohort.csv" in err and "Traceback" not in err
    assert main(["batch", *map(str, six_nights[4:6]), "--out", str(tmp_path / "o"),
                 "--scheduler", dask_cluster.address]) == 0


def test_unreachable_scheduler_is_one_line_and_exit_status_2(six_nights, tmp_path, capsys):
    import dask

    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        status = main(["batch", str(six_nights[0]), "--out", str(tmp_path / "o"), "--scheduler", address])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler" in err and address in err
