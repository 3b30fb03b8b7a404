// Conversions between the library's values and Python's: JSON to dicts, tables to rows, numpy
// arrays to tensors and datasets, and back.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "core/tensor.h"
#include "data/dataset.h"
#include "report/table.h"

namespace aimc::python {

namespace py = pybind11;

// Through Python's json module, so the dict is exactly what the CLI's --json file holds.
py::object to_python(const nlohmann::ordered_json& json);
// One dict per row, keyed by the table's columns.
py::list to_rows(const report::Table& table);

// A copy of `array`: floating point as f32, integers as i64 (token windows, labels).
Tensor to_tensor(const py::array& array, const char* what);
py::array to_numpy(const Tensor& tensor);

// Inputs (and labels, i64 one per sample) as a dataset the metrics read.
Dataset to_dataset(const py::array& inputs, const std::optional<py::array>& labels);

}  // namespace aimc::python
