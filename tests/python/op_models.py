"""Generate small ONNX models covering every op aimc imports, with inputs and torch's outputs as .npy.

Command (from the repository root; about 3 s on 2 cores):

    /usr/bin/python3 tests/python/op_models.py OUTDIR [--only NAME ...]

Per case NAME it writes OUTDIR/NAME.onnx, OUTDIR/NAME.in0.npy (.in1.npy, ... in graph input order),
OUTDIR/NAME.out0.npy (.out1.npy, ... in graph output order) and, under OUTDIR/bad/, invalid models for the
error tests. OUTDIR/manifest.json lists every case: opset, input/output files with names, shapes and dtypes,
and "ops", the sorted op types of the exported graph. Bad models carry "stderr_must_contain": a list of
groups of words, every group must be matched by one of its words (case-insensitive).

Each case is one small nn.Module exported by torch.onnx (PyTorch 1.13) at the opset given in its @case,
with do_constant_folding=True and a dynamic batch axis unless the case says otherwise. Graph inputs are
named "input" (or input0, input1, ... when there are several), outputs "output" (or output0, ...).
Inputs are float32 (int64 for token ids), batch 2 or 3. Seeds come from the case name, so reruns write
byte-identical files.
A few cases ("onnx_*") are built with onnx.helper around torch weights because torch never emits those
node forms (a Conv with asymmetric pads, Identity and Dropout nodes); torch computes their outputs.
Every good model passes onnx.checker (full check) and the output shapes are checked against torch's.
"""

import argparse
import io
import json
import math
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from models.mnist_lenet.model import LeNet  # noqa: E402
from models.resnet_cifar.model import ResNetCifar  # noqa: E402

CASES = {}


def case(opset=13, fold=True, batch_axis=0, preserve=False, export_one=False):
    """Register a builder returning (module, [inputs]). batch_axis is the dynamic "batch" axis of every
    input and output (None: static shapes); preserve exports with TrainingMode.PRESERVE (the module is
    still in eval mode), which skips torch's Conv+BatchNorm fusion. export_one exports static shapes at
    batch 1 (the first sample at batch_axis) while the fixture's inputs and outputs keep the whole batch:
    aimc must batch a model exported that way."""
    def register(fn):
        CASES[fn.__name__] = dict(build=fn, opset=opset, fold=fold, batch_axis=batch_axis, preserve=preserve,
                                  export_one=export_one)
        return fn
    return register


class Fn(nn.Module):
    """A parameter-free module computing fn(*inputs)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


randn = torch.randn


def positive(*shape):
    return torch.rand(*shape) + 0.5


# ---------------------------------------------------------------- Conv
@case(opset=13)
def conv_basic():
    return nn.Conv2d(3, 8, 3), [randn(2, 3, 8, 8)]


@case(opset=11)
def conv_nobias_stride2():
    return nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False), [randn(2, 4, 9, 9)]


@case(opset=17)
def conv_dilation2():
    return nn.Conv2d(4, 6, 3, padding=2, dilation=2), [randn(2, 4, 10, 10)]


@case(opset=12)
def conv_groups():
    return nn.Conv2d(8, 12, 3, padding=1, groups=4), [randn(2, 8, 6, 6)]


@case(opset=13)
def conv_depthwise():
    return nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), [randn(3, 8, 9, 9)]


@case(opset=13)
def conv_depthwise_multiplier():
    return nn.Conv2d(4, 8, 5, padding=2, groups=4, bias=False), [randn(2, 4, 7, 7)]


@case(opset=14)
def conv_rect_kernel():
    return nn.Conv2d(3, 5, (3, 1), stride=(2, 1), padding=(1, 0)), [randn(2, 3, 8, 5)]


class PadConv(nn.Module):
    """F.pad(x, (left 1, right 0, top 2, bottom 1)) then a 3x3 conv without padding."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(F.pad(x, (1, 0, 2, 1)))


@case(opset=13)
def pad_then_conv():
    """Asymmetric padding as torch exports it: a Pad node, then a Conv without pads."""
    return PadConv(), [randn(2, 3, 7, 6)]


@case(opset=16)
def conv1d():
    return nn.Conv1d(4, 6, 3, stride=2, padding=1), [randn(2, 4, 11)]


@case(opset=13)
def conv_transpose_stride2():
    """A decoder's upsampling: stride 2, padding 1, output_padding 1 (an exact 2x)."""
    return nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1), [randn(2, 4, 5, 5)]


@case(opset=17)
def conv_transpose_groups_dilation():
    """Groups, dilation, an uneven stride and no bias; padding larger than the kernel's reach crops."""
    return nn.ConvTranspose2d(4, 6, (3, 2), stride=(3, 1), padding=(1, 2), dilation=(1, 2), groups=2, bias=False), \
        [randn(2, 4, 4, 6)]


@case(opset=13)
def conv_transpose_1d():
    return nn.ConvTranspose1d(3, 5, 4, stride=2), [randn(3, 3, 7)]


# ---------------------------------------------------------------- Resize
@case(opset=13)
def upsample_nearest():
    """nn.Upsample(scale_factor=2): Resize nearest, asymmetric coordinates, floor."""
    return nn.Upsample(scale_factor=2, mode="nearest"), [randn(2, 3, 4, 5)]


@case(opset=11)
def upsample_bilinear():
    """Bilinear, align_corners=False (half-pixel coordinates), at opset 11."""
    return nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), [randn(2, 3, 4, 5)]


@case(opset=17)
def upsample_bilinear_align_corners():
    return nn.Upsample(scale_factor=3, mode="bilinear", align_corners=True), [randn(2, 2, 3, 4)]


@case(opset=13)
def interpolate_to_size():
    """F.interpolate to a fixed size (non-integer ratios): Resize with sizes; bilinear then nearest."""
    return Fn(lambda x: F.interpolate(F.interpolate(x, size=(7, 5), mode="bilinear", align_corners=False),
                                      size=(3, 9), mode="nearest")), [randn(2, 3, 4, 6)]


@case(opset=13)
def upsample_linear_1d():
    return nn.Upsample(scale_factor=2.5, mode="linear", align_corners=False), [randn(3, 2, 6)]


# Opsets 9 and 10, as torch exports at them (torch 1.12's default was 13, older ones' 9): Upsample (opset 9)
# and Resize-10 take their scales as the second input, with asymmetric coordinates and nearest rounding down;
# Clip, Pad and Slice carry attributes where later opsets take inputs, TopK its k.
@case(opset=9)
def upsample_nearest_opset9():
    return nn.Upsample(scale_factor=2, mode="nearest"), [randn(2, 3, 4, 5)]


@case(opset=10)
def upsample_nearest_opset10():
    return nn.Upsample(scale_factor=3, mode="nearest"), [randn(2, 2, 3, 4)]


@case(opset=9)
def clip_pad_slice_opset9():
    """ReLU6 and Hardtanh (Clip's min and max attributes), F.pad (Pad's pads attribute), x[..., 1:-1] (Slice's
    attributes) and torch.topk (TopK's k attribute)."""
    return Fn(lambda x: (torch.topk(F.pad(F.relu6(x * 4) + F.hardtanh(x, -0.5, 0.8), (1, 2, 0, 1))[:, 1:3, :, 1:-1],
                                    2, dim=-1).values)), [randn(2, 4, 3, 5)]


@case(opset=10)
def slice_steps_topk_opset10():
    """Slice with steps as inputs (opset 10) and TopK with k as an input."""
    return Fn(lambda x: torch.topk(x[:, :, ::2, 1::2], 2, dim=-1).values), [randn(2, 3, 7, 8)]


