"""aimc compile end to end: the networks of issue 5 onto every preset.

Run (from the repository root):  AIMC_BIN=build/aimc /usr/bin/python3 -m pytest tests/python/test_compile.py
Exports (random weights, seeded): torchvision ResNet-18, ResNet-50 and MobileNetV2 at 224x224, a ResNet-9
for CIFAR-10 (defined here), a 2-layer LSTM language model; and uses every committed models/*.onnx (the
MNIST LeNet, the CIFAR-10 ResNet-20, the MNIST BNN, and whatever else is there). Each network is compiled
onto each preset: where it fits, the Program and the report are checked; where it does not, the error
must name the crossbars needed and available. Chips with `cores.programming.reload: true` (verma-cimu,
zhang-bnn-sram) take any network, in reload segments.
"""

import json
import re
import warnings

import pytest
import torch
from torch import nn

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is not set")
torch.set_num_threads(2)

PRESETS = ["hermes", "hermes-core", "cluster-512", "garofalo-cluster", "verma-cimu", "zhang-bnn-sram"]
RELOAD = {"verma-cimu", "zhang-bnn-sram"}
CROSSBARS = {"hermes": 64, "hermes-core": 1, "cluster-512": 512, "garofalo-cluster": 1, "verma-cimu": 16, "zhang-bnn-sram": 1}


class ResNet9(nn.Module):
    """ResNet-9 for CIFAR-10 (the DAWNBench/Myrtle layout: prep, [conv-pool + residual], conv-pool,
    [conv-pool + residual], pool, fc) at half width (32-64-128-256 channels, 1.6M weights), in the size
    class of HERMES's 1.87M-weight ResNet-9."""

    def __init__(self, w=(32, 64, 128, 256), classes=10):
        super().__init__()

        def block(cin, cout, pool=False):
            layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
            return nn.Sequential(*layers, *([nn.MaxPool2d(2)] if pool else []))

        self.prep = block(3, w[0])
        self.layer1 = block(w[0], w[1], pool=True)
        self.res1 = nn.Sequential(block(w[1], w[1]), block(w[1], w[1]))
        self.layer2 = block(w[1], w[2], pool=True)
        self.layer3 = block(w[2], w[3], pool=True)
        self.res3 = nn.Sequential(block(w[3], w[3]), block(w[3], w[3]))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(w[3], classes))

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        x = self.layer3(self.layer2(x))
        x = x + self.res3(x)
        return self.head(x)


class LstmLM(nn.Module):
    """2-layer LSTM language model: tokens [seq, batch] -> Embedding 50x64 -> LSTM(64, 256, 2 layers) -> Linear 256->50."""

    def __init__(self, vocab=50, embed=64, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        y, _ = self.lstm(self.embed(tokens))
        return self.out(y)


def export(module, example, path, dynamic_axis=0):
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, str(path), opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {dynamic_axis: "batch"}, "output": {dynamic_axis: "batch"}})
    return path


@pytest.fixture(scope="session")
def networks(tmp_path_factory):
    """name -> ONNX path of every network compiled here."""
    import torchvision

    out = tmp_path_factory.mktemp("compile_models")
    torch.manual_seed(0)
    nets = {}
    image = torch.rand(1, 3, 224, 224)
    nets["resnet18"] = export(torchvision.models.resnet18(), image, out / "resnet18.onnx")
    nets["resnet50"] = export(torchvision.models.resnet50(), image, out / "resnet50.onnx")
    mnv2 = torchvision.models.mobilenet_v2()
    nets["mobilenetv2"] = export(mnv2, image, out / "mobilenetv2.onnx")
    nets["mobilenetv2_features"] = export(nn.Sequential(mnv2.features, nn.AdaptiveAvgPool2d(1), nn.Flatten()), image,
                                          out / "mobilenetv2_features.onnx")
    nets["resnet9"] = export(ResNet9(), torch.rand(1, 3, 32, 32), out / "resnet9.onnx")
    nets["lstm_lm"] = export(LstmLM(), torch.randint(0, 50, (16, 1)), out / "lstm_lm.onnx", dynamic_axis=1)
    for path in sorted((ROOT / "models").glob("*.onnx")):
        nets[path.stem] = path
    return nets


NETWORKS = ["resnet18", "resnet50", "mobilenetv2", "resnet9", "lstm_lm", "mnist_lenet", "resnet20_cifar10", "bnn_mnist"]


