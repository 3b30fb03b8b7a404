// Time evolution and MVM of the differential analog crossbar.
//
// One-phase (phases: 1): signed input codes drive the rows in one step (V_cm ± V_read, HERMES-Core),
//   y = x·(ΣG⁺ − ΣG⁻) + σ_out·FS·N, one ADC conversion of the signed sum.
// Four-phase (phases: 4): ASSUMPTION (chips.md §1.2: how the phases split is unverified): one phase
//   per sign quadrant, P_ab = x^a·G^b for a, b ∈ {+, −}, each a one-signed integration with its own
//   output noise σ_out·FS/2 (so the sum has the read mode's σ_out·FS) that saturates on its own at
//   [0, phase_full_scale·FS]; the ADC's counter accumulates P++ − P+− − P−+ + P−− and quantises once
//   (saturating at ±FS).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "device/noise_stream.h"
#include "sim/functional/crossbar/analog_crossbar.h"
#include "sim/functional/epilogue.h"

namespace aimc::functional {

namespace {
// A read epoch per time value, so set_time(t) draws the same read noise whenever t is the same.
uint64_t epoch_of(double t_s) {
  uint64_t h = std::bit_cast<uint64_t>(t_s) * 0x9E3779B97F4A7C15ull;
  return (h >> 40) + 1;  // 24 bits above the 40 device-index bits; epoch 0 is never used
}

// Vector indices of the drift-compensation readouts (their output-noise draws): far above any data
// vector, one block of `rows` per read epoch (epoch 0: the reference right after programming).
constexpr uint64_t kReadoutFirst = uint64_t{1} << 48;

// Column c's ADC full scale (unit products) from a per-tile or per-column TileScaling entry (checked
// against the crossbar's columns once per call by check_full_scale).
float full_scale_of(const std::vector<float>& v, int64_t c) { return v[v.size() == 1 ? 0 : static_cast<size_t>(c)]; }
void check_full_scale(const std::vector<float>& v, int64_t cols) {
  AIMC_ASSERT(v.size() == 1 || static_cast<int64_t>(v.size()) == cols, "adc_full_scale: 1 or one per column");
}
}  // namespace

void AnalogCrossbar::load_weights(const std::vector<float>& g) {
  std::vector<float> plus, minus;
  polarity_sums(g, plus, minus);
  const size_t cells = plus.size();
  m_exact_sums.assign(static_cast<size_t>(m_cols), 0.0f);
  for (int64_t r = 0; r < m_rows; ++r) {
    for (int64_t c = 0; c < m_cols; ++c) m_exact_sums[c] += std::fabs(plus[r * m_cols + c] - minus[r * m_cols + c]);
  }
  const GemmPrecision precision = m_setup.options.gemm_precision;
  if (precision == GemmPrecision::int8 && !m_setup.options.converters) {
    throw Error("GEMM precision int8 needs the chip's converters (integer input codes)");
  }
  if (m_phases == 1) {
    for (size_t i = 0; i < cells; ++i) plus[i] -= minus[i];
    // int8: signed codes as s8; unsigned as u8 (the executor checks the range: executor_prepare.cpp)
    m_gemm.set_weights(plus.data(), m_rows, m_cols, precision, m_setup.encoder->code_min() < 0);
  } else {
    std::vector<float> both(2 * cells);
    for (int64_t r = 0; r < m_rows; ++r) {
      std::copy_n(plus.data() + r * m_cols, m_cols, both.data() + 2 * r * m_cols);
      std::copy_n(minus.data() + r * m_cols, m_cols, both.data() + (2 * r + 1) * m_cols);
    }
    m_gemm.set_weights(both.data(), m_rows, 2 * m_cols, precision, false);  // x⁺ and x⁻: magnitudes
  }
}

// aihwkit GlobalDriftCompensation: forward eye(rows) through the tile (every row alone at its
// largest input, here the largest input code) and take mean |Y|; per column for per-column.
std::vector<float> AnalogCrossbar::chip_readout(const TileScaling& scaling, uint64_t epoch) {
  std::fill(m_alpha.begin(), m_alpha.end(), 1.0f);
  const float x_max = static_cast<float>(m_setup.options.converters ? m_setup.encoder->code_max() * scaling.input_step : 1.0);
  std::vector<float> x(static_cast<size_t>(m_rows * m_rows), 0.0f), y(static_cast<size_t>(m_rows * m_cols));
  for (int64_t r = 0; r < m_rows; ++r) x[static_cast<size_t>(r * m_rows + r)] = x_max;
  mvm(x.data(), m_rows, m_rows, kReadoutFirst + epoch * static_cast<uint64_t>(m_rows), scaling, y.data());
  // Summed as the chip reads them, in ADC codes (unit products without converters): the weight-domain
  // outputs divided by each column's code → weight factor LSB_c · input_step / s_c.
  const bool convert = m_setup.options.converters;
  if (convert) check_full_scale(scaling.adc_full_scale, m_cols);
  std::vector<double> sums(static_cast<size_t>(m_cols), 0.0);
  for (int64_t r = 0; r < m_rows; ++r) {
    for (int64_t c = 0; c < m_cols; ++c) sums[c] += std::fabs(y[static_cast<size_t>(r * m_cols + c)]);
  }
  std::vector<float> codes(static_cast<size_t>(m_cols));
  for (int64_t c = 0; c < m_cols; ++c) {
    const double lsb = convert ? static_cast<double>(full_scale_of(scaling.adc_full_scale, c)) / m_setup.adc->code_max() : 1.0;
    const double to_weight = lsb * (convert ? scaling.input_step : 1.0) / m_s[c];
    codes[c] = static_cast<float>(sums[c] / to_weight);
  }
  return codes;
}

void AnalogCrossbar::update_compensation(const std::vector<float>& ref, const std::vector<float>& cur) {
  const chip::DriftCompensation scheme = m_setup.core->drift_compensation.scheme;
  if (scheme == chip::DriftCompensation::PerColumn) {
    for (int64_t c = 0; c < m_cols; ++c) m_alpha[c] = cur[c] > 0 ? ref[c] / cur[c] : 1.0f;
  } else if (scheme == chip::DriftCompensation::Global) {
    double r = 0, now = 0;
    for (int64_t c = 0; c < m_cols; ++c) {
      r += ref[c];
      now += cur[c];
    }
    // aihwkit clamps the readout's mean at 1e-4; a tile that reads all zeros keeps α = 1.
    std::fill(m_alpha.begin(), m_alpha.end(), now > 0 && r > 0 ? static_cast<float>(r / now) : 1.0f);
  } else {
    std::fill(m_alpha.begin(), m_alpha.end(), 1.0f);
  }
}

std::vector<float> AnalogCrossbar::conductances_at(double t_s) const {
  const size_t cells = static_cast<size_t>(m_rows * m_cols);
  std::vector<float> nu(m_g_prog.size()), g(m_g_prog.size());
  for (int64_t dev = 0; dev < 2 * m_n; ++dev) {
    std::copy_n(m_nu.data() + static_cast<size_t>(dev / m_n) * cells, cells, nu.data() + static_cast<size_t>(dev) * cells);
  }
  const TileContext& ctx = m_setup.context;
  m_device->read(m_g_prog, nu, t_s, device::DeviceDraw{ctx.seed, ctx.tile_id, 0}, epoch_of(t_s), g);
  apply_stuck(g);
  return g;
}

void AnalogCrossbar::set_time(double t_s, const TileScaling& scaling) {
  AIMC_ASSERT(t_s >= 0, "set_time: negative time");
  const chip::DriftCompensationSpec& dc = m_setup.core->drift_compensation;
  const bool chip_readout_on = dc.scheme != chip::DriftCompensation::None && dc.readout == chip::CompensationReadout::Chip;
  const bool same_scaling =
      scaling.input_step == m_reference_scaling.input_step && scaling.adc_full_scale == m_reference_scaling.adc_full_scale;
  if (chip_readout_on && (m_reference.empty() || !same_scaling)) {
    // The reference: the programmed state (programming noise, no drift, no read noise), read once.
    load_weights(m_g_prog);
    m_reference = chip_readout(scaling, 0);
    m_reference_scaling = scaling;
  }
  load_weights(conductances_at(t_s));
  if (chip_readout_on) {
    const std::vector<float> cur = chip_readout(scaling, epoch_of(t_s));
    update_compensation(m_reference, cur);
  } else {
    if (m_reference.empty()) m_reference = m_programmed_sums;
    update_compensation(m_reference, m_exact_sums);
  }
}

namespace {

// Per-thread buffers of the MVM epilogue (its constants, noise), kept between calls.
std::vector<float>& noise_buffer() {
  thread_local std::vector<float> z;
  return z;
}
std::vector<uint8_t>& clip_buffer() {  // four phases, counted, before a non-linear converter
  thread_local std::vector<uint8_t> f;
  return f;
}
ColumnEpilogue& epilogue_buffer() {
  thread_local ColumnEpilogue ep;
  return ep;
}
float* sized(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
}  // namespace

// y = x·(ΣG⁺ − ΣG⁻) per column in unit products, then per chunk of rows (in cache): output noise,
// v / LSB, the ADC (code per column gain and offset, saturation), code · LSB · input_step / s · α
// (digital affine correction and drift compensation), dead columns 0.
void AnalogCrossbar::mvm(const float* x, int64_t ld, int64_t batch, uint64_t first, const TileScaling& sc, float* y) const {
  run_mvm(x, nullptr, ld, batch, first, sc, InputForm::values, y);
}

// Codes are read where they lie (the fp32 GEMM's operand; bf16 and int8 convert them from there).
bool AnalogCrossbar::reads_codes() const { return m_setup.options.converters; }

void AnalogCrossbar::mvm_codes(const float* codes, int64_t batch, uint64_t first, const TileScaling& sc, InputForm form,
                               float* y) const {
  AIMC_ASSERT(reads_codes() && form != InputForm::values, "AnalogCrossbar::mvm_codes without codes or converters");
  run_mvm(codes, nullptr, m_rows, batch, first, sc, form, y);
}

// Bytes go to the int8 GEMM as its operand: codes of either sign on a one-phase read (s8, or u8 where
// the encoder is unsigned: the GEMM's own type, load_weights), non-negative ones on a four-phase read
// (its x⁺; x⁻ would need the sign split).
bool AnalogCrossbar::reads_code_bytes(InputForm form) const {
  return m_setup.options.converters && m_gemm.precision() == GemmPrecision::int8 &&
         (form == InputForm::nonnegative_codes || (m_phases == 1 && form == InputForm::codes));
}

void AnalogCrossbar::mvm_code_bytes(const uint8_t* codes, int64_t batch, uint64_t first, const TileScaling& sc, InputForm form,
                                    float* y) const {
  AIMC_ASSERT(reads_code_bytes(form), "AnalogCrossbar::mvm_code_bytes without an int8 GEMM or with codes it cannot take");
  run_mvm(nullptr, codes, m_rows, batch, first, sc, form, y);
}

void AnalogCrossbar::run_mvm(const float* x, const uint8_t* x8, int64_t ld, int64_t batch, uint64_t first, const TileScaling& sc,
                             InputForm input, float* y) const {
  const bool convert = m_setup.options.converters;
  const device::IInputEncoder& enc = *m_setup.encoder;
  const device::IAdc& adc = *m_setup.adc;
  const int64_t cols = m_cols, rows = m_rows;
  check_full_scale(sc.adc_full_scale, cols);
  const auto fs = [&](int64_t c) { return full_scale_of(sc.adc_full_scale, c); };
  const double step = convert ? sc.input_step : 1.0;
  const float sigma = static_cast<float>(m_setup.mode->out_noise_rel_std);
  // This thread's epilogue, refilled per call without allocating. A reference, so that the chunks'
  // finish reads this thread's copy also on the workers of the GEMM's own parallel loop.
  ColumnEpilogue& ep = epilogue_buffer();
  const auto ucols = static_cast<size_t>(cols);
  ep.cols = cols;
  ep.lsb.resize(ucols);
  ep.noise.resize(ucols);
  ep.scale.resize(ucols);
  ep.full_scale.resize(ucols);
  ep.dead.assign(m_dead.begin(), m_dead.end());
  ep.convert = convert;
  ep.fused = !convert || adc.linear();
  ep.count = m_setup.options.count_saturation;
  ep.code_lo = adc.code_min();
  ep.code_hi = adc.code_max();
  ep.gain = m_adc_columns.gain.data();
  ep.zeros.assign(m_phases != 1 ? 2 * ucols : 0, 0.0f);
  ep.offset = m_adc_columns.offset.data();
  for (int64_t c = 0; c < cols; ++c) {
    // four phases: each phase saturates at phase_full_scale × the ADC's full scale
    ep.full_scale[c] = fs(c) * static_cast<float>(m_setup.mode->phase_full_scale);
    ep.lsb[c] = fs(c) / adc.code_max();
    ep.noise[c] = (m_phases == 1 ? sigma : 0.5f * sigma) * fs(c);  // four phases: σ/2 each, σ in all
    // code · LSB · input_step / s · α (without converters: v · 1 / s · α)
    ep.scale[c] = static_cast<float>((convert ? static_cast<double>(ep.lsb[c]) : 1.0) * step / m_s[c] * m_alpha[c]);
  }
  const TileContext& ctx = m_setup.context;
  const device::NoiseStream noise(ctx.seed, ctx.tile_id, RngPurpose::output_noise);
  const int64_t draws = m_phases == 1 ? cols : 4 * cols;  // noise numbers per vector
  const float input_step = sc.input_step;

  const auto finish = [&](GemmChunk& chunk) {
    const int64_t n = chunk.i1 - chunk.i0;
    float* out = y + chunk.i0 * cols;
    const float* z = nullptr;
    if (sigma > 0) {
      float* buf = sized(noise_buffer(), static_cast<size_t>(n * draws));
      noise.fill_normal((first + static_cast<uint64_t>(chunk.i0)) * static_cast<uint64_t>(draws),
                        {buf, static_cast<size_t>(n * draws)});
      z = buf;
    }
    // The chunk's outputs: operand 0's at p (four phases: x⁺'s), operand 1's (x⁻'s) q_offset further when it ran.
    const int64_t width = m_phases == 1 ? cols : 2 * cols, p = chunk.pos0 * width;
    const int64_t q_offset = (chunk.active & 2u) != 0 ? chunk.rows * width : -1;
    if (chunk.sums != nullptr) {  // an int8 GEMM's integer sums, read as values in the plain case's one pass
      if (m_phases == 1) {
        column_sums_one_phase(ep, chunk.sums + p, chunk.step, n, out);
      } else {
        column_sums_four_phase(ep, chunk.sums + p, q_offset < 0 ? nullptr : chunk.sums + p + q_offset, chunk.step, n, out);
      }
      return;
    }
    int64_t saturated = 0;
    uint8_t* clipped = nullptr;  // four phases, counted: a clipped phase counts with a non-linear converter's code
    if (m_phases == 1) {
      saturated = column_sums_one_phase(ep, chunk.y + p, z, n, out);
    } else {
      const float* q = q_offset < 0 ? nullptr : chunk.y + p + q_offset;
      if (ep.count && !ep.fused) {
        clip_buffer().resize(static_cast<size_t>(n * cols));
        clipped = clip_buffer().data();
      }
      saturated = column_sums_four_phase(ep, chunk.y + p, q, z, n, out, clipped);
    }
    if (!ep.fused) {
      adc.convert({out, static_cast<size_t>(n * cols)}, cols, m_adc_columns);
      if (ep.count) saturated = count_saturated(out, n * cols, ep.code_lo, ep.code_hi, clipped);
      scale_columns(ep, n, out);
    }
    if (convert && ep.count) count_conversions(n * cols, saturated);
  };

  // Codes are encoded already: copied, or read where they lie (a full chunk of dense rows, as the
  // GEMM's operand 0, where no sign split is needed).
  const device::IInputEncoder* encoder = convert && input == InputForm::values ? &enc : nullptr;
  const auto in_place = [&](const GemmChunk& chunk) {
    return input != InputForm::values && ld == rows && chunk.pos0 == 0 && chunk.i1 - chunk.i0 == chunk.rows;
  };
  // An int8 GEMM in the plain case leaves its integer sums for finish to read (GemmChunk::wants_sums).
  const bool sums = m_gemm.precision() == GemmPrecision::int8 && plain_epilogue(ep, sigma > 0);
  if (x8 != nullptr) {  // code bytes (reads_code_bytes): operand 0 only, read where they lie or copied
    m_gemm.run(
        batch, first, m_phases == 1 ? 1 : 2,
        [&](GemmChunk& chunk) {
          chunk.active &= 1u;
          chunk.wants_sums = sums;
          if (in_place(chunk)) {
            chunk.bytes0 = x8 + chunk.i0 * ld;
            return;
          }
          std::memcpy(chunk.bytes + chunk.pos0 * rows, x8 + chunk.i0 * ld, static_cast<size_t>((chunk.i1 - chunk.i0) * rows));
          chunk.wrote_bytes = true;
        },
        finish);
    return;
  }
  if (m_phases == 1) {
    m_gemm.run(
        batch, first, 1,
        [&](GemmChunk& chunk) {
          chunk.wants_sums = sums;
          if (in_place(chunk)) {
            chunk.a0 = x + chunk.i0 * ld;
            return;
          }
          encode_rows(encoder, x + chunk.i0 * ld, ld, rows, chunk.i1 - chunk.i0, input_step, chunk.a + chunk.pos0 * rows);
        },
        finish);
    return;
  }
  // Four phases: the positive and negative parts of the inputs (operands 0 and 1) against
  // [G⁺ | G⁻]; a chunk without negative inputs (e.g. after a ReLU) skips its second GEMM.
  m_gemm.run(
      batch, first, 2,
      [&](GemmChunk& chunk) {
        chunk.wants_sums = sums;
        if (input == InputForm::nonnegative_codes && in_place(chunk)) {
          chunk.a0 = x + chunk.i0 * ld;
          chunk.active &= ~2u;
          return;
        }
        const size_t n = static_cast<size_t>((chunk.i1 - chunk.i0) * rows);
        float* pos = chunk.a + chunk.pos0 * rows;
        float* neg = chunk.a + chunk.rows * rows + chunk.pos0 * rows;
        // No code with its sign bit set (the encoder tells, in its pass; known for codes): nothing to split.
        const bool signs = encode_rows(encoder, x + chunk.i0 * ld, ld, rows, chunk.i1 - chunk.i0, input_step, pos) &&
                           input != InputForm::nonnegative_codes;
        if (!signs || !split_signs(pos, n, neg)) chunk.active &= ~2u;
      },
      finish);
}

std::unique_ptr<ICrossbar> make_analog_crossbar(const CrossbarSetup& setup) { return std::make_unique<AnalogCrossbar>(setup); }

}  // namespace aimc::functional