# ---------------------------------------------------------------- max/min reductions, arg, top-k
@case(opset=13)
def reduce_max_min():
    """amax over the spatial axes, amin over channels and width (ReduceMax / ReduceMin)."""
    return Fn(lambda x: torch.amax(x, dim=(2, 3)) + torch.amin(x, dim=(1, 3))[:, :1]), [randn(2, 4, 3, 5)]


@case(opset=13)
def reduce_norms():
    """F.normalize over channels (ReduceL2, as Swin V2's cosine attention exports it) and an L1 norm over width
    (ReduceL1)."""
    return Fn(lambda x: F.normalize(x, dim=1) + torch.norm(x, p=1, dim=3, keepdim=True)), [randn(2, 4, 3, 5)]


@case(opset=13, batch_axis=None)
def argmax_argmin():
    """The predicted class and its opposite (ArgMax / ArgMin, int64 outputs)."""
    return Fn(lambda x: (torch.argmax(x, dim=1), torch.argmin(x, dim=-1, keepdim=True))), [randn(3, 10)]


@case(opset=17)
def topk_post_processing():
    """The 3 best scores and their classes, then the 2 smallest along another axis."""
    return Fn(lambda x: (*torch.topk(x, 3, dim=-1), torch.topk(x, 2, dim=1, largest=False).values)), [randn(2, 5, 7)]


# ---------------------------------------------------------------- Einsum
class EinsumAttention(nn.Module):
    """Attention as einsum-style code writes it: a weight einsum with a constant (a crossbar layer), QK^T and AV
    between activations, a '...' form, a one-operand sum and transpose."""

    def __init__(self, d=8, heads=2):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d, 3 * d) / d ** 0.5)
        self.out = nn.Parameter(torch.randn(d, d) / d ** 0.5)
        self.heads = heads

    def forward(self, x):  # x [B, L, d]
        b, l, d = x.shape
        qkv = torch.einsum("bld,dk->blk", x, self.w)
        q, k, v = (t.reshape(b, l, self.heads, d // self.heads).transpose(1, 2) for t in qkv.split(d, dim=-1))
        att = torch.softmax(torch.einsum("bhqd,bhkd->bhqk", q, k) / (d // self.heads) ** 0.5, dim=-1)
        y = torch.einsum("...qk,...kd->...qd", att, v).transpose(1, 2).reshape(b, l, d)
        y = torch.einsum("ij,blj->bli", self.out, y)  # the constant on the left
        s = torch.einsum("bli->bl", y).unsqueeze(-1)  # [B, L, 1]
        return torch.einsum("bij->bji", y + s)  # [B, d, L]


@case(opset=13)
def einsum_attention():
    return EinsumAttention(), [randn(2, 5, 8)]


@case(opset=12)
def einsum_implicit_batched():
    """Implicit output ('...ij,...jk' gives '...ik'), and an outer product."""
    return Fn(lambda x, y: torch.einsum("...ij,...jk", x, y).sum(-1, keepdim=True) * torch.einsum("bi,bj->bij", x[:, :, 0], x[:, 0, :])),\
        [randn(2, 3, 4), randn(2, 4, 5)]


# ---------------------------------------------------------------- Gemm / MatMul
@case(opset=13)
def linear():
    return nn.Linear(16, 8), [randn(3, 16)]


@case(opset=11, batch_axis=None)
def linear_static_batch():
    return nn.Sequential(nn.Linear(12, 10), nn.ReLU(), nn.Linear(10, 4)), [randn(2, 12)]


@case(opset=13)
def linear_3d():
    """nn.Linear on a 3-D input exports MatMul + Add instead of Gemm."""
    return nn.Linear(8, 6), [randn(2, 5, 8)]


class MatMulConst(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(16, 6))

    def forward(self, x):
        return x @ self.w


@case(opset=13)
def matmul_const():
    return MatMulConst(), [randn(2, 4, 16)]


@case(opset=15)
def matmul_activations():
    return Fn(lambda a, b: a @ b), [randn(2, 4, 8), randn(2, 8, 5)]


class Attention(nn.Module):
    """Two-head self-attention: Linear, chunk, view/transpose, q @ k^T / sqrt(d), softmax, @ v."""

    def __init__(self, dim=16, heads=2):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.heads = heads
        self.scale = math.sqrt(dim // heads)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = (y.view(b, t, self.heads, -1).transpose(1, 2) for y in self.qkv(x).chunk(3, dim=-1))
        att = torch.softmax(q @ k.transpose(-2, -1) / self.scale, dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, d))


@case(opset=14)
def attention():
    return Attention(), [randn(2, 5, 16)]


# ---------------------------------------------------------------- transformers (torch's own modules)
# torch's attention works in [L, B*H, d]: these graphs fold the batch into the heads axis, so aimc runs
# them one sample at a time.
class TorchMHA(nn.Module):
    """nn.MultiheadAttention, sequence-first: self-attention, then cross-attention with the head-averaged
    weights returned (a reshape that unfolds the batch again)."""

    def __init__(self, dim=16, heads=2):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads)
        self.cross = nn.MultiheadAttention(dim, heads)

    def forward(self, x, memory):
        h = self.self_attn(x, x, x, need_weights=False)[0]
        return self.cross(h, memory, memory)


@case(opset=14, batch_axis=1)
def mha_torch():
    return TorchMHA(), [randn(5, 3, 16), randn(7, 3, 16)]


@case(opset=17)
def transformer_encoder_layer():
    """nn.TransformerEncoderLayer, batch-first, pre-norm, GELU (erf form)."""
    return nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True, norm_first=True,
                                      activation="gelu"), [randn(3, 6, 16)]


class DecoderLayer(nn.Module):
    """nn.TransformerDecoderLayer, sequence-first, with a causal mask on the target (a constant)."""

    def __init__(self, dim=16, length=5):
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(dim, 2, 32, dropout=0.0)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(length))

    def forward(self, tgt, memory):
        return self.layer(tgt, memory, tgt_mask=self.mask)


@case(opset=14, batch_axis=1)
def transformer_decoder_layer():
    return DecoderLayer(), [randn(5, 3, 16), randn(7, 3, 16)]


@case(opset=14, export_one=True)
def transformer_encoder_static_batch1():
    """Exported at a fixed batch of 1 (no dynamic axes): the reshape targets are constants for one sample."""
    return nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), [randn(3, 6, 16)]


@case(opset=17, batch_axis=1, export_one=True)
def transformer_encoder_seqfirst_static_batch1():
    """torch's default sequence-first layout [L, N, E], exported at a fixed batch of 1: no symbolic dimension says
    which axis is the batch; axis 0 mixes samples (softmax over it), so the importer finds axis 1."""
    return nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0), [randn(6, 3, 16)]


@case(opset=14)
def vit_tiny():
    """torchvision's VisionTransformer: patch conv, class token expanded to the batch, learned positions."""
    import torchvision
    vit = torchvision.models.VisionTransformer(image_size=16, patch_size=8, num_layers=1, num_heads=2, hidden_dim=16,
                                               mlp_dim=32, num_classes=5)
    nn.init.normal_(vit.heads.head.weight, std=0.5)  # torchvision zero-initialises the head
    return vit, [randn(3, 3, 16, 16)]


