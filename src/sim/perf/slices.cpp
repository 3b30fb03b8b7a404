#include "sim/perf/slices.h"

#include <algorithm>
#include <cmath>

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

double halo_slices(int64_t output_rows, const program::RowWindow& w, int64_t slices) {
  if (slices <= 1 || output_rows < 1 || w.input_rows < 1) return 0;
  const auto first_row = [&](int64_t j) { return j * w.input_rows / slices; };  // of the producer's slice j
  double halo = 0;
  for (int64_t k = 0; k + 1 < slices; ++k) {
    const int64_t last_out = ((k + 1) * output_rows + slices - 1) / slices - 1;
    const int64_t need = std::min(w.input_rows - 1, last_out * w.stride - w.pad + w.kernel - 1);  // last input row read
    int64_t j = k;  // the producer's slice that holds it
    while (j + 1 < slices && first_row(j + 1) <= need) ++j;
    if (j <= k) continue;
    const double part = static_cast<double>(need + 1 - first_row(j)) / static_cast<double>(first_row(j + 1) - first_row(j));
    halo = std::max(halo, static_cast<double>(j - k - 1) + part);
  }
  return halo;
}

std::vector<double> stage_halos(const program::Program& program, int64_t slices) {
  const auto& stages = program.schedule.stages;
  std::vector<double> halo(stages.size(), 0.0);
  const auto gather = static_cast<size_t>(gather_stage(program, slices));
  for (size_t s = 1; s < stages.size() && s < gather; ++s) {
    for (int32_t l : stages[s].layers) {
      const auto& L = program.layers[static_cast<size_t>(l)];
      if (L.row_window) halo[s] = std::max(halo[s], halo_slices(L.output_rows, *L.row_window, slices));
    }
    for (int32_t d : stages[s].digital_ops) {
      const auto& D = program.digital_ops[static_cast<size_t>(d)];
      if (D.row_window) halo[s] = std::max(halo[s], halo_slices(D.output_rows, *D.row_window, slices));
    }
  }
  return halo;
}

double sliced_chain_ns(const std::vector<double>& latency, const std::vector<double>& service, const std::vector<double>& halo,
                       int32_t gather, int64_t slices) {
  const auto n = static_cast<int32_t>(latency.size());
  const auto K = static_cast<size_t>(std::max<int64_t>(slices, 1));
  std::vector<double> began(K, 0.0), left(K, 0.0);  // each slice at the stage before: entered, left
  int32_t s = 0;
  for (; s < std::min(gather, n); ++s) {
    const auto su = static_cast<size_t>(s);
    const auto whole = static_cast<size_t>(std::floor(std::max(halo[su], 0.0)));
    const double part = std::max(halo[su], 0.0) - static_cast<double>(whole);
    std::vector<double> b(K), done(K);
    double free = 0;
    for (size_t k = 0; k < K; ++k) {
      double ready = free;
      for (size_t j = k; j <= std::min(K - 1, k + whole); ++j) ready = std::max(ready, left[j]);
      if (part > 0 && s > 0 && k + whole + 1 < K) ready = std::max(ready, began[k + whole + 1] + part * latency[su - 1]);
      b[k] = ready;
      free = ready + service[su];
      done[k] = ready + latency[su];
    }
    began = std::move(b);
    left = std::move(done);
  }
  double t = *std::max_element(left.begin(), left.end());
  for (; s < n; ++s) t += latency[static_cast<size_t>(s)];
  return t;
}

int64_t resolve_slices(const program::Program& program, int64_t requested) {
  if (requested < 0) throw Error("must be 0 (auto) or more", ErrorContext{.field = "chunks"});
  return requested > 0 ? requested : auto_slices(program);
}

}  // namespace aimc::perf
