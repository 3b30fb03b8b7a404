// Tile-level models against their closed forms: drift compensation, program-and-verify, faults,
// the ADC path, capacitor and current mismatch, one- vs four-phase output noise, RRAM.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "chip/devices/pcm.h"
#include "chip/devices/rram.h"
#include "device/numeric.h"
#include "device/registry.h"
#include "sim/functional/crossbar/analog_crossbar.h"
#include "sim/functional/faults.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

const AnalogCrossbar& analog(const Tile& tile) { return dynamic_cast<const AnalogCrossbar&>(tile.crossbar()); }

double mean_abs(const Tensor& y, int64_t col = -1) {
  const int64_t rows = y.dim(0), cols = y.dim(1);
  double s = 0;
  int64_t n = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      if (col >= 0 && c != col) continue;
      s += std::fabs(y.data<float>()[r * cols + c]);
      ++n;
    }
  }
  return s / static_cast<double>(n);
}

// HERMES PCM with drift only (no programming or read noise, no output noise, no converters), so
// outputs move with drift alone.
chip::CoreSpec drift_only_core(chip::DriftCompensation dc) {
  chip::CoreSpec core = test::preset_core("hermes");
  auto pcm = core.device.as<chip::PcmSpec>();
  pcm.prog_noise_scale = 0;
  pcm.read_noise_scale = 0;
  core.device.params = pcm;
  core.drift_compensation = chip::DriftCompensationSpec{.scheme = dc, .readout = chip::CompensationReadout::Exact};
  for (auto& m : core.read_modes) m.out_noise_rel_std = 0;
  return core;
}

// Column sums Σ|ΣG⁺ − ΣG⁻| of a device state (the one-hot readout of docs/tile-model.md §2).
std::vector<double> column_abs_sums(const AnalogCrossbar& xb, const std::vector<float>& g, int64_t rows, int64_t cols) {
  std::vector<double> out(static_cast<size_t>(cols), 0.0);
  const size_t cells = static_cast<size_t>(rows * cols);
  const int64_t n = static_cast<int64_t>(g.size() / (2 * cells));
  for (size_t i = 0; i < cells; ++i) {
    double d = 0;
    for (int64_t k = 0; k < n; ++k)
      d += double(g[static_cast<size_t>(k) * cells + i]) - g[static_cast<size_t>(n + k) * cells + i];
    out[i % static_cast<size_t>(cols)] += std::fabs(d);
  }
  (void)xb;
  return out;
}

Tensor one_hot(int64_t rows) {
  Tensor x(DType::f32, {rows, rows});
  for (int64_t r = 0; r < rows; ++r) x.data<float>()[r * rows + r] = 1.0f;
  return x;
}

// GDC (aihwkit GlobalDriftCompensation): α = ref/cur of the one-hot readout, so the mean |output|
// of the one-hot batch after drift, times α, is the programmed state's exactly. Random inputs weight
// the cells differently (ν depends on the conductance), so there the mean is restored only roughly.
TEST(DriftCompensation, GlobalRestoresTheMeanOutput) {
  const int64_t rows = 128, cols = 64;
  const Tensor w = test::random_tensor(rows, cols, 31), x = one_hot(rows), xr = test::random_tensor(200, rows, 32);
  for (const auto dc : {chip::DriftCompensation::None, chip::DriftCompensation::Global}) {
    Tile tile(drift_only_core(dc), TileContext{.seed = 4}, TileOptions{.converters = false});
    tile.program(w);
    const Tensor y0 = tile.mvm(x), yr0 = tile.mvm(xr, 1000);
    tile.set_time(86400.0 * 30);
    const Tensor y1 = tile.mvm(x), yr1 = tile.mvm(xr, 1000);
    const double ratio = mean_abs(y1) / mean_abs(y0), random_ratio = mean_abs(yr1) / mean_abs(yr0);
    const AnalogCrossbar& xb = analog(tile);
    if (dc == chip::DriftCompensation::None) {
      EXPECT_LT(ratio, 0.8) << "a month of drift without compensation";
      EXPECT_LT(random_ratio, 0.8);
      for (float a : xb.compensation()) EXPECT_EQ(a, 1.0f);
      continue;
    }
    // α = Σ|D(0)| / Σ|D(t)| (closed form from the device states), the same for every column.
    const auto ref = column_abs_sums(xb, xb.g_prog(), rows, cols),
               cur = column_abs_sums(xb, xb.conductances_at(86400.0 * 30), rows, cols);
    const double alpha = std::accumulate(ref.begin(), ref.end(), 0.0) / std::accumulate(cur.begin(), cur.end(), 0.0);
    for (float a : xb.compensation()) EXPECT_NEAR(a, alpha, 1e-5 * alpha);
    EXPECT_GT(alpha, 1.2);
    EXPECT_NEAR(ratio, 1.0, 1e-5);
    EXPECT_NEAR(random_ratio, 1.0, 0.1);
  }
}

