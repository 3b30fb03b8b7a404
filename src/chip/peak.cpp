#include "chip/peak.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "chip/area.h"
#include "chip/schema/schema.h"
#include "core/error.h"

namespace aimc::chip {

namespace {

// The phases of one streaming MVM job in chip cycles (a mode with a `job`).
struct JobCycles {
  int64_t idle = 0, in = 0, compute = 0, out = 0;
};

double t_mvm_of(const ChipSpec& chip, const ReadModeSpec& mode) {
  const double t_clk_ns = 1e3 / chip.clock_mhz;
  return mode.t_mvm_cycles ? static_cast<double>(*mode.t_mvm_cycles) * t_clk_ns : mode.t_mvm_ns.value();
}

JobCycles job_cycles(const ChipSpec& chip, const ReadModeSpec& mode, int64_t input_bits, int64_t rows, int64_t cols) {
  const CoreSpec& core = chip.cores;
  const MvmJobSpec& j = *mode.job;
  const double t_clk_ns = 1e3 / chip.clock_mhz;
  auto beats = [&](int64_t elements, int64_t bits) {
    const int64_t bytes = elements * ((bits + 7) / 8);
    return (bytes + j.stream_bytes_per_cycle - 1) / j.stream_bytes_per_cycle;
  };
  const int64_t r = rows < 0 ? core.rows : std::min(rows, core.rows);
  const int64_t c = cols < 0 ? core.cols : std::min(cols, core.cols);
  // ceil(t / T_clk), with a tolerance so that an exact multiple is not rounded up by float error.
  const int64_t compute = static_cast<int64_t>(std::ceil(t_mvm_of(chip, mode) / t_clk_ns - 1e-9));
  return {j.idle_cycles, beats(r, input_bits) + j.fifo_cycles, compute + j.compute_extra_cycles,
          beats(c, core.adc.bits) + j.fifo_cycles};
}

}  // namespace

double mvm_latency_ns(const ChipSpec& chip, const ReadModeSpec& mode, int64_t input_bits, int64_t rows, int64_t cols) {
  const CoreSpec& core = chip.cores;
  if (core.input.kind == InputKind::BitSerial) {
    return static_cast<double>(mode.phases * input_bits * core.adc.columns_per_adc) * core.adc.t_conversion_ns.value();
  }
  if (!mode.job) return t_mvm_of(chip, mode);
  const JobCycles j = job_cycles(chip, mode, input_bits, rows, cols);
  return static_cast<double>(j.idle + j.in + j.compute + j.out) * 1e3 / chip.clock_mhz;
}

double mvm_interval_ns(const ChipSpec& chip, const ReadModeSpec& mode, int64_t input_bits, int64_t rows, int64_t cols) {
  if (chip.cores.input.kind == InputKind::BitSerial || !mode.job || !mode.job->overlap) {
    return mvm_latency_ns(chip, mode, input_bits, rows, cols);
  }
  const JobCycles j = job_cycles(chip, mode, input_bits, rows, cols);
  return static_cast<double>(j.idle + std::max({j.in, j.compute, j.out})) * 1e3 / chip.clock_mhz;
}

double core_mvm_energy_pj(const CoreSpec& core, const ReadModeSpec& mode, int64_t input_bits) {
  if (core.input.kind == InputKind::BitSerial) {
    return static_cast<double>(mode.phases * input_bits) * mode.e_bit_phase_pj.value();
  }
  return mode.e_mvm_pj.value();
}

int64_t chip_weight_capacity(const ChipSpec& chip, std::optional<int64_t> weight_bits) {
  return chip.cores.count * core_weight_capacity(chip.cores, weight_bits.value_or(1));
}

std::optional<AreaBasis> area_basis(const ChipSpec& chip) {
  const std::optional<AreaBreakdown> a = area_breakdown(chip);
  if (!a) return std::nullopt;
  return AreaBasis{a->total_mm2, a->basis};
}

PeakPoint peak_point(const ChipSpec& chip, const std::string& mode_name, int64_t input_bits, std::optional<int64_t> weight_bits) {
  const CoreSpec& core = chip.cores;
  const ReadModeSpec* mode = find_named(core.read_modes, mode_name);
  if (mode == nullptr) throw Error(fmt::format("chip '{}' has no read mode '{}'", chip.name, mode_name));
  if (input_bits < 1 || input_bits > core.input.bits) {
    throw Error(fmt::format("{}-bit inputs; chip '{}' takes 1 to {} bits", input_bits, chip.name, core.input.bits));
  }
  const std::optional<int64_t> max_w = max_weight_bits(core.weights);
  if (weight_bits && (*weight_bits < 1 || (max_w && *weight_bits > *max_w))) {
    throw Error(fmt::format("{}-bit weights; chip '{}' stores up to {} bits", *weight_bits, chip.name, max_w.value_or(0)));
  }
  PeakPoint p;
  p.mode = mode->name;
  p.input_bits = input_bits;
  p.weight_bits = weight_bits;
  p.weights = chip_weight_capacity(chip, weight_bits);
  p.ops_per_mvm = 2.0 * static_cast<double>(p.weights);  // every stored weight does one MAC
  p.t_mvm_ns = mvm_interval_ns(chip, *mode, input_bits);
  p.e_mvm_pj = static_cast<double>(core.count) * core_mvm_energy_pj(core, *mode, input_bits);
  p.tops = p.ops_per_mvm / p.t_mvm_ns * 1e-3;  // ops/ns = GOPS
  p.tops_per_w = p.ops_per_mvm / p.e_mvm_pj;   // ops/pJ = TOPS/W
  p.power_w = p.e_mvm_pj / p.t_mvm_ns * 1e-3;  // pJ/ns = mW
  if (auto area = area_basis(chip)) p.tops_per_mm2 = p.tops / area->mm2;
  return p;
}

double static_power_w(const ChipSpec& chip) {
  if (chip.static_power_mw) return *chip.static_power_mw * 1e-3;
  if (chip.cores.static_power_mw) return *chip.cores.static_power_mw * 1e-3 * static_cast<double>(chip.cores.count);
  return 0.0;
}

std::vector<PeakPoint> peak_table(const ChipSpec& chip) {
  std::vector<PeakPoint> table;
  for (const ReadModeSpec& mode : chip.cores.read_modes) {
    for (int64_t bits : peak_input_bits(chip.cores.input)) {
      table.push_back(peak_point(chip, mode.name, bits, peak_weight_bits(chip.cores.weights, bits)));
    }
  }
  return table;
}

}  // namespace aimc::chip
