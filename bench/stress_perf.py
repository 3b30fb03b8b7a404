"""Seeded stress run of the performance simulators' invariants on networks and chips beyond the tests'.

    PYTHONPATH=build/python /usr/bin/python3 bench/stress_perf.py [--seeds FIRST LAST] [--tolerance 1.5]
                                                                   [--chips presets|topologies]

Each seed builds one random network (tests/python/test_random_networks.py's generator: convs of every
kernel, stride, group and dilation, depthwise convs, residual adds, concats, pools, linear heads, 1-D convs),
compiles it on one of the presets or a small chip derived from one (seed mod 7; with --chips topologies, one of
three small chips on a bus, a crossbar network and a multicast mesh with 1 to 3 crossbars per core: seed mod 3;
with --chips random, the seed's chip of tests/python/random_chips.py)
with one of seven compile pipelines (the default; every packing scope; replication on and off; residuals off
chip; activations held on the host; layer, pipelined and data-parallel schedules: seed div the chips' count,
mod 7), and runs `aimc.perf` on 1, 3 or 8
images with both simulators. It reports, per run:
  - a latency below the critical path (a bound below it; also with unbounded stage buffers), a throughput
    above the crossbars' bound, or a run that ends sooner with one more image (either simulator; the event
    simulation serves each resource first come first served, and one more image can, rarely, change who comes
    first and end the run sooner, a list-scheduling anomaly: with --chips random, seed 551 (data-parallel, 5
    copies) ends 8 images 1.1 % sooner than 7, because image 7's first layer takes a core at the instant image 2's
    next layer asks for it, and image 2, delayed, no longer holds a shared link ahead of images 0, 1, 5 and 6:
    review such a finding rather than count it a bug);
  - two event runs that differ (the simulation is deterministic);
  - dynamic energy that differs between the simulators (they count the same actions), or energy parts
    that do not sum to the total;
  - a negative or NaN figure, a warning, a compile error other than the one-line "needs N crossbars";
  - analytic / event throughput outside [1 / tolerance, tolerance] (the analytic model leaves out waits
    for room: docs/perf-sim.md, "The analytic model");
  - (a statistic, not a finding) where `--chunks auto` weighed several slicings, the event run's time against
    each of them given by hand: how often auto's pick (the analytic model's soonest) is the event
    simulation's soonest, and its time against the finest slicing's (auto's pick until 2026-12-07);
  - the network compiled on the chip slowed 2x (every clock and rate halved, every time doubled) and on the chip
    with every energy and power doubled (tests/python/chip_scaling.py): another mapping, or a figure of either
    simulator that does not scale as its unit says (times exactly 2x, rates 0.5x, dynamic energy 1x; energies
    2x, times 1x).
A network the chip cannot hold is skipped. Prints the runs compiled, one line per finding, and how closely
the analytic model's throughput and single-image latency agree with the event simulation's over the runs.
"""

import argparse
import json
import math
import random
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "python"))

import aimc  # noqa: E402
from test_random_networks import PIPELINES as TEST_PIPELINES  # noqa: E402
from test_random_networks import random_network  # noqa: E402
from chip_scaling import scaled, scaling_findings  # noqa: E402
from random_chips import random_exact_chip  # noqa: E402

PIPELINES = TEST_PIPELINES + [
    "fold-batchnorm,quantize,lower-to-crossbar,partition,pack,replicate{mode=auto},place,assign-digital,"
    "route{activations=host},schedule{kind=pipelined}",
    "fold-batchnorm,quantize,lower-to-crossbar,partition,pack,replicate{mode=auto},place,assign-digital,route,"
    "schedule{kind=data-parallel}",
    "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=none},replicate{mode=none},place,assign-digital,"
    "route{residuals=off-chip},schedule{kind=layer}",
]
SMALL_CHIPS = {
    "small-hermes": "base: hermes\nname: small-hermes\ncores:\n  count: 8\n  arrangement: [2, 4]\n  rows: 64\n  cols: 48\n",
    "small-c512": "base: cluster-512\nname: small-c512\ncores:\n  count: 16\n  arrangement: [4, 4]\n  rows: 64\n"
                  "  cols: 40\nnoc:\n  topology: tree\n  levels:\n"
                  "    - {fanout: 4, link_bytes_per_cycle: 64, hop_latency_cycles: 4, e_bit_hop_pj: 0.1}\n"
                  "    - {fanout: 4, link_bytes_per_cycle: 16, hop_latency_cycles: 100, e_bit_hop_pj: 0.8}\n",
    "small-verma": "base: verma-cimu\nname: small-verma\ncores:\n  rows: 96\n  cols: 32\n",
}

