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

// RFC 3629's table of well-formed byte sequences, at its edges.
TEST(InputFile, Utf8PrefixStopsAtTheFirstIllFormedSequence) {
  EXPECT_EQ(utf8_prefix(""), 0U);
  EXPECT_EQ(utf8_prefix("plain ascii\n"), 12U);
  EXPECT_EQ(utf8_prefix("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"), 19U);  // é € 😀 U+10FFFF
  EXPECT_EQ(utf8_prefix("caf\xE9"), 3U);                                                      // Latin-1 é
  EXPECT_EQ(utf8_prefix("a\x80"), 1U);                                                        // a lone continuation
  EXPECT_EQ(utf8_prefix("a\xC0\x80"), 1U);                                                    // overlong NUL
  EXPECT_EQ(utf8_prefix("a\xE0\x9F\xBF"), 1U);                                                // overlong, 3 bytes
  EXPECT_EQ(utf8_prefix("a\xED\xA0\x80"), 1U);                                                // a surrogate
  EXPECT_EQ(utf8_prefix("a\xF4\x90\x80\x80"), 1U);                                            // past U+10FFFF
  EXPECT_EQ(utf8_prefix("a\xF5\x80\x80\x80"), 1U);
  EXPECT_EQ(utf8_prefix("ab\xE2\x82"), 2U);  // cut short by the end
  EXPECT_EQ(error_of([] { require_utf8("a: 1\nname: caf\xE9\n", "c.yaml"); }),
            "c.yaml:2: byte 0xE9 at column 10 starts no UTF-8 character; save the file as UTF-8 text");
  EXPECT_EQ(error_of([] { require_utf8("\xFF", "c.yaml"); }),
            "c.yaml:1: byte 0xFF at column 1 starts no UTF-8 character; save the file as UTF-8 text");
  EXPECT_EQ(error_of([] { require_utf8("caf\xC3\xA9\n", "c.yaml"); }), "(no error)");
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
