#include "chip/loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "chip/schema/schema.h"
#include "core/error.h"
#include "core/input_file.h"

namespace aimc::chip {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kMaxBaseDepth = 16;

// The chain of files being loaded, to report a base that loops back.
using Chain = std::vector<std::string>;

YAML::Node parse_yaml(const std::string& text, const std::string& label) {
  require_utf8(text, label);
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::string where = label;
    if (!e.mark.is_null()) where = fmt::format("{}:{}", label, e.mark.line + 1);
    throw Error("invalid YAML: " + e.msg, ErrorContext{.file = where});
  }
}

// A chip file is text a person writes: 16 MiB is far beyond any.
std::string read_text(const std::string& path) { return read_whole_file(path, uint64_t{16} << 20, "a chip .yaml file"); }

ChipSpec load_document(const std::string& text, const std::string& label, const std::string& dir, const PresetLibrary& presets,
                       Chain& chain);

std::string chain_key(const std::string& path) {
  std::error_code ec;
  std::string key = fs::weakly_canonical(path, ec).string();
  return ec ? path : key;
}

ChipSpec load_file(const std::string& path, const PresetLibrary& presets, Chain& chain) {
  if (chain.size() >= kMaxBaseDepth) {
    throw Error(fmt::format("more than {} levels of base:", kMaxBaseDepth), ErrorContext{.file = path});
  }
  chain.push_back(chain_key(path));
  std::string dir = fs::path(path).parent_path().string();
  ChipSpec spec = load_document(read_text(path), path, dir.empty() ? "." : dir, presets, chain);
  chain.pop_back();
  return spec;
}

// The file a `base:` value names.
std::string resolve_base(const Site& base_site, const std::string& dir, const PresetLibrary& presets) {
  const std::string& ref = scalar_text(base_site, "a preset name or a chip file path");
  if (looks_like_path(ref)) {
    fs::path p(ref);
    return (p.is_absolute() ? p : fs::path(dir) / p).lexically_normal().string();
  }
  if (auto found = presets.find(ref)) return found->string();
  const std::vector<std::string> names = presets.names();
  base_site.fail(fmt::format("unknown preset '{}'{}; expected one of: {}, or a path to a .yaml file", ref,
                             did_you_mean(ref, names), names.empty() ? "(no presets found)" : join_names(names)));
}

ChipSpec load_document(const std::string& text, const std::string& label, const std::string& dir, const PresetLibrary& presets,
                       Chain& chain) {
  const YAML::Node root = parse_yaml(text, label);
  const Site site(label, root);
  if (!root.IsDefined() || root.IsNull()) site.fail("empty file; expected a chip description (a map)");
  if (!root.IsMap()) site.fail(fmt::format("got {}; expected a chip description (a map)", describe_node(root)));

  const Site base_site = site.child("base");
  if (!base_site.node().IsDefined()) {
    ChipSpec spec;
    chip_schema().read(spec, site, false, {"base"});
    return spec;
  }
  const std::string base_path = resolve_base(base_site, dir, presets);
  if (std::find(chain.begin(), chain.end(), chain_key(base_path)) != chain.end()) {
    std::string loop;
    for (const std::string& c : chain) loop += fs::path(c).filename().string() + " -> ";
    base_site.fail("base chain loops: " + loop + fs::path(base_path).filename().string());
  }
  // The base's own errors name the base file and line.
  ChipSpec spec = load_file(base_path, presets, chain);
  if (!site.child("name").node().IsDefined()) {
    site.fail_key("name", "missing required key; a chip derived with base: needs its own name");
  }
  chip_schema().read(spec, site, true, {"base"});
  return spec;
}
}  // namespace

ChipSpec load_chip_file(const std::string& path, const PresetLibrary& presets) {
  Chain chain;
  return load_file(path, presets, chain);
}

ChipSpec load_chip(const std::string& ref, const PresetLibrary& presets) {
  if (!looks_like_path(ref)) {
    if (auto found = presets.find(ref)) return load_chip_file(found->string(), presets);
    std::error_code ec;
    if (!fs::is_regular_file(ref, ec)) {
      const std::vector<std::string> names = presets.names();
      throw Error(fmt::format("unknown chip '{}'{}; expected a preset ({}) or a .yaml file", ref, did_you_mean(ref, names),
                              names.empty() ? "none found" : join_names(names)));
    }
  }
  return load_chip_file(ref, presets);
}

ChipSpec parse_chip(const std::string& yaml, const std::string& label, const PresetLibrary& presets, const std::string& dir) {
  Chain chain;
  return load_document(yaml, label, dir, presets, chain);
}

}  // namespace aimc::chip
