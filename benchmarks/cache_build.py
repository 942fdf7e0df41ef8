#!/usr/bin/env python
"""First transform-cache build on full-size images: images/s of full decoding vs JPEG draft decoding vs draft + all cores.

ZPark frames are 2452x2056 JPEGs (other Apolloscape roads 3384x2710), and `apollo_dls` resizes them to 224 px: the first
build of the transform cache is bound by JPEG decoding. This script makes `--images` full-size JPEGs by upscaling frames
of a small road (the default synthetic road `data/apolloscape/zpark-synth` if it exists, else a small road rendered into
the temporary folder, else `test_utils.fake_road` frames where nothing can be rendered), then builds the same cache (`T.Compose([T.Resize(224), T.PILToTensor()])`, what `apollo_dls`
caches) four ways in ONE run, each into a fresh cache folder, after reading every file once so that all paths start
from the page cache:

1. `full, 1 process`: the old path, a full decode then the resize, in one process;
2. `full, N processes`: the same on all cores;
3. `draft, 1 process`: libjpeg's DCT scaling (`Image.draft`) to the smallest scale >= 224 px, then the resize;
4. `draft, N processes`: the default of `TransformCache` for big builds.

It also reports how much draft decoding changes the pixels (mean and max absolute difference, 0-255, against path 1).
Run by hand: `python benchmarks/cache_build.py [--images 120] [--size 224] [--repeats 1]`. Writes
benchmarks/results/cache_build.{json,md}. On a shared machine the figures move with the load: the paths alternate
within each repeat and the best of `--repeats` is kept.
"""
import argparse, os, resource, shutil, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image
import torchvision.transforms as T
from _common import machine, save_results, md_machine
from apollo_posenet.data.cache import TransformCache

FULL_WH = (2452, 2056)  # ZPark's camera

def _cpu()->float:
    "CPU seconds of this process and its ended children (the build workers)."
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

