#!/usr/bin/env python
"""Training throughput: the fastai Learner path vs a plain PyTorch loop written the way the original blog does it.

Same model (PoseNet), same data (the cached Apolloscape dataset of the default synthetic road), same batch size, same
number of steps, same optimizer (Adam, lr 1e-4, weight decay 5e-4 as in the blog). The two paths run alternately,
`--repeats` times each, and the median ratio fastai/plain of images per second is reported.

Run by hand: `python benchmarks/train_speed.py [--arch resnet18] [--size 128] [--bs 16] [--steps 20] [--repeats 3] [--device cpu]`.
Writes benchmarks/results/train_speed[_cuda].{json,md}; `--profile` also writes a cProfile summary of one fastai epoch.
"""
import argparse, cProfile, io, pstats, statistics, time
from functools import partial
import torch
from fastai.learner import CancelFitException, CancelValidException
from fastai.callback.core import Callback
from fastai.optimizer import OptimWrapper, Adam
from _common import machine, save_results, md_machine
from apollo_posenet.synth.road import default_road
from apollo_posenet.data.fastai import apollo_dls
from apollo_posenet.models.posenet import PoseNet
from apollo_posenet.losses import PoseNetCriterion
from apollo_posenet.learner import posenet_learner, POSENET_PRESETS
from apollo_posenet.core import IMAGENET_STATS

IMNET = tuple(torch.tensor(o)[:, None, None] for o in IMAGENET_STATS)

class StopAfter(Callback):
    "Stop fitting after `n` training batches and skip validation, so both paths do the same work."
    order = 100
    def __init__(self, n): self.n = n
    def before_validate(self): raise CancelValidException()
    def after_batch(self):
        if self.training and self.iter + 1 >= self.n: raise CancelFitException()

def plain_loop(ds, arch, bs, steps, device, lr=1e-4, seed=0):
    "The blog's loop: torch DataLoader, model.train(), forward, loss, zero_grad/backward/step. Returns images/s."
    torch.manual_seed(seed)
    pr = POSENET_PRESETS['library']  # the same network as `posenet_learner`'s default preset
    model = PoseNet(arch, num_features=pr['num_features'], dropout=pr['dropout']).to(device); crit = PoseNetCriterion(beta=pr['beta']).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
    dl = torch.utils.data.DataLoader(ds, batch_size=bs, shuffle=True, drop_last=True, num_workers=0)
    mean, std = (o.to(device) for o in IMNET)
    model.train(); n = 0; t0 = time.perf_counter()
    for i, (x, y) in enumerate(dl):
        if i == steps: break
        x = (x.to(device).float() / 255 - mean) / std; y = y.to(device)
        loss = crit(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step(); n += len(x)
    if device.type == 'cuda': torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)

def fastai_path(dls, arch, bs, steps, device, lr=1e-4, seed=0, opt='torch', profile=False):
    "The same work through `posenet_learner(...).fit(1)`. Returns images/s (and the profile text)."
    torch.manual_seed(seed)
    kw = dict(opt_func=partial(OptimWrapper, opt=torch.optim.Adam) if opt == 'torch' else Adam)  # torch's Adam, or fastai's own
    learn = posenet_learner(dls, arch, wd=5e-4, metrics=[], cbs=[StopAfter(steps)], **kw)
    learn.model.to(device)
    prof = cProfile.Profile() if profile else None
    with learn.no_bar(), learn.no_logging():
        t0 = time.perf_counter()
        if prof: prof.enable()
        learn.fit(1, lr)
        if prof: prof.disable()
        if device.type == 'cuda': torch.cuda.synchronize()
        dt = time.perf_counter() - t0
    txt = None
    if prof:
        s = io.StringIO(); pstats.Stats(prof, stream=s).sort_stats('cumulative').print_stats(25); txt = s.getvalue()
    return steps * bs / dt, txt

def main(arch='resnet18', size=128, bs=16, steps=20, repeats=3, device='cpu', root='data/apolloscape', profile=False):
    dev = torch.device(device)
    road = default_road(root)
    dls = apollo_dls(road.parent, road.name, size=size, bs=bs, cache=True, device=dev)
    ds = dls.train.dataset
    # warm-up: fill the transform cache and the allocator once for both paths
    plain_loop(ds, arch, bs, 2, dev); fastai_path(dls, arch, bs, 2, dev)
    rows = []
    for r in range(repeats):
        p = plain_loop(ds, arch, bs, steps, dev)
        f_t, _ = fastai_path(dls, arch, bs, steps, dev, opt='torch')
        f_f, _ = fastai_path(dls, arch, bs, steps, dev, opt='fastai')
        rows.append(dict(repeat=r, plain=p, fastai_torch_adam=f_t, fastai_default_adam=f_f))
        print(rows[-1], flush=True)
    med = lambda k: statistics.median(o[k] for o in rows)
    ratio_t = statistics.median(o['fastai_torch_adam'] / o['plain'] for o in rows)
    ratio_f = statistics.median(o['fastai_default_adam'] / o['plain'] for o in rows)
    prof_txt = fastai_path(dls, arch, bs, steps, dev, profile=True)[1] if profile else None
    mach = machine()
    md = "\n".join([f"### Training throughput: fastai Learner vs plain PyTorch loop ({device})", "", md_machine(mach), "",
        f"{arch}, {size} px, batch {bs}, {steps} steps per run, {repeats} alternating repeats, cached dataset of the default synthetic road.", "",
        "| path | images/s (median) | ratio to plain loop (median of per-repeat ratios) |", "|---|---|---|",
        f"| plain PyTorch loop (blog style, torch Adam) | {med('plain'):.1f} | 1.00 |",
        f"| fastai Learner, torch Adam via `OptimWrapper` | {med('fastai_torch_adam'):.1f} | {ratio_t:.3f} |",
        f"| fastai Learner, fastai's own Adam (the library's default is `adamw`, torch's AdamW the same way as the row above) | {med('fastai_default_adam'):.1f} | {ratio_f:.3f} |"])
    data = dict(machine=mach, arch=arch, size=size, bs=bs, steps=steps, rows=rows, ratio_torch_adam=ratio_t, ratio_fastai_adam=ratio_f)
    if prof_txt: data['profile_top25'] = prof_txt
    save_results('train_speed' + ('' if device == 'cpu' else f'_{device}'), data, md)
    if prof_txt: print(prof_txt)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='resnet18'); p.add_argument('--size', type=int, default=128); p.add_argument('--bs', type=int, default=16)
    p.add_argument('--steps', type=int, default=20); p.add_argument('--repeats', type=int, default=3); p.add_argument('--device', default='cpu')
    p.add_argument('--root', default='data/apolloscape'); p.add_argument('--profile', action='store_true')
    a = p.parse_args()
    main(a.arch, a.size, a.bs, a.steps, a.repeats, a.device, a.root, a.profile)
