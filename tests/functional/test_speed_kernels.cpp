// The kernels of the chip path's hot loop against plain references: im2col (every padding, stride
// and dilation case), the output transpose, the sign split of the four-phase inputs and the four-phase epilogue with and
// without the (skipped) negative-input products — bit for bit.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "sim/functional/conv_vectors.h"
#include "sim/functional/epilogue.h"

namespace aimc::functional {
namespace {

std::vector<float> random_values(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  Rng(seed, 0, RngPurpose::test).fill_normal(0, v);
  return v;
}

// n vectors' rows cut into segments at `begin`, each segment a buffer of its own with one guard
// element after every row (a gather that writes past a segment's row changes it).
template <class T>
struct GuardedSegments {
  std::vector<std::vector<T>> buffers;
  RowSegmentsOf<T> out;
  GuardedSegments(const std::vector<int64_t>& begin, int64_t n, T guard) : buffers(begin.size() - 1), out{begin, {}, {}} {
    for (size_t s = 0; s + 1 < begin.size(); ++s) {
      const int64_t ld = begin[s + 1] - begin[s] + 1;
      buffers[s].assign(static_cast<size_t>(n * ld), guard);
      out.base.push_back(buffers[s].data());
      out.ld.push_back(ld);
    }
  }
  GuardedSegments(const GuardedSegments&) = delete;  // out points into buffers
  GuardedSegments& operator=(const GuardedSegments&) = delete;
};

// A fused epilogue of `cols` columns with 8-bit codes, holding the per-column gain and offset it points at;
// each test fills the rest column by column.
struct TestEpilogue {
  ColumnEpilogue ep;
  std::vector<float> gain, offset;
  explicit TestEpilogue(int64_t cols) : gain(static_cast<size_t>(cols)), offset(static_cast<size_t>(cols)) {
    ep.cols = cols;
    ep.fused = true;
    ep.code_lo = -127;
    ep.code_hi = 127;
    ep.gain = gain.data();
    ep.offset = offset.data();
  }
  TestEpilogue(const TestEpilogue&) = delete;  // ep points into gain and offset
  TestEpilogue& operator=(const TestEpilogue&) = delete;
};

std::vector<ConvGeometry> geometries() {
  std::vector<ConvGeometry> shapes = {
      {.c = 3, .h = 7, .w = 6, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .ph = 1, .pw = 1},
      {.c = 2, .h = 8, .w = 8, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .ph = 1, .pw = 1},
      {.c = 2, .h = 9, .w = 7, .kh = 3, .kw = 2, .sh = 1, .sw = 2, .dh = 2, .dw = 3, .ph = 2, .pw = 3},
      {.c = 4, .h = 5, .w = 5, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .ph = 0, .pw = 0},
      {.c = 3, .h = 1, .w = 10, .kh = 1, .kw = 5, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .ph = 0, .pw = 2},  // 1-D
      {.c = 1, .h = 4, .w = 4, .kh = 5, .kw = 5, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .ph = 2, .pw = 2},   // all padding
      {.c = 5, .h = 6, .w = 9, .kh = 3, .kw = 3, .sh = 2, .sw = 1, .dh = 2, .dw = 1, .ph = 0, .pw = 1},   // taps 3 × 3
      {.c = 2, .h = 5, .w = 5, .kh = 2, .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .ph = 0, .pw = 0},   // end padding only
      {.c = 3, .h = 4, .w = 7, .kh = 3, .kw = 3, .sh = 1, .sw = 2, .dh = 1, .dw = 1, .ph = 0, .pw = 0},   // end padding only
  };
  for (ConvGeometry& g : shapes) {
    g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
    g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
    if (g.ph == 0 && g.pw == 0 && g.kh > 1) {  // ONNX pads [0, 0, 1, 1]: one more output row and column, windows past the end
      g.oh += 1;
      g.ow += 1;
    }
  }
  return shapes;
}

TEST(Im2col, EqualsTheDirectDefinitionForEveryGeometry) {
  for (const ConvGeometry& g : geometries()) {
    const std::vector<float> x = random_values(static_cast<size_t>(g.c * g.h * g.w), 3);
    const int64_t rows = g.c * g.kh * g.kw;
    std::vector<float> row(static_cast<size_t>(rows), -1.0f);
    for (int64_t p = 0; p < g.oh * g.ow; ++p) {
      im2col_vector(g, x.data(), p, row.data());
      const int64_t oy = p / g.ow, ox = p % g.ow;
      for (int64_t c = 0; c < g.c; ++c) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
            const float want =
                iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[static_cast<size_t>((c * g.h + iy) * g.w + ix)] : 0.0f;
            ASSERT_EQ(std::bit_cast<uint32_t>(row[static_cast<size_t>((c * g.kh + ky) * g.kw + kx)]),
                      std::bit_cast<uint32_t>(want))
                << "c " << c << " ky " << ky << " kx " << kx << " position " << p << " kernel " << g.kh << "x" << g.kw;
          }
        }
      }
    }
    // Runs of positions (every step from 1 to 3, from every start) equal the single vectors, and
    // write nothing past their rows (ld leaves a guard gap).
    for (int64_t step = 1; step <= 3; ++step) {
      for (int64_t p0 = 0; p0 < g.oh * g.ow; ++p0) {
        const int64_t n = (g.oh * g.ow - 1 - p0) / step + 1, ld = rows + 2;
        std::vector<float> many(static_cast<size_t>(n * ld), -3.0f);
        im2col_vectors(g, x.data(), p0, step, n, many.data(), ld);
        for (int64_t i = 0; i < n; ++i) {
          im2col_vector(g, x.data(), p0 + i * step, row.data());
          ASSERT_EQ(0, std::memcmp(row.data(), many.data() + i * ld, static_cast<size_t>(rows) * sizeof(float)));
          ASSERT_EQ(many[static_cast<size_t>(i * ld + rows)], -3.0f);
          ASSERT_EQ(many[static_cast<size_t>(i * ld + rows + 1)], -3.0f);
        }
        // From the sample padded once (a replicated layer's path): the same vectors.
        if (!im2col_reads_padding(g)) continue;
        std::vector<float> padded(static_cast<size_t>(padded_sample_elements(g)), -5.0f), again(many.size(), -3.0f);
        pad_sample(g, x.data(), padded.data());
        im2col_vectors_padded(g, padded.data(), p0, step, n, again.data(), ld);
        ASSERT_EQ(0, std::memcmp(again.data(), many.data(), many.size() * sizeof(float))) << "p0 " << p0 << " step " << step;
      }
    }
  }
}

