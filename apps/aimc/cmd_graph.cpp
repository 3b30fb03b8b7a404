// aimc graph: import a model and print its canonical graph (the IR's text form).
#include <fmt/format.h>

#include "commands.h"
#include "onnx/importer.h"

namespace aimc::cli {

namespace {
struct GraphArgs {
  std::string model;
  bool constants = false;
  int64_t batch = 1;
};
}  // namespace

void add_graph(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* sub = app.add_subcommand("graph", "Import an ONNX model and print aimc's graph of canonical ops");
  sub->add_option("--model", args->model, "ONNX model")->required();
  sub->add_flag("--constants", args->constants, "also list constants (weights, folded values)");
  sub->add_option("--batch", args->batch, "batch size assumed for a symbolic batch dimension")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->callback([args] {
    Graph g = import_onnx(args->model, ImportOptions{.batch = args->batch});
    fmt::print("{}", g.to_text(args->constants));
  });
}

}  // namespace aimc::cli
