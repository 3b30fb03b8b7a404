"""Hardware-aware (HERMES PCM) variant of the CIFAR ResNet: batch-norm folded into the convolutions, and
conv/linear layers that inject PCM programming noise into their weights and clip/perturb their outputs as an
8-bit ADC would, during training only. Not a script; used by finetune_hwa.py and drift_eval.py.

In eval mode the layers are plain Conv2d/Linear with bias, so the exported ONNX is the usual ResNet graph
(Conv with bias, Relu, Add, Slice/Pad shortcuts, GlobalAveragePool, Gemm). The state_dict layout is
ResNetCifar's without the bn* entries and with conv*.bias.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .model import ResNetCifar


def fold_bn(model):
    """A copy of a ResNetCifar (eval) with every BatchNorm folded into the conv before it (conv gets a bias,
    the BatchNorm becomes Identity). Same function up to fp32 rounding."""
    model = copy.deepcopy(model).eval()
    pairs = [(model, "conv1", "bn1")]
    for stage in (model.layer1, model.layer2, model.layer3):
        for block in stage:
            pairs += [(block, "conv1", "bn1"), (block, "conv2", "bn2")]
    with torch.no_grad():
        for owner, c, b in pairs:
            conv, bn = getattr(owner, c), getattr(owner, b)
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            new = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=True)
            new.weight.copy_(conv.weight * scale[:, None, None, None])
            new.bias.copy_(bn.bias - bn.running_mean * scale)
            setattr(owner, c, new)
            setattr(owner, b, nn.Identity())
    return model


def folded_resnet(depth=20):
    """An empty folded ResNetCifar (load a folded state_dict into it)."""
    return fold_bn(ResNetCifar(depth))


def analog_layers(model):
    """The (name, module) of every Conv2d and Linear: the layers that sit on PCM crossbars."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


class HwaHooks:
    """Training-time hardware noise on a folded model, installed as forward hooks on every analog layer:
    - weights: W + (W_prog - W).detach(), W_prog drawn from the PCM programming-noise model `pcm` (pcm_noise.py;
      straight-through gradient), a new draw on every forward pass;
    - outputs: the MVM result (before the digital bias) clipped to [-R, R], R calibrated per layer as the
      largest |MVM output| seen on calibration images (the ADC's full scale), plus Gaussian noise of std
      out_noise * R (the ADC/MVM error).
    Only active while model.training is True."""

    def __init__(self, model, pcm, noise_fn, out_noise=0.02):
        self.model, self.pcm, self.noise_fn, self.out_noise = model, pcm, noise_fn, out_noise
        self.ranges = {}
        self.handles = []
        for name, m in analog_layers(model):
            m.hwa_name = name
            self.handles.append(m.register_forward_pre_hook(self._pre))
            self.handles.append(m.register_forward_hook(self._post))

    @torch.no_grad()
    def calibrate(self, images, batch=250):
        """R per layer = max |W x| (no bias, clean weights) over images."""
        self.ranges = {}
        calib = {}
        hooks = []
        for name, m in analog_layers(self.model):
            def grab(mod, inp, out, name=name):
                y = out - mod.bias.view(1, -1, *([1] * (out.dim() - 2))) if mod.bias is not None else out
                calib[name] = max(calib.get(name, 0.0), y.abs().max().item())
            hooks.append(m.register_forward_hook(grab))
        was = self.model.training
        self.model.eval()
        for i in range(0, len(images), batch):
            self.model(images[i:i + batch])
        self.model.train(was)
        for h in hooks:
            h.remove()
        self.ranges = calib
        return calib

    def _pre(self, mod, inp):
        if not self.model.training:
            return None
        mod.__dict__["_clean_weight"] = mod.weight  # not a registered parameter (no state_dict entry)
        noisy = mod.weight + self.noise_fn(mod.weight.detach(), self.pcm).detach()
        del mod._parameters["weight"]
        mod.weight = noisy  # plain tensor for this forward
        return None

    def _post(self, mod, inp, out):
        if not self.model.training:
            return None
        w = mod.__dict__.pop("_clean_weight")
        del mod.weight
        mod._parameters["weight"] = w
        b = mod.bias.view(1, -1, *([1] * (out.dim() - 2)))
        r = self.ranges[mod.hwa_name]
        y = (out - b).clamp(-r, r)
        y = y + torch.randn_like(y) * (self.out_noise * r)
        return y + b


@torch.no_grad()
def clip_weights(model, sigmas):
    """Clip every analog layer's weights to +-sigmas * std(layer weights) (aihwkit WeightClipType.LAYER_GAUSSIAN)."""
    for _, m in analog_layers(model):
        bound = sigmas * m.weight.std()
        m.weight.clamp_(-bound, bound)


def augment(x, gen):
    """Random 32x32 crop of the 4-pixel zero-padded images and random horizontal flip (per image)."""
    padded = F.pad(x, (4, 4, 4, 4))
    dx = torch.randint(0, 9, (len(x),), generator=gen)
    dy = torch.randint(0, 9, (len(x),), generator=gen)
    flip = torch.rand(len(x), generator=gen) < 0.5
    out = torch.empty_like(x)
    for i in range(len(x)):
        img = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = img.flip(2) if flip[i] else img
    return out
