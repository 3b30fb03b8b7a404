// Real results for the report tests: LeNet on MNIST evaluated and timed on hermes.
#pragma once

#include <string>

#include "../compiler/compiler_test_util.h"
#include "data/dataset.h"
#include "experiment/evaluate.h"
#include "experiment/performance.h"
#include "experiment/program_source.h"

namespace aimc::test {

inline std::string lenet() { return source_path("models/mnist_lenet.onnx"); }
inline std::string mnist_spec() { return "mnist:" + source_path("data/mnist-test-1k"); }

// What `aimc eval --model lenet --chip hermes --data mnist --limit 32 --drift-times 1s,1d --repeats 2`
// runs (its model calibrated on the first 64 samples of the data it evaluates).
inline experiment::EvalResult lenet_eval() {
  const chip::ChipSpec chip = preset("hermes");
  const Dataset data = load_dataset(mnist_spec(), 32);
  experiment::CompileSettings cs;
  cs.calibration_data = mnist_spec();
  cs.calibration_samples = 64;
  const experiment::LoadedProgram loaded = experiment::load_or_compile({.model = lenet()}, chip, cs);
  experiment::EvalOptions eo;
  eo.drift_times = {1.0, 86400.0};
  eo.repeats = 2;
  eo.threads = 1;
  return experiment::evaluate(loaded, chip, data, mnist_spec(), eo);
}

// What `aimc perf --model lenet --chip hermes --images 4` runs.
inline perf::PerfStats lenet_perf() {
  perf::PerfOptions o;
  o.images = 4;
  return experiment::simulate_performance({.model = lenet()}, preset("hermes"), {}, o);
}

}  // namespace aimc::test
