#include "sim/functional/fixed_gemm.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/threads.h"

namespace aimc::functional {

using dnnl::memory;

__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void codes_to_bytes(const float* __restrict x,
                                                                                                  size_t n, bool is_signed,
                                                                                                  uint8_t* __restrict y) {
  const float lo = is_signed ? -128.0f : 0.0f, hi = is_signed ? 127.0f : 255.0f;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(v));  // two's complement bytes for s8
  }
}

namespace {
// One CPU engine for every GEMM, so that a thread's stream and memory handles serve them all.
const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}
}  // namespace

struct FixedGemm::Impl {
  const dnnl::engine& engine = cpu_engine();
  int64_t k = 0, n = 0;
  int64_t rows = FixedGemm::kChunkRows;  // chunk_rows()
  GemmPrecision precision = GemmPrecision::fp32;
  bool signed_rows = true;  // int8: A rows as s8 (else u8)
  std::vector<float> step;  // int8: each column's grid step (B ≈ w · step)
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory weights;
};

FixedGemm::FixedGemm() : m_impl(std::make_unique<Impl>()) {}
FixedGemm::~FixedGemm() = default;
FixedGemm::FixedGemm(FixedGemm&&) noexcept = default;
FixedGemm& FixedGemm::operator=(FixedGemm&&) noexcept = default;

int64_t FixedGemm::k() const { return m_impl->k; }
int64_t FixedGemm::n() const { return m_impl->n; }
GemmPrecision FixedGemm::precision() const { return m_impl->precision; }
int64_t FixedGemm::chunk_rows() const { return m_impl->rows; }

bool FixedGemm::available(GemmPrecision precision) {
  const auto runs = [](GemmPrecision p) {
    const std::vector<float> b(16, 1.0f);
    try {
      FixedGemm().set_weights(b.data(), 4, 4, p);
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  static const bool bf16 = runs(GemmPrecision::bf16), int8 = runs(GemmPrecision::int8);
  return precision == GemmPrecision::fp32 || (precision == GemmPrecision::bf16 ? bf16 : int8);
}

namespace {
memory::data_type operand_type(GemmPrecision p, bool signed_rows) {
  if (p == GemmPrecision::int8) return signed_rows ? memory::data_type::s8 : memory::data_type::u8;
  return p == GemmPrecision::bf16 ? memory::data_type::bf16 : memory::data_type::f32;
}
memory::data_type weight_type(GemmPrecision p) {
  if (p == GemmPrecision::int8) return memory::data_type::s8;
  return p == GemmPrecision::bf16 ? memory::data_type::bf16 : memory::data_type::f32;
}
memory::data_type output_type(GemmPrecision p) {
  return p == GemmPrecision::int8 ? memory::data_type::s32 : memory::data_type::f32;
}

// int8: each column of b (k×n) on its own symmetric grid of 127 steps of max|b_col| / 127, rounded
// to nearest even; the integers in w, the steps returned (0 for an all-zero column).
std::vector<float> to_column_grid(const float* b, int64_t k, int64_t n, std::vector<int8_t>& w) {
  std::vector<float> step(static_cast<size_t>(n), 0.0f);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < n; ++j) step[j] = std::max(step[j], std::fabs(b[i * n + j]));
  }
  for (float& s : step) s /= 127.0f;
  w.assign(static_cast<size_t>(k * n), 0);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double q = step[j] > 0 ? std::nearbyint(static_cast<double>(b[i * n + j]) / step[j]) : 0.0;
      w[i * n + j] = static_cast<int8_t>(std::clamp(q, -127.0, 127.0));
    }
  }
  return step;
}
}  // namespace

