// Errors: one user-facing type carrying where the problem is, and one for bugs.
//
// Contract: library code throws; only a front-end (CLI main, Python module) turns an
// exception into an exit code or a Python exception. `what()` is always one line.
#pragma once

#include <stdexcept>
#include <string>

namespace aimc {

// Where a user error was found. Empty fields are omitted from the message.
struct ErrorContext {
  std::string file;   // input file (ONNX model, YAML chip, dataset)
  std::string node;   // graph node name
  std::string op;     // op type of that node
  std::string field;  // YAML path, CLI flag or tensor/field name
};

// A problem with the user's input: bad file, unsupported op, shape mismatch, bad flag.
class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, ErrorContext context = {});

  const std::string& message() const { return m_message; }
  const ErrorContext& context() const { return m_context; }
  const char* what() const noexcept override { return m_what.c_str(); }

  // Fill in context known only further up the stack; fields already set are kept.
  Error& with_file(const std::string& file);
  Error& with_node(const std::string& node, const std::string& op);
  Error& with_field(const std::string& field);

 private:
  void rebuild();
  std::string m_message;
  ErrorContext m_context;
  std::string m_what;
};

// A user error where a model's samples would mix along the axis taken as the batch (a reshape
// merging it, a softmax over it, ...). The importer catches it to try another axis when the model's
// inputs are all static (no symbolic dimension says which axis is the batch).
class BatchAxisError : public Error {
 public:
  using Error::Error;
};

// A bug in aimc itself (a broken invariant), never the user's fault.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error("internal error: " + message) {}
};

// Throws InternalError when `condition` is false.
#define AIMC_ASSERT(condition, message)                                                                       \
  do {                                                                                                        \
    if (!(condition)) {                                                                                       \
      throw ::aimc::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + (message)); \
    }                                                                                                         \
  } while (false)

}  // namespace aimc
