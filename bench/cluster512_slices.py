"""The slices table of docs/presets/cluster-512.md: the paper-mapping runs at 1, 2, 4, 8 and 16 slices per image.

Run (repository root, after building and after bench/perf_figures.py has compiled the workloads into its --out
folder):  /usr/bin/python3 bench/cluster512_slices.py [--bin build/aimc] [--dir /tmp/aimc_perf_figures]

For each slicing, `aimc perf --program P --chip cluster-512 --images 16 --chunks K` on the Programs of c512_paper,
c512_hbm and c512_naive_hbm, and one image alone: where the slices gather, images/s over the 16-image run, the
latency of one image, the speed-ups from replication and from on-chip residuals, and the steady state; printed as
the page's table.
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLICES = [1, 2, 4, 8, 16]


def perf(binary, prog, images, chunks, out):
    subprocess.run([str(binary), "perf", "--program", str(prog), "--chip", "cluster-512", "--images", str(images),
                    "--chunks", str(chunks), "--json", str(out), "--force", "--quiet"], check=True, capture_output=True)
    return json.loads(out.read_text())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--dir", default="/tmp/aimc_perf_figures")
    a = ap.parse_args()
    d = Path(a.dir)
    cols = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "perf.json"
        for k in SLICES:
            run = {r: perf(a.bin, d / f"{r}.program.json", 16, k, out) for r in ("c512_paper", "c512_hbm", "c512_naive_hbm")}
            alone = perf(a.bin, d / "c512_paper.program.json", 1, k, out)
            p, h, n = run["c512_paper"], run["c512_hbm"], run["c512_naive_hbm"]
            cols.append({"gather": p["slices_gather"] or "—", "rate": 16 / p["makespan_s"], "latency": alone["latency_s"] * 1e3,
                         "replication": n["makespan_s"] / h["makespan_s"], "residuals": h["makespan_s"] / p["makespan_s"],
                         "steady": p["inferences_per_s"]})
    rows = [("where the slices gather", lambda c: c["gather"]),
            ("images/s (16 images / run time)", lambda c: f"{c['rate']:,.0f}"),
            ("latency of one image (ms)", lambda c: f"{c['latency']:.2f}"),
            ("speed-up from replication", lambda c: f"{c['replication']:.2f}×"),
            ("speed-up from on-chip residuals", lambda c: f"{c['residuals']:.2f}×"),
            ("(steady state, images/s)", lambda c: f"{c['steady']:,.0f}")]
    print("| slices per image | " + " | ".join(str(k) for k in SLICES) + " |")
    print("|---|" + "---|" * len(SLICES))
    for name, value in rows:
        print(f"| {name} | " + " | ".join(value(c) for c in cols) + " |")


if __name__ == "__main__":
    main()
