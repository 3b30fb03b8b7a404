#include "chip/read_mode_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

const Schema<MvmJobSpec>& mvm_job_schema() {
  static const Schema<MvmJobSpec> s =
      Schema<MvmJobSpec>("read_modes.<name>.job",
                         "The job sequence of an MVM engine that streams its operands (Bruschi's IMA): per MVM "
                         "of r active rows and c active columns, idle_cycles + ceil(r · ceil(input_bits/8) / "
                         "stream_bytes_per_cycle) + fifo_cycles + ceil(t_mvm / T_clk) + compute_extra_cycles + "
                         "ceil(c · ceil(adc.bits/8) / stream_bytes_per_cycle) + fifo_cycles chip clock cycles, "
                         "one phase after another; with overlap, back-to-back jobs start every idle_cycles + "
                         "max(stream-in + fifo, compute + compute_extra, stream-out + fifo) cycles.")
          .defaulted("idle_cycles", &MvmJobSpec::idle_cycles, IntCodec{0, 1000000}, int64_t{0}, "cycles before each job")
          .required("stream_bytes_per_cycle", &MvmJobSpec::stream_bytes_per_cycle, IntCodec{1, 1 << 20},
                    "bytes the operand streamer moves per cycle (inputs in, outputs out)")
          .defaulted("fifo_cycles", &MvmJobSpec::fifo_cycles, IntCodec{0, 1000000}, int64_t{0},
                     "cycles after the stream-in and after the stream-out")
          .defaulted("compute_extra_cycles", &MvmJobSpec::compute_extra_cycles, IntCodec{0, 1000000}, int64_t{0},
                     "cycles after ceil(t_mvm / T_clk) of analog computation")
          .defaulted("overlap", &MvmJobSpec::overlap, BoolCodec{}, false,
                     "double-buffered streamers: a job streams in and out while the previous/next one computes, so "
                     "back-to-back jobs are limited by the slowest phase (one job alone still takes every phase)");
  return s;
}

const Schema<EnergySplitSpec>& energy_split_schema() {
  static const Schema<EnergySplitSpec> s =
      Schema<EnergySplitSpec>("read_modes.<name>.energy_split",
                              "Shares of a full-array MVM's energy e that scale with the used part of the array: "
                              "an MVM of r active rows and c active columns of an R x C array costs e · ((1 - rows "
                              "- cols) + rows · r/R + cols · c/C); a full array costs e.")
          .required("rows", &EnergySplitSpec::rows, RealCodec{0, 1},
                    "share proportional to driven rows (input drivers, array current)")
          .required("cols", &EnergySplitSpec::cols, RealCodec{0, 1}, "share proportional to converted columns (ADCs)")
          .rule("rows + cols <= 1", [](const EnergySplitSpec& e, const Site& site) {
            if (e.rows + e.cols > 1 + 1e-12) site.fail_key("cols", "rows + cols exceeds 1 (they are shares of one energy)");
          });
  return s;
}

const Schema<ReadModeSpec>& read_mode_schema() {
  static const Schema<ReadModeSpec> s =
      Schema<ReadModeSpec>(
          "read_modes.<name>",
          "One way a core performs an MVM, with its latency, energy and noise. With pwm or dac "
          "inputs: t = t_mvm_ns (or t_mvm_cycles / clock), e = e_mvm_pj. With bit-serial "
          "inputs: t = phases · input_bits · adc.columns_per_adc · adc.t_conversion_ns and "
          "e = phases · input_bits · e_bit_phase_pj. Energies are per core and MVM, the core's arrays all evaluating: "
          "a sweep of `arrays` at a fixed energy spreads it over more arrays.")
          .required("phases", &ReadModeSpec::phases, IntCodec{1, 64}, "sequential array evaluations per MVM")
          .optional("t_mvm_ns", &ReadModeSpec::t_mvm_ns, RealCodec{0, 1e9, true}, "pwm/dac inputs: latency of one MVM (ns)")
          .optional("t_mvm_cycles", &ReadModeSpec::t_mvm_cycles, IntCodec{1, 1000000000},
                    "pwm/dac inputs: latency of one MVM in chip clock cycles (instead of t_mvm_ns)")
          .optional("e_mvm_pj", &ReadModeSpec::e_mvm_pj, RealCodec{0, 1e12, true},
                    "pwm/dac inputs: energy of one MVM on one core, all its `arrays` at once (pJ; one array pays 1/arrays of it)")
          .optional("e_bit_phase_pj", &ReadModeSpec::e_bit_phase_pj, RealCodec{0, 1e12, true},
                    "bit-serial inputs: energy of one bit-plane evaluation on one core, all its `arrays` at once (pJ; one array "
                    "pays 1/arrays of it)")
          .required("out_noise_rel_std", &ReadModeSpec::out_noise_rel_std, RealCodec{0, 1},
                    "σ of the Gaussian MVM output error, relative to the output full scale")
          .optional("measured_mvm_error_rel_std", &ReadModeSpec::measured_mvm_error_rel_std, RealCodec{0, 1},
                    "a published measurement of the total MVM error σ (random weights and inputs, error "
                    "relative to the largest expected output; `aimc chip characterize` runs it): "
                    "out_noise_rel_std is what remains after programming, read noise and quantisation, "
                    "fitted with `aimc chip characterize --fit` so that the simulation reproduces this total")
          .defaulted("phase_full_scale", &ReadModeSpec::phase_full_scale, RealCodec{0, 1e6, true}, 1.0,
                     "analog cells read in several phases: the level at which one phase's integration "
                     "saturates, as a multiple of the ADC full scale (the phases' signed sum is converted "
                     "once, at the full scale)")
          .optional("job", &ReadModeSpec::job, StructCodec<MvmJobSpec>{&mvm_job_schema()},
                    "a streaming MVM engine's job sequence (absent: an MVM takes t_mvm alone)")
          .optional("energy_split", &ReadModeSpec::energy_split, StructCodec<EnergySplitSpec>{&energy_split_schema()},
                    "shares of the MVM energy that scale with driven rows and converted columns (absent: "
                    "every MVM costs the full-array energy)")
          .rule("not both t_mvm_ns and t_mvm_cycles; not both e_mvm_pj and e_bit_phase_pj",
                [](const ReadModeSpec& m, const Site& site) {
                  if (m.t_mvm_ns && m.t_mvm_cycles) site.fail_key("t_mvm_cycles", "give t_mvm_ns or t_mvm_cycles, not both");
                  if (m.e_mvm_pj && m.e_bit_phase_pj) {
                    site.fail_key("e_bit_phase_pj", "give e_mvm_pj or e_bit_phase_pj, not both");
                  }
                });
  return s;
}

}  // namespace aimc::chip
