"""The model coverage table (issue 16 item 6): which networks a user can bring, and how far each gets.

    PYTHONPATH=build/python /usr/bin/python3 bench/model_coverage.py [--models NAME ...] [--presets P ...]
                                                                  [--out DIR] [--write-docs]

Models: torchvision's classification zoo (every name of torchvision.models.list_models(), weights=None: the
mapping does not need trained weights), torch's own transformer modules, BERT- and GPT-style models and
recurrent nets (the builders below). Each is exported by torch 1.13 at opset 17 with a dynamic batch axis, then:
  import   `aimc graph` reads it;
  torch    `aimc forward` on 2 random inputs matches torch: max |aimc - torch| <= 1e-4 · max(1, max |torch|);
  <preset> `aimc compile` on each preset: the crossbars it takes, or the first words of the refusal;
  eval     the simulated chip's outputs (aimc.run, t = 1 d) on the same 2 inputs, on the first preset it fits,
           as their correlation with torch's;
  perf     `aimc perf` there: inferences/s and the host's share of the energy.
Results accumulate in OUT/coverage.json (default build/coverage), so runs over parts of the list add up;
--write-docs writes the table of everything in it into docs/coverage.md. Every cell comes from a run.
--rerun-perf PRESET reruns only the perf cells of docs/coverage.md's rows whose eval ran on PRESET (the
model exported again, `aimc perf` as above) and writes them into the page, after a change to the simulator
or the preset that moves no other cell. --rerun-mapping PRESET compiles every row that compiled on PRESET
again and, where pass `pack` chose a 2-D packing (what its busy-layer and replication-aware choices move) or
the crossbars it takes moved, reruns that row's PRESET cell and its eval and perf cells if they ran on PRESET.
AIMC_BIN names the aimc binary (default build/aimc; a copy keeps a long run apart from rebuilds).
"""

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ["hermes", "cluster-512", "verma-cimu", "zhang-bnn-sram", "garofalo-cluster"]
TIMEOUT = 900


class TokenModel(nn.Module):
    """Token ids [batch, seq] -> embedding (+ positions) -> a body -> logits; `causal` adds a causal mask."""

    def __init__(self, body, vocab=1000, dim=128, seq=64, causal=False, classes=None):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.02)
        self.body = body
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes or vocab)
        self.classes = classes
        if causal:
            self.register_buffer("mask", torch.triu(torch.full((seq, seq), float("-inf")), diagonal=1))
        else:
            self.mask = None

    def forward(self, ids):
        h = self.embed(ids) + self.pos[: ids.shape[1]]
        h = self.body(h, mask=self.mask) if self.mask is not None else self.body(h)
        h = self.norm(h)
        return self.head(h[:, 0] if self.classes else h)


class Recurrent(nn.Module):
    """Token ids [seq, batch] -> embedding -> an nn.LSTM / nn.GRU -> logits [seq, batch, vocab]."""

    def __init__(self, cell, vocab=50, dim=64, hidden=256, **kw):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = cell(dim, hidden, **kw)
        self.out = nn.Linear(hidden * (2 if kw.get("bidirectional") else 1), vocab)

    def forward(self, ids):
        return self.out(self.rnn(self.embed(ids))[0])


def encoder(dim=128, layers=4, heads=4, **kw):
    layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, batch_first=True, **kw)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def tokens(shape, vocab):
    return torch.randint(1, vocab, shape)


# name -> (builder, example input maker (batch) , batch axis)
EXTRA = {
    "transformer_encoder": (lambda: encoder(256, 4, 8), lambda b: torch.randn(b, 64, 256), 0),
    "transformer_decoder_layer": (lambda: nn.TransformerDecoderLayer(256, 8, 1024, dropout=0.0),
                                  lambda b: (torch.randn(32, b, 256), torch.randn(48, b, 256)), 1),
    "multihead_attention": (lambda: nn.MultiheadAttention(256, 8), None, 1),
    "bert_mini": (lambda: TokenModel(encoder(128, 4, 4, activation="gelu"), classes=2), lambda b: tokens((b, 64), 1000), 0),
    "gpt_mini": (lambda: TokenModel(encoder(128, 4, 4, activation="gelu", norm_first=True), causal=True),
                 lambda b: tokens((b, 64), 1000), 0),
    "lstm_lm": (lambda: Recurrent(nn.LSTM), lambda b: tokens((35, b), 50), 1),
    "bilstm_2layer": (lambda: Recurrent(nn.LSTM, num_layers=2, bidirectional=True), lambda b: tokens((35, b), 50), 1),
    "gru_lm": (lambda: Recurrent(nn.GRU), lambda b: tokens((35, b), 50), 1),
}


