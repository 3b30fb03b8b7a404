// The ONNX importer on arbitrary bytes: every model either imports or is refused with aimc::Error.
#include "fuzz_util.h"
#include "onnx/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  aimc::fuzz::expect_clean([&] { aimc::import_onnx_bytes(bytes, "fuzz.onnx"); });
  return 0;
}
