"""The Python module `aimc` (python/, docs/python.md): chips, compile from a path, bytes or a torch module,
evaluate on a spec or on arrays, run one batch, perf — each result's to_dict() equal to the CLI's --json file,
errors as aimc.Error with the library's one-line message, the GIL released while the core works."""
import gzip
import json
import re
import os
import threading
import time

import numpy as np
import pytest

from helpers import ROOT, aimc_bin, run_aimc

if os.environ.get("AIMC_PYTHON_MODULE") == "0":
    pytest.skip("built without the Python module (AIMC_BUILD_PYTHON=OFF)", allow_module_level=True)
aimc = pytest.importorskip("aimc") if os.environ.get("AIMC_PYTHON_MODULE") is None else __import__("aimc")

LENET = str(ROOT / "models" / "mnist_lenet.onnx")
MNIST = f"mnist:{ROOT / 'data' / 'mnist-test-1k'}"


def mnist_arrays(n):
    """The first n images (f32 [n, 1, 28, 28] in [0, 1]) and labels of the committed MNIST subset."""
    d = ROOT / "data" / "mnist-test-1k"
    with gzip.open(d / "t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(d / "t10k-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return x.astype(np.float32) / 255, y.astype(np.int64)


@pytest.fixture(scope="module")
def hermes():
    return aimc.Chip.preset("hermes")


@pytest.fixture(scope="module")
def lenet(hermes):
    return aimc.compile(LENET, hermes, calibration_data=MNIST)


def test_importing_aimc_makes_idle_openmp_threads_sleep():
    """A fresh interpreter: `import aimc` sets OMP_WAIT_POLICY=passive before its extension loads OpenMP,
    and keeps a policy the user set."""
    import subprocess
    import sys
    code = "import os, aimc; print(os.environ['OMP_WAIT_POLICY'])"
    for given, want in [(None, "passive"), ("active", "active")]:
        env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
        if given:
            env["OMP_WAIT_POLICY"] = given
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == want


def test_chips_presets_files_and_overrides(tmp_path, hermes):
    assert "hermes" in aimc.Chip.presets()
    assert hermes.name == "hermes" and hermes.to_dict()["cores"]["count"] == 64
    f = tmp_path / "mine.yaml"
    f.write_text("base: hermes\nname: mine\ncores:\n  adc:\n    bits: 6\n")
    mine = aimc.Chip.load(str(f))
    over = hermes.with_overrides({"cores.adc.bits": 6, "name": "mine"})
    assert over.to_dict() == mine.to_dict()  # an override is the same chip as the file saying it
    assert hermes.to_dict()["cores"]["adc"]["bits"] != 6  # the original is unchanged
    peak = hermes.peak()
    if aimc_bin():
        show = tmp_path / "show.json"
        assert run_aimc("chip", "show", "hermes", "--json", show).returncode == 0
        assert json.loads(show.read_text())["peak"] == peak
    with pytest.raises(aimc.Error, match=r"cores.adc.bitz: unknown key \(did you mean 'bits'\?\)"):
        hermes.with_overrides({"cores.adc.bitz": 6})
    with pytest.raises(aimc.Error, match="cores.adc.bits"):
        hermes.with_overrides({"cores.adc.bits": "six"})
    with pytest.raises(aimc.Error, match="unknown chip 'hermse'"):
        aimc.Chip.preset("hermse")
    with pytest.raises(aimc.Error, match="Chip.load reads files"):
        aimc.Chip.preset(str(f))
    assert isinstance(aimc.Error("x"), ValueError)


def test_compile_from_a_path_bytes_and_report(hermes, lenet):
    from_bytes = aimc.compile(open(LENET, "rb").read(), hermes, calibration_data=MNIST)
    a, b = lenet.to_dict(), from_bytes.to_dict()
    assert a["result"] == "compile" and a["schema_version"] >= 1
    assert len(a["model_sha256"]) == 64 and b["model_sha256"] == "" and b["model"] == ""
    for key in ("model", "model_sha256"):  # a model given as bytes has no file
        a.pop(key), b.pop(key)
    assert a == b
    assert "floor plan" in lenet.report()
    assert len(lenet.to_rows()) == len(a["layers"])
    with pytest.raises(aimc.Error, match="model"):
        aimc.compile(3.5, hermes)


def test_a_program_runs_only_on_the_chip_it_was_compiled_for(hermes, lenet):
    """As the CLI's --program: another chip's cores, units and memories are not the ones the mapping names (a
    hermes Program on cluster-512 crashed perf and ran silently on `run` until 2026-12-07), and a chip with other
    parameters (with_overrides) needs the model compiled again."""
    x, y = mnist_arrays(2)
    six = hermes.with_overrides({"cores.adc.bits": 6})
    for chip, says in (("cluster-512", r"compiled for chip 'hermes' \(sha256 \w+\), not for 'cluster-512'"),
                       (six, "compiled for another description of chip 'hermes'")):
        for call in (lambda: aimc.perf(lenet, chip, images=2), lambda: aimc.run(lenet, chip, x),
                     lambda: aimc.evaluate(lenet, chip, x, y, drift_times=["1s"])):
            with pytest.raises(aimc.Error, match="^program: chip: the program was " + says):
                call()
    again = aimc.compile(LENET, six, calibration_data=MNIST)
    assert aimc.perf(again, six, images=2).inferences_per_s > 0 and aimc.run(again, six, x).shape == (2, 10)


def test_option_values_no_run_can_mean_are_errors(hermes, lenet):
    """The checks the CLI's parser makes, made where every front door passes (a negative batch ran as "all", a
    NaN or negative host throughput and a peak precision above the encoder's ran as another value, a NaN input
    became some input code, 0 threads all of the machine's; until 2026-12-07)."""
    for kw, says in ((dict(batch=-1), "batch: -1: expected 0"), (dict(host_gops=float("nan")), "host_gops: nan"),
                     (dict(host_gops=-1.0), "host_gops: -1"), (dict(host_gops=float("inf")), "host_gops: inf"),
                     (dict(chunks=4097), "chunks: 4097: expected 0 \\(auto\\) or a whole number 1 to 4096")):
        with pytest.raises(aimc.Error, match="^" + says):
            aimc.perf(lenet, hermes, images=2, **kw)
    assert aimc.perf(lenet, hermes, images=2, host_gops=0.0).inferences_per_s > 0  # 0: the host's ops take no time
    with pytest.raises(aimc.Error, match=r"^chip: the run's time or energy is not finite \(its busiest resource: host\)"):
        aimc.perf(lenet, hermes, images=2, host_gops=1e-308)  # gave an infinite latency and a NaN share
    for bits in (-1, 9):
        with pytest.raises(aimc.Error, match=rf"^peak_bits: {bits}: expected 0 \(the input encoder's 8 bits\) or 1 to 8"):
            aimc.perf(None, hermes, peak=True, peak_bits=bits)
    x, _ = mnist_arrays(2)
    for threads in (0, 1025):
        with pytest.raises(aimc.Error, match=f"^threads: {threads}: expected a whole number 1 to 1024"):
            aimc.run(lenet, hermes, x, threads=threads)
    with pytest.raises(aimc.Error, match="^repeats: 2147483648: expected a whole number 1 to 100000"):  # ran for ever
        aimc.evaluate(lenet, hermes, x, np.array([7, 2]), drift_times=["1s"], repeats=2 ** 31)
    x[1, 0, 3, 3] = np.nan
    with pytest.raises(aimc.Error, match=r"^input '\w+': holds a non-finite value \(nan\) in sample 1; expected finite"):
        aimc.run(lenet, hermes, x)
    # Calibration: NaN samples set no range, an empty array is not "no samples given" (they compiled with NaN
    # ranges, and on synthetic inputs), and a negative count of a dataset's samples is not synthetic inputs (0 is).
    with pytest.raises(aimc.Error, match=r"^calibration_data: sample 1 holds a non-finite value \(nan\)"):
        aimc.compile(LENET, hermes, calibration_data=x)
    with pytest.raises(aimc.Error, match=r"^calibration_data: no samples in \[0, 1, 28, 28\]"):
        aimc.compile(LENET, hermes, calibration_data=x[:0])
    with pytest.raises(aimc.Error, match=r"^calibration_samples: -1: expected a whole number ≥ 1 \(or 0: synthetic"):
        aimc.compile(LENET, hermes, calibration_data=MNIST, calibration_samples=-1)
    assert "synthetic" in aimc.compile(LENET, hermes, calibration_data=MNIST, calibration_samples=0).to_dict()["calibration"]
    for limit in (0, -5):  # 0 read as "the dataset has no labels", -5 as every sample
        with pytest.raises(aimc.Error, match=f"^limit: {limit}: expected -1"):
            aimc.evaluate(lenet, hermes, MNIST, limit=limit, drift_times=["1s"])
    with pytest.raises(aimc.Error, match="^limit: applies to a dataset spec"):  # was ignored
        aimc.evaluate(lenet, hermes, x[:1], np.array([7]), limit=1, drift_times=["1s"])



def test_times_are_checked_and_named_by_their_keyword(hermes, lenet):
    """A negative or NaN number of seconds reached the chip model, whose error named no keyword; a unit of several
    letters was named by its last one ('1 fortnight': unit 't'); run's `t` was called drift_times (until
    2026-12-08)."""
    assert aimc.parse_time("1 h") == aimc.parse_time("1h") == aimc.parse_time(3600) == 3600.0
    assert aimc.parse_time(np.float32(1.5)) == 1.5 and aimc.parse_time("2w") == 14 * 86400.0
    x, _ = mnist_arrays(2)
    for t in (-1, float("nan"), float("inf"), True):
        with pytest.raises(aimc.Error, match=r"^t: .* not a time"):
            aimc.run(lenet, hermes, x, t=t)
        with pytest.raises(aimc.Error, match=r"^drift_times: .* not a time"):
            aimc.evaluate(lenet, hermes, x, np.array([7, 2]), drift_times=[1, t])
    with pytest.raises(aimc.Error, match=r"^t: '1 fortnight': unknown unit 'fortnight'; expected one of s, m, h, d, w, y"):
        aimc.run(lenet, hermes, x, t="1 fortnight")
    with pytest.raises(aimc.Error, match=r"^t: '1s,1d' is 2 times; expected one$"):
        aimc.run(lenet, hermes, x, t="1s,1d")
    with pytest.raises(aimc.Error, match=r"^drift_times: '10min': unknown unit 'min'"):
        aimc.evaluate(lenet, hermes, x, np.array([7, 2]), drift_times=["1s", "10min"])
    assert np.array_equal(aimc.run(lenet, hermes, x, t="1d", seed=2), aimc.run(lenet, hermes, x, t=86400, seed=2))

def test_the_rounded_weights_warning_lists_the_largest_errors():
    """One line, not a table: ResNet-20 (fp32 weights) on cluster-512's 4-bit cells lists its five largest
    rounding errors and points at the Program for the rest (a ResNet-50 listed all 54 on every perf run)."""
    program = aimc.compile(str(ROOT / "models" / "resnet20_cifar10.onnx"), "cluster-512")
    (warning,) = [w for w in program.warnings if "fp32 weights" in w]
    n = int(warning.split(" layer(s)")[0])
    listed = warning.split("largest first: ")[1].split(", and ")[0].split(", ")
    assert n > 5 and len(listed) == 5 and f"and {n - 5} more: the Program's layers[].quant.weight_error_rms" in warning
    errors = [float(item.rsplit("(", 1)[1].rstrip("%)")) for item in listed]
    assert errors == sorted(errors, reverse=True)


def test_calibration_samples_as_arrays_equal_the_dataset_spec(hermes, lenet):
    x, _ = mnist_arrays(64)
    on_arrays = aimc.compile(LENET, hermes, calibration_data=x).to_dict()
    ranges = [layer["input_range"] for layer in on_arrays["layers"]]
    assert ranges == [layer["input_range"] for layer in lenet.to_dict()["layers"]]  # lenet: the spec's first 64
    assert on_arrays["calibration"] == "64 given samples"
    with pytest.raises(aimc.Error, match=r"calibration_data: samples f32 \[64, 28, 28\] do not match"):
        aimc.compile(LENET, hermes, calibration_data=x[:, 0])


def test_a_model_of_two_inputs_calibrates_on_an_array_per_input(hermes):
    """A torch module of two inputs (a tuple example) calibrates on one array per input, in its input order: each
    layer's input range follows its own input's samples (it compiled on synthetic inputs only, before 2026-12-07)."""
    torch = pytest.importorskip("torch")

    class TwoInputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(8, 16), torch.nn.Linear(4, 16)

        def forward(self, x, y):
            return torch.relu(self.a(x) + self.b(y))

    torch.manual_seed(0)
    net = TwoInputs().eval()
    x, y = torch.rand(6, 8), torch.rand(6, 4) * 10
    program = aimc.compile(net, hermes, example=(x, y), calibration_data=[x, y])
    once = program.to_dict()
    thrice = aimc.compile(net, hermes, example=(x, y), calibration_data=(3 * x, 3 * y)).to_dict()
    assert once["calibration"] == "6 given samples"
    highs = [layer["input_range"][1] for layer in once["layers"]]
    assert highs == pytest.approx([float(x.max()), float(y.max())], rel=1e-6)
    assert [layer["input_range"][1] for layer in thrice["layers"]] == pytest.approx([3 * h for h in highs], rel=1e-6)
    with pytest.raises(aimc.Error, match=r"^calibration_data: 1 array\(s\) of samples for a model of 2 input\(s\)"):
        aimc.compile(net, hermes, example=(x, y), calibration_data=x)
    with pytest.raises(aimc.Error, match=r"^calibration_data: the array for input 'input1' holds 4 samples, the first"):
        aimc.compile(net, hermes, example=(x, y), calibration_data=[x, y[:4]])
    out = aimc.run(program, hermes, [x, y])
    assert out.shape == (6, 16)


def test_evaluate_and_perf_give_the_clis_json(tmp_path, hermes, lenet):
    r = aimc.evaluate(lenet, hermes, MNIST, limit=32, drift_times=["1s", "1d"], repeats=2, threads=2)
    assert r.metric == "accuracy" and len(r.times_s) == 2 and r.times_s[1] == 86400
    assert [row["t_s"] for row in r.to_rows()] == r.times_s
    p = aimc.perf(lenet, hermes, images=4)
    if not aimc_bin():
        return
    ej, pj = tmp_path / "e.json", tmp_path / "p.json"
    assert run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 32, "--drift-times",
                    "1s,1d", "--repeats", 2, "--json", ej, timeout=600).returncode == 0
    assert run_aimc("perf", "--model", LENET, "--chip", "hermes", "--images", 4, "--calibration-data", MNIST,
                    "--json", pj).returncode == 0
    cli_e, cli_p = json.loads(ej.read_text()), json.loads(pj.read_text())
    mine_e, mine_p = r.to_dict(), p.to_dict()
    for d in (cli_e, mine_e):
        d.pop("timing")  # wall-clock figures and thread counts
    for d in (cli_p, mine_p):
        d.pop("simulator")
    assert mine_e == cli_e
    assert mine_p == cli_p
    assert p.tops_per_w == pytest.approx(cli_p["tops_per_w"]) and p.latency_s == pytest.approx(cli_p["latency_s"])
    assert (p.throughput_basis, p.throughput_period) == (cli_p["throughput_basis"], cli_p["throughput_period"])


