// Programming of the differential analog crossbar: weight → conductance mapping (aihwkit
// SinglePairConductanceConverter), programming noise, optional program-and-verify, faults, drift
// exponents, and the drift-compensation reference.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "device/numeric.h"
#include "device/registry.h"
#include "sim/functional/crossbar/analog_crossbar.h"
#include "sim/functional/faults.h"

namespace aimc::functional {

AnalogCrossbar::AnalogCrossbar(const CrossbarSetup& setup)
    : m_setup(setup),
      m_device(device::make_device_model(*setup.core)),
      m_n(setup.core->weights.devices_per_polarity.value_or(1)),
      m_phases(setup.mode->phases) {
  if (m_phases != 1 && m_phases != 4) {
    throw Error("an analog read mode has 1 phase (signed inputs in one step) or 4 (one per sign quadrant), not " +
                    std::to_string(m_phases),
                ErrorContext{.field = "cores.read_modes." + setup.mode->name + ".phases"});
  }
}

void AnalogCrossbar::apply_stuck(std::vector<float>& g) const {
  if (m_stuck.empty()) return;
  const float lo = static_cast<float>(m_device->g_min_us()), hi = static_cast<float>(m_device->g_max_us());
  for (size_t i = 0; i < g.size(); ++i) {
    if (m_stuck[i] == kStuckOff) g[i] = lo;
    if (m_stuck[i] == kStuckOn) g[i] = hi;
  }
}

void AnalogCrossbar::polarity_sums(const std::vector<float>& g, std::vector<float>& plus, std::vector<float>& minus) const {
  const size_t cells = static_cast<size_t>(m_rows * m_cols);
  plus.assign(cells, 0.0f);
  minus.assign(cells, 0.0f);
  for (int64_t d = 0; d < m_n; ++d) {
    const float* p = g.data() + static_cast<size_t>(d) * cells;
    const float* m = g.data() + static_cast<size_t>(m_n + d) * cells;
    for (size_t i = 0; i < cells; ++i) {
      plus[i] += p[i];
      minus[i] += m[i];
    }
  }
}

// Program-and-verify (cores.programming, verify_margin_us): every unit cell outside the margin is
// re-programmed — all its devices drawn afresh (attempt k) — until its verify read of ΣG⁺ − ΣG⁻ is
// within the margin of the target or max_iterations attempts are spent. Verify reads are taken as
// exact (the margin is much larger than the verify read's noise).
void AnalogCrossbar::program_and_verify(const std::vector<float>& g_target, const std::vector<float>& target_diff) {
  const chip::ProgrammingSpec& prog = m_setup.core->programming;
  const size_t cells = static_cast<size_t>(m_rows * m_cols);
  const bool verify = prog.scheme == chip::ProgrammingScheme::ProgramAndVerify && prog.verify_margin_us.has_value();
  const device::DeviceDraw draw{m_setup.context.seed, m_setup.context.tile_id, 0};
  m_device->program(g_target, draw, 0, m_g_prog);
  apply_stuck(m_g_prog);
  m_stats = ProgrammingStats{.cells = static_cast<int64_t>(cells), .pulses = static_cast<int64_t>(cells)};
  if (!verify) return;
  const float margin = static_cast<float>(*prog.verify_margin_us);
  std::vector<float> plus, minus, attempt(m_g_prog.size());
  std::vector<uint8_t> pending(cells, 1);
  int64_t open = static_cast<int64_t>(cells);
  for (int64_t k = 1; open > 0; ++k) {
    polarity_sums(m_g_prog, plus, minus);
    open = 0;
    for (size_t i = 0; i < cells; ++i) {
      if (!pending[i]) continue;
      ++m_stats.verify_reads;
      pending[i] = std::fabs(plus[i] - minus[i] - target_diff[i]) > margin ? 1 : 0;
      open += pending[i];
    }
    if (open == 0 || k >= *prog.max_iterations) break;
    m_device->program(g_target, draw, static_cast<uint32_t>(k), attempt);
    apply_stuck(attempt);
    for (int64_t dev = 0; dev < 2 * m_n; ++dev) {
      const size_t base = static_cast<size_t>(dev) * cells;
      for (size_t i = 0; i < cells; ++i) {
        if (pending[i]) m_g_prog[base + i] = attempt[base + i];
      }
    }
    m_stats.pulses += open;
  }
  m_stats.unconverged = open;
}

void AnalogCrossbar::program(const float* w, int64_t rows, int64_t cols) {
  const chip::CoreSpec& core = *m_setup.core;
  m_rows = rows;
  m_cols = cols;
  const size_t cells = static_cast<size_t>(rows * cols);
  // max|W| of the tile, or of each column (WeightScale::PerColumn); 1 where all weights are 0.
  const bool per_column = m_setup.options.weight_scale == WeightScale::PerColumn;
  std::vector<float> w_max(static_cast<size_t>(cols), 0.0f);
  for (size_t i = 0; i < cells; ++i) {
    float& m = w_max[per_column ? i % static_cast<size_t>(cols) : 0];
    m = std::max(m, std::fabs(w[i]));
  }
  if (!per_column) std::fill(w_max.begin() + 1, w_max.end(), w_max[0]);
  for (float& m : w_max) m = m == 0 ? 1.0f : m;
  // Optional weight quantisation before programming (cores.weights.bits / TileOptions::weight_bits),
  // in steps of max|W| / (2^(b−1) − 1) of the tile or the column.
  std::vector<float> wq(w, w + cells);
  if (m_setup.weight_bits > 0) {
    const float q_max = static_cast<float>(device::symmetric_code_max(m_setup.weight_bits));
    for (size_t i = 0; i < cells; ++i) {
      const float step = w_max[i % static_cast<size_t>(cols)] / q_max;
      wq[i] = device::round_even(device::clampf(wq[i] / step, -q_max, q_max)) * step;
    }
  }
  // aihwkit SinglePairConductanceConverter on the polarity totals: s = (g_max − g_min)/max|W|,
  // g± = clamp(±W·s, 0, g_max − g_min) + g_min; each of the n devices targets g±/n.
  const double n = static_cast<double>(m_n);
  const double g_min_pol = n * m_device->g_min_us(), g_max_pol = n * m_device->g_max_us();
  m_s.assign(static_cast<size_t>(cols), 0.0);
  for (int64_t c = 0; c < cols; ++c) m_s[c] = (g_max_pol - g_min_pol) / w_max[c];
  std::vector<float> g_target(static_cast<size_t>(devices()), 0.0f);
  std::vector<float> target_diff(cells, 0.0f);
  for (size_t i = 0; i < cells; ++i) {
    const double s = m_s[i % static_cast<size_t>(cols)];
    const double gp = std::clamp(wq[i] * s, 0.0, g_max_pol - g_min_pol) + g_min_pol;
    const double gm = std::clamp(-wq[i] * s, 0.0, g_max_pol - g_min_pol) + g_min_pol;
    for (int64_t d = 0; d < m_n; ++d) {
      g_target[static_cast<size_t>(d) * cells + i] = static_cast<float>(gp / n);
      g_target[static_cast<size_t>(m_n + d) * cells + i] = static_cast<float>(gm / n);
    }
    target_diff[i] = static_cast<float>(gp - gm);
  }
  m_target_col_max.assign(static_cast<size_t>(cols), 0.0f);
  for (size_t i = 0; i < cells; ++i) {
    float& m = m_target_col_max[i % static_cast<size_t>(cols)];
    m = std::max(m, std::fabs(target_diff[i]));
  }
  const TileContext& ctx = m_setup.context;
  const chip::FaultSpec& faults = core.faults;
  m_stuck = any_stuck(faults) ? draw_stuck(faults, devices(), ctx.seed, ctx.tile_id) : std::vector<uint8_t>();
  m_dead = draw_dead_columns(faults, cols, ctx.seed, ctx.tile_id);
  m_adc_columns = device::draw_adc_columns(core.adc, cols, ctx.seed, ctx.tile_id);
  m_g_prog.assign(static_cast<size_t>(devices()), 0.0f);
  program_and_verify(g_target, target_diff);
  // The devices of one polarity drift together: the drift-exponent statistics are fitted per
  // polarity (aihwkit HermesNoiseModel models both devices as holding the same G), so independent
  // draws per device would narrow the polarity's ν spread by √n. Device 0's ν stands for all n.
  std::vector<float> nu(static_cast<size_t>(devices()), 0.0f);
  m_device->drift_exponents(g_target, device::DeviceDraw{ctx.seed, ctx.tile_id, 0}, nu);
  m_nu.resize(2 * cells);
  for (int64_t pol = 0; pol < 2; ++pol) {
    std::copy_n(nu.data() + static_cast<size_t>(pol * m_n) * cells, cells, m_nu.data() + static_cast<size_t>(pol) * cells);
  }
  // Drift compensation: the reference is the programmed state (programming noise, no drift), read
  // at the first set_time — through the tile's read path (readout: chip, which needs the tile's
  // scaling) or as exact sums |ΣG⁺ − ΣG⁻| (readout: exact).
  m_reference.clear();
  m_alpha.assign(static_cast<size_t>(cols), 1.0f);
  load_weights(m_g_prog);
  m_programmed_sums = m_exact_sums;
}

std::vector<float> AnalogCrossbar::spec_adc_full_scale(int64_t input_code_max, AdcRange range) const {
  // adc.full_scale is in units of the largest single-row product |w|max·|x|max (aihwkit out_bound).
  const double fs = m_setup.core->adc.full_scale.value_or(1.0) * static_cast<double>(input_code_max);
  if (range == AdcRange::PerTile) {
    float w_max = 0;
    for (float v : m_target_col_max) w_max = std::max(w_max, v);
    return {static_cast<float>(fs * (w_max > 0 ? w_max : 1.0f))};
  }
  std::vector<float> out = m_target_col_max;
  for (float& v : out) v = static_cast<float>(fs * (v > 0 ? v : 1.0f));
  return out;
}

}  // namespace aimc::functional
