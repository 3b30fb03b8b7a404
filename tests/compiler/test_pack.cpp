// Pass `pack`: the 2-D rectangle packer (never overlaps, never leaves the array, packs known sets
// tightly, deterministic), the packing modes and their order under scope=auto, a ResNet-56-shaped
// network on HERMES (73 crossbars block-diagonally, refused; fits with 2-D packing), the Program's
// overlap check on tiles sharing rows or columns, and the mapping report of shared crossbars.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "compiler/passes/rect_pack.h"
#include "compiler_test_util.h"
#include "core/error.h"
#include "program/evaluations.h"
#include "program/weights.h"

namespace aimc {
namespace {

using compiler::RectSize;
using compiler::RectSpot;
using program::Program;

// Spots inside R × C, pairwise apart in rows or in columns within a bin; bins 0..n-1, none empty.
void expect_valid_packing(const std::vector<RectSize>& sizes, const std::vector<RectSpot>& spots, int64_t R, int64_t C) {
  ASSERT_EQ(spots.size(), sizes.size());
  int32_t bins = 0;
  for (const RectSpot& s : spots) bins = std::max(bins, s.bin + 1);
  std::vector<int64_t> area(static_cast<size_t>(bins), 0);
  for (size_t i = 0; i < spots.size(); ++i) {
    const RectSpot& a = spots[i];
    ASSERT_GE(a.bin, 0);
    ASSERT_GE(a.row, 0);
    ASSERT_GE(a.col, 0);
    ASSERT_LE(a.row + sizes[i].rows, R) << "rectangle " << i;
    ASSERT_LE(a.col + sizes[i].cols, C) << "rectangle " << i;
    area[static_cast<size_t>(a.bin)] += sizes[i].rows * sizes[i].cols;
    for (size_t j = 0; j < i; ++j) {
      const RectSpot& b = spots[j];
      if (a.bin != b.bin) continue;
      const bool rows_apart = a.row >= b.row + sizes[j].rows || b.row >= a.row + sizes[i].rows;
      const bool cols_apart = a.col >= b.col + sizes[j].cols || b.col >= a.col + sizes[i].cols;
      ASSERT_TRUE(rows_apart || cols_apart) << "rectangles " << j << " and " << i << " overlap in bin " << a.bin;
    }
  }
  for (int64_t a : area) EXPECT_GT(a, 0);  // no empty bin
}

int32_t bins_of(const std::vector<RectSpot>& spots) {
  int32_t n = 0;
  for (const RectSpot& s : spots) n = std::max(n, s.bin + 1);
  return n;
}

// A small portable generator (the standard distributions differ between libraries).
struct Lcg {
  uint64_t s;
  int64_t below(int64_t n) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((s >> 33) % static_cast<uint64_t>(n));
  }
};

TEST(RectPack, RandomSetsNeverOverlapNorLeaveTheArray) {
  Lcg rng{20240607};
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t R = 16 + rng.below(300), C = 16 + rng.below(300);
    const int64_t n = 1 + rng.below(60);
    // Mixes of tall, wide, small and full-size rectangles.
    std::vector<RectSize> sizes;
    int64_t area = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t kind = rng.below(4);
      RectSize s{1 + rng.below(R), 1 + rng.below(C)};
      if (kind == 1) s.rows = R;
      if (kind == 2) s = {1 + rng.below(std::max<int64_t>(1, R / 4)), 1 + rng.below(std::max<int64_t>(1, C / 4))};
      sizes.push_back(s);
      area += s.rows * s.cols;
    }
    const std::vector<RectSpot> spots = compiler::pack_rects(sizes, R, C);
    expect_valid_packing(sizes, spots, R, C);
    const int32_t bins = bins_of(spots);
    EXPECT_GE(bins, (area + R * C - 1) / (R * C));
    EXPECT_LE(bins, n);
    // Deterministic.
    const std::vector<RectSpot> again = compiler::pack_rects(sizes, R, C);
    for (size_t i = 0; i < spots.size(); ++i) {
      EXPECT_EQ(spots[i].bin, again[i].bin);
      EXPECT_EQ(spots[i].row, again[i].row);
      EXPECT_EQ(spots[i].col, again[i].col);
    }
  }
}

