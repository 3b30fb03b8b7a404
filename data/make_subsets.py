"""Make the small committed test-set subsets in data/ from the full datasets in ../shared/data.

Command (from the repository root):

    /usr/bin/python3 data/make_subsets.py [--shared ../shared/data]

Writes
  data/mnist-test-1k/t10k-images-idx3-ubyte.gz   first 1000 MNIST test images (idx3, magic 0x803, 1000x28x28)
  data/mnist-test-1k/t10k-labels-idx1-ubyte.gz   their labels (idx1, magic 0x801, 1000)
  data/cifar10-test-500/test_batch.bin           first 500 CIFAR-10 test records (1 label byte + 3072 pixel bytes)
  data/ptb-test-excerpt/ptb.test.txt             first 200 lines of PTB's ptb.test.txt, byte for byte
  data/ptb-test-excerpt/vocab.txt                the character-level vocabulary of ptb.train.txt (aimc's
                                                 `level=char`: sorted characters incl. `_`, then <eos>; 50 lines)
  data/ptb-test-excerpt/vocab-word.txt           the word-level vocabulary (order of first appearance, 10000 lines)
Read the excerpt with e.g. tokens:data/ptb-test-excerpt/ptb.test.txt,vocab=data/ptb-test-excerpt/vocab.txt,level=char,seq=100
The gzip files are written with mtime 0 and no file name, so reruns give byte-identical files.
"""

import argparse
import gzip
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MNIST_N = 1000
CIFAR_N = 500
CIFAR_RECORD = 1 + 3 * 32 * 32
PTB_LINES = 200


def read_idx(path):
    """Return (magic, dims, payload bytes) of a gzipped idx file."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return magic, dims, raw[4 + 4 * ndim:]


def write_idx_subset(src, dst, n):
    """Copy the first n items of the idx file src into dst, keeping magic and item shape."""
    magic, dims, payload = read_idx(src)
    if dims[0] < n:
        raise SystemExit(f"{src}: only {dims[0]} items, need {n}")
    item = 1
    for d in dims[1:]:
        item *= d
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), n, *dims[1:])
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(header + payload[:n * item])
    print(f"{dst.relative_to(ROOT)}: magic 0x{magic:x}, dims {(n,) + tuple(dims[1:])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding mnist/, cifar10/ and ptb/ (default: ../shared/data)")
    args = ap.parse_args()

    mnist_out = ROOT / "data" / "mnist-test-1k"
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        write_idx_subset(args.shared / "mnist" / name, mnist_out / name, MNIST_N)

    src = args.shared / "cifar10" / "test_batch.bin"
    data = src.read_bytes()[:CIFAR_N * CIFAR_RECORD]
    if len(data) != CIFAR_N * CIFAR_RECORD:
        raise SystemExit(f"{src}: fewer than {CIFAR_N} records")
    dst = ROOT / "data" / "cifar10-test-500" / "test_batch.bin"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    print(f"{dst.relative_to(ROOT)}: {CIFAR_N} records, {len(data)} bytes")

    sys.path.insert(0, str(ROOT / "models" / "lstm_ptb"))
    from model import read_text, vocabulary  # noqa: E402  (the same tokenisation as aimc's tokens: reader)
    ptb = args.shared / "ptb"
    out = ROOT / "data" / "ptb-test-excerpt"
    out.mkdir(parents=True, exist_ok=True)
    lines = (ptb / "ptb.test.txt").read_bytes().split(b"\n")[:PTB_LINES]
    (out / "ptb.test.txt").write_bytes(b"\n".join(lines) + b"\n")
    train = read_text(ptb / "ptb.train.txt.gz")
    for name, level in (("vocab.txt", "char"), ("vocab-word.txt", "word")):
        vocab = vocabulary(train, level)
        (out / name).write_bytes(("\n".join(vocab) + "\n").encode("latin-1"))
        print(f"{(out / name).relative_to(ROOT)}: {len(vocab)} {level} tokens")
    print(f"{(out / 'ptb.test.txt').relative_to(ROOT)}: {PTB_LINES} lines")


if __name__ == "__main__":
    main()
