#include "compiler/pass.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <mutex>

#include "core/error.h"

namespace aimc::compiler {

namespace {
std::map<std::string, PassInfo>& registry() {
  static std::map<std::string, PassInfo> r;
  return r;
}

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  size_t pos = 0;
  try {
    out = std::stoll(s, &pos);
  } catch (const std::exception&) {
    return false;
  }
  return pos == s.size();
}

bool parse_real(const std::string& s, double& out) {
  if (s.empty()) return false;
  size_t pos = 0;
  try {
    out = std::stod(s, &pos);
  } catch (const std::exception&) {
    return false;
  }
  return pos == s.size();
}
}  // namespace

std::string PassOption::range() const {
  constexpr int64_t kLow = std::numeric_limits<int64_t>::min(), kHigh = std::numeric_limits<int64_t>::max();
  if (min != kLow && max != kHigh) return fmt::format("from {} to {}", min, max);
  if (min != kLow) return fmt::format("{} or more", min);
  if (max != kHigh) return fmt::format("{} or less", max);
  return "";
}

PassOption Pass::find_option(const std::string& key) const {
  const std::vector<PassOption> all = options();
  for (const PassOption& o : all) {
    if (o.name == key) return o;
  }
  std::vector<std::string> names;
  for (const PassOption& o : all) names.push_back(o.name);
  throw Error(fmt::format("pass '{}' has no option '{}' (options: {})", name(), key,
                          names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))),
              ErrorContext{.field = "pipeline"});
}

void Pass::set_option(const std::string& key, const std::string& value) {
  const PassOption o = find_option(key);
  ErrorContext where{.field = "pipeline"};
  if (o.type == "enum" && std::find(o.choices.begin(), o.choices.end(), value) == o.choices.end()) {
    throw Error(fmt::format("{}{{{}={}}}: expected one of {}", name(), key, value, fmt::join(o.choices, ", ")), where);
  }
  int64_t i = 0;
  double r = 0;
  if (o.type == "int" && (!parse_int(value, i) || i < o.min || i > o.max)) {
    const std::string range = o.range();
    throw Error(fmt::format("{}{{{}={}}}: expected an integer{}", name(), key, value, range.empty() ? "" : ", " + range), where);
  }
  if (o.type == "real" && !parse_real(value, r)) {
    throw Error(fmt::format("{}{{{}={}}}: expected a number", name(), key, value), where);
  }
  if (o.type == "bool" && value != "true" && value != "false") {
    throw Error(fmt::format("{}{{{}={}}}: expected true or false", name(), key, value), where);
  }
  m_values[key] = value;
}

std::string Pass::option(const std::string& key) const {
  auto it = m_values.find(key);
  if (it != m_values.end()) return it->second;
  return find_option(key).default_value;
}

int64_t Pass::int_option(const std::string& key) const {
  int64_t v = 0;
  AIMC_ASSERT(parse_int(option(key), v), "option is not an integer: " + key);
  return v;
}

double Pass::real_option(const std::string& key) const {
  double v = 0;
  AIMC_ASSERT(parse_real(option(key), v), "option is not a number: " + key);
  return v;
}

std::string Pass::spec() const {
  std::vector<std::string> set;
  for (const PassOption& o : options()) {
    auto it = m_values.find(o.name);
    if (it != m_values.end() && it->second != o.default_value) set.push_back(o.name + "=" + it->second);
  }
  if (set.empty()) return std::string(name());
  return fmt::format("{}{{{}}}", name(), fmt::join(set, ","));
}

void register_pass(PassFactory make) {
  std::unique_ptr<Pass> p = make();
  std::string name(p->name());
  AIMC_ASSERT(!registry().count(name), "pass registered twice: " + name);
  registry()[name] = PassInfo{name, std::string(p->summary()), p->options(), std::move(make)};
}

std::unique_ptr<Pass> create_pass(const std::string& name) {
  register_builtin_passes();
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::vector<std::string> names;
    for (const auto& [n, info] : registry()) names.push_back(n);
    throw Error(fmt::format("unknown pass '{}' (passes: {})", name, fmt::join(names, ", ")), ErrorContext{.field = "pipeline"});
  }
  return it->second.make();
}

std::vector<PassInfo> registered_passes() {
  register_builtin_passes();
  std::vector<PassInfo> out;
  for (const auto& [n, info] : registry()) out.push_back(info);
  return out;
}

void register_builtin_passes() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_pass(make_fold_batchnorm_pass);
    register_pass(make_quantize_pass);
    register_pass(make_lower_to_crossbar_pass);
    register_pass(make_partition_pass);
    register_pass(make_pack_pass);
    register_pass(make_replicate_pass);
    register_pass(make_place_pass);
    register_pass(make_assign_digital_pass);
    register_pass(make_route_pass);
    register_pass(make_schedule_pass);
  });
}

}  // namespace aimc::compiler