TEST(DriftCompensation, PerColumnRestoresEachColumnsMean) {
  const int64_t rows = 128, cols = 32;
  // Columns of different magnitude drift differently (ν depends on the conductance).
  Tensor w = test::random_tensor(rows, cols, 41);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) w.data<float>()[r * cols + c] *= 0.1f + 0.9f * static_cast<float>(c) / cols;
  }
  const Tensor x = one_hot(rows);
  Tile tile(drift_only_core(chip::DriftCompensation::PerColumn), TileContext{.seed = 5}, TileOptions{.converters = false});
  tile.program(w);
  const Tensor y0 = tile.mvm(x);
  tile.set_time(86400.0 * 365);
  const Tensor y1 = tile.mvm(x);
  const AnalogCrossbar& xb = analog(tile);
  const auto ref = column_abs_sums(xb, xb.g_prog(), rows, cols),
             cur = column_abs_sums(xb, xb.conductances_at(86400.0 * 365), rows, cols);
  float lo = 1e9f, hi = 0;
  for (int64_t c = 0; c < cols; ++c) {
    const double alpha = ref[c] / cur[c];
    EXPECT_NEAR(xb.compensation()[c], alpha, 1e-5 * alpha) << c;
    lo = std::min(lo, xb.compensation()[c]);
    hi = std::max(hi, xb.compensation()[c]);
    EXPECT_NEAR(mean_abs(y1, c) / mean_abs(y0, c), 1.0, 1e-5) << c;
  }
  EXPECT_GT(hi - lo, 0.01f) << "per-column factors differ";
}

// GDC through the chip's read path (readout: chip, aihwkit's forward of eye(rows) through the tile):
// every row alone at the largest input code, the column's sum through the ADC, α = Σ|codes(0)| /
// Σ|codes(t)|. Closed form from the device states: code = round_even(code_max·ΔG / LSB), saturated.
TEST(DriftCompensation, ChipReadoutQuantisesTheCalibrationThroughTheAdc) {
  const int64_t rows = 128, cols = 64;
  const Tensor w = test::random_tensor(rows, cols, 33);
  chip::CoreSpec core = drift_only_core(chip::DriftCompensation::Global);
  core.drift_compensation.readout = chip::CompensationReadout::Chip;
  core.read_modes.erase(core.read_modes.begin() + 1, core.read_modes.end());  // one-phase
  Tile tile(core, TileContext{.seed = 6}, TileOptions{});
  tile.program(w);
  tile.calibrate(0.01f);
  tile.set_time(86400.0 * 365);
  const AnalogCrossbar& xb = analog(tile);
  const double code_in = static_cast<double>(tile.encoder().code_max());
  const double lsb = tile.scaling().adc_full_scale.at(0) / static_cast<double>(tile.adc().code_max());
  const double code_hi = tile.adc().code_max();
  auto readout = [&](const std::vector<float>& g) {
    const size_t cells = static_cast<size_t>(rows * cols);
    const int64_t n = core.weights.devices_per_polarity.value_or(1);
    double sum = 0;
    for (size_t i = 0; i < cells; ++i) {
      double d = 0;
      for (int64_t k = 0; k < n; ++k) d += g[static_cast<size_t>(k) * cells + i] - g[static_cast<size_t>(n + k) * cells + i];
      const double v = static_cast<float>(code_in * d) / static_cast<float>(lsb);
      sum += std::fabs(std::clamp(std::nearbyint(v), -code_hi, code_hi));
    }
    return sum;
  };
  const std::vector<float> g_now = xb.conductances_at(86400.0 * 365);
  const double alpha = readout(xb.g_prog()) / readout(g_now);
  for (float a : xb.compensation()) EXPECT_NEAR(a, alpha, 2e-3 * alpha);
  // The exact readout (Σ|ΔG|) gives another factor: the ADC's rounding of small weights biases it.
  const auto ref = column_abs_sums(xb, xb.g_prog(), rows, cols), cur = column_abs_sums(xb, g_now, rows, cols);
  const double exact = std::accumulate(ref.begin(), ref.end(), 0.0) / std::accumulate(cur.begin(), cur.end(), 0.0);
  EXPECT_GT(std::fabs(alpha - exact), 1e-4 * exact);
  EXPECT_GT(alpha, 1.2);
}

