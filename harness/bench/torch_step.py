"""PyTorch yardstick for `algobench bench --torch`: the same model, batch and Adam
step as an algobench workload, timed on this machine. A benchmark tool only: the
harness and its tests never need Python.

Run with Debian's python3-torch: /usr/bin/python3 torch_step.py --model mnist_mlp --batch 128
Prints one JSON object: {"model", "batch", "threads", "median_ms", "steps"}.
Threads are set up by torch_env.py before torch loads (both pools, idle threads sleeping).
"""
import argparse
import json
import statistics
import sys
import time

import torch_env

torch_env.configure(torch_env.threads_from_argv(sys.argv))

import torch  # noqa: E402  (after the pools' environment is set)
from torch import nn


class GroupNormNHWC(nn.Module):
    """algobench's groupNorm(groups=1): normalise each example over H, W and C, then a per-channel scale and bias."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.GroupNorm(1, channels, eps=1e-5)

    def forward(self, x):
        return self.norm(x)


def mnist_mlp():
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, lambda b: (torch.rand(b, 784), torch.randint(0, 10, (b,))), nn.CrossEntropyLoss()


def mnist_cnn():
    # workloads/mnist_cnn: conv3x3 -> maxpool2 -> LayerNorm(H,W,C) -> ReLU, twice; dense to 10.
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.MaxPool2d(2), GroupNormNHWC(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.MaxPool2d(2), GroupNormNHWC(32), nn.ReLU(),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 10),
    )
    return model, lambda b: (torch.rand(b, 1, 28, 28), torch.randint(0, 10, (b,))), nn.CrossEntropyLoss()


def mnist_autoencoder():
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
        nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid(),
    )
    def batch(b):
        x = torch.rand(b, 784)
        return x, x
    return model, batch, nn.MSELoss()


class Block(nn.Module):
    """workloads/char_lm's pre-LN block: causal multi-head attention and a 4x GELU MLP."""

    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharLm(nn.Module):
    def __init__(self, vocab=96, context=32, d=64, heads=4, layers=2):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.ones(context, context, dtype=torch.bool), 1))

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tokens(tokens) + self.positions(torch.arange(t))
        for block in self.blocks:
            x = block(x, self.mask[:t, :t])
        return self.head(self.ln(x)).flatten(0, 1)


def char_lm():
    def batch(b):
        tokens = torch.randint(0, 96, (b, 33))
        return tokens[:, :-1], tokens[:, 1:].flatten()
    return CharLm(), batch, nn.CrossEntropyLoss()


class SpamBag(nn.Module):
    """workloads/spam_bow: mean bag of 64-dim embeddings of 2^14 hashed buckets, ReLU 64, one logit."""

    def __init__(self, buckets=1 << 14, d=64):
        super().__init__()
        self.bag = nn.EmbeddingBag(buckets, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, inputs):
        ids, offsets = inputs
        return self.mlp(self.bag(ids, offsets)).squeeze(1)


def spam_bow():
    def batch(b, words_per_message=210):
        ids = torch.randint(0, 1 << 14, (b * words_per_message,))
        offsets = torch.arange(0, b * words_per_message, words_per_message)
        return (ids, offsets), torch.randint(0, 2, (b,)).float()
    return SpamBag(), batch, nn.BCEWithLogitsLoss()


class G2pGru(nn.Module):
    """workloads/g2p_gru: GRU encoder over one-hot letters (read last to first), GRU decoder
    on one-hot previous phonemes started from the encoder's state, dense to 40 classes.
    nn.GRU is PyTorch's fused layer (reset gate after the recurrent product, with biases);
    algobench steps its cells one op at a time; the work per step is the same."""

    def __init__(self, letters=26, classes=40, hidden=128):
        super().__init__()
        self.letters, self.classes = letters, classes
        self.encoder = nn.GRU(letters, hidden)
        self.decoder = nn.GRU(classes, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, inputs):
        letters, previous = inputs
        onehot = lambda ids, n: nn.functional.one_hot(ids, n).float().transpose(0, 1)
        _, state = self.encoder(onehot(letters.flip(1), self.letters))
        hs, _ = self.decoder(onehot(previous, self.classes), state)
        return self.out(hs.transpose(0, 1)).flatten(0, 1)


def g2p_gru(letters=12, steps=13):
    def batch(b):
        targets = torch.randint(0, 40, (b, steps))
        previous = torch.cat([torch.zeros(b, 1, dtype=torch.long), targets[:, :-1]], 1)
        return (torch.randint(0, 26, (b, letters)), previous), targets.flatten()
    return G2pGru(), batch, nn.CrossEntropyLoss()


MODELS = {
    "mnist_mlp": mnist_mlp,
    "mnist_cnn": mnist_cnn,
    "mnist_autoencoder": mnist_autoencoder,
    "char_lm": char_lm,
    "spam_bow": spam_bow,
    "g2p_gru": g2p_gru,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, make_batch, loss_fn = MODELS[args.model]()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = make_batch(args.batch)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(5):
        step()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds or len(times) < 10:
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"model": args.model, "batch": args.batch, "threads": args.threads,
                      "median_ms": statistics.median(times), "steps": len(times)}))


if __name__ == "__main__":
    main()
