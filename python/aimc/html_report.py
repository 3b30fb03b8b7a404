"""One self-contained HTML report of aimc results (the --json files of compile, eval, perf and chip
characterize, docs/results.md): plots inline as SVG made with matplotlib, no external reference.

    aimc report EVAL.json PERF.json [...] -o report.html [--label NAME ...] [--force]
    python -m aimc.html_report ...          (the same)
    aimc.report(results, "report.html")     (results: paths, dicts, or aimc result objects)

Several results of one kind are compared side by side: their accuracy curves on one plot, their
energy and latency bars next to each other, their figures in one table.
"""
import argparse
import datetime
import html
import io
import json
import math
import os
import sys
import tempfile

import matplotlib
import matplotlib.ticker
from matplotlib.figure import Figure

# The plots' style, applied only while a report is drawn (rc_context): the figures are matplotlib Figures of
# their own, not pyplot's, so drawing a report leaves the caller's backend and settings (a notebook's inline
# plots) as they were. text.parse_math off: names are the user's (a chip, model, layer or label with `$` was
# parsed as mathtext and failed the report).
STYLE = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
         "text.parse_math": False}


def subplots(*grid, figsize, **kw):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **kw)


def log_scale(ax, which):
    """Axis `which` ("x" or "y") of `ax` logarithmic, its ticks labelled as plain numbers (1, 10, 100, 1e+05):
    the default labels are mathtext, which STYLE turns off."""
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())

KINDS = ("compile", "eval", "perf", "characterize", "sweep")
LATENCY_KINDS = ("analog", "digital", "network", "memory", "host", "waiting", "barrier")


class ReportError(ValueError):
    """A bad input or output: reported on one line, exit 2."""


# ---- inputs -------------------------------------------------------------------------------------------

def load_result(item, label=None):
    """(label, result dict) from a path, a dict or an object with to_dict()."""
    if hasattr(item, "to_dict"):
        data, name = item.to_dict(), label
    elif isinstance(item, dict):
        data, name = item, label
    elif os.fspath(item).endswith(".db"):
        path = os.fspath(item)
        if not os.path.isfile(path):
            raise ReportError(f"{path}: not a file; expected a sweep database written by aimc sweep")
        from . import Error, sweep_results

        try:
            data = {"result": "sweep", "schema_version": 1, **sweep_results(path)}
        except Error as e:
            raise ReportError(str(e)) from None
        name = label or os.path.splitext(os.path.basename(path))[0]
        item = path
    else:
        path = os.fspath(item)
        if not os.path.isfile(path):
            raise ReportError(f"{path}: not a file; expected a result JSON written by aimc (--json)")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ReportError(f"{path}: not JSON ({e}); expected a result JSON written by aimc (--json)") from None
        name = label or os.path.splitext(os.path.basename(path))[0]
        item = path
    if not isinstance(data, dict) or data.get("result") not in KINDS or "schema_version" not in data:
        raise ReportError(f"{item if isinstance(item, str) else 'result'}: result: missing or unknown; expected the JSON "
                          f"of aimc compile, eval, perf or chip characterize (schema_version 1)")
    if data["schema_version"] != 1:
        raise ReportError(f"{item}: schema_version: {data['schema_version']}; this report reads version 1")
    return name or f"{data['result']} {data.get('model') or data.get('chip', '')}", data


# ---- plots --------------------------------------------------------------------------------------------

