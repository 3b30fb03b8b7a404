"""Train the character-level PTB GPT (model.py) and export it to ONNX.

Commands (from the repository root):

    /usr/bin/python3 models/gpt_ptb/train.py [--device cuda] [--steps 3000] [--data ../shared/data/ptb]
    /usr/bin/python3 models/gpt_ptb/train.py --export-only --checkpoint STATE.pt

Training runs on the given device (a GPU takes a few minutes; the 2 shared CPU cores about 2 s per step at
`nice -n 19`): batches of 64 windows of 128 characters at random offsets of the ptb.train.txt token stream,
AdamW (lr 1e-3, weight decay 0.01, 100 warm-up steps, cosine to 0), gradient norm clipped to 1, no dropout,
seed 0. The state_dict is saved to --checkpoint every 250 steps and at the end. The export always runs under
Debian's torch 1.13 (/usr/bin/python3), as users' exports do: a state trained elsewhere (the session's GPU
machine, a newer torch) is exported with --export-only. Evaluation (torch fp32, CPU): aimc's
`tokens:...,level=char,seq=128` windows of the full ptb.test.txt, each predicted from scratch; bits per
character = mean cross entropy / ln 2 over all N*128 predictions. Writes
  models/gpt_ptb.onnx   opset 14, input "input" int64 [batch, 128] token ids, output "output" float32
                        [batch, 128, 50] logits, dynamic batch axis
  models/gpt_ptb.pt     the state_dict (load into model.CharGPT)
  models/gpt_ptb.json   bits per character (test, seq 128) and training details
and updates the gpt_ptb row of the table in models/README.md.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from model import CharGPT, encode, evaluate, read_text, vocabulary

ROOT = Path(__file__).resolve().parents[2]
NAME = "gpt_ptb"
SEQ = 128
COMMAND = "`/usr/bin/python3 models/gpt_ptb/train.py --device cuda`, then `--export-only`"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ptb")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--checkpoint", type=Path, default=Path("/tmp/gpt_ptb.ckpt.pt"))
    ap.add_argument("--log", type=Path, help="append the training log (JSON lines) here")
    ap.add_argument("--export-only", action="store_true", help="evaluate and export the --checkpoint state")
    args = ap.parse_args()

    torch.manual_seed(0)
    if args.device == "cpu":
        torch.set_num_threads(2)
    vocab = vocabulary(read_text(args.data / "ptb.train.txt.gz"))
    model = CharGPT(len(vocab), seq=SEQ)
    if args.export_only:
        model.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
        return export(model, vocab, args)
    train = encode(read_text(args.data / "ptb.train.txt.gz"), vocab).to(args.device)
    model.to(args.device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and n != "pos"]
    rest = [p for n, p in model.named_parameters() if p.dim() < 2 or n == "pos"]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    gen = torch.Generator().manual_seed(0)
    t0, running = time.time(), 0.0
    for step in range(args.steps):
        model.train()
        start = torch.randint(0, len(train) - SEQ - 1, (args.batch,), generator=gen).to(args.device)
        idx = start[:, None] + torch.arange(SEQ, device=args.device)[None, :]  # [batch, seq]
        opt.zero_grad()
        loss = F.cross_entropy(model(train[idx]).reshape(-1, len(vocab)), train[idx + 1].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running += loss.item()
        if (step + 1) % 250 == 0 or step + 1 == args.steps:
            n = (step % 250) + 1
            line = {"step": step + 1, "train_bpc": running / n / math.log(2), "seconds": round(time.time() - t0, 1)}
            print(json.dumps(line), flush=True)
            if args.log:
                with open(args.log, "a") as f:
                    f.write(json.dumps(line) + "\n")
            running = 0.0
            torch.save({k: v.cpu() for k, v in model.state_dict().items()}, args.checkpoint)
    meta = {"steps": args.steps, "batch": args.batch, "train_seconds": round(time.time() - t0),
            "train_device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
            "train_torch": torch.__version__, "train_characters_seen": args.steps * args.batch * SEQ}
    args.checkpoint.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")


def export(model, vocab, args):
    sys.path.insert(0, str(ROOT / "models"))
    from readme_table import set_row

    torch.set_num_threads(2)
    test = encode(read_text(args.data / "ptb.test.txt"), vocab)
    nats, n = evaluate(model, test, SEQ)
    res = {"test_bpc_seq128": nats / math.log(2), "test_predictions_seq128": n}
    print(json.dumps(res, indent=1), flush=True)
    model.eval()
    out = ROOT / "models"
    torch.save(model.state_dict(), out / f"{NAME}.pt")
    torch.onnx.export(model, torch.zeros(2, SEQ, dtype=torch.int64), out / f"{NAME}.onnx", opset_version=14,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    meta_file = args.checkpoint.with_suffix(".json")
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    (out / f"{NAME}.json").write_text(json.dumps(
        {**res, "vocab": len(vocab), "dim": 128, "heads": 4, "layers": 4, "mlp": 512, "seq": SEQ,
         "weights": sum(p.numel() for p in model.parameters()), **meta}, indent=2) + "\n")
    set_row([NAME, f"`{NAME}.onnx`", "PTB characters (`../shared/data/ptb/ptb.test.txt`, `level=char,seq=128`; "
             "excerpt `data/ptb-test-excerpt`)",
             f"{res['test_bpc_seq128']:.3f} bits/char ({n} predictions, each 128-char window from scratch)",
             "see models/gpt_ptb.json", COMMAND])


if __name__ == "__main__":
    main()
