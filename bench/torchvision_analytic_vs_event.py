"""The analytic performance model against the event simulation on torchvision networks a user would bring.

Run (repository root, after building):
    /usr/bin/python3 bench/torchvision_analytic_vs_event.py [--bin build/aimc] [--models NAME ...]
                                                            [--chips cluster-512 hermes] [--images 16]

Each network (untrained weights: the mapping does not depend on them) is exported by torch at opset 17,
224×224 (Inception-v3 299×299), compiled on each chip with the default pipeline (`aimc compile`), and run
for --images images with `aimc perf --simulator event` and `--simulator analytic`. Per run it prints both
throughputs and their ratio, the single-inference latency of each and the event run's critical path (a
lower bound), the crossbars' bound and the event run's warnings. A network a chip cannot hold prints the
compiler's one-line refusal. docs/perf-sim.md ("The analytic model") quotes the 2026-12-07 run.
"""

import argparse
import json
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch
import torchvision

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "googlenet",
          "shufflenet_v2_x1_0", "squeezenet1_1", "regnet_x_400mf", "mnasnet1_0", "convnext_tiny", "resnext50_32x4d",
          "inception_v3"]


def export(name, path):
    module = getattr(torchvision.models, name)().eval()
    size = 299 if name == "inception_v3" else 224
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, 3, size, size),), str(path), opset_version=17, input_names=["input0"],
                          output_names=["output"], dynamic_axes={"input0": {0: "batch"}, "output": {0: "batch"}})


def perf(binary, program, chip, images, simulator, out):
    cmd = [binary, "perf", "--program", program, "--chip", chip, "--images", str(images), "--simulator", simulator,
           "--json", out, "--force", "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError((r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1])
    return json.loads(Path(out).read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=str(ROOT / "build" / "aimc"))
    ap.add_argument("--models", nargs="*", default=MODELS)
    ap.add_argument("--chips", nargs="*", default=["cluster-512", "hermes"])
    ap.add_argument("--images", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.models:
            path = folder / f"{name}.onnx"
            export(name, path)
            for chip in args.chips:
                program = folder / f"{name}.{Path(chip).stem}.program.json"
                r = subprocess.run([args.bin, "compile", "--model", path, "--chip", chip, "-o", program, "--force",
                                    "--quiet"], capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{name} {chip}: {(r.stderr.strip().splitlines() or ['?'])[-1][:160]}", flush=True)
                    continue
                try:
                    e, a = (perf(args.bin, program, chip, args.images, s, folder / f"{s}.json") for s in ("event", "analytic"))
                except RuntimeError as err:
                    print(f"{name} {chip}: perf: {err}", flush=True)
                    continue
                ratio = a["inferences_per_s"] / e["inferences_per_s"]
                print(f"{name} {chip}: event {e['inferences_per_s']:.4g}/s, analytic {a['inferences_per_s']:.4g}/s "
                      f"(x{ratio:.3f}); latency event {e['latency_s'] * 1e6:.1f} us, analytic {a['latency_s'] * 1e6:.1f} us, "
                      f"critical path {e['critical_path_s'] * 1e6:.1f} us; crossbars' bound "
                      f"{e['array_bound_inferences_per_s']:.4g}/s; warnings {len(e['warnings'])}", flush=True)


if __name__ == "__main__":
    main()
