// Value codecs: how one YAML value of a given C++ type is read, checked, described and written.
//
// Contract of every codec C (checked by the ValueCodec concept):
//   C::value_type                         the C++ type
//   expected()                            what a valid value looks like, for messages and docs
//   read(T& out, const Site&, over_base)  read site.node() into out; when over_base, out already
//                                         holds a base preset's value and maps merge into it
//   validate(const T&, const Site&)       the same range checks for a value built in C++
//   to_json(const T&)                     the resolved value
//   nested()                              the schema of a map value (or nullptr)
// Every failure is Site::fail, so it names the file, line and YAML path.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "chip/schema/scalars.h"
#include "chip/schema/schema_doc.h"
#include "chip/schema/site.h"
#include "core/suggest.h"

namespace aimc::chip {

using Json = nlohmann::ordered_json;

template <class C>
concept ValueCodec = requires(const C& c, typename C::value_type& v, const Site& s) {
  { c.expected() } -> std::convertible_to<std::string>;
  c.read(v, s, true);
  c.validate(std::as_const(v), s);
  { c.to_json(std::as_const(v)) } -> std::convertible_to<Json>;
  { c.nested() } -> std::convertible_to<const SchemaDoc*>;
  { c.nested_suffix() } -> std::convertible_to<std::string>;
};

// "[8, 8]"
inline std::string list_text(const std::vector<int64_t>& values) {
  std::string s;
  for (int64_t v : values) s += (s.empty() ? "" : ", ") + std::to_string(v);
  return "[" + s + "]";
}

// The scalar text of site.node(), or a failure saying what was expected instead.
inline const std::string& scalar_text(const Site& site, const std::string& expected) {
  const YAML::Node& n = site.node();
  if (!n.IsDefined() || !n.IsScalar()) site.fail(fmt::format("got {}; expected {}", describe_node(n), expected));
  return n.Scalar();
}

struct IntCodec {
  using value_type = int64_t;
  int64_t lo = 0;
  int64_t hi = 0;

  std::string expected() const { return fmt::format("an integer in {}..{}", lo, hi); }
  void read(int64_t& out, const Site& site, bool /*over_base*/) const {
    const std::string& text = scalar_text(site, expected());
    int64_t v = 0;
    const IntParse r = is_quoted(site.node()) ? IntParse::NotInteger : parse_int(text, v);
    if (r == IntParse::Overflow) site.fail(fmt::format("{} is out of range; expected {}", text, expected()));
    if (r != IntParse::Ok) site.fail(fmt::format("got {}; expected {}", describe_node(site.node()), expected()));
    validate(v, site);
    out = v;
  }
  void validate(int64_t v, const Site& site) const {
    if (v < lo || v > hi) site.fail(fmt::format("{} is out of range; expected {}", v, expected()));
  }
  Json to_json(int64_t v) const { return v; }
  const SchemaDoc* nested() const { return nullptr; }
  std::string nested_suffix() const { return ""; }
};

// A finite number in [lo, hi], or (lo, hi] when lo_open.
struct RealCodec {
  using value_type = double;
  double lo = 0;
  double hi = 0;
  bool lo_open = false;

