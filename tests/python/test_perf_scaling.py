"""The performance simulators against two exact scalings of the chip (chip_scaling.py): slowed 2x (every clock
and rate halved, every time doubled), every time figure is exactly twice as long, every rate half, the dynamic
energy the same and the static energy twice; with every energy and power doubled, every energy doubles and
nothing else moves. Over seeded random networks on the presets and small chips derived from them, every
schedule and packing of bench/stress_perf.py, both simulators; the network compiled on the scaled chip, which
must give the same mapping. A time or energy the chip does not state (a constant in the code, cycles taken for
ns) breaks one of them."""

import os
import sys
from pathlib import Path

import pytest

aimc = pytest.importorskip("aimc") if os.environ.get("AIMC_PYTHON_MODULE") is None else __import__("aimc")
pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import stress_perf  # noqa: E402
from chip_scaling import scaled, scaling_findings  # noqa: E402
from test_random_networks import random_network  # noqa: E402

# Beside the stress run's chips: zhang-bnn-sram (MVM times in cycles, its one crossbar reloaded) and a chip
# whose MVM times are in cycles and whose digital units run on clocks of their own (no preset's are).
OWN_CLOCKS = """base: hermes
name: own-clocks
cores:
  count: 16
  arrangement: [4, 4]
  rows: 128
  cols: 96
  read_modes:
    one-phase: {t_mvm_ns: null, t_mvm_cycles: 140}
    four-phase: {t_mvm_ns: null, t_mvm_cycles: 530}
  digital:
    ldpu: {clock_mhz: 400}
digital:
  gdpu: {clock_mhz: 700}
"""
EXTRA_CHIPS = {"own-clocks": OWN_CLOCKS}
CHIPS = ["hermes", "cluster-512", "verma-cimu", "garofalo-cluster", "zhang-bnn-sram", *stress_perf.SMALL_CHIPS,
         *stress_perf.TOPOLOGY_CHIPS, *EXTRA_CHIPS]


def chip_of(name, tmp_path):
    text = stress_perf.SMALL_CHIPS.get(name) or stress_perf.TOPOLOGY_CHIPS.get(name) or EXTRA_CHIPS.get(name)
    if text is None:
        return aimc.Chip.preset(name)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return aimc.Chip.load(str(path))


# (seed, chip, pipeline): every chip, every pipeline of the stress run (a network the chip cannot hold is skipped).
CASES = [(seed, CHIPS[seed % len(CHIPS)], seed % len(stress_perf.PIPELINES)) for seed in range(48)]


@pytest.mark.parametrize("seed,chip_name,pipeline", CASES)
def test_times_and_energies_scale_with_the_chips(tmp_path, seed, chip_name, pipeline):
    chip = chip_of(chip_name, tmp_path)
    net, x = random_network(seed, batch=4)
    kw = {"pipeline": stress_perf.PIPELINES[pipeline]} if stress_perf.PIPELINES[pipeline] else {}

    def compile_on(c):  # a Program runs on the chip it was compiled for
        return aimc.compile(net, c, example=x[:1], calibration_data=x.numpy(), **kw)

    try:
        program = compile_on(chip)
    except Exception as e:  # a network larger than the small chip: refused in one line, which is right
        assert "crossbars of" in str(e) and "\n" not in str(e).strip(), str(e)
        pytest.skip("the network does not fit")
    images = 1 + seed % 4
    base = {sim: aimc.perf(program, chip, images=images, simulator=sim).to_dict() for sim in ("event", "analytic")}
    for factors in ({"time": 2.0}, {"energy": 2.0}):
        other = scaled(chip, **factors)
        again = compile_on(other)
        assert stress_perf.mapping(again) == stress_perf.mapping(program), factors  # the compiler reads no absolute scale
        for simulator, before in base.items():
            result = aimc.perf(again, other, images=images, simulator=simulator).to_dict()
            assert scaling_findings(before, result, **factors) == [], (simulator, factors)


def test_the_scaling_check_reports_a_figure_that_does_not_scale():
    base = {"latency_s": 1e-6, "inferences_per_s": 1e6, "macs_per_inference": 100, "dynamic_energy_per_inference_j": 1e-9,
            "energy_per_inference_j": 3e-9, "energy_per_inference_by_component_j": {"adc": 1e-9, "static": 2e-9},
            "tops_per_w": 2.0, "layers": [{"time_s": 5e-7}]}
    good = {"latency_s": 2e-6, "inferences_per_s": 5e5, "macs_per_inference": 100, "dynamic_energy_per_inference_j": 1e-9,
            "energy_per_inference_j": 5e-9, "energy_per_inference_by_component_j": {"adc": 1e-9, "static": 4e-9},
            "tops_per_w": 1.2, "layers": [{"time_s": 1e-6}]}
    assert scaling_findings(base, good, time=2.0) == []
    bad = dict(good, layers=[{"time_s": 1e-6 + 1e-9}])  # a nanosecond the chip does not state
    assert scaling_findings(base, bad, time=2.0) == ["layers[0].time_s: 5e-07 scaled 1.001e-06, expected 1e-06"]
    stuck = dict(good, energy_per_inference_j=4e-9, energy_per_inference_by_component_j={"adc": 1e-9, "static": 3e-9})
    found = " ".join(scaling_findings(base, stuck, time=2.0))
    assert "energy_per_inference_by_component_j.static" in found and "energy per inference: dynamic" in found
    doubled = dict(base, dynamic_energy_per_inference_j=2e-9, energy_per_inference_j=6e-9, tops_per_w=1.0,
                   energy_per_inference_by_component_j={"adc": 2e-9, "static": 4e-9})
    assert scaling_findings(base, doubled, energy=2.0) == []
    assert scaling_findings(base, dict(doubled, latency_s=2e-6), energy=2.0) == [
        "latency_s: 1e-06 scaled 2e-06, expected 1e-06"]


def test_scaled_chip_scales_every_time_rate_and_energy_of_a_preset():
    chip = aimc.Chip.preset("cluster-512")
    slow, hot = scaled(chip, time=2.0).to_dict(), scaled(chip, energy=2.0).to_dict()
    spec = chip.to_dict()
    assert slow["clock_mhz"] == spec["clock_mhz"] / 2 and slow["host"]["link_latency_ns"] == 2 * spec["host"]["link_latency_ns"]
    assert slow["noc"]["levels"] == spec["noc"]["levels"]  # per cycle: they follow the clock
    assert [lv["e_bit_hop_pj"] for lv in hot["noc"]["levels"]] == [2 * lv["e_bit_hop_pj"] for lv in spec["noc"]["levels"]]
    assert hot["host"]["e_op_pj"] == 2 * spec["host"]["e_op_pj"] and hot["clock_mhz"] == spec["clock_mhz"]
