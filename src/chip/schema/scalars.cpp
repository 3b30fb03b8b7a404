#include "chip/schema/scalars.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace aimc::chip {

namespace {
std::string clip(const std::string& s) { return s.size() > 40 ? s.substr(0, 37) + "..." : s; }
}  // namespace

bool is_quoted(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  if (node.IsNull()) return "null";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  const std::string& s = node.Scalar();
  if (!is_quoted(node)) {
    int64_t i = 0;
    if (parse_int(s, i) == IntParse::Ok) return "the integer " + s;
    if (parse_real(s)) return "the number " + s;
    if (parse_bool(s)) return "the boolean " + s;
  }
  return "the string '" + clip(s) + "'";
}

IntParse parse_int(const std::string& text, int64_t& out) {
  if (text.empty()) return IntParse::NotInteger;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  bool negative = false;
  if (*first == '-') {
    negative = true;
    ++first;
  }
  int base = 10;
  if (last - first > 2 && first[0] == '0' && (first[1] == 'x' || first[1] == 'X')) {
    base = 16;
    first += 2;
  }
  if (first == last || *first == '+' || *first == '-') return IntParse::NotInteger;
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(first, last, magnitude, base);
  if (ec == std::errc() && ptr == last) {
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (magnitude > limit) return IntParse::Overflow;
    out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return IntParse::Ok;
  }
  if (ec == std::errc::result_out_of_range && ptr == last) return IntParse::Overflow;
  // 1e12 and the like: a whole number written as a real.
  if (base == 10) {
    if (auto real = parse_real(text); real && std::floor(*real) == *real) {
      if (std::fabs(*real) >= 9.2e18) return IntParse::Overflow;
      out = static_cast<int64_t>(*real);
      return IntParse::Ok;
    }
  }
  return IntParse::NotInteger;
}

std::optional<double> parse_real(const std::string& text) {
  if (text.empty() || text[0] == '+') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

std::string format_real(double value) { return fmt::format("{}", value); }

}  // namespace aimc::chip
