// ONNX model -> Graph. The only code in aimc that knows ONNX.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ir/graph.h"

namespace aimc {

struct ImportOptions {
  int64_t batch = 1;  // batch size assumed for a symbolic batch dimension at import
  // The batch axis of inputs whose dimensions are all fixed. Unset: axis 0 (axis 1 for a recurrent
  // layer's sequence-first input), then, if samples would mix along it, each other axis in turn.
  std::optional<int> static_batch_axis;
  // Elements the constant folder may compute for the whole model (folding is element by element, so
  // a file must not make the import run for minutes); one folded constant holds at most a half.
  // Fuzzers lower it to stay fast under the sanitizers.
  int64_t fold_budget = int64_t{1} << 27;
};

// Reads an ONNX file (opsets 9-17, as PyTorch exports), maps it to canonical ops, folds
// constant sub-graphs (Shape/Gather/Concat chains, Constant, Identity, Dropout...), and infers
// shapes. Throws Error naming the file and the node on anything unsupported or inconsistent.
Graph import_onnx(const std::string& path, const ImportOptions& options = {});

// Same, from serialized bytes (`origin` names the source in messages).
Graph import_onnx_bytes(std::string_view bytes, const std::string& origin, const ImportOptions& options = {});

}  // namespace aimc
