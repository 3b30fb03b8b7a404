// Expected<T>: a value or the reason it could not be made (STYLE P13). Infeasibility is a normal
// outcome of mapping; the pass that needs the value turns it into an Error for the user.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/error.h"

namespace aimc::compiler {

struct Infeasible {
  std::string reason;
};

template <class T>
class Expected {
 public:
  Expected(T value) : m_v(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Expected(Infeasible why) : m_v(std::move(why)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() {
    AIMC_ASSERT(ok(), "Expected::value on an infeasible result");
    return std::get<0>(m_v);
  }
  const Infeasible& error() const {
    AIMC_ASSERT(!ok(), "Expected::error on a value");
    return std::get<1>(m_v);
  }

 private:
  std::variant<T, Infeasible> m_v;
};

}  // namespace aimc::compiler