def test_perf_streams_in_slices_by_default(tmp_path, hermes, lenet):
    """perf(chunks="auto"), the default as on the CLI: of 1, 2, 4 … up to slices of whole rows of the smallest
    conv output before the classifier (which gathers them), the slicing with which the closed-form model ends
    the run soonest; chunks=1 runs whole-inference tasks, for the same energy."""
    lenet.save(str(tmp_path / "p.json"))
    rows = [layer["output_rows"] for layer in json.loads((tmp_path / "p.json").read_text())["layers"]
            if layer["kind"] == "conv"]
    assert rows == [24, 8]
    auto, whole = aimc.perf(lenet, hermes, images=4).to_dict(), aimc.perf(lenet, hermes, images=4, chunks=1).to_dict()
    assert auto["chunks_candidates"] == [1, 2, 4, 8] and auto["slices_gather"] is not None
    closed = {k: aimc.perf(lenet, hermes, images=4, chunks=k, simulator="analytic").to_dict()["makespan_s"]
              for k in auto["chunks_candidates"]}
    assert auto["chunks"] == min(closed, key=closed.get) > 1
    assert (whole["chunks"], whole["slices_gather"]) == (1, None)
    assert auto["latency_s"] < whole["latency_s"]
    assert auto["energy_per_inference_j"] == pytest.approx(whole["energy_per_inference_j"], rel=1e-9)
    assert aimc.perf(lenet, hermes, images=4, chunks="auto").to_dict()["latency_s"] == auto["latency_s"]
    for bad in (0, -2, "8", 2.5, True):
        with pytest.raises(ValueError, match="chunks"):
            aimc.perf(lenet, hermes, chunks=bad)


