// Prices action counts (STYLE P8): an energy table built once from a ChipSpec and a read mode.
//   crossbar MVM:   core_mvm_energy_pj(core, mode, bits) / arrays per array MVM (the read mode's
//                   energy covers array, drivers and converters; peak.h prices the same way)
//   energy_split:   a read mode's shares scaling with the used array: (1 − rows − cols) of each MVM's
//                   energy per MVM, rows · e_eval / R per full row drive (times the drive's measured
//                   input activity when data-dependent), cols · e_eval / C per conversion ("adc"),
//                   e_eval = one full-array evaluation (array_mvm_pj(1) / phases)
//   adc:            else, when cores.adc.e_conversion_pj is given, conversions × it, taken out of the
//                   crossbar share (the total does not change; else it stays inside the MVM)
//   digital:        ops × the unit's e_op_pj;  host: ops placed on the host × host.e_op_pj
//   buffers:        bytes × the core memory's pJ/byte
//   network:        bit-hops × the link class's e_bit_hop_pj;  off-chip: bytes × the memory's pJ/byte
//   programming:    write pulses × e_write_pj
//   static:         (chip static power, else cores × core static power) × time
// An action whose price the chip does not give is counted and listed in `unpriced`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "sim/perf/actions.h"

namespace aimc::perf {

struct EnergyBreakdown {
  std::map<std::string, double> pj;  // component → pJ
  double total_pj() const {
    double s = 0;
    for (const auto& [k, v] : pj) s += v;
    return s;
  }
};

class EnergyTable {
 public:
  // `unit_names[i]`, `unit_e_op_pj[i]`: the digital unit classes (per-core units, chip units); the
  // class after them is the host (ActionCounts::digital_ops), priced at the chip's host.e_op_pj.
  // `link_e_bit_hop_pj[i]`: the network link classes.
  EnergyTable(const chip::ChipSpec& chip, const chip::ReadModeSpec& mode, std::vector<std::string> unit_names,
              std::vector<std::optional<double>> unit_e_op_pj, std::vector<std::string> link_names,
              std::vector<std::optional<double>> link_e_bit_hop_pj);
  // `data_dependent`: row drives priced by the input they carried (ActionCounts::dac_drive_activity)
  // and bit-planes skipped as all zero free (skipped_planes_by_bits, skipped_conversions), else each
  // drive and plane in full (the data-independent estimate). Only a read mode with an energy_split has
  // a row share to scale.
  EnergyBreakdown price(const ActionCounts& counts, bool data_dependent = true) const;
  double static_power_w() const { return m_static_w; }
  // Names of counted actions the table cannot price (given the counts).
  std::vector<std::string> unpriced(const ActionCounts& counts) const;
  double array_mvm_pj(int64_t input_bits) const;

 private:
  chip::ChipSpec m_chip;
  chip::ReadModeSpec m_mode;
  std::vector<std::string> m_unit_names;
  std::vector<std::optional<double>> m_unit_e;
  std::vector<std::string> m_link_names;
  std::vector<std::optional<double>> m_link_e;
  std::optional<double> m_buf_read, m_buf_write, m_off_read;
  double m_static_w = 0;
};

}  // namespace aimc::perf
