"""Accuracy of the plain and the hardware-aware ResNet-20 under the HERMES PCM noise model over drift time (torch).

Command (from the repository root; about 10 min on 2 cores with --images 2000):

    nice -n 19 /usr/bin/python3 models/resnet_cifar/drift_eval.py [--images 2000] [--seeds 5]

Models: "plain" = akamaster's pretrained ResNet-20 (the weights of models/resnet20_cifar10.onnx) with batch-norm
folded into the convs; "hwa" = models/resnet20_cifar10_hwa.pt (finetune_hwa.py); "hwa_drift" = models/resnet20_cifar10_hwa_drift.pt
(finetune_hwa.py --drift-aware) when it exists. Noise (models/pcm_noise.py,
aihwkit HermesNoiseModel with num_devices = 2, g_max 20.7 uS, chips.md section 1.6): every conv and linear layer
is one tile mapped with its own max|W| (of the BN-folded weights, what the ONNX holds) to g_max, programmed once
per seed (programming noise, per-device drift exponents nu), then read at t = 1 s, 1 h, 1 d, 1 y after programming
(drift (t/t0)^-nu and accumulated 1/f read noise, a new read-noise draw per time), with global drift compensation
per layer; biases, the shortcuts, pooling and the normalisation are digital and exact; no input/output
quantisation. Seeds 0..seeds-1 (torch.Generator per seed; the same seeds for both models). Test images: the first
--images of ../shared/data/cifar10/test_batch.bin (10000 = the full set).
Writes models/resnet20_drift.json and the drift table in models/README.md (between the drift-table markers).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))
import pcm_noise  # noqa: E402
from models.mnist_lenet.model import accuracy  # noqa: E402
from models.resnet_cifar.hwa import analog_layers, fold_bn, folded_resnet  # noqa: E402
from models.resnet_cifar.model import load_cifar10, load_pretrained  # noqa: E402

TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": 365 * 86400.0}
BEGIN, END = "<!-- drift-table:begin -->", "<!-- drift-table:end -->"


@torch.no_grad()
def drift_accuracies(model, x, y, seeds, pcm):
    clean = {n: m.weight.detach().clone() for n, m in analog_layers(model)}
    res = {k: [] for k in TIMES}
    for seed in range(seeds):
        gen = torch.Generator().manual_seed(seed)
        tiles = {n: pcm_noise.ProgrammedTile(clean[n], pcm, gen) for n in clean}
        for label, t in TIMES.items():
            for n, m in analog_layers(model):
                m.weight.copy_(tiles[n].read(t, gen))
            res[label].append(accuracy(model, x, y, batch=500))
    for n, m in analog_layers(model):
        m.weight.copy_(clean[n])
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "cifar10")
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(2)
    x, y = load_cifar10(args.data / "test_batch.bin", limit=args.images)
    hwa = folded_resnet(20)
    hwa.load_state_dict(torch.load(ROOT / "models" / "resnet20_cifar10_hwa.pt", map_location="cpu"))
    models = {"plain": fold_bn(load_pretrained(20)), "hwa": hwa.eval()}
    if (ROOT / "models" / "resnet20_cifar10_hwa_drift.pt").exists():
        models["hwa_drift"] = folded_resnet(20)
        models["hwa_drift"].load_state_dict(torch.load(ROOT / "models" / "resnet20_cifar10_hwa_drift.pt"))
        models["hwa_drift"].eval()
    pcm = pcm_noise.HermesPcm(num_devices=2)
    out = {"images": len(y), "seeds": args.seeds, "noise_model": "aihwkit HermesNoiseModel num_devices=2 + GDC",
           "times_s": TIMES, "models": {}}
    t0 = time.time()
    for name, model in models.items():
        accs = drift_accuracies(model, x, y, args.seeds, pcm)
        out["models"][name] = {"clean": accuracy(model, x, y, batch=500), "per_seed": accs,
                               "mean": {k: statistics.mean(v) for k, v in accs.items()},
                               "std": {k: statistics.stdev(v) if len(v) > 1 else 0.0 for k, v in accs.items()}}
        print(name, json.dumps(out["models"][name]["mean"]), f"{time.time() - t0:.0f} s", flush=True)
    (ROOT / "models" / "resnet20_drift.json").write_text(json.dumps(out, indent=2) + "\n")

    head = "| model | no noise | " + " | ".join(f"t = {k}" for k in TIMES) + " |"
    rows = [head, "|" + "---|" * (len(TIMES) + 2)]
    for name, label in (("plain", "ResNet-20 plain (`resnet20_cifar10.onnx`)"),
                        ("hwa", "ResNet-20 hardware-aware, programming noise (`resnet20_cifar10_hwa.onnx`)"),
                        ("hwa_drift", "ResNet-20 hardware-aware, drift-aware (`resnet20_cifar10_hwa_drift.onnx`)")):
        if name not in out["models"]:
            continue
        r = out["models"][name]
        rows.append(f"| {label} | {100 * r['clean']:.2f}% | " + " | ".join(
            f"{100 * r['mean'][k]:.2f} ± {100 * r['std'][k]:.2f}%" for k in TIMES) + " |")
    note = (f"Top-1 on the first {len(y)} CIFAR-10 test images, mean ± std over {args.seeds} noise seeds "
            "(torch, `models/resnet_cifar/drift_eval.py`; aihwkit HermesNoiseModel, 2 devices, GDC; no I/O quantisation).")
    readme = ROOT / "models" / "README.md"
    text = readme.read_text()
    block = BEGIN + "\n" + note + "\n\n" + "\n".join(rows) + "\n" + END
    if BEGIN in text:
        text = text.split(BEGIN)[0] + block + text.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## ResNet-20 on HERMES PCM over drift time\n\n" + block + "\n"
    readme.write_text(text)


if __name__ == "__main__":
    main()
