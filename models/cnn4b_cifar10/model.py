"""11-layer CNN for CIFAR-10 with 4-bit weights and 4-bit activations (quantisation-aware), sized for the
1152-row x 256-column compute-in-memory arrays of Jia et al., JSSC 57(1) 2022 (see
../shared/reference/chips.md section 2). Not a script; train.py trains and exports it.

Topology (the paper does not publish its own; this is a VGG-like 8 conv + 3 FC design):

    layer  op                         out (C x H x W)  fan-in (rows)  weights
    c1     conv3x3 3->32, BN, ReLU    32x32x32          27            864
    c2     conv3x3 32->32, BN, ReLU   32x32x32 -> pool  288           9216
    c3     conv3x3 32->64             64x16x16          288           18432
    c4     conv3x3 64->64   -> pool   64x16x16          576           36864
    c5     conv3x3 64->128            128x8x8           576           73728
    c6     conv3x3 128->128 -> pool   128x8x8           1152          147456
    c7     conv3x3 128->128           128x4x4           1152          147456
    c8     conv3x3 128->128 -> pool   128x4x4 -> 2x2    1152          147456
    f9     linear 512->256, BN, ReLU  256               512           131072
    f10    linear 256->256, BN, ReLU  256               256           65536
    f11    linear 256->10 (+bias)     10 logits         256           2560

Every layer's fan-in is at most 3*3*128 = 1152, i.e. one column of one CIMA (1152 rows); a layer with
C_out outputs at 4-bit weights needs 4*C_out bit-columns (BPBS: one column per weight bit), i.e.
ceil(4*C_out/256) arrays side by side (c1,c2: 1; c3,c4: 1; c5..c8: 2; f9,f10: 4 bit-columns x 256 = 4; f11: 1).

Quantisation (the numbers the ONNX carries):
- network input: the [0,1] pixels as uint8 codes, scale 1/255, zero point 0 (8-bit, i.e. the raw pixels;
  no mean/std normalisation: the first BatchNorm absorbs it);
- weights of all 11 layers: symmetric signed 4-bit, integer range [-7, 7], zero point 0, one scale per
  output channel = max|w| / 7 of that channel;
- activations after every BN+ReLU (inputs of c2..f11): unsigned 4-bit [0, 15], zero point 0, one learned
  scale per layer (LSQ, Esser et al. 2020); max-pooling is applied to the quantised values;
- BatchNorm is kept as a separate per-channel affine after each conv/linear (the chip's near-memory SIMD
  does batch-norm digitally); convs have no bias, the linears have a float bias (Gemm); logits are not quantised.
In eval mode every quantiser is torch.fake_quantize_per_{tensor,channel}_affine, which the export writes
as QuantizeLinear -> Clip -> DequantizeLinear (models/qdq_export.py).
"""

import gzip
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

W_RANGE = (-7, 7)
A_RANGE = (0, 15)
CONVS = [(3, 32, False), (32, 32, True), (32, 64, False), (64, 64, True), (64, 128, False), (128, 128, True),
         (128, 128, False), (128, 128, True)]  # (in, out, maxpool after)
FCS = [(512, 256), (256, 256), (256, 10)]


def quant_weight(w):
    """Per-output-channel symmetric 4-bit fake quantisation (straight-through gradient)."""
    scale = w.detach().abs().flatten(1).amax(1).clamp_min(1e-8) / W_RANGE[1]
    if not w.requires_grad or torch.jit.is_tracing():
        scale = torch.tensor(scale.tolist(), dtype=torch.float32)  # a constant in the exported graph
    zp = torch.zeros(scale.shape[0], dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(w, scale, zp, 0, *W_RANGE)


class ActQuant(nn.Module):
    """Unsigned 4-bit activation quantiser with a learned per-tensor scale (LSQ). Eval mode uses the plain
    fake_quantize op with the scale as a float, which is what the ONNX export writes."""

    def __init__(self, init_scale=0.25):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([init_scale]))

    def forward(self, x):
        if self.training:
            grad_factor = 1.0 / (x[0].numel() * A_RANGE[1]) ** 0.5
            return torch._fake_quantize_learnable_per_tensor_affine(
                x, self.scale, torch.zeros(1), A_RANGE[0], A_RANGE[1], grad_factor)
        return torch.fake_quantize_per_tensor_affine(x, float(self.scale), 0, *A_RANGE)


class QConv(nn.Module):
    def __init__(self, cin, cout, pool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = ActQuant()
        self.pool = pool

    def forward(self, x):
        x = self.act(F.relu(self.bn(F.conv2d(x, quant_weight(self.conv.weight), None, padding=1))))
        return F.max_pool2d(x, 2) if self.pool else x


class QLinear(nn.Module):
    def __init__(self, cin, cout, last):
        super().__init__()
        self.fc = nn.Linear(cin, cout)  # bias kept even before BN so that torch exports Gemm, not MatMul
        self.last = last
        if not last:
            self.bn = nn.BatchNorm1d(cout)
            self.act = ActQuant()

    def forward(self, x):
        x = F.linear(x, quant_weight(self.fc.weight), self.fc.bias)
        return x if self.last else self.act(F.relu(self.bn(x)))


class Cnn4b(nn.Module):
    """Input float32 N x 3 x 32 x 32 in [0, 1]; output N x 10 logits."""

    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(*[QConv(i, o, p) for i, o, p in CONVS])
        self.fcs = nn.Sequential(*[QLinear(i, o, k == len(FCS) - 1) for k, (i, o) in enumerate(FCS)])

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, 1.0 / 255.0, 0, 0, 255)
        return self.fcs(self.convs(x).flatten(1))


def load_cifar10_train(train_dir, batches=(1, 2, 3)):
    """The CIFAR-10 training batches data_batch_<b>.bin.gz (or .bin) of train_dir: (images float32
    N x 3 x 32 x 32 in [0, 1], labels int64 N)."""
    xs, ys = [], []
    for b in batches:
        p = Path(train_dir) / f"data_batch_{b}.bin"
        raw = p.read_bytes() if p.exists() else gzip.decompress(p.with_suffix(".bin.gz").read_bytes())
        rec = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3073)
        xs.append(rec[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
        ys.append(rec[:, 0].astype(np.int64))
    return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys))
