// One way a core performs an MVM (`cores.read_modes.<name>`): HERMES has a fast one-phase mode and a
// precise four-phase mode. Each mode has its latency, energy and output noise.
//
// Latency and energy depend on the input encoding (cores.input):
//   pwm, dac:    t = t_mvm_ns, or t_mvm_cycles of the chip clock;  e = e_mvm_pj
//   bit-serial:  t = phases · input_bits · adc.columns_per_adc · adc.t_conversion_ns
//                e = phases · input_bits · e_bit_phase_pj
// All energies are per core and per MVM over the whole array (array, input drivers and ADCs).
// With a `job` (an accelerator that streams its operands, as Bruschi's IMA), an MVM of r active
// rows and c active columns takes, in chip clock cycles:
//   idle + ceil(r · in_bytes / stream) + fifo + ceil(t / T_clk) + compute_extra + ceil(c · out_bytes / stream) + fifo
// (in_bytes = ceil(input bits / 8), out_bytes = ceil(adc bits / 8); phases strictly sequential).
// With job.overlap (double-buffered streamers, as Garofalo's IMA), one MVM still takes that long, but
// back-to-back MVMs start every idle + max(in + fifo, compute + compute_extra, out + fifo) cycles: the
// next job streams in and the last one streams out while the array computes.
// With an `energy_split`, an MVM of r active rows and c active columns costs
//   e · ((1 − rows − cols) + rows · r / R + cols · c / C)
// (R × C the array): the row drivers and the array current scale with driven rows, the converters
// with converted columns; a full-array MVM costs exactly e, so the peak figures do not change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

template <class S>
class Schema;

// The job sequence of a streaming MVM engine (`read_modes.<name>.job`).
struct MvmJobSpec {
  int64_t idle_cycles = 0;             // before each job
  int64_t stream_bytes_per_cycle = 0;  // operand streamer width, in and out
  int64_t fifo_cycles = 0;             // after stream-in and after stream-out
  int64_t compute_extra_cycles = 0;    // after ceil(t_mvm / T_clk)
  bool overlap = false;                // streaming overlaps the previous/next job's computation
};

// Shares of a full-array MVM's energy that scale with the used part of the array.
struct EnergySplitSpec {
  double rows = 0;  // ∝ driven rows: input drivers (PWM/DAC) and the array
  double cols = 0;  // ∝ converted columns: the ADCs
};

struct ReadModeSpec {
  std::string name;                                  // the map key: "one-phase"
  int64_t phases = 1;                                // sequential array evaluations per MVM
  std::optional<double> t_mvm_ns;                    // pwm/dac: latency of one MVM
  std::optional<int64_t> t_mvm_cycles;               // pwm/dac: the same in chip clock cycles (instead of t_mvm_ns)
  std::optional<double> e_mvm_pj;                    // pwm/dac: energy of one MVM on one core
  std::optional<double> e_bit_phase_pj;              // bit-serial: energy of one bit-plane evaluation on one core
  double out_noise_rel_std = 0;                      // Gaussian MVM output error σ, relative to the output full scale
  std::optional<double> measured_mvm_error_rel_std;  // a published measurement of the TOTAL MVM error σ
                                                     // (aimc chip characterize's definition); out_noise_rel_std is
                                                     // fitted so that the simulated measurement reproduces it
  double phase_full_scale = 1;                       // phases > 1, analog cells: one phase's integration saturates at
                                                     // this multiple of the ADC full scale (the final sum at 1)
  std::optional<MvmJobSpec> job;                     // absent: an MVM takes t_mvm alone
  std::optional<EnergySplitSpec> energy_split;       // absent: every MVM costs the full-array energy
};

const Schema<MvmJobSpec>& mvm_job_schema();

const Schema<EnergySplitSpec>& energy_split_schema();

const Schema<ReadModeSpec>& read_mode_schema();

}  // namespace aimc::chip
