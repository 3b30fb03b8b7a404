#include "sim/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/reductions.h"

namespace aimc {

double NllResult::bits_per_token() const { return nats_per_token() / std::log(2.0); }
double NllResult::perplexity() const { return std::exp(nats_per_token()); }

std::vector<int64_t> argmax_rows(const Tensor& scores) {
  if (scores.rank() != 2 || scores.dtype() != DType::f32) {
    throw Error(fmt::format("expected class scores of shape [batch, classes] (f32), got {} {}", dtype_name(scores.dtype()),
                            shape_str(scores.shape())));
  }
  int64_t rows = scores.dim(0), cols = scores.dim(1);
  const float* s = scores.data<float>();
  std::vector<int64_t> out(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c) {
      if (s[r * cols + c] > s[r * cols + best]) best = c;
    }
    out[static_cast<size_t>(r)] = best;
  }
  return out;
}

void check_input_samples(const Graph& graph, const Tensor& inputs, const std::string& what, const ErrorContext& where) {
  const Value& in = graph.value(graph.inputs.at(0));
  Shape want = in.shape;
  const Shape& got = inputs.shape();
  if (in.batch_axis != 0) {
    throw Error(fmt::format("{} are [N, ...] arrays, but the model input '{}' {} has its batch at axis {}: export the model "
                            "batch-first, or give token data (tokens:) to a sequence-first language model",
                            what, in.name, shape_str(want), in.batch_axis),
                where);
  }
  if (got.size() != want.size() || in.dtype != inputs.dtype() || !std::equal(want.begin() + 1, want.end(), got.begin() + 1)) {
    want[0] = got.empty() ? 0 : got[0];
    throw Error(fmt::format("{} {} {} do not match the model input '{}' {} {}", what, dtype_name(inputs.dtype()), shape_str(got),
                            in.name, dtype_name(in.dtype), shape_str(want)),
                where);
  }
}

void check_classifier_data(const Graph& graph, const Dataset& data, const std::string& spec) {
  if (graph.inputs.size() != 1) {
    throw Error(fmt::format("the model needs one input, this one has {}", graph.inputs.size()), ErrorContext{.field = "model"});
  }
  check_input_samples(graph, data.inputs, "dataset samples", ErrorContext{.file = spec});
  if (!data.has_labels()) throw Error("the dataset has no labels", ErrorContext{.file = spec});
  if (data.labels.rank() != 1 || data.labels.dtype() != DType::i64) {
    throw Error("expected one i64 class label per sample", ErrorContext{.file = spec});
  }
  if (data.size() == 0) throw Error("the dataset is empty", ErrorContext{.file = spec});
  // Labels the model cannot output would score 0 % without a word; NaN inputs would be class 0.
  const Value& out = graph.value(graph.outputs.at(0));
  const int64_t classes = out.shape.size() == 2 && out.batch_axis == 0 ? out.shape[1] : 0;
  const int64_t* label = data.labels.data<int64_t>();
  for (int64_t i = 0; i < data.labels.numel(); ++i) {
    if (label[i] < 0 || (classes > 0 && label[i] >= classes)) {
      throw Error(fmt::format("sample {} has label {}; the model outputs {} classes (0..{})", i, label[i], classes, classes - 1),
                  ErrorContext{.file = spec});
    }
  }
  check_finite_samples(data.inputs, data.size(), ErrorContext{.file = spec});
}

void check_finite_samples(const Tensor& inputs, int64_t samples, const ErrorContext& where) {
  if (inputs.dtype() != DType::f32 || samples < 1) return;
  const float* x = inputs.data<float>();
  if (const int64_t i = first_non_finite(x, inputs.numel()); i >= 0) {
    throw Error(
        fmt::format("sample {} holds a non-finite value ({}); expected finite inputs", i / (inputs.numel() / samples), x[i]),
        where);
  }
}

