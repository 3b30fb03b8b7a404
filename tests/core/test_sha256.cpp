// SHA-256 against the FIPS 180-4 example digests, and a file read in pieces equal to its bytes hashed whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/sha256.h"

namespace aimc {

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileEqualsItsBytesAcrossChunks) {
  const auto path = std::filesystem::temp_directory_path() / "aimc_sha256_test.bin";
  std::string bytes(3 * (1 << 20) + 12345, '\0');  // more than one 1 MiB read, not a multiple of it
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(sha256_file(path.string()), sha256_hex(bytes));
  std::filesystem::remove(path);
  EXPECT_THROW(sha256_file(path.string()), Error);
}

}  // namespace aimc
