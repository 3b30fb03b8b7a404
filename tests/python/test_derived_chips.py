"""Seeded random chips derived from every preset (sizes, converters, input bits, clock) through the CLI: a chip
that `chip validate` accepts must then compile, run `perf` and `eval`, or be refused in one line for not fitting
(too few crossbars, or a layer the chip cannot map, named) — never fail
later on a field validation let through (a 1-bit bipolar PWM input once passed validate, compile and perf and
failed only in eval). Perf figures stay finite, the latency is never below the critical path and the throughput
never above the crossbars' bound."""

import json
import math
import random

import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

PRESETS = ["hermes", "hermes-core", "verma-cimu", "cluster-512", "zhang-bnn-sram", "garofalo-cluster"]
MODELS = [("mnist_lenet.onnx", f"mnist:{ROOT}/data/mnist-test-1k"), ("bnn_mnist.onnx", f"mnist:{ROOT}/data/mnist-test-1k"),
          ("cnn4b_cifar10.onnx", f"cifar10:{ROOT}/data/cifar10-test-500")]


def derived_chip(rng, i):
    base = rng.choice(PRESETS)
    rows, cols = rng.choice([32, 64, 128, 256, 512]), rng.choice([16, 64, 128, 256, 300])
    lines = [f"base: {base}", f"name: derived-{i}", "cores:", f"  rows: {rows}", f"  cols: {cols}"]
    if base != "cluster-512":  # its tree network's fan-outs fix the core count
        n = rng.choice([4, 16, 64, 256])
        lines += [f"  count: {n}", f"  arrangement: {[math.isqrt(n)] * 2}"]
    if base != "zhang-bnn-sram" and rng.random() < 0.5:  # (a comparator has 1 bit)
        lines += ["  adc:", f"    bits: {rng.choice([3, 4, 6, 8])}",
                  f"    columns_per_adc: {rng.choice([d for d in (1, 2, 4) if cols % d == 0])}"]
    if rng.random() < 0.4:
        lines += ["  input:", f"    bits: {rng.choice([1, 2, 4, 8])}"]
    if rng.random() < 0.3:
        lines += [f"clock_mhz: {rng.choice([50, 200, 2500])}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(20))
def test_a_validated_chip_compiles_runs_or_does_not_fit(tmp_path, seed):
    rng = random.Random(seed)
    chip = tmp_path / "chip.yaml"
    chip.write_text(derived_chip(rng, seed))
    v = run_aimc("chip", "validate", chip)
    if v.returncode != 0:  # refused: one line naming the file
        assert v.returncode == 2 and len(v.stderr.strip().splitlines()) == 1 and str(chip.name) in v.stderr, v.stderr
        return
    model, data = rng.choice(MODELS)
    program = tmp_path / "p.json"
    c = run_aimc("compile", "--model", ROOT / "models" / model, "--chip", chip, "--calibration-data", data,
                 "--allow-quantize", "-o", program, "--quiet")
    if c.returncode != 0:  # does not fit: too few crossbars, or a layer this chip cannot map (named)
        lines = c.stderr.strip().splitlines()
        assert c.returncode == 2 and len(lines) == 1, (chip.read_text(), c.stderr)
        assert "crossbars of" in lines[0] or "node '" in lines[0], lines[0]
        return
    p = run_aimc("perf", "--program", program, "--chip", chip, "--images", 4, "--json", tmp_path / "perf.json")
    assert p.returncode == 0, (chip.read_text(), p.stderr)
    f = json.loads((tmp_path / "perf.json").read_text())
    for key in ("latency_s", "inferences_per_s", "tops", "energy_per_inference_j"):
        assert math.isfinite(f[key]) and f[key] > 0, (key, f[key])
    assert f["latency_s"] >= f["critical_path_s"] * (1 - 1e-9)
    assert f["inferences_per_s"] <= f["array_bound_inferences_per_s"] * (1 + 1e-9)
    e = run_aimc("eval", "--program", program, "--chip", chip, "--data", data, "--limit", 16, "--batch", 8,
                 "--drift-times", "1s", "--allow-quantize", "--json", tmp_path / "eval.json", timeout=600)
    assert e.returncode == 0, (chip.read_text(), e.stderr)
    accuracy = json.loads((tmp_path / "eval.json").read_text())["chip"][0]["accuracy_mean"]
    assert 0 <= accuracy <= 1