# Every network topology the chip schema has besides the presets' mesh and tree, and cores with several crossbars.
TOPOLOGY_CHIPS = {
    "small-bus": "base: hermes\nname: small-bus\ncores:\n  count: 8\n  arrangement: [2, 4]\n  rows: 64\n  cols: 48\n"
                 "noc:\n  topology: bus\n  link_bytes_per_cycle: 8\n  hop_latency_cycles: 2\n  e_bit_hop_pj: 0.05\n",
    "small-xbar2": "base: hermes\nname: small-xbar2\ncores:\n  count: 4\n  arrangement: [2, 2]\n  arrays: 2\n  rows: 64\n"
                   "  cols: 48\nnoc:\n  topology: crossbar\n  link_bytes_per_cycle: 4\n  hop_latency_cycles: 1\n"
                   "  multicast: true\n",
    "small-mesh-mc3": "base: verma-cimu\nname: small-mesh-mc3\ncores:\n  count: 6\n  arrangement: [2, 3]\n  arrays: 3\n"
                      "  rows: 64\n  cols: 32\nnoc:\n  topology: mesh\n  link_bytes_per_cycle: 2\n  hop_latency_cycles: 3\n"
                      "  multicast: true\n",
}


def mapping(program):
    """A Program's compile report without the hash of the chip it was compiled for."""
    return {k: v for k, v in program.to_dict().items() if k != "chip_sha256"}


