"""The modules of src/ form the one-way graph of ARCHITECTURE.md: no include points upward (the
compiler never reaches into the simulators, the simulators read the Program without the compiler's
passes), and the simulators' libraries do not link the pass library."""
import collections
import os
import re

from helpers import ROOT

REPO = str(ROOT)

# Each module and the modules it may include from (its own files excepted).
ALLOWED = {
    "aimc": set(),  # the generated aimc/version.h
    "core": set(),
    "ir": {"core"},
    "onnx": {"core", "ir"},
    "data": {"core"},
    "reference": {"core", "ir"},
    "sim": {"core", "ir", "data"},  # src/sim/metrics: accuracy and perplexity
    "chip": {"core"},
    "device": {"core", "chip"},
    "program": {"core", "ir", "chip"},
    "noc": {"core", "chip", "program"},
    "compiler": {"core", "ir", "chip", "program", "reference", "noc"},
    "sim/functional": {"core", "ir", "chip", "device", "program", "reference"},
    "sim/perf": {"core", "chip", "program", "noc"},
    "experiment": {"core", "ir", "onnx", "data", "reference", "sim", "chip", "device", "program", "noc", "compiler",
                   "sim/functional", "sim/perf"},
    "report": {"aimc", "core", "ir", "data", "chip", "program", "experiment", "sim/perf"},
    "sweep": {"aimc", "core", "ir", "data", "chip", "program", "experiment", "sim/perf", "report"},
}


def module_of(path):
    parts = path.split("/")
    return "sim/" + parts[1] if parts[0] == "sim" and len(parts) > 2 else parts[0]


def include_edges():
    edges = collections.defaultdict(set)
    src = os.path.join(REPO, "src")
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith((".h", ".cpp")):
                continue
            path = os.path.join(root, name)
            mod = module_of(os.path.relpath(path, src))
            with open(path, encoding="utf-8") as f:
                for inc in re.findall(r'#include "([^"]+/[^"]+)"', f.read()):
                    target = module_of(inc)
                    if target != mod:
                        edges[mod].add((target, os.path.relpath(path, REPO)))
    return edges


def test_every_module_is_known():
    src = os.path.join(REPO, "src")
    found = set()
    for root, _, files in os.walk(src):
        if any(f.endswith((".h", ".cpp")) for f in files):
            found.add(module_of(os.path.relpath(os.path.join(root, "x"), src)))
    assert found <= set(ALLOWED), f"modules missing from the layering table: {sorted(found - set(ALLOWED))}"


def test_no_include_points_upward():
    bad = []
    for mod, targets in include_edges().items():
        for target, path in sorted(targets):
            if target not in ALLOWED[mod]:
                bad.append(f"{path} ({mod}) includes from {target}")
    assert not bad, "\n".join(bad)


def test_the_allowed_graph_has_no_cycle():
    state = {}

    def visit(m, trail):
        assert state.get(m) != "open", " -> ".join(trail + [m])
        if state.get(m) == "done":
            return
        state[m] = "open"
        for t in ALLOWED[m]:
            visit(t, trail + [m])
        state[m] = "done"

    for m in ALLOWED:
        visit(m, [])


def test_simulators_do_not_link_the_passes():
    for cmake in ("src/sim/functional/CMakeLists.txt", "src/sim/perf/CMakeLists.txt"):
        with open(os.path.join(REPO, cmake), encoding="utf-8") as f:
            text = f.read()
        links = " ".join(re.findall(r"target_link_libraries\(([^)]*)\)", text))
        assert "aimc_compiler" not in links, cmake
