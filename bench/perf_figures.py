"""The published workload figures of ../shared/reference/chips.md against `aimc perf` on the compiled networks.

Run (repository root, after building):  /usr/bin/python3 bench/perf_figures.py [--bin build/aimc] [--out DIR]
                                        [--only ID ...] [--write-docs] [--sensitivity] [--break-even]
The runs are the paper experiments in bench/experiments/<preset>.yaml (network, chip, compiler options,
perf options, and whether the mapping follows the paper or is aimc's own). Exports the networks with random
weights (seeded; torchvision ResNet-18 at 256x256 and ResNet-50 at 224x224,
the ResNet-9 of tests/python/test_compile.py, a 1-layer LSTM language model) into DIR, compiles each onto its
preset, simulates it and prints one markdown table per preset: every simulated figure is read from the
simulator's JSON, the published one from chips.md (the only numbers typed in here). With --write-docs the
tables replace the generated sections of docs/presets/<preset>.md and docs/perf-sim.md.

--sensitivity also reruns every figure with each of the preset's ASSUMPTION parameters (ASSUMPTIONS below)
at half and at twice its value, in a derived chip file written from `aimc chip show --yaml` (the resolved
chip, so any parameter is one path), and tables the range each figure spans and whether the published
figure lies inside it (with --write-docs into the presets' pages).

--break-even asks the inverse question of each published figure more than 15 % from aimc's: which single
assumption, moved alone within 1/16x-16x, reproduces it, at what factor (a grid of powers of two, then
bisection in log space), and which of the preset's other published figures it then moves beyond 15 % and
further from their published values. An unknown that reproduces one figure only by breaking another does
not explain the gap.
"""

import argparse
import json
import math
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))


def export_networks(out, names=None):
    """The networks the runs name, as ONNX files in `out` (kept between runs); `names`: only those."""
    import torch
    import torchvision
    from torch import nn
    from test_compile import ResNet9, export

    class LstmLM(nn.Module):
        """HERMES's LSTM class (chips.md 1.4): 1 layer, H = 256, embedding 32, vocabulary 50, sequence first."""

        def __init__(self, vocab=50, embed=32, hidden=256):
            super().__init__()
            self.embed = nn.Embedding(vocab, embed)
            self.lstm = nn.LSTM(embed, hidden, num_layers=1)
            self.out = nn.Linear(hidden, vocab)

        def forward(self, tokens):
            y, _ = self.lstm(self.embed(tokens))
            return self.out(y)

    torch.manual_seed(0)
    torch.set_num_threads(2)
    nets = {
        "resnet18_256": lambda p: export(torchvision.models.resnet18(), torch.rand(1, 3, 256, 256), p),
        "resnet50": lambda p: export(torchvision.models.resnet50(), torch.rand(1, 3, 224, 224), p),
        "resnet9": lambda p: export(ResNet9(), torch.rand(1, 3, 32, 32), p),
        "mobilenetv2": lambda p: export(torchvision.models.mobilenet_v2(), torch.rand(1, 3, 224, 224), p),
        "lstm1": lambda p: export(LstmLM(), torch.randint(0, 50, (SEQ, 1)), p, dynamic_axis=1),
        # models/lstm_ptb/model.py's paper-sized variant: embed 64, H = 512, 1.21M weights (HERMES's: 1.30M)
        "lstm512": lambda p: export(LstmLM(embed=64, hidden=512), torch.randint(0, 50, (SEQ, 1)), p, dynamic_axis=1),
    }
    for name, width in CNN4B_WIDTHS.items():
        nets[name] = lambda p, w=width: export_cnn4b_variant(w, p)
    assert set(nets) | {"cnn4b"} == NETWORKS, sorted(NETWORKS ^ (set(nets) | {"cnn4b"}))
    paths = {}
    for name, make in nets.items():
        if names is not None and name not in names:
            continue
        path = out / f"{name}.onnx"
        if not path.exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make(path)
        paths[name] = path
    paths["cnn4b"] = ROOT / "models" / "cnn4b_cifar10.onnx"
    return paths