// HERMES TDP: the two devices of a polarity share one drift exponent (fitted per polarity): with
// drift alone, both devices of a polarity keep the same ratio G(t)/G(0), and the polarities differ.
TEST(DriftExponents, DevicesOfAPolarityShareOne) {
  const int64_t rows = 16, cols = 8, cells = rows * cols;
  Tile tile(drift_only_core(chip::DriftCompensation::None), TileContext{.seed = 3}, TileOptions{.converters = false});
  tile.program(test::random_tensor(rows, cols, 5));
  const AnalogCrossbar& xb = analog(tile);
  ASSERT_EQ(static_cast<int64_t>(xb.drift_nu().size()), 2 * cells);  // one ν per polarity and cell
  const double t = 86400.0 * 30;
  const std::vector<float>& g0 = xb.g_prog();
  const std::vector<float> g1 = xb.conductances_at(t);
  ASSERT_EQ(static_cast<int64_t>(g1.size()), 4 * cells);
  const auto ratio = [&](int64_t device, int64_t i) {
    const auto k = static_cast<size_t>(device * cells + i);
    return double(g1[k]) / double(g0[k]);
  };
  const auto pcm = drift_only_core(chip::DriftCompensation::None).device.as<chip::PcmSpec>();
  int64_t drifting = 0;
  for (int64_t pol = 0; pol < 2; ++pol) {
    for (int64_t i = 0; i < cells; ++i) {
      if (g0[static_cast<size_t>(2 * pol * cells + i)] <= 0) continue;  // the unused polarity holds g_min = 0
      ++drifting;
      EXPECT_EQ(ratio(2 * pol, i), ratio(2 * pol + 1, i)) << pol << " " << i;
      // (t/t0)^−ν with the polarity's stored ν.
      const double expect = std::pow((t + pcm.t0_s) / pcm.t0_s, -double(xb.drift_nu()[static_cast<size_t>(pol * cells + i)]));
      EXPECT_NEAR(ratio(2 * pol, i), expect, 1e-5) << pol << " " << i;
    }
  }
  EXPECT_GE(drifting, cells);
  EXPECT_NE(xb.drift_nu()[0], xb.drift_nu()[static_cast<size_t>(cells)]);
}

