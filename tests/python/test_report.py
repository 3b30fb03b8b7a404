"""aimc report: one self-contained HTML file of eval, perf and compile results, loaded in a real browser
(headless Chromium, installed by scripts/setup.sh): no console errors, every plot rendered at a sensible
size, no external reference; its screenshot is kept in the build folder for people to look at."""
import json
import os
import re
import shutil
import subprocess

import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = [pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable"),
              pytest.mark.skipif(os.environ.get("AIMC_PYTHON_MODULE") == "0", reason="built without the Python module")]

LENET = ROOT / "models" / "mnist_lenet.onnx"
MNIST = f"mnist:{ROOT / 'data' / 'mnist-test-1k'}"


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian's chromium is missing: scripts/setup.sh installs it"
    return exe


def browse(html, *extra):
    """Runs headless Chromium on the file; returns (stdout, stderr)."""
    r = subprocess.run([chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--enable-logging=stderr", "--v=0", *extra, html.as_uri()],
                       capture_output=True, text=True, timeout=120)
    return r.stdout, r.stderr


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    small = d / "small-l1.yaml"  # cluster-512 with 100-byte L1s: LeNet's inputs held without bound exceed them
    small.write_text("base: cluster-512\nname: small-l1\ncores: {memories: {l1: {size_bytes: 100}}}\n")
    runs = {
        "gdc": ("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 64, "--drift-times",
                "1s,1d,1y", "--repeats", 2),
        "no-gdc": ("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 64, "--drift-times",
                   "1s,1d,1y", "--repeats", 2, "--gdc", "off"),
        "hermes": ("perf", "--model", LENET, "--chip", "hermes", "--images", 4),
        "cluster-512": ("perf", "--model", LENET, "--chip", "cluster-512", "--images", 4),
        "small-l1": ("perf", "--model", LENET, "--chip", small, "--images", 4, "--stage-buffers", "unbounded"),
        "mapping": ("compile", "--model", LENET, "--chip", "hermes"),
    }
    files = []
    for name, args in runs.items():
        out = d / f"{name}.json"
        r = run_aimc(*args, "--json", out, timeout=600)
        assert r.returncode == 0, r.stderr
        files.append(out)
    return d, files, list(runs)


def test_report_renders_in_a_browser(results):
    d, files, labels = results
    html = d / "report.html"
    args = ["report", *files, "-o", html]
    for label in labels:
        args += ["--label", label]
    r = run_aimc(*args)
    assert r.returncode == 0, r.stderr
    assert f"report written to {html}" in r.stdout
    text = html.read_text()
    # Self-contained: no stylesheet, script or image is fetched from anywhere.
    assert not re.search(r"<link\b|<script[^>]+src=|<img\b|<iframe\b|@import|url\((?!#)", text)
    refs = re.findall(r"(?:href|src)=\"([^\"]*)\"", text)
    assert all(ref.startswith(("#", "data:image/")) for ref in refs), [r[:40] for r in refs]  # inline only
    # Each plot, once laid out: its size and how many drawn elements it holds (the page's own script).
    dom, log = browse(html, "--dump-dom")
    plots = json.loads(re.search(r'data-plots="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    # accuracy; energy by component; latency by kind; where the peak goes; per perf run its layers and floor
    # plan; the mapping
    assert len(plots) == 1 + 3 + 3 * 2 + 1, plots
    for width, height, elements in plots:
        assert width >= 250 and height >= 150 and elements >= 10, plots
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    assert not console, console
    shot = os.path.join(os.environ.get("AIMC_BUILD_DIR", str(d)), "report-screenshot.png")
    browse(html, f"--screenshot={shot}", "--window-size=1200,4000")
    assert os.path.getsize(shot) > 50_000
    # What the plots show: both runs' accuracy curves and both chips' bars.
    for label in labels:
        assert label in text
    # How each perf run streamed its inferences: LeNet in 8 row slices, whole from its first Gemm, where auto took 8.
    assert "slices per inference" in text and "8, whole from /fc1/Gemm" in text
    assert "(auto: the soonest run of 1, 2, 4, 8)" in text  # the slicings auto weighed
    # Each perf run's stage buffers, and the simulation's warnings: the small L1s held more than they have.
    assert "stage buffers" in text and "2 per stage" in text and "unbounded" in text
    # How each run's throughput was timed, as its JSON says (4 images of LeNet: a period on one chip or another,
    # or the run).
    assert "timed as" in text
    for f in files:
        j = json.loads(f.read_text())
        if j["result"] == "perf":
            want = {"periodic": f"steady state (repeats every {j['throughput_period']})",
                    "after-warm-up": "estimate (no repeat yet)", "run": "whole run (too short)"}[j["throughput_basis"]]
            assert want in text, (f, want)
    assert "Warnings of the simulation" in text and re.search(r"small-l1: core \d+ held up to \d+ bytes", text)


def test_report_refuses_bad_inputs_and_keeps_existing_files(results, tmp_path):
    d, files, _ = results
    html = tmp_path / "r.html"
    html.write_text("mine")
    r = run_aimc("report", files[0], "-o", html, force=False)
    assert r.returncode == 2 and "exists; pass --force" in r.stderr and html.read_text() == "mine"
    not_json = tmp_path / "x.json"
    not_json.write_text("{")
    r = run_aimc("report", not_json, "-o", tmp_path / "y.html")
    assert r.returncode == 2 and "not JSON" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"accuracy": 1}))
    r = run_aimc("report", other, "-o", tmp_path / "y.html")
    assert r.returncode == 2 and "expected the JSON of aimc compile, eval, perf" in r.stderr
    # A result edited by hand: the right header, a key of the wrong kind (a traceback until 2026-12-08)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**json.loads(files[3].read_text()), "layers": None}))
    r = run_aimc("report", files[0], edited, "-o", tmp_path / "y.html")
    assert r.returncode == 2 and r.stderr.startswith(f"aimc: error: {edited}: its keys do not hold what aimc's result "
                                                     "schema says (TypeError: ") and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.strip().endswith("expected a perf result as aimc writes it (docs/results.md)")
    r = run_aimc("report", files[0], "-o", files[0], force=True)
    assert r.returncode == 2 and "also an input" in r.stderr
    assert json.loads(files[0].read_text())["result"] == "eval"
    assert not (tmp_path / "y.html").exists()


