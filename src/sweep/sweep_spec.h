// A design-space sweep file (docs/sweep.md): base chips × models × axes, what to run at each point,
// and the options that stay fixed. Parsed and validated strictly, like a chip file: an unknown key,
// a chip path that leads nowhere, an empty axis or a value the chip refuses is one Error naming the
// file, the line and the key. enumerate_points() lists the points in a fixed order (grid, zipped
// axes, or a seeded random sample); a point's identity is its parameters, never its position or the
// process that runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chip/presets.h"

namespace aimc::sweep {

// What an axis changes.
enum class AxisTarget {
  Chip,     // a chip YAML path (chip::with_overrides): cores.adc.bits
  Seed,     // `seed`: the evaluation's programming draws and the calibration (each point's own)
  Compile,  // compile.replicate | compile.schedule | compile.pipeline | compile.calibration_samples
  Eval,     // eval.repeats | eval.read_mode | eval.drift_times | eval.gdc
  Perf,     // perf.images | perf.batch | perf.chunks | perf.stage_buffers | perf.read_mode | perf.host_gops | perf.simulator
};

struct Axis {
  std::string name;  // as written: "cores.adc.bits", "seed", "eval.read_mode"
  AxisTarget target = AxisTarget::Chip;
  std::string option;               // for Compile/Eval/Perf: the option after the prefix ("replicate")
  std::vector<std::string> values;  // each as YAML text (a scalar's text, a list or map in flow style)
};

struct SweepModel {
  std::string model;   // ONNX file (relative paths as given, from the working directory)
  std::string data;    // dataset spec (docs/user-guide-data.md); needed to run eval
  int64_t limit = -1;  // the first N samples of data (-1: all)
};

// The options that do not vary (axes override them per point).
struct FixedOptions {
  // compile
  std::string pipeline, schedule = "pipelined", replicate = "auto";
  int64_t calibration_samples = 64;  // of the model's data when it has data (0: synthetic inputs)
  bool allow_quantize = false;
  // eval
  std::string drift_times = "1s,1h,1d,1y";
  int64_t repeats = 1;
  uint64_t seed = 0;
  int64_t eval_batch = 64;
  std::string eval_read_mode, gdc = "chip";
  // perf
  int64_t images = 16, perf_batch = 0, chunks = 0;  // chunks 0: auto (sim/perf/slices.h)
  std::optional<int64_t> stage_buffers;             // absent: perf's default; 0: unbounded
  std::string perf_read_mode;
  std::optional<double> host_gops;  // absent: the chip's host model
  std::string simulator;            // event | analytic; empty: analytic when a point runs perf only, else event
};

struct SweepSpec {
  std::string file;
  std::vector<std::string> chips;  // preset names or chip files
  std::vector<SweepModel> models;
  std::vector<Axis> axes;
  std::vector<std::vector<int>> zip;  // groups of axes (indices) that advance together
  bool random = false;                // mode: random (else grid)
  int64_t samples = 0;                // random: points drawn (at most the grid's size)
  uint64_t sample_seed = 0;
  bool run_eval = false, run_perf = false;  // every point compiles; these run after it
  FixedOptions fixed;
  // sha256 of the canonical form of everything that defines the points' results, and of the part
  // that must not change when a database is extended with new points (all but the value lists).
  std::string hash, fixed_hash;
};

// One point: indices into spec.chips, spec.models and each axis' values.
struct SweepPoint {
  int64_t index = 0;  // position in the enumeration
  int chip = 0, model = 0;
  std::vector<int> values;  // per axis
  std::string key;          // canonical JSON of the parameters: the point's identity in a database
};

// `f` with a non-chip axis' value applied (seed, compile.*, eval.*, perf.*), through the same reader
// as the file's fixed options. Pre: the value was validated by load_sweep.
void apply_axis(FixedOptions& f, const Axis& axis, const std::string& value);

// Throws Error (file:line: key: message) on any problem; chip axes are checked by applying each of
// their values to each base chip.
SweepSpec load_sweep(const std::string& path, const chip::PresetLibrary& presets);
SweepSpec parse_sweep(const std::string& yaml, const std::string& label, const chip::PresetLibrary& presets);

// Every point of the sweep, in order: models, then chips, then the axes (grid: the last axis varies
// fastest; zipped axes advance together); mode random draws `samples` distinct grid points with
// sample_seed (the same points whatever the machine).
std::vector<SweepPoint> enumerate_points(const SweepSpec& spec);

// The grid's size (product of the dimensions' lengths), or nullopt past 2^62.
std::optional<int64_t> grid_size(const SweepSpec& spec);

}  // namespace aimc::sweep
