// A layer's weights in crossbar form, and each tile's block of them — what a simulator programs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"
#include "program/program.h"

namespace aimc::program {

// The constant behind value `id` as f32: a constant, or FakeQuant of a constant (applied). Absent
// when the value is computed at run time. An f32 constant is returned without a copy: the result
// shares the graph's storage and must not be written (clone() it first).
std::optional<Tensor> constant_value(const Graph& g, ValueId id);
// Whether constant_value(g, id) has a value, without materialising it.
bool is_constant_value(const Graph& g, ValueId id);

// The full rows × cols f32 matrix of `layer` (see Layer for the layouts), from graph node `node`.
Tensor layer_matrix(const Graph& g, const Layer& layer, int32_t node);
// The layer's bias per column (empty when it has none).
std::vector<float> layer_bias(const Graph& g, const Layer& layer, int32_t node);
// Node index of layer `layer` in a prepared graph (by name). Throws Error when missing.
int32_t layer_node(const Graph& g, const Layer& layer);

// The block of tile `t`: (row_end − row_begin) × (col_end − col_begin), from the layer's matrix.
Tensor tile_weights(const Tensor& layer_matrix, const Tile& t);

// Reassembles `layer`'s matrix for one replica from the Program's tiles. `coverage` receives, per
// matrix element, how many tiles hold it (1 everywhere inside the group blocks, 0 outside, when
// every weight is placed exactly once).
Tensor reconstruct_layer(const Program& p, const Tensor& layer_matrix, int32_t layer, int32_t replica,
                         std::vector<int32_t>* coverage = nullptr);

// Applies fake quantisation (per tensor, or per channel along attrs.axis).
Tensor apply_fake_quant(const Tensor& x, const FakeQuantAttrs& a);

}  // namespace aimc::program