// The vectors cut into row segments (a layer's tiles' own dense blocks): segment boundaries inside a
// channel's taps, at its ends, one row long; the same rows as the dense vectors, nothing written
// outside the segments' rows.
TEST(Im2col, RowSegmentsHoldTheDenseVectorsRows) {
  for (const ConvGeometry& g : geometries()) {
    const std::vector<float> x = random_values(static_cast<size_t>(g.c * g.h * g.w), 4);
    const int64_t rows = g.c * g.kh * g.kw, positions = g.oh * g.ow;
    std::vector<std::vector<int64_t>> cuts = {{0, rows}, {0, 1, rows}, {0, rows / 2, rows}, {0, rows - 1, rows}};
    if (rows > 7) cuts.push_back({0, 2, 7, rows - 3, rows});
    for (const auto& begin : cuts) {
      for (const int64_t step : {1, 2}) {
        const int64_t n = (positions - 1) / step + 1;
        std::vector<float> dense(static_cast<size_t>(n * rows));
        im2col_vectors(g, x.data(), 0, step, n, dense.data(), rows);
        const size_t segments = begin.size() - 1;
        GuardedSegments<float> guarded(begin, n, -7.0f);
        const RowSegments& out = guarded.out;
        const std::vector<std::vector<float>>& seg = guarded.buffers;
        std::vector<float> padded(static_cast<size_t>(padded_sample_elements(g)));
        pad_sample(g, x.data(), padded.data());
        for (const bool from_padded : {false, true}) {
          if (from_padded && !im2col_reads_padding(g)) continue;
          if (from_padded) {
            im2col_vectors_padded(g, padded.data(), 0, step, n, out);
          } else {
            im2col_vectors(g, x.data(), 0, step, n, out);
          }
          for (size_t s = 0; s < segments; ++s) {
            const int64_t k = begin[s + 1] - begin[s];
            for (int64_t i = 0; i < n; ++i) {
              ASSERT_EQ(0, std::memcmp(seg[s].data() + i * (k + 1), dense.data() + i * rows + begin[s], sizeof(float) * k))
                  << "segment " << s << " vector " << i << " kernel " << g.kh << "x" << g.kw;
              ASSERT_EQ(seg[s][static_cast<size_t>(i * (k + 1) + k)], -7.0f)
                  << "wrote past segment " << s << " of " << segments << ", kernel " << g.kh << "x" << g.kw;
            }
          }
        }
      }
    }
  }
}