  std::string expected() const {
    return fmt::format("a number in {}{}, {}]", lo_open ? "(" : "[", format_real(lo), format_real(hi));
  }
  void read(double& out, const Site& site, bool /*over_base*/) const {
    const std::string& text = scalar_text(site, expected());
    auto v = is_quoted(site.node()) ? std::nullopt : parse_real(text);
    if (!v) site.fail(fmt::format("got {}; expected {}", describe_node(site.node()), expected()));
    validate(*v, site);
    out = *v;
  }
  void validate(double v, const Site& site) const {
    if (!(lo_open ? v > lo : v >= lo) || !(v <= hi)) {
      site.fail(fmt::format("{} is out of range; expected {}", format_real(v), expected()));
    }
  }
  Json to_json(double v) const { return v; }
  const SchemaDoc* nested() const { return nullptr; }
  std::string nested_suffix() const { return ""; }
};

struct BoolCodec {
  using value_type = bool;
  std::string expected() const { return "true or false"; }
  void read(bool& out, const Site& site, bool /*over_base*/) const {
    const std::string& text = scalar_text(site, expected());
    auto v = is_quoted(site.node()) ? std::nullopt : parse_bool(text);
    if (!v) site.fail(fmt::format("got {}; expected {}", describe_node(site.node()), expected()));
    out = *v;
  }
  void validate(bool, const Site&) const {}
  Json to_json(bool v) const { return v; }
  const SchemaDoc* nested() const { return nullptr; }
  std::string nested_suffix() const { return ""; }
};

// Free text (names, descriptions). `non_empty` rejects "".
struct StringCodec {
  using value_type = std::string;
  bool non_empty = true;
  std::string expected() const { return non_empty ? "a non-empty string" : "a string"; }
  void read(std::string& out, const Site& site, bool /*over_base*/) const {
    out = scalar_text(site, expected());
    validate(out, site);
  }
  void validate(const std::string& v, const Site& site) const {
    if (non_empty && v.empty()) site.fail("empty string; expected " + expected());
  }
  Json to_json(const std::string& v) const { return v; }
  const SchemaDoc* nested() const { return nullptr; }
  std::string nested_suffix() const { return ""; }
};

// One of a closed set of names, mapped to an enum.
template <class E>
struct EnumCodec {
  using value_type = E;
  std::vector<std::pair<std::string, E>> names;

  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& [name, value] : names) k.push_back(name);
    return k;
  }
  std::string expected() const { return "one of: " + join_names(keys()); }
  void read(E& out, const Site& site, bool /*over_base*/) const {
    const std::string& text = scalar_text(site, expected());
    for (const auto& [name, value] : names) {
      if (name == text) {
        out = value;
        return;
      }
    }
    site.fail(fmt::format("unknown value '{}'{}; expected {}", text, did_you_mean(text, keys()), expected()));
  }
  void validate(const E& v, const Site& site) const {
    for (const auto& [name, value] : names) {
      if (value == v) return;
    }
    site.fail("invalid enumerator; expected " + expected());
  }
  Json to_json(const E& v) const {
    for (const auto& [name, value] : names) {
      if (value == v) return name;
    }
    return nullptr;
  }
  const std::string& name_of(const E& v) const {
    for (const auto& [name, value] : names) {
      if (value == v) return name;
    }
    static const std::string unknown = "?";
    return unknown;
  }
  const SchemaDoc* nested() const { return nullptr; }
  std::string nested_suffix() const { return ""; }
};

// A YAML list of elements; a list given over a base replaces the base's list as a whole.
template <ValueCodec C>
struct ListCodec {
  using T = typename C::value_type;
  using value_type = std::vector<T>;
  C element;
  std::size_t min_size = 0;
  std::size_t max_size = 1 << 20;

  std::string expected() const {
    const std::string n = max_size == min_size     ? std::to_string(min_size)
                          : max_size >= (1u << 20) ? fmt::format("{} or more", min_size)
                                                   : fmt::format("{} to {}", min_size, max_size);
    return fmt::format("a list of {} elements, each {}", n, element.expected());
  }
  void read(value_type& out, const Site& site, bool /*over_base*/) const {
    const YAML::Node& n = site.node();
    if (!n.IsDefined() || !n.IsSequence()) site.fail(fmt::format("got {}; expected {}", describe_node(n), expected()));
    value_type v(n.size());
    for (std::size_t i = 0; i < n.size(); ++i) element.read(v[i], site.element(i), false);
    check_size(v.size(), site);
    out = std::move(v);
  }
  void validate(const value_type& v, const Site& site) const {
    check_size(v.size(), site);
    for (std::size_t i = 0; i < v.size(); ++i) element.validate(v[i], site.element(i));
  }
  Json to_json(const value_type& v) const {
    Json j = Json::array();
    for (const T& x : v) j.push_back(element.to_json(x));
    return j;
  }
  const SchemaDoc* nested() const { return element.nested(); }
  std::string nested_suffix() const { return "[]"; }

 private:
  void check_size(std::size_t size, const Site& site) const {
    if (size < min_size || size > max_size) {
      site.fail(fmt::format("a list of {} elements; expected {}", size, expected()));
    }
  }
};

}  // namespace aimc::chip
