#include "sim/functional/tile.h"

#include <algorithm>
#include <cmath>

#include "chip/device_registry.h"
#include "chip/mvm_actions.h"
#include "chip/weights_spec.h"
#include "core/error.h"
#include "device/registry.h"

namespace aimc::functional {

namespace {

const chip::ReadModeSpec& find_mode(const chip::CoreSpec& core, const std::string& name) {
  if (core.read_modes.empty()) throw Error("the core has no read modes", ErrorContext{.field = "cores.read_modes"});
  if (name.empty()) return core.read_modes.front();
  std::string names;
  for (const chip::ReadModeSpec& m : core.read_modes) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw Error("no read mode '" + name + "'; expected one of: " + names, ErrorContext{.field = "cores.read_modes"});
}

int64_t resolve_weight_bits(const chip::CoreSpec& core, const TileOptions& o) {
  const auto max_bits = chip::max_weight_bits(core.weights);
  if (core.weights.scheme == chip::WeightScheme::Binary) return 1;
  const int64_t bits = o.weight_bits > 0 ? o.weight_bits : max_bits.value_or(0);
  if (max_bits && bits > *max_bits) {
    throw Error(std::to_string(bits) + "-bit weights requested; the core stores at most " + std::to_string(*max_bits),
                ErrorContext{.field = "cores.weights.bits"});
  }
  if (core.weights.scheme == chip::WeightScheme::BitSliced && bits < 2) {
    throw Error("bit-sliced weights need 2 or more bits (two's complement)", ErrorContext{.field = "cores.weights.bits"});
  }
  return bits;
}

}  // namespace

Tile::Tile(const chip::CoreSpec& core, TileContext context, TileOptions options)
    : m_core(core), m_context(std::move(context)), m_options(options) {
  m_mode = &find_mode(m_core, m_context.read_mode);
  const int64_t input_bits = m_options.input_bits > 0 ? m_options.input_bits : m_core.input.bits;
  m_encoder = device::make_input_encoder(m_core.input, input_bits);
  const chip::DeviceTechnology& tech = chip::technology_of(m_core);
  const chip::CellKind cell = tech.traits.cell;
  m_adc = device::make_adc(m_core.adc,
                           cell == chip::CellKind::BinaryCharge ? device::AdcPolarity::Unsigned : device::AdcPolarity::Signed);
  const CrossbarSetup setup{.core = &m_core,
                            .mode = m_mode,
                            .context = m_context,
                            .options = m_options,
                            .weight_bits = resolve_weight_bits(m_core, m_options),
                            .encoder = m_encoder.get(),
                            .adc = m_adc.get()};
  switch (cell) {
    case chip::CellKind::BinaryCurrent:
      m_crossbar = make_sram_binary_crossbar(setup);
      break;
    case chip::CellKind::BinaryCharge:
      m_crossbar = make_charge_domain_crossbar(setup);
      break;
    case chip::CellKind::AnalogPair:
      m_crossbar = make_analog_crossbar(setup);
      break;
  }
  if (!m_options.converters && (m_encoder->bit_serial() || tech.traits.bit_true())) {
    throw Error("converters: false is for analog devices; " + tech.name + " tiles compute on input codes",
                ErrorContext{.field = "cores.device.technology"});
  }
}

Tile::~Tile() = default;

void Tile::program(const Tensor& weights) {
  if (weights.rank() != 2 || weights.dtype() != DType::f32) {
    throw Error("tile weights must be a rows × cols f32 matrix, got " + shape_str(weights.shape()));
  }
  m_rows = weights.dim(0);
  m_cols = weights.dim(1);
  const int64_t per_weight = m_core.weights.scheme == chip::WeightScheme::BitSliced
                                 ? chip::columns_per_weight(m_core.weights, resolve_weight_bits(m_core, m_options))
                                 : 1;
  if (m_rows > m_core.rows || m_cols * per_weight > m_core.cols * m_core.arrays) {
    throw Error("a " + std::to_string(m_rows) + " × " + std::to_string(m_cols) + " block (" + std::to_string(per_weight) +
                " column(s) per weight) does not fit a " + std::to_string(m_core.rows) + " × " + std::to_string(m_core.cols) +
                " crossbar");
  }
  const Tensor w = weights.clone();
  m_crossbar->program(w.data<float>(), m_rows, m_cols);
  m_programmed = true;
  m_scaling = TileScaling{};
}

void Tile::calibrate(float input_step) {
  AIMC_ASSERT(m_programmed, "Tile::calibrate before program");
  if (!(input_step > 0) || !std::isfinite(input_step)) throw Error("input step must be a positive number");
  m_scaling.input_step = input_step;
  m_scaling.adc_full_scale = m_crossbar->spec_adc_full_scale(m_encoder->code_max(), m_options.adc_range);
}

void Tile::calibrate(const Tensor& batch) {
  float x_max = 0;
  for (float v : batch.span<float>()) x_max = std::max(x_max, std::fabs(v));
  const float code_max = static_cast<float>(std::max(m_encoder->code_max(), -m_encoder->code_min()));
  calibrate(x_max > 0 ? x_max / code_max : 1.0f);
}

void Tile::set_scaling(TileScaling scaling) {
  AIMC_ASSERT(m_programmed, "Tile::set_scaling before program");
  const auto n = static_cast<int64_t>(scaling.adc_full_scale.size());
  if (!(scaling.input_step > 0) || (n != 1 && n != physical_columns()) ||
      (!scaling.threshold.empty() && static_cast<int64_t>(scaling.threshold.size()) != m_cols)) {
    throw Error("tile scaling needs input_step > 0, adc_full_scale with 1 or " + std::to_string(physical_columns()) +
                " entries and no thresholds or " + std::to_string(m_cols));
  }
  m_scaling = std::move(scaling);
}

void Tile::set_thresholds(std::vector<float> threshold) {
  AIMC_ASSERT(m_scaling.input_step > 0, "Tile::set_thresholds before calibrate/set_scaling");
  if (m_core.adc.kind != chip::AdcKind::Comparator || m_options.adc_bits > 1) {
    throw Error("column thresholds need the comparator's 1-bit decision", ErrorContext{.field = "cores.adc.kind"});
  }
  if (static_cast<int64_t>(threshold.size()) != m_cols) {
    throw Error("tile thresholds need " + std::to_string(m_cols) + " entries, got " + std::to_string(threshold.size()));
  }
  m_scaling.threshold = std::move(threshold);
}

void Tile::set_time(double t_s) {
  AIMC_ASSERT(m_programmed, "Tile::set_time before program");
  if (!(t_s >= 0) || !std::isfinite(t_s)) throw Error("time since programming must be ≥ 0 s");
  if (!m_options.converters) {
    m_crossbar->set_time(t_s, TileScaling{.input_step = 1, .adc_full_scale = {1}});
  } else {
    AIMC_ASSERT(m_scaling.input_step > 0, "Tile::set_time before calibrate/set_scaling");
    m_crossbar->set_time(t_s, m_scaling);
  }
  m_crossbar->reset_conversions();  // the compensation's own calibration reads are not counted
}

Tensor Tile::mvm(const Tensor& x, uint64_t first_vector) const {
  AIMC_ASSERT(m_programmed, "Tile::mvm before program");
  if (x.rank() != 2 || x.dim(1) != m_rows || x.dtype() != DType::f32) {
    throw Error("tile input must be batch × " + std::to_string(m_rows) + " f32, got " + shape_str(x.shape()));
  }
  Tensor y(DType::f32, {x.dim(0), m_cols});
  mvm(x.data<float>(), x.dim(0), first_vector, y.data<float>());
  return y;
}

void Tile::mvm(const float* x, int64_t ld, int64_t batch, uint64_t first_vector, float* y) const {
  AIMC_ASSERT(m_programmed, "Tile::mvm before program");
  AIMC_ASSERT(ld >= m_rows, "Tile::mvm: input rows overlap (ld < rows)");
  if (!m_options.converters) {
    const TileScaling none{.input_step = 1, .adc_full_scale = {1}};
    m_crossbar->mvm(x, ld, batch, first_vector, none, y);
    return;
  }
  AIMC_ASSERT(m_scaling.input_step > 0, "Tile::mvm before calibrate/set_scaling");
  m_crossbar->mvm(x, ld, batch, first_vector, m_scaling, y);  // encodes the inputs itself
}

bool Tile::reads_codes() const { return m_crossbar->reads_codes(); }

void Tile::mvm_codes(const float* codes, int64_t batch, uint64_t first_vector, InputForm form, float* y) const {
  AIMC_ASSERT(m_programmed && m_scaling.input_step > 0, "Tile::mvm_codes before program and calibrate/set_scaling");
  m_crossbar->mvm_codes(codes, batch, first_vector, m_scaling, form, y);
}

bool Tile::reads_code_bytes(InputForm form) const { return m_crossbar->reads_code_bytes(form); }

void Tile::mvm_code_bytes(const uint8_t* codes, int64_t batch, uint64_t first_vector, InputForm form, float* y) const {
  AIMC_ASSERT(m_programmed && m_scaling.input_step > 0, "Tile::mvm_code_bytes before program and calibrate/set_scaling");
  m_crossbar->mvm_code_bytes(codes, batch, first_vector, m_scaling, form, y);
}

int64_t Tile::physical_columns() const { return m_crossbar->physical_columns(); }
ProgrammingStats Tile::programming_stats() const { return m_crossbar->programming_stats(); }
MvmActions Tile::actions(int64_t vectors) const {
  const chip::MvmActionCounts a =
      chip::mvm_action_counts(m_core, *m_mode, m_encoder->bits(), m_options.adc_bits, m_rows, m_crossbar->physical_columns());
  return MvmActions{.vectors = vectors,
                    .array_evaluations = vectors * a.evaluations,
                    .input_conversions = vectors * a.row_drives,
                    .adc_conversions = vectors * a.conversions,
                    .digital_ops = vectors * m_crossbar->digital_ops_per_vector()};
}

}  // namespace aimc::functional
