"""Character-level LSTM language model for Penn Treebank, sized for `hermes` (64 cores x 256x256 PCM
crossbars), and a PTB token reader that gives exactly the ids of aimc's `tokens:` reader
(src/data/tokens.cpp, docs/user-guide-data.md). Not a script; train.py trains and exports it.

Model: token ids [seq, batch] (int64, sequence-first) -> Embedding 50 x 32 (a table look-up, off-chip on
HERMES like its embeddings) -> one LSTM layer, H = 256, zero initial state -> Linear 256 -> 50 -> logits
[seq, batch, 50]. Weights: LSTM 4H x (E + H) = 1024 x 288 = 294,912 (+ 2 x 1024 biases), decoder 12,800,
embedding 1,600: 0.31M. On 256x256 crossbars the gate matrix [W_ih | W_hh] (1024 x 288: x_t and h_(t-1)
stacked on the rows) needs ceil(288/256) x ceil(1024/256) = 2 x 4 = 8 cores and the decoder 1: 9 of the 64.
HERMES's own PTB character model had 1.30M weights (chips.md section 1.4); CharLSTM(embed=64, hidden=512)
has 1.21M (4 x 512 x 576 + 512 x 50 + 50 x 64; 3 x 8 + 2 = 26 cores) but trains about 4x slower than this
one, too slow for the 2 shared CPU cores: train.py --hidden 512 --embed 64 makes it.

Tokenisation (identical to aimc's `level=char`): each line (split at '\\n'; a final '\\n' does not open a new
line) gives its characters (bytes), with the symbol `_` between words (words are separated by runs of
' ', '\\t', '\\r', '\\v', '\\f'; leading/trailing spaces do not count), then `<eos>`. Vocabulary: the distinct
symbols of ptb.train.txt sorted by byte value, then `<eos>` last (50 symbols for PTB). `level=word`: the
whitespace-separated words of each line then `<eos>`; vocabulary in order of first appearance in the
training text.
"""

import gzip
import re
from pathlib import Path

import torch
from torch import nn

EOS, UNK, SPACE = "<eos>", "<unk>", "_"
_WS = re.compile(r"[ \t\r\v\f]+")


def read_text(path):
    """The file's bytes as a str (latin-1, one character per byte); .gz is unpacked."""
    p = Path(path)
    raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    return raw.decode("latin-1")


def tokenize(text, level="char"):
    """The token stream of text, as aimc's for_each_token produces it."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    out = []
    for line in lines:
        words = [w for w in _WS.split(line) if w]
        if level == "word":
            out.extend(words)
        else:
            for i, w in enumerate(words):
                if i:
                    out.append(SPACE)
                out.extend(w)
        out.append(EOS)
    return out


def vocabulary(train_text, level="char"):
    """Token list (id = position) built from the training text the way aimc builds it."""
    toks = tokenize(train_text, level)
    if level == "word":
        return list(dict.fromkeys(toks))
    return sorted({t for t in toks if t != EOS}, key=lambda c: ord(c)) + [EOS]


def encode(text, vocab, level="char"):
    ids = {t: i for i, t in enumerate(vocab)}
    unk = ids.get(UNK)
    return torch.tensor([ids.get(t, unk) if t in ids or unk is not None else ids[t] for t in tokenize(text, level)],
                        dtype=torch.int64)


def windows(ids, seq):
    """aimc's non-overlapping windows: inputs [N, seq] = t[n*seq : n*seq+seq], labels one token later;
    N = (T - 1) // seq, the tail is dropped."""
    n = (len(ids) - 1) // seq
    return ids[:n * seq].view(n, seq), ids[1:n * seq + 1].view(n, seq)


class CharLSTM(nn.Module):
    """ids [seq, batch] int64 -> logits [seq, batch, vocab]; zero initial state on every call."""

    def __init__(self, vocab=50, embed=32, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, ids):
        return self.decoder(self.lstm(self.embed(ids))[0])


@torch.no_grad()
def evaluate(model, ids, seq, batch=256):
    """Mean cross entropy (nats per token) over all N*seq predictions of the windows of ids, each window
    from a zero state. Returns (nats, tokens)."""
    model.eval()
    x, y = windows(ids, seq)
    total = 0.0
    for i in range(0, len(x), batch):
        logits = model(x[i:i + batch].t().contiguous())
        total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[i:i + batch].t().reshape(-1),
                                             reduction="sum").item()
    return total / y.numel(), y.numel()
