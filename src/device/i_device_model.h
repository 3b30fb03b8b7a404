// IDeviceModel: the conductance of analog memory devices over their life — programming error, drift
// and accumulated read noise (STYLE P1: one interface, implementations in impl/ chosen by the chip's
// `cores.device.technology`).
//
// Units: conductances in µS, times in s. A model describes ONE device; a unit cell with n devices
// per polarity holds n of them (see docs/tile-model.md for how the fitted per-polarity statistics
// are split over the n devices). All randomness comes from the counter-based RNG keyed by
// DeviceDraw, so values never depend on the order or the thread that computes them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace aimc::device {

// Where a block of devices draws its random numbers: device i of the block is device number
// first + i of stream `stream` (the tile) under `seed`.
struct DeviceDraw {
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint64_t first = 0;
};

// Counter layout: device indices use the low kDeviceIndexBits bits, an attempt or read epoch the
// bits above, so every (attempt, device) pair draws its own numbers.
inline constexpr int kDeviceIndexBits = 40;

class IDeviceModel {
 public:
  virtual ~IDeviceModel() = default;
  virtual std::string_view name() const = 0;

  // Range of one device (µS): targets are mapped into [g_min, g_max].
  virtual double g_min_us() const = 0;
  virtual double g_max_us() const = 0;
  // σ (µS) of one programming attempt's error for a device targeted at g_target_us (closed form).
  virtual double prog_sigma_us(double g_target_us) const = 0;

  // One programming attempt: g_prog[i] = g_target[i] + error (clamped at 0), the error drawn from
  // attempt `attempt` of device draw.first + i. Mutates only g_prog.
  virtual void program(std::span<const float> g_target, const DeviceDraw& draw, uint32_t attempt,
                       std::span<float> g_prog) const = 0;
  // Drift exponents ν of the devices (0 where the model has no drift), drawn once per device.
  virtual void drift_exponents(std::span<const float> g_target, const DeviceDraw& draw, std::span<float> nu) const = 0;
  // Conductance t_s ≥ 0 seconds after programming: drift from g_prog with exponents nu and the read
  // noise accumulated until then, one draw per device and `epoch`. Mutates only g_out.
  virtual void read(std::span<const float> g_prog, std::span<const float> nu, double t_s, const DeviceDraw& draw, uint64_t epoch,
                    std::span<float> g_out) const = 0;
};

}  // namespace aimc::device
