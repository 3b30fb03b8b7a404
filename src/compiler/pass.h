// Compiler passes (STYLE P9): each a named, self-describing unit in its own file under passes/,
// with a one-line summary, typed options and statistics counters, registered by name.
//
// Contract: run() may mutate the context (graph, program, blocks, bins); it throws aimc::Error for
// a user-facing problem (a network that does not fit, an option out of range) and records what it
// did in statistics(). Options are set before run() and never change during it.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/context.h"

namespace aimc::compiler {

struct PassOption {
  std::string name;
  std::string type;  // "int", "enum", "bool", "real"
  std::string default_value;
  std::string help;
  std::vector<std::string> choices;                   // enum only
  int64_t min = std::numeric_limits<int64_t>::min();  // int only: the range a value must lie in
  int64_t max = std::numeric_limits<int64_t>::max();
  std::string range() const;  // "from 1 to 16", "1 or more", "" (any)
};

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual std::vector<PassOption> options() const { return {}; }
  virtual void run(CompileContext& ctx) = 0;

  // Sets an option from text; throws Error naming the pass and listing valid options/values.
  void set_option(const std::string& key, const std::string& value);
  // The option's current text value (its default when not set).
  std::string option(const std::string& key) const;
  int64_t int_option(const std::string& key) const;
  double real_option(const std::string& key) const;
  // "name{k=v,...}" with every option that differs from its default.
  std::string spec() const;

  std::map<std::string, int64_t>& statistics() { return m_stats; }
  const std::map<std::string, int64_t>& statistics() const { return m_stats; }

 private:
  PassOption find_option(const std::string& key) const;
  std::map<std::string, std::string> m_values;
  std::map<std::string, int64_t> m_stats;
};

using PassFactory = std::function<std::unique_ptr<Pass>()>;

struct PassInfo {
  std::string name;
  std::string summary;
  std::vector<PassOption> options;
  PassFactory make;
};

// The pass registry (function-local static; a duplicate name is an InternalError).
void register_pass(PassFactory make);
// Throws Error listing the registered names on an unknown one.
std::unique_ptr<Pass> create_pass(const std::string& name);
std::vector<PassInfo> registered_passes();

// Registers every built-in pass (idempotent); each passes/*.cpp defines one make_*_pass().
void register_builtin_passes();

std::unique_ptr<Pass> make_fold_batchnorm_pass();
std::unique_ptr<Pass> make_quantize_pass();
std::unique_ptr<Pass> make_lower_to_crossbar_pass();
std::unique_ptr<Pass> make_partition_pass();
std::unique_ptr<Pass> make_pack_pass();
std::unique_ptr<Pass> make_replicate_pass();
std::unique_ptr<Pass> make_place_pass();
std::unique_ptr<Pass> make_assign_digital_pass();
std::unique_ptr<Pass> make_route_pass();
std::unique_ptr<Pass> make_schedule_pass();

}  // namespace aimc::compiler
