#!/usr/bin/env python
"""GPU throughput of PoseNet training: the model alone on random tensors vs the library path (`apollo_dls` + `posenet_learner`).

One run (under 6 minutes on one H100/H200) measures, for each `--archs` at `--size` px and batch `--bs`:
(a) the model alone, random tensors already on the GPU, torch Adam: fp32, fp16 autocast NCHW, fp16 autocast channels_last,
    bf16 autocast channels_last (images/s after warm-up, `torch.cuda.synchronize` around the timed steps);
(b) the library: `apollo_dls(root, road, size, bs)` + `posenet_learner(dls, arch)` trained with fastai's `fit` for
    `--steps` timed steps, with the precision and memory format `posenet_learner` sets by default on CUDA (if it sets
    none, the script sets fp16 + channels_last itself and says so in the results);
(c) the cached loader alone: iterate training batches onto the GPU (float, normalized; and the uint8 read alone);
(d) inference at batch 1, fp16 autocast, channels_last: ms per frame;
(e) the ratio library / model alone for the same arch, precision, memory format and batch, measured in this run.
Goals (issue 11): (e) >= 0.80 for ResNet-34 at 224 px; (c) >= 3x the model alone.

GPU run: `python benchmarks/gpu.py --root <folder of roads> --road zpark-synth` (writes benchmarks/results/gpu.{json,md}).
CPU smoke test: `python benchmarks/gpu.py --device cpu --size 64 --bs 8 --steps 3 --archs resnet18 --root <root> --road <road>`
(writes gpu_smoke_cpu.{json,md} under `--out`). Each measurement that fails is recorded with its error; the run goes on.
"""
import argparse, json, os, sys, time, traceback
from contextlib import nullcontext
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the repository root: `apollo_posenet` without installing it
from _common import machine, md_machine, RESULTS
from apollo_posenet.core import atomic_write

T0 = time.perf_counter()
def elapsed(): return time.perf_counter() - T0
def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def guarded(res, key, budget, f, *args, **kwargs):
    "Run `f`, store its result (or the error, or a time-budget skip) in `res[key]`."
    if elapsed() > budget: res[key] = dict(skipped=f"time budget of {budget:.0f} s spent"); print(key, res[key], flush=True); return
    try: res[key] = f(*args, **kwargs)
    except Exception as e: res[key] = dict(error=f"{type(e).__name__}: {e}"[:500]); traceback.print_exc()
    print(key, res[key], flush=True)

PRECISIONS = {  # name: (autocast dtype or None, channels_last)
    'fp32': (None, False), 'fp16': (torch.float16, False), 'fp16_cl': (torch.float16, True), 'bf16_cl': (torch.bfloat16, True)}

def model_alone(arch, prec, size_hw, bs, steps, warmup, dev):
    "(a) images/s of PoseNet + PoseNetCriterion + torch Adam on random tensors already on `dev`."
    from apollo_posenet.models.posenet import PoseNet
    from apollo_posenet.losses import PoseNetCriterion
    dtype, cl = PRECISIONS[prec]
    torch.manual_seed(0)
    try:  # the head and loss of `posenet_learner`'s default preset, so that the library row trains the same network
        from apollo_posenet.learner import POSENET_PRESETS
        pr = POSENET_PRESETS['library']; mkw, ckw = dict(num_features=pr['num_features'], dropout=pr['dropout']), dict(beta=pr['beta'])
    except (ImportError, KeyError): mkw, ckw = {}, {}
    model, crit = PoseNet(arch, **mkw).to(dev), PoseNetCriterion(**ckw).to(dev)
    mf = torch.channels_last if cl else torch.contiguous_format
    model = model.to(memory_format=mf)
    opt = torch.optim.Adam(list(model.parameters()) + list(crit.parameters()), lr=1e-4)
    scaler = torch.amp.GradScaler(dev.type, enabled=dtype == torch.float16)
    x = torch.randn(bs, 3, *size_hw, device=dev).contiguous(memory_format=mf)
    y = torch.randn(bs, 7, device=dev); y[:, 3:] = torch.nn.functional.normalize(y[:, 3:], dim=1)
    ac = (lambda: torch.autocast(dev.type, dtype=dtype)) if dtype is not None else nullcontext
    def step():
        with ac(): loss = crit(model(x), y)
        opt.zero_grad(set_to_none=True); scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
    model.train()
    for _ in range(warmup): step()
    sync(dev); t0 = time.perf_counter()
    for _ in range(steps): step()
    sync(dev); dt = time.perf_counter() - t0
    return dict(images_per_s=steps*bs/dt, steps=steps, warmup=warmup)

