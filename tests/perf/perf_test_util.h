// Shared by the perf tests: the presets, and a Program built by hand.
#pragma once

#include <fmt/format.h>

#include <string>

#include "chip/loader.h"
#include "program/program.h"
#include "test_presets.h"

namespace aimc::perf {
namespace {

using test::preset;
using test::presets;
using test::source_path;

using program::Endpoint;
using program::EndpointKind;

// A Program by hand: layers of rows × cols with `vectors` each, one tile per layer on `core`.
struct Builder {
  program::Program p;
  int32_t layer(int64_t rows, int64_t cols, int64_t vectors, int32_t core, int32_t segment = 0, int64_t bits = 8,
                int64_t cpw = 1) {
    program::Layer L;
    L.id = static_cast<int32_t>(p.layers.size());
    L.name = fmt::format("L{}", L.id);
    L.rows = L.group_rows = rows;
    L.cols = L.group_cols = cols;
    L.vectors_per_inference = vectors;
    L.columns_per_weight = cpw;
    L.quant.input_bits = bits;
    L.quant.adc_bits = 8;
    L.output_value = L.name + "_out";
    p.layers.push_back(L);
    program::Tile t;
    t.id = static_cast<int32_t>(p.tiles.size());
    t.layer = L.id;
    t.core = core;
    t.reduce_core = core;
    t.row_end = rows;
    t.col_end = cols;
    t.segment = segment;
    p.tiles.push_back(t);
    program::Stage st;
    st.id = L.id;
    st.layers = {L.id};
    st.cores = {core};
    p.schedule.stages.push_back(st);
    if (p.schedule.segments.size() <= static_cast<size_t>(segment)) p.schedule.segments.resize(static_cast<size_t>(segment) + 1);
    auto& seg = p.schedule.segments[static_cast<size_t>(segment)];
    seg.id = segment;
    seg.layers.push_back(L.id);
    seg.tiles.push_back(t.id);
    return L.id;
  }
  void transfer(int32_t from_core, int32_t to_core, int64_t bytes, const std::string& value) {
    p.transfers.push_back({{EndpointKind::Core, from_core},
                           {EndpointKind::Core, to_core},
                           static_cast<double>(bytes),
                           value,
                           program::TransferKind::Activation,
                           1});
  }
};

}  // namespace
}  // namespace aimc::perf
