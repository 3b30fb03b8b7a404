"""Helpers shared by the tests in tests/python. Not a script."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def aimc_bin():
    """The aimc executable named by $AIMC_BIN, or None when unset or not executable."""
    path = os.environ.get("AIMC_BIN")
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def full_tests():
    """Full CIFAR-10 test-set evaluations take minutes on 2 cores: they run with AIMC_FULL_TESTS=1."""
    return os.environ.get("AIMC_FULL_TESTS") == "1"


OUTPUT_FLAGS = ("-o", "--output", "--json", "--csv", "--yaml", "--all-outputs")


def run_aimc(*args, timeout=300, force=None):
    """Run $AIMC_BIN with args; returns the CompletedProcess (text stdout/stderr). Tests rewrite their
    result files, so a command that writes one gets --force unless `force=False` (the tests of the
    output rules themselves: tests/python/test_cli.py)."""
    args = [str(a) for a in args]
    if force is None:
        force = any(a in OUTPUT_FLAGS for a in args)
    return subprocess.run([aimc_bin(), *args, *(["--force"] if force else [])], capture_output=True, text=True,
                          timeout=timeout)


def one_line_error(proc, *fragments):
    """The message of a refused command: exit 2 and one non-empty stderr line, holding each fragment."""
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr!r}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one stderr line: {proc.stderr!r}"
    for f in fragments:
        assert f in lines[0], f"{lines[0]!r} lacks {f!r}"
    return lines[0]


def close(actual, expected):
    """The comparison every output check uses: rtol 1e-4, atol 1e-5 scaled by the output's magnitude."""
    atol = 1e-5 * max(1.0, float(np.abs(expected).max(initial=0.0)))
    return np.allclose(actual, expected, rtol=1e-4, atol=atol)


def case_entry(manifest, name, key="cases"):
    for entry in manifest[key]:
        if entry["name"] == name:
            return entry
    pytest.fail(f"case {name} is missing from the manifest; regenerate AIMC_OP_MODELS with op_models.py")
