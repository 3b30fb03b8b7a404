// The `aimc._aimc` extension: the library's experiments for Python (python/aimc/__init__.py is the
// front door; docs/python.md). Every call converts its arguments, releases the GIL for the work,
// and returns results whose to_dict() is exactly the CLI's --json file.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "chip/loader.h"
#include "chip/overrides.h"
#include "chip/resolved.h"
#include "chip/summary.h"
#include "convert.h"
#include "core/error.h"
#include "core/input_file.h"
#include "core/text_file.h"
#include "core/threads.h"
#include "experiment/evaluate.h"
#include "experiment/performance.h"
#include "experiment/program_source.h"
#include "onnx/importer.h"
#include "presets.h"
#include "report/compile_report.h"
#include "report/eval_report.h"
#include "report/perf_report.h"
#include "sim/functional/executor.h"
#include "sweep/sweep_front.h"
#include "sweep/sweep_store.h"

namespace py = pybind11;

namespace aimc::python {
namespace {

using Loaded = std::shared_ptr<const experiment::LoadedProgram>;

// `limit` as the CLI's --limit takes it (load_dataset reads 0 as no sample and any negative value as all).
int64_t checked_limit(int64_t limit) {
  if (limit < -1 || limit == 0) {
    throw Error(fmt::format("{}: expected -1 (every sample) or a whole number ≥ 1", limit), ErrorContext{.field = "limit"});
  }
  return limit;
}

// A Program runs on the chip it was compiled for, as the CLI's --program does (program::check_chip): on another
// chip its tiles, units and memories name parts that chip may not have, or has with other parameters.
void check_compiled_for(const Loaded& program, const chip::ChipSpec& chip) {
  program::check_chip(program->program, chip, "program");
}

// A Python progress callback progress(done, total, label), called with the GIL from the core's
// thread. It holds the callable by pointer (copies of the std::function touch no reference count
// without the GIL); the caller's object outlives the call.
std::function<void(int64_t, int64_t, const std::string&)> progress_of(const py::object& callback) {
  if (callback.is_none()) return {};
  return [fn = callback.ptr()](int64_t done, int64_t total, const std::string& label) {
    py::gil_scoped_acquire gil;
    const py::handle callable(fn);
    callable(done, total, label);
  };
}

// A preset by name (an unknown name gets the loader's "unknown chip ... (did you mean ...)").
chip::ChipSpec load_preset(const std::string& name) {
  if (name.find('/') != std::string::npos || name.ends_with(".yaml") || name.ends_with(".yml")) {
    throw Error(fmt::format("'{}' is a file; Chip.preset takes a preset name (Chip.load reads files)", name),
                ErrorContext{.field = "name"});
  }
  return chip::load_chip(name, cli::preset_library());
}

chip::ChipSpec with_overrides(const chip::ChipSpec& chip, const py::dict& overrides) {
  const py::object dumps = py::module_::import("json").attr("dumps");
  std::vector<chip::ChipOverride> list;
  for (const auto& [key, value] : overrides) {
    list.push_back({py::str(key), py::str(dumps(value))});
  }
  return chip::with_overrides(chip, list, cli::preset_library());
}

experiment::CompileSettings compile_settings(const std::string& pipeline, const std::string& schedule,
                                             const std::string& replicate, const py::object& calibration_data,
                                             int64_t calibration_samples, uint64_t seed, bool allow_quantize,
                                             const py::object& progress) {
  experiment::CompileSettings s;
  if (auto p = progress_of(progress)) {
    s.on_pass = [p](const std::string& pass, size_t done, size_t count) {
      p(static_cast<int64_t>(done), static_cast<int64_t>(count), "pass " + pass);
    };
  }
  if (py::isinstance<py::str>(calibration_data)) {
    s.calibration_data = py::str(calibration_data);
  } else if (py::isinstance<py::list>(calibration_data) || py::isinstance<py::tuple>(calibration_data)) {
    for (const py::handle item : calibration_data) {  // one array per model input
      s.calibration_batch.push_back(
          to_tensor(py::array::ensure(item), fmt::format("calibration_data[{}]", s.calibration_batch.size()).c_str()));
    }
  } else if (!calibration_data.is_none()) {
    s.calibration_batch = {to_tensor(py::array::ensure(calibration_data), "calibration_data")};
  }
  s.pipeline = pipeline;
  s.schedule = schedule;
  s.replicate = replicate;
  s.calibration_samples = calibration_samples;
  s.seed = seed;
  s.allow_quantize = allow_quantize;
  return s;
}

experiment::EvalOptions eval_options(const std::vector<double>& drift_times, int64_t repeats, uint64_t seed, int threads,
                                     int64_t batch, const std::string& read_mode, const std::string& drift_compensation,
                                     const std::string& compensation_readout, bool allow_quantize, bool adc_saturation,
                                     const std::string& gemm_precision) {
  experiment::EvalOptions o;
  o.drift_times = drift_times;
  o.repeats = repeats;
  o.seed = seed;
  o.threads = threads;
  o.batch = batch;
  o.read_mode = read_mode;
  o.drift_compensation = experiment::parse_drift_compensation(drift_compensation);
  o.compensation_readout = experiment::parse_compensation_readout(compensation_readout);
  o.allow_quantize = allow_quantize;
  o.adc_saturation = adc_saturation;
  o.gemm_precision = experiment::parse_gemm_precision(gemm_precision);
  return o;
}

void bind_chip(py::module_& m) {
  py::class_<chip::ChipSpec>(m, "Chip", "A validated chip description (docs/chip-yaml.md).")
      .def_static("preset", &load_preset, py::arg("name"), "A shipped preset by name (Chip.presets() lists them).")
      .def_static(
          "load", [](const std::string& path) { return chip::load_chip_file(path, cli::preset_library()); }, py::arg("path"),
          "A chip YAML file (its `base:` may name a preset).")
      .def_static("presets", [] { return cli::preset_library().names(); })
      .def("with_overrides", &with_overrides, py::arg("overrides"),
           "A copy with parameters replaced by YAML path, e.g. {'cores.adc.bits': 6}; validated like a chip file.")
      .def("peak", [](const chip::ChipSpec& c) { return to_python(chip::chip_summary_json(c)["peak"]); })
      .def("summary", [](const chip::ChipSpec& c) { return to_python(chip::chip_summary_json(c)); })
      .def("to_dict", [](const chip::ChipSpec& c) { return to_python(chip::resolved_json(c)); })
      .def("to_yaml", &chip::resolved_yaml)
      .def_property_readonly("name", [](const chip::ChipSpec& c) { return c.name; })
      .def("__repr__", [](const chip::ChipSpec& c) {
        return fmt::format("<aimc.Chip '{}': {} cores of {}x{} {}>", c.name, c.cores.count, c.cores.rows, c.cores.cols,
                           c.cores.device.technology);
      });
}

void bind_program(py::module_& m) {
  py::class_<experiment::LoadedProgram, std::shared_ptr<experiment::LoadedProgram>>(
      m, "Program", "A network compiled onto a chip, with the model it was compiled from.")
      .def_static(
          "load",
          [](const std::string& path, const chip::ChipSpec& chip) {
            return std::make_shared<experiment::LoadedProgram>(experiment::load_or_compile({.program = path}, chip, {}));
          },
          py::arg("path"), py::arg("chip"), "A Program file, checked against `chip` and its model file.")
      .def(
          "save",
          [](const experiment::LoadedProgram& p, const std::string& path, bool force) {
            check_outputs({{"path", path}}, {p.model_path}, force);
            program::save_program(p.program, path);
          },
          py::arg("path"), py::arg("force") = false)
      .def("report", [](const experiment::LoadedProgram& p) { return report::compile_text(p.program); })
      .def("to_dict", [](const experiment::LoadedProgram& p) { return to_python(report::compile_json(p.program)); })
      .def("to_rows", [](const experiment::LoadedProgram& p) { return to_rows(report::compile_table(p.program)); })
      .def_property_readonly("warnings", [](const experiment::LoadedProgram& p) { return p.program.warnings; })
      .def_property_readonly("chip_name", [](const experiment::LoadedProgram& p) { return p.program.chip_name; })
      .def_property_readonly("model_path", [](const experiment::LoadedProgram& p) { return p.model_path; })
      .def("__repr__", [](const experiment::LoadedProgram& p) {
        return fmt::format("<aimc.Program of {} on {}: {} tiles, {} crossbars>",
                           p.model_path.empty() ? p.program.graph_name : p.model_path, p.program.chip_name,
                           p.program.tiles.size(), p.program.crossbars_used());
      });

  m.def(
      "compile",
      [](const py::object& model, const chip::ChipSpec& chip, const std::string& pipeline, const std::string& schedule,
         const std::string& replicate, const py::object& calibration_data, int64_t calibration_samples, uint64_t seed,
         bool allow_quantize, const py::object& progress) {
        const experiment::CompileSettings s = compile_settings(pipeline, schedule, replicate, calibration_data,
                                                               calibration_samples, seed, allow_quantize, progress);
        // ONNX bytes (a model exported in memory) or a path.
        const bool bytes = py::isinstance<py::bytes>(model);
        const std::string text = bytes ? model.cast<std::string>() : std::string(py::str(model));
        py::gil_scoped_release release;
        return std::make_shared<experiment::LoadedProgram>(
            bytes ? experiment::compile_model(import_onnx_bytes(text, "<model bytes>"), "", chip, s)
                  : experiment::load_or_compile({.model = text}, chip, s));
      },
      py::arg("model"), py::arg("chip"), py::arg("pipeline") = "", py::arg("schedule") = "pipelined",
      py::arg("replicate") = "auto", py::arg("calibration_data") = "", py::arg("calibration_samples") = 64, py::arg("seed") = 0,
      py::arg("allow_quantize") = false, py::arg("progress") = py::none());
  m.def("parse_drift_times", &experiment::parse_drift_times, py::arg("text"), py::arg("field") = "drift_times",
        "\"1s,1h,1d,1y\" → seconds, as `aimc eval --drift-times` reads them; errors name `field`.");
  m.def(
      "sweep_results",
      [](const std::string& db, const std::string& objectives) {
        require_regular_file(db, "a sweep database (.db)");
        const sweep::SweepStore store(db, sweep::SweepStore::Access::Read);
        const report::Table table = store.table();
        const std::vector<sweep::Objective> obj =
            objectives.empty() ? sweep::default_objectives(table) : sweep::parse_objectives(objectives);
        const report::Table front = sweep::pareto_front(table, store.parameter_columns(), obj);
        py::dict out;
        out["parameters"] = store.parameter_columns();
        out["points"] = to_rows(table);
        py::list goals, on_front;
        for (const sweep::Objective& o : obj) goals.append(py::make_tuple(o.column, o.maximise));
        for (const auto& row : front.rows) on_front.append(py::cast(std::get<int64_t>(row[0])));
        out["objectives"] = goals;
        out["front"] = on_front;
        return out;
      },
      py::arg("db"), py::arg("objectives") = "",
      "A sweep database (aimc sweep): its points (as --export csv), parameter columns, objectives "
      "[(column, maximise)] and the point_index of each point on the Pareto front (as --best).");
}

void bind_experiments(py::module_& m) {
  py::class_<experiment::EvalResult>(m, "EvalResult", "Accuracy of the digital reference and of the chip over time.")
      .def("to_dict", [](const experiment::EvalResult& r) { return to_python(report::eval_json(r)); })
      .def("to_rows", [](const experiment::EvalResult& r) { return to_rows(report::eval_table(r)); })
      .def("text", &report::eval_text)
      .def_readonly("metric", &experiment::EvalResult::metric)
      .def_readonly("digital", &experiment::EvalResult::digital)
      .def_property_readonly("times_s",
                             [](const experiment::EvalResult& r) {
                               std::vector<double> t;
                               for (const auto& p : r.chip) t.push_back(p.t_s);
                               return t;
                             })
      .def_property_readonly("chip_mean",
                             [](const experiment::EvalResult& r) {
                               std::vector<double> v;
                               for (const auto& p : r.chip) v.push_back(p.mean);
                               return v;
                             })
      .def_property_readonly("chip_std",
                             [](const experiment::EvalResult& r) {
                               std::vector<double> v;
                               for (const auto& p : r.chip) v.push_back(p.std);
                               return v;
                             })
      .def("__repr__", [](const experiment::EvalResult& r) { return report::eval_text(r); });

  m.def(
      "evaluate_dataset",
      [](const Loaded& program, const chip::ChipSpec& chip, const py::object& data, const std::optional<py::array>& labels,
         int64_t limit, const std::vector<double>& drift_times, int64_t repeats, uint64_t seed, int threads, int64_t batch,
         const std::string& read_mode, const std::string& drift_compensation, const std::string& compensation_readout,
         bool allow_quantize, bool adc_saturation, const std::string& gemm_precision, const py::object& progress) {
        check_compiled_for(program, chip);
        experiment::EvalOptions o = eval_options(drift_times, repeats, seed, threads, batch, read_mode, drift_compensation,
                                                 compensation_readout, allow_quantize, adc_saturation, gemm_precision);
        Dataset dataset;
        std::string spec;
        if (py::isinstance<py::str>(data)) {
          if (labels)
            throw Error("labels come with the dataset spec; give labels with numpy inputs", ErrorContext{.field = "labels"});
          spec = py::str(data);
          py::gil_scoped_release release;
          dataset = load_dataset(spec, checked_limit(limit));
        } else {
          if (limit != -1) throw Error("applies to a dataset spec; slice numpy inputs instead", ErrorContext{.field = "limit"});
          dataset = to_dataset(py::array::ensure(data), labels);
          spec = dataset.path;
        }
        int64_t done = 0;
        const int64_t total = experiment::evaluation_batches(dataset.size(), o);
        if (auto p = progress_of(progress)) o.on_batch = [p, &done, total](const std::string& label) { p(++done, total, label); };
        py::gil_scoped_release release;
        return experiment::evaluate(*program, chip, dataset, spec, o);
      },
      py::arg("program"), py::arg("chip"), py::arg("data"), py::arg("labels") = std::nullopt, py::arg("limit") = -1,
      py::arg("drift_times"), py::arg("repeats") = 1, py::arg("seed") = 0, py::arg("threads") = 1, py::arg("batch") = 64,
      py::arg("read_mode") = "", py::arg("drift_compensation") = "chip", py::arg("compensation_readout") = "chip",
      py::arg("allow_quantize") = false, py::arg("adc_saturation") = false, py::arg("gemm_precision") = "fp32",
      py::arg("progress") = py::none());

  m.def(
      "load_dataset",
      [](const std::string& spec, int64_t limit) {
        Dataset d;
        {
          py::gil_scoped_release release;
          d = load_dataset(spec, checked_limit(limit));
        }
        py::dict out;
        out["kind"] = d.kind;
        out["inputs"] = to_numpy(d.inputs);
        out["labels"] = d.has_labels() ? py::object(to_numpy(d.labels)) : py::none();
        return out;
      },
      py::arg("spec"), py::arg("limit") = -1,
      "A dataset spec read by aimc's readers (docs/user-guide-data.md): {'kind', 'inputs', 'labels'} as numpy.");

  m.def(
      "run",
      [](const Loaded& program, const chip::ChipSpec& chip, const py::object& x, std::optional<double> t_s, uint64_t seed,
         int threads, const std::string& read_mode, const std::string& gemm_precision) {
        const functional::GemmPrecision precision = experiment::parse_gemm_precision(gemm_precision);
        check_compiled_for(program, chip);
        experiment::require_model(*program, "a run");
        check_thread_count(threads);
        // One array, or a list of them for a model of several inputs (in the graph's input order).
        std::vector<Tensor> inputs;
        if (py::isinstance<py::list>(x) || py::isinstance<py::tuple>(x)) {
          for (const py::handle item : x) {
            inputs.push_back(to_tensor(item.cast<py::array>(), fmt::format("x[{}]", inputs.size()).c_str()));
          }
        } else {
          inputs.push_back(to_tensor(x.cast<py::array>(), "x"));
        }
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          functional::FunctionalOptions fo;
          fo.seed = seed;
          fo.threads = threads;
          fo.read_mode = read_mode;
          fo.gemm_precision = precision;
          functional::ChipExecutor exec(program->program, program->prepared, chip, fo);
          if (t_s) exec.set_time(*t_s);
          out = exec.run(inputs);
        }
        py::list arrays;
        for (const Tensor& t : out) arrays.append(to_numpy(t));
        return arrays;
      },
      py::arg("program"), py::arg("chip"), py::arg("x"), py::arg("t") = std::nullopt, py::arg("seed") = 0, py::arg("threads") = 1,
      py::arg("read_mode") = "", py::arg("gemm_precision") = "fp32");