// 8-bit codes (an int8 GEMM's rows): the byte gather, from the sample as it is or padded once, moves
// the same elements as the float one, into segments cut as a layer's tiles cut them.
TEST(Im2col, CodeBytesGatherAsTheFloatCodes) {
  for (const ConvGeometry& g : geometries()) {
    std::vector<float> x = random_values(static_cast<size_t>(g.c * g.h * g.w), 5);
    std::vector<uint8_t> x8(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = static_cast<float>(static_cast<int>(i * 37 % 251));  // codes 0..250
      x8[i] = static_cast<uint8_t>(x[i]);
    }
    const int64_t rows = g.c * g.kh * g.kw, positions = g.oh * g.ow;
    const std::vector<int64_t> begin = rows > 3 ? std::vector<int64_t>{0, 1, rows / 2, rows} : std::vector<int64_t>{0, rows};
    for (const int64_t step : {1, 3}) {
      const int64_t n = (positions - 1) / step + 1;
      std::vector<float> dense(static_cast<size_t>(n * rows));
      im2col_vectors(g, x.data(), 0, step, n, dense.data(), rows);
      const size_t segments = begin.size() - 1;
      GuardedSegments<uint8_t> guarded(begin, n, 0xEE);
      const RowSegmentsOf<uint8_t>& out = guarded.out;
      const std::vector<std::vector<uint8_t>>& seg = guarded.buffers;
      std::vector<uint8_t> padded(static_cast<size_t>(padded_sample_elements(g)));
      pad_sample(g, x8.data(), padded.data());
      for (const bool from_padded : {false, true}) {
        if (from_padded && !im2col_reads_padding(g)) continue;
        if (from_padded) {
          im2col_vectors_padded(g, padded.data(), 0, step, n, out);
        } else {
          im2col_vectors(g, x8.data(), 0, step, n, out);
        }
        for (size_t s = 0; s < segments; ++s) {
          const int64_t k = begin[s + 1] - begin[s];
          for (int64_t i = 0; i < n; ++i) {
            for (int64_t r = 0; r < k; ++r) {
              ASSERT_EQ(static_cast<float>(seg[s][static_cast<size_t>(i * (k + 1) + r)]),
                        dense[static_cast<size_t>(i * rows + begin[s] + r)])
                  << "segment " << s << " vector " << i << " row " << r << " kernel " << g.kh << "x" << g.kw;
            }
            ASSERT_EQ(seg[s][static_cast<size_t>(i * (k + 1) + k)], 0xEE) << "wrote past segment " << s;
          }
        }
      }
    }
  }
}

// The 16-channel-group gather (AVX-512 VBMI) against the byte gather: channel counts 16 to 48,
// strides 1 and 2, symmetric, wide and end-only padding, replica steps 1, 3 and 5 from an offset,
// into segments cut inside the groups' 144 bytes (a group split over two tiles), guard bytes after each.
TEST(Im2col, ChannelGroupsGatherAsTheByteGather) {
  std::vector<ConvGeometry> shapes;
  for (const int64_t c : {16, 32, 48}) {
    for (const auto& [h, w] : std::vector<std::array<int64_t, 2>>{{8, 8}, {7, 9}, {5, 20}}) {
      for (const auto& [s, p] : std::vector<std::array<int64_t, 2>>{{1, 1}, {2, 1}, {1, 0}, {2, 2}}) {
        ConvGeometry g{.c = c, .h = h, .w = w, .kh = 3, .kw = 3, .sh = s, .sw = s, .dh = 1, .dw = 1, .ph = p, .pw = p};
        g.oh = (h + 2 * p - 3) / s + 1 + (p == 0 ? 1 : 0);  // pads [0, 0, 1, 1]: windows past the end
        g.ow = (w + 2 * p - 3) / s + 1 + (p == 0 ? 1 : 0);
        shapes.push_back(g);
      }
    }
  }
  if (!im2col_hwc16_applies(shapes[0])) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  for (const ConvGeometry& g : shapes) {
    ASSERT_TRUE(im2col_hwc16_applies(g));
    std::vector<uint8_t> x(static_cast<size_t>(g.c * g.h * g.w));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(1 + i * 37 % 251);  // no zeros: padding shows
    std::vector<uint8_t> hwc(static_cast<size_t>(hwc16_sample_elements(g)), 0xAB);
    pad_sample_hwc16(g, x.data(), hwc.data());
    const int64_t rows = g.c * 9, positions = g.oh * g.ow;
    std::vector<int64_t> begin = {0, 100, 256, rows};
    if (rows <= 256) begin = {0, 100, rows};
    for (const auto& [first, stride] : std::vector<std::array<int64_t, 2>>{{0, 1}, {2, 3}, {4, 5}}) {
      const int64_t p0 = first, step = stride;  // (clang 14 cannot capture a structured binding)
      const int64_t n = (positions - 1 - p0) / step + 1;
      const auto gather = [&](bool groups) {
        GuardedSegments<uint8_t> guarded(begin, n, 0xEE);
        if (groups) {
          im2col_vectors_hwc16(g, hwc.data(), p0, step, n, guarded.out);
        } else {
          im2col_vectors(g, x.data(), p0, step, n, guarded.out);
        }
        return std::move(guarded.buffers);
      };
      ASSERT_EQ(gather(true), gather(false))
          << "c " << g.c << ", " << g.h << "x" << g.w << ", stride " << g.sh << ", pad " << g.ph << ", step " << step;
    }
  }
}

