"""aimc eval: digital vs chip accuracy over drift times; JSON fields; bad inputs exit 2 with one line."""

import json

import pytest

from helpers import ROOT, aimc_bin, one_line_error, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is not set")

MNIST = f"mnist:{ROOT}/data/mnist-test-1k"
CIFAR = f"cifar10:{ROOT}/data/cifar10-test-500"
LENET = ROOT / "models" / "mnist_lenet.onnx"


def test_eval_json_fields_and_accuracy_close_to_digital(tmp_path):
    out = tmp_path / "eval.json"
    r = run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 1000,
                 "--drift-times", "1s,1d", "--repeats", 2, "--seed", 7, "--json", out, timeout=900)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no progress bar in a pipe
    j = json.loads(out.read_text())
    assert j["seed"] == 7
    assert j["chip_name"] == "hermes"
    assert j["resolved_chip"]["name"] == "hermes"
    digital = j["digital"]["accuracy"]
    assert digital > 0.9
    assert [row["t_s"] for row in j["chip"]] == [1, 86400]
    for row in j["chip"]:
        assert row["repeats"] == 2
        assert len(row["accuracy"]) == 2
        assert 0 <= row["accuracy_std"] < 0.05
    # t = 1 s on hermes: within a few points of digital
    assert abs(j["chip"][0]["accuracy_mean"] - digital) < 0.03
    assert "digital" in r.stdout and "chip t=1s" in r.stdout


@pytest.mark.parametrize("policy, tunables, huge", [(None, None, True), ("active", "glibc.malloc.hugetlb=0", False),
                                                    ("PASSIVE", "glibc.malloc.check=0", True)])
