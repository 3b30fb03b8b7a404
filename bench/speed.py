"""Speed of the noisy chip against torch fp32 on the same network, measured as users run them (issue 19).

    /usr/bin/python3 bench/speed.py [--bin build/aimc] [--networks resnet20 resnet18] [--threads 1 2]
                                    [--rounds 3] [--samples N] [--batch 128] [--out DIR] [--write-docs] [--busy]

Per network and thread count, `--rounds` rounds, each running in turn:
  chip    `aimc eval` itself (not a harness of its own): every non-ideality the chip models, its reported
          timing.chip_ms_per_sample (the chip runs only: compile, calibration, programming and the state
          at the drift time, timing.drift_s, excluded);
  bf16    the same with --gemm-precision bf16 (the tiles' GEMM on bfloat16 operands; not bit-identical);
  int8    the same with --gemm-precision int8 (each column's conductances on an 8-bit grid, integer sums; not
          bit-identical);
  torch   torch fp32 eager on the same network and weights, batch after batch for as long as the chip ran;
  frozen  the same after torch.jit.freeze (BatchNorm folded into the convolutions).
torch runs with OPENBLAS_CORETYPE removed from its environment (its native kernels; this machine sets
Haswell), with glibc's malloc asking for transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as
the aimc CLI starts itself: without it torch re-faults and zeroes its freed activation buffers every batch,
and ran ResNet-20 BN-folded at 1 thread at about 300, sometimes 600, images/s against 1,300-1,600 with it)
and torch.set_num_threads(T); aimc with --threads T and its default passive OpenMP waits. The
machine's 1-minute load average is read before each round. Medians over the rounds; the ratio is chip
images/s over torch's; "best rounds" is each contender's fastest round against BN-folded's (on a shared
virtual machine slowdowns come and go). Peak RSS: `aimc eval`'s (the whole process: model, Program, tiles, batch) against
`aimc forward`'s (the fp32 reference alone) on one batch of the same inputs.

Networks: resnet20 (models/resnet20_cifar10.onnx, CIFAR-10 test images, on `hermes` four-phase at
t = 1 h) and resnet18 (torchvision's, seed-0 weights, 224x224 random images, on bench/chips/hermes-256.yaml:
HERMES's cores, 256 of them so that its 11.7M weights fit). --write-docs puts the table into
docs/functional-sim.md.

--busy measures instead the threads rule (issue 19: more threads are never slower on a loaded machine):
the chip pass alone at each thread count, alternating within each round, while another process keeps one
core busy; its table goes into its own block of docs/functional-sim.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CIFAR = ROOT.parent / "shared" / "data" / "cifar10" / "test_batch.bin"

TORCH_RUN = r"""
import sys, time, json, torch
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
torch.set_num_threads({threads})
name, frozen, batch, seconds = {name!r}, {frozen!r}, {batch}, {seconds}
if name == "resnet20":
    from torch_bench import build
    model, shape = build("resnet20")
else:
    import torchvision
    torch.manual_seed(0)
    model, shape = torchvision.models.resnet18(weights=None).eval(), (3, 224, 224)
x = torch.rand((batch,) + shape, generator=torch.Generator().manual_seed(0))
with torch.inference_mode():
    if frozen:
        model = torch.jit.freeze(torch.jit.trace(model, x))
    model(x)  # warm-up (oneDNN primitives, the frozen graph's first-run optimisation)
    runs, t0 = 0, time.perf_counter()
    while runs == 0 or time.perf_counter() - t0 < seconds:
        model(x)
        runs += 1
    print(json.dumps({{"images_per_s": runs * batch / (time.perf_counter() - t0)}}))
"""


def load():
    return os.getloadavg()[0]


def peak_rss_mb(cmd, env=None):
    """Peak RSS (MB) of one child, from wait4's resource usage."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a long warning cannot block the child
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        if status != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(map(str, cmd))} failed: {err.read().decode()}")
    return usage.ru_maxrss / 1024


def prepare(net, out, samples, batch):
    """(model path, chip, eval args, inputs .npy of one batch) for a network."""
    if net == "resnet20":
        raw = np.fromfile(CIFAR, dtype=np.uint8).reshape(-1, 3073)[:batch]
        x = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255
        np.save(out / "resnet20.batch.npy", x)
        return (ROOT / "models" / "resnet20_cifar10.onnx", "hermes",
                ["--data", f"cifar10:{CIFAR}", "--limit", str(samples), "--read-mode", "four-phase"],
                out / "resnet20.batch.npy")
    import torch
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    path = out / "resnet18.onnx"
    if not path.exists():
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(path), opset_version=17, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    rng = np.random.default_rng(0)
    np.save(out / "resnet18.x.npy", rng.random((samples, 3, 224, 224), dtype=np.float32))
    np.save(out / "resnet18.y.npy", rng.integers(0, 1000, samples))
    np.save(out / "resnet18.batch.npy", np.load(out / "resnet18.x.npy")[:batch])
    return (path, str(ROOT / "bench" / "chips" / "hermes-256.yaml"),
            ["--data", f"npy:{out / 'resnet18.x.npy'},{out / 'resnet18.y.npy'}", "--read-mode", "four-phase"],
            out / "resnet18.batch.npy")