TEST(RectPack, KnownSetsPackOptimally) {
  // Four 128 x 128 quarters fill one 256 x 256 array.
  std::vector<RectSize> quarters(4, RectSize{128, 128});
  auto spots = compiler::pack_rects(quarters, 256, 256);
  expect_valid_packing(quarters, spots, 256, 256);
  EXPECT_EQ(bins_of(spots), 1);
  // Full-height column strips side by side: 8 of 256 x 32, 4 of 256 x 64.
  std::vector<RectSize> strips(8, RectSize{256, 32});
  strips.insert(strips.end(), 4, RectSize{256, 64});
  spots = compiler::pack_rects(strips, 256, 256);
  expect_valid_packing(strips, spots, 256, 256);
  EXPECT_EQ(bins_of(spots), 2);
  // A 576 x 64 conv's row blocks (256, 256, 64 rows) with a 144 x 16 one: one array.
  std::vector<RectSize> conv = {{256, 64}, {256, 64}, {64, 64}, {144, 16}};
  spots = compiler::pack_rects(conv, 256, 256);
  expect_valid_packing(conv, spots, 256, 256);
  EXPECT_EQ(bins_of(spots), 1);
  // A full array stays alone; nothing fits beside it.
  std::vector<RectSize> full = {{256, 256}, {1, 1}};
  spots = compiler::pack_rects(full, 256, 256);
  EXPECT_EQ(bins_of(spots), 2);
}

// The shapes of the CIFAR ResNet-56 (3n+2 layers with n = 9, two 3x3 convs per basic block): conv1
// 3 → 16; 18 convs 16 → 16; 32 channels: one 16 → 32 (stride 2) and 17 of 32 → 32, a 1x1
// downsampling conv 16 → 32 beside it; 64 channels likewise; a 64 → 10 classifier. The other
// residual adds do not change the mapping and are left out.
Graph resnet56_shapes() {
  test::GraphBuilder b("resnet56");
  ValueId x = b.input("x", {1, 3, 32, 32});
  uint32_t seed = 1;
  int n = 0;
  auto conv = [&](ValueId in, int64_t cin, int64_t cout, int64_t k, int64_t stride) {
    const std::string name = "conv" + std::to_string(n++);
    return b.node(name + "_relu", OpKind::Relu, {b.conv(name, in, cin, cout, k, 1, true, seed++, stride)});
  };
  ValueId h = conv(x, 3, 16, 3, 1);
  for (int i = 0; i < 18; ++i) h = conv(h, 16, 16, 3, 1);
  h = b.node("down1", OpKind::Add, {conv(h, 16, 32, 3, 2), conv(h, 16, 32, 1, 2)});  // with the 1x1 shortcut
  for (int i = 0; i < 17; ++i) h = conv(h, 32, 32, 3, 1);
  h = b.node("down2", OpKind::Add, {conv(h, 32, 64, 3, 2), conv(h, 32, 64, 1, 2)});
  for (int i = 0; i < 17; ++i) h = conv(h, 64, 64, 3, 1);
  ValueId gap = b.node("gap", OpKind::GlobalAveragePool, {h});
  ValueId flat = b.node("flatten", OpKind::Reshape, {gap}, ReshapeAttrs{{1, 64}});
  return b.finish({b.gemm("fc", flat, 64, 10, true, seed)});
}

std::string pipeline(const std::string& pack) {
  return "fold-batchnorm,quantize{calibration=none},lower-to-crossbar,partition,pack" + pack +
         ",replicate,place,assign-digital,route,schedule";
}

