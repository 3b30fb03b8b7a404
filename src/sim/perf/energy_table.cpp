#include "sim/perf/energy_table.h"

#include <algorithm>

#include "chip/peak.h"

namespace aimc::perf {

EnergyTable::EnergyTable(const chip::ChipSpec& chip, const chip::ReadModeSpec& mode, std::vector<std::string> unit_names,
                         std::vector<std::optional<double>> unit_e_op_pj, std::vector<std::string> link_names,
                         std::vector<std::optional<double>> link_e_bit_hop_pj)
    : m_chip(chip),
      m_mode(mode),
      m_unit_names(std::move(unit_names)),
      m_unit_e(std::move(unit_e_op_pj)),
      m_link_names(std::move(link_names)),
      m_link_e(std::move(link_e_bit_hop_pj)) {
  if (!chip.cores.memories.empty()) {
    m_buf_read = chip.cores.memories.front().e_read_pj_per_byte;
    m_buf_write = chip.cores.memories.front().e_write_pj_per_byte;
  }
  const chip::MemorySpec* offchip = chip::offchip_memory(chip);
  m_off_read = offchip ? offchip->e_read_pj_per_byte : 8.0 * chip.host.link_e_bit_pj;  // else the host link
  m_static_w = chip::static_power_w(chip);
}

double EnergyTable::array_mvm_pj(int64_t input_bits) const {
  return chip::core_mvm_energy_pj(m_chip.cores, m_mode, input_bits) / static_cast<double>(m_chip.cores.arrays);
}

EnergyBreakdown EnergyTable::price(const ActionCounts& c, bool data_dependent) const {
  EnergyBreakdown e;
  // Data-dependent: the bit-planes skipped as all zero cost nothing; else every plane is paid.
  double mvm = 0;
  for (size_t b = 1; b <= kMaxInputBits; ++b) {
    const double mvms = c.array_mvms_by_bits[b] - (data_dependent ? c.skipped_planes_by_bits[b] : 0.0);
    if (mvms > 0) mvm += mvms * array_mvm_pj(static_cast<int64_t>(b));
  }
  // Data-dependent: a converter whose energy scales with its output pays that share by the outputs'
  // measured magnitude (a full-scale conversion otherwise).
  const double share = m_chip.cores.adc.output_energy_share;
  const double conversions = data_dependent ? (1.0 - share) * c.adc_conversions + share * c.adc_output_activity
                                            : c.adc_conversions + c.skipped_conversions;
  double adc = 0;
  if (m_mode.energy_split) {
    // One array evaluation of a full array costs array_mvm_pj(1) / phases with either encoding
    // (pwm/dac: e_mvm over its phases; bit-serial: one bit-plane phase), so a drive has one price
    // whatever the input bits; a conversion takes the columns' share of all the phases it sums
    // (chip/mvm_actions.h). The rest of the MVM energy is per MVM.
    const chip::EnergySplitSpec& split = *m_mode.energy_split;
    const double per_eval = array_mvm_pj(1) / static_cast<double>(m_mode.phases);
    const double drives = data_dependent ? c.dac_drive_activity : c.dac_drives;
    const double rows_pj = drives * split.rows * per_eval / static_cast<double>(m_chip.cores.rows);
    adc = conversions * split.cols * array_mvm_pj(1) / static_cast<double>(m_chip.cores.cols);
    mvm = (1.0 - split.rows - split.cols) * mvm + rows_pj + adc;
  } else if (m_chip.cores.adc.e_conversion_pj) {
    adc = std::min(mvm, conversions * *m_chip.cores.adc.e_conversion_pj);
  }
  e.pj["crossbar"] = mvm - adc;
  e.pj["adc"] = adc;
  double dig = 0;
  for (size_t i = 0; i < c.digital_ops.size() && i < m_unit_e.size(); ++i) dig += c.digital_ops[i] * m_unit_e[i].value_or(0);
  e.pj["digital"] = dig;
  e.pj["host"] = c.digital_ops.size() > m_unit_e.size() ? c.digital_ops[m_unit_e.size()] * m_chip.host.e_op_pj : 0.0;
  e.pj["buffers"] = c.buffer_read_bytes * m_buf_read.value_or(0) + c.buffer_write_bytes * m_buf_write.value_or(0);
  double noc = 0;
  for (size_t i = 0; i < c.bit_hops.size() && i < m_link_e.size(); ++i) noc += c.bit_hops[i] * m_link_e[i].value_or(0);
  e.pj["noc"] = noc;
  e.pj["offchip"] = c.offchip_bytes * m_off_read.value_or(0);
  e.pj["programming"] = c.write_pulses * m_chip.cores.programming.e_write_pj.value_or(0);
  return e;
}

std::vector<std::string> EnergyTable::unpriced(const ActionCounts& c) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < c.digital_ops.size() && i < m_unit_e.size(); ++i) {
    if (c.digital_ops[i] > 0 && !m_unit_e[i]) out.push_back("digital ops on " + m_unit_names[i]);
  }
  if (c.buffer_read_bytes + c.buffer_write_bytes > 0 && (!m_buf_read || !m_buf_write)) out.push_back("buffer accesses");
  for (size_t i = 0; i < c.bit_hops.size() && i < m_link_e.size(); ++i) {
    if (c.bit_hops[i] > 0 && !m_link_e[i]) out.push_back("bit-hops on " + m_link_names[i] + " links");
  }
  if (c.offchip_bytes > 0 && !m_off_read) out.push_back("off-chip bytes");
  if (c.write_pulses > 0 && !m_chip.cores.programming.e_write_pj) out.push_back("weight writes");
  if (m_static_w == 0) out.push_back("static power");
  return out;
}

}  // namespace aimc::perf
