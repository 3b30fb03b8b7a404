#include "compiler/pipeline.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <sstream>

#include "chip/resolved.h"
#include "compiler/passes/common.h"
#include "core/error.h"
#include "core/json_text.h"
#include "core/sha256.h"
#include "program/weights.h"

namespace aimc::compiler {

namespace {
std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

// Splits at commas outside braces.
std::vector<std::string> split_top(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (depth < 0) throw Error(fmt::format("unbalanced '}}' in {} '{}'", what, text), ErrorContext{.field = "pipeline"});
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (depth != 0) throw Error(fmt::format("unbalanced '{{' in {} '{}'", what, text), ErrorContext{.field = "pipeline"});
  out.push_back(trim(cur));
  return out;
}
}  // namespace

std::string default_pipeline(const std::string& schedule, const std::string& replicate) {
  schedule_kind_from_string(schedule);
  if (replicate != "auto" && replicate != "none") {
    throw Error(fmt::format("unknown replication mode '{}' (modes: auto, none)", replicate), ErrorContext{.field = "replicate"});
  }
  return fmt::format(
      "fold-batchnorm,quantize,lower-to-crossbar,partition,pack,replicate{{mode={}}},place,assign-digital,route,"
      "schedule{{kind={}}}",
      replicate, schedule);
}

std::vector<std::unique_ptr<Pass>> parse_pipeline(const std::string& text) {
  std::vector<std::unique_ptr<Pass>> passes;
  if (trim(text).empty()) throw Error("empty pipeline", ErrorContext{.field = "pipeline"});
  for (const std::string& item : split_top(text, "pipeline")) {
    if (item.empty()) throw Error(fmt::format("empty pass in pipeline '{}'", text), ErrorContext{.field = "pipeline"});
    const auto brace = item.find('{');
    std::unique_ptr<Pass> pass = create_pass(trim(item.substr(0, brace)));
    if (brace != std::string::npos) {
      if (item.back() != '}')
        throw Error(fmt::format("'{}': options must end with '}}'", item), ErrorContext{.field = "pipeline"});
      const std::string body = item.substr(brace + 1, item.size() - brace - 2);
      if (!trim(body).empty()) {
        for (const std::string& kv : split_top(body, "options")) {
          const auto eq = kv.find('=');
          if (eq == std::string::npos) {
            throw Error(fmt::format("'{}': option '{}' needs a value (key=value)", item, kv), ErrorContext{.field = "pipeline"});
          }
          pass->set_option(trim(kv.substr(0, eq)), trim(kv.substr(eq + 1)));
        }
      }
    }
    passes.push_back(std::move(pass));
  }
  return passes;
}

std::string CompileContext::to_text() const {
  std::ostringstream os;
  os << graph.to_text();
  os << fmt::format("mapping: {} layers, {} blocks, {} crossbar bins\n", program.layers.size(), blocks.size(), bins.size());
  for (const Block& b : blocks) {
    os << fmt::format("  block L{} g{} rows[{},{}) cols[{},{})\n", b.layer, b.group, b.r0, b.r1, b.c0, b.c1);
  }
  for (size_t i = 0; i < bins.size(); ++i) {
    std::vector<std::string> e;
    for (const BinEntry& x : bins[i].entries) e.push_back(fmt::format("B{}@({},{})", x.block, x.row_offset, x.col_offset));
    os << fmt::format("  bin {} layer {}: {}\n", i, bins[i].layer, fmt::join(e, " "));
  }
  os << compiler::to_text(program);
  return os.str();
}

namespace {

// A network with more weights than the chip has cells cannot fit a chip that cannot reload them:
// the passes up to `place` then run once without calibrating (which runs the reference network on
// the calibration samples: about a minute for VGG-11), so the refusal, with its remedies, comes
// first. The check only decides when to look; the passes themselves decide whether it fits.
void check_fit_early(const CompileContext& ctx, const std::string& pipeline) {
  if (ctx.chip.cores.programming.reload) return;
  double weights = 0;
  for (size_t i = 0; i < ctx.graph.num_nodes(); ++i) {
    if (const auto layer = describe_layer(ctx.graph, static_cast<int32_t>(i))) {
      weights += static_cast<double>(layer->groups * layer->group_rows * layer->group_cols);
    }
  }
  const double cells = static_cast<double>(ctx.crossbars() * ctx.chip.cores.rows * ctx.chip.cores.cols);
  if (weights <= cells) return;
  CompileContext trial = ctx;
  trial.calibrate = false;
  for (const auto& p : parse_pipeline(pipeline)) {
    p->run(trial);
    if (p->name() == "place") break;
  }
}

}  // namespace

Program compile(const Graph& graph, const chip::ChipSpec& chip, const CompileOptions& options) {
  const std::string text = options.pipeline.empty() ? default_pipeline(options.schedule, options.replicate) : options.pipeline;
  std::vector<std::unique_ptr<Pass>> passes = parse_pipeline(text);
  CompileContext ctx;
  ctx.graph = graph;
  ctx.chip = chip;
  ctx.calibration = options.calibration;
  ctx.seed = options.seed;
  ctx.allow_quantize = options.allow_quantize;
  for (const auto& p : passes) {
    if (p->name() == "schedule") ctx.schedule_kind = schedule_kind_from_string(p->option("kind"));
    if (p->name() == "replicate" && p->option("mode") == "auto") {
      ctx.replicates = true;
      ctx.replicate_budget = std::stoll(p->option("budget"));
      ctx.replicate_total = std::stoll(p->option("total"));
    }
  }
  Program& prog = ctx.program;
  prog.chip_name = chip.name;
  prog.chip_resolved = chip::resolved_json(chip);
  prog.chip_sha256 = sha256_hex(json_text(prog.chip_resolved));
  prog.crossbar_rows = chip.cores.rows;
  prog.crossbar_cols = chip.cores.cols;
  prog.crossbars_available = ctx.crossbars();
  prog.graph_name = graph.name;
  prog.model_path = options.model_path;
  std::vector<std::string> specs;
  for (const auto& p : passes) specs.push_back(p->spec());
  prog.pipeline = fmt::format("{}", fmt::join(specs, ","));
  auto print = options.print ? options.print : [](const std::string& s) { std::fputs(s.c_str(), stderr); };
  check_fit_early(ctx, text);
  for (size_t i = 0; i < passes.size(); ++i) {
    const auto& p = passes[i];
    if (options.on_pass) options.on_pass(std::string(p->name()), i, passes.size());
    p->run(ctx);
    prog.statistics[std::string(p->name())] = p->statistics();
    if (options.print_ir_after_all) print(fmt::format("// ----- IR after {} -----\n{}", p->spec(), ctx.to_text()));
  }
  // Hashed last: a network that does not fit is refused without reading the model file again.
  if (!options.model_path.empty()) prog.model_sha256 = sha256_file(options.model_path);
  return std::move(ctx.program);
}

Graph prepare_graph(const Graph& imported, const Program& program, bool check_weights) {
  CompileContext ctx;
  ctx.graph = imported;
  for (const auto& p : parse_pipeline(program.pipeline)) {
    if (p->name() == "fold-batchnorm") p->run(ctx);
  }
  for (const Layer& l : program.layers) {
    const int32_t node = layer_node(ctx.graph, l);
    const auto now = describe_layer(ctx.graph, node);
    if (!now || now->rows != l.rows || now->cols != l.cols || now->groups != l.groups || now->kind != l.kind) {
      throw Error(fmt::format("layer '{}' has another shape than when the program was compiled", l.name),
                  ErrorContext{.node = l.name, .field = "model"});
    }
    if (!check_weights) continue;
    const Tensor m = layer_matrix(ctx.graph, l, node);
    if (m.dim(0) != l.rows || m.dim(1) != l.cols ||
        sha256_hex(std::string_view(reinterpret_cast<const char*>(m.raw()), m.nbytes())) != l.weights_sha256) {
      throw Error(fmt::format("layer '{}' has other weights than when the program was compiled", l.name),
                  ErrorContext{.node = l.name, .field = "model"});
    }
  }
  return std::move(ctx.graph);
}

}  // namespace aimc::compiler
