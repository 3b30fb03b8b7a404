// Crossbar tile throughput against a plain fp32 GEMM of the same shape, in the same run:
//   HERMES PCM 256×256 tile, 8-bit PWM inputs and 8-bit ADC, batch 1024 (one- and four-phase), at
//   t = 1 h (drift, read noise, GDC) with the read mode's output noise;
//   charge-domain 1152×64-weight tile (1152×256 cells) at 4-bit BPBS, batch 1024, against GEMMs of
//   both the weight shape (1152×64) and the cell array's (1152×256).
// Run: OMP_NUM_THREADS=2 build-tile/bench/bench_tile   (OMP_NUM_THREADS sets the threads). On a
// shared machine compare ratios within one run, repeated; the CPU column (the main thread's CPU
// time) is steadier than wall time when other processes take the cores.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "chip/loader.h"
#include "core/rng.h"
#include "sim/functional/bit_kernels.h"
#include "sim/functional/conv_vectors.h"
#include "sim/functional/fixed_gemm.h"
#include "sim/functional/partial_sum.h"
#include "sim/functional/tile.h"

namespace {

using aimc::DType;
using aimc::Tensor;
using namespace aimc::functional;

aimc::chip::CoreSpec core_of(const std::string& preset) {
  static const aimc::chip::PresetLibrary library({std::string(AIMC_SOURCE_DIR) + "/presets"});
  return aimc::chip::load_chip(preset, library).cores;
}

Tensor random(int64_t r, int64_t c, uint64_t seed) {
  Tensor t(DType::f32, {r, c});
  aimc::Rng(seed, 0, aimc::RngPurpose::test).fill_normal(0, t.span<float>());
  return t;
}

void plain_gemm(benchmark::State& state, int64_t m, int64_t k, int64_t n) {
  using dnnl::memory;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a_d({m, k}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc b_d({k, n}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc c_d({m, n}, memory::data_type::f32, memory::format_tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_d, b_d, c_d), engine);
  const dnnl::matmul prim(pd);
  Tensor a = random(m, k, 1), b = random(k, n, 2), c(DType::f32, {m, n});
  memory a_m(a_d, engine, a.data<float>()), c_m(c_d, engine, c.data<float>()), b_m(pd.weights_desc(), engine);
  memory b_plain({{k, n}, memory::data_type::f32, memory::format_tag::ab}, engine, b.data<float>());
  dnnl::reorder(b_plain, b_m).execute(stream, b_plain, b_m);
  for (auto _ : state) {
    prim.execute(stream, {{DNNL_ARG_SRC, a_m}, {DNNL_ARG_WEIGHTS, b_m}, {DNNL_ARG_DST, c_m}});
    stream.wait();
  }
  state.SetItemsProcessed(state.iterations() * m);
}

void tile_mvm(benchmark::State& state, const std::string& preset, const std::string& mode, int64_t rows, int64_t cols,
              TileOptions options) {
  Tile tile(core_of(preset), TileContext{.seed = 1, .tile_id = 0, .read_mode = mode}, options);
  tile.program(random(rows, cols, 3));
  const Tensor x = random(1024, rows, 4);
  tile.calibrate(x);
  tile.set_time(3600);
  for (auto _ : state) benchmark::DoNotOptimize(tile.mvm(x).raw());
  state.SetItemsProcessed(state.iterations() * 1024);
}

// The same from inputs a layer has encoded once (Tile::mvm_codes: full chunks read in place by the
// GEMM); `relu`: non-negative inputs, as after a ReLU (four-phase then runs x⁺ only), in both forms.
// int8 (GemmPrecision::int8): the codes as bytes where the tile takes them (Tile::mvm_code_bytes).
void tile_mvm_inputs(benchmark::State& state, const std::string& mode, bool codes, bool relu,
                     GemmPrecision precision = GemmPrecision::fp32) {
  Tile tile(core_of("hermes"), TileContext{.seed = 1, .tile_id = 0, .read_mode = mode}, TileOptions{.gemm_precision = precision});
  tile.program(random(256, 256, 3));
  Tensor x = random(1024, 256, 4);
  if (relu) {
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::fabs(x.data<float>()[i]);
  }
  tile.calibrate(x);
  tile.set_time(3600);
  std::vector<float> q(static_cast<size_t>(x.numel())), y(1024 * 256);
  const bool negative = tile.encoder().encode({x.data<float>(), q.size()}, tile.scaling().input_step, q);
  if (codes && !tile.reads_codes()) {
    state.SkipWithError("this tile takes no codes");
    return;
  }
  const InputForm form = negative ? InputForm::codes : InputForm::nonnegative_codes;
  const bool bytes = codes && tile.reads_code_bytes(form);
  std::vector<uint8_t> q8(q.size());
  if (bytes) codes_to_bytes(q.data(), q.size(), tile.encoder().code_min() < 0, q8.data());
  for (auto _ : state) {
    if (bytes) {
      tile.mvm_code_bytes(q8.data(), 1024, 0, form, y.data());
    } else if (codes) {
      tile.mvm_codes(q.data(), 1024, 0, form, y.data());
    } else {
      tile.mvm(x.data<float>(), 256, 1024, 0, y.data());
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * 1024);
}

// The executor's scatter of a work item's outputs (n vectors × cols) into the conv output planes
// (cols planes of `plane` positions), against a plain copy of the same bytes.
void to_planes(benchmark::State& state, int64_t n, int64_t cols, int64_t plane) {
  const Tensor y = random(n, cols, 5);
  Tensor out(DType::f32, {cols, plane});
  for (auto _ : state) {
    vectors_to_planes(y.data<float>(), n, cols, out.data<float>(), plane, 1);
    benchmark::DoNotOptimize(out.raw());
  }
  state.SetBytesProcessed(state.iterations() * n * cols * 4);
}

void copy_bytes(benchmark::State& state, int64_t n, int64_t cols) {
  const Tensor y = random(n, cols, 5);
  Tensor out(DType::f32, {n, cols});
  for (auto _ : state) {
    std::memcpy(out.raw(), y.raw(), y.nbytes());
    benchmark::DoNotOptimize(out.raw());
  }
  state.SetBytesProcessed(state.iterations() * n * cols * 4);
}

// The executor's gather of a work item's input vectors (up to 256 output positions from position p0,
// im2col rows of c·k·k) from one sample's [c, h, w] planes, bytes written; compare copy_bytes.
void im2col(benchmark::State& state, int64_t c, int64_t h, int64_t k, int64_t stride, int64_t p0) {
  const int64_t pad = k / 2, oh = (h + 2 * pad - k) / stride + 1, n = std::min<int64_t>(256, oh * oh - p0), rows = c * k * k;
  const ConvGeometry g{
      .c = c, .h = h, .w = h, .oh = oh, .ow = oh, .kh = k, .kw = k, .sh = stride, .sw = stride, .ph = pad, .pw = pad};
  const Tensor x = random(c, h * h, 7);
  Tensor out(DType::f32, {n, rows});
  for (auto _ : state) {
    im2col_vectors(g, x.data<float>(), p0, 1, n, out.data<float>(), rows);
    benchmark::DoNotOptimize(out.raw());
  }
  state.SetBytesProcessed(state.iterations() * n * rows * 4);
}

// The same gather of 8-bit codes (an int8 layer's), from the sample padded once as the executor pads
// it: `grouped`, into 16-channel groups (im2col_vectors_hwc16, where it applies), else row by row
// (pad_sample, im2col_vectors_padded); bytes written.
void im2col_bytes(benchmark::State& state, int64_t c, int64_t h, int64_t k, int64_t stride, int64_t p0, bool grouped) {
  const int64_t pad = k / 2, oh = (h + 2 * pad - k) / stride + 1, n = std::min<int64_t>(256, oh * oh - p0), rows = c * k * k;
  const ConvGeometry g{
      .c = c, .h = h, .w = h, .oh = oh, .ow = oh, .kh = k, .kw = k, .sh = stride, .sw = stride, .ph = pad, .pw = pad};
  if (grouped && !im2col_hwc16_applies(g)) {
    state.SkipWithError("no 16-channel-group gather for this layer or CPU");
    return;
  }
  std::vector<uint8_t> x(static_cast<size_t>(c * h * h));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 37 % 251);
  std::vector<uint8_t> padded(static_cast<size_t>(grouped ? hwc16_sample_elements(g) : padded_sample_elements(g)));
  if (grouped) {
    pad_sample_hwc16(g, x.data(), padded.data());
  } else {
    pad_sample(g, x.data(), padded.data());
  }
  std::vector<uint8_t> out(static_cast<size_t>(n * rows));
  const RowSegmentsOf<uint8_t> segments{{0, rows}, {out.data()}, {rows}};
  for (auto _ : state) {
    if (grouped) {
      im2col_vectors_hwc16(g, padded.data(), p0, 1, n, segments);
    } else {
      im2col_vectors_padded(g, padded.data(), p0, 1, n, segments);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * n * rows);
}

// A row-split layer's partial sums: one tile's outputs (n vectors × cols) rounded to the
// accumulator's LSB and added with saturation, against the plain copy of the same bytes.
void partial_sums(benchmark::State& state, int64_t n, int64_t cols) {
  const Tensor y = random(n, cols, 6);
  std::vector<int32_t> acc(static_cast<size_t>(n * cols), 0);
  for (auto _ : state) {
    accumulate_partial_sums(acc, y.span<float>(), 0.0123f, 16);
    benchmark::DoNotOptimize(acc.data());
  }
  state.SetBytesProcessed(state.iterations() * n * cols * 4);
}

BENCHMARK_CAPTURE(copy_bytes, copy_256x512, 256, 512);
BENCHMARK_CAPTURE(partial_sums, partial_sums_256x512, 256, 512);
BENCHMARK_CAPTURE(copy_bytes, copy_256x576, 256, 576);
BENCHMARK_CAPTURE(im2col, im2col_c16_32x32_3x3, 16, 32, 3, 1, 500);       // ResNet-20 stage 1
BENCHMARK_CAPTURE(im2col, im2col_c64_8x8_3x3, 64, 8, 3, 1, 0);            // ResNet-20 stage 3 (all 64 positions)
BENCHMARK_CAPTURE(im2col, im2col_c16_32x32_3x3_s2, 16, 32, 3, 2, 0);      // ResNet-20 stage 2's first conv
BENCHMARK_CAPTURE(im2col, im2col_c64_56x56_3x3, 64, 56, 3, 1, 1000);      // ResNet-18 layer1
BENCHMARK_CAPTURE(im2col, im2col_c256_14x14_3x3, 256, 14, 3, 1, 0);       // layer3 (all 196 positions)
BENCHMARK_CAPTURE(im2col, im2col_c3_224x224_7x7_s2, 3, 224, 7, 2, 1000);  // conv1
BENCHMARK_CAPTURE(im2col_bytes, bytes_c16_32x32_3x3, 16, 32, 3, 1, 500, false);
BENCHMARK_CAPTURE(im2col_bytes, grouped_c16_32x32_3x3, 16, 32, 3, 1, 500, true);
BENCHMARK_CAPTURE(im2col_bytes, bytes_c64_8x8_3x3, 64, 8, 3, 1, 0, false);
BENCHMARK_CAPTURE(im2col_bytes, grouped_c64_8x8_3x3, 64, 8, 3, 1, 0, true);
BENCHMARK_CAPTURE(im2col_bytes, bytes_c64_56x56_3x3, 64, 56, 3, 1, 1000, false);
BENCHMARK_CAPTURE(im2col_bytes, grouped_c64_56x56_3x3, 64, 56, 3, 1, 1000, true);
BENCHMARK_CAPTURE(im2col_bytes, bytes_c256_14x14_3x3, 256, 14, 3, 1, 0, false);
BENCHMARK_CAPTURE(im2col_bytes, grouped_c256_14x14_3x3, 256, 14, 3, 1, 0, true);
BENCHMARK_CAPTURE(to_planes, to_planes_256x512_of_784, 256, 512, 784);
BENCHMARK_CAPTURE(to_planes, to_planes_256x64_of_3136, 256, 64, 3136);
BENCHMARK_CAPTURE(plain_gemm, gemm_1024x256x256, 1024, 256, 256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm, hermes_one_phase_256x256, "hermes", "one-phase", 256, 256, TileOptions{})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm, hermes_four_phase_256x256, "hermes", "four-phase", 256, 256, TileOptions{})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm_inputs, hermes_one_phase_codes_256x256, "one-phase", true, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm_inputs, hermes_four_phase_relu_256x256, "four-phase", false, true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm_inputs, hermes_four_phase_relu_codes_256x256, "four-phase", true, true)->Unit(benchmark::kMicrosecond);
// --gemm-precision int8: signed values (one-phase: one product; four-phase: four), and codes as bytes
// (one-phase signed; four-phase after a ReLU: x⁺ only).
BENCHMARK_CAPTURE(tile_mvm, hermes_one_phase_int8_256x256, "hermes", "one-phase", 256, 256,
                  TileOptions{.gemm_precision = GemmPrecision::int8})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm, hermes_four_phase_int8_256x256, "hermes", "four-phase", 256, 256,
                  TileOptions{.gemm_precision = GemmPrecision::int8})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm_inputs, hermes_one_phase_int8_bytes_256x256, "one-phase", true, false, GemmPrecision::int8)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm_inputs, hermes_four_phase_relu_int8_bytes_256x256, "four-phase", true, true, GemmPrecision::int8)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plain_gemm, gemm_1024x1152x64, 1024, 1152, 64)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plain_gemm, gemm_1024x1152x256, 1024, 1152, 256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(tile_mvm, bpbs_4b_1152x64, "verma-cimu", "bpbs", 1152, 64, TileOptions{.input_bits = 4, .weight_bits = 4})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("bit_kernels", aimc::functional::bit_kernels_isa());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
