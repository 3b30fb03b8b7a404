// The quantize pass: input steps cover the calibrated range with the codes the encoder has, weight
// scales per column where the cores apply a per-column affine, real calibration data, and the
// warnings for synthetic calibration and for fp32 weights rounded to a low-precision chip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler_test_util.h"
#include "core/rng.h"
#include "reference/executor.h"

namespace aimc {
namespace {

Graph relu_net() {
  test::GraphBuilder b("relu_net");
  ValueId x = b.input("x", {1, 3, 8, 8});
  ValueId c1 = b.node("relu1", OpKind::Relu, {b.conv("conv1", x, 3, 16, 3, 1, true, 1)});
  ValueId gap = b.node("gap", OpKind::GlobalAveragePool, {c1});
  ValueId flat = b.node("flatten", OpKind::Reshape, {gap}, ReshapeAttrs{{1, 16}});
  return b.finish({b.gemm("fc", flat, 16, 10, true, 3)});
}

Tensor images(int64_t n, float lo, float hi) {
  Tensor t(DType::f32, {n, 3, 8, 8});
  const Rng rng(11, 0, RngPurpose::test);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = lo + (hi - lo) * rng.uniform(static_cast<uint64_t>(i));
  return t;
}

program::Program compile_with(const Graph& g, const chip::ChipSpec& chip, std::vector<Tensor> calibration) {
  compiler::CompileOptions o;
  o.pipeline = compiler::default_pipeline("pipelined", "none");
  o.calibration.inputs = std::move(calibration);
  o.calibration.source = "test images";
  return compiler::compile(g, chip, o);
}

float max_of(const Tensor& t) {
  float m = 0;
  for (float v : t.span<float>()) m = std::max(m, std::fabs(v));
  return m;
}

// HERMES's bipolar PWM encoder has codes ±127: a post-ReLU layer's range max x is 127 steps, not 255
// (which would clip every input above max/2), and a signed input (normalised images) also ±127.
TEST(Quantize, InputStepUsesTheEncodersCodes) {
  const Graph g = relu_net();
  const Tensor x = images(8, -2.0f, 2.0f);
  const program::Program p = compile_with(g, test::preset("hermes"), {x});
  Graph probe = g;
  const auto fc_in = *std::find_if(g.nodes().begin(), g.nodes().end(), [](const Node& n) { return n.name == "fc"; });
  probe.outputs.push_back(fc_in.inputs[0]);
  ReferenceExecutor exec(probe, ReferenceOptions{.threads = 1});
  const std::vector<Tensor> outs = exec.run({x});
  const program::Layer& conv1 = p.layer(*p.find_layer("conv1"));
  const program::Layer& fc = p.layer(*p.find_layer("fc"));
  EXPECT_TRUE(conv1.quant.input_signed);
  EXPECT_FALSE(fc.quant.input_signed);
  EXPECT_NEAR(conv1.quant.input_step * 127, max_of(x), 1e-5 * max_of(x));
  EXPECT_NEAR(fc.quant.input_step * 127, max_of(outs.back()), 1e-5 * max_of(outs.back()));
  EXPECT_EQ(p.calibration, "test images");
  EXPECT_TRUE(p.warnings.empty());
}

// A bipolar PWM encoder has only the code 0 at 1 bit: quantize{input-bits=1} on HERMES is refused at
// compile time with the range it takes (it failed only when the chip ran, without naming the option).
TEST(Quantize, OneBitInputsOnABipolarLevelEncoderAreRefused) {
  compiler::CompileOptions o;
  o.pipeline = compiler::default_pipeline("pipelined", "none");
  o.pipeline.replace(o.pipeline.find("quantize"), 8, "quantize{input-bits=1}");
  o.calibration.inputs = {images(2, 0.0f, 1.0f)};
  EXPECT_EQ(test::error_of([&] { compiler::compile(relu_net(), test::preset("hermes"), o); }),
            "pipeline: quantize{input-bits=1}: the chip's inputs take 2..8 bits");
  o.pipeline.replace(o.pipeline.find("input-bits=1"), 12, "input-bits=2");
  EXPECT_EQ(compiler::compile(relu_net(), test::preset("hermes"), o).layer(0).quant.input_bits, 2);
}

// The calibrated range is the largest |x| wherever it lies: in a vectorised lane, or in the tail of a
// tensor whose size is no multiple of the lanes (3 · 7 · 7 = 147 values per sample).
TEST(Quantize, InputRangeIsTheLargestMagnitudeWhereverItLies) {
  test::GraphBuilder b("odd_net");
  ValueId x = b.input("x", {1, 3, 7, 7});
  const Graph g = b.finish({b.conv("conv1", x, 3, 4, 3, 1, true, 1)});
  for (const int64_t at : {int64_t{0}, int64_t{77}, int64_t{146}, int64_t{2 * 147 - 1}}) {
    Tensor t(DType::f32, {2, 3, 7, 7});
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.25f * static_cast<float>(i % 5) - 0.5f;
    t.data<float>()[at] = -3.0f;
    const program::Program p = compile_with(g, test::preset("hermes"), {t});
    EXPECT_NEAR(p.layer(*p.find_layer("conv1")).quant.input_step * 127, 3.0, 1e-6) << at;
  }
}

// granularity=auto: per column on a chip whose core digital unit has `affine` (HERMES's LDPU), per
// layer when it has none.
// The input activity of real calibration data, against its closed form: codes of x uniform in
// [−2, 2] on HERMES's ±127 bipolar codes have mean |code| / 127 = 1/2, a zero code for |x| < step/2
// (1/254 of the data), and half their 8 two's-complement bits set (3.5 of 7 magnitude bits for
// x ≥ 0, one more for the sign's complement when x < 0: 4 of 8 on average).
TEST(Quantize, InputActivityOfRealCalibrationData) {
  const Graph g = relu_net();
  const program::Program p = compile_with(g, test::preset("hermes"), {images(64, -2.0f, 2.0f)});
  const auto& a = p.layer(*p.find_layer("conv1")).quant.activity;
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->samples, 64 * 3 * 8 * 8);
  EXPECT_NEAR(a->mean_magnitude, 0.5, 0.02);
  EXPECT_NEAR(a->zero_fraction, 1.0 / 254, 0.004);
  EXPECT_NEAR(a->ones_fraction, 0.5, 0.02);
  // Post-ReLU inputs of fc: none negative, so fewer bits and more zeros than conv1's.
  const auto& fc = p.layer(*p.find_layer("fc")).quant.activity;
  ASSERT_TRUE(fc.has_value());
  EXPECT_LT(fc->ones_fraction, a->ones_fraction);
  // Synthetic calibration measures nothing.
  compiler::CompileOptions o;
  o.pipeline = compiler::default_pipeline("pipelined", "none");
  EXPECT_FALSE(compiler::compile(g, test::preset("hermes"), o).layer(0).quant.activity.has_value());
  // The Program keeps it.
  const program::Program back = program::program_from_json(program::to_json(p), "test");
  ASSERT_TRUE(back.layer(*back.find_layer("conv1")).quant.activity.has_value());
  EXPECT_DOUBLE_EQ(back.layer(*back.find_layer("conv1")).quant.activity->mean_magnitude, a->mean_magnitude);
}

// A bit-serial chip that skips all-zero bit-planes: the share of (input vector, block of the array's
// rows, plane) with no bit set, against its closed form. Half the calibration images are 0, the others
// 1 everywhere (the largest value: code 255, every plane set) — conv1's 27 rows are one block, so 1/2.
// A 3,000-input Gemm on 1,152-row arrays has three blocks; with only input 1,200 non-zero, two of
// them are empty in every plane: 2/3.
TEST(Quantize, EmptyBitPlanesOnAChipThatSkipsThem) {
  auto chip = test::preset("verma-cimu");
  ASSERT_EQ(chip.cores.rows, 1152);
  chip.cores.input.skip_zero_planes = true;
  Tensor x = images(8, 1.0f, 1.0f);
  for (int64_t i = 0; i < x.numel() / 2; ++i) x.data<float>()[i] = 0.0f;
  const program::Program p = compile_with(relu_net(), chip, {x});
  EXPECT_DOUBLE_EQ(p.layer(*p.find_layer("conv1")).quant.activity->empty_plane_fraction, 0.5);
  test::GraphBuilder b("wide");
  const ValueId in = b.input("x", {1, 3000});
  const Graph wide = b.finish({b.gemm("fc", in, 3000, 8)});
  Tensor v(DType::f32, {4, 3000});
  for (int64_t i = 0; i < v.numel(); ++i) v.data<float>()[i] = i % 3000 == 1200 ? 1.0f : 0.0f;
  const program::Program q = compile_with(wide, chip, {v});
  EXPECT_NEAR(q.layer(0).quant.activity->empty_plane_fraction, 2.0 / 3.0, 1e-12);
  // A chip that does not skip them measures nothing of it.
  EXPECT_EQ(compile_with(wide, test::preset("verma-cimu"), {v}).layer(0).quant.activity->empty_plane_fraction, 0.0);
}

// A chip whose conversions cost by their output (adc.output_energy_share): the mean |partial sum| /
// full scale over sampled vectors, tiles and columns, against closed forms on HERMES (full scale 12
// largest single-row products). A Gemm of 4 inputs, every weight 1: inputs all 1 (the largest code)
// sum to 4 = 1/3 of full scale, zero inputs to 0; half the samples each: 1/6. 24 inputs of 1 sum past
// full scale: clipped at 1. A 3x3 conv of ones (pad 1) over a 4x4 map of ones: the 8 sampled
// positions of 16 (every second in raster order) sum 4 + 6 + 6 + 9 + 6 + 9 + 4 + 6 = 50: 50 / 8 / 12.
TEST(Quantize, OutputMagnitudeOnAChipWhoseConversionsCostByIt) {
  auto chip = test::preset("hermes");
  chip.cores.adc.output_energy_share = 1.0;
  ASSERT_EQ(*chip.cores.adc.full_scale, 12.0);
  const auto ones_gemm = [](int64_t in) {
    test::GraphBuilder b("ones");
    const ValueId x = b.input("x", {1, in});
    Tensor w(DType::f32, {2, in});
    for (float& v : w.span<float>()) v = 1.0f;
    const ValueId wv = b.constant("fc.weight", w);
    return b.finish({b.node("fc", OpKind::Gemm, {x, wv}, GemmAttrs{1.0f, 1.0f, false, true})});
  };
  Tensor x(DType::f32, {4, 4});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = i < 8 ? 1.0f : 0.0f;
  EXPECT_NEAR(compile_with(ones_gemm(4), chip, {x}).layer(0).quant.activity->mean_output_fraction, 1.0 / 6.0, 1e-6);
  Tensor wide(DType::f32, {2, 24});
  for (float& v : wide.span<float>()) v = 1.0f;
  EXPECT_DOUBLE_EQ(compile_with(ones_gemm(24), chip, {wide}).layer(0).quant.activity->mean_output_fraction, 1.0);
  test::GraphBuilder b("ones_conv");
  const ValueId in = b.input("x", {1, 1, 4, 4});
  Tensor w(DType::f32, {1, 1, 3, 3});
  for (float& v : w.span<float>()) v = 1.0f;
  ConvAttrs a;
  a.window = WindowAttrs{{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}};
  const Graph conv = b.finish({b.node("conv", OpKind::Conv, {in, b.constant("conv.weight", w)}, a)});
  Tensor img(DType::f32, {2, 1, 4, 4});
  for (float& v : img.span<float>()) v = 1.0f;
  EXPECT_NEAR(compile_with(conv, chip, {img}).layer(0).quant.activity->mean_output_fraction, 50.0 / 8.0 / 12.0, 1e-6);
  // A chip whose conversions cost the same measures nothing of it.
  EXPECT_EQ(compile_with(ones_gemm(4), test::preset("hermes"), {x}).layer(0).quant.activity->mean_output_fraction, 1.0);
}

// Calibration runs its samples through the reference in parts, each reduced at once (ranges, minima
// and maxima, activity counts): any part size gives the same Program, steps and activity included.
TEST(Quantize, CalibrationInPartsGivesTheSameProgram) {
  const Graph g = relu_net();
  auto compile_parts = [&](int64_t part) {
    compiler::CompileOptions o;
    o.pipeline = compiler::default_pipeline("pipelined", "none");
    const std::string from = "quantize";
    o.pipeline.replace(o.pipeline.find(from), from.size(), "quantize{part=" + std::to_string(part) + "}");
    o.calibration.inputs = {images(23, -2.0f, 2.0f)};
    o.calibration.source = "test images";
    auto j = program::to_json(compiler::compile(g, test::preset("hermes"), o));
    j.erase("pipeline");  // names the option: the one difference allowed
    return j.dump();
  };
  const std::string whole = compile_parts(0);  // 23 small samples: one part
  EXPECT_NE(whole.find("\"zero_fraction\""), std::string::npos);
  for (int64_t part : {1, 5, 23, 100}) EXPECT_TRUE(compile_parts(part) == whole) << "part " << part;
}

TEST(Quantize, WeightScalesPerColumnWhereTheCoreHasAnAffineStep) {
  const Graph g = relu_net();
  chip::ChipSpec hermes = test::preset("hermes");
  EXPECT_EQ(compile_with(g, hermes, {images(4, 0, 1)}).layer(0).quant.weight_scale.size(), 16u);
  for (auto& u : hermes.cores.digital) std::erase(u.ops, chip::DigitalOp::Affine);
  EXPECT_EQ(compile_with(g, hermes, {images(4, 0, 1)}).layer(0).quant.weight_scale.size(), 1u);
}

// A model whose first weighted layer reads the raw input, calibrated on synthetic [0, 1) pixels, gets
// one warning; given calibration samples, none.
TEST(Quantize, SyntheticCalibrationOfARawInputWarns) {
  const program::Program p = test::compile(relu_net(), test::preset("hermes"));
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("synthetic inputs uniform in [0, 1)"), std::string::npos);
  EXPECT_NE(p.calibration.find("synthetic"), std::string::npos);
}

// fp32 weights on cluster-512's 4-bit cells are rounded: recorded per layer with a warning.
TEST(Quantize, Fp32WeightsOnALowPrecisionChipAreRecorded) {
  const program::Program p = compile_with(relu_net(), test::preset("cluster-512"), {images(4, 0, 1)});
  for (const program::Layer& l : p.layers) {
    EXPECT_GT(l.quant.weight_error_rms, 0.0f) << l.name;
    EXPECT_LT(l.quant.weight_error_rms, 0.1f) << l.name;
  }
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("4 bits"), std::string::npos);
  // On HERMES (analog weights) nothing is rounded.
  for (const program::Layer& l : compile_with(relu_net(), test::preset("hermes"), {images(4, 0, 1)}).layers) {
    EXPECT_EQ(l.quant.weight_error_rms, 0.0f);
  }
}

}  // namespace
}  // namespace aimc
