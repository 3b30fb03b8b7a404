// BatchNormalization (inference), LayerNormalization and Softmax on plain f32 data.
#include <cmath>
#include <limits>
#include <vector>

#include "core/threads.h"
#include "reference/elementwise.h"
#include "reference/kernel.h"

namespace aimc::ref {

namespace {

// y = a[c]·x + b[c] with a = scale/sqrt(var+eps), b = B − mean·a; precomputed for constant params.
class BatchNormKernel final : public Kernel {
 public:
  explicit BatchNormKernel(const KernelSpec& spec) : m_eps(spec.attr<NormAttrs>().epsilon) {
    bool all_const = true;
    for (size_t i = 1; i <= 4; ++i) all_const = all_const && spec.constant_input(i) != nullptr;
    if (all_const) {
      fold(*spec.constant_input(1), *spec.constant_input(2), *spec.constant_input(3), *spec.constant_input(4));
    }
    m_const = all_const;
  }

  void run(RunContext& ctx) override {
    if (!m_const) fold(ctx.in(1), ctx.in(2), ctx.in(3), ctx.in(4));
    const Tensor& x = ctx.in(0);
    Tensor& y = ctx.new_output(0);
    const Shape& s = x.shape();
    const int64_t n = s[0], c = s[1], inner = numel(s) / std::max<int64_t>(1, n * c);
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    const float* a = m_a.data();
    const float* b = m_b.data();
    parallel_static(n * c, x.numel(), int64_t{1} << 15, [&](int64_t nc) {
      const float ac = a[nc % c], bc = b[nc % c];
      const float* xi = xp + nc * inner;
      float* yi = yp + nc * inner;
      for (int64_t i = 0; i < inner; ++i) yi[i] = ac * xi[i] + bc;
    });
  }

 private:
  void fold(const Tensor& scale, const Tensor& bias, const Tensor& mean, const Tensor& var) {
    const int64_t c = scale.numel();
    m_a.resize(static_cast<size_t>(c));
    m_b.resize(static_cast<size_t>(c));
    for (int64_t i = 0; i < c; ++i) {
      float a = scale.data<float>()[i] / std::sqrt(var.data<float>()[i] + m_eps);
      m_a[static_cast<size_t>(i)] = a;
      m_b[static_cast<size_t>(i)] = bias.data<float>()[i] - mean.data<float>()[i] * a;
    }
  }

  float m_eps;
  bool m_const = false;
  std::vector<float> m_a, m_b;
};

// Normalises each row over axes [axis, rank): (x − mean)/sqrt(var + eps)·scale + B.
class LayerNormKernel final : public Kernel {
 public:
  explicit LayerNormKernel(const KernelSpec& spec) : m_attrs(spec.attr<NormAttrs>()) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    const Shape& s = x.shape();
    int64_t cols = 1;
    for (size_t i = static_cast<size_t>(m_attrs.axis); i < s.size(); ++i) cols *= s[i];
    const int64_t rows = cols == 0 ? 0 : x.numel() / cols;
    const float* scale = ctx.in(1).data<float>();
    const float* bias = ctx.has_input(2) ? ctx.in(2).data<float>() : nullptr;
    const float eps = m_attrs.epsilon;
    const float* xp = x.data<float>();
    float* yp = ctx.new_output(0).data<float>();
    parallel_static(rows, x.numel(), int64_t{1} << 15, [&](int64_t r) {
      const float* xr = xp + r * cols;
      float* yr = yp + r * cols;
      double sum = 0;
      for (int64_t j = 0; j < cols; ++j) sum += xr[j];
      const double mean = sum / static_cast<double>(cols);
      double sq = 0;
      for (int64_t j = 0; j < cols; ++j) sq += (xr[j] - mean) * (xr[j] - mean);
      const auto inv = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(cols) + eps));
      const auto m = static_cast<float>(mean);
      for (int64_t j = 0; j < cols; ++j) {
        yr[j] = (xr[j] - m) * inv * scale[j] + (bias ? bias[j] : 0.0f);
      }
    });
  }

 private:
  NormAttrs m_attrs;
};

// Softmax over one axis, numerically stable (the row maximum is subtracted first).
class SoftmaxKernel final : public Kernel {
 public:
  explicit SoftmaxKernel(const KernelSpec& spec) : m_axis(spec.attr<AxisAttrs>().axis) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    const Shape& s = x.shape();
    const AroundAxis around = around_axis(s, static_cast<size_t>(m_axis));
    const int64_t outer = around.outer, len = around.extent, inner = around.inner;
    const float* xp = x.data<float>();
    float* yp = ctx.new_output(0).data<float>();
    parallel_static(outer * inner, x.numel(), int64_t{1} << 15, [&](int64_t oi) {
      const int64_t o = oi / inner, i = oi % inner;
      const float* xr = xp + o * len * inner + i;
      float* yr = yp + o * len * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, xr[j * inner]);
      float sum = 0.0f;
      for (int64_t j = 0; j < len; ++j) {
        float e = std::exp(xr[j * inner] - mx);
        yr[j * inner] = e;
        sum += e;
      }
      for (int64_t j = 0; j < len; ++j) yr[j * inner] /= sum;
    });
  }

 private:
  int64_t m_axis;
};

}  // namespace

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  switch (spec.node->op) {
    case OpKind::BatchNormalization:
      return std::make_unique<BatchNormKernel>(spec);
    case OpKind::LayerNormalization:
      return std::make_unique<LayerNormKernel>(spec);
    default:
      return std::make_unique<SoftmaxKernel>(spec);
  }
}

}  // namespace aimc::ref