def export_cnn4b_variant(width, path):
    """models/cnn4b_cifar10's network (4-bit QDQ, BatchNorm apart) with every hidden channel count times
    `width`, random weights: Jia et al.'s CNN topology is [U] (chips.md 2), so its width is varied like an
    assumption. A workload figure does not depend on the weights' values (the ×1 variant gives the trained
    model's figures)."""
    import importlib.util

    import torch

    if str(ROOT / "models") not in sys.path:
        sys.path.insert(0, str(ROOT / "models"))
    import qdq_export  # noqa: F401  (registers the narrow-range QDQ symbolics)

    # Loaded under a name of its own: other models' directories also hold a model.py.
    spec = importlib.util.spec_from_file_location("cnn4b_cifar10_model", ROOT / "models" / "cnn4b_cifar10" / "model.py")
    cnn4b = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cnn4b)

    def w(c):
        return c if c in (3, 10) else max(1, round(c * width))

    convs = cnn4b.CONVS  # this module instance is ours alone: its layer tables are rewritten in place
    cnn4b.CONVS = [(w(i), w(o), pool) for i, o, pool in convs]
    cnn4b.FCS = [(w(convs[-1][1]) * 4 if k == 0 else w(i), w(o)) for k, (i, o) in enumerate(cnn4b.FCS)]  # 2 × 2 after the last pool
    torch.manual_seed(0)
    net = cnn4b.Cnn4b().eval()
    torch.onnx.export(net, torch.zeros(1, 3, 32, 32), str(path), opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


SEQ = 16  # LSTM time steps per sequence
CNN4B_WIDTHS = {"cnn4b_w05": 0.5, "cnn4b_w2": 2.0}
NETWORKS = {"resnet18_256", "resnet50", "resnet9", "mobilenetv2", "lstm1", "lstm512", "cnn4b", *CNN4B_WIDTHS}  # what the runs can name


def pipeline(replicate="mode=auto", residuals="on-chip", schedule="pipelined", quantize="", pack="", lower="",
             activations=""):
    def opt(name, options):
        return f"{name}{{{options}}}" if options else name

    route = f"residuals={residuals}" + (f",activations={activations}" if activations else "")
    return (f"fold-batchnorm,{opt('quantize', quantize)},{opt('lower-to-crossbar', lower)},partition,{opt('pack', pack)},"
            f"replicate{{{replicate}}},place,assign-digital,route{{{route}}},schedule{{kind={schedule}}}")


EXPERIMENTS = ROOT / "bench" / "experiments"
RUN_FILE = {}  # run id -> the experiment file (preset) it comes from
RUN_KEYS = {"id", "mapping", "network", "chip", "compile", "perf"}
COMPILE_KEYS = {"replicate", "residuals", "activations", "schedule", "quantize", "pack", "lower"}
PERF_KEYS = {"images", "batch", "chunks", "read-mode"}


def load_experiments(directory=EXPERIMENTS):
    """The paper experiments (bench/experiments/<preset>.yaml) as RUNS tuples: (id, chip, network, pipeline,
    perf arguments, mapping). Unknown keys and missing fields are refused, naming the file and the run."""
    runs = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if set(doc) - {"chip", "runs"} or "runs" not in doc:
            raise SystemExit(f"{path}: expected the keys chip and runs, got {sorted(doc)}")
        for i, r in enumerate(doc["runs"]):
            where = f"{path}: runs[{i}]"
            if set(r) - RUN_KEYS or not {"id", "mapping", "network"} <= set(r):
                raise SystemExit(f"{where}: expected id, mapping, network and optionally chip, compile, perf; got {sorted(r)}")
            if r["network"] not in NETWORKS:
                raise SystemExit(f"{where}.network: unknown {r['network']!r}; expected one of {sorted(NETWORKS)}")
            if r["mapping"] not in ("paper", "aimc"):
                raise SystemExit(f"{where}.mapping: expected paper or aimc, got {r['mapping']!r}")
            comp, perf = r.get("compile") or {}, r.get("perf") or {}
            if set(comp) - COMPILE_KEYS:
                raise SystemExit(f"{where}.compile: unknown {sorted(set(comp) - COMPILE_KEYS)}; expected {sorted(COMPILE_KEYS)}")
            if set(perf) - PERF_KEYS:
                raise SystemExit(f"{where}.perf: unknown {sorted(set(perf) - PERF_KEYS)}; expected {sorted(PERF_KEYS)}")
            chip = r.get("chip", doc.get("chip"))
            if chip is None:
                raise SystemExit(f"{where}: no chip (set it at the top of the file or in the run)")
            if chip.endswith(".yaml"):
                chip = str(ROOT / chip)
            args = [a for k, v in perf.items() for a in (f"--{k}", str(v))]
            RUN_FILE[r["id"]] = path.stem
            runs.append((r["id"], chip, r["network"], pipeline(**{k: str(v) for k, v in comp.items()}), args, r["mapping"]))
    ids = [r[0] for r in runs]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{directory}: run ids must be unique, got {sorted(ids)}")
    return runs


RUNS = load_experiments()


# The presets' ASSUMPTION parameters that can move a workload figure: (label, paths in the resolved chip
# YAML; `*` walks every entry of a list). Each is scaled by ½ and 2 in the sensitivity tables.
ASSUMPTIONS = {
    "cluster-512": [
        ("clock (312 MHz, fitted)", ["clock_mhz"]),
        ("IMA energy per MVM (13.4 nJ)", ["cores.read_modes.analog.e_mvm_pj"]),
        ("RISC-V throughput (8 ops/cycle)", ["cores.digital.risc-v.clock_mhz"]),
        ("RISC-V energy per op (1 pJ)", ["cores.digital.risc-v.e_op_pj"]),
        ("L1 energy per byte (1 pJ)", ["cores.memories.l1.e_read_pj_per_byte", "cores.memories.l1.e_write_pj_per_byte"]),
        ("network energy per bit-hop", ["noc.levels.*.e_bit_hop_pj"]),
        ("memory path (16 B/cycle)", ["memories.l2.bw_bytes_per_cycle", "noc.levels.3.link_bytes_per_cycle"]),
        ("HBM energy per byte (31 pJ)", ["memories.l2.e_read_pj_per_byte", "memories.l2.e_write_pj_per_byte"]),
    ],
    "verma-cimu": [
        ("OCN link width (4 B/cycle)", ["noc.link_bytes_per_cycle"]),
        ("SIMD throughput (1 op/cycle)", ["cores.digital.simd.clock_mhz"]),
        ("SIMD energy per op (0.2 pJ)", ["cores.digital.simd.e_op_pj"]),
        ("buffer energy per byte (0.25 pJ)", ["cores.memories.buffer.e_read_pj_per_byte",
                                              "cores.memories.buffer.e_write_pj_per_byte"]),
        ("network energy per bit-hop (0.05 pJ)", ["noc.e_bit_hop_pj"]),
        ("weight buffer bandwidth (16 B/cycle)", ["memories.weight_buffer.bw_bytes_per_cycle"]),
        ("weight buffer energy per byte (8 pJ)", ["memories.weight_buffer.e_read_pj_per_byte",
                                                  "memories.weight_buffer.e_write_pj_per_byte"]),
        ("row write time (5 ns)", ["cores.programming.t_write_ns"]),
        ("row write energy (2 pJ)", ["cores.programming.e_write_pj"]),
        ("static power (9.05 mW per CIMU, fitted)", ["cores.static_power_mw"]),
    ],
    "hermes": [
        ("LDPU throughput (8 ops/cycle)", ["cores.digital.ldpu.clock_mhz"]),
        ("GDPU count (8)", ["digital.gdpu.count"]),
        ("GDPU throughput (1 op/cycle)", ["digital.gdpu.clock_mhz"]),
        ("mesh link width (8 B/cycle)", ["noc.link_bytes_per_cycle"]),
        ("LDPU energy per op (0.2 pJ)", ["cores.digital.ldpu.e_op_pj"]),
        ("GDPU energy per op (1 pJ)", ["digital.gdpu.e_op_pj"]),
        ("mesh energy per bit-hop (0.05 pJ)", ["noc.e_bit_hop_pj"]),
        ("four-phase energy share with the driven rows (0.5)", ["cores.read_modes.four-phase.energy_split.rows"]),
        ("host (FPGA) link bandwidth (4.29 GB/s, fitted)", ["host.link_gbps"]),
        ("host (FPGA) link latency (0.5 µs, the default)", ["host.link_latency_ns"]),
    ],
    "garofalo-cluster": [
        ("clock (500 MHz)", ["clock_mhz"]),
        ("depth-wise accelerator throughput (36 ops/cycle)", ["cores.digital.dwa.clock_mhz"]),
        ("depth-wise accelerator energy per op (0.25 pJ)", ["cores.digital.dwa.e_op_pj"]),
        ("RISC-V throughput (8 ops/cycle)", ["cores.digital.risc-v.clock_mhz"]),
        ("RISC-V energy per op (1 pJ)", ["cores.digital.risc-v.e_op_pj"]),
        ("L1 energy per byte (1 pJ)", ["cores.memories.l1.e_read_pj_per_byte", "cores.memories.l1.e_write_pj_per_byte"]),
        ("IMA energy share with the driven rows (0.443)", ["cores.read_modes.analog.energy_split.rows"]),
    ],
}
INTEGER_KEYS = {"count", "bw_bytes_per_cycle", "link_bytes_per_cycle"}


RESOLVED = set()  # the resolved chip files this run wrote


def scaled_chip(binary, chip_ref, paths, factor, out):
    """A chip file: the resolved chip `chip_ref` (a preset or a file) with every parameter in `paths` times
    `factor`."""
    stem = Path(chip_ref).stem
    base = out / f"{stem}.resolved.yaml"
    if base not in RESOLVED:  # resolved once per run: a file left by an earlier run may hold an older preset
        run([binary, "chip", "show", chip_ref, "--yaml", base, "--force"])
        RESOLVED.add(base)
    chip = yaml.safe_load(base.read_text())

    def scale(node, keys):
        if not keys:
            raise SystemExit("empty path")
        k, rest = keys[0], keys[1:]
        children = range(len(node)) if k == "*" else [int(k) if isinstance(node, list) else k]
        for c in children:
            if rest:
                scale(node[c], rest)
            elif node[c] is None and k == "clock_mhz":  # a unit's clock defaults to the chip's: its throughput
                node[c] = chip["clock_mhz"] * factor
            elif node[c] is None:
                raise SystemExit(f"{stem}: {'.'.join(keys)} is not set; nothing to scale")
            else:
                v = node[c] * factor
                node[c] = max(1, round(v)) if k in INTEGER_KEYS else v

    for p in paths:
        scale(chip, p.split("."))
    # A share of an energy split scaled past 1 is capped so the split stays a split.
    split = chip["cores"]["read_modes"]
    for m in split.values():
        es = (m or {}).get("energy_split")
        if es and es["rows"] + es["cols"] > 1:
            total = es["rows"] + es["cols"]
            es["rows"], es["cols"] = es["rows"] / total, es["cols"] / total
    name = out / f"{stem}.{abs(hash((tuple(paths), factor))):x}.yaml"
    name.write_text(yaml.safe_dump(chip, sort_keys=False))
    return name


def rows_scaled(binary, out, paths, runs, rows_of, keys, factor):
    """The figures (rows_of) of `runs`, each on its own chip with the parameters at `keys` times `factor`. Their
    Programs and results go to out/varied, leaving the nominal runs' files (which analytic_vs_event.py reads)."""
    varied = [(rid, scaled_chip(binary, chip, keys, factor, out), net, pipe, args, m) for rid, chip, net, pipe, args, m in runs]
    if out is not None:  # (None: the tests' stand-in simulate writes nothing)
        out = out / "varied"
        out.mkdir(exist_ok=True)
    return rows_of(simulate(binary, out, paths, varied))


def sensitivity(binary, out, paths, preset, rows_of, run_ids, nominal):
    """The figures of `preset` with each assumption at ½× and 2× (in each run's own chip): rows of (figure,
    published, nominal, {label: (half, double)})."""
    runs = [r for r in RUNS if r[0] in run_ids]
    spans = {}
    for label, keys in ASSUMPTIONS[preset]:
        spans[label] = [rows_scaled(binary, out, paths, runs, rows_of, keys, factor) for factor in (0.5, 2.0)]
    table_rows = []
    for i, (name, sim, pub) in enumerate(nominal):
        if pub is None:
            continue
        table_rows.append((name, pub, sim, {label: (at[0][i][1], at[1][i][1]) for label, at in spans.items()}))
    return table_rows


BREAK_EVEN_FACTORS = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0, 4.0, 8.0, 16.0)
WITHIN = 0.15  # issue 13's tolerance on a reproduced figure


