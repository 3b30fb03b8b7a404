"""Metamorphic checks of the performance simulators. The same chip with every clock slowed k times and every
time k times as long must give every time figure exactly k times as long, every rate k times as small and the
same dynamic energy (static energy, power × time, k times as large); with every energy and power k times as
large, every energy k times as large and every time the same. A figure that breaks either holds a time or an
energy the chip does not state (a constant in the code, a unit mixed up between cycles and ns), which no test
of a single chip sees. With k = 2 every scaled quantity is exact in binary floating point, so the relations
hold to the last bits. A Program runs on the chip it was compiled for, so the network is compiled on the scaled
chip too (the compiler reads no absolute time or energy: the same mapping). Shared by
tests/python/test_perf_scaling.py and bench/stress_perf.py."""

# Keys of the chip schema (docs/chip-yaml.md) that hold a time, a rate (per unit of time), an energy or a power.
# Quantities per cycle (link bytes per cycle, latencies in cycles) follow the clocks.
TIMES = ("t_mvm_ns", "t_conversion_ns", "t_lsb_ns", "t_write_ns", "t_init_ns", "t_verify_ns", "link_latency_ns")
RATES = ("clock_mhz", "link_gbps", "gops")
ENERGIES = ("e_mvm_pj", "e_bit_phase_pj", "e_conversion_pj", "e_op_pj", "e_read_pj_per_byte", "e_write_pj_per_byte",
            "e_bit_hop_pj", "e_write_pj", "link_e_bit_pj", "static_power_mw")
# Device physics, not timing: the drift model's times. (Keys in _us are conductances, µS.)
NOT_TIMING = ("t0_s", "t_read_s")


def scaled(chip, time=1.0, energy=1.0):
    """`chip` (an aimc.Chip) with every time multiplied by `time` (every clock and rate divided by it) and every
    energy and power multiplied by `energy`."""
    def value(key, v, where):
        if isinstance(v, dict):
            return {name: value(name, x, f"{where}.{name}") for name, x in v.items()}
        if isinstance(v, list):
            return [value(key, x, f"{where}[{i}]") for i, x in enumerate(v)]
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
            return v
        if key in TIMES:
            return v * time
        if key in RATES:
            return v / time
        if key in ENERGIES:
            return v * energy
        if (key.endswith(("_ns", "_ms", "_s", "_hz", "_mhz", "_ghz", "_gbps", "_gops")) and key not in NOT_TIMING
                or "_pj" in key or "power" in key):
            raise AssertionError(f"{where}: a time, rate or energy this check does not scale; add it to chip_scaling.py")
        return v

    # Overrides by YAML path, lists (noc.levels) as a whole.
    overrides = {}

    def walk(node, new, path):
        for key, v in node.items():
            where = f"{path}.{key}" if path else key
            if isinstance(v, dict):
                walk(v, new[key], where)
            elif new[key] != v:
                overrides[where] = new[key]

    spec = chip.to_dict()
    walk(spec, value("", spec, ""), "")
    return chip.with_overrides(overrides)


# Figures that add the static energy (power × the run's time) to the dynamic one: under a time scaling they
# move by neither factor alone, and are checked through their parts below.
MIXED = ("energy_per_inference_j", "data_independent_energy_per_inference_j", "tops_per_w", "inferences_per_s_per_w",
         "energy_share", "link_energy_share")


def _exponents(path, key):
    """(time, energy) exponents of a perf figure's unit, from its name; None where static and dynamic mix."""
    energy = "energy" in path or key.endswith("_j")
    if key == "static" and "energy" in path:
        return (1, 1)  # power × time
    if key in MIXED:
        return None
    if key.endswith("per_w") or key.endswith("per_w_dynamic") or key.endswith("per_w_mvm"):
        return (0, -1)  # operations per joule
    if energy:
        return (0, 1)
    if "per_s" in key or key.endswith(("tops", "per_mm2", "gops")):
        return (-1, 0)  # a rate
    if key.endswith("_s") or "_s_per_" in key:
        return (1, 0)  # a time (busy_s_per_inference: a time per inference)
    return (0, 0)  # counts, bytes, utilisations, ratios of times


def scaling_findings(base, result, time=1.0, energy=1.0):
    """What in `result` (a perf result, as a dict, on the chip `scaled(chip, time, energy)`) breaks the relation
    with `base` (the same run on `chip`)."""
    out = []

    def walk(a, b, path, key):
        if isinstance(a, dict):
            if set(a) != set(b):
                out.append(f"{path or 'result'}: keys differ ({sorted(set(a) ^ set(b))[:4]})")
                return
            for name in a:
                walk(a[name], b[name], f"{path}.{name}" if path else name, name)
        elif isinstance(a, list):
            if len(a) != len(b):
                out.append(f"{path}: {len(a)} entries, {len(b)} scaled")
                return
            for i, (u, v) in enumerate(zip(a, b)):
                walk(u, v, f"{path}[{i}]", key)
        elif isinstance(a, bool) or not isinstance(a, (int, float)):
            if a != b:
                out.append(f"{path}: {a!r} scaled {b!r}")
        else:
            exp = _exponents(path, key)
            if exp is None:
                if time == 1.0:
                    exp = (0, 1) if key.endswith("_j") else (0, -1) if "per_w" in key else (0, 0)
                else:
                    return  # checked through its parts below
            want = a * time ** exp[0] * energy ** exp[1]
            if abs(b - want) > 1e-9 * max(abs(want), abs(b)):
                out.append(f"{path}: {a:.9g} scaled {b:.9g}, expected {want:.9g}")

    # The simulator's own wall time and speed are not figures of the chip.
    walk({k: v for k, v in base.items() if k != "simulator"}, {k: v for k, v in result.items() if k != "simulator"}, "", "")
    # The total energy: the dynamic part scales with the energies, the static part with the energies and the time.
    dyn, dyn_scaled = base["dynamic_energy_per_inference_j"], result["dynamic_energy_per_inference_j"]
    static, static_scaled = base["energy_per_inference_j"] - dyn, result["energy_per_inference_j"] - dyn_scaled
    want = energy * (dyn + time * static)
    if abs(result["energy_per_inference_j"] - want) > 1e-9 * want:
        out.append(f"energy per inference: dynamic {dyn:.9g} and static {static:.9g} J scaled to {dyn_scaled:.9g} "
                   f"and {static_scaled:.9g}, expected {energy * dyn:.9g} and {energy * time * static:.9g}")
    return out