def test_python_report_takes_result_objects(tmp_path):
    aimc = pytest.importorskip("aimc")
    chip = aimc.Chip.preset("hermes")
    program = aimc.compile(str(LENET), chip)
    result = aimc.evaluate(program, chip, MNIST, limit=32, drift_times=["1s", "1d"])
    path = aimc.report([result, aimc.perf(program, chip, images=2), program], tmp_path / "r.html", labels=["a", "b", "c"])
    text = open(path).read()
    assert text.count("<svg") >= 5
    with pytest.raises(aimc.Error, match="exists"):
        aimc.report([result], tmp_path / "r.html")


def test_a_report_leaves_the_callers_matplotlib_alone_and_takes_any_name(tmp_path):
    """It switched the process to matplotlib's svg backend and changed its rcParams (a notebook's inline plots
    after aimc.report), and a name with `$` was parsed as mathtext and failed the report (until 2026-12-08)."""
    aimc = pytest.importorskip("aimc")
    import matplotlib
    import matplotlib.pyplot as plt

    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    chip = aimc.Chip.preset("hermes").with_overrides({"name": "r$\\frac$"})
    program = aimc.compile(str(LENET), chip)
    result = aimc.evaluate(program, chip, MNIST, limit=8, drift_times=["1s", "1d"])
    text = open(aimc.report([result, aimc.perf(program, chip, images=2)], tmp_path / "r.html", labels=["x$^$", "y$"])).read()
    assert "r$\\frac$" in text and "x$^$" in text and ">10<" in text  # the name as given; log ticks as numbers
    assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == params and not plt.get_fignums()


def test_accuracy_perplexity_and_characterize_results_share_a_report(results, tmp_path):
    d, files, _ = results
    acc = json.loads(files[0].read_text())
    lm = json.loads(json.dumps(acc).replace('"accuracy', '"perplexity'))  # the same run shaped as a language model's
    lm["metric"] = "perplexity"
    (tmp_path / "lm.json").write_text(json.dumps(lm))
    ch = tmp_path / "ch.json"
    assert run_aimc("chip", "characterize", "hermes", "--matrices", 1, "--vectors", 16, "--json", ch).returncode == 0
    html = tmp_path / "all.html"
    r = run_aimc("report", files[0], tmp_path / "lm.json", ch, "-o", html)
    assert r.returncode == 0, r.stderr
    text = html.read_text()
    assert re.findall(r"<h2>([^<]*)</h2>", text) == ["Accuracy over time since programming",
                                                      "Perplexity over time since programming", "MVM error"]
    assert text.count("<svg") == 2


def test_a_sweep_database_gets_its_front_and_axis_effects(tmp_path):
    """aimc report SWEEP.db: every point and the Pareto front for each pair of objectives, each varied axis'
    effect on each objective, the front as a table; drawn in a browser."""
    model, data = ROOT / "models" / "mnist_lenet.onnx", f"mnist:{ROOT / 'data' / 'mnist-test-1k'}"
    spec = tmp_path / "s.yaml"
    spec.write_text(f"chips: [hermes]\nmodels: [{{model: {model}, data: \"{data}\", limit: 16}}]\n"
                    "axes:\n  cores.rows: [128, 256, 512]\n  seed: [1, 2]\neval: {drift_times: 1d}\nrun: [eval, perf]\n")
    r = run_aimc("sweep", spec, "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    html = tmp_path / "sweep.html"
    r = run_aimc("report", tmp_path / "s.db", "-o", html)
    assert r.returncode == 0, r.stderr
    text = html.read_text()
    front = [line for line in run_aimc("sweep", "--best", "--db", tmp_path / "s.db").stdout.splitlines()[2:] if line]
    assert f"6 points (0 could not run), {len(front)} on the Pareto front of accuracy_mean@1d (max)" in text
    dom, log = browse(html, "--dump-dom")
    plots = json.loads(re.search(r'data-plots="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert len(plots) == 3 + 2, plots  # three pairs of objectives; the effects of cores.rows and seed
    for width, height, elements in plots:
        assert width >= 250 and height >= 150 and elements >= 10, plots
    assert not [line for line in log.splitlines() if "CONSOLE" in line]
    r = run_aimc("report", tmp_path / "nothing.db", "-o", tmp_path / "x.html")
    assert r.returncode == 2 and "nothing.db" in r.stderr


def test_report_marks_an_approximate_gemm(tmp_path):
    """An eval run with a GEMM precision other than fp32 says so in the report's table and provenance."""
    out = tmp_path / "int8.json"
    r = run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST, "--limit", 32, "--drift-times", "1s",
                 "--gemm-precision", "int8", "--json", out)
    if "int8 matmul on this CPU" in r.stderr or "AVX-512 VNNI" in r.stderr:
        pytest.skip("no int8 matmul on this CPU")
    assert r.returncode == 0, r.stderr
    html = tmp_path / "r.html"
    r = run_aimc("report", out, "-o", html)
    assert r.returncode == 0, r.stderr
    text = html.read_text()
    assert "int8 GEMM: approximate" in text and "GEMM precision" in text