// WeightScale::PerColumn: s_c = (g_max − g_min)/max|W_c|, so every column uses the full conductance
// range; the digital scale undoes each column's s, so the ideal tile is still x·W.
TEST(WeightMapping, PerColumnScaleUsesEachColumnsRange) {
  const int64_t rows = 64, cols = 16;
  Tensor w = test::random_tensor(rows, cols, 91);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) w.data<float>()[r * cols + c] *= std::pow(2.0f, -static_cast<float>(c % 8));
  }
  const Tensor x = test::random_tensor(10, rows, 92);
  for (const auto scale : {WeightScale::PerTile, WeightScale::PerColumn}) {
    Tile tile(test::ideal_core(256, 256), TileContext{.seed = 1}, TileOptions{.converters = false, .weight_scale = scale});
    tile.program(w);
    const AnalogCrossbar& xb = analog(tile);
    double tile_max = 0;
    for (float v : w.span<float>()) tile_max = std::max(tile_max, double(std::fabs(v)));
    for (int64_t c = 0; c < cols; ++c) {
      double col_max = 0;
      for (int64_t r = 0; r < rows; ++r) col_max = std::max(col_max, double(std::fabs(w.data<float>()[r * cols + c])));
      const double d_max = xb.target_col_max()[static_cast<size_t>(c)];
      const double s = 2.0 / (scale == WeightScale::PerColumn ? col_max : tile_max);  // 2 devices · 1 µS
      EXPECT_NEAR(xb.us_per_weight(c), s, 1e-6 * s) << c;
      EXPECT_NEAR(d_max, scale == WeightScale::PerColumn ? 2.0 : 2.0 * col_max / tile_max, 1e-5) << c;
    }
    const Tensor y = tile.mvm(x);
    for (int64_t b = 0; b < 10; ++b) {
      for (int64_t c = 0; c < cols; ++c) {
        double ref = 0, mag = 0;
        for (int64_t r = 0; r < rows; ++r) {
          ref += double(x.data<float>()[b * rows + r]) * w.data<float>()[r * cols + c];
          mag += std::fabs(double(x.data<float>()[b * rows + r]) * w.data<float>()[r * cols + c]);
        }
        EXPECT_NEAR(y.data<float>()[b * cols + c], ref, 2e-6 * mag);
      }
    }
  }
}

// RRAM with Gaussian programming noise far from the clamp at 0 and program-and-verify.
chip::CoreSpec rram_core(double sigma_rel, std::optional<double> margin, int64_t iterations) {
  chip::CoreSpec core = test::preset_core("hermes");
  core.device = chip::DeviceSpec{.technology = "rram",
                                 .params = chip::RramSpec{.g_min_us = 20, .g_max_us = 100, .prog_noise_rel_std = sigma_rel}};
  core.weights = chip::WeightEncodingSpec{.scheme = chip::WeightScheme::Differential, .devices_per_polarity = 1};
  core.programming.scheme = chip::ProgrammingScheme::ProgramAndVerify;
  core.programming.verify_margin_us = margin;
  core.programming.max_iterations = iterations;
  for (auto& m : core.read_modes) m.out_noise_rel_std = 0;
  return core;
}

// A cell's ΣG⁺ − ΣG⁻ error is N(0, 2σ²) per attempt, inside the margin with p = erf(m / (2σ));
// after K attempts P(outside) = (1 − p)^K and E[pulses per cell] = Σ_{k<K} (1 − p)^k.
TEST(ProgramAndVerify, UnconvergedFractionIsOneMinusPToTheK) {
  const double sigma = 0.01 * 100, margin = 0.8;  // σ = 1 µS per device
  const int64_t k_max = 3, rows = 256, cols = 256;
  Tile tile(rram_core(0.01, margin, k_max), TileContext{.seed = 9});
  const Tensor w = test::random_tensor(rows, cols, 51);
  tile.program(w);
  const ProgrammingStats st = tile.programming_stats();
  const double p = std::erf(margin / (2.0 * sigma));
  const double cells = static_cast<double>(rows * cols);
  const double expect = std::pow(1 - p, double(k_max));
  const double sd = std::sqrt(expect * (1 - expect) / cells);
  EXPECT_NEAR(st.unconverged / cells, expect, 5 * sd);
  EXPECT_NEAR(st.pulses / cells, 1 + (1 - p) + (1 - p) * (1 - p), 0.01);
  // Converged cells are within the margin; the error of all cells shrinks against one attempt.
  const AnalogCrossbar& xb = analog(tile);
  const auto& g = xb.g_prog();
  const size_t n = static_cast<size_t>(rows * cols);
  int64_t outside = 0;
  for (size_t i = 0; i < n; ++i) {
    // The target ΣG⁺ − ΣG⁻ as programming computes it: g± = clamp(±W·s, 0, 80 µS) + 20 µS.
    const double ws = w.data<float>()[i] * xb.us_per_weight(static_cast<int64_t>(i) % cols);
    const float t = static_cast<float>((std::clamp(ws, 0.0, 80.0) + 20.0) - (std::clamp(-ws, 0.0, 80.0) + 20.0));
    const double err = (double(g[i]) - g[n + i]) - t;
    outside += std::fabs(err) > margin ? 1 : 0;
  }
  EXPECT_EQ(outside, st.unconverged);
}

