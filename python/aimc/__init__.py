"""aimc: compile, simulate and measure neural networks on analog in-memory-computing chips.

    import aimc
    chip = aimc.Chip.preset("hermes")
    program = aimc.compile("models/mnist_lenet.onnx", chip, calibration_data="mnist:data/mnist-test-1k")
    result = aimc.evaluate(program, chip, data="mnist:data/mnist-test-1k", drift_times=["1s", "1d"], repeats=3)
    print(result.to_dict()["chip"][0]["accuracy_mean"], aimc.perf(program, chip).tops_per_w)

The C++ core does the work (the GIL is released while it runs); results convert to dicts with exactly
the structure of the CLI's --json files (`to_dict()`, docs/results.md) and to rows (`to_rows()`).
Errors are `aimc.Error`, with the one-line message the CLI prints (file, field or node). docs/python.md.
"""

import io
import math
import os
import sys
import time

# Idle OpenMP threads sleep instead of spinning, as in the CLI (apps/aimc/main.cpp: spinning threads
# slow a shared machine down). The runtime reads this once, when it is loaded: it applies unless
# something loaded OpenMP before aimc (import aimc first) or the user set it.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from ._aimc import Chip, Error, EvalResult, PerfResult, Program, load_dataset
from . import _aimc

__all__ = ["Chip", "Program", "EvalResult", "PerfResult", "Error", "compile", "evaluate", "run", "perf", "report",
           "load_dataset", "parse_time", "sweep_results"]

def parse_time(t, name="drift_times"):
    """Seconds from a number (seconds) or a string such as "1s", "10m", "1h", "1d", "1w", "1y" (read as
    `aimc eval --drift-times` reads it); errors name the keyword `name`."""
    if isinstance(t, bool):
        raise Error(f"{name}: {t!r} is not a time; expected seconds ≥ 0 or a string such as '1d'")
    if isinstance(t, (int, float)):
        if not math.isfinite(t) or t < 0:
            raise Error(f"{name}: {t!r} is not a time ≥ 0 (e.g. 1s, 1h, 1d, 1y, 3600)")
        return float(t)
    times = _aimc.parse_drift_times(str(t), name)
    if len(times) != 1:
        raise Error(f"{name}: '{t}' is {len(times)} times; expected one" +
                    (" per list entry" if name == "drift_times" else ""))
    return times[0]


class _Bar:
    """progress=True: a bar redrawn on a terminal, a line every 10 s otherwise (stderr)."""

    def __init__(self, task):
        self.task, self.tty, self.start, self.last = task, sys.stderr.isatty(), time.monotonic(), time.monotonic()

    def __call__(self, done, total, label):
        frac = done / total if total else 1.0
        left = (time.monotonic() - self.start) * (1 - frac) / frac if 0 < frac < 1 else 0
        if self.tty:
            bar = "#" * int(30 * frac)
            end = "\n" if done >= total else ""
            print(f"\r\033[K{self.task} [{bar:.<30}] {100 * frac:3.0f}% {label}, {left:.0f} s left", end=end,
                  file=sys.stderr, flush=True)
        elif time.monotonic() - self.last >= 10:
            print(f"aimc: {self.task}: {100 * frac:.0f}% ({label}), {left:.0f} s left", file=sys.stderr, flush=True)
            self.last = time.monotonic()


