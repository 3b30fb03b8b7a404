// Binary 6T-SRAM crossbar in the current domain (Zhang & Verma JSSC 2017 / JETCAS 2019; chips.md §3).
//
// Weights: w = ±1 (W ≥ 0 → +1), a cell discharging BL or BLB; the tile's weight magnitude is
//   weight_step (default mean |W|, as XNOR-style binarisation).
// Inputs: word-line DAC codes x_r (unsigned 5 b on the chip). Column signal: S = Σ_r x_r·w_r·(1 + δ_rc)
//   with δ the cell's read-current mismatch (current_mismatch_rel_std; bit-line variation), plus the
//   read mode's output noise σ_out·FS.
// Comparator (adc.kind: comparator): output sign(S − θ_c) ∈ {−1, +1} (ties → +1), returned as is —
//   the binarised activation; θ_c = the column's threshold (TileScaling::threshold, weight domain)
//   in unit products, set by the comparator's per-column reference. FS = rows·code_max for the noise
//   scale. Multi-level read-out (options.adc_bits = b > 1): successive approximation with the
//   comparator against that reference stepped in unit products, code = clamp(round(S), ±(2^(b−1) − 1)),
//   b array evaluations per MVM; y = code·input_step·weight_step. Other ADC kinds: signed linear
//   ADC over FS = full_scale·code_max unit products, y = code·LSB·input_step·weight_step.
// With no mismatch S is computed exactly with packed bits: Σ_r x_r w_r = 2·Σ_r x_r b_r − Σ_r x_r,
//   Σ_r x_r b_r = Σ_p pw_p·popcount(plane_p & b).
#include <algorithm>
#include <cmath>

#include "chip/devices/sram_binary.h"
#include "core/error.h"
#include "core/threads.h"
#include "device/noise_stream.h"
#include "device/numeric.h"
#include "device/registry.h"
#include "sim/functional/bit_kernels.h"
#include "sim/functional/crossbar/i_crossbar.h"
#include "sim/functional/epilogue.h"
#include "sim/functional/faults.h"
#include "sim/functional/fixed_gemm.h"

namespace aimc::functional {

namespace {

// A per-thread buffer of n values of type T, kept between calls.
template <class T>
T* buffer(size_t n) {
  thread_local std::vector<T> v;
  if (v.size() < n) v.resize(n);
  return v.data();
}

class SramBinaryCrossbar final : public ICrossbar {
 public:
  explicit SramBinaryCrossbar(const CrossbarSetup& setup)
      : m_setup(setup),
        m_mismatch(setup.core->device.as<chip::SramBinarySpec>().current_mismatch_rel_std),
        m_comparator(setup.adc->bits() == 1 && setup.adc->code_max() == 1.0f && setup.adc->code_min() == -1.0f),
        m_readout_bits(m_comparator && setup.options.adc_bits > 1 ? setup.options.adc_bits : 0) {
    if (m_readout_bits > 16)
      throw Error("a comparator read-out takes at most 16 bits", ErrorContext{.field = "cores.adc.readout_bits"});
  }

  void program(const float* w, int64_t rows, int64_t cols) override {
    m_rows = rows;
    m_cols = cols;
    m_words = words_for(rows);
    double sum = 0;
    for (int64_t i = 0; i < rows * cols; ++i) sum += std::fabs(w[i]);
    const double mean = sum / static_cast<double>(std::max<int64_t>(rows * cols, 1));
    m_weight_step = m_setup.options.weight_step > 0 ? m_setup.options.weight_step : (mean > 0 ? static_cast<float>(mean) : 1.0f);
    const TileContext& ctx = m_setup.context;
    const std::vector<uint8_t> stuck = draw_stuck(m_setup.core->faults, rows * cols, ctx.seed, ctx.tile_id);
    m_dead = draw_dead_columns(m_setup.core->faults, cols, ctx.seed, ctx.tile_id);
    m_adc_columns = device::draw_adc_columns(m_setup.core->adc, cols, ctx.seed, ctx.tile_id);
    m_wt.assign(static_cast<size_t>(m_words * cols), 0);
    std::vector<float> signs(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const int64_t k = r * cols + c;
        bool plus = w[k] >= 0;
        if (stuck[k] == kStuckOff) plus = false;
        if (stuck[k] == kStuckOn) plus = true;
        signs[k] = plus ? 1.0f : -1.0f;
        if (plus) m_wt[(r / 64) * cols + c] |= uint64_t{1} << (r % 64);
      }
    }
    if (m_mismatch > 0) {
      std::vector<float> d(signs.size());
      device::NoiseStream(ctx.seed, ctx.tile_id, RngPurpose::mismatch).fill_normal(0, d);
      for (size_t k = 0; k < d.size(); ++k) d[k] = signs[k] * (1.0f + static_cast<float>(m_mismatch) * d[k]);
      m_gemm.set_weights(d.data(), rows, cols);
    }
  }

  int64_t physical_columns() const override { return m_cols; }

  std::vector<float> spec_adc_full_scale(int64_t input_code_max, AdcRange) const override {
    const double fs = m_comparator ? static_cast<double>(m_rows) : m_setup.core->adc.full_scale.value_or(1.0);
    return {static_cast<float>(fs * static_cast<double>(input_code_max))};
  }

  void set_time(double, const TileScaling&) override {}