def test_perf_analytic_as_on_the_cli(hermes, lenet):
    """perf(simulator="analytic"): the closed-form model, as `aimc perf --simulator analytic`: the same dynamic
    energy to the last bit; without a bound on the stage buffers LeNet's stages do not contend, so its
    throughput is the event simulation's; the bound of two items slows it; a bad name is refused."""
    event = aimc.perf(lenet, hermes, images=8, stage_buffers="unbounded").to_dict()
    closed = aimc.perf(lenet, hermes, images=8, stage_buffers="unbounded", simulator="analytic").to_dict()
    assert event["simulator"]["kind"] == "event" and closed["simulator"]["kind"] == "analytic"
    assert closed["dynamic_energy_per_inference_j"] == event["dynamic_energy_per_inference_j"]
    assert closed["inferences_per_s"] == pytest.approx(event["inferences_per_s"], rel=1e-6)
    bounded = aimc.perf(lenet, hermes, images=8, simulator="analytic").to_dict()
    assert bounded["stage_buffers"] == 2 and bounded["inferences_per_s"] < 0.95 * closed["inferences_per_s"]
    with pytest.raises(ValueError, match="simulator"):
        aimc.perf(lenet, hermes, simulator="events")


def test_perf_stage_buffers_as_on_the_cli(hermes, lenet):
    """perf(stage_buffers=...): None (the default, 2 items per stage), "unbounded" or a whole number, as
    `aimc perf --stage-buffers`; one item of room holds the next inference back."""
    default = aimc.perf(lenet, hermes, images=8).to_dict()
    assert default["stage_buffers"] == 2
    assert aimc.perf(lenet, hermes, images=8, stage_buffers=2).to_dict()["makespan_s"] == default["makespan_s"]
    assert aimc.perf(lenet, hermes, images=8, stage_buffers="unbounded").to_dict()["stage_buffers"] is None
    one = aimc.perf(lenet, hermes, images=8, stage_buffers=1).to_dict()
    assert one["stage_buffers"] == 1 and one["makespan_s"] >= default["makespan_s"]
    assert max(layer["buffer_peak_inferences"] for layer in one["layers"]) <= 1 + 1e-9
    for bad in (0, -1, "2", 1.5, True):
        with pytest.raises(ValueError, match="stage_buffers"):
            aimc.perf(lenet, hermes, stage_buffers=bad)