def svg(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def colours(n):
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


# One colour per component or latency kind in every plot of a report.
PARTS = ("crossbar", "adc", "dac", "digital", "buffers", "noc", "offchip", "memory", "static", "programming",
         "analog", "network", "host", "waiting", "barrier")


def part_colour(name):
    i = PARTS.index(name) if name in PARTS else len(PARTS) + sum(map(ord, name))
    return matplotlib.colormaps["tab10"](i) if i < 10 else matplotlib.colormaps["Dark2"]((i - 10) % 8)


# Per eval metric: its name in prose, and the scale and unit it is shown in.
METRICS = {"accuracy": ("accuracy", 100, " (%)"), "perplexity": ("perplexity", 1, ""),
           "output_error": ("output error", 100, " (%)")}


def metric_display(metric):
    return METRICS.get(metric, (metric, 1, ""))


def accuracy_plot(evals):
    fig, ax = subplots(figsize=(7, 3.6))
    metric = evals[0][1]["metric"]
    name, scale, unit = metric_display(metric)
    for (label, r), c in zip(evals, colours(len(evals))):
        t = [p["t_s"] for p in r["chip"]]
        mean = [scale * p[f"{metric}_mean"] for p in r["chip"]]
        std = [scale * p[f"{metric}_std"] for p in r["chip"]]
        ax.errorbar(t, mean, yerr=std, marker="o", capsize=3, color=c, label=f"{label}: {r['chip_name']}")
        ax.axhline(scale * r["digital"][metric], color=c, linestyle="--", linewidth=1, label=f"{label}: digital")
    log_scale(ax, "x")
    ax.set_xlabel("time since programming (s)")
    ax.set_ylabel(f"{name}{unit}")
    ax.set_title(f"{name} over time since programming (mean ± std over programming draws)")
    ax.legend(fontsize=7, loc="best")
    return svg(fig)


def stacked_bars(title, xlabel, bars, unit_scale, unit):
    """bars: [(bar label, {part: value})] drawn as horizontal stacked bars."""
    parts = sorted({p for _, d in bars for p in d}, key=lambda p: -sum(d.get(p, 0) for _, d in bars))
    fig, ax = subplots(figsize=(7, max(1.6, 0.6 + 0.35 * len(bars))))
    left = [0.0] * len(bars)
    for part in parts:
        c = part_colour(part)
        vals = [unit_scale * d.get(part, 0) for _, d in bars]
        ax.barh(range(len(bars)), vals, left=left, color=c, label=part)
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(range(len(bars)), [b[0] for b in bars])
    ax.invert_yaxis()
    ax.set_xlabel(f"{xlabel} ({unit})")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return svg(fig)


EFFICIENCY_STEPS = (("global_mapping", "crossbars used\n(global mapping)"), ("local_mapping", "MACs per MVM time\n(local mapping)"),
                    ("pipeline", "share of the\ncrossbars' bound"), ("digital_macs", "with digital\nMACs"))


def peak_cascade(perfs):
    """TOPS from the chip's peak down to the run's, one factor of its `efficiency` at a time, one line per run
    (log scale: each factor is a step of its own size)."""
    fig, ax = subplots(figsize=(7, 3.2))
    # The digital MACs' step only where a run has some.
    steps = [(k, n) for k, n in EFFICIENCY_STEPS if k != "digital_macs" or any(r["efficiency"][k] > 1 + 1e-9 for _, r in perfs)]
    labels = ["peak"] + [name for _, name in steps]
    for (label, r), c in zip(perfs, colours(len(perfs))):
        e = r["efficiency"]
        tops = [e["peak_tops"]]
        for key, _ in steps:
            tops.append(tops[-1] * e[key])
        ax.plot(range(len(tops)), tops, marker="o", color=c, label=label)
        for i, (key, _) in enumerate(steps, start=1):
            ax.annotate(f"×{e[key]:.2g}", (i, tops[i]), textcoords="offset points", xytext=(4, 4), fontsize=7, color=c)
    log_scale(ax, "y")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylabel("TOPS")
    ax.set_title("where the peak goes (the last point is the run's TOPS)")
    ax.legend(fontsize=7, frameon=False)
    return svg(fig)


def latency_by_kind(r):
    sums = {k: 0.0 for k in LATENCY_KINDS}
    for step in r.get("critical_path", []):
        for k in LATENCY_KINDS:
            sums[k] += step.get(f"{k}_s", 0.0)
    return {k: v for k, v in sums.items() if v > 0}


def grid_shape(dims):
    """The core grid: the first half of cores.arrangement's dims down, the rest across (as the CLI's floor plan)."""
    down = math.prod(dims[: len(dims) // 2])
    return down, max(1, math.prod(dims) // max(down, 1))


def floor_plan(title, arrangement, value_of_core, text_of_core, cbar_label, vmax=None):
    rows, cols = grid_shape(list(arrangement) or [max(value_of_core, default=0) + 1])
    grid = [[float("nan")] * cols for _ in range(rows)]
    for core, v in value_of_core.items():
        if 0 <= core < rows * cols:
            grid[core // cols][core % cols] = v
    fig, ax = subplots(figsize=(min(9, 1.2 + 0.32 * cols), min(9, 1.0 + 0.32 * rows)))
    im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=vmax, aspect="equal")
    if cols <= 32 and rows <= 32:
        for core, t in text_of_core.items():
            if 0 <= core < rows * cols:
                ax.text(core % cols, core // cols, t, ha="center", va="center", fontsize=6, color="w")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=cbar_label, shrink=0.8)
    return svg(fig)


def layer_energy_plot(label, r, top=20):
    layers = sorted(r["layers"], key=lambda l: -l["energy_per_inference_j"])[:top]
    bars = [(l["name"][:32], l.get("energy_per_inference_by_component_j", {})) for l in layers]
    return stacked_bars(f"{label}: energy per inference by layer (largest {len(bars)})", "energy per inference", bars,
                        1e6, "µJ")


# ---- HTML ---------------------------------------------------------------------------------------------

def esc(x):
    return html.escape(str(x))


def table(header, rows):
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    return "\n".join(out) + "</table>"


def human_time(t):
    for unit, seconds in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if t >= seconds and abs(t / seconds - round(t / seconds)) < 1e-9:
            return f"{round(t / seconds)}{unit}"
    return f"{t:g}s"


def fmt(v, digits=4):
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return "—" if v is None else v


def figure(svg_text, caption):
    return f'<figure class="plot">{svg_text}<figcaption>{esc(caption)}</figcaption></figure>'


def eval_section(evals):
    m = evals[0][1]["metric"]
    name, scale, unit = metric_display(m)
    parts = [f"<h2>{esc(name.capitalize())} over time since programming</h2>"]
    parts.append(figure(accuracy_plot(evals), f"Each run's chip {esc(name)} at each time since programming (markers: "
                                              "mean, bars: ± one standard deviation over programming draws); "
                                              "dashed: the digital fp32 reference."))
    rows = []
    for label, r in evals:
        precision = r.get("gemm_precision", "fp32")
        chip = r["chip_name"] if precision == "fp32" else f"{r['chip_name']} ({precision} GEMM: approximate)"
        for p in r["chip"]:
            rows.append([label, chip, human_time(p["t_s"]), fmt(scale * p[f"{m}_mean"]),
                         fmt(scale * p[f"{m}_std"]), p["repeats"], fmt(scale * r["digital"][m]), r["samples"], r["seed"]])
    parts.append(table(["run", "chip", "t", f"{name} mean{unit}", "std", "draws", f"digital{unit}", "samples", "seed"],
                       rows))
    for label, r in evals:
        prov = [["model", r["model"]], ["data", r["data"]], ["calibration", r["calibration"]],
                ["read mode", r["read_mode"] or "(the chip's first)"], ["drift compensation", r["drift_compensation"]],
                ["tiles", r["tiles"]], ["replicated layers", r["replicated_layers"]],
                ["GEMM precision", r.get("gemm_precision", "fp32")], ["aimc", r.get("aimc_version", "")]]
        chip = json.dumps(r.get("resolved_chip", {}), indent=1)
        parts.append(f"<details><summary>{esc(label)}: provenance and chip parameters</summary>"
                     f"{table(['', ''], prov)}<pre>{esc(chip)}</pre></details>")
    return "\n".join(parts)


def slices(r):
    """How a perf run streamed each inference (docs/perf-sim.md, Slices)."""
    k, gather, resume = r.get("chunks", 1), r.get("slices_gather"), r.get("slices_resume") or []
    tried = r.get("chunks_candidates") or []
    chosen = f" (auto: the soonest run of {', '.join(str(c) for c in tried)})" if len(tried) > 1 else ""
    if k <= 1:
        return "1 (whole)" + chosen
    again = f", in slices again from {resume[0]}" + (f" (and {len(resume) - 1} more)" if len(resume) > 1 else "") if resume else ""
    return (f"{k}, whole from {gather}{again}" if gather else str(k)) + chosen


def stage_buffers(r):
    """The room each stage's buffers had (docs/perf-sim.md, Stage buffers)."""
    n = r.get("stage_buffers")
    if n is None:
        return "unbounded"
    analytic = r.get("simulator", {}).get("kind") == "analytic"
    return f"{n} per stage" + (" (admitting items as a window)" if analytic else "")


def timed_as(r):
    """How a run's throughput was timed (docs/perf-sim.md: throughput_basis); blank for results written before."""
    basis = r.get("throughput_basis")
    if basis == "periodic":
        return f"steady state (repeats every {r['throughput_period']})"
    return {"after-warm-up": "estimate (no repeat yet)", "run": "whole run (too short)"}.get(basis, "")


def perf_section(perfs):
    parts = ["<h2>Performance</h2>"]
    rows = [[label, r["chip"], r["model"], r["schedule"], slices(r), stage_buffers(r), fmt(1e6 * r["latency_s"]),
             fmt(r["inferences_per_s"]), timed_as(r), fmt(r["tops"]), fmt(r["tops_per_w"]), fmt(1e6 * r["energy_per_inference_j"]),
             fmt(r["area_mm2"]), r["bottleneck"]["layer"]] for label, r in perfs]
    parts.append(table(["run", "chip", "model", "schedule", "slices per inference", "stage buffers", "latency (µs)",
                        "inferences/s", "timed as", "TOPS", "TOPS/W", "µJ/inference", "area (mm²)", "bottleneck"], rows))
    warned = [(label, w) for label, r in perfs for w in r.get("warnings", [])]
    if warned:
        parts.append("<p>Warnings of the simulation:</p><ul>" +
                     "".join(f"<li>{esc(label)}: {esc(w)}</li>" for label, w in warned) + "</ul>")
    parts.append(figure(stacked_bars("energy per inference by component", "energy per inference",
                                     [(l, r["energy_per_inference_by_component_j"]) for l, r in perfs], 1e6, "µJ"),
                        "Energy per inference by component (arrays, converters, digital units, network, memory, "
                        "static), one bar per run."))
    parts.append(figure(stacked_bars("latency of one inference by kind (its critical path)", "latency",
                                     [(l, latency_by_kind(r)) for l, r in perfs], 1e6, "µs"),
                        "Where one inference alone spends its latency: analog MVMs, digital units, network, "
                        "memory, host, waiting for a resource, barriers."))
    with_efficiency = [(label, r) for label, r in perfs if r.get("efficiency")]
    if with_efficiency:
        parts.append(figure(peak_cascade(with_efficiency),
                            "Where the peak goes: the chip's peak TOPS times the share of its crossbars the network "
                            "uses, the MACs per unit of their MVM time against a full array's, the share of the "
                            "crossbars' bound the run reaches, and its digital MACs: the run's TOPS."))
    for label, r in perfs:
        parts.append(figure(layer_energy_plot(label, r), f"{label}: the layers' energy per inference by component."))
        busy = {c["core"]: c["crossbar_busy_fraction"] for c in r["cores"]}
        parts.append(figure(floor_plan(f"{label}: crossbar utilisation per core", r.get("arrangement", []), busy, {},
                                       "busy fraction", vmax=1.0),
                            f"{label}: each core's crossbar busy time over the run (the chip's core grid)."))
    return "\n".join(parts)


def compile_section(compiles):
    parts = ["<h2>Mapping</h2>"]
    rows = [[label, r["chip"], r["model"], r["schedule"], r["crossbars_used"], r["crossbars_available"],
             r["cores_used"], fmt(r["cell_utilisation"]), r["reload_segments"],
             f"{r['traffic']['on_chip_bytes_per_inference']:.0f}", r["bottleneck"]["layer"]] for label, r in compiles]
    parts.append(table(["run", "chip", "model", "schedule", "crossbars", "of", "cores", "cell utilisation",
                        "reload segments", "on-chip B/inference", "bottleneck"], rows))
    for label, r in compiles:
        layer_of, text_of = {}, {}
        for i, layer in enumerate(r["layers"]):
            for core in layer["cores"]:
                if core in layer_of:
                    text_of[core] = "+"
                else:
                    layer_of[core], text_of[core] = i, str(i)
        parts.append(figure(floor_plan(f"{label}: layer per core", r.get("arrangement", []), layer_of, text_of, "layer id"),
                            f"{label}: which layer's tiles sit on each core (+: several layers)."))
        rows = [[i, l["name"], l["kind"], f"{l['rows']}x{l['cols']}", l["tiles"], l["replicas"],
                 fmt(l["cell_utilisation"]), l["vectors_per_inference"], len(l["cores"])]
                for i, l in enumerate(r["layers"])]
        parts.append(f"<details><summary>{esc(label)}: layers, provenance</summary>"
                     + table(["id", "layer", "kind", "rows x cols", "tiles", "replicas", "cell util.", "MVMs",
                              "cores"], rows)
                     + table(["", ""], [["model sha256", r.get("model_sha256", "")],
                                        ["chip sha256", r.get("chip_sha256", "")],
                                        ["calibration", r["calibration"]], ["aimc", r.get("aimc_version", "")]])
                     + "</details>")
    return "\n".join(parts)


def characterize_section(chars):
    rows = []
    for label, r in chars:
        for m in r["read_modes"]:
            rows.append([label, r["chip"], m["read_mode"], fmt(100 * m["with_devices"]["sigma"]),
                         fmt(100 * m["total"]["sigma"]), fmt(100 * m["measured_sigma"]) if "measured_sigma" in m else "—"])
    return "<h2>MVM error</h2>" + table(["run", "chip", "read mode", "σ with devices (%)", "σ total (%)",
                                          "published σ (%)"], rows)


CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}figure.plot{margin:1.5em 0}figcaption{font-size:12px;color:#555}
pre{font-size:11px;max-height:30em;overflow:auto;background:#fafafa}details{margin:0.5em 0}"""

# Measures every plot once loaded: the tests (and a curious reader's console) see each SVG's size.
CHECK = """<script>
window.addEventListener('load', function () {
  var sizes = [];
  document.querySelectorAll('figure.plot svg').forEach(function (s) {
    var b = s.getBoundingClientRect();
    sizes.push([Math.round(b.width), Math.round(b.height), s.querySelectorAll('path,use,text').length]);
  });
  document.body.setAttribute('data-plots', JSON.stringify(sizes));
});
</script>"""


def short(column):
    return column.split(".", 1)[1] if column.startswith(("eval.", "perf.", "compile.")) else column


def sweep_section(label, s):
    """A sweep: every point and its Pareto front on each pair of objectives, each axis' effect on each
    objective (mean over the other axes), and the front as a table."""
    points = [p for p in s["points"] if p["status"] == "ok"]
    goals = s["objectives"]
    front = set(s["front"])
    varied = [c for c in s["parameters"] if len({p.get(c) for p in s["points"]}) > 1]
    out = [f"<h2>Sweep {esc(label)}</h2><p>{len(s['points'])} points ({len(s['points']) - len(points)} could not run), "
           f"{len(front)} on the Pareto front of " + ", ".join(f"{esc(short(c))} ({'max' if m else 'min'})" for c, m in goals) +
           ".</p>"]
    for i in range(len(goals)):
        for j in range(i + 1, len(goals)):
            (cx, mx), (cy, my) = goals[j], goals[i]
            fig, ax = subplots(figsize=(5.5, 3.8))
            xs = [p[cx] for p in points if isinstance(p.get(cx), (int, float)) and isinstance(p.get(cy), (int, float))]
            ys = [p[cy] for p in points if isinstance(p.get(cx), (int, float)) and isinstance(p.get(cy), (int, float))]
            ax.scatter(xs, ys, s=14, color="0.65", label="points")
            fr = sorted((p[cx], p[cy]) for p in points if p["point_index"] in front)
            if fr:
                ax.scatter([x for x, _ in fr], [y for _, y in fr], s=24, color="C3", label="Pareto front", zorder=3)
            if xs and min(xs) > 0 and max(xs) / min(xs) > 100:
                log_scale(ax, "x")
            ax.set_xlabel(f"{short(cx)} ({'higher' if mx else 'lower'} is better)")
            ax.set_ylabel(short(cy))
            ax.legend(fontsize=8)
            out.append(figure(svg(fig), f"{short(cy)} against {short(cx)}: every point, the front in red"))
    for axis in varied:
        values = sorted({p.get(axis) for p in points}, key=lambda v: (isinstance(v, str), v))
        if len(values) < 2:
            continue
        fig, axes = subplots(1, len(goals), figsize=(3.2 * len(goals), 2.8), squeeze=False)
        for k, (c, _) in enumerate(goals):
            means = []
            for v in values:
                vals = [p[c] for p in points if p.get(axis) == v and isinstance(p.get(c), (int, float))]
                means.append(sum(vals) / len(vals) if vals else float("nan"))
            a = axes[0][k]
            a.plot(range(len(values)), means, marker="o")
            a.set_xticks(range(len(values)), [str(v) for v in values], fontsize=7, rotation=30)
            a.set_title(short(c), fontsize=9)
            a.set_xlabel(axis, fontsize=8)
        fig.tight_layout()
        out.append(figure(svg(fig), f"the effect of {axis}: each objective's mean over the other axes"))
    cols = ["point_index"] + [c for c in s["parameters"] if c in varied] + [c for c, _ in goals]
    out.append(table(cols, [[fmt(p.get(c)) if not isinstance(p.get(c), str) else p.get(c) for c in cols]
                            for p in points if p["point_index"] in front]))
    return "\n".join(out)


def build_html(results):
    """results: [(label, result dict)] → the report's HTML text."""
    by_kind = {k: [(l, r) for l, r in results if r["result"] == k] for k in KINDS}
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    inputs = table(["run", "result", "chip", "model", "aimc"],
                   [[l, r["result"], r.get("chip_name", r.get("chip", "")), r.get("model", ""),
                     r.get("aimc_version", "")] for l, r in results])
    body = [f"<h1>aimc report</h1><p>{len(results)} result(s), made {esc(stamp)}.</p>", inputs]
    for metric in sorted({r["metric"] for _, r in by_kind["eval"]}):  # accuracy, perplexity, output error apart
        body.append(eval_section([(l, r) for l, r in by_kind["eval"] if r["metric"] == metric]))
    if by_kind["perf"]:
        body.append(perf_section(by_kind["perf"]))
    if by_kind["compile"]:
        body.append(compile_section(by_kind["compile"]))
    if by_kind["characterize"]:
        body.append(characterize_section(by_kind["characterize"]))
    for label, sweep in by_kind["sweep"]:
        body.append(sweep_section(label, sweep))
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>aimc report</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + f"\n{CHECK}\n</body></html>\n")


def build_checked_html(loaded, items):
    """build_html, where a result whose keys do not hold what the schema says (a file edited by hand, or
    written by another program) is one line naming it rather than a traceback."""
    try:
        with matplotlib.rc_context(STYLE):
            return build_html(loaded)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError) as error:
        culprit, kind = "a result", "result"
        for (label, data), item in zip(loaded, items):
            try:
                with matplotlib.rc_context(STYLE):
                    build_html([(label, data)])
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError) as e:
                culprit, kind, error = (os.fspath(item) if isinstance(item, (str, os.PathLike)) else label), data["result"], e
                break
        raise ReportError(f"{culprit}: its keys do not hold what aimc's result schema says "
                          f"({type(error).__name__}: {error}); expected a {kind} result as aimc writes it "
                          "(docs/results.md)") from None


def write_report(results, path, labels=None, force=False, inputs=()):
    """Writes the report atomically (a temporary file renamed into place). An existing file is replaced
    only with force; an input is never overwritten."""
    path = os.fspath(path)
    for i in inputs:
        if os.path.exists(path) and os.path.exists(i) and os.path.samefile(path, i):
            raise ReportError(f"-o: {path} is also an input of this command; expected another file (nothing was written)")
    if os.path.isdir(path):
        raise ReportError(f"-o: {path} is a folder; expected a file name")
    if os.path.exists(path) and not force:
        raise ReportError(f"-o: {path} exists; pass --force to replace it (nothing was written)")
    labels = list(labels or [])
    loaded = [load_result(item, labels[i] if i < len(labels) else None) for i, item in enumerate(results)]
    if not loaded:
        raise ReportError("no results; expected one or more result JSON files")
    text = build_checked_html(loaded, results)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".aimc-report-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(prog="aimc report", description="One self-contained HTML report of aimc results")
    ap.add_argument("results", nargs="+", help="result JSON files (aimc compile/eval/perf/chip characterize --json) "
                    "or sweep databases (aimc sweep, .db)")
    ap.add_argument("-o", "--output", required=True, help="the HTML file to write")
    ap.add_argument("--label", action="append", default=[], help="a name per result, in order (default: file names)")
    ap.add_argument("--force", action="store_true", help="replace the output file if it exists")
    args = ap.parse_args(argv)
    try:
        write_report(args.results, args.output, args.label, args.force, inputs=args.results)
    except ReportError as e:
        print(f"aimc: error: {e}", file=sys.stderr)
        return 2
    print(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
