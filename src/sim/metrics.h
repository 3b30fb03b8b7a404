// Evaluation over a dataset, for any executor (digital reference or chip simulation): the checks
// that a dataset fits a model, top-1 accuracy of classifiers and the negative log-likelihood of
// language models.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "ir/graph.h"

namespace aimc {

struct ClassificationResult {
  int64_t samples = 0;
  int64_t correct = 0;
  double accuracy() const { return samples > 0 ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0; }
};

// Any model, without labels: the fp32 reference's first output on every batch, and its squared norm, which the
// output error ‖chip − reference‖₂ / ‖reference‖₂ divides by (over every element of the first output).
struct ReferenceOutputs {
  std::vector<Tensor> batches;
  double squared_norm = 0;
};

// Language models: the sum of −log softmax(target) over every predicted token, in nats.
struct NllResult {
  int64_t tokens = 0;
  double nats = 0;
  double nats_per_token() const { return tokens > 0 ? nats / static_cast<double>(tokens) : 0.0; }
  double bits_per_token() const;
  double perplexity() const;
};

// Where a language model wants the batch: token windows [N, T] go in with the batch at
// `input_batch_axis` (0: [N, T]; 1: [T, N], sequence-first), logits [.., V] come out with the batch
// at `output_batch_axis`.
struct LanguageModelLayout {
  int input_batch_axis = 0;
  int output_batch_axis = 0;
};

// `forward(inputs, first_sample)` maps one batch of the dataset (in the model's layout) to the
// model's first output; first_sample is the global index of the batch's first sample (chip noise keys).
using SampleForward = std::function<Tensor(const Tensor& inputs, int64_t first_sample)>;
// Called after each batch with the number of samples done so far (progress bars).
using BatchDone = std::function<void(int64_t samples_done)>;

// Checks that `inputs` are [N, ...] samples of `graph`'s first input (its dtype, the dims after the
// batch); throws Error("<what> ... do not match the model input ...", where) otherwise.
void check_input_samples(const Graph& graph, const Tensor& inputs, const std::string& what, const ErrorContext& where);
// Checks that f32 `inputs` of `samples` samples, batch first, are all finite (a NaN would be scored as some
// class, or set a calibration range); throws Error("sample i holds a non-finite value ...", where).
void check_finite_samples(const Tensor& inputs, int64_t samples, const ErrorContext& where);
// Checks that `data` (from `spec`) fits a one-input classifier `graph` ([N, ...] samples of the input's
// shape and dtype, labels present, not empty); throws a one-line Error naming `spec` otherwise.
void check_classifier_data(const Graph& graph, const Dataset& data, const std::string& spec);
// Checks that token windows fit a one-input language model (i64 [N, T] or [T, N]) and returns its layout.
LanguageModelLayout check_language_model_data(const Graph& graph, const Dataset& data, const std::string& spec);

// Top-1 hits over the dataset in batches of at most `batch`. Scores [B, classes]; ties go to the
// lowest class index (as torch.argmax). Throws Error if the dataset has no labels or the scores' shape
// does not fit.
ClassificationResult evaluate_classifier(const SampleForward& forward, const Dataset& data, int64_t batch,
                                         const BatchDone& done = {});
// Token windows [N, T] with targets [N, T] (the tokens one step later) through a language model.
NllResult evaluate_language_model(const SampleForward& forward, const Dataset& data, int64_t batch,
                                  const LanguageModelLayout& layout, const BatchDone& done = {});
// Checks that unlabelled `data` (from `spec`) fits a one-input model ([N, ...] samples of its input, not empty, finite);
// throws a one-line Error naming `spec` otherwise.
void check_unlabelled_data(const Graph& graph, const Dataset& data, const std::string& spec);
// The reference's first output on every batch of at most `batch` samples (f32). Error when it is all zero (a
// relative error is undefined).
ReferenceOutputs collect_reference_outputs(const SampleForward& forward, const Dataset& data, int64_t batch,
                                           const BatchDone& done = {});
// The output error of `forward` on the same batches: ‖forward − reference‖₂ / ‖reference‖₂.
double output_error(const SampleForward& forward, const Dataset& data, int64_t batch, const ReferenceOutputs& reference,
                    const BatchDone& done = {});
// Windows [N, T] → the model's layout (a transpose to [T, N] for a batch axis of 1).
Tensor language_model_batch(const Tensor& windows, int batch_axis);

// Index of the largest score in each row of a [B, C] tensor (ties: lowest index).
std::vector<int64_t> argmax_rows(const Tensor& scores);

}  // namespace aimc