def within(sim, pub):
    return isinstance(sim, (int, float)) and pub is not None and abs(sim / pub - 1) <= WITHIN


def break_even(binary, out, paths, preset, rows_of, run_ids, nominal, bisections=5):
    """Each published figure outside 15 % of aimc's, against each assumption alone: the factor on it that
    reproduces the figure (None: not within 1/16x-16x) and the other figures it then moves beyond 15 % and
    further from their published values. Rows of (figure, published, simulated, label, factor, [those
    figures with their gaps before → after])."""
    runs = [r for r in RUNS if r[0] in run_ids]
    cache = {}

    def rows_at(keys, f):
        if f == 1.0:
            return nominal
        key = (tuple(keys), round(math.log2(f), 9))
        if key not in cache:
            cache[key] = rows_scaled(binary, out, paths, runs, rows_of, keys, f)
        return cache[key]

    def off(sim, pub):  # |relative gap|
        return abs(sim / pub - 1)

    targets = [i for i, (_, sim, pub) in enumerate(nominal) if pub is not None and not within(sim, pub)]
    others = [i for i, (_, sim, pub) in enumerate(nominal) if pub is not None and isinstance(sim, (int, float))]
    table_rows = []
    for label, keys in ASSUMPTIONS[preset]:
        grid = [(f, rows_at(keys, f)) for f in BREAK_EVEN_FACTORS]
        for i in targets:
            name, sim, pub = nominal[i]
            # The bracket nearest the preset's value where the figure crosses the published one.
            brackets = [(a, b) for (a, ra), (b, rb) in zip(grid, grid[1:]) if (ra[i][1] - pub) * (rb[i][1] - pub) <= 0]
            if not brackets:
                table_rows.append((name, pub, sim, label, None, []))
                continue
            lo, hi = min(brackets, key=lambda ab: min(abs(math.log2(ab[0])), abs(math.log2(ab[1]))))
            lo_side = rows_at(keys, lo)[i][1] - pub
            for _ in range(bisections):
                mid = math.sqrt(lo * hi)
                if (rows_at(keys, mid)[i][1] - pub) * lo_side > 0:
                    lo = mid
                else:
                    hi = mid
            f = math.sqrt(lo * hi)
            at = rows_at(keys, f)
            # Every other figure that ends beyond 15 % and further from its published value than before.
            broken = [f"{nominal[j][0]} ({gap(nominal[j][1], nominal[j][2])} → {gap(at[j][1], nominal[j][2])})" for j in others
                      if j != i and off(at[j][1], nominal[j][2]) > max(WITHIN, off(nominal[j][1], nominal[j][2]))]
            table_rows.append((name, pub, sim, label, f, broken))
    return table_rows