int64_t weights_of(const Program& p) {
  int64_t w = 0;
  for (const auto& l : p.layers) w += l.groups * l.group_rows * l.group_cols;
  return w;
}

TEST(Pack, ResNet56ShapesFitHermesOnlyWith2DPacking) {
  const Graph g = resnet56_shapes();
  const auto hermes = test::preset("hermes");
  // Block-diagonal packing, even across layers, needs 73 crossbars of the 64.
  EXPECT_EQ(
      test::error_of([&] { test::compile(g, hermes, pipeline("{shape=diagonal}")); }),
      "resnet56 needs 73 crossbars of 256x256, hermes has 64 (and its cores.programming does not allow reloading weights); most "
      "crossbars: conv40 (3), conv41 (3), conv42 (3); it fits a chip derived with base: hermes and cores: {count: 81, "
      "arrangement: [9, 9]}");
  // The default (scope=auto): layer-scoped 2-D packing is the first that fits, one crossbar a layer.
  Program p = test::compile(g, hermes, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 1);
  EXPECT_EQ(p.statistics["pack"]["multi-layer-crossbars"], 0);
  EXPECT_EQ(p.statistics["pack"]["crossbars"], static_cast<int64_t>(p.layers.size()));
  EXPECT_LE(p.crossbars_used(), 64);
  EXPECT_NO_THROW(program::program_from_json(program::to_json(p), "p.json"));
  // Network-scoped 2-D packing: close to the cell lower bound (weights / 65536 = 12.96).
  Program q = test::compile(g, hermes, pipeline("{scope=network,shape=rect}"));
  const int64_t bound = (weights_of(q) + 65535) / 65536;
  EXPECT_EQ(bound, 13);
  EXPECT_LE(q.statistics["pack"]["crossbars"], bound + 2);
  EXPECT_NO_THROW(program::program_from_json(program::to_json(q), "q.json"));
  // Every weight is on exactly one tile per replica.
  for (const auto& l : q.layers) {
    const Tensor m = program::layer_matrix(g, l, program::layer_node(g, l));
    std::vector<int32_t> cov;
    program::reconstruct_layer(q, m, l.id, 0, &cov);
    for (int32_t c : cov) ASSERT_EQ(c, 1) << l.name;
  }
}

// A 576 x 64 conv in three row blocks: on three crossbars (block-diagonal) one evaluation each per
// vector; on one crossbar side by side (2-D, layer scope) three evaluations in turn, which the
// schedule's busiest-crossbar MVM count shows.
TEST(Pack, RowBlocksSharingRowsAreEvaluatedInTurn) {
  test::GraphBuilder b("conv");
  ValueId x = b.input("x", {1, 64, 8, 8});
  const Graph g = b.finish({b.conv("conv", x, 64, 64, 3)});
  const auto hermes = test::preset("hermes");
  const std::string tail = ",replicate{mode=none},place,assign-digital,route,schedule";
  Program d = test::compile(g, hermes, "quantize{calibration=none},lower-to-crossbar,partition,pack" + tail);
  EXPECT_EQ(d.crossbars_used(), 3);
  EXPECT_DOUBLE_EQ(d.schedule.stages[0].mvms_per_inference, 64);
  Program r =
      test::compile(g, hermes, "quantize{calibration=none},lower-to-crossbar,partition,pack{scope=layer,shape=rect}" + tail);
  EXPECT_EQ(r.crossbars_used(), 1);
  EXPECT_DOUBLE_EQ(r.schedule.stages[0].mvms_per_inference, 3 * 64);
  const auto ev = program::array_evaluations(r, {0, 1, 2});
  ASSERT_EQ(ev.size(), 3u);
  int64_t rows = 0;
  for (const auto& e : ev) {
    EXPECT_EQ(e.cols, 64);
    rows += e.rows;
  }
  EXPECT_EQ(rows, 576);
  // Block-diagonal tiles of one layer: one evaluation of all their rows and columns.
  const auto one = program::array_evaluations(d, {0});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].rows, 256);
}

