// aimc infer: top-1 accuracy and speed of the digital reference on a dataset.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "data/dataset.h"
#include "onnx/importer.h"
#include "sim/reference/executor.h"
#include "sim/metrics.h"

namespace aimc::cli {

namespace {
struct InferArgs {
  std::string model;
  std::string data;
  int64_t limit = -1;
  int64_t batch = 128;
  int threads = 2;
  std::string json;
};

void run_infer(const InferArgs& a) {
  Graph graph = import_onnx(a.model);
  Dataset data = load_dataset(a.data, a.limit);
  ReferenceExecutor exec(graph, ReferenceOptions{.threads = a.threads});
  auto start = std::chrono::steady_clock::now();
  if (graph.inputs.size() != 1) {
    throw Error(fmt::format("infer needs a model with one input, this one has {}", graph.inputs.size()),
                ErrorContext{.file = a.model});
  }
  const Value& in = graph.value(graph.inputs[0]);
  Shape want = in.shape, got = data.inputs.shape();
  if (in.batch_axis != 0 || got.size() != want.size() || in.dtype != data.inputs.dtype() ||
      !std::equal(want.begin() + 1, want.end(), got.begin() + 1)) {
    want[0] = got.empty() ? 0 : got[0];
    throw Error(fmt::format("dataset samples {} {} do not match the model input '{}' {} {}",
                            dtype_name(data.inputs.dtype()), shape_str(got), in.name, dtype_name(in.dtype),
                            shape_str(want)),
                ErrorContext{.file = a.data});
  }
  ClassificationResult r = evaluate_classifier(
      [&](const Tensor& x) { return exec.run({x}).at(0); }, data, a.batch);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double ips = seconds > 0 ? static_cast<double>(r.samples) / seconds : 0.0;
  fmt::print("model      {}\n", a.model);
  fmt::print("data       {} ({} images)\n", a.data, r.samples);
  fmt::print("accuracy   {:.2f}% ({} / {})\n", 100.0 * r.accuracy(), r.correct, r.samples);
  fmt::print("speed      {:.0f} images/s (batch {}, {} threads, {:.3f} s)\n", ips, a.batch, a.threads, seconds);
  if (!a.json.empty()) {
    write_text_file(a.json, nlohmann::json{{"model", a.model},
                        {"data", a.data},
                        {"accuracy", r.accuracy()},
                        {"correct", r.correct},
                        {"images", r.samples},
                        {"images_per_s", ips},
                        {"seconds", seconds},
                        {"batch", a.batch},
                        {"threads", a.threads}}
                                .dump(2) + "\n");
  }
}
}  // namespace

void add_infer(CLI::App& app) {
  auto args = std::make_shared<InferArgs>();
  CLI::App* sub = app.add_subcommand("infer", "Top-1 accuracy and images/s of the digital fp32 reference on a dataset");
  sub->add_option("--model", args->model, "ONNX model")->required();
  sub->add_option("--data", args->data, "mnist:DIR[,split=train] | cifar10:DIR | npy:X.npy[,Y.npy] | tokens:TEXT[,seq=N][,level=word|char] (docs/user-guide-data.md)")->required();
  sub->add_option("--limit", args->limit, "evaluate only the first N samples")->check(CLI::PositiveNumber);
  sub->add_option("--batch", args->batch, "batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, 1024));
  sub->add_option("--json", args->json, "also write the result as JSON to this file");
  sub->callback([args] { run_infer(*args); });
}

}  // namespace aimc::cli
