// ChipSpec is a plain value usable without YAML: built in C++, validated, and its peak figures
// computed by the documented formulas.
#include <gtest/gtest.h>

#include "chip/devices/ideal.h"
#include "chip/devices/sram_binary.h"
#include "chip/peak.h"
#include "chip/resolved.h"
#include "chip_test_util.h"

namespace aimc::chip {
namespace {

// 2 cores of 128x64 bit cells, bit-sliced 4-bit weights, 4-bit bit-serial inputs, ADC 25 ns.
ChipSpec small_bit_serial_chip() {
  return ChipSpec{
      .name = "cpp-chip",
      .clock_mhz = 500,
      .area_mm2 = 2.0,
      .cores =
          CoreSpec{
              .count = 2,
              .arrangement = {1, 2},
              .rows = 128,
              .cols = 64,
              .device = DeviceSpec{.technology = "sram-binary",
                                   .params = SramBinarySpec{.transistors = 6, .current_mismatch_rel_std = 0.01}},
              .weights = WeightEncodingSpec{.scheme = WeightScheme::BitSliced, .bits = 4},
              .input = InputEncoderSpec{.kind = InputKind::BitSerial, .bits = 4, .sign = InputSign::TwosComplement},
              .adc = AdcSpec{.kind = AdcKind::Sar, .bits = 8, .columns_per_adc = 2, .full_scale = 255, .t_conversion_ns = 25},
              .read_modes = {ReadModeSpec{.name = "serial", .phases = 1, .e_bit_phase_pj = 100}},
              .programming = ProgrammingSpec{.scheme = ProgrammingScheme::DirectWrite, .t_write_ns = 2, .cells_per_write = 64},
          },
      .noc = NocSpec{.topology = NocTopology::Mesh, .link_bytes_per_cycle = 4, .hop_latency_cycles = 1},
  };
}

TEST(SpecInCpp, ValidatesWithoutYaml) { EXPECT_NO_THROW(validate_chip(small_bit_serial_chip())); }

TEST(SpecInCpp, PeakFollowsTheFormulas) {
  const ChipSpec chip = small_bit_serial_chip();
  const PeakPoint p = peak_point(chip, "serial", 4, 4);
  // 64 columns / 4 bits = 16 weights per row; 2 cores x 128 rows x 16 = 4096 weights.
  EXPECT_EQ(p.weights, 4096);
  EXPECT_DOUBLE_EQ(p.ops_per_mvm, 8192);
  // 4 bit-phases x 2 columns per ADC x 25 ns.
  EXPECT_DOUBLE_EQ(p.t_mvm_ns, 200);
  // 2 cores x 4 bit-phases x 100 pJ.
  EXPECT_DOUBLE_EQ(p.e_mvm_pj, 800);
  EXPECT_DOUBLE_EQ(p.tops, 8192.0 / 200 * 1e-3);
  EXPECT_DOUBLE_EQ(p.tops_per_w, 8192.0 / 800);
  EXPECT_DOUBLE_EQ(*p.tops_per_mm2, p.tops / 2.0);
  EXPECT_DOUBLE_EQ(p.power_w, 800.0 / 200 * 1e-3);
  // 1-bit weights use every column.
  EXPECT_EQ(peak_point(chip, "serial", 1, 1).weights, 2 * 128 * 64);
}

TEST(SpecInCpp, CyclesUseTheChipClock) {
  ChipSpec chip = small_bit_serial_chip();
  chip.cores.input = InputEncoderSpec{.kind = InputKind::Dac, .bits = 4, .sign = InputSign::Unsigned};
  chip.cores.read_modes = {ReadModeSpec{.name = "dac", .phases = 1, .t_mvm_cycles = 3, .e_mvm_pj = 50}};
  ASSERT_NO_THROW(validate_chip(chip));
  EXPECT_DOUBLE_EQ(peak_point(chip, "dac", 4, 4).t_mvm_ns, 6.0);  // 3 cycles at 500 MHz
}

TEST(SpecInCpp, ValidationNamesTheField) {
  ChipSpec chip = small_bit_serial_chip();
  chip.cores.adc.bits = 64;
  EXPECT_EQ(test::error_of([&] { validate_chip(chip); }), "cores.adc.bits: 64 is out of range; expected an integer in 1..16");
  chip = small_bit_serial_chip();
  chip.cores.read_modes[0].e_bit_phase_pj.reset();
  chip.cores.read_modes[0].e_mvm_pj = 5;
  EXPECT_EQ(test::error_of([&] { validate_chip(chip); }),
            "cores.read_modes.serial.e_mvm_pj: not used with bit-serial inputs; give e_bit_phase_pj");
  chip = small_bit_serial_chip();
  chip.cores.device = DeviceSpec{.technology = "sram-binary", .params = IdealDeviceSpec{}};
  EXPECT_EQ(test::error_of([&] { validate_chip(chip); }), "cores.device: device parameters do not match the technology");
}

TEST(SpecInCpp, PeakRejectsUnsupportedPrecisions) {
  const ChipSpec chip = small_bit_serial_chip();
  EXPECT_EQ(test::error_of([&] { peak_point(chip, "serial", 8, 4); }), "8-bit inputs; chip 'cpp-chip' takes 1 to 4 bits");
  EXPECT_EQ(test::error_of([&] { peak_point(chip, "serial", 4, 5); }), "5-bit weights; chip 'cpp-chip' stores up to 4 bits");
  EXPECT_EQ(test::error_of([&] { peak_point(chip, "fast", 4, 4); }), "chip 'cpp-chip' has no read mode 'fast'");
}

TEST(SpecInCpp, ResolvedFormLoadsBack) {
  const ChipSpec chip = small_bit_serial_chip();
  const ChipSpec again = parse_chip(resolved_yaml(chip), "cpp.yaml", test::presets());
  EXPECT_EQ(resolved_json(again), resolved_json(chip));
}

}  // namespace
}  // namespace aimc::chip