// Replication follows the evaluations: convs B (144 x 64) and A (576 x 64) both take 64 vectors,
// but A's three row blocks side by side on one crossbar take three evaluations each, so the one
// spare crossbar replicates A.
TEST(Pack, ReplicateCountsEvaluations) {
  test::GraphBuilder b("two");
  ValueId x = b.input("x", {1, 16, 16, 16});
  ValueId h = b.node("relu", OpKind::Relu, {b.conv("B", x, 16, 64, 3, 1, true, 1, 2)});
  const Graph g = b.finish({b.conv("A", h, 64, 64, 3, 1, true, 2)});
  Program p = test::compile(g, test::preset("hermes"),
                            "quantize{calibration=none},lower-to-crossbar,partition,pack{scope=layer,shape=rect},"
                            "replicate{budget=1},place,assign-digital,route,schedule");
  ASSERT_EQ(p.layers.size(), 2u);
  EXPECT_EQ(p.layers[0].vectors_per_inference, 64);
  EXPECT_EQ(p.layers[1].vectors_per_inference, 64);
  EXPECT_EQ(p.layers[0].replicas, 1);
  EXPECT_EQ(p.layers[1].replicas, 2);
  EXPECT_EQ(p.statistics["replicate"]["bottleneck-mvms-before"], 192);
  EXPECT_EQ(p.statistics["replicate"]["bottleneck-mvms-after"], 96);
  EXPECT_DOUBLE_EQ(p.schedule.stages[1].mvms_per_inference, 96);
}

// replicate{total=N}: the crossbars in all, replicas included (a published mapping's core count).
TEST(Pack, ReplicateTotalCapsTheCrossbarsInAll) {
  test::GraphBuilder b("two");
  ValueId x = b.input("x", {1, 16, 16, 16});
  ValueId h = b.node("relu", OpKind::Relu, {b.conv("B", x, 16, 64, 3, 1, true, 1, 2)});
  const Graph g = b.finish({b.conv("A", h, 64, 64, 3, 1, true, 2)});
  auto crossbars = [&](const std::string& replicate) {
    Program p = test::compile(g, test::preset("hermes"),
                              "quantize{calibration=none},lower-to-crossbar,partition,pack{scope=layer},replicate{" + replicate +
                                  "},place,assign-digital,route,schedule");
    std::set<std::pair<int32_t, int32_t>> used;
    for (const auto& t : p.tiles) used.insert({t.core, t.array});
    return static_cast<int64_t>(used.size());
  };
  const int64_t minimal = crossbars("mode=none");  // B on 1 crossbar, A on 3
  ASSERT_EQ(minimal, 4);
  // Greedy, one replica of the bottleneck at a time while it fits: B (1 crossbar), then A (3) no longer.
  EXPECT_EQ(crossbars("total=7"), 5);
  EXPECT_EQ(crossbars("total=8"), 8);  // B, then A
  EXPECT_EQ(crossbars("total=4"), 4);
  EXPECT_EQ(crossbars("total=1"), 4);            // below the minimal mapping: no replicas, never fewer crossbars
  EXPECT_EQ(crossbars("total=40,budget=4"), 8);  // both caps hold
  EXPECT_EQ(crossbars("total=8,budget=40"), 8);
}

Graph four_128(int layers) {
  test::GraphBuilder b("quarters");
  ValueId h = b.input("x", {1, 128});
  for (int i = 0; i < layers; ++i) h = b.gemm("fc" + std::to_string(i), h, 128, 128, true, static_cast<uint32_t>(i + 1));
  return b.finish({h});
}

