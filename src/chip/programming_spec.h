// How weights are written into a core's crossbar (`cores.programming`): PCM's iterative
// program-and-verify, or a plain SRAM write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

template <class S>
class Schema;

struct CoreSpec;

enum class ProgrammingScheme { ProgramAndVerify, DirectWrite };

struct ProgrammingSpec {
  ProgrammingScheme scheme = ProgrammingScheme::DirectWrite;
  double t_write_ns = 0;                 // one write (or program-pulse) operation
  int64_t cells_per_write = 1;           // crossbar cells one write operation sets
  int64_t parallel_writes = 1;           // write operations in flight at once (write heads)
  std::optional<double> t_init_ns;       // program-and-verify: initial pulses before iterating
  std::optional<double> t_verify_ns;     // program-and-verify: one verify read
  std::optional<int64_t> max_iterations; // program-and-verify: iteration limit
  std::optional<double> e_write_pj;      // energy of one write operation
};

const Schema<ProgrammingSpec>& programming_schema();
std::string to_string(ProgrammingScheme scheme);

// Upper bound on the time to program every cell of one core (ns): each group of
// cells_per_write·parallel_writes cells takes t_init + max_iterations·(t_write + t_verify), or
// t_write for a direct write.
double worst_case_core_programming_ns(const CoreSpec& core);

}  // namespace aimc::chip