LanguageModelLayout check_language_model_data(const Graph& graph, const Dataset& data, const std::string& spec) {
  if (graph.inputs.size() != 1 || graph.outputs.empty()) {
    throw Error(fmt::format("the model needs one input, this one has {}", graph.inputs.size()), ErrorContext{.field = "model"});
  }
  const Value& in = graph.value(graph.inputs[0]);
  const Value& out = graph.value(graph.outputs[0]);
  const int64_t t_len = data.inputs.rank() == 2 ? data.inputs.dim(1) : 0;
  const bool ok = t_len > 0 && in.shape.size() == 2 && (in.batch_axis == 0 || in.batch_axis == 1) &&
                  in.shape[static_cast<size_t>(1 - in.batch_axis)] == t_len && in.dtype == DType::i64 &&
                  (out.batch_axis == 0 || out.batch_axis == 1);
  if (!ok) {
    throw Error(fmt::format("token windows i64 [N, {}] do not match the model input '{}' {} {} (batch axis {})", t_len, in.name,
                            dtype_name(in.dtype), shape_str(in.shape), in.batch_axis),
                ErrorContext{.file = spec});
  }
  if (!data.has_labels() || data.size() == 0) throw Error("the dataset has no token windows", ErrorContext{.file = spec});
  return LanguageModelLayout{.input_batch_axis = in.batch_axis, .output_batch_axis = out.batch_axis};
}

ClassificationResult evaluate_classifier(const SampleForward& forward, const Dataset& data, int64_t batch,
                                         const BatchDone& done) {
  if (!data.has_labels()) throw Error("dataset has no labels", ErrorContext{.file = data.path});
  if (data.labels.rank() != 1 || data.labels.dtype() != DType::i64) {
    throw Error("expected one i64 class label per sample", ErrorContext{.file = data.path});
  }
  AIMC_ASSERT(batch > 0, "evaluate_classifier: batch must be positive");
  ClassificationResult r;
  const int64_t* labels = data.labels.data<int64_t>();
  for (int64_t begin = 0; begin < data.size(); begin += batch) {
    const int64_t end = std::min(begin + batch, data.size());
    const Tensor scores = forward(data.inputs.slice_outer(begin, end), begin);
    if (scores.rank() != 2 || scores.dim(0) != end - begin) {
      throw Error(fmt::format("the model's output {} is not [batch, classes] scores", shape_str(scores.shape())),
                  ErrorContext{.field = "model"});
    }
    const std::vector<int64_t> pred = argmax_rows(scores);
    for (int64_t i = 0; i < end - begin; ++i) r.correct += pred[static_cast<size_t>(i)] == labels[begin + i] ? 1 : 0;
    r.samples += end - begin;
    if (done) done(end);
  }
  return r;
}

void check_unlabelled_data(const Graph& graph, const Dataset& data, const std::string& spec) {
  if (graph.inputs.size() != 1) {
    throw Error(fmt::format("the model needs one input, this one has {}", graph.inputs.size()), ErrorContext{.field = "model"});
  }
  check_input_samples(graph, data.inputs, "dataset samples", ErrorContext{.file = spec});
  if (data.size() == 0) throw Error("the dataset is empty", ErrorContext{.file = spec});
  check_finite_samples(data.inputs, data.size(), ErrorContext{.file = spec});
}

ReferenceOutputs collect_reference_outputs(const SampleForward& forward, const Dataset& data, int64_t batch,
                                           const BatchDone& done) {
  AIMC_ASSERT(batch > 0, "collect_reference_outputs: batch must be positive");
  ReferenceOutputs ref;
  for (int64_t begin = 0; begin < data.size(); begin += batch) {
    const int64_t end = std::min(begin + batch, data.size());
    Tensor y = forward(data.inputs.slice_outer(begin, end), begin);
    if (y.dtype() != DType::f32) {
      throw Error(fmt::format("the model's first output is {} {}; the output error compares f32 outputs", dtype_name(y.dtype()),
                              shape_str(y.shape())),
                  ErrorContext{.field = "model"});
    }
    for (const float v : y.span<float>()) ref.squared_norm += static_cast<double>(v) * static_cast<double>(v);
    ref.batches.push_back(std::move(y));
    if (done) done(end);
  }
  if (!(ref.squared_norm > 0)) {
    throw Error("the reference's outputs are all zero on these samples: a relative output error is undefined",
                ErrorContext{.field = "data"});
  }
  return ref;
}

