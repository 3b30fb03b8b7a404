// Throughput (images/s) of the chip path (functional simulation) on an ONNX model, as `aimc eval`
// runs it: the model compiled for the chip with the default pipeline, every tile programmed, the
// state at t = 1 h (PCM drift, read noise, global drift compensation), then batches through the
// ChipExecutor with input DACs, output noise, ADCs and the partial-sum accumulators.
//
//   bench_chip [benchmark flags]
//
// Environment: AIMC_BENCH_MODEL (default models/resnet20_cifar10.onnx), AIMC_BENCH_CHIP (default
// hermes), AIMC_BENCH_READ_MODE (default four-phase), AIMC_BENCH_THREADS (default "1,2"),
// AIMC_BENCH_BATCH (default 128). Inputs: random pixels in [0, 1) (seed 0), as bench/torch_bench.py.
// One benchmark per thread count, named chip/threads:T, with the counters images_per_s (wall
// clock) and cpu_images_per_s (images per second of the process's CPU time, all threads: steadier
// than wall time when other processes share the cores).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "chip/loader.h"
#include "compiler/pipeline.h"
#include "core/rng.h"
#include "onnx/importer.h"
#include "sim/functional/executor.h"

namespace {

using namespace aimc;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Setup {
  Graph prepared;
  program::Program program;
  chip::ChipSpec chip;
  std::string read_mode;
  int64_t batch = 128;
};

void run_chip(benchmark::State& state, const Setup* s, int threads) {
  functional::FunctionalOptions o;
  o.seed = 1;
  o.threads = threads;
  o.read_mode = s->read_mode;
  o.t_s = 3600;
  functional::ChipExecutor exec(s->program, s->prepared, s->chip, o);
  Tensor x(DType::f32, s->prepared.runtime_shape(s->prepared.inputs.at(0), s->batch));
  Rng(0, 0, RngPurpose::test).fill_uniform(0, x.span<float>());
  int64_t offset = 0;
  exec.run({x}, offset);  // warm-up: primitives, per-thread buffers
  const double cpu0 = process_cpu_s();
  for (auto _ : state) {
    offset += s->batch;  // fresh noise keys per batch, as a pass over a dataset
    auto out = exec.run({x}, offset);
    benchmark::DoNotOptimize(out.data());
  }
  const double cpu = process_cpu_s() - cpu0;
  const auto images = static_cast<double>(state.iterations() * s->batch);
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(s->batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cpu_images_per_s"] = cpu > 0 ? images / cpu : 0.0;
  state.counters["batch"] = static_cast<double>(s->batch);
  state.counters["threads"] = threads;
  state.counters["tiles"] = static_cast<double>(exec.tiles());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  static Setup setup;
  try {
    const std::string root = AIMC_SOURCE_DIR;
    const std::string model = env_or("AIMC_BENCH_MODEL", root + "/models/resnet20_cifar10.onnx");
    const chip::PresetLibrary presets({root + "/presets"});
    setup.chip = chip::load_chip(env_or("AIMC_BENCH_CHIP", "hermes"), presets);
    setup.read_mode = env_or("AIMC_BENCH_READ_MODE", "four-phase");
    setup.batch = std::stoll(env_or("AIMC_BENCH_BATCH", "128"));
    const Graph imported = import_onnx(model);
    compiler::CompileOptions opt;
    opt.model_path = model;
    setup.program = compiler::compile(imported, setup.chip, opt);  // as `aimc eval --model`
    setup.prepared = compiler::prepare_graph(imported, setup.program);
    std::stringstream ss(env_or("AIMC_BENCH_THREADS", "1,2"));
    for (std::string item; std::getline(ss, item, ',');) {
      const int t = std::stoi(item);
      benchmark::RegisterBenchmark(fmt::format("chip/threads:{}", t).c_str(), run_chip, &setup, t)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_chip: {}\n", e.what());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
