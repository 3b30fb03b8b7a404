// FakeQuant: ONNX QuantizeLinear followed by DequantizeLinear, per tensor or per channel.
//   q = clamp(round_half_to_even(x / s) + z, qmin, qmax);  y = (q − z) · s
// computed in f32 as onnxruntime does (a division, not a multiplication by 1/s).
#include <algorithm>
#include <cmath>

#include "core/threads.h"
#include "reference/kernel.h"

namespace aimc::ref {

namespace {

class FakeQuantKernel final : public Kernel {
 public:
  explicit FakeQuantKernel(const KernelSpec& spec) : m_attrs(spec.attr<FakeQuantAttrs>()) {}

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    const Shape& s = x.shape();
    const bool per_channel = m_attrs.scale.size() > 1;
    const auto ax = static_cast<size_t>(m_attrs.axis);
    const int64_t channels = per_channel ? s[ax] : 1;
    int64_t inner = 1;
    if (per_channel) {
      for (size_t i = ax + 1; i < s.size(); ++i) inner *= s[i];
    } else {
      inner = x.numel();
    }
    const int64_t outer = channels * inner == 0 ? 0 : x.numel() / (channels * inner);
    const float* xp = x.data<float>();
    float* yp = ctx.new_output(0).data<float>();
    const auto qmin = static_cast<float>(m_attrs.qmin), qmax = static_cast<float>(m_attrs.qmax);
    parallel_static(outer * channels, x.numel(), int64_t{1} << 15, [&](int64_t oc) {
      const auto c = static_cast<size_t>(oc % channels);
      const float scale = m_attrs.scale[c];
      const auto zero = static_cast<float>(m_attrs.zero_point[c]);
      const float* xi = xp + oc * inner;
      float* yi = yp + oc * inner;
      for (int64_t i = 0; i < inner; ++i) {
        float q = std::nearbyint(xi[i] / scale) + zero;  // default rounding: half to even
        q = std::min(std::max(q, qmin), qmax);
        yi[i] = (q - zero) * scale;
      }
    });
  }

 private:
  FakeQuantAttrs m_attrs;
};

}  // namespace

std::unique_ptr<Kernel> make_fake_quant_kernel(const KernelSpec& spec) { return std::make_unique<FakeQuantKernel>(spec); }

}  // namespace aimc::ref
