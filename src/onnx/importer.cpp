#include "onnx/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "core/input_file.h"
#include "core/tensor.h"
#include "onnx/context.h"
#include "onnx/fuse_layer_norm.h"
#include "onnx/tensor_proto.h"

namespace aimc {

namespace {
using namespace onnx_import;

constexpr int64_t kMinOpset = 9;
constexpr int64_t kMaxOpset = 17;

int64_t default_opset(const onnx::ModelProto& m, const std::string& file) {
  for (const auto& o : m.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  }
  throw Error("model imports no default-domain (ai.onnx) opset", ErrorContext{.file = file});
}

// Graph inputs that reach an LSTM's or GRU's X (sequence-first: [seq, batch, ...]) directly or through an
// embedding Gather or value-preserving ops. Their batch is at axis 1 when no dim is symbolic.
std::unordered_set<std::string> sequence_first_inputs(const onnx::GraphProto& gp) {
  std::unordered_map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : gp.node()) {
    for (const auto& o : n.output()) producer[o] = &n;
  }
  std::unordered_set<std::string> found;
  for (const auto& n : gp.node()) {
    if ((n.op_type() != "LSTM" && n.op_type() != "GRU") || n.input_size() == 0) continue;
    std::string name = n.input(0);
    for (int hops = 0; hops < 16; ++hops) {
      auto it = producer.find(name);
      if (it == producer.end()) {
        found.insert(name);
        break;
      }
      const onnx::NodeProto& p = *it->second;
      if (p.op_type() == "Gather" && p.input_size() == 2) {
        name = p.input(1);  // embedding: follow the indices
      } else if (p.input_size() >= 1 && (p.op_type() == "Cast" || p.op_type() == "Identity" || p.op_type() == "Dropout" ||
                                         p.op_type() == "Relu" || p.op_type() == "Tanh" || p.op_type() == "Sigmoid")) {
        name = p.input(0);
      } else {
        break;
      }
    }
  }
  return found;
}

// Adds graph input `vi` as a runtime input. The batch axis is the first symbolic dimension; when
// every dimension is fixed it is opt.static_batch_axis, else axis 0, or axis 1 for a sequence-first input.
void add_input(Graph& g, Context& ctx, const onnx::ValueInfoProto& vi, const ImportOptions& opt, const std::string& file,
               bool sequence_first) {
  if (!vi.type().has_tensor_type()) {
    throw Error(fmt::format("graph input '{}' is not a tensor", vi.name()), ErrorContext{.file = file});
  }
  const auto& tt = vi.type().tensor_type();
  Value v;
  v.name = vi.name();
  v.dtype = dtype_from_onnx(tt.elem_type(), fmt::format("graph input '{}'", vi.name()));
  if (!tt.has_shape()) throw Error(fmt::format("graph input '{}' has no shape", vi.name()), ErrorContext{.file = file});
  int batch_axis = -1;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    if (d.has_dim_value() && d.dim_value() > 0) {
      v.shape.push_back(d.dim_value());
      continue;
    }
    if (batch_axis >= 0) {
      throw Error(fmt::format("graph input '{}' has more than one symbolic dimension (axes {} and {}); only the "
                              "batch dimension may be symbolic",
                              vi.name(), batch_axis, i),
                  ErrorContext{.file = file});
    }
    batch_axis = i;
    v.shape.push_back(opt.batch);
  }
  if (batch_axis < 0 && !v.shape.empty()) {
    const int rank = static_cast<int>(v.shape.size());
    if (opt.static_batch_axis && *opt.static_batch_axis < rank) {
      batch_axis = *opt.static_batch_axis;
    } else {
      batch_axis = sequence_first && rank >= 2 ? 1 : 0;
    }
  }
  v.batch_axis = batch_axis;
  if (batch_axis >= 0) g.import_batch = v.shape[static_cast<size_t>(batch_axis)];
  ValueId id = g.add_value(std::move(v));
  g.inputs.push_back(id);
  ctx.bind(vi.name(), id);
}

// A graph that runs sample by sample (Graph::per_sample) still returns batches: an output whose
// batch axis was lost in a fold gets the axis the model declares symbolic, or else its first axis
// of extent 1 (where a batch-1 export keeps the batch).
void set_output_batch_axis(Value& v, const onnx::ValueInfoProto& vi, const std::string& file) {
  const auto& dims = vi.type().tensor_type().shape();
  if (dims.dim_size() == static_cast<int>(v.shape.size())) {
    for (int i = 0; i < dims.dim_size(); ++i) {
      if (!dims.dim(i).has_dim_value() && v.shape[static_cast<size_t>(i)] == 1) {
        v.batch_axis = i;
        return;
      }
    }
  }
  for (size_t i = 0; i < v.shape.size(); ++i) {
    if (v.shape[i] == 1) {
      v.batch_axis = static_cast<int>(i);
      return;
    }
  }
  throw BatchAxisError(
      fmt::format("graph output '{}' has shape {} with no axis of extent 1 to carry the batch (the graph folds the "
                  "batch into other axes, so it runs one sample at a time); expected the exporter's batch axis kept",
                  vi.name(), shape_str(v.shape)),
      ErrorContext{.file = file});
}

