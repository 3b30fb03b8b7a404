// Same seed → bit-identical outputs at 1 and 2 threads and for any batch split; other seeds differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "sim/functional/fixed_gemm.h"
#include "sim/functional/tile.h"
#include "tile_test_util.h"

namespace aimc::functional {
namespace {

Tensor run(const chip::CoreSpec& core, const std::string& mode, uint64_t seed, int threads, int64_t split,
           GemmPrecision precision = GemmPrecision::fp32) {
  ThreadScope scope(threads);
  Tile tile(core, TileContext{.seed = seed, .tile_id = 3, .read_mode = mode}, TileOptions{.gemm_precision = precision});
  tile.program(test::random_tensor(256, 256, 21, 0.1f));
  const Tensor x = test::random_tensor(100, 256, 22);
  tile.calibrate(x);
  tile.set_time(3600);
  if (split == 0) return tile.mvm(x);
  Tensor a = tile.mvm(x.slice_outer(0, split).clone(), 0);
  Tensor b = tile.mvm(x.slice_outer(split, 100).clone(), static_cast<uint64_t>(split));
  Tensor y(DType::f32, {100, 256});
  std::memcpy(y.data<float>(), a.data<float>(), a.nbytes());
  std::memcpy(y.data<float>() + a.numel(), b.data<float>(), b.nbytes());
  return y;
}

bool same(const Tensor& a, const Tensor& b) { return std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0; }

// Every GEMM precision this CPU runs (tile_types.h): fp32, and bf16 and int8 where oneDNN has them.
std::vector<GemmPrecision> precisions() {
  std::vector<GemmPrecision> p{GemmPrecision::fp32};
  for (GemmPrecision q : {GemmPrecision::bf16, GemmPrecision::int8}) {
    if (FixedGemm::available(q)) p.push_back(q);
  }
  return p;
}

TEST(TileDeterminism, ThreadsAndBatchSplitsGiveIdenticalBits) {
  const chip::CoreSpec core = test::preset_core("hermes");
  for (const GemmPrecision p : precisions()) {
    for (const std::string mode : {"one-phase", "four-phase"}) {
      const Tensor ref = run(core, mode, 7, 1, 0, p);
      EXPECT_TRUE(same(ref, run(core, mode, 7, 2, 0, p))) << mode << " " << to_string(p);
      EXPECT_TRUE(same(ref, run(core, mode, 7, 2, 37, p))) << mode << " " << to_string(p);
      EXPECT_TRUE(same(ref, run(core, mode, 7, 1, 64, p))) << mode << " " << to_string(p);
      EXPECT_FALSE(same(ref, run(core, mode, 8, 1, 0, p))) << mode << " " << to_string(p);
    }
  }
}

// A layer encoded once (ChipExecutor): the tile reads the codes where they lie instead of encoding
// its rows, bit for bit the same, one- and four-phase, for signed and non-negative inputs, full and
// partial GEMM chunks (100 vectors from index 37: chunks of 27, 64 and 9; the full one read in place),
// at every GEMM precision (bf16 and int8 convert the codes from where they lie).
TEST(TileDeterminism, CodesReadInPlaceEqualTheTilesOwnEncoding) {
  const chip::CoreSpec core = test::preset_core("hermes");
  for (const GemmPrecision p : precisions()) {
    for (const std::string mode : {"one-phase", "four-phase"}) {
      for (const bool nonnegative : {false, true}) {
        Tile tile(core, TileContext{.seed = 5, .tile_id = 9, .read_mode = mode}, TileOptions{.gemm_precision = p});
        tile.program(test::random_tensor(200, 48, 31, 0.1f));
        Tensor x = test::random_tensor(100, 200, 32);
        if (nonnegative) {
          for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::fabs(x.data<float>()[i]);
        }
        tile.calibrate(x);
        tile.set_time(60);
        ASSERT_TRUE(tile.reads_codes());
        std::vector<float> codes(static_cast<size_t>(x.numel()));
        const bool negative = tile.encoder().encode({x.data<float>(), codes.size()}, tile.scaling().input_step, codes);
        EXPECT_EQ(negative, !nonnegative);
        std::vector<float> want(100 * 48), got(100 * 48);
        tile.mvm(x.data<float>(), 100, 37, want.data());
        tile.mvm_codes(codes.data(), 100, 37, negative ? InputForm::codes : InputForm::nonnegative_codes, got.data());
        EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float))) << mode << " " << to_string(p);
        if (!negative) {  // codes that may hold negative ones take the copy-and-split path: the same
          tile.mvm_codes(codes.data(), 100, 37, InputForm::codes, got.data());
          EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float))) << mode << " " << to_string(p);
        }
        // An int8 tile takes the codes as bytes (one-phase: of either sign; four-phase: non-negative).
        const InputForm form = negative ? InputForm::codes : InputForm::nonnegative_codes;
        EXPECT_EQ(tile.reads_code_bytes(form), p == GemmPrecision::int8 && (mode == "one-phase" || !negative));
        if (tile.reads_code_bytes(form)) {
          std::vector<uint8_t> bytes(codes.size());
          codes_to_bytes(codes.data(), codes.size(), tile.encoder().code_min() < 0, bytes.data());
          std::fill(got.begin(), got.end(), -1.0f);
          tile.mvm_code_bytes(bytes.data(), 100, 37, form, got.data());
          EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float))) << mode << " bytes";
        }
      }
    }
  }
}

