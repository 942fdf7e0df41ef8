#!/usr/bin/env python
"""Data loading throughput with and without the transform cache (`Apolloscape(cache=True)`).

One epoch of the training split, mono, through (1) a plain PyTorch DataLoader over the `Apolloscape` dataset and
(2) the fastai DataLoader of `apollo_dls` (which adds uint8->float and ImageNet normalization on the batch). Each path
runs without and with the cache in the same process, `--repeats` times each, alternately; the best epoch of each is
kept. Uncached means every epoch decodes the JPEGs and resizes them; cached means reading the memory-mapped uint8 array
that was built once beforehand (its build time is reported too). Goal: cached >= 10x uncached.

Torch runs with `--threads` threads (default 1, what PyTorch gives each DataLoader worker process): on a small shared
machine, multi-threaded uint8 `torch.stack` in the collate step is dominated by thread contention (measured here: 32 ms
per batch with 2 threads vs 0.07 ms with 1), which would hide the effect of the cache.

Run by hand: `python benchmarks/data_cache.py [--root data/apolloscape] [--size 224] [--bs 16] [--repeats 2]`
(the default synthetic road, `zpark-synth`, generated if missing), or on a smaller rendered road:
`python benchmarks/data_cache.py --records 3 --frames 60`. Writes benchmarks/results/data_cache.{json,md}.
"""
import argparse, shutil, tempfile, time
from pathlib import Path
import torch
import torchvision.transforms as T
from _common import machine, save_results, md_machine
from apollo_posenet.data.dataset import Apolloscape, CacheOptions
from apollo_posenet.data.fastai import apollo_dls

def epoch_ips(dl)->float:
    "Images per second of one pass over `dl`."
    n, t0 = 0, time.perf_counter()
    for xb, yb in dl: n += xb.shape[0] * (xb.shape[1] if xb.ndim == 5 else 1)
    return n / (time.perf_counter() - t0)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='data/apolloscape', help='folder of roads')
    p.add_argument('--records', type=int, default=None, help='render a smaller road `zpark-bench` with this many records')
    p.add_argument('--frames', type=int, default=60, help='frames per record of the smaller road')
    p.add_argument('--size', type=int, default=224, help='shorter side of the resized images')
    p.add_argument('--bs', type=int, default=16)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--threads', type=int, default=1, help='torch threads (0: leave the default)')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    from apollo_posenet.synth.road import default_road, make_road
    t0 = time.time()
    if a.records is None: road_path, road_desc = default_road(a.root), 'default synthetic road'
    else:
        road_path = make_road(a.root, 'zpark-bench', records=a.records, frames=a.frames, size=(340, 424), seed=0)  # (H, W)
        road_desc = f'smaller synthetic road ({a.records} records x {a.frames} frames, 424x340)'
    print(f"road {road_path} ready in {time.time() - t0:.0f} s")
    cache_dir = Path(tempfile.mkdtemp(prefix='apollo-bench-'))
    try:
        tfm = T.Compose([T.Resize(a.size), T.PILToTensor()])
        kw = dict(root=road_path.parent, road=road_path.name, transform=tfm, train=True, stereo=False, normalize_poses=True, cache_dir=cache_dir)
        ds_u = Apolloscape(**kw)
        t0 = time.time(); ds_c = Apolloscape(cache=CacheOptions(progress=False), **kw); build_s = time.time() - t0
        dls_u = apollo_dls(road_path.parent, road_path.name, size=a.size, bs=a.bs, cache=False, cache_dir=cache_dir, device='cpu')
        dls_c = apollo_dls(road_path.parent, road_path.name, size=a.size, bs=a.bs, cache=True, cache_dir=cache_dir, device='cpu', progress=False)
        def torch_loader(ds): return torch.utils.data.DataLoader(ds, batch_size=a.bs, shuffle=True, num_workers=0)
        res = {k: 0. for k in ('torch_uncached', 'torch_cached', 'fastai_uncached', 'fastai_cached')}
        for r in range(a.repeats):
            for k, dl in (('torch_uncached', torch_loader(ds_u)), ('torch_cached', torch_loader(ds_c)), ('fastai_uncached', dls_u.train), ('fastai_cached', dls_c.train)):
                res[k] = max(res[k], epoch_ips(dl)); print(f"repeat {r}: {k}: {res[k]:.0f} images/s", flush=True)
    finally: shutil.rmtree(cache_dir, ignore_errors=True)
    x0 = ds_u[0][0]
    data = dict(road=str(road_path), road_desc=road_desc, images=len(ds_u), image_size=list(x0.shape[1:]), bs=a.bs, num_workers=0,
                cache_build_s=round(build_s, 2), images_per_s={k: round(v, 1) for k, v in res.items()},
                ratio_torch=round(res['torch_cached'] / res['torch_uncached'], 2), ratio_fastai=round(res['fastai_cached'] / res['fastai_uncached'], 2),
                machine=machine())
    md = (f"**Transform cache** ({road_desc}, {len(ds_u)} training images resized to {x0.shape[2]}x{x0.shape[1]}, bs {a.bs}, 0 workers): "
          f"plain DataLoader {res['torch_uncached']:.0f} -> {res['torch_cached']:.0f} images/s (**{data['ratio_torch']:.1f}x**), "
          f"fastai DataLoader {res['fastai_uncached']:.0f} -> {res['fastai_cached']:.0f} images/s (**{data['ratio_fastai']:.1f}x**); "
          f"one-time cache build {build_s:.1f} s. Script: `benchmarks/data_cache.py`. " + md_machine(data['machine']))
    save_results('data_cache', data, md)

if __name__ == '__main__': main()
