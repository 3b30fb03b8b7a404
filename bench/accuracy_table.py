"""Writes the presets' accuracy tables (functional simulation, `aimc eval --json`) into docs/presets/*.md.

    /usr/bin/python3 bench/accuracy_table.py DIR      (DIR: the JSON files of bench/run_accuracy_table.sh)

Every simulated figure comes from the JSON files; only the papers' column is typed in (from
../shared/reference/chips.md). Each table goes between `<!-- accuracy:PRESET:begin -->` and `...:end -->`
markers in docs/presets/PRESET.md (appended before "## Reproduced figures", or at the end, the first time).
"""

import json
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# run name -> (preset, row label); rows appear in this order.
RUNS = {
    "plain_hermes4": ("hermes", "ResNet-20 pretrained (`resnet20_cifar10.onnx`), four-phase, GDC"),
    "plain_hermes4_norep": ("hermes", "same, `--replicate none` (no replicas)"),
    "resnet32_hermes4": ("hermes", "ResNet-32 pretrained (`export_pretrained.py`), four-phase, GDC"),
    "resnet56_hermes4": ("hermes", "ResNet-56 pretrained (`export_pretrained.py`), four-phase, GDC"),
    "resnet20_aihwkit": ("hermes", "ResNet-20 pretrained on `bench/chips/hermes-aihwkit.yaml` (aihwkit's HERMES "
                                   "config, docs/aihwkit.md)"),
    "resnet32_aihwkit": ("hermes", "ResNet-32 pretrained on `hermes-aihwkit.yaml` (aihwkit measured 92.7 → 89.0 / "
                                   "87.1 / 77.6 / 30.2 % on the full set, issue 12)"),
    "hwa_hermes4": ("hermes", "ResNet-20 HWA, programming noise (`resnet20_cifar10_hwa.onnx`), four-phase, GDC"),
    "hwa_drift_hermes4": ("hermes", "ResNet-20 HWA, drift-aware (`resnet20_cifar10_hwa_drift.onnx`), four-phase, GDC"),
    "hwa_drift_hermes4_nogdc": ("hermes", "ResNet-20 HWA, drift-aware, four-phase, no drift compensation"),
    "lstm_hermes4": ("hermes", "PTB char LSTM H=256 (`lstm_ptb.onnx`), four-phase, GDC — bits per character"),
    "vit_hermes4": ("hermes", "MNIST ViT (`vit_mnist.onnx`: torchvision's VisionTransformer, 4 blocks of 64), "
                              "four-phase, GDC"),
    "gpt_hermes4": ("hermes", "PTB char GPT, 4 blocks of 128 (`gpt_ptb.onnx`), four-phase, GDC — bits per character"),
    "cnn4b_verma": ("verma-cimu", "11-layer CNN W4/A4 (`cnn4b_cifar10.onnx`)"),
    "bnn_zhang": ("zhang-bnn-sram", "BNN 121-128-128-10 (`bnn_mnist.onnx`), the preset (ideal cells)"),
    "bnn_zhang_mismatch": ("zhang-bnn-sram", "same, 10% cell-current mismatch + 1-LSB comparator offset "
                                             "(`bench/chips/zhang-bnn-sram-mismatch.yaml`)"),
}
PUBLISHED = {
    "hermes": "Published (chips.md §1.4): ResNet-9 on CIFAR-10 92.81% on chip (two devices per polarity, four-phase) "
              "vs 93.67% in software (−0.86 pt); PTB character LSTM within 0.1 bit per character of the software "
              "1.336.",
    "verma-cimu": "Published (chips.md §2.3): their (unpublished) 11-layer CNN, 4-bit, 91.51% on chip, \"matching "
                  "bit-true simulations\".",
    "zhang-bnn-sram": "Published (chips.md §3): MNIST BNN 94% in software, 93.6% on chip (−0.4 pt).",
}
TIMES = [1.0, 3600.0, 86400.0, 365 * 86400.0]
TIME_NAMES = {1.0: "1 s", 3600.0: "1 h", 86400.0: "1 d", 365 * 86400.0: "1 y"}


def cell(run, row):
    if run["metric"] == "perplexity":
        bpc = [math.log2(p) for p in row["perplexity"]]
        sd = statistics.stdev(bpc) if len(bpc) > 1 else 0.0
        return f"{statistics.mean(bpc):.3f} ± {sd:.3f}"
    return f"{100 * row['accuracy_mean']:.2f} ± {100 * row['accuracy_std']:.2f}%"


def digital(run):
    if run["metric"] == "perplexity":
        return f"{run['digital']['bits_per_token']:.3f}"
    return f"{100 * run['digital']['accuracy']:.2f}%"


def table(preset, runs):
    lines = [f"<!-- accuracy:{preset}:begin (bench/accuracy_table.py) -->", "## Accuracy on the simulated chip", ""]
    first = next(iter(runs.values()))
    lines.append(f"`aimc eval`, mean ± sample std over {first['repeats']} programming draws (seeds {first['seed']}…"
                 f"{first['seed'] + first['repeats'] - 1}); `samples`: the first N test images (10000 = the full "
                 "set) or character windows of the PTB test text (the LSTM's 100 characters: 4424 = all; the GPT's 128: "
                 "3456 = all); the digital column is the fp32 "
                 "reference on the same samples. Commands: `bench/run_accuracy_table.sh`.")
    lines.append("")
    times = sorted({r["t_s"] for run in runs.values() for r in run["chip"]})
    lines.append("| model, reads | samples | digital | " +
                 " | ".join(f"t = {TIME_NAMES.get(t, f'{t:g} s')}" for t in times) + " |")
    lines.append("|---|---|---|" + "---|" * len(times))
    for name, run in runs.items():
        by_t = {r["t_s"]: r for r in run["chip"]}
        cells = [cell(run, by_t[t]) if t in by_t else "" for t in times]
        lines.append(f"| {RUNS[name][1]} | {run['samples']} | {digital(run)} | " + " | ".join(cells) + " |")
    lines += ["", PUBLISHED[preset], f"<!-- accuracy:{preset}:end -->"]
    return "\n".join(lines) + "\n"


def write(preset, text):
    doc = ROOT / "docs" / "presets" / f"{preset}.md"
    s = doc.read_text()
    begin, end = f"<!-- accuracy:{preset}:begin", f"<!-- accuracy:{preset}:end -->\n"
    if begin in s:
        a = s.index(begin)
        b = s.index(end, a) + len(end)
        s = s[:a] + text + s[b:]
    elif "## Reproduced figures" in s:
        a = s.index("## Reproduced figures")
        s = s[:a] + text + "\n" + s[a:]
    else:
        s = s.rstrip("\n") + "\n\n" + text
    doc.write_text(s)


def main():
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "accuracy"
    per_preset = {}
    for name, (preset, _) in RUNS.items():
        path = folder / f"{name}.json"
        if path.exists():
            per_preset.setdefault(preset, {})[name] = json.loads(path.read_text())
    for preset, runs in per_preset.items():
        write(preset, table(preset, runs))
        print(f"docs/presets/{preset}.md: {len(runs)} rows")


if __name__ == "__main__":
    main()
