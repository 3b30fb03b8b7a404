"""Train the character-level PTB LSTM (model.py) on CPU and export it to ONNX.

Command (from the repository root; roughly 2-10 s per step depending on the load of the 2 cores: torch 1.13
runs the LSTM's matrix products through Debian's reference BLAS):

    nice -n 19 /usr/bin/python3 models/lstm_ptb/train.py [--data ../shared/data/ptb] [--steps 4000] [--hidden 256 --embed 32]

Training: batches of 64 windows of 100 characters at random offsets of the ptb.train.txt token stream, each from
a zero state (as evaluated), Adam (lr 3e-3, 50 warm-up steps, cosine to 0), gradient norm clipped to 1,
no dropout; seed 0, 2 threads. Evaluation (torch, the full ptb.test.txt): aimc's
`tokens:...,level=char,seq=100` windows, i.e. the token stream cut into non-overlapping windows of 100
inputs (labels one token later), N = (T-1)//100, the tail dropped, every window from a zero state; bits per
character = mean cross entropy / ln 2 over all N*100 predictions. Also reported at seq=35 (aimc's default).
Writes
  models/lstm_ptb.onnx   opset 13, input "input" int64 [100, batch] token ids (sequence-first), output "output"
                         float32 [100, batch, 50] logits; Gather, LSTM (zero initial state), MatMul, Add
  models/lstm_ptb.pt     the state_dict (load into model.CharLSTM)
  models/lstm_ptb.json   bits per character (test, seq 100 and 35) and training details
and updates the lstm_ptb row of the table in models/README.md.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from model import CharLSTM, encode, evaluate, read_text, vocabulary

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
from readme_table import set_row  # noqa: E402

NAME = "lstm_ptb"
SEQ = 100
COMMAND = "`nice -n 19 /usr/bin/python3 models/lstm_ptb/train.py`"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ptb")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--embed", type=int, default=32)
    ap.add_argument("--checkpoint", type=Path, default=Path("/tmp/lstm_ptb.ckpt.pt"),
                    help="state_dict saved every 100 steps (models/lstm_ptb.pt is written only at the end)")
    ap.add_argument("--export-only", action="store_true", help="evaluate and export the --checkpoint state")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    vocab = vocabulary(read_text(args.data / "ptb.train.txt.gz"))
    train = encode(read_text(args.data / "ptb.train.txt.gz"), vocab)
    test = encode(read_text(args.data / "ptb.test.txt"), vocab)
    model = CharLSTM(len(vocab), args.embed, args.hidden)
    pt = ROOT / "models" / f"{NAME}.pt"
    extra = {}
    t0 = time.time()
    if args.export_only:
        model.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
        extra = {"checkpoint": str(args.checkpoint)}
    else:
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / 50) * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
        gen = torch.Generator().manual_seed(0)
        running = 0.0
        for step in range(args.steps):
            model.train()
            start = torch.randint(0, len(train) - SEQ - 1, (args.batch,), generator=gen)
            idx = start[None, :] + torch.arange(SEQ)[:, None]  # [seq, batch]
            opt.zero_grad()
            logits = model(train[idx])
            loss = F.cross_entropy(logits.reshape(-1, len(vocab)), train[idx + 1].reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            running += loss.item()
            if (step + 1) % 100 == 0:
                print(f"step {step + 1}/{args.steps}: train bpc {running / 100 / math.log(2):.3f}, "
                      f"{time.time() - t0:.0f} s", flush=True)
                running = 0.0
                torch.save(model.state_dict(), args.checkpoint)
        extra = {"steps": args.steps, "train_seconds": round(time.time() - t0),
                 "train_characters_seen": args.steps * args.batch * SEQ}

    res = {}
    for name, ids in (("test", test),):
        for seq in (SEQ, 35):
            nats, n = evaluate(model, ids, seq)
            res[f"{name}_bpc_seq{seq}"] = nats / math.log(2)
            res[f"{name}_predictions_seq{seq}"] = n
    print(json.dumps(res, indent=1), flush=True)
    model.eval()
    out = ROOT / "models"
    torch.save(model.state_dict(), pt)
    torch.onnx.export(model, torch.zeros(SEQ, 2, dtype=torch.int64), out / f"{NAME}.onnx", opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {1: "batch"}, "output": {1: "batch"}})
    (out / f"{NAME}.json").write_text(json.dumps(
        {**res, "vocab": len(vocab), "embed": args.embed, "hidden": args.hidden, "seq": SEQ,
         "weights": sum(p.numel() for p in model.parameters()), **extra}, indent=2) + "\n")
    set_row([NAME, f"`{NAME}.onnx`", "PTB characters (`../shared/data/ptb/ptb.test.txt`, `level=char,seq=100`; "
             "excerpt `data/ptb-test-excerpt`)",
             f"{res['test_bpc_seq100']:.3f} bits/char ({res['test_predictions_seq100']} predictions, zero state "
             f"per 100-char window; {res['test_bpc_seq35']:.3f} at seq=35)", "see models/lstm_ptb.json", COMMAND])


if __name__ == "__main__":
    main()
