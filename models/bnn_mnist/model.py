"""Binarized MNIST network sized for the Zhang & Verma 128x128 6T-SRAM in-memory classifier
(JETCAS 9(2) 2019; ../shared/reference/chips.md section 3). Not a script; train.py trains and exports it.

Sizing (chips.md section 3: one 128x128 array of binary (+-1) weights; inputs are 5-bit pixels applied as
word-line DAC currents; each column's differential bit-line voltage goes to a comparator that returns one
bit; the 2017 chip fed 9x9 = 81 downsampled pixels; the 2019 BNN is a "reduced size BNN, chosen to fit on the
CMOS prototype"; its topology is not published):
- a column's comparator sees the whole weighted sum at once, so every layer's fan-in must fit in the 128 rows
  of one array (a sign of a sum split over several arrays would need the analog partial sums outside the
  array, which the chip does not have). The input is therefore reduced to 11x11 = 121 <= 128 pixels: the
  central 22x22 crop of the 28x28 digit (MNIST digits lie in the central 20x20) averaged over 2x2 blocks,
  then quantised to 5 bits (integer codes 0..31, scale 1/32);
- every layer has at most 128 outputs (columns): 121 -> 128 -> 128 -> 10, i.e. three 128-row arrays
  (15488 + 16384 + 1280 binary weights), run one after another on the one array (SRAM rewrites are cheap).

Layers (deployed form, the one exported and recorded):
    x5  = fake_quant(avgpool2(crop22(x)), scale 1/32, codes 0..31)        # 121 five-bit inputs
    h1  = sign(x5 @ W1.T + t1)      W1 in {-1,+1}^(128x121)              # multi-level input x binary weight
    h2  = sign(h1 @ W2.T + t2)      W2 in {-1,+1}^(128x128)              # binary x binary
    out = (h2 @ W3.T) * a + b       W3 in {-1,+1}^(10x128); a, b per class (digital scale/offset)
t1, t2 are the comparator thresholds: the trained BatchNorm folded into sign(), i.e. for
BN(z) = g (z - mu) / sigma + beta: sign(BN(z)) = sign(s z + (beta sigma / |g| - s mu)) with s = sign(g),
and s is folded into the row of W (still +-1). The thresholds are then moved to the nearest half-integer
of the integer sum's grid (t1 in units of 1/32, t2 in units of 1), which changes no decision of an integer
sum except exact ties, so sign() never sees 0 (torch.sign(0) = ONNX Sign(0) = 0 would otherwise be a third
level). All sums are exact in fp32 (integers times powers of two).
Training form: latent real weights binarised by sign (straight-through estimator, clipped to [-1, 1]),
BatchNorm1d after every layer, activations binarised by sign with the straight-through (hardtanh) gradient.
"""

import torch
import torch.nn.functional as F
from torch import nn

IN_SIDE = 11
CROP = (3, 25)  # rows/columns 3..24 of 28: the central 22x22
IN_SCALE = 1.0 / 32.0
IN_RANGE = (0, 31)
SIZES = [IN_SIDE * IN_SIDE, 128, 128, 10]


def chip_input(x):
    """N x 1 x 28 x 28 pixels in [0, 1] -> N x 121 five-bit inputs (values k/32, k = 0..31)."""
    x = F.avg_pool2d(x[:, :, CROP[0]:CROP[1], CROP[0]:CROP[1]], 2)
    return torch.fake_quantize_per_tensor_affine(x, IN_SCALE, 0, *IN_RANGE).flatten(1)


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class BnnTrain(nn.Module):
    """Training form: BinaryLinear + BatchNorm1d (+ sign) per layer."""

    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.empty(o, i).uniform_(-1, 1) * 0.1) for i, o in zip(SIZES[:-1], SIZES[1:])])
        self.bns = nn.ModuleList([nn.BatchNorm1d(o) for o in SIZES[1:]])

    def forward(self, x, prepared=False):
        """x: images, or (prepared=True) the chip_input(images) already computed."""
        h = x if prepared else chip_input(x)
        for k, (w, bn) in enumerate(zip(self.weights, self.bns)):
            h = bn(F.linear(h, SignSTE.apply(w)))
            if k < len(self.weights) - 1:
                h = SignSTE.apply(h)
        return h

    def clip_weights(self):
        with torch.no_grad():
            for w in self.weights:
                w.clamp_(-1, 1)

    @torch.no_grad()
    def deploy(self):
        """The folded deployed network (BnnDeploy) computing the same decisions in eval mode."""
        d = BnnDeploy()
        for k, (w, bn) in enumerate(zip(self.weights, self.bns)):
            wb = torch.where(w >= 0, 1.0, -1.0)
            sigma = torch.sqrt(bn.running_var + bn.eps)
            g, beta, mu = bn.weight, bn.bias, bn.running_mean
            if k < len(self.weights) - 1:
                s = torch.where(g >= 0, 1.0, -1.0)
                t = beta * sigma / g.abs().clamp_min(1e-12) - s * mu  # sign(BN(z)) = sign(s z + t)
                unit = IN_SCALE if k == 0 else 1.0  # the integer grid of z
                t = (torch.floor(t / unit) + 0.5) * unit
                getattr(d, f"w{k + 1}").copy_(wb * s[:, None])
                getattr(d, f"t{k + 1}").copy_(t)
            else:
                d.w3.copy_(wb)
                d.a.copy_(g / sigma)
                d.b.copy_(beta - g * mu / sigma)
        return d.eval()


class BnnDeploy(nn.Module):
    """Deployed form (what the ONNX holds): +-1 weights, thresholds, Sign, final per-class affine."""

    def __init__(self):
        super().__init__()
        for k, (i, o) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            self.register_buffer(f"w{k + 1}", torch.zeros(o, i))
            if k < len(SIZES) - 2:
                self.register_buffer(f"t{k + 1}", torch.zeros(o))
        self.register_buffer("a", torch.zeros(SIZES[-1]))
        self.register_buffer("b", torch.zeros(SIZES[-1]))

    def forward(self, x):
        h = torch.sign(F.linear(chip_input(x), self.w1, self.t1))
        h = torch.sign(F.linear(h, self.w2, self.t2))
        return F.linear(h, self.w3) * self.a + self.b
