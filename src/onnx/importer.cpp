// placeholder: being written
#include "onnx/importer.h"
namespace aimc {
Graph import_onnx(const std::string&, const ImportOptions&) { throw InternalError("not written yet"); }
}  // namespace aimc
