"""A short run of the generated bad-input campaign (tests/fuzz/bad_inputs.py): a few seeded cases of every
class — truncated, bit-flipped and random ONNX files, schema-extreme chip YAML, hand-edited Programs,
damaged datasets, device files, option abuse, outputs aimed at inputs, broken sweep files — each must exit
0 with a usable result or 2 with one line, never crash, hang, raise an internal error or touch an input.
The longer campaign is the same script with --per-class 400 (its counts are in the issue's closing note).

Needs $AIMC_BIN (skipped otherwise)."""

import sys
from pathlib import Path

import pytest

from helpers import ROOT, aimc_bin

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")


def test_generated_bad_inputs_are_errors_or_usable(tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
    import bad_inputs

    counts, bad = bad_inputs.campaign(Path(aimc_bin()), per_class=6, seed=7, out=tmp_path, jobs=2)
    assert not bad, "\n".join(bad)
    assert all(sum(n.values()) == 6 for n in counts.values())
    assert sum(n["error"] for n in counts.values()) > 0
