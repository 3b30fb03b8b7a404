"""Character-level GPT-style decoder for Penn Treebank, sized for `hermes` (64 cores x 256x256 PCM crossbars).
Tokenisation, vocabulary and windows are the LSTM's (models/lstm_ptb/model.py), i.e. exactly aimc's
`tokens:...,level=char` reader. Not a script; train.py trains and exports it.

Model: token ids [batch, seq] (int64, batch-first) -> token embedding 50 x 128 + learned positions 128 x 128
-> 4 pre-norm decoder blocks (nn.TransformerEncoderLayer with a causal mask: 4 heads of 32, GELU MLP 512,
LayerNorm) -> LayerNorm -> Linear 128 -> 50 logits [batch, seq, 50]. Each window is predicted from
scratch (no state), like the LSTM's zero initial state. Weights per block: QKV 128 x 384, output 128 x 128, MLP
128 x 512 and 512 x 128 = 196,608 (+ biases, norms); on 256x256 crossbars 2 + 1 + 2 + 2 = 7 cores per block,
28 for the blocks and 1 for the head: 29 of the 64. The causal mask is a constant buffer (an ONNX initializer).
"""

import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstm_ptb.model import encode, read_text, vocabulary, windows  # noqa: E402,F401  (re-exported)


class CharGPT(nn.Module):
    """ids [batch, seq] int64 -> logits [batch, seq, vocab]."""

    def __init__(self, vocab=50, dim=128, heads=4, layers=4, mlp=512, seq=128):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.02)
        block = nn.TransformerEncoderLayer(dim, heads, mlp, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), float("-inf")), diagonal=1))

    def forward(self, ids):
        t = ids.shape[1]
        h = self.embed(ids) + self.pos[:t]
        return self.head(self.norm(self.blocks(h, mask=self.mask[:t, :t])))


@torch.no_grad()
def evaluate(model, ids, seq, batch=128, device="cpu"):
    """Mean cross entropy (nats per token) over all N*seq predictions of aimc's windows of ids, each window
    from scratch. Returns (nats, tokens)."""
    model.eval()
    x, y = windows(ids, seq)
    total = 0.0
    for i in range(0, len(x), batch):
        logits = model(x[i:i + batch].to(device))
        total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[i:i + batch].to(device).reshape(-1),
                                             reduction="sum").item()
    return total / y.numel(), y.numel()
