"""The examples in examples/ run end to end and say what they claim."""
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT

if os.environ.get("AIMC_PYTHON_MODULE") == "0":
    pytest.skip("built without the Python module (AIMC_BUILD_PYTHON=OFF)", allow_module_level=True)


def test_torch_to_chip():
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "torch_to_chip.py"), "--threads", "2"],
                       capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    torch_acc = float(re.search(r"torch fp32 accuracy on 200 test images: ([\d.]+)%", r.stdout).group(1))
    digital = float(re.search(r"digital reference: ([\d.]+)%", r.stdout).group(1))
    assert digital == torch_acc, "aimc's fp32 reference is the torch network"
    chip = [float(v) for v in re.findall(r"after programming: ([\d.]+)%", r.stdout)]
    assert len(chip) == 4 and torch_acc > 80
    assert abs(chip[0] - digital) < 5, r.stdout  # hermes right after programming: close to the digital network
    assert re.search(r"[\d.]+ µJ per inference, [\d.]+ TOPS/W", r.stdout), r.stdout
