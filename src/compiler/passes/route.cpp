// route: the bytes per inference that cross the chip's network, per edge. Data is tracked as pieces: a
// fraction [lo, hi) of a tensor in channel-major order (a layer's column blocks, the row blocks that read
// it: conv rows are (c, kh, kw), so row fractions are channel fractions; Flatten keeps the order) held at
// an endpoint for a share of the inferences (another layer's replicas), and for a 2-D value a range of its
// columns (a 2-D conv's replicas take column blocks, program/replicas.h, and read the columns their windows
// reach: the halo at a block's edge goes to both neighbours). A concat's output is its operands' pieces side by
// side, each operand's at its elements' offset in the output (exact for a channel concat; along another
// axis each operand's pieces keep their share of the bytes). A Split or Slice along the axis the fractions
// run along (a conv's channels, a matrix layer's output features) takes the input's pieces over its range;
// another layout op's output is where its input is. A transfer moves the overlap of a producer piece and a
// consumer piece when their endpoints differ, its bytes kept fractional (a share of the inferences' bytes
// where an edge serves one replica or network copy). Partial sums go from each row block's core to its
// column block's reducing core; an LSTM's hidden state goes back from its gate unit to the rows that read
// h. Inputs come from and outputs go to the host; with residuals=off-chip a residual add's held input makes
// a round trip to off-chip memory (Bruschi 2023's baseline mapping, before its on-chip residual buffer).
// With activations=host the activations between layers are held off chip, as HERMES's FPGA holds them
// (chips.md 1.1): each value goes to the host once, and the host sends every layer the input vectors its
// MVMs apply (vectors × rows: a chip without activation memory cannot build them from a feature map) and
// every digital op its operands; a layer's partial sums and an LSTM's h stay on chip. On a chip whose
// network multicasts (noc.multicast), transfers from one source carrying the same pieces (the same data for
// the same inferences) form one multicast group; the byte counts stay per destination. An activation takes
// the bits of the crossbar rows that read it (the consuming layers' input precision, carried back through
// digital and layout ops; the chip's input bits where no layer reads it), in the smallest power-of-two
// container, packed: a W4/A4 layer's inputs move half a byte an element. Partial sums take the digital
// width's bytes.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/pass.h"
#include "compiler/passes/common.h"
#include "noc/network.h"
#include "program/replicas.h"
#include "program/weights.h"

