// lower-to-crossbar: every weighted node with constant weights becomes a Layer, a rows × cols
// matrix y = x·W (Conv: kh·kw·C_in rows × C_out columns; Gemm/MatMul; LSTM: [x; h] rows × 4H gate
// columns). A grouped or depthwise Conv is block diagonal and packed on crossbars, or — with
// grouped=digital, or grouped=auto for depthwise convs on a chip with programmable (RISC-V)
// digital units or a depthwise-conv unit — left to the digital units. Nothing is rejected.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "chip/weights_spec.h"
#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "core/sha256.h"
#include "program/weights.h"

namespace aimc::compiler {

namespace {

class LowerToCrossbar final : public Pass {
 public:
  std::string_view name() const override { return "lower-to-crossbar"; }
  std::string_view summary() const override {
    return "turn Conv, Gemm, MatMul (constant weights) and LSTM into crossbar matrices; grouped convs block diagonal";
  }
  std::vector<PassOption> options() const override {
    return {{"grouped",
             "enum",
             "auto",
             "grouped/depthwise convs: crossbar (block-diagonal), digital, or auto (digital for depthwise when the chip "
             "has programmable units or a depthwise-conv unit)",
             {"auto", "crossbar", "digital"}},
            {"digital",
             "names",
             "",
             "weighted nodes left to the digital units instead of crossbars, by name, joined with '+' (a classifier "
             "that a mapping keeps off the arrays, as Garofalo's MobileNetV2)",
             {}}};
  }

  void run(CompileContext& ctx) override {
    const Graph& g = ctx.graph;
    ctx.program.layers.clear();
    ctx.layer_node.clear();
    int64_t grouped_crossbar = 0, grouped_digital = 0, kept_digital = 0, weights = 0;
    const std::string grouped = option("grouped");
    std::set<std::string> keep_digital;
    for (std::string rest = option("digital"); !rest.empty();) {
      const size_t plus = rest.find('+');
      if (plus != 0) keep_digital.insert(rest.substr(0, plus));
      rest = plus == std::string::npos ? "" : rest.substr(plus + 1);
    }
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      auto layer = describe_layer(g, static_cast<int32_t>(i));
      if (!layer) continue;
      if (keep_digital.erase(layer->name) > 0) {
        ++kept_digital;
        continue;
      }
      if (layer->groups > 1) {
        const auto& kernel = g.node(static_cast<int32_t>(i)).attr<ConvAttrs>().window.kernel;
        const bool depthwise = layer->group_rows == numel(Shape(kernel.begin(), kernel.end()));  // one input channel per group
        const bool digital = grouped == "digital" || (grouped == "auto" && depthwise && runs_depthwise(ctx.chip));
        if (digital) {
          ++grouped_digital;
          continue;
        }
        ++grouped_crossbar;
      }
      auto q = ctx.node_quant.find(layer->name);
      if (q != ctx.node_quant.end()) layer->quant = q->second;
      layer->columns_per_weight =
          chip::columns_per_weight(ctx.chip.cores.weights, layer->quant.weight_bits > 0 ? layer->quant.weight_bits : 1);
      if (layer->columns_per_weight > ctx.chip.cores.cols) {
        throw Error(fmt::format("layer '{}': a {}-bit weight needs {} columns, the crossbar has {}", layer->name,
                                layer->quant.weight_bits, layer->columns_per_weight, ctx.chip.cores.cols));
      }
      const Tensor m = layer_matrix(g, *layer, static_cast<int32_t>(i));
      for (float v : m.span<float>()) {
        if (!std::isfinite(v)) {
          throw Error(
              fmt::format("layer '{}' has a non-finite weight ({}); a crossbar stores finite conductances", layer->name, v),
              ErrorContext{.node = layer->name});
        }
      }
      layer->weights_sha256 = sha256_hex(std::string_view(reinterpret_cast<const char*>(m.raw()), m.nbytes()));
      layer->id = static_cast<int32_t>(ctx.program.layers.size());
      weights += layer->group_rows * layer->group_cols * layer->groups;
      ctx.program.layers.push_back(*layer);
      ctx.layer_node.push_back(static_cast<int32_t>(i));
    }
    if (!keep_digital.empty()) {
      throw Error(fmt::format("lower-to-crossbar{{digital=...}}: no weighted node named '{}' in the model",
                              fmt::join(keep_digital, "', '")),
                  ErrorContext{.field = "pipeline"});
    }
    statistics()["layers"] = static_cast<int64_t>(ctx.program.layers.size());
    statistics()["kept-digital"] = kept_digital;
    statistics()["grouped-on-crossbars"] = grouped_crossbar;
    statistics()["grouped-on-digital"] = grouped_digital;
    statistics()["weights"] = weights;
  }
};

}  // namespace

std::unique_ptr<Pass> make_lower_to_crossbar_pass() { return std::make_unique<LowerToCrossbar>(); }

}  // namespace aimc::compiler
