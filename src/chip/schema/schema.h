// Schema<S>: the parameter table of one plain struct S (STYLE P3). Each field is declared once —
// key (with its unit in the name), member, codec (type and range), presence (required, defaulted
// or optional) and help — and that declaration drives YAML reading, validation of structs built
// in C++, the resolved JSON/YAML and the generated reference in docs/chip-yaml.md.
//
// Reading is strict (STYLE P4): a key the table does not declare is an error with a did-you-mean
// suggestion, a required key may not be missing, and a value outside its range is rejected.
// Reading "over a base" (a preset named by `base:`) keeps the base's value for every absent key
// and merges maps key by key; lists are replaced as a whole.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chip/schema/codecs.h"

namespace aimc::chip {

template <class S>
class Schema {
 public:
  // A cross-field rule: throws through site.fail / site.fail_key when `value` breaks it.
  using Check = std::function<void(const S& value, const Site& site)>;

  Schema(std::string name, std::string help) { m_doc.name = std::move(name), m_doc.help = std::move(help); }

  template <ValueCodec C>
  Schema& required(std::string key, typename C::value_type S::*member, C codec, std::string help) {
    add_doc(key, Presence::Required, codec, "", help);
    m_fields.push_back(Field{.key = std::move(key),
                             .presence = Presence::Required,
                             .read = [member, codec](S& s, const Site& site, bool over) { codec.read(s.*member, site, over); },
                             .absent = nullptr,
                             .validate = [member, codec](const S& s, const Site& site) { codec.validate(s.*member, site); },
                             .to_json = [member, codec](const S& s) { return codec.to_json(s.*member); },
                             .expected = codec.expected()});
    return *this;
  }

  template <ValueCodec C>
  Schema& defaulted(std::string key, typename C::value_type S::*member, C codec, typename C::value_type value, std::string help) {
    add_doc(key, Presence::Defaulted, codec, codec.to_json(value).dump(), help);
    m_fields.push_back(Field{.key = std::move(key),
                             .presence = Presence::Defaulted,
                             .read = [member, codec](S& s, const Site& site, bool over) { codec.read(s.*member, site, over); },
                             .absent = [member, value](S& s) { s.*member = value; },
                             .validate = [member, codec](const S& s, const Site& site) { codec.validate(s.*member, site); },
                             .to_json = [member, codec](const S& s) { return codec.to_json(s.*member); },
                             .expected = codec.expected()});
    return *this;
  }

  // Absent (or null) means "not known / not present": the member is std::nullopt.
  template <ValueCodec C>
  Schema& optional(std::string key, std::optional<typename C::value_type> S::*member, C codec, std::string help) {
    add_doc(key, Presence::Optional, codec, "", help);
    m_fields.push_back(Field{.key = std::move(key),
                             .presence = Presence::Optional,
                             .read =
                                 [member, codec](S& s, const Site& site, bool over) {
                                   auto& slot = s.*member;
                                   if (site.node().IsNull()) {
                                     slot.reset();
                                     return;
                                   }
                                   const bool merge = over && slot.has_value();
                                   if (!merge) slot.emplace();
                                   codec.read(*slot, site, merge);
                                 },
                             .absent = [member](S& s) { (s.*member).reset(); },
                             .validate =
                                 [member, codec](const S& s, const Site& site) {
                                   if (const auto& slot = s.*member) codec.validate(*slot, site);
                                 },
                             .to_json =
                                 [member, codec](const S& s) {
                                   const auto& slot = s.*member;
                                   return slot ? codec.to_json(*slot) : Json(nullptr);
                                 },
                             .expected = codec.expected()});
    return *this;
  }

  // A rule between fields, described in words for the docs.
  Schema& rule(std::string words, Check check) {
    m_doc.rules.push_back(std::move(words));
    m_checks.push_back(std::move(check));
    return *this;
  }

  // Reads the map at `site` into `out`. Keys in `extra_keys` are allowed and left to the caller.
  void read(S& out, const Site& site, bool over_base, const std::vector<std::string>& extra_keys = {}) const {
    const YAML::Node& node = site.node();
    if (!node.IsDefined() || !node.IsMap()) {
      site.fail(fmt::format("got {}; expected a map with keys: {}", describe_node(node), join_names(keys())));
    }
    check_keys(site, extra_keys);
    for (const Field& f : m_fields) {
      Site child = site.child(f.key);
      if (child.node().IsDefined()) {
        f.read(out, child, over_base);
      } else if (!over_base) {
        if (f.presence == Presence::Required) child.fail("missing required key; expected " + f.expected);
        f.absent(out);
      }
    }
    for (const Check& check : m_checks) check(out, site);
  }

  // The same range checks and rules for a struct built in C++.
  void validate(const S& value, const Site& site) const {
    for (const Field& f : m_fields) f.validate(value, site.child(f.key));
    for (const Check& check : m_checks) check(value, site);
  }

  Json to_json(const S& value) const {
    Json j = Json::object();
    for (const Field& f : m_fields) j[f.key] = f.to_json(value);
    return j;
  }

