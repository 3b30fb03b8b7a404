#include "sim/perf/slices.h"

#include <algorithm>

#include "core/error.h"

namespace aimc::perf {

using program::LayerKind;

int32_t gather_stage(const program::Program& program, int64_t slices) {
  const auto& stages = program.schedule.stages;
  if (slices <= 1) return static_cast<int32_t>(stages.size());
  for (size_t s = 0; s < stages.size(); ++s) {
    for (int32_t l : stages[s].layers) {
      const auto& L = program.layers[static_cast<size_t>(l)];
      if (program::is_recurrent(L.kind)) continue;
      if (L.vectors_per_inference < slices || (L.output_rows > 0 && L.output_rows < slices)) return static_cast<int32_t>(s);
    }
  }
  return static_cast<int32_t>(stages.size());
}

int64_t auto_slices(const program::Program& program) {
  if (program.schedule.reloads() || program.schedule.kind == program::ScheduleKind::LayerByLayer) return 1;
  int64_t rows = 0;  // the fewest output rows so far (0: no conv yet)
  for (const auto& stage : program.schedule.stages) {
    for (int32_t l : stage.layers) {
      const auto& L = program.layers[static_cast<size_t>(l)];
      if (program::is_recurrent(L.kind)) return 1;
      const bool gathers = L.kind == LayerKind::Conv ? L.output_rows == 1 : L.vectors_per_inference <= 1;
      if (gathers) return std::clamp<int64_t>(rows, 1, kMaxAutoSlices);
      if (L.kind != LayerKind::Conv || L.output_rows <= 0) return 1;
      rows = rows == 0 ? L.output_rows : std::min(rows, L.output_rows);
    }
  }
  return std::clamp<int64_t>(rows, 1, kMaxAutoSlices);
}

int64_t resolve_slices(const program::Program& program, int64_t requested) {
  if (requested < 0) throw Error("must be 0 (auto) or more", ErrorContext{.field = "chunks"});
  return requested > 0 ? requested : auto_slices(program);
}

}  // namespace aimc::perf