TEST(Pack, ModesAndTheirOrder) {
  const Graph g = four_128(4);
  const auto hermes = test::preset("hermes");
  // Default: fits one layer a crossbar, block-diagonal (the existing result).
  Program p = test::compile(g, hermes, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 4);
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 0);
  // Block-diagonal across layers: two 128 x 128 blocks a crossbar.
  p = test::compile(g, hermes, pipeline("{scope=network}"));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 2);
  // 2-D across layers: the four quarters of one crossbar.
  p = test::compile(g, hermes, pipeline("{scope=network,shape=rect}"));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 1);
  EXPECT_EQ(p.statistics["pack"]["crossbars-sharing-rows-or-columns"], 1);
  EXPECT_EQ(p.crossbars_used(), 1);
  std::set<std::pair<int64_t, int64_t>> corners;
  for (const auto& t : p.tiles) corners.insert({t.row_offset, t.col_offset});
  EXPECT_EQ(corners, (std::set<std::pair<int64_t, int64_t>>{{0, 0}, {0, 128}, {128, 0}, {128, 128}}));
  // 2-D per layer keeps layers apart.
  p = test::compile(g, hermes, pipeline("{scope=layer,shape=rect}"));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 4);
  // On a chip of 2 crossbars scope=auto stops at block-diagonal network packing; on 1 it goes 2-D.
  const auto two = test::chip_yaml("base: hermes\nname: hermes-2\ncores:\n  count: 2\n  arrangement: [1, 2]\n");
  p = test::compile(g, two, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 2);
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 0);
  const auto one = test::chip_yaml("base: hermes\nname: hermes-1\ncores:\n  count: 1\n  arrangement: [1, 1]\n");
  p = test::compile(g, one, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 1);
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 1);
  // A chip that reloads weights takes 2-D packing only when it avoids reloading.
  const auto one_reload = test::chip_yaml(
      "base: hermes\nname: hermes-1r\ncores:\n  count: 1\n  arrangement: [1, 1]\n  programming:\n    reload: true\n");
  p = test::compile(g, one_reload, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 1);
  EXPECT_EQ(p.schedule.segments.size(), 1u);
  p = test::compile(four_128(12), one_reload, pipeline(""));
  EXPECT_EQ(p.statistics["pack"]["rect-packed"], 0);  // 3 crossbars 2-D, 6 block-diagonal: reloads either way
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 6);
  p = test::compile(four_128(12), one_reload, pipeline("{shape=rect}"));
  EXPECT_EQ(p.statistics["pack"]["crossbars"], 3);
  // shape=diagonal never goes 2-D: the refusal reports the best block-diagonal count.
  EXPECT_EQ(
      test::error_of([&] { test::compile(g, one, pipeline("{shape=diagonal}")); }),
      "quarters needs 2 crossbars of 256x256, hermes-1 has 1 (and its cores.programming does not allow reloading weights); most "
      "crossbars: fc0 (1), fc1 (1), fc2 (1); it fits a chip derived with base: hermes-1 and cores: {count: 2, arrangement: "
      "[2, 1]}");
}

