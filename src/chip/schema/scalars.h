// Strict reading of YAML scalars: integers, numbers, booleans and strings, with no silent
// conversions (a quoted "256" is a string, `yes` is not a boolean, 1.5 is not an integer).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

namespace aimc::chip {

// "a map", "a list", "null", "a string 'abc'", "the number 1.5"... for "got X" in messages.
std::string describe_node(const YAML::Node& node);

// True for a scalar written in quotes (or as a block literal): it is text, never a number.
bool is_quoted(const YAML::Node& node);

enum class IntParse { Ok, NotInteger, Overflow };
// Decimal or 0x-prefixed hexadecimal, optional leading '-'. Also whole numbers written with an
// exponent (1e12) so absurd sizes are reported as out of range rather than as "not an integer".
IntParse parse_int(const std::string& text, int64_t& out);

// A finite decimal number (1, -2.5, 5.12e-7). "inf" and "nan" are rejected.
std::optional<double> parse_real(const std::string& text);

// Only `true` and `false` (YAML 1.2 core schema).
std::optional<bool> parse_bool(const std::string& text);

// Shortest text that reads back to the same double ("133", "5.12e-07").
std::string format_real(double value);

}  // namespace aimc::chip
