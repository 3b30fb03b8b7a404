"""A small Vision Transformer for MNIST (torchvision's VisionTransformer), shared by train.py and the tests.

Not a script. Input: float32 N x 1 x 28 x 28, pixels in [0, 1] (the MNIST normalisation is the first op of
forward(), so the exported model takes the pixels aimc's idx reader delivers). Patches of 7 x 7 (16 tokens and a
class token), 4 encoder blocks of width 64 with 4 heads and MLPs of 128: torch's own nn.MultiheadAttention, which
exports attention with the batch folded into the heads ([L, B·H, d]), LayerNorm, GELU (Erf).
"""

import torch
import torchvision
from torch import nn

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class VitMnist(nn.Module):
    def __init__(self):
        super().__init__()
        # torchvision's ViT reads 3 channels; a 1-channel patch conv replaces its projection.
        self.vit = torchvision.models.VisionTransformer(image_size=28, patch_size=7, num_layers=4, num_heads=4,
                                                        hidden_dim=64, mlp_dim=128, num_classes=10)
        self.vit.conv_proj = nn.Conv2d(1, 64, kernel_size=7, stride=7)

    def forward(self, x):
        return self.vit((x - MNIST_MEAN) / MNIST_STD)


@torch.no_grad()
def accuracy(model, x, y, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)
