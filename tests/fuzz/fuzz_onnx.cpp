// The ONNX importer on arbitrary bytes: every model either imports or is refused with aimc::Error.
//
// Random bytes rarely parse as a ModelProto, so most of libFuzzer's byte mutations end in the protobuf
// parser. A custom mutator keeps the input a model: it parses it, changes one thing the importer reads
// (an attribute's value, a dimension, an op type, an input's name, an initializer's size or bytes, the
// opset, a node's place in the graph) and serialises it again; inputs that do not parse get libFuzzer's
// byte mutations (that path is fuzzed too).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <limits>
#include <random>

#include "fuzz_util.h"
#include "onnx/importer.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

const char* const kOps[] = {"Conv",
                            "Gemm",
                            "MatMul",
                            "Relu",
                            "Add",
                            "Mul",
                            "Reshape",
                            "Transpose",
                            "Concat",
                            "Split",
                            "Slice",
                            "MaxPool",
                            "AveragePool",
                            "GlobalAveragePool",
                            "Flatten",
                            "Softmax",
                            "BatchNormalization",
                            "LSTM",
                            "Gather",
                            "Shape",
                            "Unsqueeze",
                            "Squeeze",
                            "ConstantOfShape",
                            "Cast",
                            "Sigmoid",
                            "Tanh",
                            "Div",
                            "Sub",
                            "Pow",
                            "Clip",
                            "QuantizeLinear",
                            "DequantizeLinear",
                            "Identity",
                            "Where"};
const int64_t kInts[] = {0, 1, -1, 2, 3, 7, 255, 256, 1 << 20, INT32_MAX, INT64_MAX, INT64_MIN, -2};
const float kFloats[] = {
    0.f, 1.f, -1.f, 1e-30f, 1e30f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};

template <class T, size_t N>
T pick(std::mt19937& rng, const T (&a)[N]) {
  return a[rng() % N];
}

void mutate_attribute(onnx::AttributeProto& a, std::mt19937& rng) {
  switch (rng() % 4) {
    case 0:
      a.set_i(pick(rng, kInts));
      break;
    case 1:
      a.set_f(pick(rng, kFloats));
      break;
    case 2:
      if (a.ints_size() > 0) a.set_ints(static_cast<int>(rng() % a.ints_size()), pick(rng, kInts));
      else a.add_ints(pick(rng, kInts));
      break;
    default:
      if (a.ints_size() > 0 && rng() % 2 == 0) a.mutable_ints()->RemoveLast();
      else a.add_ints(pick(rng, kInts));
  }
}

void mutate_model(onnx::ModelProto& m, std::mt19937& rng) {
  onnx::GraphProto& g = *m.mutable_graph();
  const int nodes = g.node_size();
  switch (rng() % 9) {
    case 0:  // an attribute's value
      if (nodes > 0) {
        onnx::NodeProto& n = *g.mutable_node(static_cast<int>(rng() % nodes));
        if (n.attribute_size() > 0) mutate_attribute(*n.mutable_attribute(static_cast<int>(rng() % n.attribute_size())), rng);
      }
      break;
    case 1:  // an op type
      if (nodes > 0) g.mutable_node(static_cast<int>(rng() % nodes))->set_op_type(pick(rng, kOps));
      break;
    case 2:  // an input's name: another value, or none
      if (nodes > 0) {
        onnx::NodeProto& n = *g.mutable_node(static_cast<int>(rng() % nodes));
        const onnx::NodeProto& other = g.node(static_cast<int>(rng() % nodes));
        if (n.input_size() > 0 && other.output_size() > 0) {
          n.set_input(static_cast<int>(rng() % n.input_size()), rng() % 4 == 0 ? "" : other.output(0));
        } else if (other.output_size() > 0) {
          n.add_input(other.output(0));
        }
      }
      break;
    case 3:  // an initializer's dimension
      if (g.initializer_size() > 0) {
        onnx::TensorProto& t = *g.mutable_initializer(static_cast<int>(rng() % g.initializer_size()));
        if (t.dims_size() > 0) t.set_dims(static_cast<int>(rng() % t.dims_size()), pick(rng, kInts));
        else t.add_dims(pick(rng, kInts));
      }
      break;
    case 4:  // an initializer's bytes or type
      if (g.initializer_size() > 0) {
        onnx::TensorProto& t = *g.mutable_initializer(static_cast<int>(rng() % g.initializer_size()));
        if (rng() % 2 == 0 && !t.raw_data().empty()) t.mutable_raw_data()->resize(rng() % (t.raw_data().size() + 8));
        else t.set_data_type(static_cast<int32_t>(rng() % 17));
      }
      break;
    case 5:  // a graph input's or output's shape
      for (auto* vi : {g.input_size() > 0 ? g.mutable_input(0) : nullptr, g.output_size() > 0 ? g.mutable_output(0) : nullptr}) {
        if (vi == nullptr || !vi->type().has_tensor_type()) continue;
        auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
        if (shape->dim_size() > 0)
          shape->mutable_dim(static_cast<int>(rng() % shape->dim_size()))->set_dim_value(pick(rng, kInts));
      }
      break;
    case 6:  // the opset
      if (m.opset_import_size() > 0) m.mutable_opset_import(0)->set_version(static_cast<int64_t>(rng() % 25));
      break;
    case 7:  // a node moved (the graph no longer in order) or duplicated
      if (nodes > 1) {
        const int i = static_cast<int>(rng() % nodes), j = static_cast<int>(rng() % nodes);
        if (rng() % 2 == 0) g.mutable_node()->SwapElements(i, j);
        else *g.add_node() = g.node(i);
      }
      break;
    default:  // a node removed
      if (nodes > 0) g.mutable_node()->DeleteSubrange(static_cast<int>(rng() % nodes), 1);
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937 rng(seed);
  onnx::ModelProto m;
  if (rng() % 8 == 0 || !m.ParseFromArray(data, static_cast<int>(size))) return LLVMFuzzerMutate(data, size, max_size);
  for (unsigned k = 1 + rng() % 3; k > 0; --k) mutate_model(m, rng);
  const std::string out = m.SerializeAsString();
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::copy(out.begin(), out.end(), data);
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // A smaller fold budget than the CLI's: folding 2^26 elements takes over 10 s under the sanitizers
  // (libFuzzer's timeout), 0.5 s in a release build; what is found below it is the same code.
  aimc::fuzz::expect_clean([&] { aimc::import_onnx_bytes(bytes, "fuzz.onnx", {.fold_budget = int64_t{1} << 22}); });
  return 0;
}
