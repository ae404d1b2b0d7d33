"""PyTorch's update for each kit optimizer's rule, for `algobench bench --optimizers`:
torch.optim's foreach implementation where torch has the rule (Adam, AdamW, NAdam,
SGD with and without momentum/Nesterov, RMSprop, Adagrad), else the rule written with
torch._foreach_* ops (Lion, LAMB, SAM) or, where it is per tensor by nature, plain
tensor ops (Adafactor's factored moments, AdamP's projection, Shampoo's
preconditioners). Fixed random gradients: only the update is timed. A benchmark tool
only: the harness never needs Python.

  /usr/bin/python3 optimizers_torch.py --list
  /usr/bin/python3 optimizers_torch.py --rule lion --shapes '[[1024,768],[768]]'
  prints {"rule", "params", "threads", "median_ms", "updates"}
  /usr/bin/python3 optimizers_torch.py --serve   the same, per request line {"rule", "shapes", "seconds"};
      with "keep": true the request goes on updating the parameters of the last one (same
      rule and shapes) instead of fresh ones, so a bench can time it in rounds between its own

Threads are set up by torch_env.py before torch loads (both pools, idle threads sleeping).
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


def foreach_optim(cls, **kw):
    def make(params):
        opt = cls(params, foreach=True, **kw)
        return opt.step
    return make


def nadamw(params, lr=1e-3, wd=0.01):
    # torch 1.13's NAdam has L2 decay only: decoupled decay first, as AdamW does.
    opt = torch.optim.NAdam(params, lr=lr, foreach=True)

    def step():
        torch._foreach_mul_(params, 1 - lr * wd)
        opt.step()
    return step


def lion(params, lr=1e-4, b1=0.9, b2=0.99, wd=0.1):
    m = [torch.zeros_like(p) for p in params]

    def step():
        grads = [p.grad for p in params]
        u = torch._foreach_mul(m, b1)
        torch._foreach_add_(u, grads, alpha=1 - b1)
        for x in u:
            x.sign_()
        torch._foreach_mul_(params, 1 - lr * wd)
        torch._foreach_add_(params, u, alpha=-lr)
        torch._foreach_mul_(m, b2)
        torch._foreach_add_(m, grads, alpha=1 - b2)
    return step


def lamb(params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-6, wd=0.01):
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    t = [0]

    def step():
        t[0] += 1
        grads = [p.grad for p in params]
        torch._foreach_mul_(m, b1)
        torch._foreach_add_(m, grads, alpha=1 - b1)
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - b2)
        denom = torch._foreach_div(v, 1 - b2 ** t[0])
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, eps)
        u = torch._foreach_div(m, 1 - b1 ** t[0])
        torch._foreach_div_(u, denom)
        torch._foreach_add_(u, params, alpha=wd)
        pn, un = torch._foreach_norm(params), torch._foreach_norm(u)
        for p, x, a, b in zip(params, u, pn, un):
            trust = torch.where((a > 0) & (b > 0), a / b, torch.ones_like(a))
            p.add_(x * trust, alpha=-lr)
    return step


def adamw_foreach(params, lr=1e-3, wd=0.01):
    return torch.optim.AdamW(params, lr=lr, weight_decay=wd, foreach=True).step


def sam_adamw(params, rho=0.05, lr=1e-3, wd=0.01):
    base = adamw_foreach(params, lr, wd)

    def step():
        grads = [p.grad for p in params]
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
        e = torch._foreach_mul(grads, (rho / (norm + 1e-12)).item())
        perturbed = torch._foreach_add(params, e)
        del perturbed  # the gradient there would be computed here; it is the fixed one
        base()
    return step


def adafactor(params, lr=1e-2, decay_rate=0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    state = [{"r": torch.zeros(p.shape[:-1]), "c": torch.zeros(p.shape[:-2] + p.shape[-1:])} if p.dim() >= 2
             else {"v": torch.zeros_like(p)} for p in params]
    t = [0]

    def step():
        t[0] += 1
        b = 1 - t[0] ** -decay_rate
        for p, s in zip(params, state):
            g2 = p.grad * p.grad + eps1
            if "r" in s:
                s["r"].mul_(b).add_(g2.mean(-1), alpha=1 - b)
                s["c"].mul_(b).add_(g2.mean(-2), alpha=1 - b)
                v = s["r"].unsqueeze(-1) * s["c"].unsqueeze(-2) / s["r"].mean(-1, keepdim=True).unsqueeze(-1)
            else:
                v = s["v"].mul_(b).add_(g2, alpha=1 - b)
            u = p.grad * v.rsqrt()
            u.div_(torch.clamp(u.square().mean().sqrt() / clip, min=1.0))
            scale = torch.clamp(p.square().mean().sqrt(), min=eps2)
            p.sub_(u * (lr * scale))
    return step


def adamp(params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, delta=0.1, wd_ratio=0.1):
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    t = [0]

    def step():
        t[0] += 1
        grads = [p.grad for p in params]
        torch._foreach_mul_(m, b1)
        torch._foreach_add_(m, grads, alpha=1 - b1)
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - b2)
        denom = torch._foreach_div(v, 1 - b2 ** t[0])
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, eps)
        perturb = torch._foreach_div(m, denom)
        for p, g, d in zip(params, grads, perturb):
            if p.dim() > 1:
                # clovaai/AdamP: project out the radial part where the weight looks scale-invariant.
                cos = (p * g).sum() / (p.norm() * g.norm() + eps)
                if cos.abs() < delta / math.sqrt(p.numel()):
                    pn = p / (p.norm() + eps)
                    d.sub_(pn * (pn * d).sum())
            p.add_(d, alpha=-lr / (1 - b1 ** t[0]))
    return step


def schedule_free_adamw(params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    # facebookresearch/schedule_free AdamWScheduleFree.step, no warmup: params hold y.
    z = [p.detach().clone() for p in params]
    v = [torch.zeros_like(p) for p in params]
    k, weight_sum = [0], [0.0]

    def step():
        grads = [p.grad for p in params]
        lr_t = lr * math.sqrt(1 - b2 ** (k[0] + 1))
        weight = lr_t ** 2
        weight_sum[0] += weight
        ckp1 = weight / weight_sum[0]
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - b2)
        denom = torch._foreach_sqrt(v)
        torch._foreach_add_(denom, eps)
        gn = torch._foreach_div(grads, denom)
        if wd:
            torch._foreach_add_(gn, params, alpha=wd)
        torch._foreach_mul_(params, 1 - ckp1)
        torch._foreach_add_(params, z, alpha=ckp1)
        torch._foreach_add_(params, gn, alpha=lr_t * (b1 * (1 - ckp1) - 1))
        torch._foreach_add_(z, gn, alpha=-lr_t)
        k[0] += 1
    return step


def shampoo(params, lr=0.05, b2=0.99, eps=1e-4, update_every=100, max_dim=300):
    """The kit's Shampoo: two-sided roots for matrices with both sides ≤ max_dim (moving
    averages, inverse fourth roots every update_every steps, AdaGrad grafting), diagonal
    AdaGrad elsewhere."""
    state = []
    for p in params:
        s = {"h": torch.zeros_like(p)}
        if p.dim() >= 2 and max(p.shape[-1], p.numel() // p.shape[-1]) <= max_dim:
            m, n = p.numel() // p.shape[-1], p.shape[-1]
            s.update(l=torch.zeros(m, m), r=torch.zeros(n, n), li=torch.eye(m), ri=torch.eye(n))
        state.append(s)
    t = [0]

    def inv_root(stat):
        w, q = torch.linalg.eigh(stat.double() + eps * torch.eye(stat.shape[0], dtype=torch.float64))
        return (q * w.clamp(min=1e-30).pow(-0.25)) @ q.T

    def step():
        for p, s in zip(params, state):
            g = p.grad
            s["h"].mul_(b2).addcmul_(g, g, value=1 - b2)
            graft = g / (s["h"] + eps).sqrt()
            if "l" in s:
                g2 = g.reshape(-1, g.shape[-1])
                s["l"].mul_(b2).add_(g2 @ g2.T, alpha=1 - b2)
                s["r"].mul_(b2).add_(g2.T @ g2, alpha=1 - b2)
                if t[0] % update_every == 0:
                    s["li"], s["ri"] = inv_root(s["l"]).float(), inv_root(s["r"]).float()
                d = (s["li"] @ g2 @ s["ri"]).reshape(g.shape)
                d.mul_(graft.norm() / (d.norm() + 1e-16))
            else:
                d = graft
            p.sub_(d, alpha=lr)
        t[0] += 1
    return step


RULES = {
    "adam": foreach_optim(torch.optim.Adam, lr=1e-3),
    "adamw": lambda params: adamw_foreach(params),
    "nadamw": nadamw,
    "sgd": foreach_optim(torch.optim.SGD, lr=0.1),
    "heavy_ball": foreach_optim(torch.optim.SGD, lr=0.1, momentum=0.9),
    "nesterov": foreach_optim(torch.optim.SGD, lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": foreach_optim(torch.optim.RMSprop, lr=1e-3, alpha=0.99, eps=1e-8),
    "adagrad": foreach_optim(torch.optim.Adagrad, lr=1e-2),
    "lion": lion,
    "lamb": lamb,
    "adafactor": adafactor,
    "adamp": adamp,
    "sam_adamw": sam_adamw,
    "schedule_free_adamw": schedule_free_adamw,
    "shampoo": shampoo,
}


def fresh(shapes):
    params = [(torch.randn(*shape) * 0.02).requires_grad_() for shape in shapes]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    return params


def smoke(rule, shapes):
    """True when two updates of the rule moved every parameter and left it finite."""
    params = fresh(shapes)
    before = [p.detach().clone() for p in params]
    step = RULES[rule](params)
    with torch.no_grad():
        step()
        step()
    return all(bool(torch.isfinite(p).all()) and not torch.equal(p, b) for p, b in zip(params, before))


class Updates:
    """A rule on fresh parameters with fixed gradients, warmed up (2 updates), timed in rounds."""

    def __init__(self, rule, shapes):
        torch.manual_seed(0)
        self.rule, self.shapes = rule, shapes
        self.params = fresh(shapes)
        self.update = RULES[rule](self.params)
        with torch.no_grad():
            for _ in range(2):  # as the kit's side: 2 warm-up updates, then at least 3 timed
                self.update()

    def time(self, seconds, min_updates=3, period=1):
        """A round: median update; mean_ms is over whole periods (a multiple of `period` updates), so a rule's
        periodic work (Shampoo's roots) counts once per period whatever step the round starts at."""
        with torch.no_grad():
            times = []
            start = time.perf_counter()
            while time.perf_counter() - start < seconds or len(times) < min_updates or len(times) % period != 0:
                t0 = time.perf_counter()
                self.update()
                times.append((time.perf_counter() - t0) * 1000)
        return {"rule": self.rule, "params": sum(p.numel() for p in self.params), "threads": torch.get_num_threads(),
                "median_ms": statistics.median(times), "mean_ms": statistics.fmean(times), "min_ms": min(times),
                "updates": len(times), "period": period, "pools": torch_env.settings()}


def measure(rule, shapes, seconds):
    """Median update of the rule on fresh parameters with fixed gradients, after a warm-up."""
    return Updates(rule, shapes).time(seconds)


def serve():
    """One request per stdin line, {"rule", "shapes", "seconds", "keep"?, "period"?}; one JSON line back."""
    current = None
    for line in sys.stdin:
        try:
            r = json.loads(line)
            if not (r.get("keep") and current is not None and (current.rule, current.shapes) == (r["rule"], r["shapes"])):
                current = None  # free the last parameters before making the next
                current = Updates(r["rule"], r["shapes"])
            reply = current.time(float(r["seconds"]), period=int(r.get("period", 1)))
        except Exception as e:  # the bench shows it in the optimizer's row and goes on
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true", help="print the rule names and exit")
    parser.add_argument("--smoke", action="store_true", help="run every rule twice on --shapes; print which moved the parameters and kept them finite")
    parser.add_argument("--serve", action="store_true", help="answer measurement requests on stdin, one JSON line each")
    parser.add_argument("--rule", choices=sorted(RULES))
    parser.add_argument("--shapes", help="JSON list of parameter shapes")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    if args.list:
        print(json.dumps(sorted(RULES)))
        return
    if args.smoke:
        print(json.dumps({rule: smoke(rule, json.loads(args.shapes)) for rule in sorted(RULES)}))
        return
    torch.set_num_threads(args.threads)
    if args.serve:
        serve()
        return
    if args.rule is None or args.shapes is None:
        parser.error("--rule and --shapes are required unless --list, --smoke or --serve")
    print(json.dumps(measure(args.rule, json.loads(args.shapes), args.seconds)))


if __name__ == "__main__":
    main()
