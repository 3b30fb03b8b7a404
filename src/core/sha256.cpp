#include "core/sha256.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/input_file.h"

namespace aimc {

namespace {

// OpenSSL's SHA-256 (its SHA-NI / AVX2 code where the CPU has it), fed in pieces.
class Digest {
 public:
  Digest() : m_ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1) throw InternalError("SHA-256: cannot start");
  }
  void update(const void* data, size_t n) {
    if (EVP_DigestUpdate(m_ctx.get(), data, n) != 1) throw InternalError("SHA-256: update failed");
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m_ctx.get(), md.data(), &len) != 1) throw InternalError("SHA-256: cannot finish");
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> m_ctx;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Digest d;
  d.update(bytes.data(), bytes.size());
  return d.hex();
}

std::string sha256_file(const std::string& path) {
  require_regular_file(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot read the file", ErrorContext{.file = path});
  Digest d;
  std::vector<char> chunk(1 << 20);  // read in pieces: a large model is never copied whole
  while (f) {
    f.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    d.update(chunk.data(), static_cast<size_t>(f.gcount()));
  }
  if (f.bad()) throw Error("cannot read the file", ErrorContext{.file = path});
  return d.hex();
}

}  // namespace aimc
