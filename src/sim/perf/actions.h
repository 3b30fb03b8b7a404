// Action counts of the performance simulation (STYLE P8): what happened, never what it cost.
// The EnergyTable (energy_table.h) prices them. Counts are doubles because a chunk of an
// inference carries a fraction of a layer's MVMs.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace aimc::perf {

inline constexpr int kMaxInputBits = 16;

struct ActionCounts {
  std::array<double, kMaxInputBits + 1> array_mvms_by_bits{};  // crossbar MVMs, by input precision
  double array_evaluations = 0;                                // array read phases: phases (× input bit-planes when bit-serial)
  double adc_conversions = 0;                                  // column conversions
  double dac_drives = 0;                                       // row drives (PWM pulses / DAC levels / bit-planes)
  // The drives weighted by the input they carry (a layer's measured InputActivity: PWM pulse length,
  // a DAC's non-zero levels, a bit-plane's 1 bits); = dac_drives without a measurement.
  double dac_drive_activity = 0;
  // The conversions weighted by their output's magnitude relative to full scale (a layer's measured
  // InputActivity::mean_output_fraction; = adc_conversions without a measurement): what a converter
  // whose energy scales with its output (cores.adc.output_energy_share) pays for.
  double adc_output_activity = 0;
  // Bit-planes skipped as all zero on an array's rows (cores.input.skip_zero_planes, from a layer's
  // measured InputActivity): in MVM-equivalents (Σ MVMs × their empty-plane fraction) by input
  // precision, and the column conversions they would have taken (adc_conversions counts those done).
  std::array<double, kMaxInputBits + 1> skipped_planes_by_bits{};
  double skipped_conversions = 0;
  std::vector<double> digital_ops;  // by digital unit class (EnergyTable::unit_class)
  double buffer_read_bytes = 0;     // per-core memory
  double buffer_write_bytes = 0;
  double offchip_bytes = 0;      // bytes to or from the host / off-chip memory
  std::vector<double> bit_hops;  // by network link class (noc::Network::class_names)
  double cells_written = 0;
  double write_operations = 0;  // Σ ceil(cells / cells_per_write)
  double write_pulses = 0;      // write operations × program iterations
  double verify_reads = 0;      // program-and-verify reads

  double array_mvms() const { return sum(array_mvms_by_bits); }
  double skipped_plane_mvms() const { return sum(skipped_planes_by_bits); }
  void resize(size_t unit_classes, size_t link_classes) {
    digital_ops.assign(unit_classes, 0.0);
    bit_hops.assign(link_classes, 0.0);
  }
  static double sum(const std::array<double, kMaxInputBits + 1>& by_bits) {
    double s = 0;
    for (double v : by_bits) s += v;
    return s;
  }
  // this += scale · other (other's vectors may be shorter).
  void add(const ActionCounts& o, double scale = 1.0) {
    for (size_t i = 0; i < array_mvms_by_bits.size(); ++i) array_mvms_by_bits[i] += scale * o.array_mvms_by_bits[i];
    array_evaluations += scale * o.array_evaluations;
    adc_conversions += scale * o.adc_conversions;
    dac_drives += scale * o.dac_drives;
    dac_drive_activity += scale * o.dac_drive_activity;
    adc_output_activity += scale * o.adc_output_activity;
    for (size_t i = 0; i < skipped_planes_by_bits.size(); ++i) skipped_planes_by_bits[i] += scale * o.skipped_planes_by_bits[i];
    skipped_conversions += scale * o.skipped_conversions;
    if (digital_ops.size() < o.digital_ops.size()) digital_ops.resize(o.digital_ops.size(), 0.0);
    for (size_t i = 0; i < o.digital_ops.size(); ++i) digital_ops[i] += scale * o.digital_ops[i];
    buffer_read_bytes += scale * o.buffer_read_bytes;
    buffer_write_bytes += scale * o.buffer_write_bytes;
    offchip_bytes += scale * o.offchip_bytes;
    if (bit_hops.size() < o.bit_hops.size()) bit_hops.resize(o.bit_hops.size(), 0.0);
    for (size_t i = 0; i < o.bit_hops.size(); ++i) bit_hops[i] += scale * o.bit_hops[i];
    cells_written += scale * o.cells_written;
    write_operations += scale * o.write_operations;
    write_pulses += scale * o.write_pulses;
    verify_reads += scale * o.verify_reads;
  }
};

}  // namespace aimc::perf
