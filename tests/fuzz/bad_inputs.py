"""A campaign of generated bad inputs through the CLI, counted per class (issue 15's acceptance run).

Run (repository root, after building):  /usr/bin/python3 tests/fuzz/bad_inputs.py [--per-class N] [--seed S]
                                                                            [--bin build/aimc] [--jobs J]
Each class generates N cases from a seeded random stream (the same cases for the same seed) and runs one
aimc command per case, with a timeout. An outcome is one of:
  ok        exit 0 (a bad input the command could still use correctly, e.g. a bit flip in a weight)
  error     exit 2 with exactly one stderr line ("aimc: error: ..." or a usage line)
  BAD       anything else: an internal error (exit 1), a crash (a signal), more than one line, a hang
            (the timeout), or an input file changed by the command
The script prints a table of counts per class and exits 1 if any case is BAD, printing the first few
with their command lines (their input files are kept under --out). tests/python/test_bad_inputs.py runs
a few cases of every class in CI; this script with --per-class 400 is the longer campaign.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "mnist_lenet.onnx"
MNIST = ROOT / "data" / "mnist-test-1k"
CIFAR = ROOT / "data" / "cifar10-test-500"
SEEDS = ROOT / "tests" / "fuzz" / "seeds"
EXTREMES = [0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 63 - 1, -(2 ** 63), 1e308, -1e308, 1e-308, float("nan"), float("inf"), 0.5,
            "x", "", [], {}, None, True, [1, 2, 3], {"a": 1}]


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else None


# ---- mutations --------------------------------------------------------------------------------------------

def truncate(rng, data):
    return data[:rng.randrange(0, max(1, len(data)))]


def bit_flips(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def random_bytes(rng, _):
    return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 7, 64, 1000, 20000])))


def mutate_tree(rng, node, edits):
    """A JSON/YAML tree with `edits` random leaves replaced by extreme values, or keys deleted."""
    paths = []

    def walk(n, path):
        if isinstance(n, dict):
            for k, v in n.items():
                paths.append((path, k))
                walk(v, path + [k])
        elif isinstance(n, list):
            for i, v in enumerate(n):
                paths.append((path, i))
                walk(v, path + [i])

    walk(node, [])
    for _ in range(edits):
        if not paths:
            break
        path, key = rng.choice(paths)
        parent = node
        try:
            for p in path:
                parent = parent[p]
            if isinstance(parent, dict) and rng.random() < 0.2:
                parent.pop(key, None)
            else:
                parent[key] = rng.choice(EXTREMES)
        except (KeyError, IndexError, TypeError):
            continue
    return node


# ---- classes: each returns (command args, the input files it must not change) --------------------------

def onnx_case(kind):
    def make(rng, d):
        seed = rng.choice(sorted((SEEDS / "onnx").glob("*.onnx")) + [MODEL])
        data = {"truncate": truncate, "bitflip": bit_flips, "random": random_bytes}[kind](rng, seed.read_bytes())
        m = d / "m.onnx"
        m.write_bytes(data)
        return ["compile", "--model", m, "--chip", "hermes", "--quiet"], [m]
    return make


def chip_yaml_case(rng, d):
    base = yaml.safe_load(rng.choice(sorted((SEEDS / "chip_yaml").glob("*.yaml"))).read_text())
    c = d / "c.yaml"
    text = yaml.safe_dump(mutate_tree(rng, base, rng.randint(1, 4)), allow_unicode=True)
    if rng.random() < 0.2:
        text = truncate(rng, text.encode()).decode("utf-8", "ignore")
    c.write_text(text)
    return ["chip", "show", c], [c]


def program_case(program):
    def make(rng, d):
        p = d / "p.json"
        doc = json.loads(program.read_text())
        p.write_text(json.dumps(mutate_tree(rng, doc, rng.randint(1, 3))))
        return ["perf", "--program", p, "--chip", "hermes", "--images", "2", "--quiet"], [p]
    return make


def dataset_case(rng, d):
    kind = rng.choice(["mnist", "cifar10", "npy"])
    src = {"mnist": MNIST, "cifar10": CIFAR}.get(kind)
    mutate = rng.choice([truncate, bit_flips, random_bytes])
    if kind == "npy":
        import io

        import numpy as np

        buf = io.BytesIO()
        np.save(buf, np.zeros((4, 1, 28, 28), rng.choice([np.float32, np.uint8, np.float64])))
        x = d / "x.npy"
        x.write_bytes(mutate(rng, buf.getvalue()))
        return ["infer", "--model", MODEL, "--data", f"npy:{x}", "--limit", "4"], [x]
    folder = d / kind
    shutil.copytree(src, folder)
    victim = rng.choice(sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".md")))
    victim.write_bytes(mutate(rng, victim.read_bytes()))
    model = MODEL if kind == "mnist" else ROOT / "models" / "resnet20_cifar10.onnx"
    return ["infer", "--model", model, "--data", f"{kind}:{folder}", "--limit", "4"], [victim]


def device_case(rng, d):
    fifo = d / "fifo"
    os.mkfifo(fifo)
    target = rng.choice(["/dev/zero", "/dev/null", str(fifo), str(d), "/nonexistent/x"])
    cmd = rng.choice([
        ["compile", "--model", target, "--chip", "hermes"],
        ["chip", "show", target],
        ["infer", "--model", MODEL, "--data", f"npy:{target}"],
        ["infer", "--model", MODEL, "--data", f"mnist:{target}"],
        ["perf", "--program", target, "--chip", "hermes"],
        ["eval", "--model", MODEL, "--chip", target, "--data", f"mnist:{MNIST}", "--limit", "2"],
        ["sweep", target],
        ["report", target, "-o", d / "r.html"],
    ])
    return cmd, []


def option_case(rng, d):
    value = str(rng.choice(["-1", "0", "1e400", "nan", "inf", "abc", "", "99999999999999999999", "2147483648",
                            "-9223372036854775808", "1,2", " "]))
    cmd = rng.choice([
        ["perf", "--model", MODEL, "--chip", "hermes", "--images", value],
        ["perf", "--model", MODEL, "--chip", "hermes", "--batch", value],
        ["perf", "--model", MODEL, "--chip", "hermes", "--chunks", value],
        ["perf", "--model", MODEL, "--chip", "hermes", "--host-gops", value],
        ["perf", "--model", MODEL, "--chip", "hermes", "--simulator", value],
        ["eval", "--model", MODEL, "--chip", "hermes", "--data", f"mnist:{MNIST}", "--limit", value],
        ["eval", "--model", MODEL, "--chip", "hermes", "--data", f"mnist:{MNIST}", "--limit", "2", "--repeats", value],
        ["eval", "--model", MODEL, "--chip", "hermes", "--data", f"mnist:{MNIST}", "--limit", "2", "--drift-times", value],
        ["eval", "--model", MODEL, "--chip", "hermes", "--data", f"mnist:{MNIST}", "--limit", "2", "--threads", value],
        ["compile", "--model", MODEL, "--chip", "hermes", "--pipeline", value],
        ["chip", "characterize", "hermes", "--matrices", value, "--vectors", "4"],
        ["sweep", "--best", "--db", d / "none.db", "--objectives", value],
    ])
    return cmd + ["--quiet"] if cmd[0] in ("perf", "eval", "compile") else cmd, []


def output_case(rng, d):
    m = d / "m.onnx"
    shutil.copy(MODEL, m)
    existing = d / "old.json"
    existing.write_text("{}")
    out = rng.choice([m, existing, d, d / "no" / "such" / "dir" / "r.json"])
    cmd = rng.choice([
        ["compile", "--model", m, "--chip", "hermes", "-o", out, "--quiet"],
        ["perf", "--model", m, "--chip", "hermes", "--json", out, "--quiet"],
        ["perf", "--model", m, "--chip", "hermes", "--csv", out, "--quiet"],
        ["chip", "show", "hermes", "--yaml", out],
        ["infer", "--model", m, "--data", f"mnist:{MNIST}", "--limit", "2", "--json", out],
    ])
    return cmd, [m, existing]


def report_case(results):
    """A result JSON of each kind (eval, perf, compile) with its leaves hand-edited, through `aimc report`."""
    def make(rng, d):
        r = d / "r.json"
        doc = json.loads(rng.choice(results).read_text())
        r.write_text(json.dumps(mutate_tree(rng, doc, rng.randint(1, 3))))
        return ["report", r, "-o", d / "r.html"], [r]
    return make


def database_case(rng, d):
    """Sweep databases that are not aimc's: another program's SQLite, truncated, flipped or random bytes."""
    import sqlite3

    db = d / "s.db"
    kind = rng.choice(["foreign", "truncated", "flipped", "random"])
    if kind == "foreign":
        with sqlite3.connect(db) as c:
            c.execute(f"CREATE TABLE {rng.choice(['t', 'meta', 'points'])} (a, b)")
    else:
        with sqlite3.connect(db) as c:  # an aimc-like database to damage
            c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            c.execute("INSERT INTO meta VALUES ('schema', 'aimc-sweep-1')")
            c.execute("CREATE TABLE points (point_key TEXT PRIMARY KEY, point_index INTEGER NOT NULL, status TEXT)")
        db.write_bytes({"truncated": truncate, "flipped": bit_flips, "random": random_bytes}[kind](rng, db.read_bytes()))
    cmd = rng.choice([["sweep", "--export", "csv", "--db", db], ["sweep", "--best", "--db", db],
                      ["report", db, "-o", d / "r.html"]])
    return cmd, [db]


def sweep_case(rng, d):
    base = {"chips": ["hermes"], "models": [{"model": str(MODEL), "data": f"mnist:{MNIST}", "limit": 4}],
            "axes": {"cores.adc.bits": [4, 8], "seed": [1]}, "run": ["perf"]}
    s = d / "s.yaml"
    s.write_text(yaml.safe_dump(mutate_tree(rng, base, rng.randint(1, 3))))
    return ["sweep", s, "--db", d / "s.db", "--quiet"], [s]


# ---- running -------------------------------------------------------------------------------------------

def run_case(binary, cls, index, make, seed, out, timeout):
    rng = random.Random(f"{seed}:{cls}:{index}")
    d = out / cls / str(index)
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    args, inputs = make(rng, d)
    before = {str(p): sha(p) for p in inputs}
    cmd = [str(binary)] + [str(a) for a in args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=d, errors="replace")
    except subprocess.TimeoutExpired:
        return cls, "BAD", f"hang (> {timeout} s): {' '.join(cmd)}"
    changed = [p for p, h in before.items() if sha(p) != h]
    lines = r.stderr.strip().splitlines()
    if changed:
        return cls, "BAD", f"changed {changed}: {' '.join(cmd)}"
    if r.returncode == 0:
        shutil.rmtree(d, ignore_errors=True)
        return cls, "ok", ""
    if r.returncode == 2 and len(lines) == 1 and lines[0].startswith("aimc"):
        shutil.rmtree(d, ignore_errors=True)
        return cls, "error", ""
    return cls, "BAD", f"exit {r.returncode}, {len(lines)} line(s): {r.stderr.strip()[:300]!r}: {' '.join(cmd)}"


def classes(binary, out):
    program = out / "program.json"
    if not program.exists():
        subprocess.run([str(binary), "compile", "--model", str(MODEL), "--chip", "hermes", "-o", str(program), "--quiet"],
                       check=True, capture_output=True)
    results = [out / f"{kind}.json" for kind in ("eval", "perf", "compile")]
    for r, args in zip(results, (["eval", "--data", f"mnist:{MNIST}", "--limit", "8", "--drift-times", "1s,1d"],
                                 ["perf", "--images", "2"], ["compile"])):
        if not r.exists():
            subprocess.run([str(binary), args[0], "--model", str(MODEL), "--chip", "hermes", *args[1:], "--json", str(r),
                            "--quiet"], check=True, capture_output=True)
    return {
        "onnx truncated": onnx_case("truncate"),
        "onnx bit flips": onnx_case("bitflip"),
        "onnx random bytes": onnx_case("random"),
        "chip yaml schema-extreme values": chip_yaml_case,
        "program json hand edits": program_case(program),
        "datasets truncated/flipped/random": dataset_case,
        "device files, fifos, folders": device_case,
        "option abuse": option_case,
        "outputs aimed at inputs or existing files": output_case,
        "sweep files": sweep_case,
        "result json hand edits (report)": report_case(results),
        "sweep databases not aimc's": database_case,
    }


def campaign(binary, per_class, seed, out, jobs=2, timeout=60):
    binary = Path(binary).resolve()  # the cases run in their own folders
    out.mkdir(parents=True, exist_ok=True)
    cls = classes(binary, out)
    counts = {c: {"ok": 0, "error": 0, "BAD": 0} for c in cls}
    bad = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_case, binary, c, i, make, seed, out, timeout) for c, make in cls.items()
                   for i in range(per_class)]
        for f in concurrent.futures.as_completed(futures):
            c, outcome, why = f.result()
            counts[c][outcome] += 1
            if outcome == "BAD":
                bad.append(f"{c}: {why}")
    return counts, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="/tmp/aimc_bad_inputs")
    a = ap.parse_args()
    counts, bad = campaign(Path(a.bin), a.per_class, a.seed, Path(a.out), a.jobs)
    print("| class | cases | exit 0 (usable) | exit 2, one line | bad (crash, internal error, hang, >1 line, input changed) |")
    print("|---|---|---|---|---|")
    for c, n in counts.items():
        print(f"| {c} | {sum(n.values())} | {n['ok']} | {n['error']} | {n['BAD']} |")
    total = {k: sum(n[k] for n in counts.values()) for k in ("ok", "error", "BAD")}
    print(f"| all | {sum(total.values())} | {total['ok']} | {total['error']} | {total['BAD']} |")
    for b in bad[:20]:
        print("BAD:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
