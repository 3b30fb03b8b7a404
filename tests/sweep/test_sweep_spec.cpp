// The sweep file: strict validation with file:line messages, and the points it enumerates (grid,
// zipped axes, seeded random samples) with identities that depend on the parameters only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "sweep/sweep_spec.h"
#include "test_presets.h"

namespace aimc::sweep {
namespace {

using test::presets;

SweepSpec parse(const std::string& yaml) { return parse_sweep(yaml, "s.yaml", presets()); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const std::string kHead = "chips: [hermes]\nmodels: [{model: m.onnx, data: \"mnist:d\", limit: 4}]\n";

TEST(SweepSpec, TheIssuesMinimalFileIsValid) {
  const SweepSpec s = parse(kHead + "axes:\n  cores.adc.bits: [4, 6, 8]\n  seed: [1, 2]\nrun: [eval, perf]\n");
  ASSERT_EQ(s.axes.size(), 2U);
  EXPECT_EQ(s.axes[0].target, AxisTarget::Chip);
  EXPECT_EQ(s.axes[1].target, AxisTarget::Seed);
  EXPECT_TRUE(s.run_eval);
  EXPECT_TRUE(s.run_perf);
  EXPECT_EQ(grid_size(s), 6);
  const std::vector<SweepPoint> pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 6U);
  // The last axis varies fastest.
  EXPECT_EQ(pts[0].values, (std::vector<int>{0, 0}));
  EXPECT_EQ(pts[1].values, (std::vector<int>{0, 1}));
  EXPECT_EQ(pts[2].values, (std::vector<int>{1, 0}));
  std::set<std::string> keys;
  for (const SweepPoint& p : pts) keys.insert(p.key);
  EXPECT_EQ(keys.size(), 6U);
}

TEST(SweepSpec, KeysDependOnTheParametersNotThePosition) {
  const SweepSpec a = parse(kHead + "axes:\n  cores.adc.bits: [4, 6]\n");
  const SweepSpec b = parse(kHead + "axes:\n  cores.adc.bits: [8, 6]\n");
  EXPECT_EQ(enumerate_points(a)[1].key, enumerate_points(b)[1].key);
  EXPECT_NE(a.hash, b.hash);
  EXPECT_EQ(a.fixed_hash, b.fixed_hash);  // only values changed: the database may be extended
  const SweepSpec c = parse(kHead + "axes:\n  cores.adc.bits: [4, 6]\neval: {repeats: 3}\n");
  EXPECT_NE(a.fixed_hash, c.fixed_hash);
}

TEST(SweepSpec, ZippedAxesAdvanceTogether) {
  const SweepSpec s = parse(kHead +
                            "axes:\n  cores.count: [16, 64]\n  cores.arrangement: [[4, 4], [8, 8]]\n  seed: [0, 1, 2]\n"
                            "zip: [[cores.count, cores.arrangement]]\n");
  EXPECT_EQ(grid_size(s), 6);
  for (const SweepPoint& p : enumerate_points(s)) EXPECT_EQ(p.values[0], p.values[1]);
}

TEST(SweepSpec, RandomSamplesAreDistinctSeededAndStable) {
  const std::string axes = "axes:\n  cores.adc.bits: [3, 4, 5, 6, 7, 8]\n  seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
  const SweepSpec s = parse(kHead + axes + "mode: random\nsamples: 20\nsample_seed: 7\n");
  const std::vector<SweepPoint> a = enumerate_points(s), b = enumerate_points(s);
  ASSERT_EQ(a.size(), 20U);
  std::set<std::string> keys;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key);
    keys.insert(a[i].key);
  }
  EXPECT_EQ(keys.size(), 20U);
  const SweepSpec other = parse(kHead + axes + "mode: random\nsamples: 20\nsample_seed: 8\n");
  EXPECT_NE(enumerate_points(other)[0].key + enumerate_points(other)[1].key, a[0].key + a[1].key);
  // More samples than the grid has: the whole grid.
  EXPECT_EQ(enumerate_points(parse(kHead + axes + "mode: random\nsamples: 1000\n")).size(), 60U);
}

