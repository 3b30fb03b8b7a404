#include "experiment/mvm_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "chip/devices/ideal.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "sim/functional/tile.h"

namespace aimc::experiment {

namespace {

const chip::ReadModeSpec& find_mode(const chip::CoreSpec& core, const std::string& name) {
  if (name.empty()) return core.read_modes.front();
  for (const chip::ReadModeSpec& m : core.read_modes) {
    if (m.name == name) return m;
  }
  std::string known;
  for (const chip::ReadModeSpec& m : core.read_modes) known += (known.empty() ? "" : ", ") + m.name;
  throw Error(fmt::format("'{}' is not a read mode of the chip (it has: {})", name, known),
              ErrorContext{.field = "cores.read_modes"});
}

// Weights per core column block: bit-sliced weights span several columns.
int64_t weight_columns(const chip::CoreSpec& core, int64_t weight_bits) {
  return core.cols * core.arrays / chip::columns_per_weight(core.weights, weight_bits);
}

// The grid the chip stores weights on: 0 = analog (continuous), else the largest integer code.
int64_t weight_code_max(const chip::CoreSpec& core, int64_t weight_bits) {
  if (core.weights.scheme == chip::WeightScheme::Binary) return 1;
  return weight_bits > 1 ? (int64_t{1} << (weight_bits - 1)) - 1 : 0;
}

// Percentile of |e| by partial sort (p in [0, 1]).
double abs_percentile(std::vector<float> v, double p) {
  if (v.empty()) return 0;
  for (float& x : v) x = std::fabs(x);
  const auto k = static_cast<size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

MvmErrorStats measure_mvm_error(const chip::ChipSpec& chip, const MvmErrorOptions& o) {
  const chip::CoreSpec& core = chip.cores;
  const chip::ReadModeSpec& mode = find_mode(core, o.read_mode);
  if (o.matrices < 1 || o.vectors < 1) throw Error("the MVM-error measurement needs at least one matrix and one vector");
  functional::TileOptions topt;
  if (core.adc.kind == chip::AdcKind::Comparator) {
    if (core.adc.readout_bits == 0) {
      throw Error("a comparator gives a 1-bit decision, not an MVM value: the measurement needs a multi-level read-out",
                  ErrorContext{.field = "cores.adc.readout_bits"});
    }
    topt.adc_bits = core.adc.readout_bits;
  }
  const std::optional<int64_t> wb = chip::max_weight_bits(core.weights);
  const int64_t weight_bits = wb.value_or(0);
  const int64_t w_code = weight_code_max(core, weight_bits);
  if (w_code > 0) topt.weight_step = 1.0f;  // integer weights: one LSB is 1
  const int64_t rows = core.rows, cols = weight_columns(core, weight_bits);
  if (o.vectors > kMaxMvmErrorOutputs / o.matrices / std::max<int64_t>(cols, 1)) {
    throw Error(fmt::format("{} matrices x {} vectors x {} columns is {} outputs, more than the {} one measurement keeps "
                            "(its 99th percentile needs each); use fewer matrices or vectors",
                            o.matrices, o.vectors, cols, o.matrices * o.vectors * cols, kMaxMvmErrorOutputs),
                ErrorContext{.field = "vectors"});
  }

  std::vector<float> errors;
  errors.reserve(static_cast<size_t>(o.matrices * o.vectors * cols));
  double err2 = 0, ref2 = 0;
  const Rng weight_rng(o.seed, 0, RngPurpose::test), input_rng(o.seed, 1, RngPurpose::test);
  for (int64_t m = 0; m < o.matrices; ++m) {
    functional::Tile tile(
        core, functional::TileContext{.seed = o.seed, .tile_id = static_cast<uint32_t>(m), .read_mode = mode.name}, topt);
    Tensor w(DType::f32, {rows, cols});
    float* wd = w.data<float>();
    for (int64_t i = 0; i < rows * cols; ++i) {
      const double u = 2.0 * weight_rng.uniform(static_cast<uint64_t>(m * rows * cols + i)) - 1.0;  // (−1, 1)
      wd[i] = static_cast<float>(w_code == 0   ? u
                                 : w_code == 1 ? (u < 0 ? -1.0 : 1.0)
                                               : std::round(u * static_cast<double>(w_code)));
    }
    tile.program(w);
    const int64_t c_lo = tile.encoder().code_min(), c_hi = tile.encoder().code_max();
    const float step = 1.0f / static_cast<float>(std::max(c_hi, -c_lo));
    tile.calibrate(step);
    // The vectors go through in blocks (x, the exact outputs and y of one block at a time: a million vectors
    // of 1152 rows held 20 GB at once); the noise of vector v is drawn at index v whatever the block.
    const double span = static_cast<double>(c_hi - c_lo + 1);
    const auto block_of = [&](int64_t v0, int64_t n, Tensor& x, std::vector<double>& exact) {
      x = Tensor(DType::f32, {n, rows});
      float* xd = x.data<float>();
      for (int64_t i = 0; i < n * rows; ++i) {
        const double u = input_rng.uniform(static_cast<uint64_t>(m * o.vectors * rows + v0 * rows + i));
        const int64_t code = std::min(c_hi, c_lo + static_cast<int64_t>(u * span));
        xd[i] = static_cast<float>(code) * step;
      }
      exact.assign(static_cast<size_t>(n * cols), 0.0);
      for (int64_t v = 0; v < n; ++v) {
        for (int64_t r = 0; r < rows; ++r) {
          const double xv = xd[v * rows + r];
          if (xv == 0) continue;
          for (int64_t c = 0; c < cols; ++c) exact[static_cast<size_t>(v * cols + c)] += xv * wd[r * cols + c];
        }
      }
    };
    const int64_t block = std::min<int64_t>(o.vectors, kMvmErrorBlock);
    Tensor x;
    std::vector<double> exact;
    double y_max = 0;
    for (int64_t v0 = 0; v0 < o.vectors; v0 += block) {  // the largest exact output first (it sets the ADC's range)
      block_of(v0, std::min(block, o.vectors - v0), x, exact);
      for (double e : exact) y_max = std::max(y_max, std::fabs(e));
    }
    if (y_max == 0) y_max = 1;
    // Differential cells: the ADC's gain set so its full scale is the largest exact output, as a
    // measurement calibrates the columns to the range under test (HERMES-Core trims each column's
    // CCO gain); the spec's full scale is adc.full_scale × x_max · max|W| with x_max = 1.
    float w_abs_max = 0;
    for (int64_t i = 0; i < rows * cols; ++i) w_abs_max = std::max(w_abs_max, std::fabs(wd[i]));
    const bool differential = core.weights.scheme == chip::WeightScheme::Differential;
    if (differential && w_abs_max > 0) {
      functional::TileScaling sc = tile.scaling();
      const double spec_fs = core.adc.full_scale.value_or(1.0) * w_abs_max;
      for (float& f : sc.adc_full_scale) f = static_cast<float>(f * (y_max / spec_fs));
      tile.set_scaling(std::move(sc));
    }
    tile.set_time(o.t_s);  // after the scaling: a drift compensation reads through this ADC range
    for (int64_t v0 = 0; v0 < o.vectors; v0 += block) {
      const int64_t n = std::min(block, o.vectors - v0);
      if (o.vectors > block) block_of(v0, n, x, exact);  // one block: still the one above
      const Tensor y = tile.mvm(x, static_cast<uint64_t>(v0));
      const float* yd = y.data<float>();
      for (int64_t i = 0; i < n * cols; ++i) {
        const double ref = exact[static_cast<size_t>(i)];
        const double d = static_cast<double>(yd[i]) - ref;
        errors.push_back(static_cast<float>(d / y_max));
        err2 += d * d;
        ref2 += ref * ref;
      }
    }
  }
  MvmErrorStats s;
  s.outputs = static_cast<int64_t>(errors.size());
  double sum = 0;
  for (float e : errors) sum += e;
  s.mean = sum / static_cast<double>(s.outputs);
  double var = 0;
  for (float e : errors) var += (e - s.mean) * (e - s.mean);
  s.sigma = std::sqrt(var / static_cast<double>(std::max<int64_t>(1, s.outputs - 1)));
  s.p99_abs = abs_percentile(errors, 0.99);
  s.rel_l2 = ref2 > 0 ? std::sqrt(err2 / ref2) : 0.0;
  return s;
}

chip::ChipSpec with_output_noise(const chip::ChipSpec& chip, const std::string& read_mode, double out_noise_rel_std) {
  chip::ChipSpec c = chip;
  const std::string name = find_mode(c.cores, read_mode).name;
  for (chip::ReadModeSpec& m : c.cores.read_modes) {
    if (m.name == name) m.out_noise_rel_std = out_noise_rel_std;
  }
  return c;
}

MvmErrorBreakdown characterize_mvm_error(const chip::ChipSpec& chip, const MvmErrorOptions& o) {
  MvmErrorBreakdown b;
  const chip::ReadModeSpec& mode = find_mode(chip.cores, o.read_mode);
  b.read_mode = mode.name;
  b.out_noise_rel_std = mode.out_noise_rel_std;
  b.measured = mode.measured_mvm_error_rel_std.value_or(-1.0);
  const chip::ChipSpec quiet = with_output_noise(chip, mode.name, 0.0);
  b.has_devices = chip.cores.weights.scheme == chip::WeightScheme::Differential;
  if (b.has_devices) {
    chip::ChipSpec ideal = quiet;
    ideal.cores.device = chip::DeviceSpec{.technology = "ideal", .params = chip::IdealDeviceSpec{}};
    b.converters = measure_mvm_error(ideal, o);
  }
  b.devices = measure_mvm_error(quiet, o);
  b.total = mode.out_noise_rel_std > 0 ? measure_mvm_error(chip, o) : b.devices;
  if (!b.has_devices) b.converters = b.devices;
  return b;
}

double fit_output_noise(const chip::ChipSpec& chip, const MvmErrorOptions& o, double target) {
  const std::string mode = find_mode(chip.cores, o.read_mode).name;
  auto sigma_at = [&](double noise) { return measure_mvm_error(with_output_noise(chip, mode, noise), o).sigma; };
  if (sigma_at(0.0) >= target) return 0.0;
  double lo = 0, hi = 0.01;
  while (sigma_at(hi) < target) {
    lo = hi;
    hi *= 2;
    if (hi > 1) throw Error(fmt::format("no output noise up to 100 % of full scale gives an MVM error of {}", target));
  }
  while (hi - lo > 1e-5) {
    const double mid = 0.5 * (lo + hi);
    (sigma_at(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

Characterization characterize(const chip::ChipSpec& chip, const std::vector<std::string>& read_modes,
                              const MvmErrorOptions& options, bool fit) {
  std::vector<std::string> modes = read_modes;
  if (modes.empty()) {
    for (const chip::ReadModeSpec& m : chip.cores.read_modes) modes.push_back(m.name);
  }
  for (const std::string& m : modes) with_output_noise(chip, m, 0.0);  // an unknown mode: an error before any work
  Characterization out{.chip = chip.name, .rows = chip.cores.rows, .cols = chip.cores.cols, .options = options, .fit = fit};
  for (const std::string& mode : modes) {
    MvmErrorOptions o = options;
    o.read_mode = mode;
    ReadModeCharacterization r{.breakdown = characterize_mvm_error(chip, o)};
    if (fit && r.breakdown.measured < 0 && !read_modes.empty()) {
      throw Error(fmt::format("read mode '{}' has no measured_mvm_error_rel_std to fit the output noise to", mode),
                  ErrorContext{.field = "cores.read_modes." + mode + ".measured_mvm_error_rel_std"});
    }
    if (fit && r.breakdown.measured >= 0) r.fitted_out_noise_rel_std = fit_output_noise(chip, o, r.breakdown.measured);
    out.read_modes.push_back(r);
  }
  return out;
}

}  // namespace aimc::experiment