std::string node_display_name(const onnx::NodeProto& n, int index) {
  if (!n.name().empty()) return n.name();
  if (n.output_size() > 0 && !n.output(0).empty()) return n.op_type() + ":" + n.output(0);
  return fmt::format("{}_{}", n.op_type(), index);
}

// Every runtime value (at the import batch) fits in half of this machine's memory (an op holds its input and
// its output at once): an absurd static shape (a batch of 2^40, a pad of 10^9) is an error naming the value
// here, before any kernel is planned for it or the system kills the process for its memory.
void check_value_sizes(const Graph& g, const std::string& file) {
  const size_t limit = tensor_byte_limit() / 2;
  for (const Value& v : g.values()) {
    if (v.is_constant()) continue;
    Shape dims = v.shape;
    for (int64_t& d : dims) d = std::max<int64_t>(d, 0);
    const std::optional<int64_t> n = checked_numel(dims);
    if (n && static_cast<size_t>(*n) <= limit / dtype_size(v.dtype)) continue;
    ErrorContext where{.file = file};
    if (v.producer >= 0) where.node = g.nodes()[static_cast<size_t>(v.producer)].name;
    throw Error(fmt::format("value '{}' has shape {} at the import batch ({} elements of {}); expected at most {} bytes "
                            "(half of this machine's memory)",
                            v.name, shape_str(v.shape), n ? std::to_string(*n) : std::string("more than 2^63"),
                            dtype_name(v.dtype), limit),
                where);
  }
}

// ONNX's strings are UTF-8, and the names go to results and Programs (JSON, UTF-8), where a Program's
// layers must be found again by name: a name of other bytes is refused rather than rewritten.
void check_names_are_utf8(const onnx::GraphProto& gp, const std::string& file) {
  const auto check = [&](const std::string& name, const char* what, const std::string& node) {
    const size_t at = utf8_prefix(name);
    if (at == name.size()) return;
    throw Error(fmt::format("{} '{}\\x{:02X}...' is not UTF-8 text (byte {} of its name); ONNX names are UTF-8", what,
                            name.substr(0, at), static_cast<unsigned char>(name[at]), at + 1),
                ErrorContext{.file = file, .node = node});
  };
  check(gp.name(), "the graph's name", "");
  for (const auto& t : gp.initializer()) check(t.name(), "initializer", "");
  for (const auto& v : gp.input()) check(v.name(), "graph input", "");
  for (const auto& v : gp.output()) check(v.name(), "graph output", "");
  for (const auto& n : gp.node()) {
    check(n.name(), "node", "");
    for (const auto& v : n.input()) check(v, "input", n.name());
    for (const auto& v : n.output()) check(v, "output", n.name());
  }
}

Graph build(const std::shared_ptr<const onnx::ModelProto>& model_ptr, const std::string& file, const std::string& model_dir,
            const ImportOptions& opt) {
  const onnx::ModelProto& model = *model_ptr;
  int64_t opset = default_opset(model, file);
  if (opset < kMinOpset || opset > kMaxOpset) {
    throw Error(fmt::format("opset {} is not supported (aimc reads opsets {}-{})", opset, kMinOpset, kMaxOpset),
                ErrorContext{.file = file});
  }
  const onnx::GraphProto& gp = model.graph();
  check_names_are_utf8(gp, file);
  Graph g;
  g.name = gp.name();
  g.import_batch = opt.batch;
  Context ctx(g, file, model_dir, opset, opt.fold_budget);

  for (const auto& init : gp.initializer()) {
    Tensor t;
    try {
      t = tensor_from_proto(init, model_dir, model_ptr);  // shares the parsed bytes: no second copy of the weights
    } catch (Error& e) {
      e.with_file(file);
      throw;
    }
    // NaN weights would make every output NaN (scored as class 0); ±inf stays allowed (attention masks).
    if (t.dtype() == DType::f32) {
      for (float v : t.span<float>()) {
        if (std::isnan(v))
          throw Error(fmt::format("initializer '{}' holds NaN; expected numbers", init.name()), ErrorContext{.file = file});
      }
    }
    ctx.bind(init.name(), g.add_constant(init.name(), std::move(t)));
  }
  const auto seq_first = sequence_first_inputs(gp);
  for (const auto& in : gp.input()) {
    if (!ctx.lookup(in.name())) add_input(g, ctx, in, opt, file, seq_first.count(in.name()) > 0);
  }
  for (const auto& n : gp.node()) {
    for (const auto& name : n.input()) ctx.add_use(name);
  }
  for (const auto& o : gp.output()) ctx.add_use(o.name());

  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& n = gp.node(i);
    ctx.begin_node(n, node_display_name(n, i));
    try {
      if (!n.domain().empty() && n.domain() != "ai.onnx") {
        ctx.fail(fmt::format("op '{}' of domain '{}' is not supported", n.op_type(), n.domain()));
      }
      // Every ONNX op has an output (the converters emit into the node's first).
      if (n.output_size() == 0) ctx.fail("the node has no outputs; expected at least one");
      if (try_fold(ctx)) continue;
      const Converter* convert = find_converter(n.op_type());
      if (!convert) ctx.fail(unsupported_op_message(n.op_type()));
      (*convert)(ctx);
    } catch (Error& e) {
      e.with_node(ctx.node_name(), n.op_type());
      e.with_file(file);
      throw;
    }
  }

  for (const auto& o : gp.output()) {
    auto id = ctx.lookup(o.name());
    if (!id) {
      throw Error(fmt::format("graph output '{}' is not produced by any node", o.name()), ErrorContext{.file = file});
    }
    if (g.value(*id).is_constant()) {
      throw Error(fmt::format("graph output '{}' is a constant (it does not depend on any input)", o.name()),
                  ErrorContext{.file = file});
    }
    if (g.per_sample && g.value(*id).batch_axis < 0) set_output_batch_axis(g.value(*id), o, file);
    g.outputs.push_back(*id);
  }
  if (g.inputs.empty()) throw Error("model has no runtime inputs", ErrorContext{.file = file});
  fuse_layer_norms(g);
  g.remove_dead_nodes();
  check_value_sizes(g, file);
  return g;
}

