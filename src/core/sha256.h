// SHA-256 (FIPS 180-4, OpenSSL's libcrypto) of bytes and files, as lowercase hex. Used to tie a Program to the model
// file and chip it was compiled for.
#pragma once

#include <string>
#include <string_view>

namespace aimc {

std::string sha256_hex(std::string_view bytes);
// Throws Error naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace aimc
