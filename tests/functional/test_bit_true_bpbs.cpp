// models/cnn4b_cifar10 on verma-cimu without capacitor mismatch (the preset's 0) against a bit-true
// integer reference written here from the layer's definition (chips.md §2.2), independent of the
// tile code: integer input codes and 4-bit two's-complement weight codes, per input bit-plane i and
// weight bit j the column level L = Σ_r bit_i(x_r)·bit_j(q_r), the 8-bit ADC per conversion
// code = round_half_even(L·255 / FS) in exact integer arithmetic (FS = max(255, rows): exact when
// L ≤ 255), then y = step·s_c·(FS/255)·Σ_ij pw_i·sw_j·code + bias. Every analog layer's chip output,
// given the chip's own input to that layer, must be that value to within a quarter of one output
// step (i.e. the same integer Σ pw·sw·code), on every layer and output of a few CIFAR-10 images.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "../compiler/compiler_test_util.h"
#include "chip/loader.h"
#include "compiler/pipeline.h"
#include "data/dataset.h"
#include "onnx/importer.h"
#include "program/weights.h"
#include "sim/functional/executor.h"
#include "test_presets.h"

namespace aimc::functional {
namespace {

// round(num / den) with ties to even, num ≥ 0, den > 0 (exact).
int64_t div_round_even(int64_t num, int64_t den) {
  const int64_t q = num / den, r = num % den;
  if (2 * r > den || (2 * r == den && q % 2 != 0)) return q + 1;
  return q;
}

struct LayerCheck {
  int64_t outputs = 0, mismatches = 0;
  int64_t adc_rounded = 0;  // outputs whose ADC result differs from the exact integer MVM
};

// One matrix-vector product of the reference: the codes of one input vector against the layer.
// Returns (Σ pw·sw·code, Σ pw·sw·L) for every column.
void reference_column_sums(const std::vector<int64_t>& x, const std::vector<int64_t>& q, int64_t rows, int64_t cols, int64_t bx,
                           int64_t bw, int64_t fs, std::vector<int64_t>& adc, std::vector<int64_t>& exact) {
  adc.assign(static_cast<size_t>(cols), 0);
  exact.assign(static_cast<size_t>(cols), 0);
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t i = 0; i < bx; ++i) {
      for (int64_t j = 0; j < bw; ++j) {
        int64_t level = 0;
        for (int64_t r = 0; r < rows; ++r) {
          level +=
              ((x[static_cast<size_t>(r)] >> i) & 1) & ((static_cast<uint64_t>(q[static_cast<size_t>(r * cols + c)]) >> j) & 1);
        }
        const int64_t pw = int64_t{1} << i;  // unsigned input codes (post-ReLU / pixels)
        const int64_t sw = j == bw - 1 ? -(int64_t{1} << j) : (int64_t{1} << j);
        adc[static_cast<size_t>(c)] += pw * sw * std::min<int64_t>(255, div_round_even(level * 255, fs));
        exact[static_cast<size_t>(c)] += pw * sw * level;
      }
    }
  }
}