// Whole 16 × 16 blocks (in registers on AVX-512 when dense) and the partial ones at the edges (n and
// cols no multiples of 16).
TEST(VectorsToPlanes, TransposesIntoStridedPlanes) {
  for (const auto& [n, cols, step] :
       std::vector<std::array<int64_t, 3>>{{19, 21, 1}, {19, 21, 3}, {40, 37, 1}, {32, 48, 2}, {48, 64, 1}}) {
    const std::vector<float> y = random_values(static_cast<size_t>(n * cols), 5);
    const int64_t plane = 3 + n * step + 2;
    std::vector<float> out(static_cast<size_t>(cols * plane), -7.0f);
    vectors_to_planes(y.data(), n, cols, out.data() + 3, plane, step);
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t j = (i - 3) / step;
        const bool hit = i >= 3 && (i - 3) % step == 0 && j < n;
        const float want = hit ? y[static_cast<size_t>(j * cols + c)] : -7.0f;
        ASSERT_EQ(out[static_cast<size_t>(c * plane + i)], want) << "column " << c << " position " << i << " step " << step;
      }
    }
  }
}

// The plain-case kernels reading an int8 GEMM's integer sums give the bits they give on the values
// FixedGemm would make, float(sum) × step (one- and four-phase, with and without negative inputs;
// 37 columns: a vector tail; live and dead columns, a gain and offset per column, saturating phases).
TEST(Epilogue, IntegerSumsReadAsTheirValues) {
  const int64_t cols = 37, n = 9;
  const Rng rng(21, 0, RngPurpose::test);
  uint64_t draw = 0;
  const auto uniform = [&](float lo, float hi) { return lo + (hi - lo) * rng.uniform(draw++); };
  TestEpilogue t(cols);
  ColumnEpilogue& ep = t.ep;
  for (int64_t c = 0; c < cols; ++c) {
    ep.lsb.push_back(uniform(0.01f, 0.05f));
    ep.full_scale.push_back(uniform(2.0f, 4.0f));
    ep.scale.push_back(uniform(0.1f, 2.0f));
    ep.dead.push_back(c % 11 == 3 ? 1 : 0);
    t.gain[static_cast<size_t>(c)] = uniform(0.9f, 1.1f);
    t.offset[static_cast<size_t>(c)] = uniform(-0.3f, 0.3f);
  }
  for (const int64_t phases : {1, 4}) {
    const int64_t gemm_cols = phases == 1 ? cols : 2 * cols;
    std::vector<float> step(static_cast<size_t>(gemm_cols));
    for (float& v : step) v = uniform(1e-4f, 3e-3f);
    std::vector<int32_t> p(static_cast<size_t>(n * gemm_cols)), q(p.size());
    for (int32_t& v : p) v = static_cast<int32_t>(uniform(phases == 1 ? -3000.0f : 0.0f, 3000.0f));
    for (int32_t& v : q) v = static_cast<int32_t>(uniform(0.0f, 3000.0f));
    std::vector<float> pv(p.size()), qv(q.size());
    for (size_t i = 0; i < p.size(); ++i) {
      pv[i] = static_cast<float>(p[i]) * step[i % static_cast<size_t>(gemm_cols)];
      qv[i] = static_cast<float>(q[i]) * step[i % static_cast<size_t>(gemm_cols)];
    }
    for (const bool negative : {false, true}) {
      if (phases == 1 && negative) continue;
      std::vector<float> want(static_cast<size_t>(n * cols)), got(want.size(), -1.0f);
      if (phases == 1) {
        column_sums_one_phase(ep, pv.data(), nullptr, n, want.data());
        column_sums_one_phase(ep, p.data(), step.data(), n, got.data());
      } else {
        column_sums_four_phase(ep, pv.data(), negative ? qv.data() : nullptr, nullptr, n, want.data());
        column_sums_four_phase(ep, p.data(), negative ? q.data() : nullptr, step.data(), n, got.data());
      }
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)))
          << phases << " phases, negative " << negative;
    }
  }
}

