// y = a·B for a constant B, computed so every output row is bit-identical whatever the batch size,
// the batch split and the thread count (the tile's determinism contract).
//
// Rows are processed in chunks of chunk_rows(), aligned to the rows' GLOBAL vector index: vector v
// always sits at position v mod chunk_rows() of a chunk computed by the same single-threaded oneDNN
// matmul primitive (created with one thread, B reordered once), so its dot products are always
// summed in the same order. Chunks run in parallel under OpenMP, one parallel region per run().
//
// The chunk form of run() lets the caller write a chunk's inputs straight into the GEMM's
// (thread-local, reused) input buffer and consume its outputs while they are in cache, so a tile
// MVM is one pass: encode → GEMM → noise, ADC and digital correction, per chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "sim/functional/tile_types.h"

namespace aimc::functional {

// One chunk of a run: rows [i0, i1) of the batch sit at positions pos0 .. pos0 + (i1 − i0) − 1.
struct GemmChunk {
  int64_t i0 = 0, i1 = 0;
  int64_t pos0 = 0;
  int64_t rows = 0;  // the chunk's capacity, FixedGemm::chunk_rows()
  // operands × rows × k inputs (row-major): prepare writes rows pos0 .. of each operand it
  // uses; other rows hold stale finite values and only produce outputs nobody reads.
  float* a = nullptr;
  // Instead of writing operand 0 into `a`, prepare may point this at a full chunk's `rows` rows
  // of k inputs already in memory, dense: the fp32 GEMM reads them where they lie (bf16 and int8
  // convert them from there).
  const float* a0 = nullptr;
  // int8 (GemmPrecision::int8): instead of filling `a` or `a0` for operand 0, prepare may write its rows
  // (pos0 ..) as 8-bit integers (codes_to_bytes) into `bytes`, the GEMM's own rows × k operand,
  // and set wrote_bytes; or point bytes0 at a full chunk of such rows where they lie.
  uint8_t* bytes = nullptr;
  const uint8_t* bytes0 = nullptr;
  bool wrote_bytes = false;
  // operands × rows × n outputs, valid in finish.
  float* y = nullptr;
  // int8: prepare may set wants_sums; the GEMM then leaves `y` unwritten and each operand's integer
  // sums in `sums` (operands × rows × n, valid in finish) with each column's grid step in `step`,
  // for finish to make the values float(sum) × step (those `y` would hold) where it reads them.
  bool wants_sums = false;
  const int32_t* sums = nullptr;
  const float* step = nullptr;
  // Bit s set: operand s is computed. prepare may clear the bit of an operand whose rows are all
  // zero; its outputs are then not written (finish reads chunk.active and takes them as +0, equal
  // to the GEMM's when B ≥ 0).
  uint32_t active = 0;
};

// n integer-valued floats (input codes) as the int8 GEMM's 8-bit rows: two's-complement int8 bytes
// (is_signed, clamped to −128..127) or uint8 (clamped to 0..255).
void codes_to_bytes(const float* x, size_t n, bool is_signed, uint8_t* y);

class FixedGemm {
 public:
  // 64: half the library calls of 32 (+7 % images/s on ResNet-20); oneDNN's brgemm sums each dot
  // product in K order whatever M, so outputs were bit-identical at 32, 64 and 128 (docs/tile-model.md §8).
  static constexpr int64_t kChunkRows = 64;
  // int8 GEMMs of up to 128 / 256 columns take chunks of 256 / 128 rows (a chunk's integer sums
  // stay within 128 KB; half or a quarter of the library calls: +8 % images/s on ResNet-20, whose
  // tiles have 32-128 GEMM columns). Their sums are exact, so no chunking changes a bit; fp32 and
  // bf16 keep kChunkRows.
  static constexpr int64_t kMaxChunkRows = 256;
  int64_t chunk_rows() const;
  using ChunkFn = std::function<void(GemmChunk&)>;

  FixedGemm();
  ~FixedGemm();
  FixedGemm(FixedGemm&&) noexcept;
  FixedGemm& operator=(FixedGemm&&) noexcept;

  // B is k×n, row-major; copied (reordered; rounded to bf16, or to each column's 8-bit grid, with
  // those precisions: tile_types.h) into the primitive's layout. int8: the A rows are integers in
  // −128..127 (signed_rows) or 0..255, and the caller checks they are (values beyond are clamped).
  void set_weights(const float* b, int64_t k, int64_t n, GemmPrecision precision = GemmPrecision::fp32, bool signed_rows = true);
  int64_t k() const;
  int64_t n() const;
  GemmPrecision precision() const;
  // Whether this CPU runs a GEMM of this precision (bf16: AVX-512; int8: AVX-512 VNNI); set_weights
  // refuses the others in one line.
  static bool available(GemmPrecision precision);

  // For each chunk: prepare(chunk) fills chunk.a, the GEMM runs for each active operand (up to 32
  // operands, each a chunk_rows() × k block against the same B), then finish(chunk) on the same
  // thread. Thread-safe (const).
  void run(int64_t m, uint64_t first, int64_t operands, const ChunkFn& prepare, const ChunkFn& finish) const;

  // y = a·B for a (m×k, row-major; row i is global vector first + i), y (m×n).
  void run(const float* a, int64_t m, uint64_t first, float* y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace aimc::functional