def _learner_setup(learn, dev, force):
    "What `posenet_learner` set for CUDA (precision, channels_last); set fp16 + channels_last if it set nothing and `force`."
    from fastai.callback.fp16 import MixedPrecision
    mp = [cb for cb in learn.cbs if isinstance(cb, MixedPrecision)]
    conv = next(m for m in learn.model.modules() if isinstance(m, torch.nn.Conv2d))
    prec = ('bf16' if str(getattr(mp[0], 'amp_mode', 'fp16')).lower().endswith('bf16') else 'fp16') if mp else 'fp32'
    cl = conv.weight.is_contiguous(memory_format=torch.channels_last) and conv.weight.shape[-1] > 1
    by = 'posenet_learner default'
    if force and dev.type == 'cuda' and prec == 'fp32' and not cl:
        learn.to_fp16(); learn.model.to(memory_format=torch.channels_last); prec, cl, by = 'fp16', True, 'set by gpu.py (posenet_learner sets none)'
    if cl:  # the loader hands over channels_last batches too, so the first conv needs no layout change
        for dl in learn.dls.loaders:
            if hasattr(dl, 'channels_last'): dl.channels_last = True
    return prec, cl, by

def library(arch, dls, steps, warmup, dev, force=True, opt='default'):
    "(b) images/s of `posenet_learner(dls, arch)` trained with fastai's `fit` (validation skipped), steady state; `opt='torch'`: torch's Adam."
    from fastai.callback.core import Callback
    from fastai.learner import CancelFitException, CancelValidException
    from apollo_posenet.learner import posenet_learner
    class Timer(Callback):
        order = 100
        def before_fit(self): self.n, self.t0 = 0, None
        def before_validate(self): raise CancelValidException()
        def after_batch(self):
            if not self.training: return
            self.n += 1
            if self.n == warmup: sync(dev); self.t0 = time.perf_counter(); self.imgs = 0
            elif self.n > warmup: self.imgs += len(self.learn.xb[0])
            if self.n == warmup + steps: sync(dev); self.dt = time.perf_counter() - self.t0; raise CancelFitException()
    torch.manual_seed(0)
    timer = Timer()
    kw = {}
    if opt == 'torch':  # torch's Adam (foreach kernels on CUDA), as in the model-alone rows, through fastai's `OptimWrapper`
        from functools import partial
        from fastai.optimizer import OptimWrapper
        kw['opt_func'] = partial(OptimWrapper, opt=torch.optim.Adam)
    learn = posenet_learner(dls, arch, cbs=[timer], **kw)
    learn.model.to(dev)
    prec, cl, by = _learner_setup(learn, dev, force)
    n_epochs = -(-(warmup + steps) // len(dls.train)) + 1
    with learn.no_bar(), learn.no_logging(): learn.fit(n_epochs, 1e-4)
    return dict(images_per_s=timer.imgs/timer.dt, steps=steps, warmup=warmup, precision=prec, channels_last=cl, set_by=by, opt=opt,
                model_alone_key=f"{prec}{'_cl' if cl else ''}")

def loader_alone(dls, steps, dev):
    "(c) images/s of the training loader alone onto `dev`: full batches (float, normalized) and the uint8 read alone."
    dl = dls.train
    def run(f):
        n, t0 = 0, None
        while n < steps + 2:
            for b in f():
                n += 1
                if n == 2: sync(dev); t0 = time.perf_counter(); imgs = 0
                elif n > 2: imgs += len(b[0])
                if n == steps + 2: break
        sync(dev); return imgs/(time.perf_counter() - t0)
    res, t0 = {}, dl.threads
    for t in (1, 2):  # background threads; `full` is the library's setting
        dl.threads = t; res[f'full_threads{t}'] = run(lambda: dl)
    dl.threads = t0; res['full'] = res[f'full_threads{t0}'] if f'full_threads{t0}' in res else run(lambda: dl)
    if getattr(dl, 'can_batch', False):
        idxs = list(range(len(dl.dataset))); bs = dl.bs
        def reads():
            if dev.type == 'cuda': dl._get_pool()
            for i in range(len(idxs)//bs): yield dl.load_batch(idxs[i*bs:(i+1)*bs])
        res['read_copy_uint8'] = run(reads)
    res['can_batch'] = bool(getattr(dl, 'can_batch', False)); res['batch_shape'] = list(dl.one_batch()[0].shape)
    return res

def inference(arch, size_hw, dev, n=100):
    "(d) ms per frame at batch 1, fp16 autocast (CUDA; bf16 on CPU), channels_last, eval mode."
    from apollo_posenet.models.posenet import PoseNet
    model = PoseNet(arch).to(dev).to(memory_format=torch.channels_last).eval()
    x = torch.randn(1, 3, *size_hw, device=dev).contiguous(memory_format=torch.channels_last)
    dtype = torch.float16 if dev.type == 'cuda' else torch.bfloat16
    with torch.no_grad(), torch.autocast(dev.type, dtype=dtype):
        for _ in range(10): model(x)
        sync(dev); t0 = time.perf_counter()
        for _ in range(n): model(x); sync(dev)
    return dict(ms_per_frame=(time.perf_counter() - t0)/n*1e3, n=n, dtype=str(dtype).split('.')[-1])

def fmt(o, k='images_per_s', f='{:,.0f}'):
    if not isinstance(o, dict): return 'not measured'
    if 'error' in o: return f"error: {o['error'][:80]}"
    if 'skipped' in o: return f"skipped ({o['skipped']})"
    return f.format(o[k])

def main(root, road, archs=('resnet18', 'resnet34', 'resnet50'), size=224, bs=128, steps=30, warmup=8, device='cuda',
         out=RESULTS, budget=330., threads=1, prefetch=None):
    dev = torch.device(device)
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    from apollo_posenet.data.fastai import apollo_dls
    res = dict(machine=machine(), device_name=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f"CPU ({os.cpu_count()} cores)",
               args=dict(root=str(root), road=road, archs=list(archs), size=size, bs=bs, steps=steps, warmup=warmup, device=device, budget=budget, threads=threads, prefetch=prefetch),
               model_alone={}, library={}, library_torch_adam={}, inference={})
    t = time.perf_counter()
    dls = apollo_dls(root, road, size=size, bs=bs, device=dev, threads=threads, prefetch=prefetch)
    res['dls'] = dict(seconds=time.perf_counter() - t, n_train=len(dls.train_ds), train_batches=len(dls.train), can_batch=bool(getattr(dls.train, 'can_batch', False)))
    hw = tuple(dls.one_batch()[0].shape[-2:]); res['image_hw'] = list(hw)
    print('data ready', res['dls'], hw, flush=True)
    for arch in archs:
        res['model_alone'][arch] = {}
        for prec in PRECISIONS:
            guarded(res['model_alone'][arch], prec, budget, model_alone, arch, prec, hw, bs, steps, warmup, dev)
    guarded(res, 'loader', budget, loader_alone, dls, max(steps, 2*len(dls.train)), dev)
    for arch in archs:
        guarded(res['library'], arch, budget, library, arch, dls, steps, warmup, dev)
        guarded(res['library_torch_adam'], arch, budget, library, arch, dls, steps, warmup, dev, opt='torch')
        lib, ma = res['library'][arch], res['model_alone'][arch]
        for l in (lib, res['library_torch_adam'][arch]):
            if 'images_per_s' in l and 'images_per_s' in ma.get(l['model_alone_key'], {}):
                l['ratio_to_model_alone'] = l['images_per_s'] / ma[l['model_alone_key']]['images_per_s']
        for o in (res['loader'],):
            if 'full' in o and 'images_per_s' in ma.get(lib.get('model_alone_key', 'fp16_cl'), {}):
                o.setdefault('ratio_to_model_alone', {})[arch] = o['full'] / ma[lib.get('model_alone_key', 'fp16_cl')]['images_per_s']
    for arch in archs: guarded(res['inference'], arch, budget + 20, inference, arch, hw, dev)
    res['seconds'] = elapsed()
    name = 'gpu' if dev.type == 'cuda' else 'gpu_smoke_cpu'
    md = to_md(res)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    for ext, txt in (('json', json.dumps(res, indent=1, default=str)), ('md', md)):
        atomic_write(out/f'{name}.{ext}', lambda tmp: Path(tmp).write_text(txt + '\n'))
    print(md); print(f"wrote {out/name}.json/.md in {res['seconds']:.0f} s")

def to_md(res):
    a, lines = res['args'], []
    lines += [f"### GPU training throughput: model alone vs the library ({res['device_name']})", "", md_machine(res['machine']), "",
              f"PoseNet at {a['size']} px (images {res['image_hw'][0]}x{res['image_hw'][1]}), batch {a['bs']}, {a['steps']} timed steps after "
              f"{a['warmup']} warm-up steps; road `{a['road']}` ({res['dls']['n_train']} training images); whole run {res['seconds']:.0f} s.", "",
              "| arch | model alone fp32 | fp16 NCHW | fp16 channels_last | bf16 channels_last | library (`apollo_dls` + `posenet_learner`) | library / model alone | inference bs 1 (ms/frame) |",
              "|---|---|---|---|---|---|---|---|"]
    for arch in a['archs']:
        ma = res['model_alone'].get(arch, {})
        for i, (what, lib) in enumerate((('', res['library'].get(arch)), (' torch Adam', res.get('library_torch_adam', {}).get(arch)))):
            libtxt = fmt(lib) + (f" ({lib['precision']}{', channels_last' if lib['channels_last'] else ''}; {lib['set_by']}{what})" if isinstance(lib, dict) and 'precision' in lib else '')
            ratio = f"{lib['ratio_to_model_alone']:.2f} (vs {lib['model_alone_key']})" if isinstance(lib, dict) and 'ratio_to_model_alone' in lib else 'not measured'
            first = " | ".join(fmt(ma.get(p)) for p in PRECISIONS) if i == 0 else " | ".join(['']*len(PRECISIONS))
            lines.append(f"| {arch if i == 0 else ''} | {first} | {libtxt} | {ratio} | {fmt(res['inference'].get(arch), 'ms_per_frame', '{:.2f}') if i == 0 else ''} |")
    lo = res.get('loader', {})
    lines += ["", "Images/s. Model alone: random tensors on the device, torch Adam, autocast (+ GradScaler for fp16). Library: "
              "`posenet_learner` defaults (its optimizer `adamw`: torch's AdamW behind fastai's `OptimWrapper`), and in the second row "
              "of each arch torch's Adam through `OptimWrapper` (the model-alone optimizer). `torch.backends.cudnn.benchmark` is on for every row. "
              "The library row's batches come from the cached batch loader (`CacheDL`), channels_last when the model is.", "",
              "| cached loader alone (`apollo_dls(...).train` onto the device) | images/s |", "|---|---|",
              f"| full batches (uint8 read, copy, float, ImageNet normalization), library setting ({a.get('threads', 1)} thread(s)) | {fmt(lo, 'full')} |",
              f"| full batches, 1 / 2 background threads | {fmt(lo, 'full_threads1')} / {fmt(lo, 'full_threads2')} |",
              f"| the read and copy alone (`load_batch`, uint8) | {fmt(lo, 'read_copy_uint8') if 'read_copy_uint8' in lo or not isinstance(lo, dict) or 'error' in lo else 'not measured'} |"]
    if isinstance(lo, dict) and lo.get('ratio_to_model_alone'):
        lines.append("| loader / model alone (same precision as the library row) | " + ", ".join(f"{k}: {v:.1f}x" for k, v in lo['ratio_to_model_alone'].items()) + " |")
    return "\n".join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='data/apolloscape', help='folder holding the roads')
    p.add_argument('--road', default='zpark-synth')
    p.add_argument('--archs', default='resnet18,resnet34,resnet50', help='comma-separated')
    p.add_argument('--size', default=224, type=int); p.add_argument('--bs', default=128, type=int)
    p.add_argument('--steps', default=30, type=int, help='timed training steps per measurement')
    p.add_argument('--warmup', default=8, type=int)
    p.add_argument('--device', default='cuda'); p.add_argument('--out', default=str(RESULTS))
    p.add_argument('--budget', default=330, type=float, help='seconds after which remaining measurements are skipped')
    p.add_argument('--threads', default=1, type=int); p.add_argument('--prefetch', default=None, type=int, help='default: the library default (2 on CUDA)')
    a = p.parse_args()
    if a.device.startswith('cuda') and not torch.cuda.is_available(): raise SystemExit("gpu.py: error: no CUDA device; use --device cpu for a smoke test")
    main(a.root, a.road, tuple(a.archs.split(',')), a.size, a.bs, a.steps, a.warmup, a.device, a.out, a.budget, a.threads, a.prefetch)
