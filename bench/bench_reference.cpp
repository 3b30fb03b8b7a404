// Throughput (images/s) of the digital reference executor on the reference models.
//
//   bench_reference [benchmark flags] [NAME=MODEL.onnx | MODEL.onnx]...
//
// Models: each argument, else $AIMC_BENCH_MNIST_LENET and $AIMC_BENCH_RESNET20, else
// models/mnist_lenet.onnx and models/resnet20_cifar10.onnx under the source tree. A model that
// cannot be imported is replaced by a hand-built graph of the same shapes (random weights) when
// its name is mnist_lenet or resnet20. $AIMC_BENCH_THREADS (default "1,2") lists thread counts,
// $AIMC_BENCH_BATCH (default 128) the batch. One benchmark per model and thread count, named
// NAME/threads:T, with the counter images_per_s (wall-clock).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_graphs.h"
#include "core/rng.h"
#include "onnx/importer.h"
#include "reference/executor.h"

namespace {

using namespace aimc;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct Model {
  std::string name;
  std::shared_ptr<Graph> graph;
};

Model load(const std::string& name, const std::string& path) {
  try {
    auto g = std::make_shared<Graph>(import_onnx(path));
    fmt::print(stderr, "{}: imported {}\n", name, path);
    return {name, g};
  } catch (const std::exception& e) {
    if (name != "mnist_lenet" && name != "resnet20") throw;
    fmt::print(stderr, "{}: cannot import {} ({}); using the hand-built graph\n", name, path, e.what());
    return {name, std::make_shared<Graph>(name == "resnet20" ? bench::resnet20_graph() : bench::lenet_graph())};
  }
}

std::vector<Model> models(int argc, char** argv) {
  std::vector<Model> out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    std::string path = eq == std::string::npos ? arg : arg.substr(eq + 1);
    std::string name = eq == std::string::npos ? std::filesystem::path(arg).stem().string() : arg.substr(0, eq);
    out.push_back(load(name, path));
  }
  if (out.empty()) {
    const std::string root = AIMC_SOURCE_DIR;
    out.push_back(load("mnist_lenet", env_or("AIMC_BENCH_MNIST_LENET", root + "/models/mnist_lenet.onnx")));
    out.push_back(load("resnet20", env_or("AIMC_BENCH_RESNET20", root + "/models/resnet20_cifar10.onnx")));
  }
  return out;
}

std::vector<int> thread_counts() {
  std::vector<int> t;
  std::stringstream ss(env_or("AIMC_BENCH_THREADS", "1,2"));
  for (std::string item; std::getline(ss, item, ',');) t.push_back(std::stoi(item));
  return t;
}

// Random pixels in [0, 1) for the model's (single) input at `batch`.
Tensor random_input(const Graph& g, int64_t batch) {
  Tensor x(DType::f32, g.runtime_shape(g.inputs.at(0), batch));
  Rng(0, 0, RngPurpose::test).fill_uniform(0, x.span<float>());
  return x;
}

void run_model(benchmark::State& state, std::shared_ptr<Graph> graph, int threads, int64_t batch) {
  ReferenceExecutor exec(*graph, ReferenceOptions{.threads = threads});
  std::vector<Tensor> inputs = {random_input(*graph, batch)};
  exec.run(inputs);  // warm-up: primitives and weight layouts
  for (auto _ : state) {
    auto out = exec.run(inputs);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["batch"] = static_cast<double>(batch);
  state.counters["threads"] = threads;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  try {
    const int64_t batch = std::stoll(env_or("AIMC_BENCH_BATCH", "128"));
    for (const Model& m : models(argc, argv)) {
      for (int t : thread_counts()) {
        benchmark::RegisterBenchmark(fmt::format("{}/threads:{}", m.name, t).c_str(), run_model, m.graph, t, batch)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_reference: {}\n", e.what());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
