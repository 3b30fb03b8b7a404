// Input files: only regular files are read (folders, devices, FIFOs refused), with a size cap.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/input_file.h"
#include "test_errors.h"

namespace aimc {
namespace {

using test::error_of;

TEST(InputFile, OnlyRegularFilesWithinTheCap) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "aimc_input_file_test";
  fs::create_directories(dir);
  const std::string f = (dir / "c.yaml").string();
  std::ofstream(f) << "name: x\n";
  EXPECT_EQ(read_whole_file(f, 100, "a chip"), "name: x\n");
  EXPECT_NE(error_of([&] { read_whole_file(f, 4, "a chip"); }).find("is 8 bytes; expected a chip of at most 4 bytes"),
            std::string::npos);
  EXPECT_NE(error_of([&] { require_regular_file(dir.string(), "a chip"); }).find("is a folder; expected a chip"),
            std::string::npos);
  EXPECT_NE(error_of([&] { require_regular_file("/dev/zero"); }).find("not a regular file"), std::string::npos);
  EXPECT_NE(error_of([&] { require_regular_file((dir / "none").string()); }).find("no such file"), std::string::npos);
  fs::remove_all(dir);
}

TEST(InputFile, MappedFileHoldsTheBytesAndRefusesWhatIsNotAFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "aimc_mapped_file_test";
  fs::create_directories(dir);
  const std::string f = (dir / "m.onnx").string(), empty = (dir / "e.onnx").string();
  std::string data(70000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 1);
  std::ofstream(f, std::ios::binary) << data;
  std::ofstream(empty).close();
  {
    const MappedFile m(f, "an ONNX model");
    EXPECT_EQ(m.bytes(), data);
    EXPECT_TRUE(MappedFile(empty).bytes().empty());
  }
  EXPECT_NE(error_of([&] { MappedFile m(dir.string(), "an ONNX model"); }).find("is a folder; expected an ONNX model"),
            std::string::npos);
  EXPECT_NE(error_of([&] { MappedFile m("/dev/zero"); }).find("not a regular file"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aimc