class TinyBert(nn.Module):
    """A BERT-style encoder: token, position and segment embeddings, LayerNorm, a padding mask computed from the
    tokens (id 0), two post-norm GELU layers, a tanh pooler on the first token and a classifier."""

    def __init__(self, vocab=30, dim=16, length=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        self.seg = nn.Embedding(2, dim)
        self.ln = nn.LayerNorm(dim)
        layer = nn.TransformerEncoderLayer(dim, 2, 32, dropout=0.0, batch_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.pool = nn.Linear(dim, dim)
        self.cls = nn.Linear(dim, 3)
        self.register_buffer("positions", torch.arange(length))

    def forward(self, tokens, segments):
        h = self.ln(self.tok(tokens) + self.pos(self.positions) + self.seg(segments))
        h = self.encoder(h, src_key_padding_mask=tokens == 0)
        return self.cls(torch.tanh(self.pool(h[:, 0])))


@case(opset=14)
def bert_tiny():
    tokens = torch.randint(1, 30, (3, 8))
    tokens[1, 6:] = 0
    tokens[2, 3:] = 0
    return TinyBert(), [tokens, (torch.arange(8) >= 4).long().expand(3, 8).contiguous()]


class RobertaPositions(nn.Module):
    """RoBERTa's position ids: a running count of the non-padding tokens (CumSum of an int mask), offset by the
    padding id, then token + position embeddings and a classifier on the mean."""

    def __init__(self, vocab=30, dim=8, length=8, pad=1):
        super().__init__()
        self.pad = pad
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length + pad + 1, dim)
        self.cls = nn.Linear(dim, 3)

    def forward(self, tokens):
        mask = tokens.ne(self.pad).int()
        positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + self.pad
        return self.cls((self.tok(tokens) + self.pos(positions)).mean(1))


@case(opset=13)
def roberta_position_ids():
    tokens = torch.randint(2, 30, (3, 8))
    tokens[1, 5:] = 1
    tokens[2, 2:] = 1
    return RobertaPositions(), [tokens]


@case(opset=13)
def std_var():
    """Tensor.std and Tensor.var over the spatial axes (an AdaIN-style normaliser): torch exports the element count
    as ReduceProd of the shape, which aimc folds."""
    return Fn(lambda x: (x - x.mean((2, 3), keepdim=True)) / (x.std((2, 3), keepdim=True) + 1e-3)
              + x.var((2, 3), keepdim=True)), [randn(2, 3, 4, 5)]


@case(opset=13)
def cumsum_float():
    """torch.cumsum of floats along the last axis, and reversed (a flip, CumSum, flip)."""
    return Fn(lambda x: torch.cumsum(x, dim=-1) + torch.cumsum(x.flip(1), dim=1).flip(1)), [randn(2, 5, 6)]


class TinyGPT(nn.Module):
    """A GPT-2-style decoder: token and position embeddings, pre-norm layers with a causal mask built by
    torch.triu at run time, tanh-GELU MLPs, a final LayerNorm and a head tied to the token embedding."""

    def __init__(self, vocab=30, dim=16, length=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(length, dim) * 0.1)
        layer = nn.TransformerEncoderLayer(dim, 2, 32, dropout=0.0, batch_first=True, norm_first=True,
                                           activation=nn.GELU(approximate="tanh"))
        self.blocks = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, tokens):
        t = tokens.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = self.tok(tokens) + self.pos[:t]
        return self.head(self.ln(self.blocks(h, mask=mask)))


@case(opset=14)
def gpt_tiny():
    return TinyGPT(), [torch.randint(0, 30, (3, 8))]


# ---------------------------------------------------------------- elementwise
class ElementwiseConst(nn.Module):
    """Add/Sub/Mul/Div against per-channel constants (C,1,1) and scalars."""

    def __init__(self, c=4):
        super().__init__()
        self.register_buffer("a", torch.randn(c, 1, 1))
        self.register_buffer("b", torch.rand(c, 1, 1) + 0.5)

    def forward(self, x):
        return ((x + self.a) * self.b - 0.5) / self.b / 3.0 - self.a


@case(opset=13)
def elementwise_const():
    return ElementwiseConst(), [randn(2, 4, 3, 5)]


@case(opset=11)
def elementwise_broadcast():
    """Between activations: b (N,C,1,1) broadcast against a (N,C,H,W); b > 0."""
    return Fn(lambda a, b: (a + b) * (a - b) / b), [randn(2, 4, 3, 5), positive(2, 4, 1, 1)]


@case(opset=13)
def relu():
    return nn.ReLU(), [randn(2, 3, 4, 4)]


@case(opset=12)
def leaky_relu():
    return nn.LeakyReLU(0.1), [randn(2, 3, 4, 4)]


@case(opset=11)
def relu6():
    return nn.ReLU6(), [randn(2, 3, 4, 4) * 4]


@case(opset=13)
def hardtanh():
    return nn.Hardtanh(-0.5, 0.8), [randn(2, 3, 4, 4)]


@case(opset=17)
def clamp_min():
    return Fn(lambda x: torch.clamp(x, min=-0.2)), [randn(2, 3, 4, 4)]


@case(opset=13)
def sigmoid():
    return nn.Sigmoid(), [randn(2, 3, 4, 4) * 3]


@case(opset=15)
def tanh():
    return nn.Tanh(), [randn(2, 3, 4, 4) * 2]


@case(opset=13)
def sign():
    return Fn(torch.sign), [randn(2, 3, 4, 4)]


@case(opset=13)
def gelu():
    """nn.GELU exports its erf form: Div, Erf, Add, Mul, Mul."""
    return nn.GELU(), [randn(2, 3, 4, 4) * 2]


@case(opset=17)
def hardswish():
    """MobileNetV3's activation: HardSwish from opset 14."""
    return nn.Hardswish(), [randn(2, 3, 4, 4) * 4]


@case(opset=13)
def hardswish_opset13():
    """Before opset 14 torch exports x * HardSigmoid(x) with alpha 1/6."""
    return nn.Hardswish(), [randn(2, 3, 4, 4) * 4]


@case(opset=13)
def hardsigmoid():
    return nn.Hardsigmoid(), [randn(2, 3, 4, 4) * 4]


@case(opset=13)
def silu():
    """SiLU / Swish exports as Sigmoid and Mul."""
    return nn.SiLU(), [randn(2, 3, 4, 4) * 3]


@case(opset=13)
def softplus():
    return nn.Softplus(), [randn(2, 3, 4, 4) * 4]


@case(opset=17)
def mish():
    """torch 1.13 exports Mish (an opset-18 op) as Softplus, Tanh and Mul."""
    return nn.Mish(), [randn(2, 3, 4, 4) * 3]


@case(opset=13)
def prelu_per_channel():
    """nn.PReLU(C) after a conv: one slope per channel, shaped [C, 1, 1] to broadcast."""
    m = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.PReLU(4))
    with torch.no_grad():
        m[1].weight.copy_(torch.tensor([0.25, -0.5, 0.0, 2.0]))
    return m, [randn(2, 3, 5, 5)]


@case(opset=13)
def prelu_shared():
    """nn.PReLU() with one slope for every element, after a Linear."""
    return nn.Sequential(nn.Linear(6, 5), nn.PReLU()), [randn(2, 6)]


@case(opset=13)
def elu():
    return nn.ELU(alpha=0.5), [randn(2, 3, 4, 4) * 3]


@case(opset=13)
def selu():
    return nn.SELU(), [randn(2, 3, 4, 4) * 3]


@case(opset=13)
def celu():
    return nn.CELU(alpha=2.0), [randn(2, 3, 4, 4) * 3]


@case(opset=13)
def compare_or_equal_not():
    """x <= a, x >= b and not(x > c) in masks (ONNX LessOrEqual, GreaterOrEqual, Not), each selecting with Where."""
    return Fn(lambda x: torch.where(x <= 0.25, x, 2 * x) + torch.where(x >= -0.5, x, torch.zeros_like(x))
              + torch.where(~(x > 1.0), x, x * x)), [randn(2, 3, 5)]


@case(opset=13)
def floor_ceil_round():
    """Floor, Ceil and Round (halves to even, as torch.round) on inputs with exact halves (multiples of 1/4, doubled)."""
    return Fn(lambda x: torch.floor(x * 3) + torch.ceil(x * 3) * 0.5 + torch.round(x * 2) * 0.25), \
        [torch.round(randn(2, 3, 8) * 8) / 4]


