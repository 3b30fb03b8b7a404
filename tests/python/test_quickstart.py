"""docs/quickstart.md runs as written: its Python block, then its shell block, from the repository root."""
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT, aimc_bin

pytestmark = [pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable"),
              pytest.mark.skipif(os.environ.get("AIMC_PYTHON_MODULE") == "0", reason="built without the Python module")]


def blocks(language):
    text = (ROOT / "docs" / "quickstart.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_quickstart_runs_as_written():
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    (python,) = blocks("python")
    r = subprocess.run([sys.executable, "-c", python], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    chip_acc = [float(v) for v in re.findall(r"chip t=\S+\s+([\d.]+)%", r.stdout)]
    digital = float(re.search(r"digital\s+accuracy ([\d.]+)%", r.stdout).group(1))
    assert len(chip_acc) == 3 and digital > 80 and abs(chip_acc[0] - digital) < 10, r.stdout
    assert re.search(r"[\d.]+ µJ and [\d.]+ µs per inference", r.stdout), r.stdout
    (shell,) = blocks("sh")
    shell = shell.replace("./build/aimc", aimc_bin())  # the page runs ./build/aimc: this build's aimc
    s = subprocess.run(["bash", "-euo", "pipefail", "-c", shell], cwd=ROOT, capture_output=True, text=True, env=env,
                       timeout=600)
    assert s.returncode == 0, s.stderr
    assert "mapping of" in s.stdout and "chip t=1y" in s.stdout and "report written to" in s.stdout, s.stdout
    assert s.stderr.strip() == "", s.stderr  # --quiet: no progress, and no warning for this model