TEST(SplitSigns, LeavesNonNegativeCodesAloneAndSplitsOthers) {
  std::vector<float> pos = {0.0f, 3.0f, 7.0f}, neg(3, 9.0f);
  EXPECT_FALSE(split_signs(pos.data(), pos.size(), neg.data()));
  EXPECT_EQ(pos, (std::vector<float>{0.0f, 3.0f, 7.0f}));
  pos = {-2.0f, 3.0f, -0.0f, 0.0f};
  neg.assign(4, 9.0f);
  EXPECT_TRUE(split_signs(pos.data(), pos.size(), neg.data()));
  EXPECT_EQ(pos, (std::vector<float>{0.0f, 3.0f, 0.0f, 0.0f}));
  EXPECT_EQ(neg, (std::vector<float>{2.0f, 0.0f, 0.0f, 0.0f}));
  EXPECT_FALSE(std::signbit(pos[2]));  // −0 becomes +0 on both sides
  EXPECT_FALSE(std::signbit(neg[2]));
}

// The scalar definition of column_sums_four_phase (noise, saturation, linear ADC, scale).
float four_phase_reference(const ColumnEpilogue& ep, const float* p, const float* q, const float* z, int64_t i, int64_t c) {
  const int64_t cols = ep.cols;
  const auto sat = [&](float v) { return v < 0.0f ? 0.0f : (v > ep.full_scale[c] ? ep.full_scale[c] : v); };
  float ph[4];
  for (int k = 0; k < 4; ++k) {
    const float signal = k < 2 ? p[i * 2 * cols + k * cols + c] : q[i * 2 * cols + (k - 2) * cols + c];
    ph[k] = sat(signal + ep.noise[c] * z[i * 4 * cols + k * cols + c]);
  }
  const float v = (ph[0] - ph[1] - ph[2] + ph[3]) / ep.lsb[c];
  float code = v * ep.gain[c] + ep.offset[c];
  code = code < ep.code_lo ? ep.code_lo : (code > ep.code_hi ? ep.code_hi : code);
  code = (code + 12582912.0f) - 12582912.0f;
  return ep.dead[c] ? 0.0f : code * ep.scale[c];
}

TEST(FourPhaseEpilogue, VectorisedEqualsScalarAndSkippedProductsAreZero) {
  const int64_t cols = 37, n = 5;  // odd sizes: vector bodies and remainders
  TestEpilogue t(cols);
  ColumnEpilogue& ep = t.ep;
  for (int64_t c = 0; c < cols; ++c) {
    ep.lsb.push_back(0.5f + 0.01f * static_cast<float>(c));
    ep.noise.push_back(0.3f);
    ep.full_scale.push_back(40.0f + static_cast<float>(c));
    ep.scale.push_back(0.125f);
    ep.dead.push_back(c == 5 ? 1 : 0);
    t.gain[c] = 1.0f + 0.001f * static_cast<float>(c);
    t.offset[c] = 0.25f;
  }
  ep.zeros.assign(static_cast<size_t>(2 * cols), 0.0f);
  std::vector<float> p = random_values(static_cast<size_t>(n * 2 * cols), 1), q = random_values(p.size(), 2);
  for (float& v : p) v = 30.0f * std::fabs(v);  // phases reach the full scale (saturation)
  for (float& v : q) v = 30.0f * std::fabs(v);
  const std::vector<float> z = random_values(static_cast<size_t>(n * 4 * cols), 4);
  std::vector<float> out(static_cast<size_t>(n * cols));
  column_sums_four_phase(ep, p.data(), q.data(), z.data(), n, out.data());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < cols; ++c) {
      EXPECT_EQ(std::bit_cast<uint32_t>(out[static_cast<size_t>(i * cols + c)]),
                std::bit_cast<uint32_t>(four_phase_reference(ep, p.data(), q.data(), z.data(), i, c)));
    }
  }
  // q = nullptr (no negative inputs, GEMM skipped) equals explicit +0 products.
  const std::vector<float> zero_q(q.size(), 0.0f);
  std::vector<float> with_zeros(out.size()), skipped(out.size());
  column_sums_four_phase(ep, p.data(), zero_q.data(), z.data(), n, with_zeros.data());
  column_sums_four_phase(ep, p.data(), nullptr, z.data(), n, skipped.data());
  EXPECT_EQ(0, std::memcmp(with_zeros.data(), skipped.data(), skipped.size() * sizeof(float)));
}

