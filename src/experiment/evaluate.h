// The accuracy experiment: the digital fp32 reference, then the chip (functional simulation of the
// compiled Program) at each time since programming, over K independent programming draws (repeat r
// uses seed S + r). Language models report perplexity. What `aimc eval` runs and prints.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_spec.h"
#include "data/dataset.h"
#include "experiment/program_source.h"
#include "sim/functional/executor.h"

namespace aimc::experiment {

// The most programming draws an evaluation may ask for (--repeats, Python's repeats, a sweep's eval.repeats).
inline constexpr int64_t kMaxRepeats = 100000;

struct EvalOptions {
  std::vector<double> drift_times{1.0, 3600.0, 86400.0, 365 * 86400.0};  // seconds since programming
  int64_t repeats = 1;
  uint64_t seed = 0;
  int64_t batch = 64;
  int threads = 1;
  std::string read_mode;                                      // empty: the chip's first
  std::optional<chip::DriftCompensation> drift_compensation;  // override of the chip's scheme
  std::optional<chip::CompensationReadout> compensation_readout;
  bool allow_quantize = false;                                                 // accept fp32 weights rounded to the chip's grid
  bool adc_saturation = false;                                                 // count ADC conversions at their end codes
  functional::GemmPrecision gemm_precision = functional::GemmPrecision::fp32;  // the analog tiles' GEMM
  std::function<void(const std::string& label)> on_batch;                      // progress: called after every batch
};

struct EvalPoint {
  double t_s = 0;
  std::vector<double> values;  // per repeat: accuracy (fraction) or perplexity
  double mean = 0, std = 0;    // sample std (0 for one repeat)
  // With EvalOptions::adc_saturation, per analog layer, summed over the repeats: ADC conversions and
  // how many saturated (else empty).
  std::vector<functional::LayerConversions> conversions;
};

struct EvalResult {
  std::string metric;           // "accuracy" | "perplexity"
  double digital = 0;           // the fp32 reference's value
  std::vector<EvalPoint> chip;  // one per drift time
  int64_t samples = 0;
  int64_t tiles = 0;
  int64_t replicated_layers = 0;
  // Wall times: per sample on the chip and in the reference (the batches alone), per programming draw,
  // and per drift time and draw (the devices' state at that time: drift, read noise, compensation).
  double chip_ms_per_sample = 0, digital_ms_per_sample = 0, programming_s = 0, drift_s = 0;
  // The experiment as run, which the result records beside its figures (src/report).
  std::string model, data, chip_name, calibration;
  std::string read_mode;                                                   // as asked; empty: the chip's first
  std::string drift_compensation = "chip", compensation_readout = "chip";  // "chip": as the chip says
  uint64_t seed = 0;
  int64_t repeats = 1, batch = 0;
  int threads = 1;
  std::string wait_policy;         // how idle OpenMP threads waited (core/threads.h)
  bool malloc_huge_pages = false;  // malloc asked for transparent huge pages (core/threads.h)
  bool adc_saturation = false;     // EvalPoint::conversions were counted
  std::string gemm_precision = "fp32";
  nlohmann::ordered_json resolved_chip;
};

// Pre: `loaded` from load_or_compile, `data` loaded from `data_spec`. Throws Error when the data does
// not fit the model, a layer lacks an input step, or (without allow_quantize) the Program rounds fp32
// weights to a low-precision chip (require_chip_precision).
EvalResult evaluate(const LoadedProgram& loaded, const chip::ChipSpec& chip, const Dataset& data, const std::string& data_spec,
                    const EvalOptions& options);

// How many times evaluate() calls options.on_batch for `samples` samples: once per batch of the
// digital reference and of each (draw, drift time).
int64_t evaluation_batches(int64_t samples, const EvalOptions& options);

// Throws Error naming the layers whose fp32 weights the compiler rounded to the chip's grid.
void require_chip_precision(const program::Program& program, const chip::ChipSpec& chip);

// Option values: "chip" (as the chip says, nullopt), on|global, column|per-column, off|none; and
// "chip", read-path|adc, exact. Throw Error naming drift_compensation / compensation_readout.
std::optional<chip::DriftCompensation> parse_drift_compensation(const std::string& text);
std::optional<chip::CompensationReadout> parse_compensation_readout(const std::string& text);
// fp32 | bf16 | int8; throws Error naming gemm_precision.
functional::GemmPrecision parse_gemm_precision(const std::string& text);

// "1s,1h,1d,1y" → seconds (units s, m, h, d, w, y = 365 d; a bare number is seconds). Errors name `field`
// (the option or key the text came from).
std::vector<double> parse_drift_times(const std::string& text, const std::string& field = "drift_times");
std::string format_time(double t_s);

}  // namespace aimc::experiment