  py::class_<perf::PerfStats>(m, "PerfResult", "Latency, throughput, energy and utilisation of a performance simulation.")
      .def("to_dict", [](const perf::PerfStats& s) { return to_python(report::perf_json(s)); })
      .def("to_rows", [](const perf::PerfStats& s) { return to_rows(report::perf_table(s)); })
      .def(
          "text", [](const perf::PerfStats& s, size_t top) { return report::perf_text(s, top); }, py::arg("top") = 12)
      .def_property_readonly("latency_s", [](const perf::PerfStats& s) { return s.latency_ns * 1e-9; })
      .def_readonly("inferences_per_s", &perf::PerfStats::inferences_per_s)
      .def_property_readonly("throughput_basis",
                             [](const perf::PerfStats& s) { return std::string(perf::basis_name(s.throughput_basis)); })
      .def_readonly("throughput_period", &perf::PerfStats::throughput_period)
      .def_readonly("tops", &perf::PerfStats::tops)
      .def_readonly("tops_per_w", &perf::PerfStats::tops_per_w)
      .def_readonly("energy_per_inference_j", &perf::PerfStats::energy_per_inference_j)
      .def("__repr__", [](const perf::PerfStats& s) { return report::perf_text(s, 5); });

  m.def(
      "perf",
      [](const std::optional<Loaded>& program, const chip::ChipSpec& chip, int64_t images, int64_t batch, int64_t chunks,
         const std::string& read_mode, std::optional<double> host_gops, bool peak, int64_t peak_bits,
         std::optional<int64_t> stage_buffers, bool analytic, const py::object& progress) {
        perf::PerfOptions o;
        o.analytic = analytic;
        if (auto p = progress_of(progress))
          o.on_progress = [p](int64_t done, int64_t total) { p(done, total, "items simulated"); };
        o.images = images;
        o.batch = batch;
        o.chunks = chunks;
        o.stage_buffers = stage_buffers;
        o.read_mode = read_mode;
        o.host_gops = host_gops;
        if (program.has_value() == peak) {
          throw Error("give a Program or peak=True (the synthetic workload), not both", ErrorContext{.field = "program"});
        }
        if (program) check_compiled_for(*program, chip);
        py::gil_scoped_release release;
        if (peak) return experiment::simulate_performance({.peak = true, .peak_bits = peak_bits}, chip, {}, o);
        return experiment::simulate_performance((*program)->program, chip, o);
      },
      py::arg("program"), py::arg("chip"), py::arg("images") = 16, py::arg("batch") = 0, py::arg("chunks") = 0,
      py::arg("read_mode") = "", py::arg("host_gops") = std::nullopt, py::arg("peak") = false, py::arg("peak_bits") = 0,
      py::arg("stage_buffers") = std::nullopt, py::arg("analytic") = false, py::arg("progress") = py::none());
}

}  // namespace
}  // namespace aimc::python

PYBIND11_MODULE(_aimc, m) {
  m.doc() = "aimc's C++ core (use the `aimc` package)";
  static py::exception<aimc::Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const aimc::Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
  aimc::python::bind_chip(m);
  aimc::python::bind_program(m);
  aimc::python::bind_experiments(m);
}
