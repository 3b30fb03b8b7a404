#include "program/weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace aimc::program {

Tensor apply_fake_quant(const Tensor& x0, const FakeQuantAttrs& a) {
  Tensor x = x0.cast(DType::f32);
  Tensor y(DType::f32, x.shape());
  const float* in = x.data<float>();
  float* out = y.data<float>();
  int64_t inner = 1, channels = 1;
  if (a.scale.size() > 1) {
    channels = x.dim(a.axis);
    for (int64_t d = a.axis + 1; d < x.rank(); ++d) inner *= x.shape()[static_cast<size_t>(d)];
  }
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t c = a.scale.size() > 1 ? static_cast<size_t>((i / inner) % channels) : 0;
    const float s = a.scale[c];
    const int32_t z = a.zero_point.empty() ? 0 : a.zero_point[std::min(c, a.zero_point.size() - 1)];
    float q = std::nearbyint(in[i] / s) + static_cast<float>(z);
    q = std::min(std::max(q, static_cast<float>(a.qmin)), static_cast<float>(a.qmax));
    out[i] = (q - static_cast<float>(z)) * s;
  }
  return y;
}

std::optional<Tensor> constant_value(const Graph& g, ValueId id) {
  if (id == kNoValue) return std::nullopt;
  const Value& v = g.value(id);
  if (v.is_constant()) return v.constant->as(DType::f32);
  if (v.producer >= 0) {
    const Node& n = g.node(v.producer);
    if (n.op == OpKind::FakeQuant) {
      auto in = constant_value(g, n.input(0));
      if (in) return apply_fake_quant(*in, n.attr<FakeQuantAttrs>());
    }
  }
  return std::nullopt;
}

bool is_constant_value(const Graph& g, ValueId id) {
  while (id != kNoValue) {
    const Value& v = g.value(id);
    if (v.is_constant()) return true;
    if (v.producer < 0 || g.node(v.producer).op != OpKind::FakeQuant) return false;
    id = g.node(v.producer).input(0);
  }
  return false;
}

namespace {
Tensor need_constant(const Graph& g, const Node& n, size_t i) {
  auto t = constant_value(g, n.input(i));
  if (!t) throw Error("weight input is not a constant", ErrorContext{.node = n.name, .op = std::string(op_name(n.op))});
  return *t;
}
}  // namespace

int32_t layer_node(const Graph& g, const Layer& layer) {
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    if (g.node(static_cast<int32_t>(i)).name == layer.name) return static_cast<int32_t>(i);
  }
  throw Error(fmt::format("layer '{}' of the program is not a node of the model", layer.name), ErrorContext{.node = layer.name});
}

namespace {
// dst[c·dst_ld + r] = scale · src[r·src_ld + c] for r < rows, c < cols, through an L1-sized block
// so that each destination line is written once, whole (a weight matrix of VGG's classifier is
// 400 MB, its rows 16 KB apart: writing it element by element evicts every line 32 times).
void transpose_into(const float* src, int64_t rows, int64_t cols, int64_t src_ld, float* dst, int64_t dst_ld,
                    float scale = 1.0f) {
  constexpr int64_t kBlock = 32;
  float block[kBlock][kBlock];
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t nr = std::min(kBlock, rows - r0);
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t nc = std::min(kBlock, cols - c0);
      for (int64_t r = 0; r < nr; ++r) {
        for (int64_t c = 0; c < nc; ++c) block[c][r] = src[(r0 + r) * src_ld + c0 + c];
      }
      for (int64_t c = 0; c < nc; ++c) {
        float* d = dst + (c0 + c) * dst_ld + r0;
        for (int64_t r = 0; r < nr; ++r) d[r] = scale * block[c][r];
      }
    }
  }
}
}  // namespace

