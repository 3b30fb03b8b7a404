"""End-to-end tests of `aimc sweep`: a sweep file's points into SQLite, resumed after kill -9 with every point
exactly once, the same results on a second run, points that do not fit recorded, and refused files.

Needs $AIMC_BIN (skipped otherwise).
"""

import csv
import os
import re
import shutil
import io
import signal
import sqlite3
import subprocess
import time

import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

MODEL = ROOT / "models" / "mnist_lenet.onnx"
DATA = f"mnist:{ROOT / 'data' / 'mnist-test-1k'}"

# The minimal sweep file, verbatim but for absolute paths.
MINIMAL = f"""chips: [hermes]
models: [{{model: {MODEL}, data: "{DATA}", limit: 32}}]
axes:
  cores.adc.bits: [4, 6, 8]
  seed: [1, 2]
run: [eval, perf]
"""

TIMING = {"wall_s", "finished_at"}


def rows(db):
    r = run_aimc("sweep", "--export", "csv", "--db", db)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def results(db):
    """Every point's columns without the wall-clock ones, keyed by the point's parameters."""
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        out = {}
        for row in c.execute("SELECT * FROM points"):
            d = {k: row[k] for k in row.keys() if k not in TIMING and k != "result_json"
                 and not k.endswith("_ms_per_sample") and k != "perf.wall_s"}
            out[row["point_key"]] = d
        return out