def chip_round(binary, model, chip, args, threads, batch, out, precision="fp32"):
    """(chip images/s, digital reference images/s, peak RSS, wait policy) of one `aimc eval`."""
    j = out / "eval.json"
    cmd = [binary, "eval", "--model", model, "--chip", chip, *args, "--batch", batch, "--threads", threads,
           "--drift-times", "1h", "--allow-quantize", "--gemm-precision", precision, "--json", j, "--force"]
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    rss = peak_rss_mb([str(c) for c in cmd], env)
    t = json.loads(j.read_text())["timing"]
    return 1e3 / t["chip_ms_per_sample"], 1e3 / t["digital_ms_per_sample"], rss, t["wait_policy"]


def torch_round(net, frozen, threads, batch, seconds):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    env["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1"  # torch at its best: the malloc setting aimc's CLI uses
    env["OMP_NUM_THREADS"] = str(threads)
    code = TORCH_RUN.format(root=str(ROOT), bench=str(ROOT / "bench"), threads=threads, name=net, frozen=frozen,
                            batch=batch, seconds=seconds)
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"torch run failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])["images_per_s"]


def measure(binary, net, threads, rounds, samples, batch, out):
    model, chip, args, batch_npy = prepare(net, out, samples, batch)
    rows = {"chip": [], "bf16": [], "int8": [], "digital": [], "torch": [], "frozen": [], "load": [], "rss": []}
    policy = ""
    for r in range(rounds):
        rows["load"].append(load())
        t0 = time.perf_counter()
        c, d, rss, policy = chip_round(binary, model, chip, args, threads, batch, out)
        seconds = max(2.0, min(20.0, samples / c))  # torch runs about as long as the chip did
        rows["chip"].append(c)
        rows["digital"].append(d)
        rows["rss"].append(rss)
        rows["bf16"].append(chip_round(binary, model, chip, args, threads, batch, out, "bf16")[0])
        rows["int8"].append(chip_round(binary, model, chip, args, threads, batch, out, "int8")[0])
        rows["torch"].append(torch_round(net, False, threads, batch, seconds))
        rows["frozen"].append(torch_round(net, True, threads, batch, seconds))
        print(f"  {net} threads {threads} round {r + 1}: chip {c:.1f} img/s, bf16 {rows['bf16'][-1]:.1f}, "
              f"int8 {rows['int8'][-1]:.1f}, torch {rows['torch'][-1]:.1f}, "
              f"frozen {rows['frozen'][-1]:.1f} (load {rows['load'][-1]:.2f}, {time.perf_counter() - t0:.0f} s)",
              file=sys.stderr)
    ref_rss = peak_rss_mb([str(binary), "forward", "--model", str(model), "--input", str(batch_npy), "--output",
                           str(out / "forward.npy"), "--force", "--threads", str(threads)])
    med = {k: statistics.median(v) for k, v in rows.items()}
    return {"network": net, "threads": threads, "batch": batch, "samples": samples, "rounds": rounds,
            "wait_policy": policy, **{f"{k}_images_per_s": med[k] for k in ("chip", "bf16", "int8", "digital", "torch", "frozen")},
            "bf16_over_frozen": med["bf16"] / med["frozen"], "int8_over_frozen": med["int8"] / med["frozen"],
            "best_int8_over_frozen": max(rows["int8"]) / max(rows["frozen"]),
            "chip_over_torch": med["chip"] / med["torch"], "chip_over_frozen": med["chip"] / med["frozen"],
            "best_chip_over_frozen": max(rows["chip"]) / max(rows["frozen"]),
            "load_min": min(rows["load"]), "load_max": max(rows["load"]), "eval_rss_mb": max(rows["rss"]),
            "reference_rss_mb": ref_rss}


def busy_measure(binary, net, threads, rounds, samples, batch, out):
    """The threads rule (issue 19: more threads never slower, on a loaded machine): chip images/s at each
    thread count while another process keeps one core busy, the thread counts alternating in each round."""
    model, chip, args, _ = prepare(net, out, samples, batch)
    rates = {t: [] for t in threads}
    spinner = subprocess.Popen(["/usr/bin/python3", "-c", "while True: pass"])

    def cpu_s():  # the spinner's CPU time so far (user + system clock ticks)
        fields = Path(f"/proc/{spinner.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        time.sleep(1.0)
        c0, t0 = cpu_s(), time.perf_counter()
        for r in range(rounds):
            for t in threads:
                rates[t].append(chip_round(binary, model, chip, args, t, batch, out)[0])
            print(f"  {net} beside a busy process, round {r + 1}: " +
                  ", ".join(f"{t} threads {rates[t][-1]:.1f} img/s" for t in threads), file=sys.stderr)
        share = (cpu_s() - c0) / (time.perf_counter() - t0)
    finally:
        spinner.kill()
        spinner.wait()
    base = statistics.median(rates[threads[0]])
    return [{"network": net, "threads": t, "busy": True, "rounds": rounds, "chip_images_per_s": statistics.median(rates[t]),
             "slowest_images_per_s": min(rates[t]), "over_first": statistics.median(rates[t]) / base,
             "slowest_over_first": min(rates[t]) / base, "spinner_cores": share} for t in threads]


def busy_table(results):
    first = results[0]["threads"]
    lines = [f"| network | threads | chip img/s beside a busy process (median) | slowest round | median / {first} thread's "
             f"| slowest round / {first} thread's median | the busy process's CPU (cores) |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['network']} | {r['threads']} | {r['chip_images_per_s']:.0f} | {r['slowest_images_per_s']:.0f} | "
                     f"{r['over_first']:.2f}× | {r['slowest_over_first']:.2f}× | {r['spinner_cores']:.2f} |")
    return "\n".join(lines) + "\n"


def write_block(doc, name, text, after):
    """Replaces the block `name` of docs/functional-sim.md, or adds it after the block `after`."""
    begin, end = f"<!-- {name}:begin (bench/speed.py) -->\n", f"<!-- {name}:end -->"
    s = doc.read_text()
    if begin not in s:
        anchor = f"<!-- {after}:end -->"
        if anchor not in s:
            raise SystemExit(f"{doc}: no '{anchor}' block")
        s = s.replace(anchor, anchor + "\n\n" + begin + end, 1)
    head, rest = s.split(begin)
    doc.write_text(head + begin + text + end + rest.split(end, 1)[1])


def table(results):
    lines = ["| network | threads | chip img/s | torch fp32 img/s | BN-folded img/s | chip / torch | chip / BN-folded "
             "| the same, best rounds | chip, bf16 GEMM img/s | bf16 / BN-folded | chip, int8 GEMM img/s | int8 / BN-folded "
             "| int8, best rounds | aimc digital img/s | eval peak RSS / reference's (MB) | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['network']} | {r['threads']} | {r['chip_images_per_s']:.0f} | {r['torch_images_per_s']:.0f} | "
                     f"{r['frozen_images_per_s']:.0f} | {r['chip_over_torch']:.2f}× | {r['chip_over_frozen']:.2f}× | "
                     f"{r['best_chip_over_frozen']:.2f}× | {r['bf16_images_per_s']:.0f} | {r['bf16_over_frozen']:.2f}× | "
                     f"{r['int8_images_per_s']:.0f} | {r['int8_over_frozen']:.2f}× | {r['best_int8_over_frozen']:.2f}× | "
                     f"{r['digital_images_per_s']:.0f} | {r['eval_rss_mb']:.0f} / {r['reference_rss_mb']:.0f} | "
                     f"{r['load_min']:.1f}–{r['load_max']:.1f} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--networks", nargs="+", default=["resnet20", "resnet18"], choices=["resnet20", "resnet18"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=0, help="images per chip run (default 1024 / 64 by network)")
    ap.add_argument("--batch", type=int, default=128, help="batch of both (ResNet-18: at most 32)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "speed")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--busy", action="store_true",
                    help="instead: the chip pass at each thread count beside a process that keeps one core busy")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.busy:
        results = []
        for net in a.networks:
            samples = a.samples or (1024 if net == "resnet20" else 64)
            batch = a.batch if net == "resnet20" else min(a.batch, 32)
            results += busy_measure(a.bin, net, sorted(a.threads), a.rounds, samples, min(batch, samples), a.out)
        text = (f"Beside a busy process (one core spinning), measured {time.strftime('%Y-%m-%d')} by `bench/speed.py "
                f"--busy` ({a.rounds} rounds, the thread counts alternating in each; the busy process's CPU: its CPU time "
                f"over the measurement's wall time):\n\n" + busy_table(results))
        print(text)
        if a.write_docs:
            write_block(ROOT / "docs" / "functional-sim.md", "speed-busy", text, "speed")
        return
    results = []
    for net in a.networks:
        samples = a.samples or (1024 if net == "resnet20" else 64)
        batch = a.batch if net == "resnet20" else min(a.batch, 32)  # ResNet-18: 32 at 224x224 (about 6 s in torch)
        for t in a.threads:
            results.append(measure(a.bin, net, t, a.rounds, samples, min(batch, samples), a.out))
            print(json.dumps(results[-1]), flush=True)
    text = (f"Measured {time.strftime('%Y-%m-%d')} by `bench/speed.py` ({a.rounds} alternating rounds, medians; "
            f"aimc's wait policy {results[0]['wait_policy']}; load = the 1-minute load average before each "
            f"round; \"best rounds\": each contender's fastest round, since this shared virtual machine's slowdowns "
            f"come and go within a minute and only ever subtract):\n\n" + table(results))
    print(text)
    if a.write_docs:
        doc = ROOT / "docs" / "functional-sim.md"
        begin, end = "<!-- speed:begin (bench/speed.py) -->\n", "<!-- speed:end -->"
        s = doc.read_text()
        if begin not in s:
            raise SystemExit(f"{doc}: no '{begin.strip()}' block")
        head, rest = s.split(begin)
        doc.write_text(head + begin + text + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