TEST(SweepSpec, OptionAxesAndFixedOptions) {
  const SweepSpec s = parse(kHead +
                            "axes:\n  compile.replicate: [auto, none]\n  eval.read_mode: [four-phase]\n  perf.images: [4, 8]\n"
                            "eval: {drift_times: '1s,1d', repeats: 2}\nperf: {batch: 4}\nrun: [perf]\n");
  EXPECT_EQ(s.axes[0].target, AxisTarget::Compile);
  EXPECT_EQ(s.axes[0].option, "replicate");
  EXPECT_EQ(s.axes[2].target, AxisTarget::Perf);
  EXPECT_EQ(s.fixed.repeats, 2);
  EXPECT_EQ(s.fixed.perf_batch, 4);
  EXPECT_EQ(s.fixed.chunks, 0);  // perf's default slicing: auto
  EXPECT_FALSE(s.run_eval);
  EXPECT_EQ(parse(kHead + "perf: {chunks: auto}\n").fixed.chunks, 0);
  EXPECT_EQ(parse(kHead + "perf: {chunks: 4}\n").fixed.chunks, 4);
  EXPECT_EQ(parse(kHead + "axes:\n  perf.chunks: [1, auto]\n").axes[0].target, AxisTarget::Perf);
  EXPECT_FALSE(s.fixed.stage_buffers);  // perf's default room
  EXPECT_EQ(parse(kHead + "perf: {stage_buffers: unbounded}\n").fixed.stage_buffers, 0);
  EXPECT_EQ(parse(kHead + "perf: {stage_buffers: 1}\n").fixed.stage_buffers, 1);
  EXPECT_EQ(parse(kHead + "axes:\n  perf.stage_buffers: [1, 2, unbounded]\n").axes[0].target, AxisTarget::Perf);
}

// Values 0..n-1 (from 1 with `first`) as a flow list.
std::string numbers(int n, int first = 0) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += (i > 0 ? ", " : "") + std::to_string(first + i);
  return out + "]";
}

TEST(SweepSpec, AGridBeyondTheRunnablePointsIsRefusedAndCanBeSampled) {
  // 1025 × 1024 points: enumerating a grid of 4e9 ran out of memory (std::bad_alloc, until 2026-12-08).
  const std::string axes = "axes:\n  seed: " + numbers(1025) + "\n  perf.images: " + numbers(1024, 1) + "\n";
  EXPECT_THAT(error_of(kHead + axes),
              ::testing::HasSubstr("s.yaml:4: axes: the grid has 1049600 points, more than a sweep runs (1048576); draw a "
                                   "sample of it (mode: random, samples: N)"));
  EXPECT_EQ(enumerate_points(parse(kHead + axes + "mode: random\nsamples: 5\n")).size(), 5U);
  EXPECT_THAT(error_of(kHead + axes + "mode: random\nsamples: 1048577\n"),
              ::testing::HasSubstr("samples: expected an integer in [1, 1048576]"));
  // At the limit: a grid of 1024 × 1024 points is a sweep.
  EXPECT_EQ(grid_size(parse(kHead + "axes:\n  seed: " + numbers(1024) + "\n  perf.images: " + numbers(1024, 1) + "\n")),
            int64_t{1} << 20);
}

