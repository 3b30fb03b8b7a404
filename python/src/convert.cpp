#include "convert.h"

#include <fmt/format.h>

#include <cstring>

#include "core/error.h"
#include "core/json_text.h"

namespace aimc::python {

py::object to_python(const nlohmann::ordered_json& json) { return py::module_::import("json").attr("loads")(json_text(json)); }

py::list to_rows(const report::Table& table) {
  py::list rows;
  for (const auto& row : table.rows) {
    py::dict d;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      std::visit([&](const auto& v) { d[py::str(table.columns[i])] = py::cast(v); }, row[i]);
    }
    rows.append(d);
  }
  return rows;
}

Tensor to_tensor(const py::array& array, const char* what) {
  const char kind = array.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
    throw Error(fmt::format("{}: a numpy array of dtype '{}'; expected numbers", what, std::string(py::str(array.dtype()))),
                ErrorContext{.field = what});
  }
  Shape shape(array.shape(), array.shape() + array.ndim());
  if (kind == 'f') {
    const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
    Tensor t(DType::f32, shape);
    if (t.numel() > 0) std::memcpy(t.raw(), a.data(), static_cast<size_t>(t.numel()) * sizeof(float));
    return t;
  }
  const auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(array);
  Tensor t(DType::i64, shape);
  if (t.numel() > 0) std::memcpy(t.raw(), a.data(), static_cast<size_t>(t.numel()) * sizeof(int64_t));
  return t;
}

py::array to_numpy(const Tensor& tensor) {
  const std::vector<py::ssize_t> shape(tensor.shape().begin(), tensor.shape().end());
  switch (tensor.dtype()) {
    case DType::f32: {
      py::array_t<float> a(shape);
      if (tensor.numel() > 0) std::memcpy(a.mutable_data(), tensor.raw(), static_cast<size_t>(tensor.numel()) * sizeof(float));
      return a;
    }
    case DType::i64: {
      py::array_t<int64_t> a(shape);
      if (tensor.numel() > 0) {
        std::memcpy(a.mutable_data(), tensor.raw(), static_cast<size_t>(tensor.numel()) * sizeof(int64_t));
      }
      return a;
    }
    default: {
      py::array_t<double> a(shape);
      for (int64_t i = 0; i < tensor.numel(); ++i) a.mutable_data()[i] = tensor.as_double(i);
      return a;
    }
  }
}

Dataset to_dataset(const py::array& inputs, const std::optional<py::array>& labels) {
  Dataset d;
  d.kind = "npy";
  d.path = "numpy arrays";
  d.inputs = to_tensor(inputs, "data");
  if (d.inputs.rank() < 1) throw Error("a scalar; expected one sample per row", ErrorContext{.field = "data"});
  if (labels) {
    d.labels = to_tensor(*labels, "labels");
    if (d.labels.dtype() != DType::i64 || d.labels.rank() != 1 || d.labels.dim(0) != d.size()) {
      throw Error(fmt::format("shape {} ({}); expected {} integer class labels, one per sample", shape_str(d.labels.shape()),
                              d.labels.dtype() == DType::i64 ? "integers" : "not integers", d.size()),
                  ErrorContext{.field = "labels"});
    }
  }
  return d;
}

}  // namespace aimc::python
