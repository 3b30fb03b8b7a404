// LayerNormalization from its decomposition: exporters below opset 17 (torch 1.13's default is 14) write
// LayerNorm as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, then Mul by γ and Add β. Fused back into
// one op, it is priced and placed as one normalisation (not a mix of digital-unit and host steps).
#pragma once

#include "ir/graph.h"

namespace aimc {

// Rewrites every decomposed LayerNorm of `g` (mean and variance over the same trailing axes, ε a constant,
// γ and β constants that broadcast over those axes only) into a LayerNormalization node that writes the
// chain's last value; the bypassed nodes are left for remove_dead_nodes. Returns how many it fused.
int fuse_layer_norms(Graph& g);

}  // namespace aimc