double output_error(const SampleForward& forward, const Dataset& data, int64_t batch, const ReferenceOutputs& reference,
                    const BatchDone& done) {
  AIMC_ASSERT(batch > 0, "output_error: batch must be positive");
  double squared_error = 0;
  size_t k = 0;
  for (int64_t begin = 0; begin < data.size(); begin += batch, ++k) {
    const int64_t end = std::min(begin + batch, data.size());
    const Tensor y = forward(data.inputs.slice_outer(begin, end), begin);
    AIMC_ASSERT(k < reference.batches.size() && y.shape() == reference.batches[k].shape() && y.dtype() == DType::f32,
                "output_error: the outputs do not match the reference's batches");
    const float* a = y.data<float>();
    const float* r = reference.batches[k].data<float>();
    for (int64_t i = 0; i < y.numel(); ++i) {
      const double d = static_cast<double>(a[i]) - static_cast<double>(r[i]);
      squared_error += d * d;
    }
    if (done) done(end);
  }
  return std::sqrt(squared_error / reference.squared_norm);
}

Tensor language_model_batch(const Tensor& windows, int batch_axis) {
  if (batch_axis == 0) return windows;
  const int64_t n = windows.dim(0), t = windows.dim(1);
  Tensor x(DType::i64, {t, n});
  const int64_t* s = windows.data<int64_t>();
  int64_t* d = x.data<int64_t>();
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t j = 0; j < t; ++j) d[j * n + b] = s[b * t + j];
  }
  return x;
}

NllResult evaluate_language_model(const SampleForward& forward, const Dataset& data, int64_t batch,
                                  const LanguageModelLayout& layout, const BatchDone& done) {
  AIMC_ASSERT(batch > 0, "evaluate_language_model: batch must be positive");
  NllResult r;
  const int64_t n = data.size(), t_len = data.inputs.dim(1);
  const int64_t* targets = data.labels.data<int64_t>();
  for (int64_t b0 = 0; b0 < n; b0 += batch) {
    const int64_t b1 = std::min(n, b0 + batch), nb = b1 - b0;
    const Tensor logits = forward(language_model_batch(data.inputs.slice_outer(b0, b1), layout.input_batch_axis), b0);
    if (logits.rank() != 3 || logits.dtype() != DType::f32 || logits.numel() % (nb * t_len) != 0) {
      throw Error(fmt::format("the model's output {} is not [T, N, V] or [N, T, V] logits", shape_str(logits.shape())),
                  ErrorContext{.field = "model"});
    }
    const int64_t v = logits.dim(2);
    const float* l = logits.data<float>();
    for (int64_t b = 0; b < nb; ++b) {
      for (int64_t j = 0; j < t_len; ++j) {
        const float* row = l + (layout.output_batch_axis == 0 ? b * t_len + j : j * nb + b) * v;
        const float m = *std::max_element(row, row + v);
        double z = 0;
        for (int64_t c = 0; c < v; ++c) z += std::exp(static_cast<double>(row[c] - m));
        const int64_t target = targets[(b0 + b) * t_len + j];
        if (target < 0 || target >= v) {
          throw Error(fmt::format("target token {} is outside the model's vocabulary of {}", target, v),
                      ErrorContext{.file = data.path});
        }
        r.nats += std::log(z) + static_cast<double>(m) - static_cast<double>(row[target]);
        ++r.tokens;
      }
    }
    if (done) done(b1);
  }
  return r;
}

}  // namespace aimc