TEST(BitTrueBpbs, Cnn4bOnVermaEqualsTheIntegerReferenceLayerByLayer) {
  const chip::ChipSpec chip = test::preset("verma-cimu");
  ASSERT_EQ(chip.cores.adc.full_scale.value_or(0), 255.0);
  const std::string model = test::source_path("models/cnn4b_cifar10.onnx");
  const Graph imported = import_onnx(model);
  compiler::CompileOptions opt;
  opt.model_path = model;
  const program::Program p = compiler::compile(imported, chip, opt);
  Graph probe = compiler::prepare_graph(imported, p);
  // Every analog layer's input and output become graph outputs of the probe.
  std::vector<int32_t> nodes;
  const size_t first = probe.outputs.size();
  for (const program::Layer& l : p.layers) {
    const int32_t n = program::layer_node(probe, l);
    nodes.push_back(n);
    probe.outputs.push_back(probe.node(n).inputs[0]);
    probe.outputs.push_back(probe.node(n).outputs[0]);
  }
  const Dataset data = load_dataset("cifar10:" + test::source_path("data/cifar10-test-500"), 2);
  ChipExecutor exec(p, probe, chip, FunctionalOptions{.seed = 0, .threads = 2});
  const std::vector<Tensor> out = exec.run({data.inputs});

  int64_t total = 0, rounded = 0;
  for (size_t k = 0; k < p.layers.size(); ++k) {
    const program::Layer& l = p.layers[k];
    const Node& node = probe.node(nodes[k]);
    const Tensor& x = out[first + 2 * k];
    const Tensor& y = out[first + 2 * k + 1];
    const Tensor w = program::layer_matrix(probe, l, nodes[k]);
    const std::vector<float> bias = program::layer_bias(probe, l, nodes[k]);
    ASSERT_FALSE(l.quant.input_signed) << l.name;
    ASSERT_EQ(l.groups, 1) << l.name;
    const int64_t rows = l.rows, cols = l.cols, bx = l.quant.input_bits, bw = l.quant.weight_bits;
    const int64_t fs = std::max<int64_t>(255, rows);
    const float step = l.quant.input_step;
    const auto scale = [&](int64_t c) {
      return l.quant.weight_scale[l.quant.weight_scale.size() == 1 ? 0 : static_cast<size_t>(c)];
    };
    std::vector<int64_t> q(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const double v = w.data<float>()[r * cols + c] / scale(c);
        q[static_cast<size_t>(r * cols + c)] = std::llround(v);
        ASSERT_NEAR(v, std::llround(v), 1e-4) << l.name << ": fake-quant weights are integer codes";
      }
    }
    auto code = [&](float v) {
      return std::clamp<int64_t>(std::llrint(static_cast<double>(v / step)), 0, (int64_t{1} << bx) - 1);
    };
    // Input vectors and where their outputs are: conv im2col in (c, ky, kx) order, or matrix rows.
    std::vector<std::vector<int64_t>> vectors;
    std::vector<std::vector<size_t>> where;  // output element index per column
    if (l.kind == program::LayerKind::Conv) {
      const auto& a = node.attr<ConvAttrs>().window;
      const int64_t n = x.dim(0), ch = x.dim(1), h = x.dim(2), wd = x.dim(3), oh = y.dim(2), ow = y.dim(3);
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t oy = 0; oy < oh; ++oy) {
          for (int64_t ox = 0; ox < ow; ++ox) {
            std::vector<int64_t> v;
            for (int64_t c = 0; c < ch; ++c) {
              for (int64_t ky = 0; ky < a.kernel[0]; ++ky) {
                for (int64_t kx = 0; kx < a.kernel[1]; ++kx) {
                  const int64_t iy = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                  const int64_t ix = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  const bool in = iy >= 0 && iy < h && ix >= 0 && ix < wd;
                  v.push_back(in ? code(x.data<float>()[((b * ch + c) * h + iy) * wd + ix]) : 0);
                }
              }
            }
            std::vector<size_t> o;
            for (int64_t c = 0; c < cols; ++c) o.push_back(static_cast<size_t>(((b * cols + c) * oh + oy) * ow + ox));
            vectors.push_back(std::move(v));
            where.push_back(std::move(o));
          }
        }
      }
    } else {
      ASSERT_EQ(x.numel(), x.dim(0) * rows) << l.name;
      for (int64_t b = 0; b < x.dim(0); ++b) {
        std::vector<int64_t> v;
        for (int64_t r = 0; r < rows; ++r) v.push_back(code(x.data<float>()[b * rows + r]));
        std::vector<size_t> o;
        for (int64_t c = 0; c < cols; ++c) o.push_back(static_cast<size_t>(b * cols + c));
        vectors.push_back(std::move(v));
        where.push_back(std::move(o));
      }
    }
    LayerCheck check;
    std::vector<int64_t> adc, exact;
    for (size_t v = 0; v < vectors.size(); ++v) {
      reference_column_sums(vectors[v], q, rows, cols, bx, bw, fs, adc, exact);
      for (int64_t c = 0; c < cols; ++c) {
        const double unit = static_cast<double>(step) * scale(c) * static_cast<double>(fs) / 255.0;
        const double b = bias.empty() ? 0.0 : bias[static_cast<size_t>(c)];
        const double want = static_cast<double>(adc[static_cast<size_t>(c)]) * unit + b;
        const double got = y.data<float>()[where[v][static_cast<size_t>(c)]];
        ++check.outputs;
        check.adc_rounded += adc[static_cast<size_t>(c)] * fs != exact[static_cast<size_t>(c)] * 255;
        if (std::fabs(got - want) > 0.25 * unit) {
          if (++check.mismatches <= 3)
            ADD_FAILURE() << l.name << " vector " << v << " column " << c << ": chip " << got << ", reference " << want;
        }
      }
    }
    EXPECT_EQ(check.mismatches, 0) << l.name << ": " << check.mismatches << " of " << check.outputs;
    // Layers of ≤ 255 rows are exact integer MVMs; taller ones round in the ADC.
    if (rows <= 255) {
      EXPECT_EQ(check.adc_rounded, 0) << l.name;
    }
    total += check.outputs;
    rounded += check.adc_rounded;
    std::printf(
        "[ bit-true ] %-12s %5lld rows: %lld outputs equal the reference, %lld of them differ from the exact integer MVM by ADC "
        "rounding\n",
        l.name.c_str(), static_cast<long long>(rows), static_cast<long long>(check.outputs - check.mismatches),
        static_cast<long long>(check.adc_rounded));
  }
  EXPECT_GT(total, 0);
  EXPECT_GT(rounded, 0);  // the tall layers do round (chips.md §2.2: quantisation error beyond 255 levels)
}

}  // namespace
}  // namespace aimc::functional