namespace aimc::compiler {

namespace {

struct Piece {
  Endpoint ep;
  double lo = 0, hi = 1, share = 1;
  int32_t replica = 0;  // with share: which inferences (replica r of 1/share takes those ≡ r)
  int32_t group = -1;   // the layer whose replicas split the inferences so (−1: none)
  // Columns [c0, c1) of a 2-D value (a fraction of its W, the last axis of [N, C, H, W]): a 2-D conv
  // replica's block (program/replicas.h), or the columns its window reads.
  double c0 = 0, c1 = 1;
};
using Dist = std::vector<Piece>;

Endpoint core_ep(int32_t c) { return Endpoint{EndpointKind::Core, c}; }

// Bytes of a `bits`-wide element in the smallest power-of-two container, packed.
double container_bytes(int64_t bits) {
  int64_t container = 1;
  while (container < bits) container *= 2;
  return static_cast<double>(container) / 8.0;
}

// Bytes an element of each value takes on the network (see the file comment). Nodes are in
// topological order, so one backward sweep carries every consumer's precision to its inputs.
std::vector<double> element_bytes(const CompileContext& ctx, const std::vector<int32_t>& layer_of_node) {
  const Graph& g = ctx.graph;
  std::vector<int64_t> bits(g.num_values(), 0);
  for (size_t i = g.num_nodes(); i-- > 0;) {
    const Node& n = g.node(static_cast<int32_t>(i));
    int64_t need = 0;
    if (layer_of_node[i] >= 0) {
      need = ctx.program.layers[static_cast<size_t>(layer_of_node[i])].quant.input_bits;
    } else {
      for (ValueId o : n.outputs) {
        if (o != kNoValue) need = std::max(need, bits[static_cast<size_t>(o)]);
      }
    }
    for (ValueId in : n.inputs) {
      if (in != kNoValue) bits[static_cast<size_t>(in)] = std::max(bits[static_cast<size_t>(in)], need);
    }
  }
  std::vector<double> bytes(g.num_values());
  for (size_t v = 0; v < bits.size(); ++v) bytes[v] = container_bytes(bits[v] > 0 ? bits[v] : ctx.chip.cores.input.bits);
  return bytes;
}

Dist spread(const std::vector<int32_t>& cores) {
  Dist d;
  const double n = static_cast<double>(cores.size());
  for (size_t k = 0; k < cores.size(); ++k) {
    d.push_back(Piece{core_ep(cores[k]), static_cast<double>(k) / n, static_cast<double>(k + 1) / n, 1.0});
  }
  return d;
}

Dist at(const DigitalOp& op) {
  if (op.scope == Scope::Chip) return {Piece{Endpoint{EndpointKind::Unit, op.unit_index}, 0, 1, 1}};
  if (op.scope == Scope::Host) return {Piece{Endpoint{EndpointKind::Host, 0}, 0, 1, 1}};
  return spread(op.cores);
}

// A concat's output: each operand's pieces, rescaled to the fraction of the output's elements the operand
// takes, after the operands before it.
Dist concatenated(const Graph& g, const Node& n, const std::vector<Dist>& dist) {
  double total = 0;
  for (ValueId in : n.inputs) {
    if (in != kNoValue) total += static_cast<double>(per_inference_numel(g, in));
  }
  Dist out;
  double offset = 0;
  for (ValueId in : n.inputs) {
    if (in == kNoValue || total <= 0) continue;
    const double size = static_cast<double>(per_inference_numel(g, in));
    for (Piece p : dist[static_cast<size_t>(in)]) {
      p.lo = (offset + p.lo * size) / total;
      p.hi = (offset + p.hi * size) / total;
      out.push_back(p);
    }
    offset += size;
  }
  return out;
}

// The pieces of d over [a, b) of its fractions, rescaled to the whole of a slice that takes [a, b).
Dist window(const Dist& d, double a, double b) {
  Dist out;
  for (Piece p : d) {
    const double lo = std::max(p.lo, a), hi = std::min(p.hi, b);
    if (hi <= lo) continue;
    p.lo = (lo - a) / (b - a);
    p.hi = (hi - a) / (b - a);
    out.push_back(p);
  }
  return out;
}

// Columns [c0, c1) of the output as integer columns of `extent`.
std::pair<int64_t, int64_t> columns_of(const Piece& p, int64_t extent) {
  return {std::llround(p.c0 * static_cast<double>(extent)), std::llround(p.c1 * static_cast<double>(extent))};
}

// The pieces a windowed op's output pieces read: each piece's columns widened to the input columns its
// window reaches along W (`w`: the window, `out_cols` the output's W). Pieces that hold every column
// read every column.
Dist read_by(const Dist& out, const std::optional<program::RowWindow>& w, int64_t out_cols) {
  if (!w || out_cols <= 0) return out;
  Dist need;
  for (Piece p : out) {
    if (p.c0 <= 0 && p.c1 >= 1) {
      need.push_back(p);
      continue;
    }
    const auto [x0, x1] = columns_of(p, out_cols);
    if (x1 <= x0) continue;
    const auto [in0, in1] = w->reads(x0, x1);
    if (in1 <= in0) continue;
    p.c0 = static_cast<double>(in0) / static_cast<double>(w->input_rows);
    p.c1 = static_cast<double>(in1) / static_cast<double>(w->input_rows);
    need.push_back(p);
  }
  return need;
}

// Pieces of a value whose layout no longer has the columns (a reshape, a transpose, a global pool): a
// piece that held a block of columns holds that share of the value.
void drop_columns(Dist& d) {
  for (Piece& p : d) {
    p.share *= std::max(0.0, p.c1 - p.c0);
    p.c0 = 0;
    p.c1 = 1;
  }
}

// Ops that move elements between axes or reshape them: a piece's fractions of the input are not the same
// fractions of the output.
bool moves_axes(OpKind op) {
  return op == OpKind::Reshape || op == OpKind::Transpose || op == OpKind::Gather || op == OpKind::Expand;
}

// Whether node n's output keeps its input's columns (both [N, C, H, W] with the same W, and n neither
// moves nor reshapes the axes); a windowed op maps them by its window instead.
bool keeps_columns(const Graph& g, const Node& n, ValueId in) {
  const ValueId out = n.outputs.empty() ? kNoValue : n.outputs[0];
  if (in == kNoValue || out == kNoValue) return false;
  const Shape& a = g.value(in).shape;
  const Shape& b = g.value(out).shape;
  return a.size() == 4 && b.size() == 4 && a[3] == b[3] && !moves_axes(n.op);
}

// The axis along which a value's piece fractions run (−1: unknown): a conv's channels (axis 1), a matrix
// layer's output features (its last axis); kept by ops that keep the rank and by a flatten of axis 1 (the
// channel-major order), lost past other reshapes, transposes and gathers.
int32_t fraction_axis(const Graph& g, const Node& n, const std::vector<int32_t>& axis_of) {
  const ValueId out = n.outputs.empty() ? kNoValue : n.outputs[0];
  if (out == kNoValue) return -1;
  const auto rank = static_cast<int32_t>(g.value(out).shape.size());
  ValueId in = kNoValue;
  for (ValueId v : n.inputs) {
    if (v != kNoValue && !g.value(v).is_constant()) {
      in = v;
      break;
    }
  }
  if (in == kNoValue) return -1;
  const int32_t axis = axis_of[static_cast<size_t>(in)];
  const Shape& from = g.value(in).shape;
  if (n.op == OpKind::Reshape)  // a flatten of [N, C, ...] into [N, C·...] keeps the channel-major order
    return axis == 1 && rank == 2 && from.size() >= 2 && g.value(out).shape[0] == from[0] ? 1 : -1;
  return !moves_axes(n.op) && static_cast<size_t>(rank) == from.size() ? axis : -1;
}

// A Split's or Slice's outputs where they cut the axis the input's piece fractions run along: each the
// pieces of the input over the range it takes (a channel split of a conv's output comes from the cores that
// made those channels). False where it cuts another axis: the caller places the output with the input.
bool sliced_along(const Graph& g, const Node& n, const std::vector<int32_t>& axis_of, std::vector<Dist>& dist) {
  if ((n.op != OpKind::Split && n.op != OpKind::Slice) || n.inputs.empty() || n.inputs[0] == kNoValue) return false;
  const Dist& in = dist[static_cast<size_t>(n.inputs[0])];
  const int32_t axis = axis_of[static_cast<size_t>(n.inputs[0])];
  const Shape& shape = g.value(n.inputs[0]).shape;
  if (axis < 0 || static_cast<size_t>(axis) >= shape.size() || shape[static_cast<size_t>(axis)] <= 0) return false;
  const auto extent = static_cast<double>(shape[static_cast<size_t>(axis)]);
  if (n.op == OpKind::Split) {
    const auto& a = n.attr<SplitAttrs>();
    if (a.axis != axis || a.sizes.size() != n.outputs.size()) return false;
    double offset = 0;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const double size = static_cast<double>(a.sizes[k]);
      if (n.outputs[k] != kNoValue && size > 0)
        dist[static_cast<size_t>(n.outputs[k])] = window(in, offset / extent, (offset + size) / extent);
      offset += size;
    }
    return true;
  }
  const auto& a = n.attr<SliceAttrs>();
  const auto ax = static_cast<size_t>(axis);
  for (size_t d = 0; d < shape.size(); ++d) {  // only the fraction axis cut, forwards
    const bool whole = a.starts[d] == 0 && a.ends[d] == shape[d] && a.steps[d] == 1;
    if (d != ax && !whole) return false;
  }
  if (a.steps[ax] < 1 || a.ends[ax] <= a.starts[ax] || n.outputs.empty() || n.outputs[0] == kNoValue) return false;
  dist[static_cast<size_t>(n.outputs[0])] =
      window(in, static_cast<double>(a.starts[ax]) / extent, static_cast<double>(a.ends[ax]) / extent);  // ends clamped at import
  return true;
}

// Every piece of d at an endpoint of this kind.
bool all_at(const Dist& d, EndpointKind kind) {
  return !d.empty() && std::all_of(d.begin(), d.end(), [kind](const Piece& p) { return p.ep.kind == kind; });
}

class Route final : public Pass {
 public:
  std::string_view name() const override { return "route"; }
  std::string_view summary() const override {
    return "compute the bytes per inference each edge moves between cores, digital units and the host";
  }
  std::vector<PassOption> options() const override {
    return {{"residuals",
             "enum",
             "on-chip",
             "on-chip: a residual add's held input goes core to core; off-chip: "
             "through off-chip memory (written, read back)",
             {"on-chip", "off-chip"}},
            {"activations",
             "enum",
             "on-chip",
             "on-chip: between layers over the chip's network; host: held off chip (HERMES's FPGA), "
             "the host sending each layer its MVMs' input vectors",
             {"on-chip", "host"}}};
  }