TEST(ProgramAndVerify, WithoutAMarginProgramsOnce) {
  Tile tile(rram_core(0.01, std::nullopt, 30), TileContext{.seed = 9});
  tile.program(test::random_tensor(64, 64, 51));
  EXPECT_EQ(tile.programming_stats().pulses, 64 * 64);
  EXPECT_EQ(tile.programming_stats().verify_reads, 0);
}

TEST(Rram, ProgrammingSigmaAndLevels) {
  chip::CoreSpec core = rram_core(0.02, std::nullopt, 1);
  const auto dev = device::make_device_model(core);
  std::vector<float> target(100000, 57.0f), g(100000);
  dev->program(target, device::DeviceDraw{3, 4, 0}, 0, g);
  double m = 0, s = 0;
  for (float v : g) m += v;
  m /= double(g.size());
  for (float v : g) s += (v - m) * (v - m);
  EXPECT_NEAR(m, 57.0, 0.02);
  EXPECT_NEAR(std::sqrt(s / double(g.size())), 0.02 * 100, 0.05 * 2.0);  // σ = prog_noise_rel_std · g_max
  // With `levels`, targets snap to the nearest of the evenly spaced levels (20, 40, .. 100).
  auto spec = core.device.as<chip::RramSpec>();
  spec.levels = 5;
  spec.prog_noise_rel_std = 0;
  core.device.params = spec;
  const auto snapped = device::make_device_model(core);
  std::vector<float> t2 = {20, 29, 31, 57, 100}, g2(5);
  snapped->program(t2, device::DeviceDraw{3, 4, 0}, 0, g2);
  EXPECT_EQ(g2, (std::vector<float>{20, 20, 40, 60, 100}));
}

TEST(Faults, StuckFractionsAreBinomial) {
  const chip::FaultSpec f{.stuck_on_fraction = 0.01, .stuck_off_fraction = 0.03, .dead_column_fraction = 0.1};
  const int64_t n = 1000000;
  const auto stuck = draw_stuck(f, n, 7, 2);
  double on = 0, off = 0;
  for (uint8_t s : stuck) {
    on += s == kStuckOn;
    off += s == kStuckOff;
  }
  EXPECT_NEAR(on / n, 0.01, 5 * std::sqrt(0.01 * 0.99 / n));
  EXPECT_NEAR(off / n, 0.03, 5 * std::sqrt(0.03 * 0.97 / n));
  const auto dead = draw_dead_columns(f, 100000, 7, 2);
  const double d = std::accumulate(dead.begin(), dead.end(), 0.0) / 100000;
  EXPECT_NEAR(d, 0.1, 5 * std::sqrt(0.1 * 0.9 / 100000));
}

TEST(Faults, TileAppliesStuckDevicesAndDeadColumns) {
  chip::CoreSpec core = rram_core(0.0, std::nullopt, 1);
  core.faults = chip::FaultSpec{.stuck_on_fraction = 0.05, .stuck_off_fraction = 0.05, .dead_column_fraction = 0.2};
  Tile tile(core, TileContext{.seed = 12});
  const int64_t rows = 128, cols = 200;
  tile.program(test::random_tensor(rows, cols, 61));
  const Tensor x = test::random_tensor(20, rows, 62);
  tile.calibrate(x);
  const Tensor y = tile.mvm(x);
  const auto stuck = draw_stuck(core.faults, 2 * rows * cols, 12, 0);
  const auto dead = draw_dead_columns(core.faults, cols, 12, 0);
  const auto& g = analog(tile).g_prog();
  for (size_t i = 0; i < stuck.size(); ++i) {
    if (stuck[i] == kStuckOn) {
      ASSERT_EQ(g[i], 100.0f) << i;
    }
    if (stuck[i] == kStuckOff) {
      ASSERT_EQ(g[i], 20.0f) << i;
    }
  }
  int64_t dead_n = 0;
  for (int64_t c = 0; c < cols; ++c) {
    bool any = false;
    for (int64_t b = 0; b < 20; ++b) any = any || y.data<float>()[b * cols + c] != 0.0f;
    EXPECT_EQ(any, !dead[c]) << c;
    dead_n += dead[c];
  }
  EXPECT_GT(dead_n, 10);
}