def break_even_table(rows):
    if not rows:
        return "Every published figure is within 15 % of the simulated one."
    out = ["| figure | published | simulated | assumption moved alone | factor that reproduces it | "
           "other figures it moves beyond 15 % (gap before → after) |", "|---|---|---|---|---|---|"]
    for name, pub, sim, label, f, broken in rows:
        if f is None:
            continue
        out.append(f"| {name} | {fmt(pub)} | {fmt(sim)} | {label} | {f:.2g}× | {'; '.join(broken) or 'none'} |")
    unreached = sorted({name for name, *_ in rows} - {name for name, _, _, _, f, _ in rows if f is not None})
    if unreached:
        out.append("")
        out.append("No assumption alone reproduces, within 1/16×–16×: " + "; ".join(unreached) + ".")
    return "\n".join(out)


def sensitivity_table(rows):
    labels = list(rows[0][3]) if rows else []
    out = ["| figure | published | simulated | " + " | ".join(f"{l}: ½× / 2×" for l in labels) +
           " | range over all | published inside |",
           "|---|---|---|" + "---|" * len(labels) + "---|---|"]
    for name, pub, sim, spans in rows:
        values = [sim] + [v for pair in spans.values() for v in pair]
        lo, hi = min(values), max(values)
        cells = [f"{fmt(a)} / {fmt(b)}" for a, b in spans.values()]
        out.append(f"| {name} | {fmt(pub)} | {fmt(sim)} | " + " | ".join(cells) +
                   f" | {fmt(lo)}–{fmt(hi)} | {'yes' if lo * (1 - 1e-3) <= pub <= hi * (1 + 1e-3) else 'no'} |")
    return "\n".join(out)


def run(cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr}")
    return r.stdout


def simulate(binary, out, paths, runs):
    results = {}
    for rid, chip, net, pipe, perf_args, _ in runs:
        prog, res = out / f"{rid}.program.json", out / f"{rid}.perf.json"
        t0 = time.time()
        run([binary, "compile", "--model", paths[net], "--chip", chip, "--pipeline", pipe, "-o", prog, "--force"])
        run([binary, "perf", "--program", prog, "--chip", chip, *perf_args, "--json", res, "--force"])
        results[rid] = json.loads(res.read_text())
        program = json.loads(prog.read_text())
        results[rid]["stage_mvms"] = [st["mvms_per_inference"] for st in program["schedule"]["stages"]]
        results[rid]["crossbars_used"] = len({(t["segment"], t["core"], t["array"]) for t in program["tiles"]})
        results[rid]["layer_vectors"] = {l["name"]: l["vectors_per_inference"] for l in program["layers"]}
        results[rid]["weights"] = sum(l["groups"] * l["group_rows"] * l["group_cols"] for l in program["layers"])
        results[rid]["chip_show"] = json.loads(run([binary, "chip", "show", chip, "--json", "-"]))
        print(f"{rid}: {time.time() - t0:.1f} s", file=sys.stderr)
    return results