class MHA(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(256, 8)

    def forward(self, x):
        return self.m(x, x, x, need_weights=False)[0]


def build(name):
    """(module, example inputs at batch 2 as a tuple, batch axis)."""
    torch.manual_seed(0)
    if name == "multihead_attention":
        return MHA().eval(), (torch.randn(32, 2, 256),), 1
    if name in EXTRA:
        make, example, axis = EXTRA[name]
        x = example(2)
        return make().eval(), x if isinstance(x, tuple) else (x,), axis
    import torchvision
    model = torchvision.models.get_model(name, weights=None).eval()
    with torch.no_grad():  # a zero-initialised head (the ViTs') would make every output 0 and the comparison void
        for m in model.modules():
            if isinstance(m, nn.Linear) and not m.weight.any():
                nn.init.normal_(m.weight, std=0.02)
    size = 299 if name == "inception_v3" else 224
    return model, (torch.randn(2, 3, size, size),), 0


def register_missing_symbolics():
    """torch 1.13's exporter has no symbolic for aten::zero (Tensor.zero_), which torchvision's Swin V2 calls on a
    slice of its qkv bias; a user registers this one (x · 0) to export it. A gap of the exporter, not of aimc."""
    from torch.onnx import register_custom_op_symbolic

    def zero(g, self):
        return g.op("Mul", self, g.op("Constant", value_t=torch.tensor(0.0)))
    register_custom_op_symbolic("aten::zero", zero, 17)


def aimc(*args, timeout=TIMEOUT):
    try:
        binary = os.environ.get("AIMC_BIN", str(ROOT / "build" / "aimc"))
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"timed out after {timeout} s")


