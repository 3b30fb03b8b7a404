// Charge-domain bit-parallel/bit-serial crossbar (Jia et al. JSSC 2020/2022 BPBS; chips.md §2.2).
//
// Weights: integers q in bw-bit two's complement (q = clamp(round(W/step), −2^(bw−1), 2^(bw−1)−1)),
//   bit j of q in physical column c·bw + j (ASSUMPTION: two's complement, the MSB column weighted
//   −2^(bw−1) in the digital recombination; the sources do not say).
// Inputs: bx-bit codes applied one bit-plane i per conversion (IInputEncoder::plane_weight).
// Column level of plane i, column (c, j): L = Σ_r x_ir·w_rj (AND of the cell's bits; charge shared
//   along the column). With capacitor mismatch each cell's capacitor is (1 + σ·N) and charge sharing
//   normalises by the column's total: L = R·Σ_r C_r·x_ir·w_rj / Σ_r C_r.
// ADC per conversion (unsigned, 2^b − 1 codes over FS levels): code = clamp(round(L·(2^b−1)/FS)),
//   L' = code·FS/(2^b−1); FS = max(adc.full_scale, rows) by default, so with full_scale 255 and
//   ≤ 255 rows the ADC is exact and with more rows it rounds (ASSUMPTION: the ADC reference spans
//   the rows in use, as "exact when column levels ≤ 255" implies).
// Digital shift-and-add: y = input_step·weight_step·Σ_i Σ_j pw_i·sw_j·L'_ij.
#include <algorithm>
#include <cmath>

#include "chip/devices/charge_domain.h"
#include "core/rng.h"
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

// A per-thread buffer of n values, kept between calls (slot: several buffers of one type).
template <class T, int Slot>
T* buffer(size_t n) {
  thread_local std::vector<T> v;
  if (v.size() < n) v.resize(n);
  return v.data();
}

// acc[c] = Σ_i Σ_j weight[i·phys + c·bw + j]·code[i·phys + c·bw + j] (codes: integers as floats).
void shift_add(const float* code, const int32_t* weight, int64_t planes, int64_t phys, int64_t bw, int64_t* acc) {
  int64_t* t = buffer<int64_t, 1>(static_cast<size_t>(phys));
  weighted_code_sums(code, weight, planes, phys, t);
  for (int64_t c = 0; c < phys / bw; ++c) {
    int64_t sum = 0;
    for (int64_t j = 0; j < bw; ++j) sum += t[c * bw + j];
    acc[c] = sum;
  }
}

class ChargeDomainCrossbar final : public ICrossbar {
 public:
  explicit ChargeDomainCrossbar(const CrossbarSetup& setup)
      : m_setup(setup),
        m_bw(setup.weight_bits),
        m_mismatch(setup.core->device.as<chip::ChargeDomainSpec>().capacitor_mismatch_rel_std) {}