def test_does_not_fit_names_the_biggest_layers_and_a_chip_that_fits(networks, tmp_path):
    """ResNet-50 on hermes: the refusal names the layers holding the most crossbars and a derived chip;
    that chip, written as the message says, compiles the network."""
    r, _, _ = compile_net(networks["resnet50"], "hermes", tmp_path, "--replicate", "none")
    assert r.returncode == 2
    line = r.stderr.strip().splitlines()[-1]
    assert re.search(r"most crossbars: /layer4/\S+ \(\d+\)", line), line
    m = re.search(r"it fits a chip derived with base: (\S+) and cores: \{count: (\d+), arrangement: \[(\d+), (\d+)\]\}", line)
    assert m, line
    base, count, a, b = m.group(1), *map(int, m.groups()[1:])
    assert base == "hermes" and a * b == count >= 390
    chip = tmp_path / "bigger.yaml"
    chip.write_text(f"base: {base}\nname: hermes-{count}\ncores: {{count: {count}, arrangement: [{a}, {b}]}}\n")
    r, prog, _ = compile_net(networks["resnet50"], chip, tmp_path, "--replicate", "none")
    assert r.returncode == 0, r.stderr


def compile_net(path, chip, tmp_path, *extra):
    prog, rep = tmp_path / "prog.json", tmp_path / "report.json"
    r = run_aimc("compile", "--model", path, "--chip", chip, "-o", prog, "--json", rep, "--report", *extra, timeout=600)
    return r, prog, rep


@pytest.mark.parametrize("chip", PRESETS)
@pytest.mark.parametrize("net", NETWORKS)
def test_compile_network_on_preset(networks, net, chip, tmp_path):
    if net not in networks:
        pytest.skip(f"models/{net}.onnx is not there")
    r, prog, rep = compile_net(networks[net], chip, tmp_path, "--replicate", "none")
    if r.returncode != 0:
        # The only acceptable failure: it does not fit a chip that cannot reload weights.
        assert r.returncode == 2, r.stderr
        m = re.search(r"needs (\d+) crossbars of (\d+)x(\d+), (\S+) has (\d+)", r.stderr)
        assert m, r.stderr
        assert chip not in RELOAD
        assert m.group(4) == chip and int(m.group(5)) == CROSSBARS[chip] and int(m.group(1)) > CROSSBARS[chip]
        return
    program = json.loads(prog.read_text())
    report = json.loads(rep.read_text())
    assert program["format"] == "aimc-program" and program["version"] == 1
    assert program["chip"]["name"] == chip
    assert report["crossbars_available"] == CROSSBARS[chip]
    assert 0 < report["crossbars_used"] <= CROSSBARS[chip] * len(program["schedule"]["segments"])
    assert len(program["schedule"]["segments"]) == 1 or chip in RELOAD
    assert 0 < report["cell_utilisation"] <= 1
    # Every tile inside its crossbar and its layer; every layer fully covered by its tiles.
    rows, cols = program["chip"]["crossbar"]["rows"], program["chip"]["crossbar"]["cols"]
    covered = {}
    for t in program["tiles"]:
        layer = program["layers"][t["layer"]]
        r0, r1 = t["rows"]
        c0, c1 = t["cols"]
        assert 0 <= t["offset"][0] and t["offset"][0] + (r1 - r0) <= rows
        assert 0 <= t["offset"][1] and t["offset"][1] + (c1 - c0) * layer["columns_per_weight"] <= cols
        covered[t["layer"]] = covered.get(t["layer"], 0) + (r1 - r0) * (c1 - c0)
    for layer in program["layers"]:
        assert covered[layer["id"]] == layer["group_rows"] * layer["group_cols"] * layer["groups"], layer["name"]
    assert "floor plan" in r.stdout


@pytest.mark.parametrize("net, chip, needed", [("resnet50", "hermes", None), ("resnet18", "hermes", None)])
def test_not_fitting_names_the_crossbars(networks, net, chip, needed, tmp_path):
    r, prog, _ = compile_net(networks[net], chip, tmp_path)
    assert r.returncode == 2
    assert re.search(rf"error: {net} needs \d+ crossbars of 256x256, hermes has 64", r.stderr), r.stderr
    assert not prog.exists()