// A depthwise 3x3 conv of 144 channels (144 groups of 9 rows x 1 column) and a 1x1 conv after it, 64 vectors
// each. Block-diagonal it takes 6 bands of 28 groups (252 rows) on 6 crossbars, 7 with the 1x1 conv; 2-D
// packed, 1 crossbar whose groups share columns and rows (many evaluations per vector). With crossbars to
// spare the default packing moves the depthwise conv apart in bands side by side (columns apart, rows
// shared: one evaluation a band): 6 bands on 1 crossbar, then 3 on each of 2 (3 crossbars in all), then 2
// on each of 3 (4 in all) — the closed form ceil(6 / (crossbars − 1)) evaluations per vector.
TEST(Pack, SpareCrossbarsKeepTheBusiestLayerApartInBands) {
  test::GraphBuilder b("dw");
  ValueId x = b.input("x", {1, 144, 8, 8});
  ValueId h = b.node("relu", OpKind::Relu, {b.conv("dw", x, 144, 144, 3, 144, true, 1)});
  const Graph g = b.finish({b.conv("pw", h, 144, 64, 1, 1, true, 2)});
  const std::string tail = ",replicate{mode=none},place,assign-digital,route,schedule";
  auto chip = [](int count) {
    return test::chip_yaml("base: hermes\nname: hermes-" + std::to_string(count) + "\ncores:\n  count: " + std::to_string(count) +
                           "\n  arrangement: [1, " + std::to_string(count) + "]\n");
  };
  auto bottleneck = [](const Program& p) {
    double most = 0;
    for (const auto& s : p.schedule.stages) most = std::max(most, s.mvms_per_inference);
    return most;
  };
  const std::string head = "quantize{calibration=none},lower-to-crossbar,partition,pack";
  const Program rect = test::compile(g, chip(3), head + "{scope=layer,shape=rect}" + tail);
  ASSERT_EQ(rect.crossbars_used(), 2);
  EXPECT_GT(bottleneck(rect), 6 * 64);  // the groups stacked in shared columns
  for (int count : {3, 4}) {
    const Program p = test::compile(g, chip(count), head + tail);
    EXPECT_EQ(p.statistics.at("pack").at("layers-apart-from-2d-packing"), 1) << count;
    EXPECT_EQ(p.crossbars_used(), count);
    const int64_t bands_per_crossbar = (6 + count - 2) / (count - 1);
    EXPECT_DOUBLE_EQ(p.schedule.stages[0].mvms_per_inference, static_cast<double>(64 * bands_per_crossbar)) << count;
    EXPECT_DOUBLE_EQ(bottleneck(p), static_cast<double>(64 * bands_per_crossbar)) << count;
    // Every weight (of a group: the block diagonal) on exactly one tile, and a valid Program.
    for (const auto& l : p.layers) {
      const Tensor m = program::layer_matrix(g, l, program::layer_node(g, l));
      std::vector<int32_t> cov;
      program::reconstruct_layer(p, m, l.id, 0, &cov);
      ASSERT_EQ(cov.size(), static_cast<size_t>(l.rows * l.cols));
      for (int64_t r = 0; r < l.rows; ++r) {
        for (int64_t c = 0; c < l.cols; ++c) {
          if (r / l.group_rows == c / l.group_cols) {
            ASSERT_EQ(cov[static_cast<size_t>(r * l.cols + c)], 1) << l.name;
          }
        }
      }
    }
    EXPECT_NO_THROW(program::program_from_json(program::to_json(p), "p.json"));
  }
  // Data-parallel: the crossbars left hold network copies, so the bands stop where a step would cost a copy —
  // on 4 crossbars all 6 bands on one (2 crossbars a copy, 2 copies), not 2 bands on each of 3 (1 copy).
  const Program dp = test::compile(g, chip(4), head + ",replicate,place,assign-digital,route,schedule{kind=data-parallel}");
  EXPECT_EQ(dp.schedule.network_replicas, 2);
  EXPECT_DOUBLE_EQ(dp.schedule.stages[0].mvms_per_inference, 6 * 64);
  // Enough crossbars for one band each: block-diagonal from the start, nothing to move.
  const Program d = test::compile(g, chip(7), head + tail);
  EXPECT_EQ(d.statistics.at("pack").at("rect-packed"), 0);
  EXPECT_DOUBLE_EQ(bottleneck(d), 64);
}

