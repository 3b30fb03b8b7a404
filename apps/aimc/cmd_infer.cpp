// aimc infer: top-1 accuracy (or a language model's perplexity) and speed of the digital reference on a dataset.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "core/text_file.h"
#include "core/threads.h"
#include "data/dataset.h"
#include "onnx/importer.h"
#include "reference/executor.h"
#include "sim/metrics.h"

namespace aimc::cli {

namespace {
struct InferArgs {
  std::string model;
  std::string data;
  int64_t limit = -1;
  int64_t batch = 128;
  int threads = 2;
  std::string json;
  bool force = false;
};

void run_infer(const InferArgs& a) {
  std::vector<std::string> inputs = dataset_paths(a.data);
  inputs.push_back(a.model);
  check_outputs({{"--json", a.json}}, inputs, a.force);
  Graph graph = import_onnx(a.model);
  Dataset data = load_dataset(a.data, a.limit);
  const bool lm = data.kind == "tokens";
  LanguageModelLayout layout;
  if (lm) {
    layout = check_language_model_data(graph, data, a.data);
  } else {
    check_classifier_data(graph, data, a.data);
  }
  ReferenceExecutor exec(graph, ReferenceOptions{.threads = a.threads});
  const SampleForward forward = [&](const Tensor& x, int64_t) { return exec.run({x}).at(0); };
  auto start = std::chrono::steady_clock::now();
  ClassificationResult r;
  NllResult nll;
  if (lm) {
    nll = evaluate_language_model(forward, data, a.batch, layout);
  } else {
    r = evaluate_classifier(forward, data, a.batch);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t samples = data.size();
  double ips = seconds > 0 ? static_cast<double>(samples) / seconds : 0.0;
  const char* unit = lm ? "windows" : "images";
  fmt::print("model      {}\n", a.model);
  fmt::print("data       {} ({} {})\n", a.data, samples, unit);
  if (lm) {
    fmt::print("perplexity {:.4f} ({:.4f} bits per token over {} tokens)\n", nll.perplexity(), nll.bits_per_token(), nll.tokens);
  } else {
    fmt::print("accuracy   {:.2f}% ({} / {})\n", 100.0 * r.accuracy(), r.correct, r.samples);
  }
  fmt::print("speed      {:.0f} {}/s (batch {}, {} threads, {:.3f} s)\n", ips, unit, a.batch, a.threads, seconds);
  if (!a.json.empty()) {
    nlohmann::ordered_json j{{"model", a.model}, {"data", a.data}};
    if (lm) {
      j["metric"] = "perplexity";
      j["perplexity"] = nll.perplexity();
      j["bits_per_token"] = nll.bits_per_token();
      j["tokens"] = nll.tokens;
      j["windows"] = samples;
    } else {
      j["metric"] = "accuracy";
      j["accuracy"] = r.accuracy();
      j["correct"] = r.correct;
      j["images"] = r.samples;
    }
    j["samples_per_s"] = ips;
    if (!lm) j["images_per_s"] = ips;
    j["seconds"] = seconds;
    j["batch"] = a.batch;
    j["threads"] = a.threads;
    write_text_file(a.json, json_text(j, 2) + "\n");
  }
}
}  // namespace

void add_infer(CLI::App& app) {
  auto args = std::make_shared<InferArgs>();
  CLI::App* sub = app.add_subcommand(
      "infer",
      "Top-1 accuracy (language models: perplexity, bits per token) and speed of the digital fp32 reference on a dataset");
  sub->add_option("--model", args->model, "ONNX model")->required();
  sub->add_option("--data", args->data,
                  "mnist:DIR[,split=train] | cifar10:DIR | npy:X.npy[,Y.npy] | tokens:TEXT[,seq=N][,level=word|char] "
                  "(docs/user-guide-data.md)")
      ->required();
  sub->add_option("--limit", args->limit, "evaluate only the first N samples")->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  sub->add_option("--batch", args->batch, "batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  sub->add_option("--threads", args->threads, "threads")->check(CLI::Range(1, kMaxThreads));
  sub->add_option("--json", args->json, "also write the result as JSON to this file");
  add_force_flag(sub, args->force);
  sub->callback([args] { run_infer(*args); });
}

}  // namespace aimc::cli