def test_resnet18_on_cluster512_pipelined_with_replication(networks, tmp_path):
    r, prog, rep = compile_net(networks["resnet18"], "cluster-512", tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(rep.read_text())
    assert report["crossbars_used"] <= 512
    program = json.loads(prog.read_text())
    assert program["schedule"]["kind"] == "pipelined"
    assert max(layer["replicas"] for layer in program["layers"]) > 1
    assert program["statistics"]["replicate"]["bottleneck-mvms-after"] < program["statistics"]["replicate"]["bottleneck-mvms-before"]


def test_mobilenetv2_packs_like_tile_and_pack(networks, tmp_path):
    """Garofalo et al. (JETCAS 2022) map MobileNetV2's convolutions onto 34 crossbars with Tile&Pack,
    depthwise convolutions on the digital accelerator: network-wide 2-D packing does the same (the
    convolutions' cells need 32.4 arrays), and the whole network, classifier included, stays within 10%
    of its cell lower bound (here computed from the Program's layers)."""
    pipe = ("fold-batchnorm,quantize{calibration=none},lower-to-crossbar,partition,pack{scope=network,shape=rect},"
            "replicate{mode=none},place,assign-digital,route,schedule")

    def crossbars(net):
        r, prog, rep = compile_net(networks[net], "cluster-512", tmp_path, "--pipeline", pipe)
        assert r.returncode == 0, r.stderr
        p = json.loads(prog.read_text())
        assert all(layer["groups"] == 1 for layer in p["layers"]), "a depthwise conv on the crossbars"
        cells = sum(l["groups"] * l["group_rows"] * l["group_cols"] * l["columns_per_weight"] for l in p["layers"])
        used = len({(t["segment"], t["core"], t["array"]) for t in p["tiles"]})
        return used, cells / (256 * 256), r.stdout

    convs, convs_bound, _ = crossbars("mobilenetv2_features")
    assert convs <= 34 and convs >= convs_bound
    whole, bound, report = crossbars("mobilenetv2")
    assert bound <= whole <= 1.10 * bound
    assert re.search(r"cells\s+\d+(\.\d+)?% of the used crossbars' cells hold weights", report)


def test_bnn_on_zhang_reloads_layer_by_layer(networks, tmp_path):
    if "bnn_mnist" not in networks:
        pytest.skip("models/bnn_mnist.onnx is not there")
    r, prog, _ = compile_net(networks["bnn_mnist"], "zhang-bnn-sram", tmp_path, "--schedule", "layer")
    assert r.returncode == 0, r.stderr
    program = json.loads(prog.read_text())
    assert [(layer["rows"], layer["cols"]) for layer in program["layers"]] == [(121, 128), (128, 128), (128, 10)]
    assert len(program["schedule"]["segments"]) == 3
    assert all(s["write_operations"] > 0 for s in program["schedule"]["segments"])
    units = {(d["node"], d["op"]): d["unit"] for d in program["digital_ops"]}
    # The comparator ADC computes Sign (with the bias as threshold).
    assert "adc" in units.values()


def test_lstm_gates_on_hermes_global_units(networks, tmp_path):
    r, prog, _ = compile_net(networks["lstm_lm"], "hermes", tmp_path)
    assert r.returncode == 0, r.stderr
    program = json.loads(prog.read_text())
    lstm = [layer for layer in program["layers"] if layer["kind"] == "lstm"]
    assert [(layer["rows"], layer["cols"]) for layer in lstm] == [(64 + 256, 1024), (256 + 256, 1024)]
    assert {d["unit"] for d in program["digital_ops"] if d["op"].startswith("lstm-")} == {"gdpu"}
    # The embedding look-up runs off chip on HERMES.
    assert any(d["op"] == "Gather" and d["scope"] == "host" for d in program["digital_ops"])


@pytest.mark.parametrize("schedule", ["layer", "pipelined", "data-parallel"])
def test_schedules(networks, schedule, tmp_path):
    r, prog, _ = compile_net(networks["mnist_lenet"], "hermes", tmp_path, "--schedule", schedule)
    assert r.returncode == 0, r.stderr
    program = json.loads(prog.read_text())
    assert program["schedule"]["kind"] == schedule
    if schedule == "data-parallel":
        assert program["schedule"]["network_replicas"] > 1


def test_bad_inputs(networks, tmp_path):
    lenet = networks["mnist_lenet"]
    r = run_aimc("compile", "--model", lenet, "--chip", "hermes", "--schedule", "systolic")
    assert r.returncode == 2 and "unknown schedule 'systolic' (schedules: layer, pipelined, data-parallel)" in r.stderr
    r = run_aimc("compile", "--model", lenet, "--chip", "hermes", "--replicate", "sometimes")
    assert r.returncode == 2 and "unknown replication mode 'sometimes'" in r.stderr
    r = run_aimc("compile", "--model", lenet, "--chip", "hermes", "--pipeline", "quantize,teleport")
    assert r.returncode == 2 and "unknown pass 'teleport'" in r.stderr
    r = run_aimc("compile", "--model", tmp_path / "missing.onnx", "--chip", "hermes")
    assert r.returncode == 2
    r = run_aimc("compile", "--model", lenet, "--chip", "no-such-chip")
    assert r.returncode == 2


def test_print_ir_after_all(networks):
    r = run_aimc("compile", "--model", networks["mnist_lenet"], "--chip", "hermes", "--print-ir-after-all")
    assert r.returncode == 0, r.stderr
    for name in ["fold-batchnorm", "quantize", "lower-to-crossbar", "partition", "pack", "replicate", "place",
                 "assign-digital", "route", "schedule"]:
        assert f"// ----- IR after {name}" in r.stderr
