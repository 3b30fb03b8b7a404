"""Seeded stress run of the functional simulator's mapping on chips beyond the presets.

    PYTHONPATH=build/python /usr/bin/python3 bench/stress_chips.py [--seeds FIRST LAST]

Each seed builds one random network (tests/python/test_random_networks.py's generator) and one random chip exact
enough that the mapping alone decides the result (tests/python/random_chips.py: crossbar shape, arrays per core,
columns per ADC, core count, topology, off-chip memory, reload segments, one- or four-phase reads; ideal analog
cells with PWM, DAC or bit-serial inputs, or charge-domain bit-sliced cells; codes of 10-12 bits through 16-bit
ADCs), compiles the network with one of the test's pipelines (seed mod 4) and reports, per run:
  - the chip's outputs more than 1 % (of the largest) from torch's;
  - outputs that differ at 1 and 2 threads;
  - a busy fraction outside [0, 1], a negative, NaN or zero figure, or dynamic energies that differ between the
    event simulation and the analytic model;
  - any error but the one-line "needs N crossbars" of a network the chip cannot hold (skipped).
Prints one line per run and the count of findings (the exit status is 1 when there is one).
"""

import argparse
import math
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "python"))

import aimc  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from random_chips import random_exact_chip  # noqa: E402
from test_random_networks import PIPELINES, random_network  # noqa: E402


def findings(seed, directory):
    """(whether it ran, the list of what broke) for one seed."""
    text, desc = random_exact_chip(seed)
    chip = Path(directory) / f"chip{seed}.yaml"
    chip.write_text(text)
    net, x = random_network(seed, batch=5)
    pipeline = PIPELINES[seed % len(PIPELINES)]
    try:
        program = aimc.compile(net, str(chip), example=x[:1], calibration_data=x.numpy(),
                               **({"pipeline": pipeline} if pipeline else {}))
    except aimc.Error as e:
        return False, [] if "crossbars of" in str(e) else [f"compile: {e}"]
    found = []
    out = [np.asarray(aimc.run(program, str(chip), x.numpy(), seed=1, threads=n)) for n in (1, 2)]
    with torch.no_grad():
        ref = net(x).numpy()
    err = float(np.abs(out[0] - ref).max() / np.abs(ref).max())
    if not err < 0.01:
        found.append(f"outputs {err:.3g} of the largest from torch's")
    if not np.array_equal(out[0].view(np.uint32), out[1].view(np.uint32)):
        found.append("outputs differ at 1 and 2 threads")
    runs = {s: aimc.perf(program, str(chip), images=3, simulator=s).to_dict() for s in ("event", "analytic")}
    for s, perf in runs.items():
        for c in perf["cores"]:
            if not all(0 <= c[k] <= 1 + 1e-12 for k in ("crossbar_busy_fraction", "digital_busy_fraction")):
                found.append(f"{s}: core {c['core']} busy fractions {c['crossbar_busy_fraction']:.3g}, "
                             f"{c['digital_busy_fraction']:.3g}")
                break
        for k in ("energy_per_inference_j", "inferences_per_s", "latency_s", "tops_per_w"):
            if not (math.isfinite(perf[k]) and perf[k] > 0):
                found.append(f"{s}: {k} = {perf[k]}")
    e, a = (runs[s]["dynamic_energy_per_inference_j"] for s in ("event", "analytic"))
    if abs(a / e - 1) > 1e-9:
        found.append(f"dynamic energy: analytic / event = {a / e:.12g}")
    return True, found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", nargs=2, type=int, default=[0, 100], metavar=("FIRST", "LAST"))
    args = ap.parse_args()
    ran = bad = 0
    with tempfile.TemporaryDirectory() as d:
        for seed in range(*args.seeds):
            try:
                did, found = findings(seed, d)
            except Exception:  # noqa: BLE001 - a crash is a finding
                did, found = True, ["raised: " + traceback.format_exc().strip().splitlines()[-1]]
            ran += did
            bad += bool(found)
            print(seed, "skipped (does not fit)" if not did else ("; ".join(found) or "ok"), random_exact_chip(seed)[1],
                  flush=True)
    print(f"{ran} runs, {bad} with findings")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