@case(opset=13)
def logical_masks():
    """Masks combined with &, | and ^ (ONNX And, Or, Xor), and nn.Hardshrink, which torch exports with an Or."""
    shrink = nn.Hardshrink(0.3)
    return Fn(lambda x: torch.where(((x > 0) & (x < 1)) | ((x < -1) ^ (x < -2)), x, -x) + shrink(x)), [randn(2, 3, 6)]


@case(opset=13)
def max_min_elementwise():
    """torch.maximum and torch.minimum with broadcasting (ONNX Max and Min)."""
    return Fn(lambda x: torch.minimum(torch.maximum(x, x.mean(1, keepdim=True)), x[:, :1] + 0.5)), [randn(2, 3, 4)]


# ---------------------------------------------------------------- normalisation
@case(opset=13)
def instancenorm2d():
    m = nn.InstanceNorm2d(4, affine=True)
    with torch.no_grad():
        m.weight.copy_(torch.randn(4))
        m.bias.copy_(torch.randn(4))
    return m, [randn(2, 4, 5, 5) * 2 + 1]


@case(opset=13)
def groupnorm():
    """torch exports GroupNorm as Reshape, InstanceNormalization (unit scale), Reshape, Mul, Add."""
    m = nn.GroupNorm(2, 4)
    with torch.no_grad():
        m.weight.copy_(torch.randn(4))
        m.bias.copy_(torch.randn(4))
    return m, [randn(2, 4, 5, 5) * 2 + 1]


@case(opset=13)
def batchnorm2d():
    return nn.BatchNorm2d(4), [randn(2, 4, 5, 5)]


@case(opset=13)
def conv_bn_folded():
    """Constant folding merges the eval-mode BatchNorm into the Conv: only Conv remains."""
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU()), [randn(2, 3, 6, 6)]


@case(opset=13, fold=False, preserve=True)
def conv_bn_nofold():
    """do_constant_folding=False and TrainingMode.PRESERVE: BatchNormalization stays a node after the Conv
    (with EVAL mode torch 1.13 fuses it into the Conv even without constant folding)."""
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU()), [randn(2, 3, 6, 6)]


@case(opset=11)
def linear_batchnorm1d():
    return nn.Sequential(nn.Linear(12, 8), nn.BatchNorm1d(8), nn.ReLU()), [randn(3, 12)]


@case(opset=17)
def layernorm_opset17():
    """Opset 17: a LayerNormalization node (axis -1, epsilon 1e-5)."""
    return nn.LayerNorm(16), [randn(2, 5, 16) * 2 + 1]


@case(opset=13)
def layernorm_opset13():
    """Opset 13: LayerNorm decomposed into ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul, Add."""
    return nn.LayerNorm(16), [randn(2, 5, 16) * 2 + 1]


# ---------------------------------------------------------------- pooling
@case(opset=13)
def maxpool_pad_stride():
    return nn.MaxPool2d(3, stride=2, padding=1), [randn(2, 3, 9, 9)]


@case(opset=11)
def maxpool_ceil():
    return nn.MaxPool2d(2, stride=2, ceil_mode=True), [randn(2, 3, 7, 7)]


@case(opset=17)
def maxpool_overlap_ceil_pad():
    return nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [randn(2, 2, 8, 8)]


@case(opset=11)
def avgpool_include_pad():
    return nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True), [randn(2, 3, 7, 7)]


@case(opset=13)
def avgpool_exclude_pad():
    return nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [randn(2, 3, 7, 7)]


@case(opset=17)
def avgpool_plain():
    return nn.AvgPool2d(2), [randn(2, 3, 6, 6)]


@case(opset=13)
def global_avgpool():
    return nn.AdaptiveAvgPool2d(1), [randn(2, 5, 4, 6)]


# ---------------------------------------------------------------- shapes
@case(opset=13)
def flatten():
    return nn.Flatten(), [randn(2, 3, 4, 5)]


@case(opset=13)
def reshape_size0():
    """x.view(x.size(0), -1) with a dynamic batch: Shape, Gather, Unsqueeze, Concat, Reshape."""
    return Fn(lambda x: x.view(x.size(0), -1)), [randn(3, 2, 3, 4)]


@case(opset=11)
def reshape_const():
    return Fn(lambda x: x.reshape(-1, 6, 8)), [randn(2, 4, 12)]


@case(opset=13)
def permute():
    return Fn(lambda x: x.permute(0, 2, 3, 1)), [randn(2, 3, 4, 5)]


@case(opset=11)
def squeeze_unsqueeze_opset11():
    """Opset 11: axes are attributes."""
    return Fn(lambda x: x.squeeze(3).unsqueeze(1) * 2.0), [randn(2, 3, 4, 1)]


@case(opset=13)
def squeeze_unsqueeze_opset13():
    """Opset 13: axes are inputs."""
    return Fn(lambda x: x.squeeze(3).unsqueeze(1) * 2.0), [randn(2, 3, 4, 1)]


@case(opset=12)
def concat():
    return Fn(lambda x, y: torch.cat([x, y, x * 2.0], dim=1)), [randn(2, 3, 4, 4), randn(2, 2, 4, 4)]


@case(opset=11)
def split_opset11():
    """Opset 11: split sizes are an attribute; three outputs."""
    return Fn(lambda x: torch.split(x, [2, 3, 3], dim=1)), [randn(2, 8, 3)]


@case(opset=13)
def split_opset13():
    """Opset 13: split sizes are an input; three outputs."""
    return Fn(lambda x: torch.split(x, [2, 3, 3], dim=1)), [randn(2, 8, 3)]


@case(opset=17)
def chunk():
    return Fn(lambda x: [y * (i + 1) for i, y in enumerate(x.chunk(2, dim=-1))]), [randn(2, 3, 6)]


@case(opset=13)
def softmax_lastdim():
    return nn.Softmax(dim=-1), [randn(2, 10) * 3]


@case(opset=13)
def softmax_dim1():
    return nn.Softmax(dim=1), [randn(2, 4, 3, 3) * 3]


@case(opset=11)
def softmax_dim1_opset11():
    """Opset 11 Softmax flattens from its axis on, so torch wraps it in Transposes for dim=1 of 4-D."""
    return nn.Softmax(dim=1), [randn(2, 4, 3, 3) * 3]


@case(opset=13)
def log_softmax_dim1():
    """nn.LogSoftmax, a classifier's last layer for NLLLoss; large logits, whose probabilities underflow."""
    return nn.LogSoftmax(dim=1), [randn(2, 10) * 40]


@case(opset=11)
def log_softmax_dim1_opset11():
    """Opset 11 LogSoftmax, like Softmax, flattens from its axis on: torch wraps it in Transposes."""
    return nn.LogSoftmax(dim=1), [randn(2, 4, 3, 3) * 3]


@case(opset=13)
def identity_dropout():
    """nn.Identity and eval-mode nn.Dropout vanish in the export: only Gemm, Relu, Gemm remain."""
    return nn.Sequential(nn.Linear(8, 8), nn.Identity(), nn.Dropout(0.5), nn.ReLU(), nn.Linear(8, 4)), [randn(2, 8)]


@case(opset=13)
def arange_positional():
    """x + 0.1 * arange(x.size(1)): Shape, Gather, Cast, Range, Unsqueeze on the static axis 1, which fold
    to a constant once the input shape is known."""
    return Fn(lambda x: x + 0.1 * torch.arange(x.size(1), dtype=torch.float32)[None, :, None]), [randn(2, 5, 3)]


@case(opset=10)
def arange_positional_opset10():
    """The same at opset 10, which has no Range: torch exports arange as NonZero of a constant of ones, folded."""
    return Fn(lambda x: x + 0.1 * torch.arange(x.size(1), dtype=torch.float32)[None, :, None]), [randn(2, 5, 3)]


