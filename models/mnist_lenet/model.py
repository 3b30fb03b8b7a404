"""LeNet-style MNIST CNN and an MNIST idx reader, shared by train.py, the tests and bench/torch_bench.py.

Not a script. Input: float32 N x 1 x 28 x 28, pixels in [0, 1]; the MNIST mean/std normalisation is the
first op of forward(), so the exported ONNX model takes the same [0, 1] pixels the aimc readers deliver.
"""

import gzip
import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class LeNet(nn.Module):
    """conv5x5 1->16, ReLU, maxpool2, conv5x5 16->32, ReLU, maxpool2, flatten, Linear 512->128, ReLU, Linear 128->10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.fc1 = nn.Linear(32 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = (x - MNIST_MEAN) / MNIST_STD
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)


def read_idx(path):
    """Read a gzipped idx file into a numpy uint8 array with the dims its header gives."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    if magic >> 8 != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file (magic 0x{magic:x})")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(data_dir, split="t10k"):
    """Return (images float32 N x 1 x 28 x 28 in [0, 1], labels int64 N) of split 'train' or 't10k'."""
    d = Path(data_dir)
    images = read_idx(d / f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(d / f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(images[:, None]), torch.from_numpy(labels)


@torch.no_grad()
def accuracy(model, images, labels, batch=1000):
    """Top-1 accuracy (fraction) of model on images/labels."""
    model.eval()
    correct = 0
    for i in range(0, len(images), batch):
        correct += (model(images[i:i + batch]).argmax(1) == labels[i:i + batch]).sum().item()
    return correct / len(images)
