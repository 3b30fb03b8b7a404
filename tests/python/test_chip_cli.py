"""End-to-end tests of `aimc chip`: exit codes, one-line errors, the JSON summary and its peak figures.

Needs $AIMC_BIN (skipped otherwise). The malformed files in tests/chip/bad/ each announce their
expected error on their first line ("# expect: ..."; {file} is the path given, {dir} its folder).
"""

import json
import os
import subprocess

import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

PRESETS = ["cluster-512", "garofalo-cluster", "hermes", "hermes-core", "verma-cimu", "zhang-bnn-sram"]
BAD_DIR = ROOT / "tests" / "chip" / "bad"

# (preset, mode, input_bits, field, published value, source)
PUBLISHED = [
    ("hermes", "one-phase", 8, "tops", 63.1, "Le Gallo 2023 abstract"),
    ("hermes", "one-phase", 8, "tops_per_w", 9.76, "Le Gallo 2023 abstract"),
    ("hermes", "four-phase", 8, "tops", 16.1, "Le Gallo 2023 abstract"),
    ("hermes", "four-phase", 8, "tops_per_w", 2.48, "Le Gallo 2023 abstract"),
    ("hermes", "four-phase", 8, "tops_per_mm2", 0.400, "Le Gallo 2023: 400 GOPS/mm2"),
    ("hermes-core", "one-phase", 8, "tops", 1.008, "Khaddam-Aljameh 2022"),
    ("garofalo-cluster", "analog", 8, "tops", 0.958, "Garofalo 2022: 958 GOPS on MVMs"),
    ("verma-cimu", "bpbs", 8, "tops", 3.0, "Jia 2022 abstract"),
    ("verma-cimu", "bpbs", 4, "tops", 11.8, "Jia 2022 Table IV"),
    ("verma-cimu", "bpbs", 8, "tops_per_w", 30.0, "Jia 2022 abstract"),
    ("zhang-bnn-sram", "classify", 5, "tops_per_w", 700.0, "Zhang & Verma 2019"),
    ("zhang-bnn-sram", "classify", 5, "tops_per_mm2", 6.0, "Zhang & Verma 2019"),
]


def show_json(tmp_path, chip):
    out = tmp_path / "chip.json"
    r = run_aimc("chip", "show", chip, "--json", out)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_list_names_every_preset():
    r = run_aimc("chip", "list")
    assert r.returncode == 0, r.stderr
    names = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    assert names == PRESETS


def test_show_json_fields(tmp_path):
    j = show_json(tmp_path, "hermes")
    assert j["name"] == "hermes"
    assert (j["cores"], j["rows"], j["cols"], j["weights"]) == (64, 256, 256, 64 * 256 * 256)
    modes = [(p["mode"], p["input_bits"]) for p in j["peak"]]
    assert modes == [("one-phase", 8), ("four-phase", 8)]
    for p in j["peak"]:
        assert {"tops", "tops_per_w", "tops_per_mm2", "t_mvm_ns", "e_mvm_pj", "power_w"} <= p.keys()
    assert j["spec"]["cores"]["device"]["technology"] == "pcm"


@pytest.mark.parametrize("chip,mode,bits,field,published,source", PUBLISHED)
def test_peak_matches_published(tmp_path, chip, mode, bits, field, published, source):
    j = show_json(tmp_path, chip)
    [point] = [p for p in j["peak"] if p["mode"] == mode and p["input_bits"] == bits]
    assert point[field] == pytest.approx(published, rel=0.02), source


def test_show_prints_a_readable_summary():
    r = run_aimc("chip", "show", "verma-cimu")
    assert r.returncode == 0, r.stderr
    assert "16 (4 x 4), crossbar 1152 x 256" in r.stdout
    assert "peak figures" in r.stdout


def test_validate_presets_and_resolved_yaml(tmp_path):
    r = run_aimc("chip", "validate", *[ROOT / "presets" / f"{p}.yaml" for p in PRESETS])
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok (") == len(PRESETS)
    resolved = tmp_path / "hermes-resolved.yaml"
    assert run_aimc("chip", "show", "hermes", "--yaml", resolved).returncode == 0
    again = run_aimc("chip", "validate", resolved)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("bad", sorted(p.name for p in BAD_DIR.glob("*.yaml")))
def test_bad_file_fails_with_its_one_line_error(bad):
    path = BAD_DIR / bad
    expected = path.read_bytes().splitlines()[0].decode().removeprefix("# expect: ")  # not_utf8.yaml: Latin-1 below
    expected = expected.replace("{file}", str(path)).replace("{dir}", str(BAD_DIR))
    r = run_aimc("chip", "validate", path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == f"aimc: error: {expected}\n"


def test_unknown_chip_and_missing_file():
    r = run_aimc("chip", "show", "hermse")
    assert r.returncode == 2
    assert r.stderr.startswith("aimc: error: unknown chip 'hermse' (did you mean 'hermes'?)")
    r = run_aimc("chip", "validate", "no/such.yaml")
    assert (r.returncode, r.stderr) == (2, "aimc: error: no/such.yaml: no such file\n")


def test_presets_env_override(tmp_path):
    (tmp_path / "mine.yaml").write_text("base: hermes\nname: mine\ncores: {count: 16, arrangement: [4, 4]}\n")
    env = dict(os.environ, AIMC_PRESETS=str(tmp_path))
    r = subprocess.run([aimc_bin(), "chip", "show", "mine", "--json", "-"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["cores"] == 16


def test_schema_prints_the_reference():
    r = run_aimc("chip", "schema")
    assert r.returncode == 0
    assert "### `cores.adc`" in r.stdout
    assert "(technology: pcm)" in r.stdout