@case(opset=13)
def slice_strided():
    """x[:, :, ::2, ::2]: Slice with steps."""
    return Fn(lambda x: x[:, :, ::2, ::2]), [randn(2, 3, 7, 8)]


@case(opset=11)
def slice_ranges():
    return Fn(lambda x: x[:, 1:3, :, 2:-1]), [randn(2, 4, 3, 7)]


@case(opset=13)
def pad_zero():
    return Fn(lambda x: F.pad(x, (1, 2, 0, 1))), [randn(2, 3, 4, 4)]


@case(opset=13)
def pad_reflect():
    """nn.ReflectionPad2d with asymmetric pads (ONNX Pad, mode reflect), then a conv."""
    return nn.Sequential(nn.ReflectionPad2d((1, 2, 0, 3)), nn.Conv2d(3, 4, 3)), [randn(2, 3, 5, 6)]


@case(opset=13)
def pad_edge():
    """nn.ReplicationPad1d (ONNX Pad, mode edge): 5 copies of the first element (built by doubling), 1 of the last."""
    return nn.Sequential(nn.ReplicationPad1d((5, 1)), nn.Conv1d(3, 4, 3)), [randn(2, 3, 7)]


@case(opset=13)
def conv_reflect_padding():
    """Conv2d(padding_mode="reflect"): the exporter puts a reflect Pad before a conv without pads."""
    return nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), [randn(2, 3, 6, 6)]


@case(opset=13)
def pixel_shuffle():
    """nn.PixelShuffle, super-resolution's upsampler: ONNX DepthToSpace in mode CRD."""
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.PixelShuffle(2)), [randn(2, 3, 4, 5)]


@case(opset=13)
def pad_option_a():
    """ResNet option-A shortcut for planes=8: F.pad(x[:, :, ::2, ::2], (0,0,0,0,2,2)); torch emits the pads
    through a ConstantOfShape/Concat/Reshape/Slice(step -1)/Transpose/Reshape/Cast chain."""
    planes = 8
    return Fn(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))), [randn(2, 4, 6, 6)]


# ---------------------------------------------------------------- LSTM and embedding
class LSTMOut(nn.Module):
    """nn.LSTM (batch_first False); returns (y, h_n, c_n). State: zeros, constant buffers or inputs."""

    def __init__(self, layers, state=None, batch=2, bidirectional=False):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=layers, bidirectional=bidirectional)
        self.state = state
        dirs = 2 if bidirectional else 1
        if state == "const":
            self.register_buffer("h0", torch.randn(layers * dirs, batch, 8) * 0.5)
            self.register_buffer("c0", torch.randn(layers * dirs, batch, 8) * 0.5)

    def forward(self, x, h0=None, c0=None):
        if self.state == "const":
            h0, c0 = self.h0, self.c0
        y, (h, c) = self.lstm(x, None if h0 is None else (h0, c0))
        return y, h, c


@case(opset=13, batch_axis=1)
def lstm_1layer():
    return LSTMOut(1), [randn(5, 2, 6)]


@case(opset=11, batch_axis=None)
def lstm_1layer_h0_const():
    """h0/c0 are initializers, so the batch is static (2)."""
    return LSTMOut(1, "const"), [randn(4, 2, 6)]


@case(opset=17, batch_axis=1)
def lstm_2layer():
    return LSTMOut(2), [randn(5, 3, 6)]


@case(opset=13, batch_axis=1)
def lstm_2layer_h0_input():
    """Inputs x (seq, batch, 6), h0 and c0 (2, batch, 8); outputs y, h_n, c_n."""
    return LSTMOut(2, "input"), [randn(4, 2, 6), randn(2, 2, 8) * 0.5, randn(2, 2, 8) * 0.5]


@case(opset=14, batch_axis=1)
def lstm_bidirectional_2layer():
    """direction=bidirectional: a forward and a reversed run per layer, outputs [seq, 2, batch, 8]."""
    return LSTMOut(2, bidirectional=True), [randn(5, 3, 6)]


@case(opset=13, batch_axis=1)
def lstm_bidirectional_h0_input():
    """Bidirectional with h0 and c0 given as inputs (2 directions, batch, 8)."""
    return LSTMOut(1, "input", bidirectional=True), [randn(4, 2, 6), randn(2, 2, 8) * 0.5, randn(2, 2, 8) * 0.5]


class GRUOut(nn.Module):
    """nn.GRU (batch_first False); returns (y, h_n). State: zeros or an input. Exported with
    linear_before_reset=1 (torch's form: the reset gate scales h·R_h + Rb_h)."""

    def __init__(self, layers, state=None, bidirectional=False):
        super().__init__()
        self.gru = nn.GRU(6, 8, num_layers=layers, bidirectional=bidirectional)
        self.state = state

    def forward(self, x, h0=None):
        return self.gru(x, h0)


@case(opset=13, batch_axis=1)
def gru_1layer():
    return GRUOut(1), [randn(5, 2, 6)]


@case(opset=17, batch_axis=1)
def gru_2layer_h0_input():
    """Inputs x (seq, batch, 6) and h0 (2, batch, 8); outputs y, h_n."""
    return GRUOut(2, "input"), [randn(4, 3, 6), randn(2, 3, 8) * 0.5]


@case(opset=14, batch_axis=1)
def gru_bidirectional_2layer():
    """direction=bidirectional: a forward and a reversed GRU per layer, outputs [seq, 2, batch, 8]."""
    return GRUOut(2, bidirectional=True), [randn(5, 3, 6)]


class EmbeddingLM(nn.Module):
    """Token ids (seq, batch) -> Embedding (Gather) -> LSTM (or GRU) -> Linear logits (seq, batch, vocab)."""

    def __init__(self, vocab=30, cell=nn.LSTM):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.lstm = cell(8, 12)
        self.out = nn.Linear(12, vocab)

    def forward(self, tokens):
        return self.out(self.lstm(self.embed(tokens))[0])


@case(opset=13)
def embedding():
    return nn.Embedding(20, 8), [torch.randint(0, 20, (2, 5))]


@case(opset=14, batch_axis=1)
def embedding_lstm_lm():
    return EmbeddingLM(), [torch.randint(0, 30, (6, 2))]


@case(opset=14, batch_axis=1)
def embedding_gru_lm():
    return EmbeddingLM(cell=nn.GRU), [torch.randint(0, 30, (6, 2))]


# ---------------------------------------------------------------- QDQ
# Narrow-range (e.g. 4-bit) fake quantisation exports as QuantizeLinear -> Clip -> DequantizeLinear:
# the symbolics live in models/qdq_export.py, registered on import.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
import qdq_export  # noqa: E402,F401


def pow2_scale(amax, qmax):
    """Smallest power of two s with amax <= s * qmax. Power-of-two scales make x / s exact in fp32, so
    torch (x * (1/s)) and ONNX (x / s) round the same; with weights, inputs and biases on such grids the
    quantized conv/linear sums are exact in fp32 in any summation order."""
    return 2.0 ** torch.ceil(torch.log2(amax / qmax))