// A busy 3x3 conv (16 -> 144 channels, 1024 vectors, one crossbar) and, after a 16x16 max-pool, a depthwise conv
// of its 144 channels on 2x2 (4 vectors). Block-diagonal per layer they take 1 + 6 crossbars: on 8 the one left
// replicates the busy conv once (512 MVMs per inference on its crossbars). Pipelined, the default weighs that
// against 2-D packing once replication has spent the crossbars left: the depthwise conv's groups on one crossbar
// (many evaluations of its 4 vectors) leave 6, and the busy conv runs on 7 replicas (ceil(1024 / 7) = 147).
// A layer schedule runs the layers one after another and keeps the block-diagonal packing.
TEST(Pack, ReplicationWeighsBlockDiagonalAgainst2DPacking) {
  test::GraphBuilder b("busy");
  ValueId x = b.input("x", {1, 16, 32, 32});
  ValueId h = b.node("relu", OpKind::Relu, {b.conv("busy", x, 16, 144, 3, 1, true, 1)});
  PoolAttrs pool;
  pool.window = WindowAttrs{{16, 16}, {16, 16}, {1, 1}, {0, 0, 0, 0}};
  ValueId p = b.node("pool", OpKind::MaxPool, {h}, pool);
  const Graph g = b.finish({b.conv("dw", p, 144, 144, 3, 144, true, 2)});
  const auto eight = test::chip_yaml("base: hermes\nname: hermes-8\ncores:\n  count: 8\n  arrangement: [2, 4]\n");
  const std::string head = "quantize{calibration=none},lower-to-crossbar,partition,pack";
  auto busy_mvms = [](const Program& q) { return q.schedule.stages[0].mvms_per_inference; };
  const Program diagonal = test::compile(g, eight, head + "{shape=diagonal},replicate,place,assign-digital,route,schedule");
  EXPECT_EQ(diagonal.layers[0].replicas, 2);
  EXPECT_DOUBLE_EQ(busy_mvms(diagonal), 512);
  const Program p2d = test::compile(g, eight, head + ",replicate,place,assign-digital,route,schedule");
  EXPECT_EQ(p2d.statistics.at("pack").at("rect-packed"), 1);
  EXPECT_EQ(p2d.layers[0].replicas, 7);
  EXPECT_DOUBLE_EQ(busy_mvms(p2d), 1024.0 / 7.0);
  EXPECT_LT(p2d.schedule.stages[1].mvms_per_inference, busy_mvms(p2d));  // the depthwise conv is not the bottleneck
  EXPECT_EQ(p2d.crossbars_used(), 8);
  // Replication capped (replicate{budget=1}): the block-diagonal packing's one spare crossbar is worth as much.
  const Program capped = test::compile(g, eight, head + ",replicate{budget=1},place,assign-digital,route,schedule");
  EXPECT_EQ(capped.statistics.at("pack").at("rect-packed"), 0);
  const Program layer = test::compile(g, eight, head + ",replicate,place,assign-digital,route,schedule{kind=layer}");
  EXPECT_EQ(layer.statistics.at("pack").at("rect-packed"), 0);
}

TEST(Pack, OverlapCheckAcceptsSharedRowsAndRejectsOverlap) {
  Program p = test::compile(four_128(4), test::preset("hermes"), pipeline("{scope=network,shape=rect}"));
  program::Json j = program::to_json(p);
  EXPECT_NO_THROW(program::program_from_json(j, "p.json"));
  ASSERT_EQ(j["tiles"].size(), 4u);
  program::Json ok = j;
  for (int i = 0; i < 4; ++i) ok["tiles"][i]["offset"] = {128 * (i / 2), 128 * (i % 2)};
  EXPECT_NO_THROW(program::program_from_json(ok, "p.json"));
  // Tile 1 moved onto half of tile 0's columns, on its rows: overlap.
  program::Json bad = ok;
  bad["tiles"][1]["offset"] = {0, 64};
  EXPECT_NE(test::error_of([&] { program::program_from_json(bad, "p.json"); }).find("overlap"), std::string::npos);
  // Sharing columns with rows apart is fine; one row more is an overlap.
  // (tiles 0 and 2 share columns 0..127, rows apart; tiles 0 and 1 share rows, columns apart.)
  ok["tiles"][2]["offset"] = {127, 0};
  EXPECT_NE(test::error_of([&] { program::program_from_json(ok, "p.json"); }).find("overlap"), std::string::npos);
}

}  // namespace
}  // namespace aimc
