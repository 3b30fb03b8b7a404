#include "chip/mvm_actions.h"

#include "chip/adc_spec.h"

namespace aimc::chip {

MvmActionCounts mvm_action_counts(const CoreSpec& core, const ReadModeSpec& mode, int64_t input_bits, int64_t adc_bits,
                                  int64_t rows, int64_t cols) {
  const int64_t planes = core.input.kind == InputKind::BitSerial ? input_bits : 1;
  const int64_t converted = planes * readout_evaluations(core.adc, adc_bits);  // results per column
  const int64_t evaluations = converted * mode.phases;
  return MvmActionCounts{.evaluations = evaluations, .row_drives = evaluations * rows, .conversions = converted * cols};
}

}  // namespace aimc::chip
