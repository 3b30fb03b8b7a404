// The route pass: the bytes a value takes on the network follow the precision of the crossbar rows
// that read it, packed in power-of-two containers.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "compiler_test_util.h"
#include "onnx/importer.h"

namespace aimc {
namespace {

Graph two_convs() {
  test::GraphBuilder b("two_convs");
  ValueId x = b.input("x", {1, 16, 8, 8});
  ValueId r1 = b.node("relu1", OpKind::Relu, {b.conv("conv1", x, 16, 32, 3, 1, true, 1)});
  ValueId r2 = b.node("relu2", OpKind::Relu, {b.conv("conv2", r1, 32, 32, 3, 1, true, 2)});
  return b.finish({r2});
}

// Bytes per inference of each value over all its transfers.
std::map<std::string, double> bytes_by_value(const program::Program& p) {
  std::map<std::string, double> out;
  for (const auto& t : p.transfers) out[t.value] += t.bytes_per_inference;
  return out;
}

program::Program compile_at(int64_t input_bits) {
  const std::string q = input_bits > 0 ? "quantize{input-bits=" + std::to_string(input_bits) + "}" : "quantize";
  return test::compile(two_convs(), test::preset("verma-cimu"),
                       "fold-batchnorm," + q +
                           ",lower-to-crossbar,partition,pack{scope=layer},replicate{mode=none},place,"
                           "assign-digital,route,schedule");
}

TEST(Route, ActivationsTakeTheBitsOfTheRowsThatReadThem) {
  const auto b8 = bytes_by_value(compile_at(0));  // the chip's 8-bit inputs: a byte an element
  const auto b4 = bytes_by_value(compile_at(4));  // W4/A4: two elements a byte
  ASSERT_GT(b8.at("x"), 0);
  EXPECT_EQ(b8.at("x"), 16 * 8 * 8);
  EXPECT_EQ(b4.at("x"), 16 * 8 * 8 / 2);
  // relu1's output is read by conv2's rows; it goes to conv2's cores at conv2's precision.
  ASSERT_TRUE(b8.count("relu1_out"));
  EXPECT_EQ(b4.at("relu1_out") * 2, b8.at("relu1_out"));
  // The network's output is read by no crossbar: the chip's input width.
  EXPECT_EQ(b4.at("relu2_out"), b8.at("relu2_out"));
  EXPECT_EQ(b8.at("relu2_out"), 32 * 8 * 8);
}

TEST(Route, OddPrecisionsTakeTheNextPowerOfTwoContainer) {
  EXPECT_EQ(bytes_by_value(compile_at(3)).at("x"), 16 * 8 * 8 / 2);  // 3 bits in a nibble
  EXPECT_EQ(bytes_by_value(compile_at(5)).at("x"), 16 * 8 * 8);      // 5 bits in a byte
  EXPECT_EQ(bytes_by_value(compile_at(2)).at("x"), 16 * 8 * 8 / 4);
}

// noc.multicast: the input of a layer split over several cores by columns goes to each of them; the
// transfers carry the same data and form one multicast group (bytes per destination unchanged).
TEST(Route, MulticastGroupsTransfersOfTheSameData) {
  test::GraphBuilder b("wide");
  ValueId x = b.input("x", {1, 16, 8, 8});
  const Graph g = b.finish({b.conv("conv", x, 16, 512, 3, 1, true, 1)});  // 512 columns: two CIMUs
  const std::string pipe =
      "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},replicate{mode=none},place,"
      "assign-digital,route,schedule";
  const program::Program plain = test::compile(g, test::preset("verma-cimu"), pipe);
  const program::Program multi =
      test::compile(g, test::chip_yaml("base: verma-cimu\nname: verma-multicast\nnoc:\n  multicast: true\n"), pipe);
  ASSERT_EQ(plain.transfers.size(), multi.transfers.size());
  std::map<int32_t, std::vector<const program::Transfer*>> groups;
  for (size_t i = 0; i < multi.transfers.size(); ++i) {
    EXPECT_EQ(plain.transfers[i].multicast, -1);
    EXPECT_EQ(plain.transfers[i].bytes_per_inference, multi.transfers[i].bytes_per_inference);
    if (multi.transfers[i].multicast >= 0) groups[multi.transfers[i].multicast].push_back(&multi.transfers[i]);
  }
  ASSERT_EQ(groups.size(), 1u);
  const auto& members = groups.begin()->second;
  std::set<int32_t> cores;  // bit-sliced 8-bit weights: 512 · 8 columns on 16 CIMUs, each needing all of x
  for (const auto& t : multi.tiles) cores.insert(t.core);
  ASSERT_GE(cores.size(), 2u);
  ASSERT_EQ(members.size(), cores.size());
  EXPECT_EQ(members[0]->value, "x");
  EXPECT_EQ(members[0]->from, members[1]->from);
  EXPECT_FALSE(members[0]->to == members[1]->to);
  EXPECT_EQ(members[0]->bytes_per_inference, 16 * 8 * 8);
  // The Program keeps the groups.
  const program::Program back = program::program_from_json(program::to_json(multi), "test");
  EXPECT_EQ(back.transfers[0].multicast, multi.transfers[0].multicast);
}

// route{activations=host}: activations between layers are held off chip (HERMES's FPGA). Each layer's
// output goes to the host once; the host sends each layer the input vectors its MVMs apply (vectors ×
// rows, not the feature map), moved at the start of the layer's stage.
TEST(Route, ActivationsHeldOnTheHostComeBackAsInputVectors) {
  const std::string pipe =
      "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},replicate{mode=none},place,"
      "assign-digital,route{activations=host},schedule";
  const program::Program p = test::compile(two_convs(), test::preset("verma-cimu"), pipe);
  std::map<std::string, int32_t> stage_of_layer;
  for (const auto& st : p.schedule.stages)
    for (int32_t l : st.layers) stage_of_layer[p.layers[static_cast<size_t>(l)].name] = st.id;
  std::map<std::string, double> to_host, from_host;
  for (const auto& t : p.transfers) {
    EXPECT_TRUE(t.from.kind == program::EndpointKind::Host || t.to.kind == program::EndpointKind::Host) << t.value;
    if (t.to.kind == program::EndpointKind::Host) to_host[t.value] += t.bytes_per_inference;
    if (t.from.kind == program::EndpointKind::Host) {
      from_host[t.value] += t.bytes_per_inference;
      const std::string layer = t.value.substr(0, t.value.rfind(':'));
      EXPECT_EQ(t.value, program::input_from_host(layer));
      EXPECT_EQ(t.stage, stage_of_layer.at(layer));
      EXPECT_EQ(t.at, program::TransferAt::Start);
    }
  }
  // 8×8 outputs per layer: 64 input vectors of 16·9 and 32·9 rows, a byte each.
  EXPECT_EQ(from_host, (std::map<std::string, double>{{"conv1:input", 64 * 16 * 9}, {"conv2:input", 64 * 32 * 9}}));
  EXPECT_EQ(to_host, (std::map<std::string, double>{{"relu1_out", 32 * 8 * 8}, {"relu2_out", 32 * 8 * 8}}));
  // The default sends relu1's output core to core, once.
  const auto on_chip = bytes_by_value(compile_at(0));
  EXPECT_EQ(on_chip.at("relu1_out"), 32 * 8 * 8);
  EXPECT_FALSE(on_chip.count("conv2:input"));
}

// A concat's output is its operands side by side, each where it was made: the layer that reads it gets
// each operand's channels from its producer (the network input's from the host, each conv's from its
// cores), in proportion to the channels. (The output was once taken to be wherever its first operand
// was: everything came from the host, and the convs' outputs never moved.)
TEST(Route, AConcatsOperandsComeFromWhereEachWasMade) {
  test::GraphBuilder b("concat");
  ValueId x = b.input("x", {1, 16, 8, 8});
  ValueId a = b.node("relu_a", OpKind::Relu, {b.conv("conv_a", x, 16, 48, 1, 1, true, 1)});
  ValueId c = b.node("relu_c", OpKind::Relu, {b.conv("conv_c", x, 16, 64, 1, 1, true, 2)});
  ValueId cat = b.node("cat", OpKind::Concat, {x, a, c}, AxisAttrs{1});  // 16 + 48 + 64 = 128 channels
  const Graph g = b.finish({b.conv("conv_d", cat, 128, 32, 1, 1, true, 3)});
  const program::Program p = test::compile(g, test::preset("verma-cimu"),
                                           "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},"
                                           "replicate{mode=none},place,assign-digital,route,schedule");
  std::map<std::string, std::set<int32_t>> cores_of;
  for (const auto& t : p.tiles) cores_of[p.layers[static_cast<size_t>(t.layer)].name].insert(t.core);
  const auto on = [&](const program::Endpoint& e, const std::string& layer) {
    return e.kind == program::EndpointKind::Core && cores_of.at(layer).count(e.index) > 0;
  };
  double from_host = 0, from_a = 0, from_c = 0;
  for (const auto& t : p.transfers) {
    if (t.value != "cat_out") continue;
    EXPECT_TRUE(on(t.to, "conv_d")) << "cat_out goes to conv_d's cores";
    if (t.from.kind == program::EndpointKind::Host) from_host += t.bytes_per_inference;
    if (on(t.from, "conv_a")) from_a += t.bytes_per_inference;
    if (on(t.from, "conv_c")) from_c += t.bytes_per_inference;
  }
  // 8×8 positions, a byte each; conv_d's one core reads all 128 channels (its cores hold none of them).
  ASSERT_EQ(cores_of.at("conv_d").size(), 1u);
  EXPECT_EQ(from_host, 16 * 64);
  EXPECT_EQ(from_a, 48 * 64);
  EXPECT_EQ(from_c, 64 * 64);
}

// A channel split or slice of a conv's output comes from the cores that made those channels. conv_p's 64 channels (8-bit weights
// bit-sliced: 512 columns) take two CIMUs, 32 channels each; its output is split in halves for conv_a and conv_b and sliced [16,
// 48) for conv_c. (Split and Slice placed their outputs with their whole input: each half came half from each CIMU.)
TEST(Route, AChannelSplitComesFromTheCoresThatMadeItsChannels) {
  test::GraphBuilder b("split");
  ValueId x = b.input("x", {1, 16, 8, 8});
  ValueId pre = b.node("relu_p", OpKind::Relu, {b.conv("conv_p", x, 16, 64, 1, 1, true, 1)});
  const ValueId s0 = b.node("split", OpKind::Split, {pre}, SplitAttrs{.axis = 1, .sizes = {32, 32}}, 2);
  const ValueId s1 = s0 + 1;
  SliceAttrs middle{.starts = {0, 16, 0, 0}, .ends = {1, 48, 8, 8}, .steps = {1, 1, 1, 1}};
  const ValueId mid = b.node("slice", OpKind::Slice, {pre}, middle);
  const Graph g = b.finish({b.conv("conv_a", s0, 32, 16, 1, 1, true, 2), b.conv("conv_b", s1, 32, 16, 1, 1, true, 3),
                            b.conv("conv_c", mid, 32, 16, 1, 1, true, 4)});
  const program::Program p = test::compile(g, test::preset("verma-cimu"),
                                           "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},"
                                           "replicate{mode=none},place,assign-digital,route,schedule");
  // The core that made each half of conv_p's channels.
  std::map<int32_t, double> made_from;  // reducing core → first channel fraction
  for (const auto& t : p.tiles) {
    const auto& L = p.layers[static_cast<size_t>(t.layer)];
    if (L.name == "conv_p") made_from[t.reduce_core] = static_cast<double>(t.col_begin) / static_cast<double>(L.cols);
  }
  ASSERT_EQ(made_from.size(), 2u);
  std::map<std::string, std::map<double, double>> bytes;  // value → first channel fraction of its source → bytes
  for (const auto& t : p.transfers) {
    if (t.from.kind != program::EndpointKind::Core || !made_from.count(t.from.index)) continue;
    bytes[t.value][made_from.at(t.from.index)] += t.bytes_per_inference;
  }
  // 8×8 positions, a byte an element.
  EXPECT_EQ(bytes["split_out0"], (std::map<double, double>{{0.0, 32 * 64}}));
  EXPECT_EQ(bytes["split_out1"], (std::map<double, double>{{0.5, 32 * 64}}));
  EXPECT_EQ(bytes["slice_out"], (std::map<double, double>{{0.0, 16 * 64}, {0.5, 16 * 64}}));
}

// q, k and v sliced from a fused projection's features (the last axis of its [batch, tokens, 3·256] output)
// each come from the crossbar that made those 256 columns; a slice along the tokens keeps every source.
TEST(Route, FeaturesSlicedFromAFusedProjectionComeFromTheirColumns) {
  test::GraphBuilder b("qkv");
  ValueId x = b.input("x", {1, 4, 64});
  const ValueId qkv = b.node("qkv", OpKind::MatMul, {x, b.constant("w", test::weights({64, 768}, 1))});
  std::vector<ValueId> outs;
  auto named = [](std::string s, int64_t k) { return s.append(std::to_string(k)); };  // (GCC 12's -Wrestrict on "a" + s)
  for (int64_t k = 0; k < 3; ++k) {
    SliceAttrs part{.starts = {0, 0, 256 * k}, .ends = {1, 4, 256 * (k + 1)}, .steps = {1, 1, 1}};
    const ValueId v = b.node(named("part", k), OpKind::Slice, {qkv}, part);
    outs.push_back(b.node(named("mm", k), OpKind::MatMul, {v, b.constant(named("w", k), test::weights({256, 16}, 2))}));
  }
  SliceAttrs first_tokens{.starts = {0, 0, 0}, .ends = {1, 2, 768}, .steps = {1, 1, 1}};
  const ValueId head = b.node("head", OpKind::Slice, {qkv}, first_tokens);
  outs.push_back(b.node("mm_head", OpKind::MatMul, {head, b.constant("wh", test::weights({768, 16}, 3))}));
  const Graph g = b.finish(outs);
  const program::Program p = test::compile(g, test::preset("hermes"),
                                           "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},"
                                           "replicate{mode=none},place,assign-digital,route,schedule");
  std::map<int32_t, int64_t> block_of;  // reducing core of qkv's columns → its block (256 columns each)
  for (const auto& t : p.tiles) {
    if (p.layers[static_cast<size_t>(t.layer)].name == "qkv") block_of[t.reduce_core] = t.col_begin / 256;
  }
  ASSERT_EQ(block_of.size(), 3u);
  std::map<std::string, std::map<int64_t, double>> bytes;  // value → source block → bytes
  for (const auto& t : p.transfers) {
    if (t.from.kind == program::EndpointKind::Core && block_of.count(t.from.index))
      bytes[t.value][block_of.at(t.from.index)] += t.bytes_per_inference;
  }
  for (int64_t k = 0; k < 3; ++k)  // 4 tokens × 256 features, a byte each
    EXPECT_EQ(bytes["part" + std::to_string(k) + "_out"], (std::map<int64_t, double>{{k, 4 * 256}})) << k;
  EXPECT_EQ(bytes["head_out"], (std::map<int64_t, double>{{0, 2 * 256}, {1, 2 * 256}, {2, 2 * 256}}));
}

// LeNet on cluster-512 replicates conv1 (5×5, 24×24 outputs) into one replica per output column, 24, the
// most that take column blocks. Its input's normalisation (a Div on conv1's cores, ahead of its MVMs) makes
// the columns its replica's window reads: nothing of it crosses the network, and the host sends each replica
// the 5 of the 28 input columns it reads (24 × 5 × 28 bytes). Under data-parallel copies every core-to-core
// transfer stays within one copy, and each value's bytes add up to the tensor's. (The Div's output was split
// by channel over all of conv1's cores and spread to every replica: 415 × 415 transfers, when the replicas took
// interleaved positions; each copy's share of a value was spread over every copy and, rounded to whole bytes,
// mostly lost.)
TEST(Route, OpsOnAReplicasCoresAndNetworkCopiesKeepTheirInferences) {
  const Graph g = import_onnx(test::source_path("models/mnist_lenet.onnx"));
  const auto chip = test::preset("cluster-512");
  const program::Program p = test::compile(g, chip);
  ASSERT_EQ(p.layers[0].replicas, 24);
  const auto bytes = bytes_by_value(p);
  EXPECT_FALSE(bytes.count("/Div_output_0"));
  EXPECT_NEAR(bytes.at("input"), 24 * 5 * 28, 0.01);
  const program::Program dp =
      test::compile(g, chip,
                    "fold-batchnorm,quantize,lower-to-crossbar,partition,pack,replicate,place,assign-digital,route,"
                    "schedule{kind=data-parallel}");
  const int64_t copies = dp.schedule.network_replicas;
  ASSERT_GT(copies, 10);
  std::map<int32_t, int64_t> copy_of;
  for (const auto& t : dp.tiles) copy_of[t.core] = t.replica % copies;
  for (const auto& t : dp.transfers) {
    if (t.from.kind == program::EndpointKind::Core && t.to.kind == program::EndpointKind::Core) {
      EXPECT_EQ(copy_of.at(t.from.index), copy_of.at(t.to.index)) << t.value;
    }
  }
  const auto dp_bytes = bytes_by_value(dp);
  EXPECT_NEAR(dp_bytes.at("input"), 28 * 28, 0.01);
  EXPECT_NEAR(dp_bytes.at("output"), 10, 0.01);
}

// Replicas of a 2-D conv take blocks of the output's columns (program/replicas.h): with 4 replicas of two 3×3
// convs over 8 columns, each replica owns 2 columns and its window reads one more on each side. Each
// consumer replica gets the columns it reads from the producer replicas that own them, neighbours only: 14
// of the 8 columns' data in all (3 + 4 + 4 + 3), where an interleaved split would read every column from
// every replica.
TEST(Route, ConvReplicasReadTheirColumnsAndTheHaloFromTheirNeighbours) {
  const program::Program p =
      test::compile(two_convs(), test::preset("cluster-512"),
                    "fold-batchnorm,quantize,lower-to-crossbar,partition,pack{scope=layer},replicate{max-replicas=4},place,"
                    "assign-digital,route,schedule");
  ASSERT_EQ(p.layers.size(), 2u);
  ASSERT_EQ(p.layers[0].replicas, 4);
  ASSERT_EQ(p.layers[1].replicas, 4);
  std::map<int32_t, std::pair<int32_t, int32_t>> held;  // core → (layer, replica)
  for (const auto& t : p.tiles) held[t.core] = {t.layer, t.replica};
  const auto bytes = bytes_by_value(p);
  const double column = 8 * 32;  // one column of relu1's output: 8 rows × 32 channels, a byte each
  EXPECT_NEAR(bytes.at("relu1_out"), 14 * column, 1e-6);
  EXPECT_NEAR(bytes.at("x"), 14 * 8 * 16, 1e-6);          // the host sends each conv1 replica the columns it reads
  EXPECT_NEAR(bytes.at("relu2_out"), 8 * column, 1e-6);   // and gets each column once
  std::map<std::pair<int32_t, int32_t>, double> between;  // (producer replica, consumer replica) → bytes
  for (const auto& t : p.transfers) {
    if (t.value != "relu1_out") continue;
    ASSERT_EQ(t.from.kind, program::EndpointKind::Core);
    ASSERT_EQ(t.to.kind, program::EndpointKind::Core);
    const auto [from_layer, producer] = held.at(t.from.index);
    const auto [to_layer, consumer] = held.at(t.to.index);
    EXPECT_EQ(from_layer, 0);
    EXPECT_EQ(to_layer, 1);
    between[{producer, consumer}] += t.bytes_per_inference;
  }
  for (int32_t c = 0; c < 4; ++c) {
    for (int32_t r = 0; r < 4; ++r) {
      const int64_t lo = std::max(2 * c - 1, 2 * r), hi = std::min(2 * c + 3, 2 * r + 2);  // read ∩ owned
      const double want = static_cast<double>(std::clamp<int64_t>(std::min<int64_t>(hi, 8) - lo, 0, 2)) * column;
      const double got = between[std::pair{r, c}];
      EXPECT_NEAR(got, want, 1e-6) << "producer " << r << " consumer " << c;
    }
  }
}

}  // namespace
}  // namespace aimc
