"""How the PyTorch yardsticks (zoo_torch.py, optimizers_torch.py, torch_step.py) set up
their threads; imported before torch, since the thread pools read their environment
when torch loads.

Debian's python3-torch runs two thread pools: OpenMP's for torch's own kernels and
OpenBLAS's (the pthread build) for every matrix product. Left to their defaults, each
pool has one thread per core and parks its idle threads by spinning (OpenBLAS's for up
to 2^28 cycles, about 0.1 s, after every product; OpenMP's for a few hundred thousand
iterations after every parallel loop), so on 2 cores three or four busy threads share
two cores and every product or loop waits for a spinning neighbour to be descheduled.
The step then depends on scheduling luck, not on torch: on the same loaded machine,
configurations alternated, the zoo MLP's twin took 189–357 ms a step with the defaults
and 24–39 ms with the settings below (conv_bn 458–982 vs 156–383 ms, embedding_bag
178–593 vs 62–134 ms; OpenBLAS on one thread alone did not help: 100–346 ms).

Here the idle threads of both pools sleep at once (OPENBLAS_THREAD_TIMEOUT=4, the
smallest, and OMP_WAIT_POLICY=PASSIVE), as algobench's own pool parks its threads after
a short spin; both pools have `threads` threads. A variable already set in the
environment is kept, so a run can still try other settings.
"""
import os
import sys

SETTINGS = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "OPENBLAS_THREAD_TIMEOUT": "4",
}


def threads_from_argv(argv, default=2):
    """The --threads value of a yardstick's command line (before argparse runs), or the default."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return default


def configure(threads):
    """Sets the pools' environment for `threads` threads; call before importing torch."""
    if "torch" in sys.modules:
        raise RuntimeError("torch_env.configure must run before torch is imported")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)


def settings():
    """The pool settings in effect, for a yardstick's reply."""
    return {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", *SETTINGS)}