def test_evaluate_counts_adc_saturation_when_asked(hermes, lenet):
    plain = aimc.evaluate(lenet, hermes, MNIST, limit=16, drift_times=[1], seed=3).to_dict()["chip"][0]
    counted = aimc.evaluate(lenet, hermes, MNIST, limit=16, drift_times=[1], seed=3, adc_saturation=True).to_dict()["chip"][0]
    assert "adc_saturation" not in plain and counted["accuracy"] == plain["accuracy"]
    assert [layer["conversions"] > 0 for layer in counted["adc_saturation"]] == [True] * len(lenet.to_dict()["layers"])
    assert 0 <= counted["adc_saturated_fraction"] <= 1


def test_evaluate_on_arrays_equals_the_dataset_spec(hermes, lenet):
    x, y = mnist_arrays(32)
    on_arrays = aimc.evaluate(lenet, hermes, x, y, drift_times=[1], seed=3).to_dict()
    on_spec = aimc.evaluate(lenet, hermes, MNIST, limit=32, drift_times=[1], seed=3).to_dict()
    assert on_arrays["chip"] == on_spec["chip"] and on_arrays["digital"] == on_spec["digital"]
    with pytest.raises(aimc.Error, match="labels"):
        aimc.evaluate(lenet, hermes, x, y[:5], drift_times=[1])
    with pytest.raises(aimc.Error, match="drift_times"):
        aimc.evaluate(lenet, hermes, x, y, drift_times=["soon"])


