// Evaluation metrics: top-1 with ties, language-model NLL in both layouts against closed forms,
// and the dataset/model fit checks.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "sim/metrics.h"

namespace aimc {
namespace {

Tensor i64_tensor(Shape shape, std::vector<int64_t> values) {
  Tensor t(DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

TEST(Metrics, ClassifierCountsTopOneWithTiesToTheLowestIndex) {
  Dataset data{.kind = "npy", .path = "x.npy", .inputs = Tensor(DType::f32, {3, 2}), .labels = i64_tensor({3}, {0, 1, 1})};
  // Sample 0: tie between classes 0 and 1 → 0 (right); 1: class 1 (right); 2: class 0 (wrong).
  const float scores[3][2] = {{1, 1}, {0, 2}, {3, -1}};
  std::vector<int64_t> firsts;
  const auto r = evaluate_classifier(
      [&](const Tensor& x, int64_t first) {
        firsts.push_back(first);
        Tensor s(DType::f32, {x.dim(0), 2});
        for (int64_t i = 0; i < x.dim(0); ++i) {
          for (int c = 0; c < 2; ++c) s.data<float>()[i * 2 + c] = scores[first + i][c];
        }
        return s;
      },
      data, 2);
  EXPECT_EQ(r.samples, 3);
  EXPECT_EQ(r.correct, 2);
  EXPECT_EQ(firsts, (std::vector<int64_t>{0, 2}));
}

// Logits that make softmax(target) = p exactly known: row = [log p, log (1 − p)] for V = 2.
double expected_nats(const std::vector<double>& p) {
  double s = 0;
  for (double v : p) s -= std::log(v);
  return s;
}

TEST(Metrics, LanguageModelNllInBothLayouts) {
  // Two windows of T = 3 tokens, V = 2; target always token 0, p(0) differs per (window, position).
  const std::vector<double> p = {0.9, 0.5, 0.25, 0.6, 0.7, 0.8};  // [window][position]
  Dataset data{.kind = "tokens",
               .path = "t.txt",
               .inputs = i64_tensor({2, 3}, {1, 1, 1, 1, 1, 1}),
               .labels = i64_tensor({2, 3}, {0, 0, 0, 0, 0, 0})};
  for (int axis : {0, 1}) {
    const auto forward = [&](const Tensor& x, int64_t first) {
      const int64_t nb = axis == 0 ? x.dim(0) : x.dim(1);
      Tensor l(DType::f32, axis == 0 ? Shape{nb, 3, 2} : Shape{3, nb, 2});
      for (int64_t b = 0; b < nb; ++b) {
        for (int64_t j = 0; j < 3; ++j) {
          const double pj = p[static_cast<size_t>((first + b) * 3 + j)];
          float* row = l.data<float>() + (axis == 0 ? b * 3 + j : j * nb + b) * 2;
          row[0] = static_cast<float>(std::log(pj));
          row[1] = static_cast<float>(std::log(1 - pj));
        }
      }
      return l;
    };
    const NllResult r = evaluate_language_model(forward, data, 1, LanguageModelLayout{axis, axis});
    EXPECT_EQ(r.tokens, 6);
    EXPECT_NEAR(r.nats, expected_nats(p), 1e-6) << "axis " << axis;
    EXPECT_NEAR(r.bits_per_token(), expected_nats(p) / 6 / std::log(2.0), 1e-6);
    EXPECT_NEAR(r.perplexity(), std::exp(expected_nats(p) / 6), 1e-5);
  }
}

TEST(Metrics, LanguageModelBatchTransposesToSequenceFirst) {
  const Tensor w = i64_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor t = language_model_batch(w, 1);
  ASSERT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + 6), (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
}

TEST(Metrics, TargetOutsideTheVocabularyIsAnError) {
  Dataset data{.kind = "tokens", .path = "t.txt", .inputs = i64_tensor({1, 1}, {0}), .labels = i64_tensor({1, 1}, {7})};
  const auto forward = [](const Tensor&, int64_t) { return Tensor(DType::f32, {1, 1, 2}); };
  EXPECT_THROW(evaluate_language_model(forward, data, 4, {}), Error);
}

}  // namespace
}  // namespace aimc