TEST(SweepSpec, MistakesNameTheFileTheLineAndTheKey) {
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of(kHead + "axis:\n  seed: [1]\n"), HasSubstr("s.yaml:3: axis: unknown key 'axis' (did you mean 'axes'?)"));
  EXPECT_THAT(error_of(kHead + "axes:\n  cores.adc.bitz: [4]\n"),
              HasSubstr("s.yaml:4: axes.cores.adc.bitz[0]: chip 'hermes': cores.adc.bitz: unknown key (did you mean 'bits'?)"));
  EXPECT_THAT(error_of(kHead + "axes:\n  cores.adc.bits: []\n"),
              HasSubstr("s.yaml:4: axes.cores.adc.bits: expected a non-empty list"));
  EXPECT_THAT(error_of(kHead + "axes:\n  cores.adc.bits: [4, 99]\n"), HasSubstr("axes.cores.adc.bits[1]: chip 'hermes'"));
  EXPECT_THAT(error_of(kHead + "axes:\n  cores.adc.bits: [4, 4]\n"), HasSubstr("value '4' appears twice"));
  EXPECT_THAT(error_of(kHead + "axes:\n  eval.repeat: [1]\n"),
              HasSubstr("'repeat' is not an option an axis can vary (did you mean 'repeats'?)"));
  EXPECT_THAT(error_of(kHead + "axes:\n  perf.images: [0]\n"),
              HasSubstr("axes.perf.images[0]: expected an integer in [1, 4194304], got '0'"));
  EXPECT_THAT(error_of(kHead + "axes:\n  eval.drift_times: ['1 fortnight']\n"), HasSubstr("axes.eval.drift_times[0]"));
  EXPECT_THAT(error_of(kHead + "perf: {chunks: many}\n"),
              HasSubstr("perf.chunks: expected auto or an integer in [1, 4096], got 'many'"));
  EXPECT_THAT(error_of(kHead + "axes:\n  perf.chunks: [0]\n"),
              HasSubstr("axes.perf.chunks[0]: expected auto or an integer in [1, 4096]"));
  EXPECT_THAT(error_of(kHead + "perf: {stage_buffers: 0}\n"),
              HasSubstr("perf.stage_buffers: expected unbounded or an integer in [1, 16777216], got '0'"));
  EXPECT_THAT(error_of(kHead + "run: [eval, bench]\n"), HasSubstr("run[1]: expected compile, eval or perf, got 'bench'"));
  EXPECT_THAT(error_of("chips: [hermes]\nmodels: [m.onnx]\nrun: [eval]\n"),
              HasSubstr("models[0]: run: eval needs the model's data"));
  EXPECT_THAT(error_of(kHead + "mode: random\n"), HasSubstr("mode random needs samples"));
  EXPECT_THAT(error_of(kHead + "samples: 3\n"), HasSubstr("samples: only with mode: random"));
  EXPECT_THAT(error_of(kHead + "axes:\n  seed: [1, 2]\n  cores.adc.bits: [4]\nzip: [[seed, cores.adc.bits]]\n"),
              HasSubstr("zipped axes need lists of one length"));
  EXPECT_THAT(error_of(kHead + "axes:\n  seed: [1]\nzip: [[seed, sed]]\n"), HasSubstr("'sed' is not an axis of this sweep"));
  EXPECT_THAT(error_of("chips: [nochip]\nmodels: [m.onnx]\n"), HasSubstr("nochip"));
  EXPECT_THAT(error_of("models: [m.onnx]\n"), HasSubstr("chips: required"));
  EXPECT_THAT(error_of("chips: [hermes]\nmodels: [m.onnx]\naxes: {seed: [1]\n"), HasSubstr("s.yaml:4: not valid YAML"));
  // A map as a key was an internal error (yaml-cpp's "bad conversion": fuzzing); a key twice ran both axes.
  EXPECT_EQ(error_of("chips: [hermes]\nmodels: [{model: m.onnx, limit }: 8]\n"),
            "s.yaml:2: models[0]: a key that is not a plain name; expected keys model, data, limit");
  EXPECT_EQ(error_of(kHead + "axes:\n  seed: [1]\n  seed: [2]\n"), "s.yaml:5: axes.seed: duplicate key");
  EXPECT_EQ(error_of(kHead + "chips: [hermes]\n"), "s.yaml:3: chips: duplicate key");
  EXPECT_EQ(error_of(kHead + "axes:\n  [seed]: [1]\n"), "s.yaml:4: axes: a key that is not a plain name; expected axis names");
  // Latin-1 text: its strings reached the points' JSON keys, an internal error (fuzzing, until 2026-12-08)
  EXPECT_EQ(error_of("chips: [hermes]\nmodels: [caf\xE9.onnx]\n"),
            "s.yaml:2: byte 0xE9 at column 13 starts no UTF-8 character; save the file as UTF-8 text");
}

}  // namespace
}  // namespace aimc::sweep
