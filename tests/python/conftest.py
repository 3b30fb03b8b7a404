"""Shared pytest fixtures for tests/python.

Run (from the repository root):  /usr/bin/python3 -m pytest tests/python
Environment:
  AIMC_BIN         path to the aimc executable; the tests that run aimc are skipped without it
  AIMC_OP_MODELS   a folder made by tests/python/op_models.py; when unset, the fixtures are generated
                   into a pytest temporary folder (a few seconds)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def op_fixtures(tmp_path_factory):
    """(folder, manifest dict) of the op-model fixtures."""
    folder = os.environ.get("AIMC_OP_MODELS")
    if folder:
        folder = Path(folder)
    else:
        folder = tmp_path_factory.mktemp("op_fixtures")
        subprocess.run([sys.executable, str(Path(__file__).with_name("op_models.py")), str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder, json.loads((folder / "manifest.json").read_text())
