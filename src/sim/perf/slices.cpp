#include "sim/perf/slices.h"

#include <algorithm>
#include <cmath>

namespace aimc::perf {

using program::LayerKind;

std::vector<char> sliced_stages(const program::Program& program, int64_t slices) {
  const auto& stages = program.schedule.stages;
  std::vector<char> sliced(stages.size(), slices > 1 ? 1 : 0);
  if (slices <= 1) return sliced;
  for (size_t s = 0; s < stages.size(); ++s) {
    for (int32_t l : stages[s].layers) {
      const auto& L = program.layers[static_cast<size_t>(l)];
      if (program::is_recurrent(L.kind)) continue;
      if (L.vectors_per_inference < slices || (L.output_rows > 0 && L.output_rows < slices)) sliced[s] = 0;
    }
  }
  return sliced;
}

int32_t gather_stage(const program::Program& program, int64_t slices) {
  const std::vector<char> sliced = sliced_stages(program, slices);
  if (slices <= 1) return static_cast<int32_t>(sliced.size());
  return static_cast<int32_t>(std::find(sliced.begin(), sliced.end(), 0) - sliced.begin());
}

int64_t auto_slices(const program::Program& program) {
  if (program.schedule.reloads() || program.schedule.kind == program::ScheduleKind::LayerByLayer) return 1;
  int64_t rows = 0;  // the fewest output rows of the convs that stream (0: none yet)
  for (const auto& stage : program.schedule.stages) {
    for (int32_t l : stage.layers) {
      const auto& L = program.layers[static_cast<size_t>(l)];
      if (program::is_recurrent(L.kind)) return 1;
      const bool gathers = L.kind == LayerKind::Conv ? L.output_rows == 1 : L.vectors_per_inference <= 1;
      if (gathers) continue;
      if (L.kind != LayerKind::Conv || L.output_rows <= 0) return 1;
      rows = rows == 0 ? L.output_rows : std::min(rows, L.output_rows);
    }
  }
  return std::clamp<int64_t>(rows, 1, kMaxAutoSlices);
}

std::vector<int64_t> auto_slice_candidates(const program::Program& program) {
  const int64_t finest = auto_slices(program);
  std::vector<int64_t> k;
  for (int64_t c = 1; c < finest; c *= 2) k.push_back(c);
  k.push_back(finest);
  return k;
}

double halo_slices(int64_t output_rows, const program::RowWindow& w, int64_t slices) {
  if (slices <= 1 || output_rows < 1 || w.input_rows < 1) return 0;
  const auto first_row = [&](int64_t j) { return j * w.input_rows / slices; };  // of the producer's slice j
  double halo = 0;
  for (int64_t k = 0; k + 1 < slices; ++k) {
    const int64_t last_out = ((k + 1) * output_rows + slices - 1) / slices - 1;
    const int64_t need = w.reads(last_out, last_out + 1).second - 1;  // last input row read
    int64_t j = k;                                                    // the producer's slice that holds it
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
  const std::vector<char> sliced = sliced_stages(program, slices);
  for (size_t s = 1; s < stages.size(); ++s) {  // stage 0's producer: the input, there at once
    if (sliced[s] == 0 || sliced[s - 1] == 0) continue;
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
                       const std::vector<char>& sliced, int64_t slices, const std::vector<double>& first,
                       const std::vector<double>& span) {
  const auto K = static_cast<size_t>(std::max<int64_t>(slices, 1));
  std::vector<double> began(K, 0.0), left(K, 0.0);  // each slice at the stage before: entered, left
  bool whole = false;                               // the stage before ran the inference whole
  for (size_t s = 0; s < latency.size(); ++s) {
    if (K == 1 || sliced[s] == 0) {
      const double t = *std::max_element(left.begin(), left.end());
      std::fill(began.begin(), began.end(), t);
      std::fill(left.begin(), left.end(), t + latency[s]);
      whole = true;
      continue;
    }
    const double h = whole ? 0.0 : std::max(halo[s], 0.0);
    const auto reads = static_cast<size_t>(std::floor(h));  // slices past its own it reads whole
    const double part = h - static_cast<double>(reads);
    const double opens = s < first.size() ? std::min(first[s], service[s]) : service[s];
    std::vector<double> b(K), done(K);
    double free = 0, free_first = 0;  // the stage's busiest and least busy resources, after slice k − 1
    double first_in = 0;              // slice 0's inputs there
    for (size_t k = 0; k < K; ++k) {
      double in = 0;
      for (size_t j = k; j <= std::min(K - 1, k + reads); ++j) in = std::max(in, left[j]);
      if (part > 0 && s > 0 && k + reads + 1 < K) in = std::max(in, began[k + reads + 1] + part * latency[s - 1]);
      if (k == 0) first_in = in;
      const double ready = std::max(in, free);
      b[k] = std::max(in, free_first);
      free = ready + service[s];
      free_first = b[k] + opens;
      done[k] = ready + latency[s];
    }
    if (s < span.size()) done[K - 1] = std::max(done[K - 1], first_in + span[s]);
    began = std::move(b);
    left = std::move(done);
    whole = false;
  }
  return *std::max_element(left.begin(), left.end());
}

}  // namespace aimc::perf