class QdqLayer(nn.Module):
    """Fake-quantized input (per tensor) -> layer with fake-quantized weight (per output channel, zero
    point 0) -> ReLU -> fake-quantized output. Ranges: act (0, 2^a-1), weight (-2^(w-1), 2^(w-1)-1)."""

    def __init__(self, layer, w_bits, a_bits, in_scale, in_zp, out_scale):
        super().__init__()
        self.layer = layer
        self.w_range = (-2 ** (w_bits - 1), 2 ** (w_bits - 1) - 1)
        self.a_range = (0, 2 ** a_bits - 1)
        self.in_q = (in_scale, in_zp)
        self.out_scale = out_scale
        w = layer.weight.detach()
        amax = w.abs().flatten(1).amax(1)
        self.register_buffer("w_scale", pow2_scale(amax, self.w_range[1]).float())
        self.register_buffer("w_zp", torch.zeros(len(amax), dtype=torch.int32))
        with torch.no_grad():
            layer.bias.copy_(torch.round(layer.bias * 2 ** 14) / 2 ** 14)

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, self.in_q[0], self.in_q[1], *self.a_range)
        w = torch.fake_quantize_per_channel_affine(self.layer.weight, self.w_scale, self.w_zp, 0, *self.w_range)
        if isinstance(self.layer, nn.Conv2d):
            y = F.conv2d(x, w, self.layer.bias, padding=self.layer.padding)
        else:
            y = F.linear(x, w, self.layer.bias)
        return torch.fake_quantize_per_tensor_affine(F.relu(y), self.out_scale, 0, *self.a_range)


@case(opset=13)
def qdq_conv():
    """8 bit: uint8 activations (zero point 128 at the input, 0 after ReLU), int8 per-channel weights."""
    return QdqLayer(nn.Conv2d(4, 6, 3, padding=1), 8, 8, 1 / 32, 128, 1 / 64), [randn(2, 4, 5, 5)]


@case(opset=13)
def qdq_conv_4bit():
    """4 bit: activations (0, 15), weights (-8, 7); the narrow ranges are a Clip on the integer tensor."""
    return QdqLayer(nn.Conv2d(4, 6, 3, padding=1), 4, 4, 1 / 4, 8, 1 / 8), [randn(2, 4, 5, 5)]


@case(opset=13)
def qdq_linear():
    return QdqLayer(nn.Linear(12, 6), 8, 8, 1 / 32, 128, 1 / 64), [randn(3, 12)]


# ---------------------------------------------------------------- whole networks
@case(opset=13)
def resnet8_cifar():
    """ResNet-20's CIFAR architecture with one block per stage (models/resnet_cifar), random weights."""
    return ResNetCifar(8), [torch.rand(2, 3, 32, 32)]


@case(opset=13)
def mnist_lenet():
    """models/mnist_lenet architecture, random weights."""
    return LeNet(), [torch.rand(2, 1, 28, 28)]


@case(opset=9)
def mnist_lenet_opset9():
    """The same at opset 9 (MaxPool without ceil_mode, Gemm, Reshape)."""
    return LeNet(), [torch.rand(2, 1, 28, 28)]


# ---------------------------------------------------------------- onnx.helper cases (torch computes outputs)
def _helper_model(nodes, inputs, outputs, initializers, opset):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="op_models.py")


def _vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def onnx_conv_asym_pads():
    """One Conv node with pads [top 2, left 1, bottom 1, right 0]; torch: F.pad(x, (1, 0, 2, 1)) + conv."""
    module = PadConv()
    x = randn(2, 3, 7, 6)
    conv = module.conv
    out_shape = module(x).shape
    node = helper.make_node("Conv", ["input", "w", "b"], ["output"], name="conv_asym", kernel_shape=[3, 3],
                            pads=[2, 1, 1, 0], strides=[1, 1])
    model = _helper_model([node], [_vi("input", ["batch", 3, 7, 6])], [_vi("output", ["batch", *out_shape[1:]])],
                          [numpy_helper.from_array(conv.weight.detach().numpy(), "w"),
                           numpy_helper.from_array(conv.bias.detach().numpy(), "b")], 13)
    return module, [x], model


def onnx_identity_dropout():
    """Identity -> Dropout (opset 13, ratio input 0.5, inference: identity) -> Relu; torch: relu."""
    nodes = [helper.make_node("Identity", ["input"], ["id"], name="identity"),
             helper.make_node("Dropout", ["id", "ratio"], ["drop"], name="dropout"),
             helper.make_node("Relu", ["drop"], ["output"], name="relu")]
    ratio = numpy_helper.from_array(np.array(0.5, dtype=np.float32), "ratio")
    model = _helper_model(nodes, [_vi("input", ["batch", 3, 4])], [_vi("output", ["batch", 3, 4])], [ratio], 13)
    return nn.ReLU(), [randn(2, 3, 4)], model


def onnx_mask_mod_scatter():
    """Swin-style constant masks: Mod of a shape (folded), ScatterND of constant rows (folded), and a Dropout of
    ratio 0 with training_mode true (drops nothing); output = x * mask + (W mod 3)."""
    zeros = numpy_helper.from_array(np.zeros((3, 4), np.float32), "zeros")
    rows = numpy_helper.from_array(np.array([[0], [2]], np.int64), "rows")
    upd = numpy_helper.from_array(np.array([[1, 2, 3, 4], [-1, 0.5, 2, -3]], np.float32), "updates")
    two = numpy_helper.from_array(np.array(2, np.int64), "two")
    three = numpy_helper.from_array(np.array(3, np.int64), "three")
    ratio = numpy_helper.from_array(np.array(0.0, np.float32), "ratio")
    train = numpy_helper.from_array(np.array(True), "train")
    nodes = [helper.make_node("ScatterND", ["zeros", "rows", "updates"], ["mask"], name="scatter"),
             helper.make_node("Shape", ["input"], ["shape"], name="shape"),
             helper.make_node("Gather", ["shape", "two"], ["w"], name="width"),
             helper.make_node("Mod", ["w", "three"], ["wmod"], name="mod"),
             helper.make_node("Cast", ["wmod"], ["wmodf"], name="cast", to=TensorProto.FLOAT),
             helper.make_node("Mul", ["input", "mask"], ["masked"], name="mul"),
             helper.make_node("Add", ["masked", "wmodf"], ["sum"], name="add"),
             helper.make_node("Dropout", ["sum", "ratio", "train"], ["output"], name="dropout")]
    model = _helper_model(nodes, [_vi("input", ["batch", 3, 4])], [_vi("output", ["batch", 3, 4])],
                          [zeros, rows, upd, two, three, ratio, train], 13)
    mask = torch.tensor([[1, 2, 3, 4], [0, 0, 0, 0], [-1, 0.5, 2, -3]])
    return Fn(lambda x: x * mask + float(x.shape[2] % 3)), [randn(2, 3, 4)], model


def _space_to_depth(x, b):
    """ONNX SpaceToDepth, written from the operator's definition."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h // b, w // b)


def _depth_to_space_dcr(x, b):
    """ONNX DepthToSpace in mode DCR, written from the operator's definition."""
    n, c, h, w = x.shape
    return x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c // (b * b), h * b, w * b)


def onnx_depth_space_dcr():
    """SpaceToDepth (blocksize 2), a scale per channel (so the channels' order matters), DepthToSpace in its
    default mode DCR (torch emits neither form), then Max of three inputs (y, 0.5 y, −y: |y|) and a Min of one."""
    scale = torch.arange(1, 13, dtype=torch.float32).reshape(12, 1, 1)
    nodes = [helper.make_node("SpaceToDepth", ["input"], ["deep"], name="s2d", blocksize=2),
             helper.make_node("Mul", ["deep", "scale"], ["scaled"], name="scale_channels"),
             helper.make_node("DepthToSpace", ["scaled"], ["wide"], name="d2s", blocksize=2),
             helper.make_node("Mul", ["wide", "half"], ["halved"], name="halve"),
             helper.make_node("Neg", ["wide"], ["neg"], name="neg"),
             helper.make_node("Max", ["wide", "halved", "neg"], ["abs"], name="max3"),
             helper.make_node("Min", ["abs"], ["output"], name="min1")]
    model = _helper_model(nodes, [_vi("input", ["batch", 3, 4, 6])], [_vi("output", ["batch", 3, 4, 6])],
                          [numpy_helper.from_array(scale.numpy(), "scale"),
                           numpy_helper.from_array(np.array(0.5, np.float32), "half")], 13)
    return Fn(lambda x: _depth_to_space_dcr(_space_to_depth(x, 2) * scale, 2).abs()), [randn(2, 3, 4, 6)], model