// The ADC path bit for bit: integer weights and codes make x·(G⁺ − G⁻) exact in fp32, so every
// output must equal round_even(clamp((y/LSB)·gain + offset))·LSB·input_step/s.
TEST(TileAdc, OutputsAreCodeTimesLsb) {
  chip::CoreSpec core = test::ideal_core(256, 256);
  core.adc.gain_rel_std = 0.05;
  core.adc.offset_lsb_std = 0.7;
  const int64_t rows = 96, cols = 80, batch = 40;
  Tile tile(core, TileContext{.seed = 2, .tile_id = 5});
  Tensor w(DType::f32, {rows, cols}), x(DType::f32, {batch, rows});
  Rng rng(3, 0, RngPurpose::test);
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = static_cast<float>(static_cast<int>(rng.bits(i) % 17) - 8);
  w.data<float>()[0] = 8;  // max|W| = 8: s = 2 devices · 1 µS / 8 = 1/4 µS per unit, D = W/4 exactly
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = static_cast<float>(static_cast<int>(rng.bits(1 << 20 | i) % 255) - 127);
  tile.program(w);
  const float fs = 160.0f;  // small enough that some columns saturate
  tile.set_scaling(TileScaling{.input_step = 1.0f, .adc_full_scale = {fs}});
  const Tensor y = tile.mvm(x);
  const auto adc = device::draw_adc_columns(core.adc, cols, 2, 5);
  const float lsb = fs / 127.0f;
  const double s = analog(tile).us_per_weight();
  EXPECT_EQ(s, 0.25);
  int64_t saturated = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < cols; ++c) {
      double sum = 0;
      for (int64_t r = 0; r < rows; ++r) sum += double(x.data<float>()[b * rows + r]) * w.data<float>()[r * cols + c] * s;
      const float v = static_cast<float>(sum) / lsb;
      const float code = device::round_even(device::clampf(v * adc.gain[c] + adc.offset[c], -127.0f, 127.0f));
      saturated += std::fabs(code) == 127.0f;
      const float want = code * static_cast<float>(static_cast<double>(lsb) * 1.0 / s);  // code·LSB·step/s
      ASSERT_EQ(y.data<float>()[b * cols + c], want) << b << "," << c;
    }
  }
  EXPECT_GT(saturated, 0);
}

// σ of the output error (noisy − noiseless tile, fine ADC) = the read mode's σ_out·FS·step/s in both
// modes: one-phase one draw of σ, four-phase four phases of σ/2 each.
TEST(ReadModes, OutputErrorSigmaMatchesTheModeInOneAndFourPhase) {
  for (const std::string mode : {"one-phase", "four-phase"}) {
    chip::CoreSpec noisy = test::ideal_core(256, 256);
    noisy.read_modes = test::preset_core("hermes").read_modes;
    noisy.adc.bits = 14;  // LSB ≪ σ: the quantisation does not blur the noise
    chip::CoreSpec clean = noisy;
    for (auto& m : clean.read_modes) m.out_noise_rel_std = 0;
    const Tensor w = test::random_tensor(256, 128, 71), x = test::random_tensor(256, 256, 72);
    Tile a(noisy, TileContext{.seed = 3, .read_mode = mode}), b(clean, TileContext{.seed = 3, .read_mode = mode});
    a.program(w);
    b.program(w);
    a.calibrate(x);
    b.calibrate(x);
    const Tensor ya = a.mvm(x), yb = b.mvm(x);
    double s2 = 0;
    for (int64_t i = 0; i < ya.numel(); ++i) s2 += std::pow(double(ya.data<float>()[i]) - yb.data<float>()[i], 2);
    const double measured = std::sqrt(s2 / double(ya.numel()));
    double sigma = 0;
    for (const auto& m : noisy.read_modes) sigma = m.name == mode ? m.out_noise_rel_std : sigma;
    const double expected = sigma * a.scaling().adc_full_scale[0] * a.scaling().input_step / analog(a).us_per_weight();
    EXPECT_NEAR(measured, expected, 0.02 * expected) << mode;
  }
}

