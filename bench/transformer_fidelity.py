"""Transformers on the simulated chips: output fidelity over drift and the perf breakdown (issue 16).

    PYTHONPATH=build/python /usr/bin/python3 bench/transformer_fidelity.py [--chips hermes cluster-512]
                                                                        [--times 1s 1h 1d 1y] [--seeds 3]
                                                                        [--write-docs]

The networks are those of bench/model_coverage.py (torch 1.13's own nn.TransformerEncoder and
nn.MultiheadAttention, a BERT-style encoder with a classification head, a GPT-style decoder with a causal
mask; untrained weights, seeded), exported at opset 17 with a dynamic batch. Each is compiled per chip
(calibrated on its 8 inputs), run on the chip at each drift time for --seeds programming draws, and compared
with torch's fp32 outputs: the relative RMS error ||chip - torch|| / ||torch|| and, for the models with logits,
how often the chip's argmax equals torch's (mean ± std over the draws). `aimc perf` then splits the energy per
inference into the crossbars (arrays and converters), the digital units and the host, with inferences/s.
Untrained weights make this a fidelity measurement (how far the analog chip moves the network's outputs), not
an accuracy one; trained models with accuracy over drift are the PTB GPT and the MNIST ViT (docs/presets).
--write-docs puts the table into docs/coverage.md (between its transformer-fidelity markers).
"""

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import model_coverage  # noqa: E402  (the builders)
import aimc  # noqa: E402

MODELS = {"transformer_encoder": False, "multihead_attention": False, "bert_mini": True, "gpt_mini": True}  # logits?


def export(name, folder):
    module, inputs, axis = model_coverage.build(name)
    batch = 8
    x = torch.cat([inputs[0]] * (batch // inputs[0].shape[axis]), dim=axis)
    if x.dtype == torch.int64:  # token ids: fresh ones per sample
        x = torch.randint(1, 1000, x.shape, generator=torch.Generator().manual_seed(1))
    else:
        x = torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = module(x)
    want = (want[0] if isinstance(want, tuple) else want).numpy()
    path = folder / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), str(path), opset_version=17, input_names=["input0"], output_names=["output"],
                          dynamic_axes={"input0": {axis: "batch"}, "output": {axis: "batch"}})
    return path, x.numpy(), want


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chips", nargs="*", default=["hermes", "cluster-512"])
    ap.add_argument("--times", nargs="*", default=["1s", "1h", "1d", "1y"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    head = ["model", "chip"] + [f"t = {t}" for t in args.times] + ["energy: crossbars / digital / host", "inferences/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    print("\n".join(lines))
    with tempfile.TemporaryDirectory() as tmp:
        for name, logits in MODELS.items():
            path, x, want = export(name, Path(tmp))
            for chip in args.chips:
                program = aimc.compile(str(path), chip, calibration_data=x)
                cells = []
                for t in args.times:
                    err, agree = [], []
                    for seed in range(args.seeds):
                        got = aimc.run(program, chip, x, t=t, seed=seed)
                        err.append(np.linalg.norm(got - want) / np.linalg.norm(want))
                        agree.append(np.mean(got.argmax(-1) == want.argmax(-1)))
                    cell = f"{100 * np.mean(err):.1f} ± {100 * np.std(err):.1f} %"
                    if logits:
                        cell += f"; argmax {100 * np.mean(agree):.0f} %"
                    cells.append(cell)
                p = aimc.perf(program, chip).to_dict()
                e = p["energy_per_inference_by_component_j"]
                total = p["energy_per_inference_j"]
                xbar = e.get("crossbar", 0) + e.get("adc", 0)
                split = f"{100 * xbar / total:.0f} / {100 * e.get('digital', 0) / total:.0f} / " \
                        f"{100 * e.get('host', 0) / total:.0f} % of {total * 1e6:.3g} µJ"
                lines.append("| " + " | ".join([name, chip] + cells + [split, f"{p['inferences_per_s']:,.0f}"]) + " |")
                print(lines[-1], flush=True)
    if args.write_docs:
        doc = ROOT / "docs" / "coverage.md"
        begin, end = "<!-- transformer-fidelity:begin (bench/transformer_fidelity.py) -->\n", "<!-- transformer-fidelity:end -->"
        text = doc.read_text()
        block = begin + f"{args.seeds} programming draws per time; mean ± std over them.\n\n" + "\n".join(lines) + "\n" + end
        if begin in text:
            head_text, rest = text.split(begin)
            text = head_text + block + rest.split(end, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n## Transformers on the chips\n\n" + block + "\n"
        doc.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