void FixedGemm::set_weights(const float* b, int64_t k, int64_t n, GemmPrecision precision, bool signed_rows) {
  Impl& im = *m_impl;
  const bool int8 = precision == GemmPrecision::int8;
  signed_rows = signed_rows || !int8;  // (other precisions take A as it is)
  const bool same_shape = im.prim && im.k == k && im.n == n && im.precision == precision && im.signed_rows == signed_rows;
  im.k = k;
  im.n = n;
  im.rows = !int8 ? kChunkRows : (n <= 128 ? kMaxChunkRows : (n <= 256 ? kMaxChunkRows / 2 : kChunkRows));
  im.precision = precision;
  im.signed_rows = signed_rows;
  if (!same_shape) {
    // One thread while the primitive is planned: its work split must not depend on the caller's
    // thread count (it always runs on one thread, inside our own parallel loop).
    ThreadScope one(1);
    const memory::desc src({im.rows, k}, operand_type(precision, signed_rows), memory::format_tag::ab);
    const memory::desc wei({k, n}, weight_type(precision), memory::format_tag::any);
    const memory::desc dst({im.rows, n}, output_type(precision), memory::format_tag::ab);
    // A user scratchpad, one per thread (Scratch below): the library's global scratchpad is not safe
    // for concurrent executions of one primitive from several threads.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    try {
      im.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wei, dst), attr, im.engine);
    } catch (const dnnl::error&) {
      if (precision == GemmPrecision::fp32) throw;
      throw Error(fmt::format("GEMM precision {0}: oneDNN has no {0} matmul on this CPU (it needs AVX-512); use fp32",
                              to_string(precision)));
    }
    if (int8 && std::string_view(im.pd.impl_info_str()).find("vnni") == std::string_view::npos &&
        std::string_view(im.pd.impl_info_str()).find("amx") == std::string_view::npos) {
      // Without VNNI, oneDNN's int8 kernels add products in pairs in 16 bits with saturation.
      throw Error("GEMM precision int8 needs a CPU with AVX-512 VNNI (oneDNN's int8 kernels saturate without it); use fp32");
    }
    im.prim = dnnl::matmul(im.pd);
    im.weights = memory(im.pd.weights_desc(), im.engine);
  }
  std::vector<int8_t> grid;
  if (int8) im.step = to_column_grid(b, k, n, grid);
  const memory::desc plain({k, n}, int8 ? memory::data_type::s8 : memory::data_type::f32, memory::format_tag::ab);
  memory src(plain, im.engine, int8 ? static_cast<void*>(grid.data()) : const_cast<float*>(b));
  dnnl::stream stream(im.engine);
  dnnl::reorder(src, im.weights).execute(stream, src, im.weights);
  stream.wait();
}

namespace {
// Per-thread input and output buffers, kept between runs (no allocation or page faults per MVM).
struct Scratch {
  std::vector<float> a, y;
  std::vector<uint16_t> a16;  // GemmPrecision::bf16: one operand's rows as bf16
  std::vector<uint8_t> a8;    // GemmPrecision::int8: one operand's rows as 8-bit integers
  std::vector<int32_t> y32;   // GemmPrecision::int8: one operand's integer sums
  std::vector<uint8_t> pad;   // the primitive's scratchpad
  // The library's stream and memory handles, made once per thread (and GEMM shape) rather than per
  // run: creating them allocates. Their data pointers are set before every use.
  std::optional<dnnl::stream> stream;
  struct Handles {
    memory a, y, pad;
  };
  std::map<std::tuple<int64_t, int64_t, GemmPrecision, bool>, Handles> handles;
};

// bf16 bits of n floats, rounded to nearest even; a NaN stays a (quiet) NaN.
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void to_bf16(const float* __restrict x, size_t n,
                                                                                           uint16_t* __restrict y) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = 0;
    std::memcpy(&u, x + i, sizeof(u));
    const auto rounded = static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    y[i] = (u & 0x7FFFFFFFu) > 0x7F800000u ? static_cast<uint16_t>((u >> 16) | 0x40u) : rounded;
  }
}
// int8: rows × n integer sums back to values, float(sum) × the column's step.
__attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"))) void sums_to_values(const int32_t* __restrict s,
                                                                                                  int64_t rows, int64_t n,
                                                                                                  const float* __restrict step,
                                                                                                  float* __restrict y) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < n; ++j) y[i * n + j] = static_cast<float>(s[i * n + j]) * step[j];
  }
}
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}
}  // namespace