def test_eval_threads_wait_passively_unless_told(tmp_path, policy, tunables, huge):
    """The CLI restarts itself with OMP_WAIT_POLICY=passive when it is unset, and with malloc asking for
    huge pages unless GLIBC_TUNABLES says otherwise (apps/aimc/main.cpp); what the user sets is kept. The
    eval result records both, and the results do not depend on them."""
    import os
    import subprocess
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GLIBC_TUNABLES")}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    out = tmp_path / "eval.json"
    r = subprocess.run([aimc_bin(), "eval", "--model", str(LENET), "--chip", "hermes", "--data", MNIST, "--limit", "64",
                        "--drift-times", "1h", "--threads", "2", "--seed", "5", "--json", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    j = json.loads(out.read_text())
    assert j["timing"]["wait_policy"] == (policy or "passive").lower()
    assert j["timing"]["malloc_huge_pages"] is huge
    assert f"{(policy or 'passive').lower()} waits" in r.stdout
    reference = tmp_path.parent / "wait_policy_accuracy.json"  # shared by the parameters: same figures
    if reference.exists():
        assert json.loads(reference.read_text()) == j["chip"][0]["accuracy"]
    else:
        reference.write_text(json.dumps(j["chip"][0]["accuracy"]))


def test_eval_program_equals_model_path(tmp_path):
    prog = tmp_path / "p.json"
    # eval --model calibrates on the first 64 samples of its --data; compile does the same when told
    r = run_aimc("compile", "--model", LENET, "--chip", "hermes", "-o", prog, "--calibration-data", MNIST)
    assert r.returncode == 0, r.stderr
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    common = ["--chip", "hermes", "--data", MNIST, "--limit", 100, "--drift-times", "1h", "--seed", 3]
    assert run_aimc("eval", "--program", prog, *common, "--json", a, "--batch", 64, "--threads", 1).returncode == 0
    assert run_aimc("eval", "--model", LENET, *common, "--json", b, "--batch", 7, "--threads", 2).returncode == 0
    ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ja["chip"][0]["accuracy"] == jb["chip"][0]["accuracy"]
    assert ja["digital"] == jb["digital"]


def test_eval_rejects_a_program_for_another_chip(tmp_path):
    prog = tmp_path / "p.json"
    assert run_aimc("compile", "--model", LENET, "--chip", "hermes", "-o", prog).returncode == 0
    line = one_line_error(run_aimc("eval", "--program", prog, "--chip", "hermes-core", "--data", MNIST, "--limit", 10))
    assert "chip" in line


def test_eval_rejects_a_dataset_of_another_shape():
    line = one_line_error(run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", CIFAR, "--limit", 10))
    assert "do not match the model input" in line


@pytest.mark.parametrize("times", ["1x", "abc", "1s,,1h", "-1s", ""])
def test_eval_rejects_bad_drift_times(times):
    line = one_line_error(run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 10,
                                   "--drift-times", times))
    assert "--drift-times" in line


def test_eval_rejects_zero_repeats():
    line = one_line_error(run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 10,
                                   "--repeats", 0))
    assert "--repeats" in line


def test_eval_needs_model_or_program():
    one_line_error(run_aimc("eval", "--chip", "hermes", "--data", MNIST))


def test_eval_language_model_reports_perplexity(tmp_path):
    """An untrained (seeded) CharLSTM exported like models/lstm_ptb/train.py: the tokens path runs end to end
    (sequence-first input, LSTM gate matrices on crossbars) and the chip's perplexity is near the digital one."""
    torch = pytest.importorskip("torch")
    import sys
    sys.path.insert(0, str(ROOT / "models" / "lstm_ptb"))
    from model import CharLSTM
    torch.manual_seed(0)
    model = CharLSTM(vocab=50, embed=16, hidden=64).eval()
    onnx_path = tmp_path / "lstm.onnx"
    torch.onnx.export(model, torch.zeros(20, 2, dtype=torch.int64), onnx_path, opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {1: "batch"}, "output": {1: "batch"}})
    ptb = ROOT / "data" / "ptb-test-excerpt"
    data = f"tokens:{ptb / 'ptb.test.txt'},vocab={ptb / 'vocab.txt'},level=char,seq=20"
    out = tmp_path / "lm.json"
    r = run_aimc("eval", "--model", onnx_path, "--chip", "hermes", "--data", data, "--limit", 40,
                 "--drift-times", "1s", "--json", out)
    assert r.returncode == 0, r.stderr
    j = json.loads(out.read_text())
    assert j["metric"] == "perplexity"
    digital = j["digital"]["perplexity"]
    assert 20 < digital < 80  # untrained: near the vocabulary size
    assert abs(j["chip"][0]["perplexity_mean"] - digital) < 0.1 * digital
    assert "perplexity" in r.stdout