  void run(CompileContext& ctx) override {
    const Graph& g = ctx.graph;
    Program& p = ctx.program;
    const bool residuals_off_chip = option("residuals") == "off-chip";
    const bool via_host = option("activations") == "host";
    double psum_bytes = 4;
    for (const auto& u : ctx.chip.cores.digital) {
      if (std::find(u.ops.begin(), u.ops.end(), chip::DigitalOp::PartialSum) != u.ops.end()) {
        psum_bytes = std::ceil(static_cast<double>(std::max<int64_t>(u.width_bits, 8)) / 8.0);
        break;
      }
    }
    std::vector<int32_t> layer_of_node(g.num_nodes(), -1);
    for (size_t l = 0; l < ctx.layer_node.size(); ++l)
      layer_of_node[static_cast<size_t>(ctx.layer_node[l])] = static_cast<int32_t>(l);
    const std::vector<double> act_bytes = element_bytes(ctx, layer_of_node);
    std::map<std::string, const DigitalOp*> graph_op;
    std::map<std::pair<int32_t, std::string>, const DigitalOp*> layer_op;
    for (const DigitalOp& d : p.digital_ops) {
      if (d.layer < 0) graph_op[d.node] = &d;
      else layer_op[{d.layer, d.op}] = &d;
    }
    std::vector<std::vector<int32_t>> tiles_of(p.layers.size());
    for (const Tile& t : p.tiles) tiles_of[static_cast<size_t>(t.layer)].push_back(t.id);

    // The last: a data-parallel transfer's network copy (−1 otherwise), so that copies whose tiles share a core
    // keep their own transfers (Transfer::copy).
    using Key = std::tuple<Endpoint, Endpoint, std::string, TransferKind, int32_t>;
    // (lo, hi, columns c0, c1, producer share, replica, consumer share, replica)
    using Carried = std::vector<std::tuple<double, double, double, double, double, int32_t, double, int32_t>>;
    std::map<Key, double> acc;
    // What each transfer carries: the pieces of data (interval, producer and consumer inferences).
    // Transfers from one source with the same pieces carry the same data: one multicast.
    std::map<Key, Carried> carries;
    // Replicas of a layer other than a 2-D conv take every R-th inference in turn, so a producer replica's
    // output spreads over the consumer's replicas, except between pieces that follow the same layer's
    // replicas (a replica and the ops on its cores); a 2-D conv's replicas exchange the columns their
    // windows read. Network copies (data-parallel) keep their inferences: a copy's pieces exchange data
    // only with the same copy's, each pair carrying that copy's share.
    const int64_t copies = network_copies(p.layers, ctx.schedule_kind);
    // A per-core digital op on the cores of one replicated layer (an input's normalisation ahead of its MVMs,
    // a fused op) works on that layer's replicas' inferences: each replica's cores hold its share, as under
    // data-parallel copies each copy's cores hold the copy's. Elsewhere its cores split the channels.
    std::vector<std::set<std::pair<int32_t, int32_t>>> on_core(static_cast<size_t>(ctx.chip.cores.count));
    for (const Tile& t : p.tiles) on_core[static_cast<size_t>(t.core)].insert({t.layer, t.replica});
    // `out_cols`: the W of the op's output where it is [N, C, H, W], else 0; `node`: the op's graph node.
    auto place = [&](const DigitalOp& op, int64_t out_cols, size_t node) {
      if (op.scope != Scope::Core || op.cores.empty()) return at(op);
      int32_t layer = -1;
      std::map<int32_t, std::vector<int32_t>> by_replica;
      for (int32_t c : op.cores) {
        const auto& here = on_core[static_cast<size_t>(c)];
        if (here.empty()) return at(op);
        if (copies == 1) {  // each core holds one replica of the same layer
          if (here.size() != 1 || (layer >= 0 && here.begin()->first != layer)) return at(op);
          layer = here.begin()->first;
          by_replica[here.begin()->second].push_back(c);
          continue;
        }
        // Data-parallel: a core serves every copy whose tiles it holds (several on a core of several crossbars).
        for (const auto& held : here) {
          auto& cores = by_replica[static_cast<int32_t>(held.second % copies)];
          if (cores.empty() || cores.back() != c) cores.push_back(c);
        }
      }
      const int64_t replicas = copies > 1 ? copies : p.layers[static_cast<size_t>(layer)].replicas;
      if (replicas <= 1 || static_cast<int64_t>(by_replica.size()) != replicas) return at(op);
      // A 2-D conv's replicas each hold a block of columns: so do the ops on their cores, of their output;
      // an op ahead of the conv (its input's normalisation) makes the columns the replica's window reads.
      const Layer& L = p.layers[static_cast<size_t>(layer < 0 ? 0 : layer)];
      const int64_t conv_cols = copies == 1 && out_cols > 0 ? program::replica_block_columns(L) : 0;
      const auto layer_node = conv_cols > 0 ? static_cast<size_t>(ctx.layer_node[static_cast<size_t>(layer)]) : 0;
      const std::optional<program::RowWindow> reach =
          conv_cols > 0 && node < layer_node
              ? window_geometry(ctx.graph, ctx.graph.node(static_cast<int32_t>(layer_node)), 1).second
              : std::nullopt;
      Dist d;
      for (const auto& [replica, cores] : by_replica) {
        if (conv_cols > 0) {
          const bool windowed = reach && reach->input_rows == out_cols;
          const int64_t cols = windowed ? conv_cols : out_cols;
          const auto [b, e] = program::replica_columns(cols, replicas, replica);
          for (Piece q : spread(cores)) {
            q.c0 = static_cast<double>(b) / static_cast<double>(cols);
            q.c1 = static_cast<double>(e) / static_cast<double>(cols);
            if (e <= b) continue;
            if (windowed) {
              const Dist read = read_by({q}, reach, conv_cols);
              if (read.empty()) continue;
              q = read.front();
            }
            d.push_back(q);
          }
          continue;
        }
        for (Piece q : spread(cores)) {
          q.share = 1.0 / static_cast<double>(replicas);
          q.replica = replica;
          q.group = copies > 1 ? -1 : layer;
          d.push_back(q);
        }
      }
      return d;
    };
    // A consumer piece that a producer piece at its own endpoint covers (the columns a conv replica's
    // window reads, made on its cores by the ops ahead of it) needs nothing moved.
    auto held_there = [](const Dist& from, const Piece& b) {
      return std::any_of(from.begin(), from.end(), [&](const Piece& a) {
        return a.ep == b.ep && a.lo <= b.lo && a.hi >= b.hi && a.c0 <= b.c0 && a.c1 >= b.c1 && a.share >= 1 && a.group < 0;
      });
    };
    // A data-parallel piece of one copy's carries share 1/copies and the copy as its replica (a tile's partial
    // sums, whose bytes are that share already: the tile's replica); the host's, all of them.
    auto copy_of = [&](const Piece& a, const Piece& b, TransferKind kind) {
      if (a.share < 1 || kind == TransferKind::PartialSum) return static_cast<int32_t>(a.replica % copies);
      return b.share < 1 ? static_cast<int32_t>(b.replica % copies) : -1;
    };
    auto move = [&](const Dist& from, const Dist& to, double bytes, const std::string& value, TransferKind kind) {
      std::vector<char> held(to.size());
      for (size_t k = 0; k < to.size(); ++k) held[k] = held_there(from, to[k]) ? 1 : 0;
      for (const Piece& a : from) {
        for (size_t k = 0; k < to.size(); ++k) {
          const Piece& b = to[k];
          if (a.ep == b.ep || held[k]) continue;
          const double lo = std::max(a.lo, b.lo), hi = std::min(a.hi, b.hi);
          if (hi - lo <= 0) continue;
          const double c0 = std::max(a.c0, b.c0), c1 = std::min(a.c1, b.c1);  // the columns both have
          if (c1 - c0 <= 0) continue;
          // One copy's, or one layer's replicas': the same inferences on both sides.
          const bool paired = (copies > 1 && a.share < 1 && b.share < 1) || (a.group >= 0 && a.group == b.group);
          if (paired && a.replica != b.replica) continue;
          const Key key{a.ep, b.ep, value, kind, copies > 1 ? copy_of(a, b, kind) : -1};
          acc[key] += bytes * (hi - lo) * (c1 - c0) * (paired ? a.share : a.share * b.share);
          carries[key].emplace_back(lo, hi, c0, c1, a.share, a.replica, b.share, b.replica);
        }
      }
    };

    const Dist host{Piece{Endpoint{EndpointKind::Host, 0}, 0, 1, 1}};
    std::vector<Dist> dist(g.num_values());
    for (ValueId in : g.inputs) dist[static_cast<size_t>(in)] = host;
    // A value goes to the host once, whatever reads it there.
    std::vector<char> sent(g.num_values(), 0);
    auto to_host = [&](ValueId v) {
      const Dist& from = dist[static_cast<size_t>(v)];
      if (sent[static_cast<size_t>(v)] || all_at(from, EndpointKind::Host)) return;
      sent[static_cast<size_t>(v)] = 1;
      move(from, host, bytes(g, v, act_bytes), g.value(v).name, TransferKind::Activation);
    };
    // Operand v of node `node`, wanted at `to`: from the host under the node's input name where activations
    // are held there (bytes: as the value, or a layer's input vectors, which always come from the host, to
    // `vectors_to`: the cores of the vectors' MVMs), else straight from where it is.
    auto operand = [&](ValueId v, const Dist& to, const std::string& node, double host_bytes, const Dist* vectors_to = nullptr) {
      if (!via_host) {
        move(dist[static_cast<size_t>(v)], to, bytes(g, v, act_bytes), g.value(v).name, kind_of(dist[static_cast<size_t>(v)]));
        return;
      }
      if (vectors_to == nullptr && same_place(dist[static_cast<size_t>(v)], to)) return;  // made where it is used (a fused op)
      const bool network_input = std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end();
      to_host(v);
      move(host, vectors_to != nullptr ? *vectors_to : to, host_bytes, program::input_from_host(node),
           network_input ? TransferKind::Input : TransferKind::Activation);
    };
    std::vector<int32_t> axis_of(g.num_values(), -1);  // the axis each value's piece fractions run along
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      const Node& n = g.node(static_cast<int32_t>(i));
      const int32_t li = layer_of_node[i];
      std::vector<ValueId> runtime;
      for (ValueId in : n.inputs) {
        if (in != kNoValue && !dist[static_cast<size_t>(in)].empty()) runtime.push_back(in);
      }
      if (li >= 0) {
        route_layer(ctx, li, tiles_of[static_cast<size_t>(li)], dist, layer_op, move, operand, act_bytes, psum_bytes);
        for (ValueId o : n.outputs) {
          if (o == kNoValue) continue;
          const auto rank = static_cast<int32_t>(g.value(o).shape.size());
          axis_of[static_cast<size_t>(o)] = p.layers[static_cast<size_t>(li)].kind == LayerKind::Conv ? 1 : rank - 1;
        }
        continue;
      }
      const int32_t axis = fraction_axis(g, n, axis_of);
      for (ValueId o : n.outputs) {
        if (o != kNoValue) axis_of[static_cast<size_t>(o)] = axis;
      }
      auto it = graph_op.find(n.name);
      if (it == graph_op.end() || runtime.empty()) continue;
      const DigitalOp& op = *it->second;
      Dist out;
      const Dist& first = dist[static_cast<size_t>(runtime[0])];
      // Columns (Piece::c0, c1): a windowed op's output pieces read their columns through its window
      // along W; an op that keeps the columns, the same ones; any other (a global pool, a resize), all
      // of them, and its output drops them.
      const ValueId out0 = n.outputs.empty() ? kNoValue : n.outputs[0];
      const int64_t out_cols = out0 != kNoValue && g.value(out0).shape.size() == 4 ? g.value(out0).shape[3] : 0;
      const std::optional<program::RowWindow> col_window = window_geometry(g, n, 1).second;
      const bool keeps = keeps_columns(g, n, runtime[0]);
      auto reads = [&](const Dist& o) {
        if (col_window) return read_by(o, col_window, out_cols);
        Dist need = o;
        if (!keeps) {
          for (Piece& q : need) q.c0 = 0, q.c1 = 1;
        }
        return need;
      };
      if (op.unit == "layout" || op.unit == "adc") {
        if (sliced_along(g, n, axis_of, dist)) {  // each output placed already
          for (ValueId o : n.outputs) {
            if (o != kNoValue && !keeps) drop_columns(dist[static_cast<size_t>(o)]);
          }
          continue;
        }
        out = n.op == OpKind::Concat ? concatenated(g, n, dist) : first;
      } else if (op.scope == Scope::Core) {
        // A residual add's held input (the one produced earliest; both have the add's shape) goes
        // through off-chip memory when residuals=off-chip: written there, read back for the add.
        const size_t skip = residuals_off_chip && op.kind == chip::DigitalOp::ResidualAdd && runtime.size() == 2
                                ? (g.value(runtime[0]).producer < g.value(runtime[1]).producer ? 0 : 1)
                                : runtime.size();
        const size_t main = skip == 0 ? 1 : 0;
        const Dist& base = dist[static_cast<size_t>(runtime[main])];
        const bool base_on_cores = all_at(base, EndpointKind::Core);
        out = base_on_cores ? base : place(op, out_cols, i);
        const Dist need = reads(out);
        // Made where it is used, but for the columns a window reads beyond a replica's block (from the
        // neighbouring replicas; through the host where activations are held there, as before).
        if (!base_on_cores || (col_window && !via_host)) operand(runtime[main], need, n.name, bytes(g, runtime[main], act_bytes));
        for (size_t k = 0; k < runtime.size(); ++k) {
          if (k == main) continue;
          const ValueId v = runtime[k];
          if (k == skip && !via_host) {
            to_host(v);
            move(host, need, bytes(g, v, act_bytes), n.name + ":residual", TransferKind::Activation);
            continue;
          }
          operand(v, need, n.name, bytes(g, v, act_bytes));
        }
      } else {
        out = place(op, out_cols, i);
        const Dist need = reads(out);
        for (ValueId v : runtime) {
          if (op.scope == Scope::Host) to_host(v);
          else operand(v, need, n.name, bytes(g, v, act_bytes));
        }
      }
      if (!keeps && !col_window) drop_columns(out);
      for (ValueId o : n.outputs) {
        if (o != kNoValue) dist[static_cast<size_t>(o)] = out;
      }
    }
    for (ValueId o : g.outputs) {
      if (!sent[static_cast<size_t>(o)])
        move(dist[static_cast<size_t>(o)], host, bytes(g, o, act_bytes), g.value(o).name, TransferKind::Output);
    }