def test_run_gives_the_chips_logits_deterministically(hermes, lenet):
    x, y = mnist_arrays(16)
    a = aimc.run(lenet, hermes, x, t="1h", seed=1)
    assert a.shape == (16, 10) and a.dtype == np.float32
    assert np.array_equal(a, aimc.run(lenet, hermes, x, t=3600, seed=1, threads=2))  # any thread count
    assert not np.array_equal(a, aimc.run(lenet, hermes, x, t="1h", seed=2))  # another programming draw
    assert (a.argmax(1) == y).mean() > 0.8


def test_torch_module_compiles_in_memory(tmp_path, hermes):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    program = aimc.compile(net, hermes, example=torch.zeros(1, 1, 28, 28))
    # The same network exported to a file by hand compiles to the same chip: bit-identical outputs.
    path = tmp_path / "net.onnx"
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    x = torch.rand(4, 1, 28, 28)
    chip_out = aimc.run(program, hermes, x, seed=5)
    assert np.array_equal(chip_out, aimc.run(aimc.compile(path, hermes), hermes, x.numpy(), seed=5))
    with torch.no_grad():
        ref = net(x).numpy()
    # PCM programming noise and 8-bit converters: near the fp32 network, not equal to it.
    assert 0 < np.abs(chip_out - ref).max() < 0.25 * np.abs(ref).max()
    with pytest.raises(aimc.Error, match="example"):
        aimc.compile(net, hermes)
    # torch's export failures are aimc.Error too, with torch's reason (its own exception types until 2026-12-08)
    with pytest.raises(aimc.Error, match=r"^model: torch could not export the Sequential to ONNX at opset 13: .*shapes"):
        aimc.compile(net, hermes, example=torch.zeros(1, 1, 20, 20))  # 400 features into a Linear of 784

    class Spectrum(torch.nn.Module):
        def forward(self, x):
            return torch.fft.rfft(x).abs()

    with pytest.raises(aimc.Error, match=r"^model: torch could not export the Spectrum to ONNX at opset 13: .*fft_rfft"):
        aimc.compile(Spectrum(), hermes, example=torch.zeros(1, 8))