  void mvm(const float* x, int64_t ld, int64_t batch, uint64_t first, const TileScaling& sc, float* y) const override {
    const device::IInputEncoder& enc = *m_setup.encoder;
    const float fs = sc.adc_full_scale.at(0);
    const float sigma = static_cast<float>(m_setup.mode->out_noise_rel_std) * fs;
    const float lsb = m_comparator ? 1.0f : fs / m_setup.adc->code_max();
    const float unit = sc.input_step * m_weight_step;  // one unit product in the weight domain
    const float scale = m_comparator && m_readout_bits == 0 ? 1.0f : lsb * unit;
    std::vector<float> theta(static_cast<size_t>(m_cols), 0.0f);  // thresholds in unit products
    for (size_t c = 0; c < sc.threshold.size(); ++c) theta[c] = sc.threshold[c] / unit;
    const auto code_max = static_cast<float>(m_readout_bits > 1 ? device::symmetric_code_max(m_readout_bits) : 0);
    const device::NoiseStream noise(m_setup.context.seed, m_setup.context.tile_id, RngPurpose::output_noise);
    // Column signals of vector v (in y's row) → noise, ADC, comparator or read-out, digital scale.
    const auto finish = [&](int64_t v) {
      const std::span<float> row(y + v * m_cols, static_cast<size_t>(m_cols));
      if (sigma > 0) noise.add_normal((first + static_cast<uint64_t>(v)) * static_cast<uint64_t>(m_cols), sigma, row);
      if (m_readout_bits > 0) {
        const auto& g = m_adc_columns;
        for (int64_t c = 0; c < m_cols; ++c) {
          row[c] = device::round_even(device::clampf(row[c] * g.gain[c] + g.offset[c], -code_max, code_max));
        }
        if (m_setup.options.count_saturation) count_conversions(m_cols, count_saturated(row.data(), m_cols, -code_max, code_max));
      } else {
        for (int64_t c = 0; c < m_cols; ++c) row[c] = row[c] / lsb - theta[c];
        m_setup.adc->convert(row, m_cols, m_adc_columns);
        // a comparator's decision is always an end code: it has no range to exceed
        if (!m_comparator && m_setup.options.count_saturation) {
          count_conversions(m_cols, count_saturated(row.data(), m_cols, m_setup.adc->code_min(), m_setup.adc->code_max()));
        }
      }
      for (int64_t c = 0; c < m_cols; ++c) row[c] = m_dead[c] ? 0.0f : row[c] * scale;
    };
    if (m_mismatch > 0) {
      const int64_t rows = m_rows;
      m_gemm.run(
          batch, first, 1,
          [&](GemmChunk& c) { encode_rows(&enc, x + c.i0 * ld, ld, rows, c.i1 - c.i0, sc.input_step, c.a + c.pos0 * rows); },
          [&](GemmChunk& c) {
            std::copy_n(c.y + c.pos0 * m_cols, (c.i1 - c.i0) * m_cols, y + c.i0 * m_cols);
            for (int64_t v = c.i0; v < c.i1; ++v) finish(v);
          });
      return;
    }
    const int64_t planes = enc.bits();
    const bool twos = enc.code_min() < 0;
    parallel_static(batch, batch, 0, [&](int64_t v) {
      float* codes = buffer<float>(static_cast<size_t>(m_rows));
      uint64_t* xp = buffer<uint64_t>(static_cast<size_t>(planes * m_words));
      uint32_t* counts = buffer<uint32_t>(static_cast<size_t>(planes * m_cols));
      enc.encode({x + v * ld, static_cast<size_t>(m_rows)}, sc.input_step, {codes, static_cast<size_t>(m_rows)});
      pack_code_planes(codes, m_rows, planes, xp);
      and_popcount_planes(xp, planes, m_wt.data(), m_words, m_cols, counts);
      int64_t x_sum = 0;
      for (int64_t p = 0; p < planes; ++p) {
        const int64_t pw = twos && p == planes - 1 ? -(int64_t{1} << p) : (int64_t{1} << p);
        x_sum += pw * popcount_words(xp + p * m_words, m_words);
      }
      for (int64_t c = 0; c < m_cols; ++c) {
        int64_t acc = 0;
        for (int64_t p = 0; p < planes; ++p) {
          const int64_t pw = twos && p == planes - 1 ? -(int64_t{1} << p) : (int64_t{1} << p);
          acc += pw * counts[p * m_cols + c];
        }
        y[v * m_cols + c] = static_cast<float>(2 * acc - x_sum);
      }
      finish(v);
    });
  }

  ProgrammingStats programming_stats() const override {
    return ProgrammingStats{.cells = m_rows * m_cols, .pulses = m_rows * m_cols};
  }

  int64_t digital_ops_per_vector() const override { return m_comparator && m_readout_bits == 0 ? 0 : m_cols; }

 private:
  CrossbarSetup m_setup;
  double m_mismatch;
  bool m_comparator;
  int64_t m_readout_bits;  // comparator multi-level read-out bits; 0: the 1-bit decision
  int64_t m_rows = 0, m_cols = 0, m_words = 0;
  float m_weight_step = 1;
  std::vector<uint64_t> m_wt;
  std::vector<uint8_t> m_dead;
  device::AdcColumns m_adc_columns;
  FixedGemm m_gemm;
};

}  // namespace

std::unique_ptr<ICrossbar> make_sram_binary_crossbar(const CrossbarSetup& setup) {
  return std::make_unique<SramBinaryCrossbar>(setup);
}

}  // namespace aimc::functional
