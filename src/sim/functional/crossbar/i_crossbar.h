// ICrossbar: one technology's crossbar arithmetic inside a Tile (STYLE P1: implementations in this
// folder, chosen by `cores.device.technology`): differential analog devices (pcm, rram, ideal),
// binary SRAM in the current domain (sram-binary), charge-domain bit-parallel/bit-serial cells
// (charge-domain). The Tile owns the converters and the scaling; a crossbar owns the programmed
// state. Contract: program() before set_time() and mvm(); mvm() is const and thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "chip/core_spec.h"
#include "core/error.h"
#include "device/i_adc.h"
#include "device/i_input_encoder.h"
#include "sim/functional/tile_types.h"

namespace aimc::functional {

// Everything a crossbar needs from its tile, resolved once (no strings in the hot loop: P6).
struct CrossbarSetup {
  const chip::CoreSpec* core = nullptr;
  const chip::ReadModeSpec* mode = nullptr;
  TileContext context;
  TileOptions options;
  int64_t weight_bits = 0;  // resolved (0: analog, unquantised)
  const device::IInputEncoder* encoder = nullptr;
  const device::IAdc* adc = nullptr;
};

// A crossbar's ADC conversions since its state was last set (counted with TileOptions::count_saturation),
// and how many of them saturated: gave the converter's largest code, or its most negative one when it
// is signed, or (four-phase reads) had a phase at the phase full scale. Integer counts, so their sums
// do not depend on threads or batch splits.
struct ConversionCounts {
  int64_t conversions = 0;
  int64_t saturated = 0;
};

class ICrossbar {
 public:
  virtual ~ICrossbar() = default;

  ConversionCounts conversions() const { return {m_conversions.load(), m_saturated.load()}; }
  void reset_conversions() {
    m_conversions = 0;
    m_saturated = 0;
  }

  // Maps a rows×cols weight block (row-major, rows = inputs) to cells and programs them.
  virtual void program(const float* w, int64_t rows, int64_t cols) = 0;
  // Physical columns the block occupies (each with an ADC).
  virtual int64_t physical_columns() const = 0;
  // The ADC full scale (unit products) from the spec's adc.full_scale, per tile (1 entry) or per
  // physical column, for inputs whose largest code is input_code_max.
  virtual std::vector<float> spec_adc_full_scale(int64_t input_code_max, AdcRange range) const = 0;
  // Device state t_s seconds after programming (drift, read noise, drift compensation); `scaling`
  // is the tile's current scaling, through which a chip-readout drift compensation is measured.
  virtual void set_time(double t_s, const TileScaling& scaling) = 0;
  // y (batch × cols, weight domain) from x (batch × rows, values; row i at x + i·ld, ld ≥ rows, so a
  // tile over some of a layer's rows reads them in place): the crossbar encodes x with setup.encoder
  // at scaling.input_step (fused with its own input preparation), or uses the values as they are when
  // options.converters is false. Row i is global vector first + i (its noise draws).
  virtual void mvm(const float* x, int64_t ld, int64_t batch, uint64_t first, const TileScaling& scaling, float* y) const = 0;
  // Whether mvm_codes can take inputs already encoded (a layer encoded once, before its vectors are
  // gathered: ChipExecutor), reading them where they lie.
  virtual bool reads_codes() const { return false; }
  // mvm from dense rows (batch × rows) holding the input encoder's codes at scaling.input_step (as mvm
  // makes them; `form` codes or nonnegative_codes); the same outputs bit for bit. Pre: reads_codes().
  virtual void mvm_codes(const float* /*codes*/, int64_t /*batch*/, uint64_t /*first*/, const TileScaling& /*scaling*/,
                         InputForm /*form*/, float* /*y*/) const {
    AIMC_ASSERT(false, "mvm_codes on a crossbar that does not read codes");
  }
  // Whether mvm_code_bytes takes codes of this form as bytes (an int8 GEMM: GemmPrecision::int8; the
  // executor then gathers a layer's vectors as bytes, a quarter of the floats' memory traffic).
  virtual bool reads_code_bytes(InputForm /*form*/) const { return false; }
  // mvm_codes from codes held as bytes: two's-complement int8 for form codes, uint8 for
  // nonnegative_codes (codes_to_bytes); the same outputs bit for bit. Pre: reads_code_bytes(form).
  virtual void mvm_code_bytes(const uint8_t* /*codes*/, int64_t /*batch*/, uint64_t /*first*/, const TileScaling& /*scaling*/,
                              InputForm /*form*/, float* /*y*/) const {
    AIMC_ASSERT(false, "mvm_code_bytes on a crossbar that does not read code bytes");
  }
  virtual ProgrammingStats programming_stats() const = 0;
  // Digital operations per input vector (shift-add, affine, compensation; per output). The array
  // actions are the chip's (chip/mvm_actions.h), counted by the Tile.
  virtual int64_t digital_ops_per_vector() const = 0;

 protected:
  // Called by mvm() once per block of conversions (from any thread).
  void count_conversions(int64_t conversions, int64_t saturated) const {
    m_conversions.fetch_add(conversions, std::memory_order_relaxed);
    m_saturated.fetch_add(saturated, std::memory_order_relaxed);
  }

 private:
  mutable std::atomic<int64_t> m_conversions{0}, m_saturated{0};
};

// dst (n × rows, contiguous) = the codes of n input rows at x + i·ld (one encode call when they are
// contiguous); without an encoder, the values as they are. Returns false when no code has its sign
// bit set (IInputEncoder::encode; always true without an encoder).
inline bool encode_rows(const device::IInputEncoder* enc, const float* x, int64_t ld, int64_t rows, int64_t n, float step,
                        float* dst) {
  bool sign = false;
  const auto run = [&](const float* src, int64_t count, float* out) {
    if (enc != nullptr) {
      sign |= enc->encode({src, static_cast<size_t>(count)}, step, {out, static_cast<size_t>(count)});
    } else {
      std::copy_n(src, count, out);
      sign = true;  // not looked at
    }
  };
  if (ld == rows) {
    run(x, n * rows, dst);
    return sign;
  }
  for (int64_t i = 0; i < n; ++i) run(x + i * ld, rows, dst + i * rows);
  return sign;
}

std::unique_ptr<ICrossbar> make_analog_crossbar(const CrossbarSetup& setup);
std::unique_ptr<ICrossbar> make_sram_binary_crossbar(const CrossbarSetup& setup);
std::unique_ptr<ICrossbar> make_charge_domain_crossbar(const CrossbarSetup& setup);

}  // namespace aimc::functional