def test_eval_without_labels_reports_the_output_error_against_the_reference(tmp_path):
    """Data without labels (npy:X.npy) evaluates any model: the chip's first output against the fp32 reference's,
    ‖chip − reference‖ / ‖reference‖, equal to the same computed here from aimc forward and the Python module's run
    of the same Program (at seed 0, t = 1 s, all samples in one batch on one thread); its report plots it. A reference
    that is all zero is refused."""
    np = pytest.importorskip("numpy")
    aimc = pytest.importorskip("aimc")
    x = np.random.default_rng(3).random((5, 1, 28, 28), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    out, program = tmp_path / "e.json", tmp_path / "p.json"
    assert run_aimc("compile", "--model", LENET, "--chip", "hermes", "--calibration-data", f"npy:{tmp_path / 'x.npy'}",
                    "-o", program).returncode == 0
    r = run_aimc("eval", "--program", program, "--chip", "hermes", "--data", f"npy:{tmp_path / 'x.npy'}",
                 "--drift-times", "1s,1y", "--batch", 2, "--threads", 2, "--json", out)  # 3 batches, 2 threads
    assert r.returncode == 0, r.stderr
    j = json.loads(out.read_text())
    assert j["metric"] == "output_error" and j["digital"] == {"output_error": 0.0} and j["samples"] == 5
    assert "output error" in r.stdout and "chip t=1s" in r.stdout
    ref = tmp_path / "ref.npy"
    assert run_aimc("forward", "--model", LENET, "--input", tmp_path / "x.npy", "-o", ref).returncode == 0
    reference = np.load(ref).astype(np.float64)
    chip = aimc.run(str(program), "hermes", x, t="1s", seed=0).astype(np.float64)
    want = np.sqrt(((chip - reference) ** 2).sum() / (reference ** 2).sum())
    assert j["chip"][0]["output_error_mean"] == pytest.approx(want, rel=1e-9)
    assert 0 < j["chip"][0]["output_error_mean"] < j["chip"][1]["output_error_mean"]  # drift: worse after a year
    html = tmp_path / "r.html"
    assert run_aimc("report", out, "-o", html).returncode == 0
    assert "Output error over time since programming" in html.read_text()
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Mul", ["c", "zero"], ["y"])]
    inits = [numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w"),
             numpy_helper.from_array(np.array(0, np.float32), "zero")]
    graph = helper.make_graph(nodes, "zero", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "zero.onnx"))
    np.save(tmp_path / "z.npy", x[:2, :, :6, :6])
    r = run_aimc("eval", "--model", tmp_path / "zero.onnx", "--chip", "hermes", "--data", f"npy:{tmp_path / 'z.npy'}",
                 "--drift-times", "1s")
    one_line_error(r, "the reference's outputs are all zero on these samples")


def test_eval_counts_adc_saturation_per_layer(tmp_path):
    # The BNN's hidden layers drive every row with ±1: on hermes's ADC range (aihwkit's out_bound 12) most
    # of their columns saturate, on a derived chip with a 50× wider range almost none do. The counts are
    # integers, the same at 1 and 2 threads, and the text names the worst layer.
    bnn = ROOT / "models" / "bnn_mnist.onnx"
    wide = tmp_path / "wide.yaml"
    wide.write_text("base: hermes\nname: hermes-wide-adc\ncores:\n  adc:\n    full_scale: 600\n")
    rows = {}
    for chip, threads in (("hermes", 1), ("hermes", 2), (wide, 1)):
        out = tmp_path / f"{threads}-{len(rows)}.json"
        r = run_aimc("eval", "--model", bnn, "--chip", chip, "--data", MNIST, "--limit", 200, "--batch", 50,
                     "--drift-times", "1s", "--threads", threads, "--allow-quantize", "--adc-saturation", "--json", out,
                     timeout=600)
        assert r.returncode == 0, r.stderr
        rows[(str(chip), threads)] = json.loads(out.read_text())["chip"][0]
        if chip == "hermes" and threads == 1:
            assert "ADC saturated" in r.stdout and "(most: " in r.stdout, r.stdout
    narrow, wide_row = rows[("hermes", 1)], rows[(str(wide), 1)]
    assert narrow["adc_saturation"] == rows[("hermes", 2)]["adc_saturation"]
    layers = narrow["adc_saturation"]
    assert len(layers) >= 2 and all(l["conversions"] > 0 for l in layers)
    assert sum(l["saturated"] for l in layers) / sum(l["conversions"] for l in layers) == narrow["adc_saturated_fraction"]
    assert narrow["adc_saturated_fraction"] > 0.2
    assert max(l["saturated"] / l["conversions"] for l in layers) > 0.4
    assert wide_row["adc_saturated_fraction"] < 0.01
    # without the flag nothing is counted or written
    out = tmp_path / "plain.json"
    r = run_aimc("eval", "--model", bnn, "--chip", "hermes", "--data", MNIST, "--limit", 50, "--drift-times", "1s",
                 "--allow-quantize", "--json", out, timeout=600)
    assert r.returncode == 0 and "ADC saturated" not in r.stdout, r.stderr
    assert "adc_saturation" not in json.loads(out.read_text())["chip"][0]