Tensor layer_matrix(const Graph& g, const Layer& layer, int32_t node) {
  const Node& n = g.node(node);
  const int64_t R = layer.rows, C = layer.cols;
  // Every element is written below except the zero blocks of a grouped conv and a GRU.
  const bool zeros = (layer.kind == LayerKind::Conv && layer.groups > 1) || layer.kind == LayerKind::Gru;
  Tensor m = zeros ? Tensor(DType::f32, {R, C}) : Tensor::uninitialized(DType::f32, {R, C});
  float* out = m.data<float>();
  switch (layer.kind) {
    case LayerKind::Conv: {
      // W is [M, C_in/group, kh, kw]: group grp's block is the transpose of its Mg × (Cg·K) rows.
      Tensor w = need_constant(g, n, 1);
      const int64_t Mg = layer.group_cols, K = numel(Shape(w.shape().begin() + 2, w.shape().end()));
      const int64_t rows_g = w.dim(1) * K;
      for (int64_t grp = 0; grp * Mg < C; ++grp) {
        transpose_into(w.data<float>() + grp * Mg * rows_g, std::min(Mg, C - grp * Mg), rows_g, rows_g,
                       out + grp * rows_g * C + grp * Mg, C);
      }
      break;
    }
    case LayerKind::Gemm: {
      Tensor b = need_constant(g, n, 1);
      const auto& a = n.attr<GemmAttrs>();
      const float* B = b.data<float>();
      if (a.trans_b) {
        transpose_into(B, C, R, R, out, C, a.alpha);
      } else {
        for (int64_t i = 0; i < R * C; ++i) out[i] = a.alpha * B[i];
      }
      break;
    }
    case LayerKind::MatMul: {
      Tensor b = need_constant(g, n, 1);
      std::copy(b.data<float>(), b.data<float>() + R * C, out);
      break;
    }
    case LayerKind::Lstm: {
      // Rows: x (I) then h (H); W is [1, 4H, I] and R [1, 4H, H].
      Tensor w = need_constant(g, n, 1), rr = need_constant(g, n, 2);
      const int64_t I = w.dim(2), H = rr.dim(2);
      transpose_into(w.data<float>(), C, I, I, out, C);
      transpose_into(rr.data<float>(), C, H, H, out + I * C, C);
      break;
    }
    case LayerKind::Gru: {
      // Columns z, r, h·x (h rows zero), h·h (x rows zero); W and R hold z, r, h rows of 3H.
      Tensor w = need_constant(g, n, 1), rr = need_constant(g, n, 2);
      const int64_t I = w.dim(2), H = rr.dim(2);
      transpose_into(w.data<float>(), 3 * H, I, I, out, C);                           // x rows: z, r, h·x
      transpose_into(rr.data<float>(), 2 * H, H, H, out + I * C, C);                  // h rows: z, r
      transpose_into(rr.data<float>() + 2 * H * H, H, H, H, out + I * C + 3 * H, C);  // h rows: h·h
      break;
    }
  }
  return m;
}

std::vector<float> layer_bias(const Graph& g, const Layer& layer, int32_t node) {
  if (!layer.has_bias) return {};
  const Node& n = g.node(node);
  std::vector<float> b(static_cast<size_t>(layer.cols), 0.0f);
  switch (layer.kind) {
    case LayerKind::Conv: {
      Tensor t = need_constant(g, n, 2);
      std::copy(t.data<float>(), t.data<float>() + layer.cols, b.begin());
      break;
    }
    case LayerKind::Gemm: {
      Tensor t = need_constant(g, n, 2);
      const float beta = n.attr<GemmAttrs>().beta;
      for (int64_t c = 0; c < layer.cols; ++c) {
        b[static_cast<size_t>(c)] = beta * t.data<float>()[t.numel() == 1 ? 0 : c];
      }
      break;
    }
    case LayerKind::Lstm: {
      Tensor t = need_constant(g, n, 3);
      for (int64_t c = 0; c < layer.cols; ++c) {
        b[static_cast<size_t>(c)] = t.data<float>()[c] + t.data<float>()[layer.cols + c];
      }
      break;
    }
    case LayerKind::Gru: {
      // B = Wb (z, r, h) then Rb (z, r, h), 3H each: z and r take both, h·x takes Wbₕ, h·h takes Rbₕ.
      Tensor t = need_constant(g, n, 3);
      const float* B = t.data<float>();
      const int64_t H = layer.cols / 4;
      for (int64_t c = 0; c < layer.cols; ++c) {
        b[static_cast<size_t>(c)] = c < 2 * H ? B[c] + B[3 * H + c] : c < 3 * H ? B[c] : B[3 * H + c - H];
      }
      break;
    }
    case LayerKind::MatMul:
      break;
  }
  return b;
}

Tensor tile_weights(const Tensor& m, const Tile& t) {
  const int64_t C = m.dim(1);
  Tensor out(DType::f32, {t.rows(), t.cols()});
  const float* in = m.data<float>();
  float* o = out.data<float>();
  for (int64_t r = 0; r < t.rows(); ++r) {
    std::copy(in + (t.row_begin + r) * C + t.col_begin, in + (t.row_begin + r) * C + t.col_end, o + r * t.cols());
  }
  return out;
}

Tensor reconstruct_layer(const Program& p, const Tensor& m, int32_t layer, int32_t replica, std::vector<int32_t>* coverage) {
  const int64_t R = m.dim(0), C = m.dim(1);
  Tensor out(DType::f32, {R, C});
  std::vector<int32_t> cov(static_cast<size_t>(R * C), 0);
  float* o = out.data<float>();
  for (int32_t ti : p.tiles_of(layer, replica)) {
    const Tile& t = p.tiles[static_cast<size_t>(ti)];
    Tensor block = tile_weights(m, t);
    for (int64_t r = 0; r < t.rows(); ++r) {
      for (int64_t c = 0; c < t.cols(); ++c) {
        const int64_t i = (t.row_begin + r) * C + t.col_begin + c;
        o[i] = block.data<float>()[r * t.cols() + c];
        ++cov[static_cast<size_t>(i)];
      }
    }
  }
  if (coverage) *coverage = std::move(cov);
  return out;
}

}  // namespace aimc::program