void FixedGemm::run(int64_t m, uint64_t first, int64_t operands, const ChunkFn& prepare, const ChunkFn& finish) const {
  const Impl& im = *m_impl;
  AIMC_ASSERT(im.prim, "FixedGemm::run before set_weights");
  AIMC_ASSERT(operands >= 1 && operands <= 32, "FixedGemm::run: 1 to 32 operands");
  if (m == 0) return;
  const auto rows = static_cast<uint64_t>(im.rows);
  const uint64_t chunk0 = first / rows;
  const int64_t chunks = static_cast<int64_t>((first + static_cast<uint64_t>(m) - 1) / rows - chunk0 + 1);
  const size_t a_block = static_cast<size_t>(im.rows * im.k), y_block = static_cast<size_t>(im.rows * im.n);
  const uint32_t all = operands == 32 ? ~0u : (1u << operands) - 1;
  // One thread's buffers and library handles, then its chunks.
  const auto chunks_on_this_thread = [&](bool shared) {
    Scratch& s = scratch();
    if (s.a.size() < a_block * static_cast<size_t>(operands)) s.a.resize(a_block * static_cast<size_t>(operands), 0.0f);
    if (s.y.size() < y_block * static_cast<size_t>(operands)) s.y.resize(y_block * static_cast<size_t>(operands), 0.0f);
    const bool bf16 = im.precision == GemmPrecision::bf16;
    const bool int8 = im.precision == GemmPrecision::int8;
    if (bf16 && s.a16.size() < a_block) s.a16.resize(a_block);
    if (int8 && s.a8.size() < a_block) s.a8.resize(a_block);
    if (int8 && s.y32.size() < y_block * static_cast<size_t>(operands)) s.y32.resize(y_block * static_cast<size_t>(operands));
    if (!s.stream) s.stream.emplace(im.engine);
    dnnl::stream& stream = *s.stream;
    const memory::desc pad_desc = im.pd.scratchpad_desc();
    if (s.pad.size() < pad_desc.get_size()) s.pad.resize(pad_desc.get_size());
    const auto emplaced = s.handles.try_emplace({im.k, im.n, im.precision, im.signed_rows});
    const auto at = emplaced.first;  // (not a structured binding: clang 14 cannot capture one in the chunk lambda)
    const bool fresh = emplaced.second;
    if (fresh) {
      const memory::desc a_desc({im.rows, im.k}, operand_type(im.precision, im.signed_rows), memory::format_tag::ab);
      const memory::desc y_desc({im.rows, im.n}, output_type(im.precision), memory::format_tag::ab);
      at->second = {memory(a_desc, im.engine, nullptr), memory(y_desc, im.engine, nullptr), memory(pad_desc, im.engine, nullptr)};
    }
    memory& a_mem = at->second.a;
    memory& y_mem = at->second.y;
    memory& pad_mem = at->second.pad;
    pad_mem.set_data_handle(s.pad.data());
    const auto one_chunk = [&](int64_t c) {
      const uint64_t base = (chunk0 + static_cast<uint64_t>(c)) * rows;  // global index of position 0
      GemmChunk chunk;
      chunk.i0 = static_cast<int64_t>(std::max(base, first) - first);
      chunk.i1 = std::min<int64_t>(m, static_cast<int64_t>(base + rows - first));
      chunk.pos0 = static_cast<int64_t>(first + static_cast<uint64_t>(chunk.i0) - base);
      chunk.rows = im.rows;
      chunk.a = s.a.data();
      chunk.y = s.y.data();
      chunk.active = all;
      chunk.a0 = nullptr;
      chunk.bytes = int8 ? s.a8.data() : nullptr;
      chunk.bytes0 = nullptr;
      chunk.wrote_bytes = false;
      chunk.wants_sums = false;
      chunk.sums = nullptr;
      chunk.step = nullptr;
      prepare(chunk);
      AIMC_ASSERT(int8 || !chunk.wants_sums, "FixedGemm: integer sums from a GEMM that is not int8");
      AIMC_ASSERT((chunk.a0 == nullptr && chunk.bytes0 == nullptr) || (chunk.pos0 == 0 && chunk.i1 - chunk.i0 == im.rows),
                  "FixedGemm: rows read in place for a partial chunk");
      AIMC_ASSERT(int8 || (chunk.bytes0 == nullptr && !chunk.wrote_bytes), "FixedGemm: byte rows for a GEMM that is not int8");
      for (int64_t op = 0; op < operands; ++op) {
        float* y_op = s.y.data() + static_cast<size_t>(op) * y_block;
        if (!((chunk.active >> op) & 1u)) continue;
        // Operand op's rows: the chunk's (pos0 ..) in the thread's buffer, or a full chunk where it lies.
        const bool in_place = op == 0 && chunk.a0 != nullptr;
        const float* a_op = in_place ? chunk.a0 : s.a.data() + static_cast<size_t>(op) * a_block;
        const auto first_row = static_cast<size_t>(chunk.pos0 * im.k);
        const auto count = static_cast<size_t>((chunk.i1 - chunk.i0) * im.k);
        if (bf16) {
          to_bf16(a_op + first_row, count, s.a16.data() + first_row);
          a_mem.set_data_handle(s.a16.data());
        } else if (int8 && op == 0 && chunk.bytes0 != nullptr) {
          a_mem.set_data_handle(const_cast<uint8_t*>(chunk.bytes0));  // bytes where they lie
        } else if (int8) {
          if (op != 0 || !chunk.wrote_bytes) codes_to_bytes(a_op + first_row, count, im.signed_rows, s.a8.data() + first_row);
          a_mem.set_data_handle(s.a8.data());
        } else if (in_place) {
          a_mem.set_data_handle(const_cast<float*>(chunk.a0));  // read where they lie
        } else {
          a_mem.set_data_handle(s.a.data() + static_cast<size_t>(op) * a_block);
        }
        int32_t* y32_op = int8 ? s.y32.data() + static_cast<size_t>(op) * y_block : nullptr;
        y_mem.set_data_handle(int8 ? static_cast<void*>(y32_op) : static_cast<void*>(y_op));
        // The C call takes the arguments as an array: the C++ one builds a hash map (allocations) per call.
        const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, a_mem.get()},
                                        {DNNL_ARG_WEIGHTS, im.weights.get()},
                                        {DNNL_ARG_DST, y_mem.get()},
                                        {DNNL_ARG_SCRATCHPAD, pad_mem.get()}};
        const dnnl_status_t status = dnnl_primitive_execute(im.prim.get(), stream.get(), 4, args);
        AIMC_ASSERT(status == dnnl_success, "FixedGemm: oneDNN matmul failed");
        if (int8 && !chunk.wants_sums) {  // the chunk's rows of this operand's sums, as values
          stream.wait();
          sums_to_values(y32_op + chunk.pos0 * im.n, chunk.i1 - chunk.i0, im.n, im.step.data(), y_op + chunk.pos0 * im.n);
        }
      }
      stream.wait();
      if (chunk.wants_sums) {
        chunk.sums = s.y32.data();
        chunk.step = im.step.data();
      }
      finish(chunk);
    };
    if (!shared) {
      for (int64_t c = 0; c < chunks; ++c) one_chunk(c);
      return;
    }
#pragma omp for schedule(dynamic, 1)  // results do not depend on which thread runs a chunk
    for (int64_t c = 0; c < chunks; ++c) one_chunk(c);
  };
  // Inside a caller's parallel loop, or at one thread: all chunks on this thread, no region.
  if (!spread_over_threads(chunks)) {
    chunks_on_this_thread(false);
    return;
  }
#pragma omp parallel
  chunks_on_this_thread(true);
}

void FixedGemm::run(const float* a, int64_t m, uint64_t first, float* y) const {
  const int64_t k = m_impl->k, n = m_impl->n;
  run(
      m, first, 1,
      [&](GemmChunk& c) { std::memcpy(c.a + c.pos0 * k, a + c.i0 * k, sizeof(float) * static_cast<size_t>((c.i1 - c.i0) * k)); },
      [&](GemmChunk& c) { std::memcpy(y + c.i0 * n, c.y + c.pos0 * n, sizeof(float) * static_cast<size_t>((c.i1 - c.i0) * n)); });
}

}  // namespace aimc::functional
