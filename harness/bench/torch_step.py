"""PyTorch yardstick for `algobench bench --torch`: the same model, batch and Adam
step as an algobench workload, timed on this machine. A benchmark tool only: the
harness and its tests never need Python.

Run with Debian's python3-torch: /usr/bin/python3 torch_step.py --model mnist_mlp --batch 128
Prints one JSON object: {"model", "batch", "threads", "median_ms", "steps"}.
"""
import argparse
import json
import statistics
import time

import torch
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


MODELS = {"mnist_mlp": mnist_mlp, "mnist_cnn": mnist_cnn, "mnist_autoencoder": mnist_autoencoder}


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
