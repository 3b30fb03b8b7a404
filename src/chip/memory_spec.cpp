#include "chip/memory_spec.h"

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
const EnumCodec<MemoryKind>& memory_kind_codec() {
  static const EnumCodec<MemoryKind> c{{{"sram", MemoryKind::Sram},
                                        {"register-file", MemoryKind::RegisterFile},
                                        {"dram", MemoryKind::Dram},
                                        {"hbm", MemoryKind::Hbm}}};
  return c;
}
}  // namespace

std::string to_string(MemoryKind kind) { return memory_kind_codec().name_of(kind); }

const Schema<MemorySpec>& memory_schema() {
  static const Schema<MemorySpec> s =
      Schema<MemorySpec>("memories.<name>",
                         "A memory or buffer. Under `cores.memories` there is one per core, under `memories` one "
                         "per chip (or off chip).")
          .required("kind", &MemorySpec::kind, memory_kind_codec(), "`sram`, `register-file`, `dram` or `hbm`")
          .required("off_chip", &MemorySpec::off_chip, BoolCodec{}, "outside the die")
          .required("size_bytes", &MemorySpec::size_bytes, IntCodec{1, int64_t{1} << 50}, "capacity (bytes)")
          .defaulted("banks", &MemorySpec::banks, IntCodec{1, 1000000}, int64_t{1}, "independent banks")
          .required("bw_bytes_per_cycle", &MemorySpec::bw_bytes_per_cycle, RealCodec{0, 1e9, true},
                    "bandwidth of all banks together (bytes per chip clock cycle)")
          .required("latency_cycles", &MemorySpec::latency_cycles, IntCodec{0, 1000000000}, "access latency (cycles)")
          .optional("e_read_pj_per_byte", &MemorySpec::e_read_pj_per_byte, RealCodec{0, 1e9}, "read energy (pJ per byte)")
          .optional("e_write_pj_per_byte", &MemorySpec::e_write_pj_per_byte, RealCodec{0, 1e9}, "write energy (pJ per byte)")
          .optional("area_mm2", &MemorySpec::area_mm2, RealCodec{0, 1e5, true},
                    "area of the memory (mm²); on-chip memories only");
  return s;
}

}  // namespace aimc::chip
