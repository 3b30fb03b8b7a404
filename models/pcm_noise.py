"""PCM weight-noise model of IBM's HERMES chip in torch: conductance mapping, programming noise, drift with
per-device exponents, accumulated 1/f read noise, and global drift compensation (GDC). Not a script.

Used by models/resnet_cifar/finetune_hwa.py (training-time noise injection) and
models/resnet_cifar/drift_eval.py (accuracy over drift time). All formulas and constants are the ones of IBM's
aihwkit (MIT licence), as gathered in ../shared/reference/chips.md section 1.6:

- weight -> conductance: aihwkit `SinglePairConductanceConverter` (aihwkit/inference/converter/conductance.py):
  s = g_max / max|W| over the whole tile (here: one tile per layer, W the layer's [out, in*kh*kw] matrix),
  g+ = clamp(W s, 0, g_max), g- = clamp(-W s, 0, g_max) (g_min = 0); W = (g+ - g-) / s. Noise acts on g+ and g-
  independently.
- `HermesNoiseModel` (aihwkit/inference/noise/hermes.py), fitted on the HERMES chip (Le Gallo et al., Nat.
  Electron. 2023), default num_devices = 2 (two devices per polarity, "TDP"/MSF programming):
  g_max 20.7 uS, t0 300 s, t_read 512e-9 s (num_devices = 1: 10.35 uS, 200 s);
  programming: g_prog = max(0, g_T + sigma_prog(g_T) N), sigma_prog a cubic in x = g_T/g_max with the
  coefficients PROG_COEFF (uS, fitted at g_max 20.7 / 10.35 uS and scaled by g_max/reference);
  drift exponent nu = |mu_nu(x) + sigma_nu(x) N|, sampled once per device at programming (x = g_T / g_max,
  clamped >= 1e-7), mu_nu and sigma_nu the branch functions of `generate_drift_coefficients`;
  at t_inference: t = t_inference + t0, g = g_prog (t/t0)^-nu if t > t0, then
  g += |g| Q_s(|g_prog|/g_max) sqrt(ln((t + t_read)/(2 t_read))) N, clamped >= 0, Q_s the branch function of
  `apply_drift_noise_to_conductance`.
- GDC: aihwkit `GlobalDriftCompensation` (aihwkit/inference/compensation/drift.py): after programming (no
  drift, no read noise), forward the one-hot readout eye(in) through the tile: ref = mean|Y| = mean|W_prog|;
  at time t the same gives cur; the tile output is multiplied by alpha = ref / cur. Biases are digital (no
  noise, not scaled).
Not modelled here: input/output quantisation (8-bit PWM, 8-bit ADC), IR drop, per-MVM short-term noise.
"""

import math

import torch

ZERO_CLIP = 1e-7  # aihwkit hermes.py _ZERO_CLIP
HERMES = {
    # num_devices: (g_max uS, t0 s, prog_coeff (uS, at the reference g_max), reference g_max)
    2: dict(g_max=20.7, t0=300.0, prog_coeff=(0.16603222, 4.71806468, -8.48101252, 4.68961419), g_ref=20.7),
    1: dict(g_max=10.35, t0=200.0, prog_coeff=(0.15781817, 2.32443916, -2.16310839, 0.68841818), g_ref=10.35),
}
T_READ = 512e-9  # aihwkit HermesNoiseModel default t_read


