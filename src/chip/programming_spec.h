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
  double t_write_ns = 0;                  // one write (or program-pulse) operation
  int64_t cells_per_write = 1;            // crossbar cells one write operation sets
  int64_t parallel_writes = 1;            // write operations in flight at once (write heads)
  std::optional<double> t_init_ns;        // program-and-verify: initial pulses before iterating
  std::optional<double> t_verify_ns;      // program-and-verify: one verify read
  std::optional<int64_t> max_iterations;  // program-and-verify: iteration limit
  // program-and-verify: a unit cell is accepted when its verify read is within this many µS of the
  // target (absent: the device model's programming noise is already the verified result).
  std::optional<double> verify_margin_us;
  std::optional<double> e_write_pj;  // energy of one write operation
  // Weights may be rewritten between parts of one network's execution (cheap SRAM writes): a
  // network larger than the chip then runs in reload segments (compiler). False for PCM, whose
  // program-and-verify is far slower than inference.
  bool reload = false;
};

const Schema<ProgrammingSpec>& programming_schema();
std::string to_string(ProgrammingScheme scheme);

// Upper bound on the time to program every cell of one core (ns): each group of
// cells_per_write·parallel_writes cells takes t_init + max_iterations·(t_write + t_verify), or
// t_write for a direct write.
double worst_case_core_programming_ns(const CoreSpec& core);

}  // namespace aimc::chip