// The largest rank among the runtime inputs when none has a symbolic dimension, else 0.
int static_input_rank(const onnx::GraphProto& gp) {
  std::unordered_set<std::string> inits;
  for (const auto& t : gp.initializer()) inits.insert(t.name());
  int rank = 0;
  for (const auto& in : gp.input()) {
    if (inits.count(in.name()) || !in.type().has_tensor_type()) continue;
    const auto& dims = in.type().tensor_type().shape();
    for (const auto& d : dims.dim()) {
      if (!d.has_dim_value() || d.dim_value() <= 0) return 0;
    }
    rank = std::max(rank, dims.dim_size());
  }
  return rank;
}

// A model whose inputs are all static does not say which axis is the batch: when the default one
// mixes samples, each other axis is tried; if none works, the error names what fails at each.
Graph build_finding_batch_axis(const std::shared_ptr<const onnx::ModelProto>& model, const std::string& file,
                               const std::string& model_dir, const ImportOptions& opt) {
  try {
    return build(model, file, model_dir, opt);
  } catch (BatchAxisError& first) {
    const int rank = static_input_rank(model->graph());
    if (opt.static_batch_axis || rank < 2) throw;
    auto where = [](const BatchAxisError& e) {  // the message with its node, without the file
      return std::string(Error(e.message(), ErrorContext{.node = e.context().node, .op = e.context().op}).what());
    };
    const int fallback = sequence_first_inputs(model->graph()).empty() ? 0 : 1;  // add_input's default
    std::string tried = fmt::format("the inputs' shapes are static and no axis can be the batch: at axis {} (the default), {}",
                                    fallback, where(first));
    for (int axis = 0; axis < rank; ++axis) {
      if (axis == fallback) continue;
      ImportOptions o = opt;
      o.static_batch_axis = axis;
      try {
        return build(model, file, model_dir, o);
      } catch (BatchAxisError& e) {
        tried += fmt::format("; at axis {}, {}", axis, where(e));
      }
    }
    throw BatchAxisError(tried, ErrorContext{.file = file});
  }
}

}  // namespace

Graph import_onnx_bytes(std::string_view bytes, const std::string& origin, const ImportOptions& options) {
  auto parsed = std::make_shared<onnx::ModelProto>();
  onnx::ModelProto& model = *parsed;
  if (bytes.empty()) throw Error("empty file: not an ONNX model", ErrorContext{.file = origin});
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(
        "is over 2 GB; protobuf reads at most 2 GB: export the model with external data "
        "(torch.onnx.export does so by itself above 2 GB)",
        ErrorContext{.file = origin});
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw Error("cannot parse as an ONNX model (truncated or not an ONNX file)", ErrorContext{.file = origin});
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw Error("ONNX model has no graph nodes (truncated or not an ONNX file)", ErrorContext{.file = origin});
  }
  std::string dir = std::filesystem::path(origin).parent_path().string();
  return build_finding_batch_axis(parsed, origin, dir, options);
}

Graph import_onnx(const std::string& path, const ImportOptions& options) {
  const MappedFile file(path, "an ONNX model");
  return import_onnx_bytes(file.bytes(), path, options);
}

}  // namespace aimc