class HermesPcm:
    """aihwkit's HermesNoiseModel with its SinglePairConductanceConverter, as torch functions."""

    def __init__(self, num_devices=2, prog_noise_scale=1.0, read_noise_scale=1.0, drift_scale=1.0):
        p = HERMES[num_devices]
        self.num_devices = num_devices
        self.g_max, self.t0, self.prog_coeff, self.g_ref = p["g_max"], p["t0"], p["prog_coeff"], p["g_ref"]
        self.prog_noise_scale, self.read_noise_scale, self.drift_scale = prog_noise_scale, read_noise_scale, drift_scale

    # ---- mapping
    def to_conductance(self, w):
        """(g+, g-, s) of a weight tensor (one tile)."""
        s = self.g_max / w.abs().max().clamp_min(1e-12)
        return (w * s).clamp(0, self.g_max), (-w * s).clamp(0, self.g_max), s

    # ---- programming
    def prog_sigma(self, g_target):
        x = g_target / self.g_max
        sig = torch.full_like(g_target, self.prog_coeff[0])
        mat = torch.ones_like(g_target)
        for c in self.prog_coeff[1:]:
            mat = mat * x
            sig = sig + mat * c
        return sig * (self.g_max / self.g_ref)

    def program(self, g_target, gen=None):
        n = torch.randn(g_target.shape, generator=gen)
        return (g_target + self.prog_noise_scale * self.prog_sigma(g_target) * n).clamp(min=0.0)

    def drift_nu(self, g_target, gen=None):
        x = (g_target / self.g_max).abs().clamp(min=ZERO_CLIP)
        lx = torch.log(x)
        mu = torch.where(x < 0.0945, (-0.0387 * lx - 0.0182).clamp(0.0720, 0.13), -0.0436 * x ** 2 - 0.0126 * x + 0.0736)
        if self.num_devices == 2:
            sig = torch.where(x < 0.3055, (-0.0117 * lx - 0.0057).clamp(0.0091, 0.04),
                              -0.0118 * x ** 2 + 0.0093 * x + 0.0073)
        else:
            sig = torch.where(x < 0.3039, (-0.0120 * lx - 0.0023).clamp(0.0124, 0.04),
                              -0.0165 * x ** 2 + 0.0116 * x + 0.0104)
        n = torch.randn(g_target.shape, generator=gen)
        return (mu + sig * n).abs() * self.drift_scale

    def q_s(self, g_prog):
        x = g_prog.abs() / self.g_max
        lx = torch.log(x)  # -inf at 0: the clamp gives the maximum, as in aihwkit
        if self.num_devices == 2:
            return torch.where(x < 0.16, (-0.0117 * lx - 0.0069).clamp(0.015, 0.04),
                               0.0069 * x ** 3 - 0.0280 * x ** 2 + 0.0211 * x + 0.0123)
        return torch.where(x < 0.1591, (-0.0078 * lx + 0.0038).clamp(0.0179, 0.04),
                           0.0664 * x ** 3 - 0.1352 * x ** 2 + 0.0768 * x + 0.0088)

    def drift_and_read(self, g_prog, nu, t_inference, gen=None):
        t = t_inference + self.t0
        g = g_prog * (t / self.t0) ** (-nu) if t > self.t0 else g_prog
        sig = self.q_s(g_prog) * math.sqrt(math.log((t + T_READ) / (2 * T_READ)))
        n = torch.randn(g_prog.shape, generator=gen)
        return (g + g.abs() * self.read_noise_scale * sig * n).clamp(min=0.0)


class ProgrammedTile:
    """One layer's weights programmed once (programming noise, drift exponents, GDC reference); read() gives
    the effective weights at a time t after programming, GDC applied (alpha folded into the weights, which
    equals scaling the tile's output before the digital bias)."""

    def __init__(self, w, pcm, gen=None):
        self.pcm, self.shape = pcm, w.shape
        gp, gm, self.s = pcm.to_conductance(w.detach().float())
        self.gp, self.gm = pcm.program(gp, gen), pcm.program(gm, gen)
        self.nup, self.num = pcm.drift_nu(gp, gen), pcm.drift_nu(gm, gen)  # from the targets, as aihwkit
        self.ref = ((self.gp - self.gm) / self.s).abs().mean().clamp_min(1e-4)  # GDC baseline

    def read(self, t_inference, gen=None, gdc=True):
        gp = self.pcm.drift_and_read(self.gp, self.nup, t_inference, gen)
        gm = self.pcm.drift_and_read(self.gm, self.num, t_inference, gen)
        w = (gp - gm) / self.s
        if gdc:
            w = w * (self.ref / w.abs().mean().clamp_min(1e-12))
        return w


def programming_noise_like(w, pcm, gen=None):
    """W_prog - W for one tile (training-time noise injection: programming noise only, no drift)."""
    gp, gm, s = pcm.to_conductance(w)
    return (pcm.program(gp, gen) - pcm.program(gm, gen)) / s - w


def drifted_noise_like(w, pcm, gen=None, t_max=365 * 86400.0):
    """W_t - W for one tile at a time t drawn log-uniformly in [1 s, t_max] after programming: programming noise,
    drift, read noise and GDC, i.e. the whole inference model (training-time noise of the drift-aware variant)."""
    t = 10.0 ** (torch.rand(1, generator=gen).item() * math.log10(t_max))
    return ProgrammedTile(w, pcm, gen).read(t, gen) - w
