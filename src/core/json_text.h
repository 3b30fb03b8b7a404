// JSON text of aimc's documents (results, Programs, sweep records, hashes of canonical forms). Their strings
// may hold bytes that are not UTF-8 — a file name on a Latin-1 file system, an ONNX node's name — which
// nlohmann's writer throws on; here such bytes become U+FFFD. Valid UTF-8 is written as dump() writes it,
// byte for byte, so hashes of canonical forms do not change.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace aimc {

template <class Json>
std::string json_text(const Json& json, int indent = -1) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace aimc