def test_the_minimal_sweep_runs_every_point(tmp_path):
    spec = tmp_path / "adc.yaml"
    spec.write_text(MINIMAL)
    r = run_aimc("sweep", spec, "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    db = tmp_path / "adc.db"  # the default database: the sweep file's name
    table = rows(db)
    assert len(table) == 6
    assert {(t["cores.adc.bits"], t["seed"]) for t in table} == {(b, s) for b in "468" for s in "12"}
    for t in table:
        assert t["status"] == "ok", t["message"]
        assert 0 <= float(t["eval.accuracy_mean@1s"]) <= 1
        assert float(t["eval.digital_accuracy"]) > 0.9
        assert float(t["perf.inferences_per_s"]) > 0 and float(t["perf.energy_per_inference_j"]) > 0
    # 4-bit ADCs lose accuracy against 8-bit ones on this network (mean over both seeds).
    acc = {b: sum(float(t["eval.accuracy_mean@1d"]) for t in table if t["cores.adc.bits"] == b) for b in "48"}
    assert acc["4"] <= acc["8"]
    # The same sweep into another database: the same results, bit for bit (each point's seed is its own).
    again = tmp_path / "again.db"
    r = run_aimc("sweep", spec, "--db", again, "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    assert results(again) == results(db)
    # The front: points no other beats on accuracy at the longest drift time (1 y), energy and throughput, with their parameters.
    r = run_aimc("sweep", "--best", "--db", db)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"Pareto front of {db}: ") and "eval.accuracy_mean@1y (max)" in lines[0]
    assert lines[1].split()[:6] == ["point_index", "chip", "model", "data", "cores.adc.bits", "seed"]
    assert 1 <= len(lines) - 2 <= 6
    r = run_aimc("sweep", "--best", "--db", db, "--objectives", "perf.topz:max")
    assert r.returncode == 2 and "no column 'perf.topz'" in r.stderr
    # Run again on its database: nothing left to do.
    r = run_aimc("sweep", spec, "--quiet")
    assert r.returncode == 0 and "6 already in" in r.stdout and ", 0 run" in r.stdout


def test_a_killed_sweep_resumes_with_every_point_exactly_once(tmp_path):
    spec = tmp_path / "kill.yaml"
    spec.write_text(f"""chips: [hermes]
models: [{{model: {MODEL}, data: "{DATA}", limit: 16}}]
axes:
  cores.adc.bits: [4, 5, 6, 7, 8, 9]
  seed: [1, 2, 3, 4]
eval: {{drift_times: 1s}}
run: [eval, perf]
""")
    db = tmp_path / "kill.db"
    p = subprocess.Popen([aimc_bin(), "sweep", str(spec), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    done = 0
    while time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=5) as c:
                done = c.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if done >= 5:
            break
    assert p.poll() is None, "the sweep finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    before = results(db)
    assert 5 <= len(before) < 24
    with sqlite3.connect(db) as c:
        stamps = dict(c.execute("SELECT point_key, finished_at || wall_s FROM points"))
    r = run_aimc("sweep", spec, "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"{len(before)} already in" in r.stdout
    with sqlite3.connect(db) as c:
        keys = [k for (k,) in c.execute("SELECT point_key FROM points")]
        after = dict(c.execute("SELECT point_key, finished_at || wall_s FROM points"))
    assert len(keys) == 24 == len(set(keys))
    for k, stamp in stamps.items():  # the finished points were not run again
        assert after[k] == stamp
    # and the resumed sweep's results are those of one uninterrupted run
    whole = tmp_path / "whole.db"
    r = run_aimc("sweep", spec, "--db", whole, "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    assert results(db) == results(whole)


def test_points_that_do_not_fit_are_recorded_not_fatal(tmp_path):
    spec = tmp_path / "fit.yaml"
    spec.write_text(f"""chips: [hermes]
models: [{MODEL}]
axes:
  cores.count: [1, 64]
  cores.arrangement: [[1, 1], [8, 8]]
zip: [[cores.count, cores.arrangement]]
run: [perf]
""")
    r = run_aimc("sweep", spec, "--quiet")
    assert r.returncode == 0, r.stderr
    table = rows(tmp_path / "fit.db")
    assert [t["status"] for t in table] == ["error", "ok"]
    assert "needs 2 crossbars" in table[0]["message"] and table[0]["perf.tops"] == ""
    assert float(table[1]["perf.tops"]) > 0


def test_a_changed_sweep_file_is_refused_or_extended_explicitly(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"chips: [hermes]\nmodels: [{MODEL}]\naxes:\n  cores.adc.bits: [6, 8]\nrun: [perf]\n")
    assert run_aimc("sweep", spec, "--quiet").returncode == 0
    spec.write_text(f"chips: [hermes]\nmodels: [{MODEL}]\naxes:\n  cores.adc.bits: [4, 6, 8]\nrun: [perf]\n")
    r = run_aimc("sweep", spec, "--quiet")
    assert r.returncode == 2 and "pass --extend" in r.stderr and len(r.stderr.splitlines()) == 1
    r = run_aimc("sweep", spec, "--quiet", "--extend")
    assert r.returncode == 0 and "3 points: 2 already in" in r.stdout, r.stdout + r.stderr
    assert sorted(t["cores.adc.bits"] for t in rows(tmp_path / "s.db")) == ["4", "6", "8"]
    spec.write_text(f"chips: [hermes]\nmodels: [{MODEL}]\naxes:\n  cores.adc.bits: [4, 6, 8]\nrun: [perf]\nperf: {{images: 4}}\n")
    r = run_aimc("sweep", spec, "--quiet", "--extend")
    assert r.returncode == 2 and "another sweep" in r.stderr


@pytest.mark.parametrize("body, message", [
    ("axes:\n  cores.adc.bitz: [4]\n", "s.yaml:4: axes.cores.adc.bitz[0]: chip 'hermes': cores.adc.bitz: unknown key"),
    ("axes:\n  cores.adc.bits: []\n", "s.yaml:4: axes.cores.adc.bits: expected a non-empty list of values"),
    ("axes:\n  seed: [1]\nrunn: [perf]\n", "s.yaml:5: runn: unknown key 'runn' (did you mean 'run'?)"),
    ("run: [eval]\n", "models[0]: run: eval needs the model's data"),
])
def test_a_bad_sweep_file_is_one_line_naming_the_line(tmp_path, body, message):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"chips: [hermes]\nmodels: [{MODEL}]\n" + body)
    r = run_aimc("sweep", spec)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / "s.db").exists()


def test_missing_inputs_and_export_mistakes(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("chips: [hermes]\nmodels: [nowhere.onnx]\n")
    r = run_aimc("sweep", spec)
    assert r.returncode == 2 and "nowhere.onnx" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "s.db").exists()  # a sweep that cannot start makes no database (it made an empty one)
    other = tmp_path / "other.db"  # another program's SQLite database: refused, and left as it was
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t (a)")
    before = other.read_bytes()
    spec.write_text(f"chips: [hermes]\nmodels: [{MODEL}]\n")
    for args in (("sweep", spec, "--db", other), ("sweep", "--export", "csv", "--db", other), ("sweep", "--best", "--db", other),
                 ("report", other, "-o", tmp_path / "r.html")):
        r = run_aimc(*args)
        assert r.returncode == 2 and f"{other}: not an aimc sweep database (its tables: t)" in r.stderr, (args, r.stderr)
    assert other.read_bytes() == before
    spec.write_text("chips: [hermes]\nmodels: [nowhere.onnx]\n")
    r = run_aimc("sweep", "--export", "csv", "--db", tmp_path / "none.db")
    assert r.returncode == 2 and "none.db" in r.stderr
    r = run_aimc("sweep", "--export", "csv", "--db", spec)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert spec.read_text() == "chips: [hermes]\nmodels: [nowhere.onnx]\n"  # an input is never touched


MPIRUN = shutil.which("mpirun")
MPI_ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def spec_24(tmp_path):
    """24 points: ADC bits x array rows x seed on LeNet/MNIST."""
    spec = tmp_path / "s24.yaml"
    spec.write_text(f"""chips: [hermes]
models: [{{model: {MODEL}, data: "{DATA}", limit: 16}}]
axes:
  cores.adc.bits: [4, 6, 8]
  cores.rows: [128, 256, 512, 1024]
  seed: [1, 2]
eval: {{drift_times: "1s,1d"}}
run: [eval, perf]
""")
    return spec


def mpi_sweep(spec, db, ranks=3):
    return subprocess.run([MPIRUN, "-np", str(ranks), aimc_bin(), "sweep", str(spec), "--db", str(db), "--quiet"],
                          capture_output=True, text=True, timeout=600, env=MPI_ENV)


@pytest.mark.skipif(MPIRUN is None, reason="OpenMPI's mpirun is not installed (scripts/setup.sh installs it)")
def test_mpi_gives_the_single_process_database(tmp_path):
    spec = spec_24(tmp_path)
    r = run_aimc("sweep", spec, "--db", tmp_path / "one.db", "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    r = mpi_sweep(spec, tmp_path / "mpi.db")
    assert r.returncode == 0, r.stderr
    assert "24 run on 2 worker ranks" in r.stdout, "aimc was built without MPI: " + r.stdout
    one, mpi = results(tmp_path / "one.db"), results(tmp_path / "mpi.db")
    assert len(one) == 24 and one == mpi


def test_a_sweep_started_twice_on_one_database_shares_its_points(tmp_path):
    """The second process failed at once ("table meta already exists"), or, started a moment later, on the first
    point the other had written (until 2026-12-08). Now each skips what the other finished, and the database is
    the single process's."""
    spec = spec_24(tmp_path)
    r = run_aimc("sweep", spec, "--db", tmp_path / "one.db", "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    cmd = [str(aimc_bin()), "sweep", str(spec), "--db", str(tmp_path / "two.db"), "--quiet"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ran = [int(re.search(r"(\d+) run", out).group(1)) for out, _ in outs]
    assert sum(ran) == 24, outs  # each point computed and recorded once, by one of them
    assert results(tmp_path / "two.db") == results(tmp_path / "one.db")


def ranks_of(parent):
    """pid -> MPI rank of the processes mpirun `parent` started."""
    ranks = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != parent:
                continue
            with open(f"/proc/{d}/environ", "rb") as f:
                env = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
            if b"OMPI_COMM_WORLD_RANK" in env:
                ranks[int(d)] = int(env[b"OMPI_COMM_WORLD_RANK"])
        except (OSError, ValueError, IndexError):
            continue
    return ranks


@pytest.mark.skipif(MPIRUN is None, reason="OpenMPI's mpirun is not installed (scripts/setup.sh installs it)")
def test_a_worker_that_dies_loses_only_its_points_in_flight(tmp_path):
    spec = spec_24(tmp_path)
    db = tmp_path / "w.db"
    p = subprocess.Popen([MPIRUN, "-np", "3", aimc_bin(), "sweep", str(spec), "--db", str(db), "--quiet"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=MPI_ENV)
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=5) as c:
                if c.execute("SELECT COUNT(*) FROM points").fetchone()[0] >= 3:
                    break
        except sqlite3.OperationalError:
            continue
    assert p.poll() is None, "the sweep finished before a worker could be killed"
    workers = [pid for pid, rank in ranks_of(p.pid).items() if rank != 0]
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    p.wait(timeout=120)
    kept = len(results(db))
    assert 3 <= kept < 24
    r = mpi_sweep(spec, db)
    assert r.returncode == 0, r.stderr
    assert f"{kept} already in" in r.stdout
    r = run_aimc("sweep", spec, "--db", tmp_path / "one.db", "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    assert results(db) == results(tmp_path / "one.db")


def test_the_example_sweeps_stay_valid():
    """examples/sweeps/*.yaml parse, their chip axes apply to their chips, and they list their points."""
    specs = sorted((ROOT / "examples" / "sweeps").glob("*.yaml"))
    assert specs
    for spec in specs:
        r = subprocess.run([aimc_bin(), "sweep", str(spec), "--dry-run"], capture_output=True, text=True, timeout=120,
                           cwd=ROOT)
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) >= 2
