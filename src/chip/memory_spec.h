// Memories and buffers: per core (`cores.memories.<name>`, e.g. a cluster's L1) and per chip or
// off chip (`memories.<name>`, e.g. L2, HBM).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

template <class S>
class Schema;

enum class MemoryKind { Sram, RegisterFile, Dram, Hbm };

struct MemorySpec {
  std::string name;  // the map key: "l1"
  MemoryKind kind = MemoryKind::Sram;
  bool off_chip = false;
  int64_t size_bytes = 0;
  int64_t banks = 1;
  double bw_bytes_per_cycle = 0;  // all banks together, per chip clock cycle
  int64_t latency_cycles = 0;     // access latency
  std::optional<double> e_read_pj_per_byte;
  std::optional<double> e_write_pj_per_byte;
  std::optional<double> area_mm2;  // on-chip memories only
};

const Schema<MemorySpec>& memory_schema();
std::string to_string(MemoryKind kind);

}  // namespace aimc::chip