def onnx_cumsum_exclusive_reverse():
    """CumSum with exclusive=1 and reverse=1 (torch never emits them): each element gets the sum of those after it."""
    axis = numpy_helper.from_array(np.array(-1, np.int64), "axis")
    node = helper.make_node("CumSum", ["input", "axis"], ["output"], name="suffix_sums", exclusive=1, reverse=1)
    model = _helper_model([node], [_vi("input", ["batch", 3, 5])], [_vi("output", ["batch", 3, 5])], [axis], 13)
    return Fn(lambda x: torch.cumsum(x.flip(-1), dim=-1).flip(-1) - x), [randn(2, 3, 5)], model


def onnx_thresholded_relu():
    """ThresholdedRelu (alpha 0.5), which torch never emits: x where x > 0.5, else 0."""
    node = helper.make_node("ThresholdedRelu", ["input"], ["output"], name="thresholded", alpha=0.5)
    model = _helper_model([node], [_vi("input", ["batch", 3, 4])], [_vi("output", ["batch", 3, 4])], [], 13)
    return Fn(lambda x: torch.where(x > 0.5, x, torch.zeros_like(x))), [randn(2, 3, 4)], model


HELPER_CASES = {f.__name__: f for f in (onnx_conv_asym_pads, onnx_identity_dropout, onnx_mask_mod_scatter,
                                        onnx_depth_space_dcr, onnx_thresholded_relu, onnx_cumsum_exclusive_reverse)}


# ---------------------------------------------------------------- generation
def doc(fn):
    return " ".join((fn.__doc__ or "").split())


def seed_of(name):
    return zlib.crc32(name.encode())


def prepare(module):
    """Eval mode; give BatchNorm and LayerNorm non-trivial statistics and affine parameters."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.3)
                m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm)):
                m.weight.copy_(torch.rand_like(m.weight) + 0.5)
                m.bias.copy_(torch.randn_like(m.bias) * 0.2)
    return module.eval()


def flat_outputs(out):
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for o in out for t in flat_outputs(o)]


def io_names(prefix, n):
    return [prefix] if n == 1 else [f"{prefix}{i}" for i in range(n)]


def graph_ops(model):
    return sorted({n.op_type for n in model.graph.node})


def check_shapes(name, model, outputs):
    """The exported graph's declared output shapes must agree with torch's (symbolic dims allowed)."""
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    for vi, t in zip(inferred.graph.output, outputs):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) != t.dim():
            raise AssertionError(f"{name}: output {vi.name} rank {len(dims)} != torch {t.dim()}")
        for d, n in zip(dims, t.shape):
            if d.HasField("dim_value") and d.dim_value != n:
                raise AssertionError(f"{name}: output {vi.name} shape {dims} != torch {tuple(t.shape)}")


def export_case(name, spec, outdir):
    torch.manual_seed(seed_of(name))
    module, inputs = spec["build"]()
    module = prepare(module)
    with torch.no_grad():
        outputs = flat_outputs(module(*inputs))
    in_names, out_names = io_names("input", len(inputs)), io_names("output", len(outputs))
    dynamic = {}
    exported = inputs
    if spec["export_one"]:
        exported = [t.narrow(spec["batch_axis"], 0, 1) for t in inputs]
    elif spec["batch_axis"] is not None:
        dynamic = {n: {spec["batch_axis"]: "batch"} for n in in_names + out_names}
    path = outdir / f"{name}.onnx"
    torch.onnx.export(module, tuple(exported), str(path), opset_version=spec["opset"],
                      do_constant_folding=spec["fold"], input_names=in_names, output_names=out_names,
                      dynamic_axes=dynamic or None,
                      training=torch.onnx.TrainingMode.PRESERVE if spec["preserve"] else torch.onnx.TrainingMode.EVAL)
    model = onnx.load(str(path))
    if [i.name for i in model.graph.input] != in_names:
        raise AssertionError(f"{name}: graph inputs {[i.name for i in model.graph.input]} != {in_names}")
    entry = finish(name, doc(spec["build"]), model, inputs, outputs, outdir, spec["opset"], spec["fold"],
                   spec["batch_axis"], check=not spec["export_one"])
    entry["export_one"] = spec["export_one"]
    return entry


def export_helper_case(name, build, outdir):
    torch.manual_seed(seed_of(name))
    module, inputs, model = build()
    with torch.no_grad():
        outputs = flat_outputs(prepare(module)(*inputs))
    onnx.save(model, str(outdir / f"{name}.onnx"))
    return finish(name, doc(build), model, inputs, outputs, outdir, model.opset_import[0].version, None, 0)


def finish(name, note, model, inputs, outputs, outdir, opset, fold, batch_axis, check=True):
    onnx.checker.check_model(model, full_check=True)
    if check:
        check_shapes(name, model, outputs)
    if (len(model.graph.input), len(model.graph.output)) != (len(inputs), len(outputs)):
        raise AssertionError(f"{name}: graph has {len(model.graph.input)} inputs, {len(model.graph.output)} "
                             f"outputs; torch {len(inputs)}, {len(outputs)}")
    entry = dict(name=name, model=f"{name}.onnx", opset=opset, constant_folding=fold, batch_axis=batch_axis,
                 note=note, inputs=[], outputs=[], ops=graph_ops(model))
    for kind, tensors, infos in (("in", inputs, model.graph.input), ("out", outputs, model.graph.output)):
        for i, (t, vi) in enumerate(zip(tensors, infos)):
            arr = t.detach().numpy()
            arr = arr.astype(np.int64 if arr.dtype == np.int64 else np.float32)
            f = f"{name}.{kind}{i}.npy"
            np.save(outdir / f, arr)
            entry[kind + "puts"].append(dict(file=f, name=vi.name, shape=list(arr.shape), dtype=str(arr.dtype)))
    return entry


# ---------------------------------------------------------------- bad models
BAD_CASES = {}


def bad_case(fn):
    """Register an invalid model: fn(rng) -> (ModelProto or raw bytes, [inputs], stderr_must_contain).
    aimc forward must exit 2 with one stderr line containing a word of every group."""
    BAD_CASES[fn.__name__] = fn
    return fn


@bad_case
def truncated(rng):
    """The first half of a valid Conv model's bytes (cut inside the graph, so protobuf parsing fails)."""
    w = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w")
    conv = helper.make_node("Conv", ["input", "w"], ["output"], name="conv", kernel_shape=[3, 3])
    raw = _helper_model([conv], [_vi("input", [2, 3, 8, 8])], [_vi("output", [2, 8, 6, 6])], [w],
                        13).SerializeToString()
    cut = raw[:len(raw) // 2]
    try:
        onnx.load_from_string(cut)
    except DecodeError:
        return cut, [rng.standard_normal((2, 3, 8, 8)).astype(np.float32)], [["truncated", "parse"]]
    raise AssertionError("the truncated model still parses")


@bad_case
def unsupported_op(rng):
    """A valid ONNX model whose only node is NonMaxSuppression (named nms_node)."""
    scores = numpy_helper.from_array(rng.random((1, 1, 6)).astype(np.float32), "scores")
    nms = helper.make_node("NonMaxSuppression", ["input", "scores"], ["output"], name="nms_node")
    model = _helper_model([nms], [_vi("input", [1, 6, 4])], [_vi("output", [None, 3], TensorProto.INT64)],
                          [scores], 13)
    return model, [rng.random((1, 6, 4)).astype(np.float32)], [["NonMaxSuppression"], ["nms_node"]]


@bad_case
def unknown_op(rng):
    """A node of the made-up op FooBar (named foobar_node) in the default domain."""
    foo = helper.make_node("FooBar", ["input"], ["output"], name="foobar_node")
    model = _helper_model([foo], [_vi("input", [2, 3])], [_vi("output", [2, 3])], [], 13)
    return model, [rng.standard_normal((2, 3)).astype(np.float32)], [["FooBar"], ["foobar_node"]]


@bad_case
def unsupported_op_with_workaround(rng):
    """LpNormalization (named lp_node), which aimc lacks but can express: the message says how (sqrt, sum)."""
    lp = helper.make_node("LpNormalization", ["input"], ["output"], name="lp_node")
    model = _helper_model([lp], [_vi("input", [2, 3])], [_vi("output", [2, 3])], [], 13)
    return model, [rng.standard_normal((2, 3)).astype(np.float32)], [["LpNormalization"], ["lp_node"], ["torch.sqrt"],
                                                                      ["sum"]]


@bad_case
def transformer_seqfirst_static_batch2(rng):
    """torch's sequence-first TransformerEncoderLayer exported at a fixed batch of 2 ([6, 2, 16], no dynamic axes):
    no axis can be the batch (axis 1's reshape folds the 2 samples into the heads); the message says what fails at
    each axis and how to export instead."""
    torch.manual_seed(0)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0).eval(), (torch.randn(6, 2, 16),), buf,
                          opset_version=17, input_names=["input"], output_names=["output"])
    return buf.getvalue(), [rng.standard_normal((6, 2, 16)).astype(np.float32)], [
        ["no axis can be the batch"], ["at axis 1"], ["export the model with batch 1 or a dynamic batch axis"]]