def source_frames(root:Path, n:int, tmp:Path)->tuple:
    "Up to `n` frames of the default synthetic road, or of a tiny road rendered into `tmp`; and a description."
    road = root/'zpark-synth'
    if not (road/'image').is_dir():
        try:
            from apollo_posenet.synth.road import make_road
            road = make_road(tmp, 'zpark-bench', records=2, frames=max(2, (n + 3)//4), size=(424, 340), seed=0, depth=False, progress=False)
        except Exception as e:  # no OpenGL (EGL) here: numpy-made frames instead
            print(f"cannot render a road ({type(e).__name__}: {e}); using test_utils.fake_road frames", flush=True)
            from apollo_posenet.test_utils import fake_road
            road = fake_road(tmp, 'zpark-fake-bench', frames=max(2, (n + 5)//6), size=(340, 424))
    files = sorted(road.glob('image/*/*/*.jpg'))
    return files[:n], f"{road.name} frames ({Image.open(files[0]).size[0]}x{Image.open(files[0]).size[1]})"

def make_full_size(frames:list, n:int, out:Path)->list:
    "Write `n` JPEGs (quality 90) at ZPark's full size, upscaled from `frames` (cycled)."
    out.mkdir(parents=True, exist_ok=True); files = []
    for i in range(n):
        fn = out/f"{i:04d}_{Path(frames[i % len(frames)]).name}"
        Image.open(frames[i % len(frames)]).convert('RGB').resize(FULL_WH, Image.BICUBIC).save(fn, quality=90)
        files.append(fn)
    return files

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='data/apolloscape', help='folder of roads (frames of zpark-synth are upscaled if it exists)')
    p.add_argument('--images', type=int, default=120, help='number of full-size images')
    p.add_argument('--size', type=int, default=224, help='shorter side after the resize')
    p.add_argument('--repeats', type=int, default=1, help='repeats of the four builds (best kept)')
    p.add_argument('--workers', type=int, default=0, help='processes of the parallel paths (0: all cores)')
    a = p.parse_args()
    cores = a.workers or (len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count())
    tmp = Path(tempfile.mkdtemp(prefix='apollo-cache-build-'))
    try:
        t0 = time.time()
        frames, src_desc = source_frames(Path(a.root), a.images, tmp)
        files = make_full_size(frames, a.images, tmp/'full')
        mb = sum(f.stat().st_size for f in files)/1e6
        print(f"{len(files)} full-size JPEGs ({mb:.0f} MB) from {src_desc} in {time.time() - t0:.0f} s", flush=True)
        for f in files: f.read_bytes()  # page cache: every path reads from memory
        tfm = T.Compose([T.Resize(a.size), T.PILToTensor()])
        paths = {'full, 1 process': ('full', 1), f'full, {cores} processes': ('full', cores),
                 'draft, 1 process': ('draft', 1), f'draft, {cores} processes': ('draft', cores)}
        ips, cpu, arrs, load = {k: 0. for k in paths}, {k: 0. for k in paths}, {}, [os.getloadavg()[0]]
        for r in range(a.repeats):
            for k, (decode, workers) in paths.items():
                d = tmp/f'cache-{r}-{decode}-{workers}'
                t, u0 = time.perf_counter(), _cpu()
                c = TransformCache(files, tfm, name='bench', cache_dir=d, decode=decode, workers=workers, progress=False)
                s, u = time.perf_counter() - t, _cpu() - u0
                assert c.built and c.meta['workers'] == workers, c.meta
                ips[k], cpu[k] = max(ips[k], len(files)/s), max(cpu[k], len(files)/u); arrs[decode] = np.array(c.arr)
                print(f"repeat {r}: {k}: {len(files)/s:.1f} images/s ({s:.1f} s), {len(files)/u:.1f} images per CPU-second", flush=True)
                c.close(); shutil.rmtree(d)
        load.append(os.getloadavg()[0])
        diff = np.abs(arrs['draft'].astype(np.int16) - arrs['full'].astype(np.int16))
        shape = list(arrs['full'].shape[1:])
    finally: shutil.rmtree(tmp, ignore_errors=True)
    base = ips['full, 1 process']
    data = dict(images=len(files), source=src_desc, full_size=list(FULL_WH), jpeg_mb=round(mb, 1), output_shape=shape, cores=cores,
                repeats=a.repeats, images_per_s={k: round(v, 2) for k, v in ips.items()}, speedup={k: round(v/base, 2) for k, v in ips.items()},
                images_per_cpu_s={k: round(v, 2) for k, v in cpu.items()}, load_avg_1min=[round(l, 1) for l in load],
                draft_pixel_diff=dict(mean=round(float(diff.mean()), 3), max=int(diff.max())), machine=machine())
    rows = "\n".join(f"| {k} | {v:.1f} | {v/base:.1f}x | {cpu[k]:.1f} |" for k, v in ips.items())
    md = (f"### First transform-cache build on full-size images\n\n"
          f"{len(files)} JPEGs at {FULL_WH[0]}x{FULL_WH[1]} (ZPark's size, upscaled {src_desc}, {mb:.0f} MB) -> uint8 {shape[0]}x{shape[1]}x{shape[2]} "
          f"(`Resize({a.size})`, `PILToTensor`), `TransformCache` build from the page cache, best of {a.repeats}:\n\n"
          f"| path | images/s | vs full decode, 1 process | images per CPU-second (all processes) |\n|---|---|---|---|\n{rows}\n\n"
          f"Load average (1 min) of the machine at the start and end: {load[0]:.1f}, {load[-1]:.1f} on {os.cpu_count()} cores: "
          f"with other jobs on the cores, the processes column shows what spare cores there were, not what all cores give; "
          f"the CPU-second column does not depend on the load. "
          f"Draft decoding changes the cached pixels by {diff.mean():.2f} on average (max {diff.max()}) out of 255 against a full decode "
          f"(it is keyed apart; `decode='full'` keeps the exact pixels). Script: `benchmarks/cache_build.py`. " + md_machine(data['machine']))
    save_results('cache_build', data, md)

if __name__ == '__main__': main()
