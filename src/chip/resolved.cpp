#include "chip/resolved.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "chip/schema/schema.h"

namespace aimc::chip {

namespace {
void emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (auto it = v.begin(); it != v.end(); ++it) {
        out << YAML::Key << it.key() << YAML::Value;
        emit(out, it.value());
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      // Short lists of scalars on one line ([8, 8]); lists of maps as blocks.
      if (std::none_of(v.begin(), v.end(), [](const Json& e) { return e.is_structured(); })) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const Json& e : v) emit(out, e);
      out << YAML::EndSeq;
      break;
    case Json::value_t::null:
      out << YAML::Null;
      break;
    case Json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::number_integer:
      out << v.get<int64_t>();
      break;
    case Json::value_t::number_unsigned:
      out << v.get<uint64_t>();
      break;
    case Json::value_t::number_float:
      out << format_real(v.get<double>());
      break;
    default: {
      // Quote only text that would read back as something else (a number, a boolean, null).
      const std::string& s = v.get_ref<const std::string&>();
      int64_t i = 0;
      const bool ambiguous = s.empty() || s == "~" || s == "null" || parse_int(s, i) == IntParse::Ok ||
                             parse_real(s).has_value() || parse_bool(s).has_value();
      if (ambiguous) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
  }
}
}  // namespace

Json resolved_json(const ChipSpec& chip) { return chip_schema().to_json(chip); }

std::string json_to_yaml(const Json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

std::string resolved_yaml(const ChipSpec& chip) { return json_to_yaml(resolved_json(chip)); }

}  // namespace aimc::chip