// Charge sharing with capacitor mismatch: a level is L = R·Σ_S C_r / Σ_all C_r; for k active rows
// of R, Var(L) = σ_C²·k(R − k)/R to first order. A −1 weight (1111 in 4 bits) makes the output
// Σ_j sw_j L_j of four independent columns: variance (1 + 4 + 16 + 64)·Var(L), mean −k.
TEST(Mismatch, CapacitorMismatchVarianceMatchesChargeSharing) {
  const double sigma_c = 0.1;
  const int64_t rows = 256, cols = 64, k = 8;
  chip::CoreSpec core = test::charge_core(rows, 255);
  auto cd = core.device.as<chip::ChargeDomainSpec>();
  cd.capacitor_mismatch_rel_std = sigma_c;
  core.device.params = cd;
  Tensor w(DType::f32, {rows, cols});
  for (float& v : w.span<float>()) v = -1.0f;
  Tensor x(DType::f32, {1, rows});
  for (int64_t r = 0; r < k; ++r) x.data<float>()[r * 31 % rows] = 1.0f;
  double m = 0, s2 = 0;
  int64_t n = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    Tile tile(core, TileContext{.seed = seed}, TileOptions{.input_bits = 4, .weight_bits = 4, .weight_step = 1.0f});
    tile.program(w);
    tile.set_scaling(TileScaling{.input_step = 1.0f, .adc_full_scale = {255.0f / 16}});  // LSB 1/16 level
    const Tensor y = tile.mvm(x);
    for (float v : y.span<float>()) {
      m += v;
      s2 += (v + k) * (v + k);
      ++n;
    }
  }
  const double var_l = sigma_c * sigma_c * double(k) * double(rows - k) / double(rows);
  EXPECT_NEAR(m / n, -double(k), 0.1);
  EXPECT_NEAR(s2 / n, 85 * var_l, 0.12 * 85 * var_l);
}

// Binary SRAM read-current mismatch: S = Σ_r x_r w_r (1 + δ_rc), Var(S) = σ²·Σ_r x_r².
TEST(Mismatch, CurrentMismatchVarianceMatchesTheCellSum) {
  const double sigma = 0.05;
  const int64_t rows = 128, cols = 128;
  chip::CoreSpec core = test::preset_core("zhang-bnn-sram");
  auto sp = core.device.as<chip::SramBinarySpec>();
  sp.current_mismatch_rel_std = sigma;
  core.device.params = sp;
  core.adc = chip::AdcSpec{.kind = chip::AdcKind::Ideal, .bits = 16, .full_scale = 1};
  for (auto& m : core.read_modes) m.out_noise_rel_std = 0;
  const Tensor w = test::random_tensor(rows, cols, 81);
  Tensor x(DType::f32, {2, rows});
  for (int64_t r = 0; r < rows; ++r) {
    x.data<float>()[r] = 1.0f;
    x.data<float>()[rows + r] = static_cast<float>(r % 4);
  }
  double s2[2] = {0, 0};
  int64_t n = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Tile tile(core, TileContext{.seed = seed}, TileOptions{.weight_step = 1.0f});
    tile.program(w);
    tile.set_scaling(TileScaling{.input_step = 1.0f, .adc_full_scale = {32767.0f / 64}});  // LSB 1/64
    const Tensor y = tile.mvm(x);
    for (int64_t v = 0; v < 2; ++v) {
      for (int64_t c = 0; c < cols; ++c) {
        double exact = 0;
        for (int64_t r = 0; r < rows; ++r)
          exact += x.data<float>()[v * rows + r] * (w.data<float>()[r * cols + c] >= 0 ? 1.0 : -1.0);
        s2[v] += std::pow(y.data<float>()[v * cols + c] - exact, 2);
      }
    }
    n += cols;
  }
  double sum_x2[2] = {0, 0};
  for (int64_t r = 0; r < rows; ++r) {
    sum_x2[0] += 1;
    sum_x2[1] += double(r % 4) * (r % 4);
  }
  for (int v = 0; v < 2; ++v) {
    const double expected = sigma * sigma * sum_x2[v];
    EXPECT_NEAR(s2[v] / n, expected, 0.1 * expected) << v;
  }
}

}  // namespace
}  // namespace aimc::functional
