// Helpers for the data tests: a per-test temporary directory and builders for small idx, CIFAR
// and .npy files, written from C++ so the tests need no data files.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace aimc::test {

using Bytes = std::vector<uint8_t>;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_path = std::filesystem::temp_directory_path() /
             ("aimc-data-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return m_path.string(); }
  std::string operator/(const std::string& name) const { return (m_path / name).string(); }

 private:
  std::filesystem::path m_path;
};

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

inline void write_text(const std::string& path, const std::string& text) { write_file(path, Bytes(text.begin(), text.end())); }

inline void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(f), Z_OK);
}

inline Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

inline void put_be32(Bytes& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

// An idx file: big-endian magic and dims, then `data`.
inline Bytes idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b;
  put_be32(b, magic);
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// `n` 28x28 images whose pixel k of image i is (7 * i + k) % 256.
inline Bytes image_pixels(uint32_t n, uint32_t rows = 28, uint32_t cols = 28) {
  Bytes b(size_t{n} * rows * cols);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < size_t{rows} * cols; ++k) b[i * rows * cols + k] = static_cast<uint8_t>((7 * i + k) % 256);
  }
  return b;
}

// CIFAR-10 records: label labels[i], pixel j of record i = (3 * i + j) % 256.
inline Bytes cifar_records(const std::vector<uint8_t>& labels) {
  Bytes b;
  for (size_t i = 0; i < labels.size(); ++i) {
    b.push_back(labels[i]);
    for (size_t j = 0; j < 3072; ++j) b.push_back(static_cast<uint8_t>((3 * i + j) % 256));
  }
  return b;
}

// A .npy file with the given version and header text (used verbatim, no padding), then `data`.
inline Bytes npy_bytes(const std::string& header, const Bytes& data, int major = 1) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  const size_t n = header.size();
  b.push_back(static_cast<uint8_t>(n & 0xff));
  b.push_back(static_cast<uint8_t>((n >> 8) & 0xff));
  if (major >= 2) {
    b.push_back(static_cast<uint8_t>((n >> 16) & 0xff));
    b.push_back(static_cast<uint8_t>((n >> 24) & 0xff));
  }
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

template <class T>
Bytes raw_of(const std::vector<T>& values) {
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  return Bytes(p, p + values.size() * sizeof(T));
}

// The aimc::Error thrown by `f`, or nothing.
template <class F>
std::optional<Error> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace aimc::test

// Expects `statement` to throw aimc::Error with context file `expected_file` and `substring` in what().
#define EXPECT_DATA_ERROR(statement, expected_file, substring)                      \
  do {                                                                              \
    std::optional<::aimc::Error> err_ = ::aimc::test::error_of([&] { statement; }); \
    if (!err_) {                                                                    \
      ADD_FAILURE() << "expected aimc::Error from: " #statement;                    \
      break;                                                                        \
    }                                                                               \
    EXPECT_EQ(err_->context().file, std::string(expected_file)) << err_->what();    \
    EXPECT_THAT(err_->what(), ::testing::HasSubstr(substring));                     \
  } while (false)
