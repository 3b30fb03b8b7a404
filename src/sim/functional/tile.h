// Tile: one crossbar block of a layer's weight matrix, programmed on a core, and its batched MVM
// through input encoder, devices, ADC and the core's digital post-processing.
//
// Life cycle (contract):
//   Tile tile(core, TileContext{seed, tile_id, "four-phase"}, options);
//   tile.program(W);               // W: rows × cols f32 (rows = inputs; conv: im2col k·k·C_in rows)
//   tile.calibrate(batch);         // or calibrate(input_step) or set_scaling(...) — before mvm
//   tile.set_time(3600);           // optional: state 1 h after programming (drift, read noise, GDC)
//   Tensor y = tile.mvm(x, first); // x: batch × rows → y: batch × cols ≈ x·W (weight domain)
// mvm() is const and thread-safe; its per-MVM noise for input row i is keyed by the global vector
// index first + i, so the executor must give every MVM of a tile distinct vector indices (e.g.
// image · patches + patch) and the result is then independent of batch split and thread count.
// Without set_time the devices hold their programmed conductances (no drift, no read noise).
#pragma once

#include <memory>

#include "chip/core_spec.h"
#include "core/tensor.h"
#include "device/i_adc.h"
#include "device/i_input_encoder.h"
#include "sim/functional/crossbar/i_crossbar.h"
#include "sim/functional/tile_types.h"

namespace aimc::functional {

class Tile {
 public:
  // Pre: `core` is validated (chip loader); the read mode exists. Throws aimc::Error otherwise.
  Tile(const chip::CoreSpec& core, TileContext context, TileOptions options = {});
  ~Tile();
  // Not movable: the crossbar keeps a reference to m_core (hold tiles by unique_ptr).
  Tile(Tile&&) = delete;
  Tile& operator=(Tile&&) = delete;

  // Programs the weight block (rows ≤ cores.rows; cols · columns per weight ≤ cores.cols).
  void program(const Tensor& weights);
  // Input step from the compiler's quantisation scale; ADC full scale from the spec (options.adc_range).
  void calibrate(float input_step);
  // Input step = max |x| of the batch / the largest input code; ADC full scale as above.
  void calibrate(const Tensor& batch);
  // Explicit scaling (e.g. from the compiler); adc_full_scale has 1 or physical_columns() entries.
  void set_scaling(TileScaling scaling);
  const TileScaling& scaling() const { return m_scaling; }
  // Comparator ADCs only: per-column decision thresholds in the weight domain (cols() entries),
  // set by the comparator's per-column reference; after calibrate / set_scaling.
  void set_thresholds(std::vector<float> threshold);
  // State t_s ≥ 0 seconds after programming: drift, accumulated read noise, drift compensation.
  void set_time(double t_s);
  // y = the tile's estimate of x·W. Pre: programmed and scaled; x is batch × rows f32.
  Tensor mvm(const Tensor& x, uint64_t first_vector = 0) const;
  // The same on raw row-major buffers (x: batch × rows, y: batch × cols), for callers that keep
  // their own buffers. Called inside an OpenMP parallel region it runs on the calling thread only.
  void mvm(const float* x, int64_t batch, uint64_t first_vector, float* y) const { mvm(x, m_rows, batch, first_vector, y); }
  // The same with input row i at x + i·ld (ld ≥ rows()): a tile over some of a layer's rows reads
  // them in place from the layer's input vectors.
  void mvm(const float* x, int64_t ld, int64_t batch, uint64_t first_vector, float* y) const;
  // A layer's input encoded once, before its vectors are gathered (the same encoder and input step
  // for all its tiles): whether this tile takes such codes (the analog crossbars with converters and
  // an fp32 GEMM, which reads them where they lie), and the MVM from them (dense rows, batch × rows;
  // `form`: codes, or nonnegative_codes when no code < 0), equal to mvm's bit for bit.
  bool reads_codes() const;
  void mvm_codes(const float* codes, int64_t batch, uint64_t first_vector, InputForm form, float* y) const;
  bool reads_code_bytes(InputForm form) const;
  void mvm_code_bytes(const uint8_t* codes, int64_t batch, uint64_t first_vector, InputForm form, float* y) const;

  int64_t rows() const { return m_rows; }
  int64_t cols() const { return m_cols; }
  int64_t physical_columns() const;
  const device::IInputEncoder& encoder() const { return *m_encoder; }
  const device::IAdc& adc() const { return *m_adc; }
  const ICrossbar& crossbar() const { return *m_crossbar; }
  ProgrammingStats programming_stats() const;
  MvmActions actions(int64_t vectors) const;

 private:
  chip::CoreSpec m_core;
  TileContext m_context;
  TileOptions m_options;
  const chip::ReadModeSpec* m_mode = nullptr;
  std::unique_ptr<device::IInputEncoder> m_encoder;
  std::unique_ptr<device::IAdc> m_adc;
  std::unique_ptr<ICrossbar> m_crossbar;
  TileScaling m_scaling;
  int64_t m_rows = 0, m_cols = 0;
  bool m_programmed = false;
};

}  // namespace aimc::functional