@bad_case
def gru_linear_before_reset_0(rng):
    """A GRU (named gru_lbr0) with linear_before_reset=0: refused, naming torch's form as the way out."""
    h = 4
    w = numpy_helper.from_array(rng.standard_normal((1, 3 * h, 3)).astype(np.float32), "w")
    r = numpy_helper.from_array(rng.standard_normal((1, 3 * h, h)).astype(np.float32), "r")
    gru = helper.make_node("GRU", ["input", "w", "r"], ["output"], name="gru_lbr0", hidden_size=h,
                           linear_before_reset=0)
    model = _helper_model([gru], [_vi("input", [5, 2, 3])], [_vi("output", [5, 1, 2, h])], [w, r], 14)
    return model, [rng.standard_normal((5, 2, 3)).astype(np.float32)], [["gru_lbr0"], ["linear_before_reset=1"]]


@bad_case
def misspelt_op(rng):
    """A node of op 'Rleu' (a typo, named typo_node): the message suggests Relu."""
    typo = helper.make_node("Rleu", ["input"], ["output"], name="typo_node")
    model = _helper_model([typo], [_vi("input", [2, 3])], [_vi("output", [2, 3])], [], 13)
    return model, [rng.standard_normal((2, 3)).astype(np.float32)], [["Rleu"], ["typo_node"], ["'Relu'"]]


@bad_case
def shape_mismatch_add(rng):
    """Add (named add_mismatch) of a [2,3] input and a [4,5] initializer: not broadcastable."""
    b = numpy_helper.from_array(rng.standard_normal((4, 5)).astype(np.float32), "b")
    add = helper.make_node("Add", ["input", "b"], ["output"], name="add_mismatch")
    model = _helper_model([add], [_vi("input", [2, 3])], [_vi("output", [2, 3])], [b], 13)
    return model, [rng.standard_normal((2, 3)).astype(np.float32)], [["add_mismatch"]]


@bad_case
def shape_mismatch_gemm(rng):
    """Gemm (named gemm_mismatch) of a [2,8] input and a [6,4] weight: K is 8 against 6."""
    w = numpy_helper.from_array(rng.standard_normal((6, 4)).astype(np.float32), "w")
    gemm = helper.make_node("Gemm", ["input", "w"], ["output"], name="gemm_mismatch")
    model = _helper_model([gemm], [_vi("input", [2, 8])], [_vi("output", [2, 4])], [w], 13)
    return model, [rng.standard_normal((2, 8)).astype(np.float32)], [["gemm_mismatch"]]


@bad_case
def external_data_missing(rng):
    """A MatMul weight stored as external data in missing_weights.bin, which does not exist."""
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 3], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "missing_weights.bin"), ("offset", "0"), ("length", "36")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    mm = helper.make_node("MatMul", ["input", "w"], ["output"], name="matmul_external")
    model = _helper_model([mm], [_vi("input", [2, 3])], [_vi("output", [2, 3])], [w], 13)
    return model, [rng.standard_normal((2, 3)).astype(np.float32)], [["missing_weights.bin"]]


@bad_case
def conv_transpose_bad_output_padding(rng):
    """ConvTranspose (named deconv_node) with output_padding 2 at stride 2: it must be below the stride."""
    w = numpy_helper.from_array(rng.standard_normal((3, 4, 3, 3)).astype(np.float32), "w")
    node = helper.make_node("ConvTranspose", ["input", "w"], ["output"], name="deconv_node", strides=[2, 2],
                            output_padding=[2, 2])
    model = _helper_model([node], [_vi("input", [1, 3, 4, 4])], [_vi("output", [1, 4, 11, 11])], [w], 13)
    return model, [rng.standard_normal((1, 3, 4, 4)).astype(np.float32)], [["deconv_node"], ["output_padding"]]


@bad_case
def resize_cubic(rng):
    """Resize (named resize_node) in cubic mode, which aimc does not implement: the error names the mode and
    the supported ones."""
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    node = helper.make_node("Resize", ["input", "", "scales"], ["output"], name="resize_node", mode="cubic")
    model = _helper_model([node], [_vi("input", [1, 2, 3, 3])], [_vi("output", [1, 2, 6, 6])], [scales], 13)
    return model, [rng.standard_normal((1, 2, 3, 3)).astype(np.float32)], [["resize_node"], ["cubic"], ["linear"]]


def export_bad_case(name, build, outdir):
    model, inputs, must = build(np.random.default_rng(seed_of(name)))
    path = outdir / "bad" / f"{name}.onnx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(model if isinstance(model, bytes) else model.SerializeToString())
    entry = dict(name=name, model=f"bad/{name}.onnx", note=doc(build), inputs=[], stderr_must_contain=must)
    for i, arr in enumerate(inputs):
        entry["inputs"].append(dict(file=f"bad/{name}.in{i}.npy", shape=list(arr.shape), dtype=str(arr.dtype)))
        np.save(outdir / entry["inputs"][-1]["file"], arr)
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--only", nargs="*", help="generate only these cases (bad models are always written)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
    args.outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    names = list(CASES) + list(HELPER_CASES)
    unknown = set(args.only or []) - set(names)
    if unknown:
        ap.error(f"unknown cases: {sorted(unknown)}")
    cases = []
    for name in names:
        if args.only and name not in args.only:
            continue
        if name in CASES:
            cases.append(export_case(name, CASES[name], args.outdir))
        else:
            cases.append(export_helper_case(name, HELPER_CASES[name], args.outdir))
        print(f"{name}: opset {cases[-1]['opset']}, ops {' '.join(cases[-1]['ops'])}", flush=True)
    bad = [export_bad_case(name, build, args.outdir) for name, build in BAD_CASES.items()]
    manifest = dict(generator="tests/python/op_models.py", torch=torch.__version__, onnx=onnx.__version__,
                    cases=cases, bad=bad)
    (args.outdir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(cases)} cases, {len(manifest['bad'])} bad models in {args.outdir} ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