def fmt(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def gap(sim, pub):
    return f"{(sim / pub - 1) * 100:+.0f}%"


def batch_rate(j):
    """Images per second over the whole run (the paper's 16 images / batch time, pipeline fill included)."""
    return j["images"] / j["makespan_s"] if "images" in j else None


def efficiency_text(j):
    e = j["efficiency"]
    return (f"{fmt(e['peak_tops'])} × {e['global_mapping']:.0%} × {e['local_mapping']:.0%} × {e['pipeline']:.0%}"
            + (f" × {e['digital_macs']:.3g}" if e["digital_macs"] > 1 + 1e-9 else "") + f" = {fmt(j['tops'])}")


def rows_cluster(r):
    """The paper's figures are over its 16-image batch (chips.md 4.2: 16 images / 4.8 ms = 3,333 images/s, and
    20.2 TOPS / 3,303 images/s = 6.12 Gop per image), so throughput, TOPS, GOPS/mm² and the speed-ups are taken
    over the simulated 16-image run (pipeline fill included, each image streamed in row slices); aimc counts
    2 × MACs (4.74 Gop per image). The preset's clock is fitted to the images/s (FITTED below)."""
    p, hbm, naive = r["c512_paper"], r["c512_hbm"], r["c512_naive_hbm"]
    n = 16

    def tops_run(j):
        return 2 * j["macs_per_inference"] * n / j["makespan_s"] * 1e-12

    rows = [
        (f"ResNet-18 256×256 on {p['crossbars_used']} clusters: images/s (16 images / run time; the clock is fitted to it)",
         n / p["makespan_s"], 3303),
        ("ResNet-18: TOPS (16 images / run time)", tops_run(p), 20.2),
        ("ResNet-18: GOPS/mm² (the same over the 480 mm² design)", tops_run(p) / p["area_mm2"] * 1e3, 42),
        ("ResNet-18: TOPS/W", p["tops_per_w"], 6.5),
        ("ResNet-18: energy per 16-image batch (mJ)", p["energy_per_inference_j"] * n * 1e3, 15),
        (f"speed-up from replication ({naive['crossbars_used']} → {hbm['crossbars_used']} clusters, residuals in HBM; "
         "16-image run times)", naive["makespan_s"] / hbm["makespan_s"], 1.6),
        ("speed-up from on-chip residuals (16-image run times)", hbm["makespan_s"] / p["makespan_s"], 1.9),
        ("(Gop per image: aimc's 2 × MACs of torchvision's ResNet-18 at 256×256 / the paper's 20.2 TOPS over its "
         "3,303 images/s)", f"{2 * p['macs_per_inference'] * 1e-9:.3g} / {20.2e3 / 3303:.3g}", None),
        ("ResNet-18: TOPS/W counting the paper's 6.12 Gop per image (its network variant is [U]) over the simulated energy",
         20.2e12 / 3303 / p["energy_per_inference_j"] * 1e-12, 6.5),
        ("(ResNet-18: images/s steady state, after the pipeline fills)", p["inferences_per_s"], None),
        ("(where the peak goes in the steady state, the paper's breakdown: peak TOPS × crossbars used (global mapping) × "
         "MACs per MVM time (local mapping) × share of the crossbars' bound reached (pipeline))", efficiency_text(p), None),
        ("(speed-ups in the steady state: replication / on-chip residuals)",
         f"{hbm['inferences_per_s'] / naive['inferences_per_s']:.3g} / {p['inferences_per_s'] / hbm['inferences_per_s']:.3g}", None),
    ]
    if "c512_naive" in r:
        c = r["c512_naive"]
        rows.append((f"(speed-up from replication with residuals on chip, {c['crossbars_used']} → {p['crossbars_used']} "
                     "clusters, where the path to HBM binds neither run: 16-image run times / steady state)",
                     f"{c['makespan_s'] / p['makespan_s']:.3g} / {p['inferences_per_s'] / c['inferences_per_s']:.3g}", None))
    if "c512_whole" in r:
        rows.append(("(the same run with whole-image tasks, no row slices: images/s)", n / r["c512_whole"]["makespan_s"], None))
    if "c512_min" in r:
        rows.append((f"(aimc's minimal mapping: {r['c512_min']['crossbars_used']} clusters, images/s steady state)",
                     r["c512_min"]["inferences_per_s"], None))
    if "c512_auto" in r:
        rows.append(("(replication into every free cluster: images/s steady state)", r["c512_auto"]["inferences_per_s"], None))
    if "c512_garofalo" in r:
        g = r["c512_garofalo"]
        rows += [("predicted with Garofalo's IMA energy (20.5 nJ per MVM from its 6.39 TOPS/W, 11 % of it paid per MVM "
                  "from its MobileNetV2 energy): TOPS/W", g["tops_per_w"], 6.5),
                 ("predicted with Garofalo's IMA energy: energy per 16-image batch (mJ)", g["energy_per_inference_j"] * n * 1e3, 15)]
    return rows


def array_mvm_energy_pj(show):
    """One array's full MVM energy (pJ) from `chip show`'s JSON: the read mode's core energy over its arrays."""
    return show["peak"][0]["e_mvm_pj"] / (show["cores"] * show["arrays"])


def ima_energy_for(j, tops_per_w):
    """One array's full MVM energy (pJ) at which run `j` gives `tops_per_w`: the run's energy is linear in
    e_mvm_pj (its crossbar and ADC parts scale with it, nothing else does), so solve for it."""
    e = j["energy_per_inference_by_component_j"]
    ima = e["crossbar"] + e["adc"]
    target = 2 * j["macs_per_inference"] / (tops_per_w * 1e12)
    return array_mvm_energy_pj(j["chip_show"]) * (target - (j["energy_per_inference_j"] - ima)) / ima


def fixed_share_for(j, energy_j):
    """The share of a full-array MVM's energy paid per MVM whatever its size (the rest split evenly between the
    driven rows and the converted columns) at which run `j` costs `energy_j` per inference. An MVM of r of R
    rows and c of C columns costs e · (f + (1 − f)/2 · (r/R + c/C)), linear in f; nothing else moves."""
    e = j["energy_per_inference_by_component_j"]
    a = j["total_actions"]
    show = j["chip_show"]
    n, images = a["array_mvms"], j["images"]
    used = (a["dac_drive_activity"] / show["rows"] + a["adc_conversions"] / show["cols"]) / n  # r/R + c/C per MVM
    per_mvm = array_mvm_energy_pj(show) * 1e-12 * n / images  # e · n, J/inference
    other = j["energy_per_inference_j"] - e["crossbar"] - e["adc"]
    # energy_j − other = per_mvm · (f + (1 − f) · used / 2)
    return ((energy_j - other) / per_mvm - used / 2) / (1 - used / 2)


def rows_garofalo(r):
    """Garofalo et al.'s cluster: its peak figures from the single cluster's parameters (chip show of the
    34-array chip, per array), MobileNetV2 end to end on 34 crossbars, and the reverse cross-paper check: the
    IMA energy that makes the 512-cluster's ResNet-18 give its published 6.5 TOPS/W, turned into this cluster's
    peak efficiency."""
    m = r["garofalo_mnv2"]
    show = m["chip_show"]
    peak = show["peak"][0]
    arrays = show["arrays"]
    rows = [
        ("peak GOPS on MVMs (one IMA: 2 × 256 × 256 ops per job interval)", peak["tops"] / arrays * 1e3, 958),
        ("peak TOPS/W on MVMs (an input: it fixes the IMA's energy per MVM)", peak["tops_per_w"], 6.39),
        (f"MobileNetV2 224×224 on {m['crossbars_used']} crossbars, layer by layer: latency (ms)", m["latency_s"] * 1e3, 10.1),
        ("MobileNetV2: energy per inference (µJ; the IMA's fixed share per MVM is fitted to it)",
         m["energy_per_inference_j"] * 1e6, 482),
        ("(the IMA's energy share paid per MVM whatever its size, solved from the 482 µJ; the preset holds "
         f"{1 - sum(show['spec']['cores']['read_modes']['analog']['energy_split'].values()):.3g})",
         fixed_share_for(m, 482e-6), None),
        ("(MobileNetV2: latency on the arrays / the digital units / the network and host link, ms)",
         " / ".join(f"{sum(sum(p[k] for k in ks) for p in m['critical_path']) * 1e3:.3g}"
                    for ks in (("analog_s",), ("digital_s",), ("network_s", "host_link_s"))), None),
        ("(MobileNetV2: energy of the IMAs / the digital units / memories and network, µJ)",
         "{:.3g} / {:.3g} / {:.3g}".format(*(x * 1e6 for x in component_split(m))), None),
    ]
    if "c512_paper" in r:
        e_fit = ima_energy_for(r["c512_paper"], 6.5)
        rows.append((f"peak TOPS/W predicted from the 512-cluster's 6.5 TOPS/W (its IMA energy solved: {e_fit / 1e3:.3g} nJ per MVM)",
                     2 * 256 * 256 / e_fit, 6.39))
    return rows


def component_split(j):
    e = j["energy_per_inference_by_component_j"]
    return e["crossbar"] + e["adc"], e["digital"], e["buffers"] + e["noc"] + e["offchip"]


def static_power_for(j, per_w):
    """The chip's static power (W) at which run `j` gives `per_w` inferences/s/W: its energy per inference is its
    dynamic energy plus static power × run time / inferences, so solve for the power."""
    return (1.0 / per_w - j["dynamic_energy_per_inference_j"]) * j["inferences_per_s"]


def rows_verma(r):
    c, rn, cn, rnn = r["verma_cnn"], r["verma_r50"], r["verma_cnn_netpack"], r["verma_r50_netpack"]

    def without_reload(j):  # the same run with weight programming free: its time taken out of the run
        return j["images"] / (j["makespan_s"] - j["total_programming_s"])

    def reload_uj(j):  # weight fetches (off-chip reads) and writes, per image
        e = j["energy_per_inference_by_component_j"]
        return (e["programming"] + e["offchip"]) * 1e6

    def power_w(j):  # the chip's mean power over the run
        return j["energy_per_inference_j"] * j["inferences_per_s"]

    def static_w(j):
        return j["energy_per_inference_by_component_j"]["static"] * j["inferences_per_s"]

    def array_use(j, weight_bits):  # MACs per MVM over the array's weights (rows × columns / bits per weight)
        show = j["chip_show"]
        mvms = j["total_actions"]["array_mvms"] / j["images"]
        return j["macs_per_inference"] / (mvms * show["rows"] * show["cols"] / weight_bits)

    cores = c["chip_show"]["cores"]
    fit = static_power_for(c, 51.5e3)
    return [
        ("CIFAR-10 CNN (models/cnn4b_cifar10, per-layer crossbars): images/s", c["inferences_per_s"], 7815),
        ("CIFAR-10 CNN: images/s/W (the static power is fitted to it)", c["inferences_per_s_per_w"], 51.5e3),
        (f"(static power per CIMU solved from it, mW; the preset holds {static_w(c) * 1e3 / cores:.3g})",
         fit * 1e3 / cores, None),
        ("CIFAR-10 CNN: µJ per image", c["energy_per_inference_j"] * 1e6, 19.4),
        ("CIFAR-10 CNN: chip power (W)", power_w(c), 0.152),
        ("(CIFAR-10 CNN: dynamic / static µJ per image)",
         f"{c['dynamic_energy_per_inference_j'] * 1e6:.3g} / {(c['energy_per_inference_j'] - c['dynamic_energy_per_inference_j']) * 1e6:.3g}",
         None),
        ("CIFAR-10 CNN: images/s without reloading (programming time taken out)", without_reload(c), None),
        ("CIFAR-10 CNN, network-packed crossbars (compiler default): images/s", cn["inferences_per_s"], 7815),
        (f"ResNet-50 224×224 W4/A4 ({rn['segments']} reload segments, batch 16): images/s", rn["inferences_per_s"], 581),
        ("ResNet-50: images/s/W", rn["inferences_per_s_per_w"], 3.0e3),
        ("ResNet-50: µJ per image", rn["energy_per_inference_j"] * 1e6, 333),
        ("ResNet-50: chip power (W), predicted (static power fitted on the CIFAR-10 CNN)", power_w(rn), 0.194),
        ("(ResNet-50: µJ per image at the published 581 images/s: dynamic + static power / 581)",
         (rn["dynamic_energy_per_inference_j"] + static_w(rn) / 581) * 1e6, None),
        ("ResNet-50: of which weight reloading (fetch + write), µJ per image", reload_uj(rn), None),
        ("ResNet-50: reprogramming time per 16-image batch (ms)", rn["total_programming_s"] * 1e3 / max(1, rn["images"] // 16), None),
        ("ResNet-50: images/s without reloading", without_reload(rn), 581),
        ("ResNet-50: images/s bound, every CIMU converting all the time and no reloading (16 / array time per image)",
         rn["array_bound_inferences_per_s"], 581),
        ("(ResNet-50: MACs per MVM over the array's 1152 × 64 4-bit weights)", array_use(rn, 4), None),
        ("(ResNet-50, where the peak goes: peak TOPS × crossbars used × MACs per MVM time × share of the crossbars' "
         "bound reached, reloading included)", efficiency_text(rn), None),
        ("ResNet-50, network-packed crossbars: images/s", rnn["inferences_per_s"], 581),
    ] + ([("ResNet-50 on an OCN that multicasts (bench/chips/verma-cimu-multicast.yaml; [U] for the chip): images/s",
           r["verma_r50_multicast"]["inferences_per_s"], 581)] if "verma_r50_multicast" in r else [])


def stage_vectors(j, stage_name):
    """Vectors per image of a stage's layers (a stage's name joins its layers' with '+')."""
    v = {j["layer_vectors"][n] for n in stage_name.split("+")}
    if len(v) != 1:
        raise SystemExit(f"stage {stage_name}: layers with different vectors per image {sorted(v)}")
    return v.pop()


def rows_hermes(r):
    """Per pipeline step: one input vector through the bottleneck crossbar in the steady state (the image's
    period, 1 / images/s, over the busiest crossbar's MVMs per image: the steps per image); the energy of a
    step is the image's energy over its steps. The paper's mapping holds the activations on its FPGA
    (hermes_r9); hermes_r9_onchip sends them over the chip's network. The paper's "per input" energy read
    as one input vector through every layer once (each core of the unreplicated network one MVM): Σ over
    layers of the layer's energy per image / its vectors per image. The host (FPGA) link's bandwidth is
    fitted to the step (FITTED below)."""
    r9, r9c, ls, l5 = r["hermes_r9"], r["hermes_r9_onchip"], r["hermes_lstm"], r["hermes_lstm512"]

    def steps(j):
        return j["stage_mvms"][j["bottleneck"]["stage"]]

    def step_us(j):
        return 1e6 / j["inferences_per_s"] / steps(j)

    def component(j, *names):  # µJ per step
        return sum(j["energy_per_inference_by_component_j"][n] for n in names) / steps(j) * 1e6

    # The link's busier way moves its time × its bandwidth (GB/s = kB/µs).
    busier_kb = r9["host"]["link_busy_s_per_inference"] * 1e6 * r9["chip_show"]["spec"]["host"]["link_gbps"]
    per_vector = sum(l["energy_per_inference_j"] / stage_vectors(r9, l["name"]) for l in r9["layers"])
    rows = [
        ("ResNet-9 pipeline step (µs), activations through the FPGA: the steady state's image period / its bottleneck "
         "crossbar's MVMs per image (the FPGA link's bandwidth is fitted to it)", step_us(r9), 1.52),
        ("ResNet-9 energy per step (µJ): energy per image / steps per image", r9["energy_per_inference_j"] / steps(r9) * 1e6,
         1.51),
        ("ResNet-9 energy per input vector through every layer once (µJ)", per_vector * 1e6, 1.51),
        ("ResNet-9 weights (M)", r9["weights"] * 1e-6, 1.87),
        (f"ResNet-9: crossbars used (steps per image: {steps(r9):.0f})", r9["crossbars_used"], None),
        ("ResNet-9 images/s", r9["inferences_per_s"], None),
        ("(ResNet-9: FPGA link traffic per image, into the chip (its busier way) / out, kB; the busier way's time per "
         "image, µs)", f"{busier_kb:.4g} / {r9['host']['link_bytes_per_inference'] / 1e3 - busier_kb:.4g}; "
         f"{r9['host']['link_busy_s_per_inference'] * 1e6:.3g}", None),
        ("(ResNet-9 energy per step: the MVMs (arrays and converters) / the FPGA link, µJ)",
         f"{fmt(component(r9, 'crossbar', 'adc'))} / {fmt(component(r9, 'offchip'))}", None),
        ("(ResNet-9, where the peak goes: peak TOPS × crossbars used × MACs per MVM time × share of the crossbars' "
         "bound reached)", efficiency_text(r9), None),
        ("(ResNet-9, activations core to core over the chip's mesh, aimc's mapping: step µs / energy per step µJ)",
         f"{fmt(step_us(r9c))} / {fmt(r9c['energy_per_inference_j'] / steps(r9c) * 1e6)}", None),
        (f"LSTM H=256 (models/lstm_ptb): time step (µs), one {SEQ}-step sequence alone / {SEQ}", ls["latency_s"] / SEQ * 1e6, 1.43),
        ("LSTM H=256: energy per step (µJ)", ls["energy_per_inference_j"] / SEQ * 1e6, 5.24),
        (f"LSTM H=512 (1.21M weights): time step (µs)", l5["latency_s"] / SEQ * 1e6, 1.43),
        ("LSTM H=512: energy per step (µJ)", l5["energy_per_inference_j"] / SEQ * 1e6, 5.24),
    ]
    if "hermes_lstm512_fpga" in r:
        f = r["hermes_lstm512_fpga"]
        rows.append(("(LSTM H=512 with its decoder's input through the FPGA: time step µs / energy per step µJ)",
                     f"{fmt(f['latency_s'] / SEQ * 1e6)} / {fmt(f['energy_per_inference_j'] / SEQ * 1e6)}", None))
    return rows


# A preset parameter fitted to one published figure, where no closed form gives it: preset -> (label, its
# path in the resolved chip, unit, the run it is fitted on, the figure's row label prefix). The solver
# reruns that run with the parameter scaled (secant steps in log space from the preset's value) and the
# table prints the solved value beside the preset's, so a stale preset value shows.
FITTED = {"cluster-512": ("clock", "clock_mhz", "MHz", "c512_paper", "ResNet-18 256×256 on"),
          "hermes": ("host (FPGA) link bandwidth", "host.link_gbps", "GB/s", "hermes_r9", "ResNet-9 pipeline step")}


def solve_fitted(binary, out, paths, preset, results, steps=4):
    """The value of the preset's FITTED parameter at which its run reproduces the published figure."""
    label, key, unit, rid, prefix = FITTED[preset]
    rows_of = SECTIONS[preset][0]
    run_ = next(r for r in RUNS if r[0] == rid)

    def figure(rs):
        return next((sim, pub) for name, sim, pub in rs if name.startswith(prefix))

    def at(f):  # the figure with the parameter times f, the other runs as simulated
        if f == 1.0:
            return figure(rows_of(results))[0]
        return figure(rows_scaled(binary, out, paths, [run_], lambda r: rows_of({**results, **r}), [key], f))[0]

    pub = figure(rows_of(results))[1]
    x0, x1 = 0.0, 0.05  # log factors
    y0, y1 = math.log(at(1.0) / pub), None
    for _ in range(steps):
        y1 = math.log(at(math.exp(x1)) / pub)
        if abs(y1) < 1e-3 or y1 == y0:
            break
        x0, x1, y0 = x1, x1 - y1 * (x1 - x0) / (y1 - y0), y1
    base = results[rid]["chip_show"]["spec"]  # the resolved chip the run used
    for k in key.split("."):
        base = base[k]
    return (f"({label} that reproduces it, solved, {unit}; the preset holds {fmt(base)})", base * math.exp(x1), None)


def runs_table(ids):
    """The runs behind a preset's figures: whose mapping each is and the options that give it."""
    out = ["| run | mapping | network | compile pipeline | perf options |", "|---|---|---|---|---|"]
    for rid, chip, net, pipe, args, mapping in RUNS:
        if rid in ids:
            out.append(f"| {rid} | {mapping} | {net} | `{pipe}` | `{' '.join(args)}` |")
    return "\n".join(out)


def table(rows):
    out = ["| figure | simulated | published | gap |", "|---|---|---|---|"]
    for name, sim, pub in rows:
        out.append(f"| {name} | {fmt(sim)} | {fmt(pub)} | {gap(sim, pub) if pub else ''} |")
    return "\n".join(out)


SECTIONS = {"cluster-512": (rows_cluster, ["c512_paper", "c512_hbm", "c512_naive_hbm"]),
            "verma-cimu": (rows_verma, ["verma_cnn", "verma_r50", "verma_cnn_netpack", "verma_r50_netpack"]),
            "hermes": (rows_hermes, ["hermes_r9", "hermes_r9_onchip", "hermes_lstm", "hermes_lstm512", "hermes_lstm512_fpga"]),
            "garofalo-cluster": (rows_garofalo, ["garofalo_mnv2"])}


# A paper's unknown network topology, varied like an assumption: preset -> (label, the nominal run, the
# run at ½× and the run at 2×, whether a row of the preset's table is about that network).
TOPOLOGY = {"verma-cimu": ("channel widths of the CIFAR-10 CNN (the paper's topology is [U])",
                           "verma_cnn", "verma_cnn_w05", "verma_cnn_w2",
                           lambda label: label.startswith("CIFAR-10 CNN") and "network-packed" not in label)}


def topology_rows(results, preset):
    """Rows (figure, published, simulated, {label: (½×, 2×)}) for sensitivity_table: each published figure of
    the preset about the varied network, with the nominal run replaced by each variant."""
    label, nominal, half, double, about = TOPOLOGY[preset]
    rows_of = SECTIONS[preset][0]
    base = rows_of(results)
    variants = [rows_of({**results, nominal: results[run]}) for run in (half, double)]
    return [(name, pub, sim, {label: (variants[0][i][1], variants[1][i][1])})
            for i, (name, sim, pub) in enumerate(base) if pub is not None and about(name)]


def write_section(path, name, text, heading="Reproduced figures", prefix="perf-figures:", tool="bench/perf_figures.py"):
    """Replaces the generated block `name` of a docs page (between its begin and end markers), or appends
    it under `heading`."""
    begin, end = f"<!-- {prefix}{name}:begin ({tool}) -->", f"<!-- {prefix}{name}:end -->"
    doc = path.read_text()
    block = f"{begin}\n{text}\n{end}"
    if begin in doc:
        doc = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip() + f"\n\n## {heading}\n\n{block}\n"
    path.write_text(doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--out", default="/tmp/aimc_perf_figures")
    ap.add_argument("--only", nargs="*", help="run ids (default: all)")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--sensitivity", action="store_true", help="also vary each ASSUMPTION parameter ½× and 2×")
    ap.add_argument("--break-even", action="store_true",
                    help="also find the factor on each assumption alone that reproduces each figure beyond 15 %%")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = export_networks(out)
    runs = [r for r in RUNS if not a.only or r[0] in a.only]
    results = simulate(Path(a.bin), out, paths, runs)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    for preset, (rows, needed) in SECTIONS.items():
        if not all(k in results for k in needed):
            continue
        fitted = [solve_fitted(Path(a.bin), out, paths, preset, results)] if preset in FITTED else []
        text = table(rows(results) + fitted) + "\n\nRuns (bench/experiments/" + preset + ".yaml; mapping `paper`: the paper's stated " \
            "choices as inputs, aimc mapping within them; `aimc`: aimc's own mapping):\n\n" + \
            runs_table([r[0] for r in RUNS if r[0] in results and RUN_FILE[r[0]] == preset])
        print(f"\n### {preset}\n\n{text}")
        if a.write_docs:
            write_section(ROOT / "docs" / "presets" / f"{preset}.md", preset, text)
            write_section(ROOT / "docs" / "perf-sim.md", preset, f"**{preset}**\n\n{text}")
        if preset in TOPOLOGY and all(k in results for k in TOPOLOGY[preset][1:4]):
            text = sensitivity_table(topology_rows(results, preset))
            print(f"\n### {preset}: sensitivity to the paper's unknown network topology\n\n{text}")
            if a.write_docs:
                write_section(ROOT / "docs" / "presets" / f"{preset}.md", f"{preset}-topology", text,
                              "Sensitivity to the paper's unknown network topology")
        nominal = rows({k: results[k] for k in needed})  # the runs the varied chips repeat
        # The analyses on chips with the assumptions varied: (asked, block, title, heading, table of its rows).
        for asked, block, title, heading, analysis, table_of in (
                (a.sensitivity, "sensitivity", "sensitivity to the assumptions",
                 "Sensitivity of the reproduced figures to the assumptions", sensitivity, sensitivity_table),
                (a.break_even, "break-even", "break-even values of the assumptions",
                 "What one assumption would need to be to reproduce each remaining gap", break_even, break_even_table)):
            if not asked:
                continue
            text = table_of(analysis(Path(a.bin), out, paths, preset, rows, needed, nominal))
            print(f"\n### {preset}: {title}\n\n{text}")
            if a.write_docs:
                write_section(ROOT / "docs" / "presets" / f"{preset}.md", f"{preset}-{block}", text, heading)


if __name__ == "__main__":
    main()