def test_a_saved_program_of_a_torch_module_times_but_does_not_run(tmp_path, hermes):
    """Its Program file records no model: loading it read the Program's folder as the model ("/tmp/x/: is a
    folder"), from Python and for `aimc eval --program` (until 2026-12-08). It loads, times as it did in memory,
    and a run or an evaluation says why it cannot."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    path = tmp_path / "net.program.json"
    aimc.compile(net, hermes, example=torch.zeros(1, 1, 28, 28)).save(str(path))
    loaded = aimc.Program.load(str(path), hermes)
    assert loaded.model_path == "" and loaded.to_dict()["layers"]
    in_memory = aimc.compile(net, hermes, example=torch.zeros(1, 1, 28, 28))
    timed = [aimc.perf(p, hermes, images=2).to_dict() for p in (loaded, in_memory)]
    for t in timed:
        t.pop("simulator")  # its wall time
    assert timed[0] == timed[1]
    assert aimc.perf(str(path), hermes, images=2).inferences_per_s > 0
    says = r"records no model file \(it was compiled from ONNX bytes or a torch module\), and {} needs"
    x, y = mnist_arrays(2)
    with pytest.raises(aimc.Error, match=says.format("a run")):
        aimc.run(loaded, hermes, x)
    with pytest.raises(aimc.Error, match=says.format("an evaluation")):
        aimc.evaluate(str(path), hermes, x, y, drift_times=[1])
    r = run_aimc("eval", "--program", path, "--chip", "hermes", "--data", MNIST, "--limit", 4)
    assert r.returncode == 2 and re.fullmatch(r"aimc: error: .*net\.program\.json.*" + says.format("an evaluation") +
                                               r".*\n", r.stderr), r.stderr
    r = run_aimc("perf", "--program", path, "--chip", "hermes", "--images", 2)
    assert r.returncode == 0, r.stderr


def test_conv_replicas_compute_what_one_copy_computes():
    """A 2-D conv's replicas take blocks of every output row's columns (program/replicas.h). On cluster-512
    (ideal cells: no noise) the replicated network's outputs equal the unreplicated one's bit for bit, through
    strided, dilated, grouped, asymmetric and W-strided convs, a residual add and a max-pool on the replicas'
    cores, where a replica's columns and their windows' halo are gathered across row boundaries."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 16, 5, stride=2, padding=2)
            self.c2 = nn.Conv2d(16, 16, 3, padding=2, dilation=2)
            self.c3 = nn.Conv2d(16, 32, 3, padding=1, groups=4)
            self.c4 = nn.Conv2d(32, 32, (3, 1), stride=(1, 2), padding=(1, 0))
            self.pool = nn.MaxPool2d(3, 2, 1)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            a = torch.relu(self.c1(x))
            b = torch.relu(self.c2(a)) + a
            c = torch.relu(self.c3(b))
            return self.fc(torch.cat([self.c4(c).mean((2, 3)), self.pool(c).mean((2, 3))], 1))

    torch.manual_seed(0)
    net = Net().eval()
    x = np.random.default_rng(0).random((3, 3, 48, 48), dtype=np.float32)
    example = torch.zeros(1, 3, 48, 48)
    outputs, replicas = {}, {}
    for mode in ("auto", "none"):
        program = aimc.compile(net, "cluster-512", example=example, replicate=mode, calibration_data=x)
        replicas[mode] = [layer["replicas"] for layer in program.to_dict()["layers"]]
        outputs[mode] = aimc.run(program, "cluster-512", x, seed=1)
    # conv1..4 each replicated; at most one replica per output column (24, 24, 24, 12 columns)
    assert all(1 < r <= w for r, w in zip(replicas["auto"][:4], (24, 24, 24, 12))), replicas["auto"]
    assert np.array_equal(outputs["auto"], outputs["none"])
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    assert np.corrcoef(outputs["auto"].ravel(), ref.ravel())[0, 1] > 0.99