TEST(TileDeterminism, DifferentSeedsDrawDifferentProgramming) {
  const chip::CoreSpec core = test::preset_core("hermes");
  Tile a(core, TileContext{.seed = 1}), b(core, TileContext{.seed = 2}), c(core, TileContext{.seed = 1});
  const Tensor w = test::random_tensor(64, 64, 5);
  a.program(w);
  b.program(w);
  c.program(w);
  const Tensor x = test::random_tensor(8, 64, 6);
  a.calibrate(x);
  b.calibrate(x);
  c.calibrate(x);
  EXPECT_TRUE(same(a.mvm(x), c.mvm(x)));
  EXPECT_FALSE(same(a.mvm(x), b.mvm(x)));
}

// A tile over some of a layer's rows reads them in place (row i at x + i·ld): the same bits as from
// a contiguous copy, for every crossbar technology (and the mismatch GEMM paths), one and four phases.
TEST(TileDeterminism, StridedInputsGiveTheSameBitsAsContiguousOnes) {
  chip::CoreSpec sram_mismatch = test::preset_core("zhang-bnn-sram");
  chip::CoreSpec charge_mismatch = test::preset_core("verma-cimu");
  std::any_cast<chip::SramBinarySpec&>(sram_mismatch.device.params).current_mismatch_rel_std = 0.05;
  std::any_cast<chip::ChargeDomainSpec&>(charge_mismatch.device.params).capacitor_mismatch_rel_std = 0.01;
  const struct {
    chip::CoreSpec core;
    std::string mode;
  } cases[] = {{test::preset_core("hermes"), "one-phase"}, {test::preset_core("hermes"), "four-phase"},
               {test::preset_core("zhang-bnn-sram"), ""},  {sram_mismatch, ""},
               {test::preset_core("verma-cimu"), ""},      {charge_mismatch, ""}};
  const int64_t rows = 100, cols = 24, batch = 70, offset = 13, ld = 150;
  for (const auto& c : cases) {
    Tile tile(c.core, TileContext{.seed = 4, .tile_id = 1, .read_mode = c.mode});
    tile.program(test::random_tensor(rows, cols, 31, 0.1f));
    const Tensor wide = test::random_tensor(batch, ld, 32);  // the tile reads columns [13, 113)
    Tensor x(DType::f32, {batch, rows});
    for (int64_t i = 0; i < batch; ++i) {
      std::memcpy(x.data<float>() + i * rows, wide.data<float>() + i * ld + offset, rows * sizeof(float));
    }
    tile.calibrate(x);
    const Tensor ref = tile.mvm(x, 5);
    Tensor y(DType::f32, {batch, cols});
    tile.mvm(wide.data<float>() + offset, ld, batch, 5, y.data<float>());
    EXPECT_TRUE(same(ref, y)) << c.core.device.technology << " " << c.mode;
  }
}

}  // namespace
}  // namespace aimc::functional