  void program(const float* w, int64_t rows, int64_t cols) override {
    m_rows = rows;
    m_cols = cols;
    m_phys = cols * m_bw;
    m_words = words_for(rows);
    const float q_max = static_cast<float>(device::symmetric_code_max(m_bw));
    float w_max = 0;
    for (int64_t i = 0; i < rows * cols; ++i) w_max = std::max(w_max, std::fabs(w[i]));
    m_weight_step = m_setup.options.weight_step > 0 ? m_setup.options.weight_step : (w_max > 0 ? w_max / q_max : 1.0f);
    const TileContext& ctx = m_setup.context;
    const std::vector<uint8_t> stuck = draw_stuck(m_setup.core->faults, rows * m_phys, ctx.seed, ctx.tile_id);
    m_dead = draw_dead_columns(m_setup.core->faults, m_phys, ctx.seed, ctx.tile_id);
    m_adc_columns = device::draw_adc_columns(m_setup.core->adc, m_phys, ctx.seed, ctx.tile_id);
    m_bits.assign(static_cast<size_t>(rows * m_phys), 0);
    m_wt.assign(static_cast<size_t>(m_words * m_phys), 0);
    const auto q_lo = static_cast<float>(-(int64_t{1} << (m_bw - 1)));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const auto q = static_cast<uint64_t>(
            static_cast<int64_t>(device::round_even(device::clampf(w[r * cols + c] / m_weight_step, q_lo, q_max))));
        for (int64_t j = 0; j < m_bw; ++j) {
          const int64_t cell = r * m_phys + c * m_bw + j;
          uint8_t bit = (q >> j) & 1u;
          if (stuck[cell] == kStuckOff) bit = 0;
          if (stuck[cell] == kStuckOn) bit = 1;
          m_bits[cell] = bit;
          if (bit) m_wt[(r / 64) * m_phys + c * m_bw + j] |= uint64_t{1} << (r % 64);
        }
      }
    }
    if (m_mismatch > 0) load_mismatch();
  }

  int64_t physical_columns() const override { return m_phys; }

  std::vector<float> spec_adc_full_scale(int64_t, AdcRange) const override {
    return {static_cast<float>(std::max(m_setup.core->adc.full_scale.value_or(255.0), static_cast<double>(m_rows)))};
  }

  void set_time(double, const TileScaling&) override {}  // SRAM cells and capacitors do not drift

  void mvm(const float* x, int64_t ld, int64_t batch, uint64_t first, const TileScaling& sc, float* y) const override {
    const device::IInputEncoder& enc = *m_setup.encoder;
    const int64_t bx = enc.bits();
    const float fs = sc.adc_full_scale.at(0);
    const float lsb = fs / m_setup.adc->code_max();
    const float sigma = static_cast<float>(m_setup.mode->out_noise_rel_std) * fs;
    const device::NoiseStream noise(m_setup.context.seed, m_setup.context.tile_id, RngPurpose::output_noise);
    const double out_scale = static_cast<double>(sc.input_step) * m_weight_step;
    // Integer weight of each (plane i, physical column c·bw + j): pw_i·sw_j, 0 for dead columns.
    std::vector<int32_t> weight(static_cast<size_t>(bx * m_phys));
    for (int64_t i = 0; i < bx; ++i) {
      for (int64_t p = 0; p < m_phys; ++p) {
        const int64_t j = p % m_bw;
        const int64_t sw = j == m_bw - 1 ? -(int64_t{1} << j) : (int64_t{1} << j);
        weight[static_cast<size_t>(i * m_phys + p)] = m_dead[p] ? 0 : static_cast<int32_t>(enc.plane_weight(i) * sw);
      }
    }
    // Levels lv (bx × phys) of vector v → output row: noise, ADC per conversion, shift-and-add.
    // Σ pw·sw·code is an exact integer and its product with the LSB exact in double, so y is
    // input_step·weight_step·Σ_i Σ_j pw_i·sw_j·L' rounded once.
    // v: vector index; levels: its bx × phys column levels (counts, or the mismatch GEMM's floats).
    const auto finish = [&](int64_t v, float* lv) {
      const std::span<float> block(lv, static_cast<size_t>(bx * m_phys));
      m_setup.adc->convert(block, m_phys, m_adc_columns);
      if (m_setup.options.count_saturation) {
        count_conversions(bx * m_phys, count_saturated(lv, bx * m_phys, m_setup.adc->code_min(), m_setup.adc->code_max()));
      }
      int64_t* acc = buffer<int64_t, 0>(static_cast<size_t>(m_cols));
      shift_add(lv, weight.data(), bx, m_phys, m_bw, acc);
      for (int64_t c = 0; c < m_cols; ++c) {
        y[v * m_cols + c] = static_cast<float>(static_cast<double>(acc[c]) * static_cast<double>(lsb) * out_scale);
      }
    };
    const uint64_t draws = static_cast<uint64_t>(bx * m_phys);  // noise numbers per vector
    if (m_mismatch > 0) {
      // Row v·bx + i of the GEMM input: bit-plane i of vector v's codes.
      const int64_t conversions = batch * bx;
      std::vector<float> levels(static_cast<size_t>(conversions * m_phys));
      std::vector<float> codes(static_cast<size_t>(batch * m_rows));
      if (batch > 0) encode_rows(&enc, x, ld, m_rows, batch, sc.input_step, codes.data());
      std::vector<float> planes(static_cast<size_t>(conversions * m_rows));
      for (int64_t v = 0; v < batch; ++v) {
        for (int64_t r = 0; r < m_rows; ++r) {
          const auto code = static_cast<uint64_t>(static_cast<int64_t>(codes[v * m_rows + r]));
          for (int64_t i = 0; i < bx; ++i) planes[(v * bx + i) * m_rows + r] = static_cast<float>((code >> i) & 1u);
        }
      }
      m_gemm.run(planes.data(), conversions, first * static_cast<uint64_t>(bx), levels.data());
      parallel_static(batch, batch, 0, [&](int64_t v) {
        float* lv = levels.data() + v * bx * m_phys;
        const std::span<float> block(lv, draws);
        if (sigma > 0) noise.add_normal((first + static_cast<uint64_t>(v)) * draws, sigma, block);
        for (float& l : block) l /= lsb;
        finish(v, lv);
      });
      return;
    }
    parallel_static(batch, batch, 0, [&](int64_t v) {  // integer results: any split gives the same bits
      float* codes = buffer<float, 0>(static_cast<size_t>(m_rows));
      uint64_t* xp = buffer<uint64_t, 0>(static_cast<size_t>(bx * m_words));
      uint32_t* counts = buffer<uint32_t, 0>(static_cast<size_t>(bx * m_phys));
      float* lv = buffer<float, 1>(static_cast<size_t>(bx * m_phys));
      enc.encode({x + v * ld, static_cast<size_t>(m_rows)}, sc.input_step, {codes, static_cast<size_t>(m_rows)});
      pack_code_planes(codes, m_rows, bx, xp);
      and_popcount_planes(xp, bx, m_wt.data(), m_words, m_phys, counts);
      const float* z = nullptr;
      if (sigma > 0) {
        float* zb = buffer<float, 2>(draws);
        noise.fill_normal((first + static_cast<uint64_t>(v)) * draws, {zb, draws});
        z = zb;
      }
      levels_over_lsb(counts, z, sigma, lsb, draws, lv);  // (L + σ·z) / LSB
      finish(v, lv);
    });
  }

  ProgrammingStats programming_stats() const override {
    return ProgrammingStats{.cells = m_rows * m_phys, .pulses = m_rows * m_phys};
  }

  // Shift-add of every bit-plane's column codes, then one affine step per output.
  int64_t digital_ops_per_vector() const override { return m_setup.encoder->bits() * m_phys + m_cols; }

 private:
  // Cell capacitors (1 + σ·N), drawn from purpose `mismatch`; GEMM operand R·C_r·w_r / Σ_r C_r.
  void load_mismatch() {
    std::vector<float> cap(static_cast<size_t>(m_rows * m_phys));
    device::NoiseStream(m_setup.context.seed, m_setup.context.tile_id, RngPurpose::mismatch).fill_normal(0, cap);
    std::vector<double> total(static_cast<size_t>(m_phys), 0.0);
    for (size_t k = 0; k < cap.size(); ++k) {
      cap[k] = 1.0f + static_cast<float>(m_mismatch) * cap[k];
      total[k % static_cast<size_t>(m_phys)] += cap[k];
    }
    std::vector<float> m(cap.size());
    for (size_t k = 0; k < cap.size(); ++k) {
      m[k] = static_cast<float>(m_bits[k] * cap[k] * static_cast<double>(m_rows) / total[k % static_cast<size_t>(m_phys)]);
    }
    m_gemm.set_weights(m.data(), m_rows, m_phys);
  }

  CrossbarSetup m_setup;
  int64_t m_bw;
  double m_mismatch;
  int64_t m_rows = 0, m_cols = 0, m_phys = 0, m_words = 0;
  float m_weight_step = 1;
  std::vector<uint8_t> m_bits;  // rows × physical columns
  std::vector<uint64_t> m_wt;   // words × physical columns (word-major)
  std::vector<uint8_t> m_dead;
  device::AdcColumns m_adc_columns;
  FixedGemm m_gemm;
};

}  // namespace

std::unique_ptr<ICrossbar> make_charge_domain_crossbar(const CrossbarSetup& setup) {
  return std::make_unique<ChargeDomainCrossbar>(setup);
}

}  // namespace aimc::functional
