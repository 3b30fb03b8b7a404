#include "chip/programming_spec.h"

#include <cmath>

#include "chip/core_spec.h"
#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<ProgrammingScheme>& programming_scheme_codec() {
  static const EnumCodec<ProgrammingScheme> c{
      {{"program-and-verify", ProgrammingScheme::ProgramAndVerify}, {"direct-write", ProgrammingScheme::DirectWrite}}};
  return c;
}
}  // namespace

std::string to_string(ProgrammingScheme scheme) { return programming_scheme_codec().name_of(scheme); }

const Schema<ProgrammingSpec>& programming_schema() {
  static const Schema<ProgrammingSpec> s =
      Schema<ProgrammingSpec>("programming", "How weights are written into a core's crossbar.")
          .required("scheme", &ProgrammingSpec::scheme, programming_scheme_codec(),
                    "`program-and-verify` (iterative, analog devices) or `direct-write` (SRAM)")
          .required("t_write_ns", &ProgrammingSpec::t_write_ns, RealCodec{0, 1e12, true},
                    "one write or program-pulse operation (ns)")
          .required("cells_per_write", &ProgrammingSpec::cells_per_write, IntCodec{1, 1000000000},
                    "crossbar cells one write operation sets")
          .required("parallel_writes", &ProgrammingSpec::parallel_writes, IntCodec{1, 1000000},
                    "write operations in flight at once (write heads)")
          .optional("t_init_ns", &ProgrammingSpec::t_init_ns, RealCodec{0, 1e12},
                    "program-and-verify: initial pulses before iterating (ns)")
          .optional("t_verify_ns", &ProgrammingSpec::t_verify_ns, RealCodec{0, 1e12}, "program-and-verify: one verify read (ns)")
          .optional("max_iterations", &ProgrammingSpec::max_iterations, IntCodec{1, 100000},
                    "program-and-verify: iteration limit")
          .optional("verify_margin_us", &ProgrammingSpec::verify_margin_us, RealCodec{0, 1e4, true},
                    "program-and-verify: acceptance margin of a unit cell's verify read (µS); absent: the device "
                    "model's programming noise is taken as the already verified result")
          .optional("e_write_pj", &ProgrammingSpec::e_write_pj, RealCodec{0, 1e12}, "energy of one write operation (pJ)")
          .defaulted("reload", &ProgrammingSpec::reload, BoolCodec{}, false,
                     "weights may be rewritten during a network's execution, so a network larger than the chip "
                     "runs in reload segments (compiler); false: it must fit")
          .rule(
              "program-and-verify needs t_verify_ns and max_iterations; direct-write has none of the "
              "program-and-verify keys",
              [](const ProgrammingSpec& p, const Site& site) {
                if (p.scheme == ProgrammingScheme::ProgramAndVerify) {
                  if (!p.t_verify_ns)
                    site.fail_key("t_verify_ns", "missing; expected a number in [0, 1e+12] for program-and-verify");
                  if (!p.max_iterations) {
                    site.fail_key("max_iterations", "missing; expected an integer in 1..100000 for program-and-verify");
                  }
                } else {
                  if (p.t_init_ns) site.fail_key("t_init_ns", "only for program-and-verify");
                  if (p.t_verify_ns) site.fail_key("t_verify_ns", "only for program-and-verify");
                  if (p.max_iterations) site.fail_key("max_iterations", "only for program-and-verify");
                  if (p.verify_margin_us) site.fail_key("verify_margin_us", "only for program-and-verify");
                }
              });
  return s;
}

double worst_case_core_programming_ns(const CoreSpec& core) {
  const ProgrammingSpec& p = core.programming;
  const double cells = static_cast<double>(core.rows * core.cols * core.arrays);
  const double groups = std::ceil(cells / static_cast<double>(p.cells_per_write * p.parallel_writes));
  const double per_group = p.scheme == ProgrammingScheme::ProgramAndVerify
                               ? p.t_init_ns.value_or(0.0) + static_cast<double>(p.max_iterations.value_or(1)) *
                                                                 (p.t_write_ns + p.t_verify_ns.value_or(0.0))
                               : p.t_write_ns;
  return groups * per_group;
}

}  // namespace aimc::chip
