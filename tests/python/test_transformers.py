"""Transformers as torch 1.13 exports them (the op-model fixtures of tests/python/op_models.py: torch's
MultiheadAttention, TransformerEncoderLayer and TransformerDecoderLayer, static batch-1 exports (batch first and
sequence first), torchvision's
VisionTransformer, a BERT-style encoder with a padding mask and a GPT-style decoder; and bidirectional LSTMs and
GRUs, lowered to a forward and a time-reversed layer per direction): they compile on `hermes`
and `cluster-512` with every weight matrix on crossbars and the attention (QK^T, softmax, AV) on the digital units
or the host; `perf` prices them; on the simulated chip a graph that runs sample by sample gives bit-identical
outputs at 1 and 2 threads and whatever the batch. (That they match torch is test_forward_vs_torch.py.)

Run (from the repository root):
    AIMC_BIN=build/aimc PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_transformers.py
"""
import json
import os

import numpy as np
import pytest

from helpers import aimc_bin, case_entry, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

# Fixture -> the weight matrices of the torch module (nn.Linear, in_proj split in q and kv for cross-attention, the
# ViT's patch conv): each is one crossbar layer.
WEIGHT_LAYERS = {"mha_torch": 5, "transformer_encoder_layer": 4, "transformer_decoder_layer": 7,
                 "transformer_encoder_static_batch1": 4, "transformer_encoder_seqfirst_static_batch1": 4, "vit_tiny": 6,
                 "bert_tiny": 10, "gpt_tiny": 9,
                 "lstm_bidirectional_2layer": 4,  # an LSTM layer per direction and layer
                 "gru_bidirectional_2layer": 4}


@pytest.mark.parametrize("chip", ["hermes", "cluster-512"])
@pytest.mark.parametrize("name", sorted(WEIGHT_LAYERS))
def test_compile_puts_weights_on_crossbars_and_attention_digital(op_fixtures, name, chip, tmp_path):
    folder, manifest = op_fixtures
    entry = case_entry(manifest, name)
    out = tmp_path / "c.json"
    proc = run_aimc("compile", "--model", folder / entry["model"], "--chip", chip, "--json", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert len(report["layers"]) == WEIGHT_LAYERS[name], [layer["name"] for layer in report["layers"]]
    host = report["off_chip_ops"]
    if chip == "cluster-512":  # programmable RISC-V cores in every cluster: nothing leaves the chip
        assert host == [], host
    elif name.startswith(("lstm", "gru")):  # no attention
        pass
    else:  # HERMES's digital units have no matrix product: activation x activation MatMuls go to the host
        assert any("(MatMul)" in op for op in host), host


def test_perf_breaks_down_a_vit(op_fixtures, tmp_path):
    folder, manifest = op_fixtures
    out = tmp_path / "p.json"
    proc = run_aimc("perf", "--model", folder / case_entry(manifest, "vit_tiny")["model"], "--chip", "cluster-512",
                    "--json", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    energy = json.loads(out.read_text())["energy_per_inference_by_component_j"]
    assert energy["crossbar"] > 0 and energy["digital"] > 0, energy


@pytest.fixture(scope="module")
def aimc_module():
    if os.environ.get("AIMC_PYTHON_MODULE") == "0":
        pytest.skip("built without the Python module")
    return pytest.importorskip("aimc")


@pytest.mark.parametrize("name", ["vit_tiny", "gpt_tiny", "transformer_encoder_static_batch1",
                                  "transformer_encoder_seqfirst_static_batch1", "lstm_bidirectional_2layer",
                                  "gru_bidirectional_2layer"])
def test_chip_outputs_do_not_depend_on_threads_or_batch(aimc_module, op_fixtures, name):
    folder, manifest = op_fixtures
    entry = case_entry(manifest, name)
    inputs = [np.load(folder / i["file"]) for i in entry["inputs"]]
    program = aimc_module.compile(str(folder / entry["model"]), "hermes")
    x = inputs[0]
    def run(x, threads=1):  # the first output
        out = aimc_module.run(program, "hermes", x, t="1d", seed=3, threads=threads)
        return out[0] if isinstance(out, list) else out

    one, two = run(x, 1), run(x, 2)
    assert np.array_equal(one, two)
    axis = entry["batch_axis"]
    first = run(np.take(x, [0], axis=axis))
    assert np.array_equal(np.take(one, [0], axis=axis), first)
    want = np.load(folder / entry["outputs"][0]["file"])
    assert np.abs(one - want).max() > 0  # the chip is noisy ...
    assert np.corrcoef(one.ravel(), want.ravel())[0, 1] > 0.9  # ... but computes the same network


def test_sequence_first_model_calibrates_on_arrays_in_its_layout(aimc_module, op_fixtures):
    """Calibration samples are given as the model takes them (torch's sequence-first encoder layer: [L, N, E], the
    batch at axis 1); a batch-first array is refused with the layout it needs."""
    folder, manifest = op_fixtures
    entry = case_entry(manifest, "transformer_encoder_seqfirst_static_batch1")
    assert entry["batch_axis"] == 1
    x = np.load(folder / entry["inputs"][0]["file"])  # [6, 3, 16]
    program = aimc_module.compile(str(folder / entry["model"]), "hermes", calibration_data=x)
    assert program.to_dict()["calibration"] == "3 given samples"
    with pytest.raises(aimc_module.Error, match="the batch at axis 1"):
        aimc_module.compile(str(folder / entry["model"]), "hermes", calibration_data=np.swapaxes(x, 0, 1))


def test_a_model_of_two_inputs_runs_on_the_chip(aimc_module, op_fixtures):
    """run() takes a list of arrays for a model of several inputs (torch's TransformerDecoderLayer: target and
    memory, sequence-first); the outputs have torch's shape, stay near the digital ones and do not depend on the
    thread count."""
    folder, manifest = op_fixtures
    entry = case_entry(manifest, "transformer_decoder_layer")
    inputs = [np.load(folder / i["file"]) for i in entry["inputs"]]
    want = np.load(folder / entry["outputs"][0]["file"])
    program = aimc_module.compile(str(folder / entry["model"]), "hermes")
    one = aimc_module.run(program, "hermes", inputs, t="1h", seed=1, threads=1)
    two = aimc_module.run(program, "hermes", tuple(inputs), t="1h", seed=1, threads=2)
    assert one.shape == want.shape and np.array_equal(one, two)
    assert np.corrcoef(one.ravel(), want.ravel())[0, 1] > 0.8
    with pytest.raises(aimc_module.Error):
        aimc_module.run(program, "hermes", inputs[:1])
