// Differential analog crossbar (pcm, rram, ideal): each weight is a unit cell of n devices per
// polarity, W ≈ (ΣG⁺ − ΣG⁻)/s. See docs/tile-model.md §2 for the equations.
#pragma once

#include <memory>
#include <vector>

#include "device/i_device_model.h"
#include "sim/functional/crossbar/i_crossbar.h"
#include "sim/functional/fixed_gemm.h"

namespace aimc::functional {

class AnalogCrossbar final : public ICrossbar {
 public:
  explicit AnalogCrossbar(const CrossbarSetup& setup);

  void program(const float* w, int64_t rows, int64_t cols) override;
  int64_t physical_columns() const override { return m_cols; }
  std::vector<float> spec_adc_full_scale(int64_t input_code_max, AdcRange range) const override;
  void set_time(double t_s, const TileScaling& scaling) override;
  void mvm(const float* x, int64_t ld, int64_t batch, uint64_t first, const TileScaling& scaling, float* y) const override;
  bool reads_codes() const override;
  void mvm_codes(const float* codes, int64_t batch, uint64_t first, const TileScaling& scaling, InputForm form,
                 float* y) const override;
  bool reads_code_bytes(InputForm form) const override;
  void mvm_code_bytes(const uint8_t* codes, int64_t batch, uint64_t first, const TileScaling& scaling, InputForm form,
                      float* y) const override;
  ProgrammingStats programming_stats() const override { return m_stats; }
  int64_t digital_ops_per_vector() const override { return m_cols; }

  // Per-device state, index ((polarity·n + device)·rows + row)·cols + col, polarity 0 = G⁺: the
  // programmed conductances, and those t_s seconds after programming (drift and read noise, drawn
  // afresh from the counter-based RNG: what set_time(t_s) loads, never stored).
  const std::vector<float>& g_prog() const { return m_g_prog; }
  std::vector<float> conductances_at(double t_s) const;
  // Per column: the largest |ΣG⁺ − ΣG⁻| programming target of its cells (µS), which sets the ADC's
  // range (the per-cell targets live only while programming).
  const std::vector<float>& target_col_max() const { return m_target_col_max; }
  // Per polarity and cell (polarity·rows·cols + row·cols + col): the drift exponent ν the polarity's
  // n devices share.
  const std::vector<float>& drift_nu() const { return m_nu; }
  const std::vector<float>& compensation() const { return m_alpha; }
  // µS per weight unit (the tile's, or column c's with WeightScale::PerColumn).
  double us_per_weight(int64_t c = 0) const { return m_s[static_cast<size_t>(c)]; }

 private:
  int64_t devices() const { return 2 * m_n * m_rows * m_cols; }
  void apply_stuck(std::vector<float>& g) const;
  void program_and_verify(const std::vector<float>& g_target, const std::vector<float>& target_diff);
  // Σ over the n devices of each polarity of g: plus/minus (rows × cols, µS).
  void polarity_sums(const std::vector<float>& g, std::vector<float>& plus, std::vector<float>& minus) const;
  void load_weights(const std::vector<float>& g);  // GEMM operands (and exact column sums) from g
  // The inputs are values or float codes at x, or (bytes, an int8 GEMM) code bytes at x8.
  void run_mvm(const float* x, const uint8_t* x8, int64_t ld, int64_t batch, uint64_t first, const TileScaling& scaling,
               InputForm input, float* y) const;
  // Σ over rows of |output| per column for one-hot inputs at the largest input code, through this
  // tile's read path (α = 1 while it runs); `epoch` keys its output noise.
  std::vector<float> chip_readout(const TileScaling& scaling, uint64_t epoch);
  void update_compensation(const std::vector<float>& ref, const std::vector<float>& cur);

  CrossbarSetup m_setup;
  std::unique_ptr<device::IDeviceModel> m_device;
  device::AdcColumns m_adc_columns;
  int64_t m_n = 1, m_rows = 0, m_cols = 0, m_phases = 1;
  std::vector<double> m_s;  // µS per weight unit, per column
  // The state kept per device is what cannot be drawn again cheaply: the programmed conductances
  // (program-and-verify's outcome). Targets live only while programming, ν is kept per polarity
  // and the conductances at a time are drawn by set_time and folded into the GEMM operands.
  std::vector<float> m_g_prog, m_nu;
  std::vector<uint8_t> m_stuck;          // 0 none, 1 off, 2 on (per device); empty without faults
  std::vector<uint8_t> m_dead;           // per column
  std::vector<float> m_target_col_max;   // max |ΣG⁺ − ΣG⁻| target per column
  std::vector<float> m_reference;        // drift compensation reference per column (programmed state)
  TileScaling m_reference_scaling;       // the scaling the chip-readout reference was taken with
  std::vector<float> m_programmed_sums;  // m_exact_sums of the programmed state
  std::vector<float> m_exact_sums;       // Σ_r |ΣG⁺ − ΣG⁻| per column of the loaded conductances
  std::vector<float> m_alpha;            // drift compensation factor per column
  FixedGemm m_gemm;                      // one-phase: G⁺ − G⁻; four-phase: [G⁺ | G⁻]
  ProgrammingStats m_stats;
};

}  // namespace aimc::functional