    const noc::Network topo(ctx.chip);
    p.transfers.clear();
    double total = 0, hop_bytes = 0, off_chip = 0;
    std::map<std::tuple<Endpoint, std::string, TransferKind, double, Carried>, std::vector<size_t>> same_data;
    for (const auto& [key, b] : acc) {
      // Kept fractional (an edge that serves one replica or network copy carries a share of the inferences'
      // bytes), on a grid of 1/65536 B so that transfers of the same data carry equal bytes.
      const double v = std::round(b * 65536.0) / 65536.0;
      if (v <= 0) continue;
      const auto& [from, to, value, kind, copy] = key;
      Transfer t{from, to, v, value, kind, topo.hops(from, to)};
      t.copy = copy;
      total += v;
      hop_bytes += v * static_cast<double>(t.hops);
      if (from.kind == EndpointKind::Host || to.kind == EndpointKind::Host) off_chip += v;
      auto pieces = carries[key];
      std::sort(pieces.begin(), pieces.end());
      same_data[{from, value, kind, v, pieces}].push_back(p.transfers.size());
      p.transfers.push_back(t);
    }
    if (ctx.chip.noc.multicast) {
      int64_t groups = 0;
      for (const auto& [key, members] : same_data) {
        if (members.size() < 2) continue;
        for (size_t i : members) p.transfers[i].multicast = static_cast<int32_t>(members.front());
        ++groups;
      }
      statistics()["multicast-groups"] = groups;
    }
    statistics()["transfers"] = static_cast<int64_t>(p.transfers.size());
    statistics()["bytes-per-inference"] = std::llround(total);
    statistics()["hop-bytes-per-inference"] = std::llround(hop_bytes);
    statistics()["off-chip-bytes-per-inference"] = std::llround(off_chip);
  }