def reason(proc):
    """The refusal, without the file name: the error line's message (a does-not-fit refusal: its first clause)."""
    line = (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
    line = line.split("error: ", 1)[-1].split(".onnx: ", 1)[-1]
    if " needs " in line and "crossbars" in line:
        line = line.split(" (")[0].split(";")[0]
    return line[:160]


@contextlib.contextmanager
def model_folder(out, name):
    """A folder of its own for the model's export, removed after: a model over 2 GB is exported with its weights
    in files beside it (ONNX external data)."""
    folder = out / f"{name}.onnx.d"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export_onnx(module, inputs, axis, path):
    """The module at opset 17, its inputs' and output's `axis` dynamic ("batch")."""
    names = [f"input{i}" for i in range(len(inputs))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, inputs, str(path), opset_version=17, input_names=names, output_names=["output"],
                          dynamic_axes={n: {axis: "batch"} for n in names + ["output"]})


def torch_output(module, inputs):
    """The module's (first) output on the inputs: what the chip's outputs are compared against."""
    with torch.no_grad():
        want = module(*inputs)
    return want[0] if isinstance(want, tuple) else want


def run_model(name, out):
    try:
        with model_folder(out, name) as folder:
            return check_model(name, out, folder)
    finally:
        for p in out.glob(f"{name}.*"):
            if p.suffix == ".npy" or p.name.endswith(".program.json"):
                p.unlink()


def check_model(name, out, folder):
    row = {"model": name}
    t0 = time.time()
    try:
        module, inputs, axis = build(name)
    except Exception as e:  # noqa: BLE001 (a builder this torchvision lacks)
        return {**row, "export": f"build failed: {e}"[:160]}
    row["params_m"] = sum(p.numel() for p in module.parameters()) / 1e6
    path = folder / f"{name}.onnx"
    want = torch_output(module, inputs)
    try:
        export_onnx(module, inputs, axis, path)
    except Exception as e:  # noqa: BLE001 (torch's exporter refuses some models)
        return {**row, "export": f"torch export failed: {str(e).splitlines()[0]}"[:160]}
    row["export"] = "ok"
    g = aimc("graph", "--model", path)
    row["import"] = "ok" if g.returncode == 0 else reason(g)
    if g.returncode != 0:
        return row
    args = []
    for i, x in enumerate(inputs):
        np.save(out / f"{name}.in{i}.npy", x.numpy())
        args += ["--input", out / f"{name}.in{i}.npy"]
    f = aimc("forward", "--model", path, *args, "--output", out / f"{name}.out.npy", "--force")
    if f.returncode != 0:
        row["torch"] = reason(f)
    else:
        got = np.load(out / f"{name}.out.npy")
        w = want.numpy()
        diff = float(np.abs(got - w).max()) if got.shape == w.shape else math.inf
        row["max_rel_diff"] = diff / max(1.0, float(np.abs(w).max()))
        row["torch"] = "ok" if row["max_rel_diff"] <= 1e-4 else f"differs: {row['max_rel_diff']:.2g}"
    row["compile"] = {}
    fits = None
    for preset in PRESETS:
        row["compile"][preset], ok = compile_cell(name, path, preset, out)
        fits = fits or (preset if ok else None)
    row["fits"] = fits
    if fits:
        row["eval"] = eval_cell(name, out, fits, inputs, want)
        row["perf"] = perf_cell(name, path, fits, out)
    row["seconds"] = round(time.time() - t0, 1)
    return row


def compile_cell(name, path, preset, out):
    """(the crossbars it takes on `preset`, or why not; whether it compiled): the Program in OUT/NAME.PRESET.program.json."""
    c = aimc("compile", "--model", path, "--chip", preset, "--json", out / f"{name}.{preset}.json", "-o",
             out / f"{name}.{preset}.program.json", "--force", "--quiet")
    if c.returncode != 0:
        return reason(c), False
    rep = json.loads((out / f"{name}.{preset}.json").read_text())
    segments = rep["reload_segments"]
    return f"{rep['crossbars_used']}/{rep['crossbars_available']} crossbars" + (
        f" in {segments} reloads" if segments > 1 else ""), True


def eval_cell(name, out, preset, inputs, want):
    """The simulated chip's outputs (t = 1 d) against torch's `want`, on the Program compile_cell wrote."""
    try:
        import aimc as module_aimc
        program = str(out / f"{name}.{preset}.program.json")
        chip_out = module_aimc.run(program, preset, [x.numpy() for x in inputs], t="1d", seed=0)
        chip_out = chip_out[0] if isinstance(chip_out, list) else chip_out
        return f"r = {np.corrcoef(chip_out.ravel(), want.numpy().ravel())[0, 1]:.3f}"
    except Exception as e:  # noqa: BLE001
        return str(e).splitlines()[0][:160]


def perf_cell(name, path, preset, out):
    p = aimc("perf", "--model", path, "--chip", preset, "--json", out / f"{name}.perf.json", "--force", "--quiet")
    if p.returncode != 0:
        return reason(p)
    pj = json.loads((out / f"{name}.perf.json").read_text())
    return f"{pj['inferences_per_s']:.3g}/s, host {100 * pj['host']['energy_share']:.0f}% of energy"


def rerun_perf(preset, out):
    """The perf cell of every row of docs/coverage.md whose eval ran on `preset`, rerun and written back."""
    doc = ROOT / "docs" / "coverage.md"
    lines = doc.read_text().split("\n")
    for i, line in enumerate(lines):
        cols = line.split(" | ")
        if not line.startswith("| ") or len(cols) < 3 or not cols[-2].endswith(f"({preset})"):
            continue
        name = cols[0][2:]
        with model_folder(out, name) as folder:
            module, inputs, axis = build(name)
            path = folder / f"{name}.onnx"
            export_onnx(module, inputs, axis, path)
            before, cols[-1] = cols[-1], cell(perf_cell(name, path, preset, out)) + " |"
        lines[i] = " | ".join(cols)
        doc.write_text("\n".join(lines))
        print(f"{name}: {before} -> {cols[-1]}", flush=True)


def rerun_mapping(preset, out):
    """After a compiler change that moves only some mappings: every row of docs/coverage.md that compiled on
    `preset` is compiled again; where pass `pack` chose a 2-D packing (what its busy-layer and replication-aware
    choices can move) or the crossbars it takes moved, its `preset` cell, and its eval and perf cells when they
    ran on `preset`, are rerun and written back. Another row keeps its cells (they would come out the same)."""
    doc = ROOT / "docs" / "coverage.md"
    lines = doc.read_text().split("\n")
    head = next(line for line in lines if line.startswith("| model |")).split(" | ")
    col = head.index(preset)
    for i, line in enumerate(lines):
        cols = line.split(" | ")
        if not line.startswith("| ") or len(cols) != len(head) or "crossbars" not in cols[col] or "needs" in cols[col]:
            continue
        name = cols[0][2:]
        with model_folder(out, name) as folder:
            module, inputs, axis = build(name)
            path = folder / f"{name}.onnx"
            export_onnx(module, inputs, axis, path)
            compiled, _ = compile_cell(name, path, preset, out)
            program = out / f"{name}.{preset}.program.json"
            stats = json.loads(program.read_text())["statistics"]
            # A 2-D packing (what pack's choices move without changing the count), or crossbars that moved.
            moved = stats.get("pack", {}).get("rect-packed", 0) == 1 or cell(compiled) != cols[col]
            if moved:
                before = list(cols)
                cols[col] = cell(compiled)
                if cols[-2].endswith(f"({preset})"):
                    cols[-2] = cell(eval_cell(name, out, preset, inputs, torch_output(module, inputs))) + f" ({preset})"
                    cols[-1] = cell(perf_cell(name, path, preset, out)) + " |"
                lines[i] = " | ".join(cols)
                doc.write_text("\n".join(lines))
                print(f"{name}: {' | '.join(before[col:])} -> {' | '.join(cols[col:])}", flush=True)
            else:
                print(f"{name}: mapping on {preset} unchanged", flush=True)
            program.unlink()


def cell(text):
    return str(text).replace("|", "\\|")


def table(rows):
    head = ["model", "weights (M)", "import", "matches torch"] + PRESETS + ["eval (chip vs torch)", "perf"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in sorted(rows.values(), key=lambda r: r["model"]):
        comp = r.get("compile", {})
        first = r.get("import") if r.get("export") == "ok" else r.get("export")
        lines.append("| " + " | ".join(cell(x) for x in [
            r["model"], f"{r['params_m']:.1f}" if "params_m" in r else "", first or "",
            r.get("torch", ""), *[comp.get(p, "") for p in PRESETS],
            f"{r.get('eval', '')}" + (f" ({r['fits']})" if r.get("eval") else ""), r.get("perf", "")]) + " |")
    n = len(rows)
    ok = sum(1 for r in rows.values() if r.get("torch") == "ok")
    fit = sum(1 for r in rows.values() if r.get("fits"))
    summary = (f"{n} models: {ok} import and match torch, {fit} compile on at least one preset. Generated by "
               "`bench/model_coverage.py` (commands in its docstring).")
    return summary + "\n\n" + "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", help="default: the whole zoo and the extra builders")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "coverage")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--rerun-perf", metavar="PRESET", help="rerun only the perf cells of the page's rows evaluated on PRESET")
    ap.add_argument("--rerun-mapping", metavar="PRESET",
                    help="recompile the page's rows that compiled on PRESET; rerun the cells of those whose mapping moved")
    args = ap.parse_args()
    torch.set_num_threads(1)
    register_missing_symbolics()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.rerun_perf:
        return rerun_perf(args.rerun_perf, args.out)
    if args.rerun_mapping:
        return rerun_mapping(args.rerun_mapping, args.out)
    store = args.out / "coverage.json"
    rows = json.loads(store.read_text()) if store.exists() else {}
    if args.models is None or args.models:
        import torchvision
        names = args.models or sorted(torchvision.models.list_models(module=torchvision.models)) + list(EXTRA)
        for name in names:
            rows[name] = run_model(name, args.out)
            print(json.dumps(rows[name]), flush=True)
            store.write_text(json.dumps(rows, indent=1))
    if args.write_docs:
        doc = ROOT / "docs" / "coverage.md"
        begin, end = "<!-- coverage:begin -->\n", "<!-- coverage:end -->"
        text = doc.read_text()
        head, rest = text.split(begin)
        doc.write_text(head + begin + table(rows) + end + rest.split(end)[1])


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