// Without output noise and counting, both kernels take their one-pass loops: the same bits as the
// scalar definition (noise 0), with and without the P−± products, and as the counting loops.
TEST(FourPhaseEpilogue, PlainRowsEqualTheScalarDefinitionAndTheCountingLoops) {
  for (const int64_t cols : {int64_t{16}, int64_t{37}, int64_t{64}}) {
    const int64_t n = 6;
    TestEpilogue t(cols);
    ColumnEpilogue& ep = t.ep;
    for (int64_t c = 0; c < cols; ++c) {
      ep.lsb.push_back(0.5f + 0.01f * static_cast<float>(c));
      ep.noise.push_back(0.0f);
      ep.full_scale.push_back(40.0f);
      ep.scale.push_back(0.001f * static_cast<float>(c + 1));
      ep.dead.push_back(c % 11 == 3 ? 1 : 0);
      t.gain[static_cast<size_t>(c)] = 1.0f + 0.01f * static_cast<float>(c % 5);
      t.offset[static_cast<size_t>(c)] = 0.1f * static_cast<float>(c % 3) - 0.1f;
    }
    ep.zeros.assign(static_cast<size_t>(2 * cols), 0.0f);
    std::vector<float> p = random_values(static_cast<size_t>(n * 2 * cols), 7), q = random_values(p.size(), 8);
    for (float& v : p) v = 30.0f * std::fabs(v);
    for (float& v : q) v = 30.0f * std::fabs(v);
    const std::vector<float> no_noise(static_cast<size_t>(n * 4 * cols), 0.0f), zero_q(q.size(), 0.0f);
    for (const bool negative : {true, false}) {
      const float* qq = negative ? q.data() : nullptr;
      std::vector<float> plain(static_cast<size_t>(n * cols)), counted(plain.size());
      column_sums_four_phase(ep, p.data(), qq, nullptr, n, plain.data());
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t c = 0; c < cols; ++c) {
          const float want = four_phase_reference(ep, p.data(), negative ? q.data() : zero_q.data(), no_noise.data(), i, c);
          ASSERT_EQ(std::bit_cast<uint32_t>(plain[static_cast<size_t>(i * cols + c)]), std::bit_cast<uint32_t>(want))
              << cols << " columns, row " << i << " column " << c << (negative ? "" : ", no P−±");
        }
      }
      ep.count = true;
      column_sums_four_phase(ep, p.data(), qq, nullptr, n, counted.data());
      ep.count = false;
      EXPECT_EQ(0, std::memcmp(plain.data(), counted.data(), plain.size() * sizeof(float))) << cols;
    }
    // One phase: dead ? 0 : round_even(clamp(g / lsb · gain + offset)) · scale.
    std::vector<float> one(static_cast<size_t>(n * cols)), one_counted(one.size());
    column_sums_one_phase(ep, p.data(), nullptr, n, one.data());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t c = 0; c < cols; ++c) {
        const auto k = static_cast<size_t>(c);
        float code = p[static_cast<size_t>(i * cols + c)] / ep.lsb[k] * t.gain[k] + t.offset[k];
        code = code < ep.code_lo ? ep.code_lo : (code > ep.code_hi ? ep.code_hi : code);
        code = (code + 12582912.0f) - 12582912.0f;
        const float want = ep.dead[k] ? 0.0f : code * ep.scale[k];
        ASSERT_EQ(std::bit_cast<uint32_t>(one[static_cast<size_t>(i * cols + c)]), std::bit_cast<uint32_t>(want)) << cols;
      }
    }
    ep.count = true;
    column_sums_one_phase(ep, p.data(), nullptr, n, one_counted.data());
    EXPECT_EQ(0, std::memcmp(one.data(), one_counted.data(), one.size() * sizeof(float))) << cols;
  }
}

}  // namespace
}  // namespace aimc::functional
