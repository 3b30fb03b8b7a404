"""Seeded random chips, exact enough that the mapping alone decides a network's result: the structure varies
(crossbar rows and columns, arrays per core, columns per ADC, core count, network topology, off-chip memory,
reload segments, one- or four-phase reads) while the arithmetic is exact up to 10- to 12-bit codes and 16-bit ADCs.
The cell and input kind follow the seed (seed mod 4): ideal analog cells with PWM, DAC or bit-serial inputs, or
charge-domain bit-sliced cells with bit-serial inputs. Used by test_random_networks.py and bench/stress_chips.py.
"""

import random

KINDS = [("ideal", "pwm"), ("ideal", "dac"), ("ideal", "bit-serial"), ("charge-domain", "bit-serial")]
DIGITAL_OPS = "[shift-add, affine, relu, quantize, max-pool, avg-pool, elementwise-add]"
ARRANGEMENTS = {4: [2, 2], 16: [4, 4], 32: [4, 8], 64: [8, 8], 128: [8, 16]}
TREE_FANOUTS = {4: [4], 16: [4, 4], 32: [4, 8], 64: [4, 4, 4], 128: [4, 4, 8]}


def random_exact_chip(seed):
    """(chip YAML text, a dict describing it) for this seed."""
    rng = random.Random(seed)
    cell, kind = KINDS[seed % len(KINDS)]
    sliced = cell == "charge-domain"
    rows = rng.choice([17, 32, 40, 50, 64, 100, 128])
    weight_bits = rng.choice([8, 10, 12]) if sliced else 12
    input_bits = rng.choice([10, 12]) if kind == "bit-serial" else 12
    cols = weight_bits * rng.choice([1, 2, 3, 5]) if sliced else rng.choice([12, 16, 23, 24, 30, 48, 64])
    per_adc = rng.choice([d for d in (1, 2, 3, 4, 6, 8) if cols % d == 0])
    arrays = rng.choice([1, 1, 2, 3])
    count = rng.choice(sorted(ARRANGEMENTS))
    topology = rng.choice(["mesh", "bus", "crossbar", "tree"])
    phases = rng.choice([1, 1, 4]) if kind != "bit-serial" else 1
    reload = rng.random() < 0.3
    y = [f"name: random-exact-{seed}", "clock_mhz: 500", "cores:", f"  count: {count}",
         f"  arrangement: {ARRANGEMENTS[count]}", f"  rows: {rows}", f"  cols: {cols}", f"  arrays: {arrays}"]
    if sliced:
        y += ["  device: {technology: charge-domain, transistors: 8, capacitor_ff: 1.2, capacitor_mismatch_rel_std: 0}",
              f"  weights: {{scheme: bit-sliced, bits: {weight_bits}}}"]
    else:
        y += ["  device: {technology: ideal}",
              f"  weights: {{scheme: differential, devices_per_polarity: 1, bits: {weight_bits}}}"]
    if kind == "bit-serial":
        y += [f"  input: {{kind: bit-serial, bits: {input_bits}, sign: twos-complement}}",
              f"  adc: {{kind: sar, bits: 16, columns_per_adc: {per_adc}, full_scale: {rows if sliced else 64}, "
              "t_conversion_ns: 1, gain_rel_std: 0, offset_lsb_std: 0}",
              "  read_modes:", "    m: {phases: 1, e_bit_phase_pj: 10, out_noise_rel_std: 0}"]
    else:
        lsb = ", t_lsb_ns: 0.01" if kind == "pwm" else ""
        adc = rng.choice(["ideal", "sar", "cco"])
        y += [f"  input: {{kind: {kind}, bits: {input_bits}, sign: bipolar{lsb}}}",
              f"  adc: {{kind: {adc}, bits: 16, columns_per_adc: {per_adc}, full_scale: 64, gain_rel_std: 0, "
              "offset_lsb_std: 0}",
              "  read_modes:", f"    m: {{phases: {phases}, t_mvm_ns: 200, e_mvm_pj: 1000, out_noise_rel_std: 0}}"]
    y += ["  digital:",
          f"    alu: {{kind: simd, count: {rng.choice([1, 8, 64])}, ops: {DIGITAL_OPS}, width_bits: 32, "
          "ops_per_cycle: 1, e_op_pj: 0.1}",
          "  programming: {scheme: direct-write, t_write_ns: 5, cells_per_write: 64, parallel_writes: 1, "
          f"e_write_pj: 1, reload: {'true' if reload else 'false'}}}"]
    if topology == "tree":
        y += ["noc:", "  topology: tree", "  levels:"]
        y += [f"    - {{fanout: {f}, link_bytes_per_cycle: {rng.choice([4, 16, 64])}, hop_latency_cycles: 2}}"
              for f in TREE_FANOUTS[count]]
    else:
        y += ["noc:", f"  topology: {topology}", f"  link_bytes_per_cycle: {rng.choice([1, 4, 16])}",
              "  hop_latency_cycles: 1", "  e_bit_hop_pj: 0.05"]
    if rng.random() < 0.4:
        y += ["memories:",
              "  dram: {kind: dram, off_chip: true, size_bytes: 100000000, bw_bytes_per_cycle: 16, latency_cycles: 50, "
              "e_read_pj_per_byte: 10, e_write_pj_per_byte: 10}"]
    desc = dict(cell=cell, input=kind, rows=rows, cols=cols, columns_per_adc=per_adc, arrays=arrays, cores=count,
                topology=topology, weight_bits=weight_bits, input_bits=input_bits, phases=phases, reload=reload)
    return "\n".join(y) + "\n", desc