def findings(program, chip, images, tolerance, agreement=None, compile_on=None, slicing=None):
    """`compile_on(chip)`: the network compiled on another chip (a Program runs on the chip it was compiled for),
    for the scaling relations; None skips them. `slicing` collects, where auto weighed several slicings, the
    event run's time over the soonest of them run by hand and over the finest's."""
    ev = aimc.perf(program, chip, images=images).to_dict()
    if slicing is not None and len(ev["chunks_candidates"]) > 1:
        by_hand = {k: aimc.perf(program, chip, images=images, chunks=k).to_dict()["makespan_s"]
                   for k in ev["chunks_candidates"]}
        slicing.append((ev["makespan_s"] / min(by_hand.values()), ev["makespan_s"] / by_hand[max(by_hand)]))
    again = aimc.perf(program, chip, images=images).to_dict()
    an = aimc.perf(program, chip, images=images, simulator="analytic").to_dict()
    ev.pop("simulator"), again.pop("simulator")
    out = []
    if json.dumps(ev, sort_keys=True) != json.dumps(again, sort_keys=True):
        out.append("two event runs differ")
    if ev["latency_s"] < ev["critical_path_s"] * (1 - 1e-9):
        out.append(f"latency {ev['latency_s']:.6g} s below the critical path {ev['critical_path_s']:.6g} s")
    unbounded = aimc.perf(program, chip, images=images, stage_buffers="unbounded").to_dict()
    if unbounded["latency_s"] < unbounded["critical_path_s"] * (1 - 1e-9):
        out.append(f"unbounded stage buffers: latency {unbounded['latency_s']:.6g} s below the critical path "
                   f"{unbounded['critical_path_s']:.6g} s")
    if images > 1:
        for what, kw in (("event", {}), ("analytic", {"simulator": "analytic"})):
            fewer = aimc.perf(program, chip, images=images - 1, **kw).to_dict()["makespan_s"]
            more = ev["makespan_s"] if not kw else an["makespan_s"]
            if more < fewer * (1 - 1e-9):
                out.append(f"{what}: {images} images end at {more:.6g} s, before {images - 1} images ({fewer:.6g} s)")
    if ev["inferences_per_s"] > ev["array_bound_inferences_per_s"] * (1 + 1e-9):
        out.append("throughput above the crossbars' bound")
    e, ea = ev["dynamic_energy_per_inference_j"], an["dynamic_energy_per_inference_j"]
    if abs(ea - e) > 1e-6 * e:
        out.append(f"dynamic energy: analytic {ea:.6g} J, event {e:.6g} J")
    parts = sum(ev["energy_per_inference_by_component_j"].values())
    if abs(parts - ev["energy_per_inference_j"]) > 1e-6 * ev["energy_per_inference_j"]:
        out.append(f"energy parts sum to {parts:.6g} J, the total is {ev['energy_per_inference_j']:.6g} J")
    if ev["warnings"]:
        out.append(f"warnings: {ev['warnings']}")
    for k, v in ev.items():
        if isinstance(v, float) and (math.isnan(v) or v < 0):
            out.append(f"{k} = {v}")
    chip_spec = chip if isinstance(chip, aimc.Chip) else (
        aimc.Chip.load(chip) if str(chip).endswith(".yaml") else aimc.Chip.preset(chip))
    for how, factors in (("slowed 2x", {"time": 2.0}), ("with 2x the energies", {"energy": 2.0})) if compile_on else ():
        other = scaled(chip_spec, **factors)
        recompiled = compile_on(other)
        if mapping(recompiled) != mapping(program):
            out.append(f"compiled on the chip {how}: another mapping")
        for what, base, kw in (("event", ev, {}), ("analytic", an, {"simulator": "analytic"})):
            broken = scaling_findings(base, aimc.perf(recompiled, other, images=images, **kw).to_dict(), **factors)
            if broken:
                out.append(f"{what} on the chip {how}: {len(broken)} figures break the scaling, e.g. " + "; ".join(broken[:3]))
    ratio = an["inferences_per_s"] / ev["inferences_per_s"]
    if agreement is not None:  # analytic / event: throughput, latency
        agreement.append((ratio, an["latency_s"] / ev["latency_s"]))
    if not 1 / tolerance < ratio < tolerance:
        out.append(f"analytic / event throughput {ratio:.3f}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", nargs=2, type=int, default=[0, 400], metavar=("FIRST", "LAST"))
    ap.add_argument("--tolerance", type=float, default=1.5, help="analytic / event throughput ratio reported beyond")
    ap.add_argument("--chips", choices=["presets", "topologies", "random"], default="presets",
                    help="the presets and small chips derived from them, small chips on every other topology, or a "
                         "random chip per seed (tests/python/random_chips.py)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    chips = ["hermes", "cluster-512", "verma-cimu", "garofalo-cluster"] if args.chips == "presets" else []
    for name, text in {"presets": SMALL_CHIPS, "topologies": TOPOLOGY_CHIPS, "random": {}}[args.chips].items():
        (folder / f"{name}.yaml").write_text(text)
        chips.append(str(folder / f"{name}.yaml"))
    compiled = reported = 0
    agreement, slicing = [], []
    for seed in range(*args.seeds):
        net, x = random_network(seed, batch=4)
        if args.chips == "random":
            chip = str(folder / f"random-{seed}.yaml")
            Path(chip).write_text(random_exact_chip(seed)[0])
        else:
            chip = chips[seed % len(chips)]
        n_chips = max(len(chips), 1)
        pipeline = PIPELINES[(seed // n_chips) % len(PIPELINES)]
        where = f"seed {seed}, {Path(chip).stem}, pipeline {(seed // n_chips) % len(PIPELINES)}"
        try:
            kw = {"pipeline": pipeline} if pipeline else {}
            program = aimc.compile(net, chip, example=x[:1], calibration_data=x.numpy(), **kw)
        except Exception as e:  # noqa: BLE001
            if "crossbars of" not in str(e) or "\n" in str(e).strip():
                print(f"{where}: compile: {str(e)[:300]}", flush=True)
                reported += 1
            continue
        compiled += 1
        images = random.Random(seed).choice([1, 3, 8])
        try:
            found = findings(program, chip, images, args.tolerance, agreement,
                             compile_on=lambda c: aimc.compile(net, c, example=x[:1], calibration_data=x.numpy(), **kw),
                             slicing=slicing)
        except Exception:  # noqa: BLE001
            found = ["perf raised: " + traceback.format_exc().strip().splitlines()[-1]]
        if found:
            reported += 1
            print(f"{where}, {images} images: " + "; ".join(found), flush=True)
    print(f"{compiled} runs compiled, {reported} with findings")
    for i, what in enumerate(("throughput", "single-image latency")):
        r = [a[i] for a in agreement]
        print(f"analytic / event {what}: within 1 % on {sum(abs(v - 1) <= 0.01 for v in r)} of {len(r)} runs, "
              f"beyond 10 % on {sum(abs(v - 1) > 0.1 for v in r)}")
    if slicing:
        best, finest = [a[0] for a in slicing], [a[1] for a in slicing]
        print(f"--chunks auto, where it weighed several slicings ({len(slicing)} runs), against each of them run by hand in "
              f"the event simulation: the soonest on {sum(v <= 1 + 1e-9 for v in best)}, within 5 % of it on "
              f"{sum(v <= 1.05 for v in best)}, at most {max(best):.3f}x its time; against the finest: sooner on "
              f"{sum(v < 1 - 1e-9 for v in finest)} (down to {min(finest):.3f}x), later on "
              f"{sum(v > 1 + 1e-9 for v in finest)} (up to {max(finest):.3f}x)")


if __name__ == "__main__":
    main()
