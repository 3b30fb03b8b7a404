"""CIFAR ResNet (He et al. 2016, option-A shortcuts) and a CIFAR-10 binary reader. Not a script.

The parameter names match the akamaster/pytorch_resnet_cifar10 checkpoints in
../shared/data/cifar10_resnet_weights (see SOURCE.md there), so `load_pretrained(20)` loads them with
strict=True after stripping the `module.` prefix. Input: float32 N x 3 x 32 x 32, pixels in [0, 1]; the
per-channel normalisation the weights were trained with (ImageNet mean/std) is the first op of forward().
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
WEIGHTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "cifar10_resnet_weights"
CHECKPOINTS = {20: "resnet20-12fca82f.th", 32: "resnet32-d509ac18.th", 44: "resnet44-014dd654.th",
               56: "resnet56-4bfd9763.th"}


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. Option A: when the shape changes, the
    shortcut takes every second pixel and zero-pads planes/4 channels on each side (no parameters)."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if stride != 1 or in_planes != planes else 0

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.pad else x
        return F.relu(out + shortcut)


class ResNetCifar(nn.Module):
    """ResNet-(6n+2) for 32x32 images: conv3x3 3->16, BN, ReLU, 3 stages of n blocks (16/32/64 channels,
    stride 2 at the start of stages 2 and 3), global average pool, Linear 64->10."""

    def __init__(self, depth=20, num_classes=10):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        planes_in = 16
        for i, planes in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(planes_in, planes, 2 if i > 0 and j == 0 else 1))
                planes_in = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.linear = nn.Linear(64, num_classes)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.linear(x)


def load_pretrained(depth=20, weights_dir=WEIGHTS):
    """ResNetCifar(depth) in eval mode with the shared akamaster weights (strict=True)."""
    ckpt = torch.load(Path(weights_dir) / CHECKPOINTS[depth], map_location="cpu")
    state = {k.removeprefix("module."): v for k, v in ckpt["state_dict"].items()}
    model = ResNetCifar(depth)
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_cifar10(path, limit=None):
    """Read a CIFAR-10 binary batch (records of 1 label byte + 3072 pixel bytes): returns
    (images float32 N x 3 x 32 x 32 in [0, 1], labels int64 N)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 3073:
        raise ValueError(f"{path}: size {raw.size} is not a multiple of 3073")
    rec = raw.reshape(-1, 3073)[:limit]
    images = rec[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    return torch.from_numpy(images), torch.from_numpy(rec[:, 0].astype(np.int64))