  const SchemaDoc& doc() const { return m_doc; }

  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const Field& f : m_fields) k.push_back(f.key);
    return k;
  }

 private:
  struct Field {
    std::string key;
    Presence presence;
    std::function<void(S&, const Site&, bool)> read;
    std::function<void(S&)> absent;
    std::function<void(const S&, const Site&)> validate;
    std::function<Json(const S&)> to_json;
    std::string expected;
  };

  template <class C>
  void add_doc(const std::string& key, Presence presence, const C& codec, std::string default_text, const std::string& help) {
    m_doc.fields.push_back(FieldDoc{.key = key,
                                    .presence = presence,
                                    .expected = codec.expected(),
                                    .default_text = std::move(default_text),
                                    .help = help,
                                    .nested = codec.nested(),
                                    .nested_suffix = codec.nested_suffix()});
  }

  void check_keys(const Site& site, const std::vector<std::string>& extra_keys) const {
    std::vector<std::string> allowed = keys();
    allowed.insert(allowed.end(), extra_keys.begin(), extra_keys.end());
    std::set<std::string> seen;
    for (auto it = site.node().begin(); it != site.node().end(); ++it) {
      if (!it->first.IsScalar()) site.fail("a key that is not a plain name; expected keys: " + join_names(allowed));
      const std::string& key = it->first.Scalar();
      Site at = site.child_at(key, it->second);
      if (!seen.insert(key).second) at.fail("duplicate key");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const std::string hint = did_you_mean(key, allowed);
        at.fail(hint.empty() ? "unknown key; expected one of: " + join_names(allowed) : "unknown key" + hint);
      }
    }
  }

  SchemaDoc m_doc;
  std::vector<Field> m_fields;
  std::vector<Check> m_checks;
};

// A nested map read by its own schema.
template <class T>
struct StructCodec {
  using value_type = T;
  const Schema<T>* schema = nullptr;

  std::string expected() const { return "a map (see `" + schema->doc().name + "`)"; }
  void read(T& out, const Site& site, bool over_base) const { schema->read(out, site, over_base); }
  void validate(const T& v, const Site& site) const { schema->validate(v, site); }
  Json to_json(const T& v) const { return schema->to_json(v); }
  const SchemaDoc* nested() const { return &schema->doc(); }
  std::string nested_suffix() const { return ""; }
};

// A map from names to maps of one schema (read modes, digital units, memories), kept in document
// order in a std::vector<T> whose elements carry their key in T::name. Over a base, an entry with
// a base's name merges into it, a new name adds an entry and `name: null` removes one.
template <class T>
struct NamedMapCodec {
  using value_type = std::vector<T>;
  const Schema<T>* schema = nullptr;
  std::size_t min_size = 0;

  std::string expected() const {
    return fmt::format("a map from names to maps (see `{}`){}", schema->doc().name,
                       min_size ? fmt::format(", at least {} entr{}", min_size, min_size == 1 ? "y" : "ies") : "");
  }
  void read(value_type& out, const Site& site, bool over_base) const {
    const YAML::Node& node = site.node();
    if (!node.IsDefined() || !node.IsMap()) site.fail(fmt::format("got {}; expected {}", describe_node(node), expected()));
    if (!over_base) out.clear();
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar().empty()) site.fail("an entry without a name; expected " + expected());
      const std::string& name = it->first.Scalar();
      Site at = site.child_at(name, it->second);
      if (!seen.insert(name).second) at.fail("duplicate key");
      auto existing = std::find_if(out.begin(), out.end(), [&](const T& t) { return t.name == name; });
      if (it->second.IsNull()) {
        if (!over_base) at.fail("null entry; expected a map (null only removes an entry inherited with base:)");
        if (existing == out.end()) at.fail("nothing to remove: the base has no entry '" + name + "'");
        out.erase(existing);
      } else if (existing != out.end()) {
        schema->read(*existing, at, true);
      } else {
        T fresh{};
        fresh.name = name;
        schema->read(fresh, at, false);
        out.push_back(std::move(fresh));
      }
    }
    check_size(out.size(), site);
  }
  void validate(const value_type& v, const Site& site) const {
    check_size(v.size(), site);
    for (const T& t : v) {
      if (t.name.empty()) site.fail("an entry without a name");
      schema->validate(t, site.child(t.name));
    }
  }
  Json to_json(const value_type& v) const {
    Json j = Json::object();
    for (const T& t : v) j[t.name] = schema->to_json(t);
    return j;
  }
  const SchemaDoc* nested() const { return &schema->doc(); }
  std::string nested_suffix() const { return ".<name>"; }

 private:
  void check_size(std::size_t size, const Site& site) const {
    if (size < min_size) site.fail(fmt::format("{} entries; expected {}", size, expected()));
  }
};

// The entry named `name`, or nullptr.
template <class T>
const T* find_named(const std::vector<T>& entries, std::string_view name) {
  for (const T& t : entries) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace aimc::chip
