"""The analytic performance model against the event-driven simulator on the presets' workloads.

Run (repository root, after building and after bench/perf_figures.py has compiled the workloads into
its --out folder):  /usr/bin/python3 bench/analytic_vs_event.py [--bin build/aimc] [--dir /tmp/aimc_perf_figures]
                                                                [--repeats 5] [--write-docs]

For every experiment of bench/experiments (the Programs perf_figures.py wrote) and ResNet-20 on hermes, runs `aimc perf --simulator
event` and `--simulator analytic` alternately `--repeats` times and tables: each one's throughput,
single-inference latency and dynamic energy per inference (static power follows each one's run time), the
analytic model's relative difference, its largest
per-layer difference in stage time, and the speed of each. Both bound each stage's buffers (perf's default:
two items; the analytic model as a throughput bound, without the waits for room), so each run is also
simulated once with `--stage-buffers unbounded`: its throughput's difference from the default's, and the
per-layer stage times are compared against it (a wait for room is spent in the stage that waits, a queue
in the stage queued for) (layer evaluations per second of simulator
wall time, setting up included; median over the repeats; the machine's load average is printed with it).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def perf(binary, prog, chip, args, simulator, out):
    r = subprocess.run([str(binary), "perf", "--program", str(prog), "--chip", chip, *args, "--simulator", simulator,
                        "--json", str(out), "--force", "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"aimc perf failed on {prog}: {r.stderr}")
    return json.loads(out.read_text())


# Workloads beyond the paper experiments: (id, chip, model, perf arguments), compiled here when missing.
EXTRA = [("hermes_resnet20", "hermes", ROOT / "models" / "resnet20_cifar10.onnx", ["--images", "16"])]


def compile_extra(binary, d):
    runs = []
    for rid, chip, model, args in EXTRA:
        prog = d / f"{rid}.program.json"  # compiled every time: a Program left by an older binary lacks newer fields
        r = subprocess.run([str(binary), "compile", "--model", str(model), "--chip", chip, "-o", str(prog), "--quiet", "--force"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"compiling {model} failed: {r.stderr}")
        runs.append((rid, chip, None, None, args, "aimc"))
    return runs


def rel(a, e):
    return (a / e - 1) * 100 if e else 0.0


def main():
    import perf_figures

    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--dir", default="/tmp/aimc_perf_figures")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write-docs", action="store_true")
    a = ap.parse_args()
    d = Path(a.dir)
    rows = []
    total = {"event": [0.0, 0], "analytic": [0.0, 0]}
    for rid, chip, net, pipe, args, mapping in perf_figures.RUNS + compile_extra(a.bin, d):
        prog = d / f"{rid}.program.json"
        if not prog.exists():
            print(f"{rid}: {prog} missing (run bench/perf_figures.py first); skipped", file=sys.stderr)
            continue
        walls = {"event": [], "analytic": []}
        res = {}
        for _ in range(a.repeats):  # alternate the contenders so that load changes hit both
            for sim in ("event", "analytic"):
                res[sim] = perf(a.bin, prog, chip, args, sim, d / f"{rid}.{sim}.json")
                walls[sim].append(res[sim]["simulator"]["wall_s"])
        e, an = res["event"], res["analytic"]
        free = perf(a.bin, prog, chip, [*args, "--stage-buffers", "unbounded"], "event", d / f"{rid}.unbounded.json")
        layers = len(e["layers"])
        worst = max((abs(rel(la["time_s"], lf["time_s"])) for la, lf in zip(an["layers"], free["layers"]) if lf["time_s"] > 0),
                    default=0.0)
        speed = {s: layers / statistics.median(w) for s, w in walls.items()}
        for s in walls:
            total[s][0] += statistics.median(walls[s])
            total[s][1] += layers
        rows.append((rid, layers, e["inferences_per_s"], rel(an["inferences_per_s"], e["inferences_per_s"]),
                     e["latency_s"] * 1e6, rel(an["latency_s"], e["latency_s"]),
                     rel(an["dynamic_energy_per_inference_j"], e["dynamic_energy_per_inference_j"]), worst, speed["event"],
                     speed["analytic"], rel(free["inferences_per_s"], e["inferences_per_s"]),
                     rel(e["makespan_s"], free["makespan_s"])))
        print(rid, rows[-1][2:], file=sys.stderr)
    load = os.getloadavg()[0]
    out = ["| run | layers | event: inferences/s | analytic: Δ | event, unbounded stage buffers: Δ (steady state / images over the run) | "
           "event: latency (µs) | analytic: Δ | dynamic energy/inference: Δ | "
           "largest per-layer Δ of stage time (against unbounded) | event: layer-evals/s | analytic: layer-evals/s |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r[0]} | {r[1]} | {r[2]:,.1f} | {r[3]:+.2f}% | {r[10]:+.2f}% / {r[11]:+.2f}% | {r[4]:,.1f} | {r[5]:+.2f}% | "
                   f"{r[6]:+.2f}% | {r[7]:.1f}% | {r[8]:,.0f} | {r[9]:,.0f} |")
    out.append(f"| all | {total['event'][1]} | | | | | | | | {total['event'][1] / total['event'][0]:,.0f} | "
               f"{total['analytic'][1] / total['analytic'][0]:,.0f} |")
    text = "\n".join(out) + (f"\n\nMedians of {a.repeats} alternating runs per contender, 1 thread, load average "
                             f"{load:.2f} on {os.cpu_count()} cores; simulator wall time includes setting up the tasks, "
                             "not reading the Program.")
    print(text)
    if a.write_docs:
        perf_figures.write_section(ROOT / "docs" / "perf-sim.md", "analytic-vs-event", text,
                                   "The analytic model against the event simulation", prefix="",
                                   tool="bench/analytic_vs_event.py")


if __name__ == "__main__":
    main()
