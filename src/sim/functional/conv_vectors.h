// A convolution on crossbars, between NCHW activations and per-position vectors: the input vector
// of an output position is its im2col row in (c, kh, kw) order (the layer matrix's row order, zeros
// where the window lies in the padding); the output vectors go back to output planes.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/conv_window.h"

namespace aimc::functional {

// Conv geometry over 2 spatial dims (1-D convs have H = 1): the IR's window (ir/conv_window.h).
using ConvGeometry = ConvWindow;

// row[(c·kh + ky)·kw + kx] = x[c, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw] (0 outside the input) for
// output position p = oy·ow + ox of one sample x [C, H, W].
void im2col_vector(const ConvGeometry& g, const float* x, int64_t p, float* row);
// The rows of n positions p0 + i·step of one sample: row i at out + i·ld (ld ≥ c·kh·kw).
void im2col_vectors(const ConvGeometry& g, const float* x, int64_t p0, int64_t step, int64_t n, float* out, int64_t ld);
// The vectors' rows cut into segments at begin[0] = 0 < begin[1] < … < begin[S] = c·kh·kw: rows
// [begin[s], begin[s + 1]) of vector i at base[s] + i·ld[s] (ld[s] ≥ the segment's rows), e.g. each
// tile of a layer split by rows its own dense block. T: float values or codes, or 8-bit codes (the
// int8 GEMM's operand: GemmPrecision::int8).
template <class T>
struct RowSegmentsOf {
  std::vector<int64_t> begin;
  std::vector<T*> base;
  std::vector<int64_t> ld;
};
using RowSegments = RowSegmentsOf<float>;
void im2col_vectors(const ConvGeometry& g, const float* x, int64_t p0, int64_t step, int64_t n, const RowSegments& out);
void im2col_vectors(const ConvGeometry& g, const uint8_t* x, int64_t p0, int64_t step, int64_t n,
                    const RowSegmentsOf<uint8_t>& out);
// Whether some window reaches into the zero padding (im2col_vectors then copies the rows its windows
// read with their zeros, per call).
bool im2col_reads_padding(const ConvGeometry& g);
// A sample's input with its zero padding explicit, made once for many im2col_vectors_padded calls
// (e.g. a replicated layer's replicas, which each read the whole sample): pad_sample writes
// padded_sample_elements(g) elements; im2col_vectors_padded equals im2col_vectors on the unpadded x.
int64_t padded_sample_elements(const ConvGeometry& g);
void pad_sample(const ConvGeometry& g, const float* x, float* out);
void pad_sample(const ConvGeometry& g, const uint8_t* x, uint8_t* out);
void im2col_vectors_padded(const ConvGeometry& g, const float* padded, int64_t p0, int64_t step, int64_t n, float* out,
                           int64_t ld);
void im2col_vectors_padded(const ConvGeometry& g, const float* padded, int64_t p0, int64_t step, int64_t n,
                           const RowSegments& out);
void im2col_vectors_padded(const ConvGeometry& g, const uint8_t* padded, int64_t p0, int64_t step, int64_t n,
                           const RowSegmentsOf<uint8_t>& out);

// 8-bit codes of convs with 16·k input channels (k ≤ 64) and 3 × 3 windows of dilation 1, on a CPU
// with AVX-512 VBMI: a sample padded once into groups of 16 channels, [c / 16][rows][columns][16]
// (hwc16_sample_elements bytes, every window inside), from which im2col_vectors_hwc16 gathers a
// window's taps of 16 channels as three 48-byte runs, put in row order by byte permutes. The same
// vectors as im2col_vectors.
bool im2col_hwc16_applies(const ConvGeometry& g);
int64_t hwc16_sample_elements(const ConvGeometry& g);
void pad_sample_hwc16(const ConvGeometry& g, const uint8_t* x, uint8_t* out);
void im2col_vectors_hwc16(const ConvGeometry& g, const uint8_t* padded, int64_t p0, int64_t step, int64_t n,
                          const RowSegmentsOf<uint8_t>& out);

// out[c·plane + i·step] = y[i·cols + c] for i < n, c < cols: the output vectors y of n positions
// step apart (a replica's share) into the output planes of one sample (out: the first position in
// plane 0).
void vectors_to_planes(const float* y, int64_t n, int64_t cols, float* out, int64_t plane, int64_t step);

}  // namespace aimc::functional
