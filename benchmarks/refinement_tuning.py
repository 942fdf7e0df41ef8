#!/usr/bin/env python
"""Refinement against a map measured on TRAINING records only: the protocol that chose `LocalizeConf`'s defaults and the map's settings.

Each query is a training frame (every `--step`-th frame of both cameras of the `--records`), localized against the map of the training
split WITHOUT its own record (`exclude_records`: leave-one-record-out), from a prior drawn around its true pose: an offset of log-normal
length (median `--prior_m`, sigma 0.5, mostly horizontal) and a rotation of log-normal angle (median `--prior_deg`), about what the
`make demo` network gives. A fallback counts as a failure (an infinite error). One Markdown row is printed: median errors, the share within
0.5 m and 0.5 deg, fallbacks, and the CPU time per query (one thread). The write-up: benchmarks/results/refinement_tuning.md.

Run it after `make demo` (or `apollo_map`), from the repository root:
  python benchmarks/refinement_tuning.py --map output/demo/map --records Record002,Record006,Record009
  python benchmarks/refinement_tuning.py --map output/demo/map --records Record002,Record006,Record009 --min_inliers 20 --radius 80
Map settings (`max_depth`, ...) are the map's: build another map to compare them (`apollo_map --max_depth 60 --out output/md60`).
"""
import argparse, contextlib, time
from dataclasses import fields
from pathlib import Path
import numpy as np
import cv2
try: from threadpoolctl import threadpool_limits
except ImportError: threadpool_limits = None
from apollo_posenet.data.layout import read_pose_file, road_layout
from apollo_posenet.geometry.map import load_map
from apollo_posenet.geometry.localize import LocalizeConf, localize
from apollo_posenet.pose import mat_to_tq, rot_error

def noisy_prior(T:np.ndarray, rng, median_m:float, median_deg:float, sigma:float=0.5)->np.ndarray:
    "A 4x4 prior around the true pose `T`: an offset of log-normal length (mostly horizontal, z-up world) and a rotation of log-normal angle."
    d = rng.normal(size=3)*[1, 1, 0.1]; ax = rng.normal(size=3)
    P = np.array(T, np.float64)
    P[:3, 3] += d/np.linalg.norm(d)*median_m*np.exp(sigma*rng.normal())
    P[:3, :3] = cv2.Rodrigues(ax/np.linalg.norm(ax)*np.radians(median_deg*np.exp(sigma*rng.normal())))[0] @ P[:3, :3]
    return P

def queries(m, records:list, step:int)->list:
    "`(image, true 4x4 pose, record)` of every `step`-th frame of each camera of the map's road in `records`."
    road = Path(m.meta['road_path']); lay = road_layout(road); out = []
    for rec in records:
        for cam in sorted(m.intrinsics):
            poses = read_pose_file(lay.pose_file(road, rec, cam))
            out += [(road/lay.image_dir/rec/cam/n, T, rec) for n, T in list(poses.items())[::step]]
    return out

def measure(m, qs:list, conf:LocalizeConf, rng, prior_m:float, prior_deg:float, no_prior:bool)->dict:
    "Errors (inf where it fell back), fallbacks and CPU time of every query."
    t, r, fb, cpu = [], [], [], []
    with (threadpool_limits(1) if threadpool_limits is not None else contextlib.nullcontext()):
        for img, T, rec in qs:
            res = localize(m, img, None, None if no_prior else noisy_prior(T, rng, prior_m, prior_deg), conf, exclude_records=[rec])
            ok = not res.fell_back and res.pose is not None
            t.append(np.linalg.norm(res.pose[:3, 3] - T[:3, 3]) if ok else np.inf)
            r.append(rot_error(mat_to_tq(res.pose)[3:], mat_to_tq(T)[3:]) if ok else np.inf)
            fb.append(res.fell_back); cpu.append(res.cpu_seconds)
    t, r = np.array(t), np.array(r)
    return dict(n=len(qs), median_t=float(np.median(t)), median_rot=float(np.median(r)), within=float(np.mean((t < 0.5) & (r < 0.5))),
                fallback=float(np.mean(fb)), cpu_median=float(np.median(cpu)), cpu_p90=float(np.percentile(cpu, 90)))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--map', default='output/demo/map', help='the map of the road (`apollo_map`; `make demo` writes output/demo/map)')
    p.add_argument('--records', default='Record002,Record006,Record009', help='training records to query, comma-separated')
    p.add_argument('--step', type=int, default=6, help='every step-th frame of each camera')
    p.add_argument('--prior_m', type=float, default=50., help='median prior offset (m)')
    p.add_argument('--prior_deg', type=float, default=10., help='median prior rotation (deg)')
    p.add_argument('--no_prior', action='store_true', help='no prior: the whole map ranked by global descriptor')
    p.add_argument('--seed', type=int, default=0)
    for f in fields(LocalizeConf):  # every setting of `localize`, e.g. --min_inliers 20
        p.add_argument(f'--{f.name}', type=int if isinstance(f.default, int) else float, default=None, help=f'LocalizeConf.{f.name} (default {f.default})')
    a = p.parse_args(); cv2.setNumThreads(1)
    conf = LocalizeConf(**{f.name: getattr(a, f.name) for f in fields(LocalizeConf) if getattr(a, f.name) is not None})
    m, recs = load_map(a.map), [r.strip() for r in a.records.split(',') if r.strip()]
    if leak := sorted(set(recs) - set(m.meta['records'])): raise SystemExit(f"refinement_tuning: {leak} are not training records of the map {a.map} (it has {m.meta['records']})")
    t0 = time.time(); s = measure(m, queries(m, recs, a.step), conf, np.random.default_rng(a.seed), a.prior_m, a.prior_deg, a.no_prior)
    changed = {f.name: getattr(conf, f.name) for f in fields(LocalizeConf) if getattr(conf, f.name) != f.default}
    print(f"{s['n']} queries of {', '.join(recs)} in {time.time() - t0:.0f} s; map settings {m.settings}")
    print("| settings | median t | median rot | within 0.5 m, 0.5° | fallbacks | CPU / query (median, p90) |\n|---|---|---|---|---|---|")
    print(f"| {changed or 'defaults'}{', no prior' if a.no_prior else ''} | {s['median_t']:.3f} m | {s['median_rot']:.3f}° | {s['within']:.1%} | "
          f"{s['fallback']:.1%} | {s['cpu_median']:.2f} s, {s['cpu_p90']:.2f} s |")

if __name__ == '__main__': main()
