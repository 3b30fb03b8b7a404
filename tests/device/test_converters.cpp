// Input encoders and ADCs: exact code boundaries, saturation, signed handling, variation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "device/registry.h"

namespace aimc::device {
namespace {

chip::AdcSpec adc_spec(chip::AdcKind kind, int64_t bits) { return chip::AdcSpec{.kind = kind, .bits = bits, .full_scale = 12}; }

TEST(Adc, SignedTransferCurveIsExact) {
  const auto adc = make_adc(adc_spec(chip::AdcKind::Cco, 8), AdcPolarity::Signed);
  EXPECT_EQ(adc->code_min(), -127);
  EXPECT_EQ(adc->code_max(), 127);
  std::vector<float> v = {0.0f, 0.49f, 0.5f, 0.51f, 1.5f, 2.5f, -0.5f, -0.51f, 126.49f, 126.5f, 127.0f, 300.0f, -1e9f};
  const std::vector<float> want = {0, 0, 0, 1, 2, 2, 0, -1, 126, 126, 127, 127, -127};  // ties to even
  const AdcColumns none{std::vector<float>(1, 1.0f), std::vector<float>(1, 0.0f)};
  adc->convert(v, 1, none);
  EXPECT_EQ(v, want);
}

TEST(Adc, UnsignedSaturatesAtZeroAndFullScale) {
  const auto adc = make_adc(adc_spec(chip::AdcKind::Sar, 8), AdcPolarity::Unsigned);
  std::vector<float> v = {-3.0f, 0.0f, 254.5f, 254.51f, 255.0f, 256.0f};
  const AdcColumns none{std::vector<float>(1, 1.0f), std::vector<float>(1, 0.0f)};
  adc->convert(v, 1, none);
  EXPECT_EQ(v, (std::vector<float>{0, 0, 254, 255, 255, 255}));
}

TEST(Adc, ColumnGainAndOffsetApplyBeforeRounding) {
  const auto adc = make_adc(adc_spec(chip::AdcKind::Ideal, 4), AdcPolarity::Signed);
  std::vector<float> v = {2.0f, 2.0f, 2.0f, 2.0f};
  const AdcColumns var{{1.0f, 1.5f}, {0.0f, 0.6f}};
  adc->convert(v, 2, var);
  EXPECT_EQ(v, (std::vector<float>{2, 4, 2, 4}));  // 2·1.5 + 0.6 = 3.6 → 4
}

TEST(Adc, VariationIsDrawnPerColumnWithTheSpecSigma) {
  chip::AdcSpec spec = adc_spec(chip::AdcKind::Cco, 8);
  spec.gain_rel_std = 0.05;
  spec.offset_lsb_std = 0.5;
  const AdcColumns c = draw_adc_columns(spec, 20000, 1, 2);
  double g2 = 0, o2 = 0;
  for (size_t i = 0; i < c.gain.size(); ++i) {
    g2 += (c.gain[i] - 1) * (c.gain[i] - 1);
    o2 += c.offset[i] * c.offset[i];
  }
  EXPECT_NEAR(std::sqrt(g2 / 20000), 0.05, 0.002);
  EXPECT_NEAR(std::sqrt(o2 / 20000), 0.5, 0.02);
}

TEST(Adc, IntegralNonlinearityIsACubicBowOfThePeakSize) {
  chip::AdcSpec spec = adc_spec(chip::AdcKind::Cco, 8);
  spec.inl_lsb = 2.0;
  const auto adc = make_adc(spec, AdcPolarity::Signed);
  EXPECT_FALSE(adc->linear());
  const AdcColumns ideal{.gain = {1.0f}, .offset = {0.0f}};
  auto code = [&](float v) {
    std::vector<float> x = {v};
    adc->convert(x, 1, ideal);
    return x[0];
  };
  // Zero error at mid-scale and at both ends of the range.
  EXPECT_EQ(code(0.0f), 0.0f);
  EXPECT_EQ(code(127.0f), 127.0f);
  EXPECT_EQ(code(-127.0f), -127.0f);
  // The bow peaks at u = 1/sqrt(3), i.e. v = 127/sqrt(3) = 73.3, with |error| = inl = 2 LSB:
  // 73 -> 73 - 2.0 = 71; symmetric for negative inputs; small in between (36 -> 34.6 -> 35).
  EXPECT_EQ(code(73.0f), 71.0f);
  EXPECT_EQ(code(-73.0f), -71.0f);
  EXPECT_EQ(code(36.0f), 35.0f);
  // Nowhere does the error exceed the peak by more than the rounding.
  for (int i = -1270; i <= 1270; ++i) {
    const float v = 0.1f * static_cast<float>(i);
    EXPECT_LE(std::fabs(code(v) - v), 2.0f + 0.5f + 1e-4f) << v;
  }
  spec.inl_lsb = 0.0;
  EXPECT_TRUE(make_adc(spec, AdcPolarity::Signed)->linear());
}

TEST(Adc, ComparatorDecidesTheSign) {
  const auto adc = make_adc(chip::AdcSpec{.kind = chip::AdcKind::Comparator, .bits = 1}, AdcPolarity::Signed);
  std::vector<float> v = {-0.1f, 0.0f, 3.0f};
  adc->convert(v, 3, AdcColumns{{1, 1, 1}, {0, 0, 0}});
  EXPECT_EQ(v, (std::vector<float>{-1, 1, 1}));
}

TEST(InputEncoder, BipolarPwmIsSymmetric) {
  const chip::InputEncoderSpec in{.kind = chip::InputKind::Pwm, .bits = 8, .sign = chip::InputSign::Bipolar, .t_lsb_ns = 1};
  const auto enc = make_input_encoder(in, 8);
  EXPECT_EQ(enc->code_min(), -127);
  EXPECT_EQ(enc->code_max(), 127);
  std::vector<float> x = {0.1f, 0.149f, 0.15f, -0.26f, 100.0f, -100.0f}, q(6);
  enc->encode(x, 0.1f, q);
  EXPECT_EQ(q, (std::vector<float>{1, 1, 2, -3, 127, -127}));
}

// encode tells whether a code has its sign bit set, which four-phase reads use to skip their
// negative-input GEMM. Codes are never −0: a small negative input (or −0) rounds to +0.
TEST(InputEncoder, ReportsCodesWithTheSignBitSet) {
  const chip::InputEncoderSpec in{.kind = chip::InputKind::Pwm, .bits = 8, .sign = chip::InputSign::Bipolar, .t_lsb_ns = 1};
  const auto enc = make_input_encoder(in, 8);
  std::vector<float> q(4);
  EXPECT_FALSE(enc->encode(std::vector<float>{0.0f, 0.3f, 100.0f, 0.04f}, 0.1f, q));
  EXPECT_TRUE(enc->encode(std::vector<float>{0.0f, 0.3f, -0.2f, 0.04f}, 0.1f, q));
  EXPECT_EQ(q[2], -2.0f);
  EXPECT_FALSE(enc->encode(std::vector<float>{-0.0f, 0.3f, -0.01f, 0.04f}, 0.1f, q));
  EXPECT_FALSE(std::signbit(q[0]) || std::signbit(q[2]));
  EXPECT_TRUE(enc->encode(std::vector<float>{0.0f, 0.3f, 1.0f, -1e9f}, 0.1f, q));  // clamped at −127
}

// encode_bytes: the codes of encode as bytes (two's complement when signed, 0..255 unsigned) and the
// same sign report, over random inputs beyond the range and small negatives that round to +0.
TEST(InputEncoder, EncodesBytesAsItEncodesCodes) {
  for (const auto sign : {chip::InputSign::Bipolar, chip::InputSign::Unsigned}) {
    const chip::InputEncoderSpec in{.kind = chip::InputKind::Pwm, .bits = 8, .sign = sign, .t_lsb_ns = 1};
    const auto enc = make_input_encoder(in, 8);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-40.0f, 40.0f);
    for (const bool with_negative : {false, true}) {
      std::vector<float> x(1000);
      for (float& v : x) v = with_negative ? u(rng) : std::abs(u(rng));
      x[7] = -0.001f;
      std::vector<float> q(x.size());
      std::vector<uint8_t> b(x.size());
      EXPECT_EQ(enc->encode_bytes(x, 0.1f, b), enc->encode(x, 0.1f, q));
      for (size_t i = 0; i < x.size(); ++i) {
        const auto want = static_cast<uint8_t>(static_cast<int32_t>(q[i]));
        ASSERT_EQ(b[i], want) << "x " << x[i] << ", code " << q[i];
      }
    }
  }
}

TEST(InputEncoder, BitSerialTwosComplementPlanes) {
  const chip::InputEncoderSpec in{.kind = chip::InputKind::BitSerial, .bits = 8, .sign = chip::InputSign::TwosComplement};
  const auto enc = make_input_encoder(in, 4);
  EXPECT_EQ(enc->code_min(), -8);
  EXPECT_EQ(enc->code_max(), 7);
  EXPECT_EQ(enc->plane_weight(0), 1);
  EXPECT_EQ(enc->plane_weight(3), -8);
  EXPECT_THROW(make_input_encoder(in, 9), Error);
}

TEST(Registry, UnknownNamesListTheValidOnes) {
  chip::CoreSpec core;
  core.device.technology = "memristor";
  try {
    make_device_model(core);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cores.device.technology: unknown technology 'memristor'; expected one of: pcm, rram, sram-binary, "
              "charge-domain, ideal");
  }
  core.device.technology = "sram-binary";  // binary cells: the crossbar computes, no device model
  try {
    make_device_model(core);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cores.device.technology: sram-binary cells have no analog device model (binary cells compute in the "
              "crossbar)");
  }
}

}  // namespace
}  // namespace aimc::device
