// The dataset spec: parsing, checking and dispatch to the readers; and the npy:X[,Y] dataset.
#include "data/dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "data/npy.h"
#include "data/readers.h"
#include "data/tokens.h"

namespace aimc {

namespace {

constexpr const char* kAccepted =
    "accepted: mnist:DIR[,split=test|train] | cifar10:DIR|FILE.bin[.gz] | npy:X.npy[,Y.npy] | "
    "tokens:TEXT[,vocab=FILE|train=FILE][,seq=N][,level=word|char]";

struct Form {
  std::string_view kind;
  size_t min_paths, max_paths;
  std::vector<std::string_view> keys;
  std::string_view syntax;
};

const std::vector<Form>& forms() {
  static const std::vector<Form> kForms = {
      {"mnist", 1, 1, {"split"}, "mnist:DIR[,split=test|train]"},
      {"cifar10", 1, 1, {}, "cifar10:DIR|FILE.bin[.gz]"},
      {"npy", 1, 2, {}, "npy:X.npy[,Y.npy]"},
      {"tokens", 1, 1, {"vocab", "train", "seq", "level"}, "tokens:TEXT[,vocab=FILE|train=FILE][,seq=N][,level=word|char]"},
  };
  return kForms;
}

[[noreturn]] void bad_spec(const std::string& message) { throw Error(message, ErrorContext{.field = "data"}); }

std::string option(const DatasetSpec& spec, std::string_view key, const std::string& fallback) {
  for (const auto& [k, v] : spec.options) {
    if (k == key) return v;
  }
  return fallback;
}

int64_t positive_int(const std::string& key, const std::string& value, const Form& form) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v <= 0 || v > (int64_t{1} << 30)) {
    bad_spec(fmt::format("{}={}: expected a positive integer (in {})", key, value, form.syntax));
  }
  return v;
}

const Form& form_of(const std::string& kind) {
  for (const Form& f : forms()) {
    if (f.kind == kind) return f;
  }
  bad_spec(fmt::format("unknown dataset kind '{}'; {}", kind, kAccepted));
}

}  // namespace

DatasetSpec parse_dataset_spec(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) bad_spec(fmt::format("'{}' is not KIND:PATH; {}", spec, kAccepted));
  DatasetSpec out;
  out.kind = spec.substr(0, colon);
  const Form& form = form_of(out.kind);
  const std::string rest = spec.substr(colon + 1);
  for (size_t pos = 0;;) {
    size_t comma = rest.find(',', pos);
    std::string part = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.empty()) {
      bad_spec(fmt::format("'{}' has an empty {}; expected {}", spec, pos == 0 ? "path" : "part", form.syntax));
    }
    if (size_t eq = part.find('='); eq != std::string::npos) {
      std::string key = part.substr(0, eq), value = part.substr(eq + 1);
      if (std::find(form.keys.begin(), form.keys.end(), key) == form.keys.end()) {
        bad_spec(form.keys.empty() ? fmt::format("{}: unknown option '{}' ({} takes no options); expected {}", out.kind, key,
                                                 out.kind, form.syntax)
                                   : fmt::format("{}: unknown option '{}' (accepted: {}); expected {}", out.kind, key,
                                                 fmt::join(form.keys, ", "), form.syntax));
      }
      if (value.empty()) bad_spec(fmt::format("{}: option '{}' has no value; expected {}", out.kind, key, form.syntax));
      for (const auto& kv : out.options) {
        if (kv.first == key) bad_spec(fmt::format("{}: option '{}' given twice", out.kind, key));
      }
      out.options.emplace_back(std::move(key), std::move(value));
    } else {
      out.paths.push_back(std::move(part));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (out.paths.size() < form.min_paths || out.paths.size() > form.max_paths) {
    bad_spec(fmt::format("{}: {} path{} given; expected {}", out.kind, out.paths.size(), out.paths.size() == 1 ? "" : "s",
                         form.syntax));
  }
  return out;
}

Dataset load_npy_dataset(const std::string& x_path, const std::string& y_path, int64_t limit) {
  Tensor x = read_npy_rows(x_path, limit);
  if (x.rank() == 0) throw Error("a scalar has no samples: expected an array [N, ...]", ErrorContext{.file = x_path});
  Dataset d{.kind = "npy", .path = x_path, .inputs = x, .labels = {}};
  if (y_path.empty()) return d;
  const Shape x_shape = read_npy_shape(x_path), y_shape = read_npy_shape(y_path);
  const ErrorContext at{.file = y_path};
  if (!(y_shape.size() == 1 || (y_shape.size() == 2 && y_shape[1] == 1))) {
    throw Error(fmt::format("labels must have shape [N] or [N, 1], got {}", shape_str(y_shape)), at);
  }
  if (y_shape[0] != x_shape[0]) {
    throw Error(fmt::format("{} labels, but {} has {} samples", y_shape[0], x_path, x_shape[0]), at);
  }
  Tensor y = read_npy_rows(y_path, limit);
  if (y.dtype() == DType::f32) {
    throw Error("labels must be an integer array (<i4, <i8, |i1, |u1, |b1), this one is floating point", at);
  }
  d.labels = Tensor::from(y.to_int64_vector(), {y.dim(0)});
  return d;
}

Dataset load_dataset(const std::string& spec_text, int64_t limit) {
  const DatasetSpec spec = parse_dataset_spec(spec_text);
  const Form& form = form_of(spec.kind);
  const std::string& path = spec.paths[0];
  if (spec.kind == "mnist") {
    const std::string split = option(spec, "split", "test");
    if (split != "test" && split != "train") {
      bad_spec(fmt::format("split={}: expected split=test or split=train (in {})", split, form.syntax));
    }
    return load_mnist(path, split, limit);
  }
  if (spec.kind == "cifar10") return load_cifar10(path, limit);
  if (spec.kind == "npy") return load_npy_dataset(path, spec.paths.size() > 1 ? spec.paths[1] : "", limit);
  AIMC_ASSERT(spec.kind == "tokens", "load_dataset: unhandled kind " + spec.kind);
  TokenOptions opts{.text = path, .vocab = option(spec, "vocab", ""), .train = option(spec, "train", "")};
  if (!opts.vocab.empty() && !opts.train.empty()) bad_spec("tokens: give vocab=FILE or train=FILE, not both");
  const std::string seq = option(spec, "seq", "");
  if (!seq.empty()) opts.seq = positive_int("seq", seq, form);
  const std::string level = option(spec, "level", "word");
  if (level == "word") {
    opts.level = TokenLevel::word;
  } else if (level == "char") {
    opts.level = TokenLevel::character;
  } else {
    bad_spec(fmt::format("level={}: expected level=word or level=char (in {})", level, form.syntax));
  }
  return load_tokens(opts, limit);
}

}  // namespace aimc