def _progress(progress, task):
    """None/False: silent; True: the built-in bar; a callable: called as progress(done, total, label)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return _Bar(task)
    if not callable(progress):
        raise Error(f"progress: {type(progress).__name__}; expected True, False or a callable(done, total, label)")
    return progress


def _chip(chip):
    if isinstance(chip, Chip):
        return chip
    if isinstance(chip, (str, os.PathLike)):
        path = os.fspath(chip)
        return Chip.load(path) if path.endswith((".yaml", ".yml")) or os.sep in path else Chip.preset(path)
    raise Error(f"chip: {type(chip).__name__}; expected an aimc.Chip, a preset name or a chip .yaml path")


def _torch_onnx_bytes(module, example, opset):
    import torch  # only when a torch module is given

    if example is None:
        raise Error("example: a torch.nn.Module is exported with an example input; give example=tensor")
    buffer = io.BytesIO()
    was_training = module.training
    module.eval()
    # One example tensor, or a tuple of them for a module of several inputs: each with its batch first, dynamic.
    names = [f"input{i}" for i in range(len(example))] if isinstance(example, (list, tuple)) else ["input"]
    if isinstance(example, list):
        example = tuple(example)
    axes = {name: {0: "batch"} for name in names}
    try:
        with torch.no_grad():
            torch.onnx.export(module, example, buffer, opset_version=opset, input_names=names,
                              output_names=["output"], dynamic_axes={**axes, "output": {0: "batch"}})
    except Exception as e:  # torch's reason, as aimc's one-line error (the exception stays chained)
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise Error(f"model: torch could not export the {type(module).__name__} to ONNX at opset {opset}: {reason}") from e
    finally:
        module.train(was_training)
    return buffer.getvalue()


def compile(model, chip, *, example=None, opset=13, pipeline="", schedule="pipelined", replicate="auto",
            calibration_data="", calibration_samples=64, seed=0, allow_quantize=False, progress=None):
    """Maps a network onto a chip. `model` is an ONNX path, ONNX bytes, or a torch.nn.Module (with `example`,
    an input tensor, or a tuple of them for a module of several inputs; exported in memory at `opset`).
    `calibration_data` is a dataset spec (its first `calibration_samples`) or an array of samples (all of them, in
    the model input's layout: the batch at its batch axis, as `run` takes them; a list of arrays, one per input in
    the model's order, for a model of several inputs); other options as `aimc compile`'s flags.
    `progress`: True for a bar, or a callable progress(done, total, label) called before each pass."""
    chip = _chip(chip)
    if isinstance(calibration_data, (list, tuple)):
        calibration_data = [_numpy(v) for v in calibration_data]
    elif not isinstance(calibration_data, str):
        calibration_data = _numpy(calibration_data)
    options = dict(pipeline=pipeline, schedule=schedule, replicate=replicate, calibration_data=calibration_data,
                   calibration_samples=calibration_samples, seed=seed, allow_quantize=allow_quantize,
                   progress=_progress(progress, "compile"))
    if isinstance(model, (bytes, bytearray)):
        return _aimc.compile(bytes(model), chip, **options)
    if isinstance(model, (str, os.PathLike)):
        return _aimc.compile(os.fspath(model), chip, **options)
    if hasattr(model, "forward") and hasattr(model, "state_dict"):
        return _aimc.compile(_torch_onnx_bytes(model, example, opset), chip, **options)
    raise Error(f"model: {type(model).__name__}; expected an ONNX path, ONNX bytes or a torch.nn.Module")


def _program(program, chip):
    if isinstance(program, Program):
        return program
    if isinstance(program, (str, os.PathLike)):
        return Program.load(os.fspath(program), chip)
    raise Error(f"program: {type(program).__name__}; expected an aimc.Program or a Program file")


def _numpy(x):
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return x


def evaluate(program, chip, data, labels=None, *, limit=-1, drift_times=("1s", "1h", "1d", "1y"), repeats=1, seed=0,
             threads=1, batch=64, read_mode="", drift_compensation="chip", compensation_readout="chip",
             allow_quantize=False, adc_saturation=False, gemm_precision="fp32", progress=None):
    """Accuracy (or perplexity) of the digital reference and of the chip at each time since programming,
    over `repeats` programming draws (draw r uses seed + r). `data` is a dataset spec ("mnist:DIR", ...) or
    an array of inputs with `labels`; without labels (an array alone, or "npy:X.npy"), any model: the output
    error ‖chip − reference‖ / ‖reference‖ of its first output against the digital reference's.
    `adc_saturation`: count the ADC conversions at their end codes per layer
    (`to_dict()["chip"][i]["adc_saturation"]`; about 8 % slower). `gemm_precision`: "fp32" (exact), "bf16"
    (the analog tiles' GEMM on bfloat16 operands: faster, conductances rounded to 8 significant bits) or "int8"
    (each column's conductances on an 8-bit grid, exact integer sums: fastest); neither is bit-identical to
    fp32 (docs/functional-sim.md). `progress`: True for a bar, or
    progress(done, total, label) after each batch (an exception it raises, e.g. KeyboardInterrupt, stops the
    evaluation)."""
    chip = _chip(chip)
    data = data if isinstance(data, str) else _numpy(data)
    labels = None if labels is None else _numpy(labels)
    times = [parse_time(t) for t in ([drift_times] if isinstance(drift_times, (str, int, float)) else drift_times)]
    return _aimc.evaluate_dataset(_program(program, chip), chip, data, labels, limit=limit, drift_times=times,
                                  repeats=repeats, seed=seed, threads=threads, batch=batch, read_mode=read_mode,
                                  drift_compensation=drift_compensation, compensation_readout=compensation_readout,
                                  allow_quantize=allow_quantize, adc_saturation=adc_saturation,
                                  gemm_precision=gemm_precision, progress=_progress(progress, "eval"))


def run(program, chip, x, *, t=None, seed=0, threads=1, read_mode="", gemm_precision="fp32"):
    """The chip's outputs for one batch `x` (numpy or torch; a list of them for a model of several inputs, in its
    input order), `t` seconds after programming (None: as programmed, no drift). One array per model output (a
    single array when the model has one)."""
    chip = _chip(chip)
    x = [_numpy(v) for v in x] if isinstance(x, (list, tuple)) else _numpy(x)
    outputs = _aimc.run(_program(program, chip), chip, x, t=None if t is None else parse_time(t, "t"), seed=seed,
                        threads=threads, read_mode=read_mode, gemm_precision=gemm_precision)
    return outputs[0] if len(outputs) == 1 else outputs


def perf(program, chip, *, images=16, batch=0, chunks="auto", read_mode="", host_gops=None, peak=False, peak_bits=0,
         stage_buffers=None, simulator="event", progress=None):
    """Latency, throughput, energy and utilisation (`program` None with peak=True: the synthetic workload that
    keeps every crossbar busy). `chunks`: the slices each inference streams through the pipeline in, "auto"
    (as `aimc perf --chunks`) or a whole number. `stage_buffers`: the items whose input each stage holds at
    once (as `aimc perf --stage-buffers`): None (the default, 2), "unbounded" or a whole number. `simulator`:
    "event" (the discrete-event simulation) or "analytic" (the closed-form model: the same energy,
    docs/perf-sim.md), as `aimc perf --simulator`. `progress`: as for `evaluate`, over the event simulation's
    items (inferences, or their slices)."""
    if simulator not in ("event", "analytic"):
        raise ValueError(f"simulator: expected \"event\" or \"analytic\", not {simulator!r}")
    chip = _chip(chip)
    prog = None if program is None else _program(program, chip)
    if chunks == "auto":
        chunks = 0
    elif isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 1:
        raise ValueError(f"chunks: expected \"auto\" or a whole number of at least 1, not {chunks!r}")
    if stage_buffers == "unbounded":
        stage_buffers = 0
    elif stage_buffers is not None and (isinstance(stage_buffers, bool) or not isinstance(stage_buffers, int)
                                        or stage_buffers < 1):
        raise ValueError(f"stage_buffers: expected None, \"unbounded\" or a whole number of at least 1, not {stage_buffers!r}")
    return _aimc.perf(prog, chip, images=images, batch=batch, chunks=chunks, read_mode=read_mode,
                      host_gops=host_gops, peak=peak, peak_bits=peak_bits, stage_buffers=stage_buffers,
                      analytic=simulator == "analytic", progress=_progress(progress, "perf"))


def sweep_results(db, objectives=None):
    """A sweep's database (`aimc sweep`, docs/sweep.md) as a dict: "points" (one dict per point, the columns of
    `aimc sweep --export csv`), "parameters" (the columns that name a point), "objectives" ([(column,
    maximise)]; default: accuracy at the longest drift time, energy per inference, inferences/s, those
    measured) and "front" (the point_index of every point on the Pareto front, as `aimc sweep --best`)."""
    if isinstance(objectives, (list, tuple)):
        objectives = ",".join(f"{c}:{'max' if m else 'min'}" for c, m in objectives)
    return _aimc.sweep_results(os.fspath(db), objectives or "")


def report(results, path, *, labels=None, force=False):
    """One self-contained HTML report (plots inline as SVG) of results: aimc result objects, their
    dicts, or result JSON files; several of one kind are compared side by side. Returns the path."""
    from .html_report import ReportError, write_report

    if not isinstance(results, (list, tuple)):
        results = [results]
    try:
        return write_report(results, path, labels=labels, force=force,
                            inputs=[r for r in results if isinstance(r, (str, os.PathLike))])
    except ReportError as e:
        raise Error(str(e)) from None