def test_program_save_and_load(tmp_path, hermes, lenet):
    path = tmp_path / "lenet.program.json"
    lenet.save(str(path))
    with pytest.raises(aimc.Error, match="exists"):
        lenet.save(str(path))
    lenet.save(str(path), force=True)
    loaded = aimc.Program.load(str(path), hermes)
    assert loaded.to_dict() == lenet.to_dict()
    with pytest.raises(aimc.Error, match="compiled for chip 'hermes'"):
        aimc.Program.load(str(path), aimc.Chip.preset("hermes-core"))


def test_progress_callbacks_and_interruption(hermes, lenet):
    passes = []
    aimc.compile(LENET, hermes, progress=lambda done, total, label: passes.append((done, total, label)))
    assert passes[0] == (0, len(passes), "pass fold-batchnorm") and passes[-1][0] == len(passes) - 1
    calls = []
    aimc.evaluate(lenet, hermes, MNIST, limit=100, batch=32, drift_times=[1, 10], repeats=2,
                  progress=lambda done, total, label: calls.append((done, total, label)))
    assert calls[0] == (1, 20, "digital") and calls[-1] == (20, 20, "repeat 2/2 t=10s") and len(calls) == 20

    class Stop(Exception):
        pass

    def stop(done, total, label):
        if done == 3:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):  # the callback's exception stops the run and reaches the caller
        aimc.evaluate(lenet, hermes, MNIST, limit=100, batch=32, drift_times=[1, 10], progress=stop)
    with pytest.raises(aimc.Error, match="progress"):
        aimc.evaluate(lenet, hermes, MNIST, limit=32, drift_times=[1], progress="yes")
    # perf: per item of the event simulation (inferences in 1 slice here), the last call at the total
    items = []
    plain = aimc.perf(lenet, hermes, images=40, chunks=1).to_dict()
    watched = aimc.perf(lenet, hermes, images=40, chunks=1, progress=lambda *a: items.append(a)).to_dict()
    assert items == [(k, 40, "items simulated") for k in range(1, 41)]
    assert plain.pop("simulator")["events"] == watched.pop("simulator")["events"] and plain == watched
    with pytest.raises(Stop, match="enough"):
        aimc.perf(lenet, hermes, images=40, chunks=1, progress=stop)


def test_numpy_inputs_are_checked(hermes, lenet):
    x, y = mnist_arrays(8)
    with pytest.raises(aimc.Error, match=r"do not match the model input"):
        aimc.evaluate(lenet, hermes, x[:, :, :20], y, drift_times=[1])
    with pytest.raises(aimc.Error, match="data: a numpy array of dtype"):
        aimc.evaluate(lenet, hermes, x.astype(np.complex64), y, drift_times=[1])
    with pytest.raises(aimc.Error, match="labels"):
        aimc.evaluate(lenet, hermes, x, y.astype(np.float32), drift_times=[1])
    assert aimc.run(lenet, hermes, x.astype(np.float64)).dtype == np.float32  # converted, as f32 images
    with pytest.raises(aimc.Error):
        aimc.run(lenet, hermes, x[0])  # no batch axis


def test_the_gil_is_released_while_the_core_works(hermes, lenet):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    aimc.evaluate(lenet, hermes, MNIST, limit=256, drift_times=[1, 10, 100])
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    # A thread holding the GIL for the whole evaluation would leave no ticks in between.
    assert end - start > 0.05 and len(during) >= 3, (end - start, len(during))
