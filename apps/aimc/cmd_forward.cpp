// aimc forward: run a model once on exactly the given tensors.
#include <fmt/format.h>

#include <filesystem>

#include "commands.h"
#include "core/error.h"
#include "core/threads.h"
#include "data/npy.h"
#include "onnx/importer.h"
#include "reference/executor.h"

namespace aimc::cli {

namespace {
struct ForwardArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string output;
  std::string all_outputs;
  int threads = 2;
  bool force = false;
};

void run_forward(const ForwardArgs& a) {
  std::vector<std::string> input_files = a.inputs;
  input_files.push_back(a.model);
  check_outputs({{"-o", a.output}}, input_files, a.force);
  if (a.output.empty() && a.all_outputs.empty()) {
    throw Error("give -o OUT.npy or --all-outputs DIR", ErrorContext{.field = "forward"});
  }
  Graph graph = import_onnx(a.model);
  if (a.inputs.size() != graph.inputs.size()) {
    throw Error(fmt::format("the model has {} input(s), {} --input given", graph.inputs.size(), a.inputs.size()),
                ErrorContext{.file = a.model, .field = "--input"});
  }
  std::vector<Tensor> inputs;
  for (const std::string& path : a.inputs) inputs.push_back(read_npy(path));
  ReferenceExecutor exec(graph, ReferenceOptions{.threads = a.threads});
  std::vector<Tensor> outputs = exec.run(inputs);
  std::vector<OutputPath> each;
  for (size_t i = 0; !a.all_outputs.empty() && i < outputs.size(); ++i) {
    each.push_back({"--all-outputs", (std::filesystem::path(a.all_outputs) / fmt::format("out{}.npy", i)).string()});
  }
  each.push_back({"-o", a.output});
  check_outputs(each, input_files, a.force);
  if (!a.output.empty()) write_npy(a.output, outputs.at(0));
  if (!a.all_outputs.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.all_outputs, ec);
    if (ec) throw Error("cannot create directory: " + ec.message(), ErrorContext{.file = a.all_outputs});
    for (size_t i = 0; i < outputs.size(); ++i) {
      write_npy((std::filesystem::path(a.all_outputs) / fmt::format("out{}.npy", i)).string(), outputs[i]);
    }
  }
}
}  // namespace

void add_forward(CLI::App& app) {
  auto args = std::make_shared<ForwardArgs>();
  CLI::App* sub = app.add_subcommand("forward", "Run a model once on given .npy tensors (digital fp32 reference)");
  sub->add_option("--model", args->model, "ONNX model")->required();
  sub->add_option("--input", args->inputs, "input .npy, one per graph input, in graph input order")->required();
  sub->add_option("-o,--output", args->output, "write the first output here (.npy)");
  sub->add_option("--all-outputs", args->all_outputs, "write every output as DIR/out<i>.npy");
  add_force_flag(sub, args->force);
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, kMaxThreads));
  sub->callback([args] { run_forward(*args); });
}

}  // namespace aimc::cli