 private:
  static bool same_place(const Dist& a, const Dist& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Piece& x, const Piece& y) {
      return x.ep == y.ep && x.lo == y.lo && x.hi == y.hi && x.c0 == y.c0 && x.c1 == y.c1;
    });
  }
  static TransferKind kind_of(const Dist& from) {
    return !from.empty() && from.front().ep.kind == EndpointKind::Host ? TransferKind::Input : TransferKind::Activation;
  }
  static double bytes(const Graph& g, ValueId v, const std::vector<double>& act_bytes) {
    return static_cast<double>(per_inference_numel(g, v)) * act_bytes[static_cast<size_t>(v)];
  }

  template <class Move, class Operand>
  static void route_layer(const CompileContext& ctx, int32_t li, const std::vector<int32_t>& tiles, std::vector<Dist>& dist,
                          const std::map<std::pair<int32_t, std::string>, const DigitalOp*>& layer_op, Move& move,
                          Operand& operand, const std::vector<double>& act_bytes, double psum_bytes) {
    const Graph& g = ctx.graph;
    const Program& p = ctx.program;
    const Layer& l = p.layers[static_cast<size_t>(li)];
    const Node& n = g.node(ctx.layer_node[static_cast<size_t>(li)]);
    const bool recurrent = is_recurrent(l.kind);
    const int64_t x_rows = recurrent ? l.rows - l.cols / 4 : l.rows;  // both kinds have 4H columns
    // A 2-D conv's replicas take a block of the output's columns each, all of its inferences, and read
    // the input's columns their windows reach (program/replicas.h); other layers' replicas take every R-th
    // vector (a share of the inferences' data, from and to every other replica).
    const int64_t block_cols =
        ctx.schedule_kind != ScheduleKind::DataParallel && l.replicas > 1 ? program::replica_block_columns(l) : 0;
    const double share = block_cols > 0 ? 1.0 : 1.0 / static_cast<double>(l.replicas);
    const int32_t group = block_cols > 0 ? -1 : li;
    const std::optional<program::RowWindow> col_window = block_cols > 0 ? window_geometry(g, n, 1).second : std::nullopt;
    auto own_columns = [&](Piece q, int32_t replica) {
      if (block_cols > 0) {
        const auto [b, e] = program::replica_columns(block_cols, l.replicas, replica);
        q.c0 = static_cast<double>(b) / static_cast<double>(block_cols);
        q.c1 = static_cast<double>(e) / static_cast<double>(block_cols);
      }
      return q;
    };
    // The columns replica r's window reads (all of them where the window is not known).
    auto read_columns = [&](const Piece& q) {
      if (block_cols <= 0) return q;
      if (!col_window) {
        Piece all = q;
        all.c0 = 0, all.c1 = 1;
        return all;
      }
      const Dist d = read_by({q}, col_window, block_cols);
      return d.empty() ? q : d.front();
    };
    // Inputs: each tile's core needs the channel fraction its rows read.
    Dist need, need_h, need_vectors;
    std::map<std::tuple<int32_t, int64_t, int64_t, int32_t>, bool> seen;
    for (int32_t ti : tiles) {
      const Tile& t = p.tiles[static_cast<size_t>(ti)];
      if (seen[{t.core, t.row_begin, t.row_end, t.replica}]) continue;
      seen[{t.core, t.row_begin, t.row_end, t.replica}] = true;
      if (t.row_begin < x_rows) {
        const Piece q = own_columns(
            Piece{core_ep(t.core), static_cast<double>(t.row_begin) / static_cast<double>(x_rows),
                  static_cast<double>(std::min(t.row_end, x_rows)) / static_cast<double>(x_rows), share, t.replica, group},
            t.replica);
        need_vectors.push_back(q);
        need.push_back(read_columns(q));
      }
      if (recurrent && t.row_end > x_rows) {
        const double H = static_cast<double>(l.rows - x_rows);
        need_h.push_back(Piece{core_ep(t.core), static_cast<double>(std::max(t.row_begin, x_rows) - x_rows) / H,
                               static_cast<double>(t.row_end - x_rows) / H, share, t.replica, li});
      }
    }
    // From the host, the input vectors the MVMs apply: each core gets its rows' share of its vectors.
    const ValueId x = n.inputs[0];
    operand(x, need, l.name, static_cast<double>(l.vectors_per_inference * x_rows) * act_bytes[static_cast<size_t>(x)],
            &need_vectors);
    // Partial sums: every row block not on its reducing core sends its column block's sums.
    for (int32_t ti : tiles) {
      const Tile& t = p.tiles[static_cast<size_t>(ti)];
      if (t.core == t.reduce_core) continue;
      const double vectors = block_cols > 0 ? static_cast<double>(program::replica_vectors(l, l.replicas, t.replica))
                                            : static_cast<double>(l.vectors_per_inference) * share;
      const double b = vectors * static_cast<double>(t.cols()) * psum_bytes;
      move(Dist{Piece{core_ep(t.core), 0, 1, 1, t.replica}}, Dist{Piece{core_ep(t.reduce_core), 0, 1, 1, t.replica}}, b,
           l.name + ":psum", TransferKind::PartialSum);
    }
    // Outputs: at the reducing cores, a column fraction each; a recurrent layer's at its gate unit.
    Dist out;
    std::map<std::tuple<int32_t, int64_t, int32_t>, bool> seen_out;
    for (int32_t ti : tiles) {
      const Tile& t = p.tiles[static_cast<size_t>(ti)];
      if (seen_out[{t.replica, t.col_begin, t.reduce_core}]) continue;
      seen_out[{t.replica, t.col_begin, t.reduce_core}] = true;
      out.push_back(own_columns(Piece{core_ep(t.reduce_core), static_cast<double>(t.col_begin) / static_cast<double>(l.cols),
                                      static_cast<double>(t.col_end) / static_cast<double>(l.cols), share, t.replica, group},
                                t.replica));
    }
    if (recurrent) {
      auto it = layer_op.find({li, l.kind == LayerKind::Lstm ? "lstm-cell" : "gru-cell"});
      Dist gates = it != layer_op.end() ? at(*it->second) : Dist{};
      if (!gates.empty() && !all_at(gates, EndpointKind::Core)) {
        // Gate pre-activations go to the unit; h goes back to the rows that read it.
        move(out, gates, static_cast<double>(l.vectors_per_inference * l.cols) * psum_bytes, l.name + ":gates",
             TransferKind::Activation);
        out = gates;
      }
      const double h_bytes = static_cast<double>(l.vectors_per_inference * (l.rows - x_rows)) *
                             container_bytes(l.quant.input_bits > 0 ? l.quant.input_bits : ctx.chip.cores.input.bits);
      move(out, need_h, h_bytes, l.name + ":h", TransferKind::Recurrent);
    }
    for (ValueId o : n.outputs) {
      if (o != kNoValue) dist[static_cast<size_t>(o)] = out;
    }
  }
};

}  // namespace

std::unique_ptr<Pass> make_route_pass() { return std::make_unique<Route>(); }

}  // namespace aimc::compiler
