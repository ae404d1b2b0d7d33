"""PyTorch twins of the zoo models (harness/bench/zoo/*.ts) for `algobench bench --zoo`:
the same shapes, batch and parameter count, written the way PyTorch users write them
(NCHW, nn modules), trained with torch.optim.Adam. A benchmark tool only: the harness
never needs Python, and its tests skip this half where torch is missing.

  /usr/bin/python3 zoo_torch.py --count-only                 {"mlp": 669706, ...}
  /usr/bin/python3 zoo_torch.py --model mlp --batch 128      {"model", "batch", "threads", "params", "median_ms", "steps"}
  /usr/bin/python3 zoo_torch.py --serve                      per request line {"model", "batch", "seconds"}, the same
                                                              reply plus "min_ms" and "pools"; a request with
                                                              "keep": true goes on training the model of the last
                                                              request (same model and batch) instead of a fresh one,
                                                              so a bench can time the twin in rounds between its own

Threads are set up by torch_env.py before torch loads (both of its pools, idle threads
sleeping). Denormals are flushed to zero as a guard: a twin trains one fixed batch for as
long as the bench runs, and torch's unclipped cross-entropy keeps shrinking gradients
where a tfjs model's clipped one gives exact zeros. (No gradient was denormal at the end
of 6-second runs of mlp, conv_bn, embedding_bag and separable; the guard costs nothing.)

Where Keras and PyTorch layers differ in parameters, the twin keeps Keras's count with
the same work: tf.layers' LSTM and GRU have one bias per gate, PyTorch's two, so the
twins run nn.LSTM/nn.GRU without biases on the input with a constant 1 appended (its
input weights are then exactly the one bias per gate).
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch_env

torch_env.configure(torch_env.threads_from_argv(sys.argv))

import torch  # noqa: E402  (after the pools' environment is set)
from torch import nn
import torch.nn.functional as F


def classify(batch, shape, classes):
    return lambda: (torch.rand(batch, *shape), torch.randint(0, classes, (batch,)))


def mlp(batch):
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return model, classify(batch, (784,), 10), nn.CrossEntropyLoss()


def conv_bn(batch):
    def cbr(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    model = nn.Sequential(*cbr(3, 32), *cbr(32, 64), nn.MaxPool2d(2), *cbr(64, 64),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    return model, classify(batch, (3, 32, 32), 10), nn.CrossEntropyLoss()


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 3, padding=1)
        self.blocks = nn.ModuleList(nn.ModuleList([nn.Conv2d(32, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1)]) for _ in range(2))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for a, b in self.blocks:
            x = F.relu(x + b(F.relu(a(x))))
        return self.head(x.mean((2, 3)))


def residual(batch):
    return Residual(), classify(batch, (3, 32, 32), 10), nn.CrossEntropyLoss()


def separable(batch):
    def block(cin, cout, stride):
        return [nn.Conv2d(cin, cin, 3, stride, padding=1, groups=cin), nn.ReLU(), nn.Conv2d(cin, cout, 1), nn.ReLU()]
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), *block(32, 64, 1), *block(64, 128, 2), *block(128, 128, 1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))
    return model, classify(batch, (3, 32, 32), 10), nn.CrossEntropyLoss()


def conv_autoencoder(batch):
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 2, padding=1, output_padding=1), nn.Sigmoid(),
    )
    def data():
        x = torch.rand(batch, 1, 28, 28)
        return x, x
    return model, data, nn.MSELoss()


def with_ones(x):
    """Appends a constant-1 feature: the bias-free RNN's weights on it are Keras's one bias per gate."""
    return torch.cat([x, torch.ones(*x.shape[:-1], 1)], -1)


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 64)
        self.rnn = nn.LSTM(65, 128, bias=False, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, tokens):
        _, (h, _) = self.rnn(with_ones(self.embed(tokens)))
        return self.head(h[-1])


def lstm(batch):
    return Lstm(), lambda: (torch.randint(0, 1000, (batch, 32)), torch.randint(0, 10, (batch,))), nn.CrossEntropyLoss()


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(33, 128, bias=False, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        _, h = self.rnn(with_ones(x))
        return self.head(h[-1])


def gru(batch):
    return Gru(), lambda: (torch.randn(batch, 32, 32), torch.randint(0, 10, (batch,))), nn.CrossEntropyLoss()


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        att = torch.softmax((q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(mask, float("-inf")), -1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class TransformerLm(nn.Module):
    def __init__(self, vocab=128, context=64, d=128, heads=4, blocks=2):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab, d), nn.Parameter(torch.randn(context, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(blocks))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.ones(context, context, dtype=torch.bool), 1))

    def forward(self, tokens):
        x = self.tokens(tokens) + self.positions
        for block in self.blocks:
            x = block(x, self.mask)
        return self.head(self.ln(x)).flatten(0, 1)


def transformer_lm(batch):
    def data():
        tokens = torch.randint(0, 128, (batch, 65))
        return tokens[:, :-1], tokens[:, 1:].flatten()
    return TransformerLm(), data, nn.CrossEntropyLoss()


class EmbeddingBag(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(16384, 64, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, ids):
        return self.mlp(self.bag(ids))


def embedding_bag(batch):
    return EmbeddingBag(), lambda: (torch.randint(0, 16384, (batch, 200)), torch.randint(0, 2, (batch, 1)).float()), nn.BCEWithLogitsLoss()


class AttentionDropout(nn.Module):
    def __init__(self, d=128, heads=4, p=0.1):
        super().__init__()
        self.heads = heads
        self.qkv, self.out, self.head = nn.Linear(d, 3 * d), nn.Linear(d, d), nn.Linear(d, 10)
        self.drop_att, self.drop_out = nn.Dropout(p), nn.Dropout(p)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = (z.view(b, t, self.heads, dh).transpose(1, 2) for z in self.qkv(x).chunk(3, -1))
        att = self.drop_att(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), -1))
        y = x + self.drop_out(self.out((att @ v).transpose(1, 2).reshape(b, t, d)))
        return self.head(y.mean(1))


def attention_dropout(batch):
    return AttentionDropout(), lambda: (torch.randn(batch, 64, 128), torch.randint(0, 10, (batch,))), nn.CrossEntropyLoss()


def conv5x5_pool(batch):
    model = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 256), nn.ReLU(), nn.Linear(256, 10),
    )
    return model, classify(batch, (1, 28, 28), 10), nn.CrossEntropyLoss()


class TextCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5000, 64)
        self.conv = nn.Conv1d(64, 128, 5)
        self.head = nn.Linear(128, 2)

    def forward(self, tokens):
        h = F.relu(self.conv(self.embed(tokens).transpose(1, 2)))
        return self.head(h.amax(2))


def text_cnn(batch):
    return TextCnn(), lambda: (torch.randint(0, 5000, (batch, 100)), torch.randint(0, 2, (batch,))), nn.CrossEntropyLoss()


MODELS = {f.__name__: f for f in [mlp, conv_bn, residual, separable, conv_autoencoder, lstm, gru, transformer_lm,
                                    embedding_bag, attention_dropout, conv5x5_pool, text_cnn]}


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class Twin:
    """A twin, its Adam and one fixed batch, warmed up (3 steps) and ready to time."""

    def __init__(self, name, batch):
        torch.manual_seed(0)
        self.name, self.batch = name, batch
        self.model, data, self.loss_fn = MODELS[name](batch)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.x, self.y = data()
        for _ in range(3):
            self.step()

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def time(self, seconds, min_steps=5):
        """Median step over `seconds` (at least min_steps steps), with every step's time."""
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(times) < min_steps:
            t0 = time.perf_counter()
            self.step()
            times.append((time.perf_counter() - t0) * 1000)
        return {"model": self.name, "batch": self.batch, "threads": torch.get_num_threads(), "params": count(self.model),
                "median_ms": statistics.median(times), "min_ms": min(times), "steps": len(times),
                "pools": torch_env.settings()}


def measure(name, batch, seconds):
    """Median Adam step of a fresh twin on one fixed batch, after a warm-up."""
    return Twin(name, batch).time(seconds)


def serve():
    """One request per stdin line, {"model", "batch", "seconds", "keep"?}; one JSON line back."""
    current = None
    for line in sys.stdin:
        try:
            r = json.loads(line)
            name, batch = r["model"], int(r["batch"])
            if not (r.get("keep") and current is not None and (current.name, current.batch) == (name, batch)):
                current = None  # free the last twin before building the next
                current = Twin(name, batch)
            reply = current.time(float(r["seconds"]))
        except Exception as e:  # the bench shows it in the model's row and goes on
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODELS))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--count-only", action="store_true", help="print every twin's trainable parameter count and exit")
    parser.add_argument("--serve", action="store_true", help="answer measurement requests on stdin, one JSON line each")
    args = parser.parse_args()
    if args.count_only:
        print(json.dumps({name: count(make(2)[0]) for name, make in MODELS.items()}))
        return
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    if args.serve:
        serve()
        return
    if args.model is None:
        parser.error("--model is required unless --count-only or --serve")
    print(json.dumps(measure(args.model, args.batch, args.seconds)))


if __name__ == "__main__":
    main()
