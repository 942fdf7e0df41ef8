#!/usr/bin/env python
"""Accuracy on the validation records of the default synthetic road: every localization method of the library, measured the same way.

Rows (validation split = Record011–014, both cameras, 960 images = 480 stereo frames; the protocol: benchmarks/README.md, "How accuracy is measured"):
- baselines: constant pose (training mean); nearest neighbour (the pose of the training image closest in 32x26 grey pixels);
- the original blog's recipe (`posenet_learner(preset='blog')`: ResNet-34, Adam at a constant 1e-5, learned sx/sq) FROM RANDOM WEIGHTS
  (the benchmark machines cannot download ImageNet weights), on a CPU time budget (`--blog_minutes`) at a reduced size (`--blog_size`);
- the library's recipe (`make demo`: ResNet-18, 96 px, one-cycle, 10 epochs) as PoseNet, as MapNet (the same recipe on 3-frame
  tuples with MapNet's relative loss, `apollo_train --model mapnet`: same epochs, same images per batch and per epoch), and with
  the reprojection loss (the usual loss for 7 epochs, then Kendall & Cipolla's reprojection loss on the map's points for 3);
- the geometric stages (`apollo_posenet.pipeline`): stereo odometry alone (chained from each record's first true pose),
  PoseNet/MapNet + odometry fused in a pose graph, and refinement against the map of the training split from the PoseNet prior,
  from the fused prior, and from no prior at all; and the refined poses (from the PoseNet prior) fed back into the pose graph as
  priors beside the network's, the odometry bridging the frames that refinement left;
- the online localizer (`apollo_posenet.localizer`, `apollo_eval --online`): each frame's pose from it and the frames before it only,
  without a network and with PoseNet as the prior of its global search.
Nothing is selected on the validation records: each network keeps its LAST epoch; noise models, kernels and refinement
thresholds were chosen on training records (see the notebooks); the baselines see the training split only.
Time per stereo frame (median and 95th percentile, with torch's and OpenCV's thread counts): everything a method does for one stereo frame, one
frame at a time: the network on both images with their decoding (`evaluate.network_seconds`, on 100 frames spread over the split), the
odometry of the frame, the refinement of both images, the pose graph (a whole record's solve shared among its frames). The former column, the
network's batched time per image plus each stage's own per image, stays as 'time per image, batched'.
Counting: the fused rows and odometry alone give Camera_2 the pose of Camera_1 moved through the fixed rig, so their shares are also given per
stereo frame (a frame counts when both its images are within). Refined poses enter the pose graph one prior per camera, each with the measured
sigmas x sqrt(2) (`pipeline.REFINED_PAIR_INFLATE`): the pair weighs as one refined pose, its two errors taken as fully correlated.

Run by hand after `make demo` (which renders the road, trains the library's recipe and builds the map):
  `python benchmarks/accuracy.py --library_model output/demo/posenet.pth --map output/demo/map [--rows ...]`
`--rows` picks the groups to measure again (baselines blog library mapnet reprojection pipeline online); rows not measured again are
kept from the previous results file, each with the date it was measured. Writes benchmarks/results/accuracy.{json,md}.
"""
import argparse, json, time
import cv2, torch
from pathlib import Path
import numpy as np
from PIL import Image
from fastai.callback.core import Callback
from fastai.learner import CancelFitException
from _common import machine, save_results, md_machine, RESULTS
from apollo_posenet.synth.road import default_road
from apollo_posenet.data.fastai import apollo_dls
from apollo_posenet.learner import posenet_learner, fit_posenet
from apollo_posenet.checkpoint import save_posenet, load_posenet
from apollo_posenet.evaluate import error_summary, constant_pose_baseline, network_seconds
from apollo_posenet.metrics import within_name
from apollo_posenet.data.layout import frame_key
from apollo_posenet.training import train_posenet, train_args, train_learner
from apollo_posenet.evaluate import evaluate_posenet
from apollo_posenet.geometry.map import build_map, load_map
from apollo_posenet.reprojection import dataset_points, map_points_of, use_reprojection
from apollo_posenet.pipeline import evaluate_pipeline
from apollo_posenet.online import evaluate_online, unmapped_records

GROUPS = ('baselines', 'blog', 'library', 'mapnet', 'reprojection', 'pipeline', 'online')
THRESHOLDS = ((0.5, 0.5), (1., 1.), (5., 5.))

class TimeBudget(Callback):
    "Stop training at the end of the first epoch that ends after `seconds`."
    order = 90
    def __init__(self, seconds): self.seconds, self.t0 = seconds, None
    def before_fit(self): self.t0 = time.time()
    def after_epoch(self):
        if time.time() - self.t0 > self.seconds: raise CancelFitException()

def pixels(ds):
    "Downsampled grey, standardized pixels (N, 832) of every image of a dataset (mono), in dataset order."
    js = ds.items[ds.idxs].reshape(-1)
    out = [np.asarray(ds.load_image(j).convert('L').resize((32, 26), Image.BILINEAR), np.float32).ravel() for j in js]
    f = np.stack(out); return (f - f.mean(1, keepdims=True)) / (f.std(1, keepdims=True) + 1e-6)

PAIR_COLS = [f'pair_{within_name(m, d)}' for m, d in THRESHOLDS]  # shares per stereo frame (rows that tie the two cameras rigidly)

def threads(): return dict(torch_threads=torch.get_num_threads(), cv2_threads=cv2.getNumThreads())

def n_pairs(files): return len({(Path(f).parent.parent.name, frame_key(Path(f).name)) for f in files})  # stereo frames of a split's images

def row(name, group, pred, targ, budget, seconds, selection, s_per_frame=np.nan, fallback=np.nan, pair_s=None, pairs=None, **extra):
    "A row of the table; `pair_s`: seconds per stereo frame (an array), `s_per_frame`: the former per-image time."
    t = dict(s_pair_median=float(np.median(pair_s)), s_pair_p95=float(np.percentile(pair_s, 95))) if pair_s is not None else {}
    return dict(method=name, group=group, budget=budget, train_seconds=seconds, selection=selection, s_per_frame=s_per_frame, fallback=fallback,
                pairs=pairs, measured=time.strftime('%Y-%m-%d %H:%M'), **t, **threads(), **extra, **error_summary(pred, targ, THRESHOLDS))

def net_row(name, group, ckpt, road, budget, secs):
    "A network's row: `evaluate_posenet` on the validation split, timed per frame (decoding included)."
    t0 = time.time(); _, res, names = evaluate_posenet(ckpt, road.parent, road.name, 'val')
    s_img = (time.time() - t0) / len(names['val'])
    return row(name, group, *res['PoseNet (val)'], budget, secs, 'last epoch', s_img, pair_s=network_seconds(ckpt, names['val']).values, pairs=n_pairs(names['val']))

def baselines(road):
    dls = apollo_dls(road.parent, road.name, size=32, bs=64, cache=False, progress=False)  # only for the split's poses
    (train_gt, _), (val_gt, val_files) = dls.train.dataset.sample_poses(), dls.valid.dataset.sample_poses(); np_ = n_pairs(val_files)
    rows = [row('constant pose (training mean)', 'baselines', constant_pose_baseline(train_gt, len(val_gt)), val_gt, '-', 0., 'none', 0., pair_s=np.zeros(1), pairs=np_)]
    t0 = time.time(); ft = pixels(dls.train.dataset); t1 = time.time(); fv = pixels(dls.valid.dataset)
    nn_idx = np.concatenate([((fv[i:i+256, None] - ft[None])**2).sum(-1).argmin(1) for i in range(0, len(fv), 256)])
    s_img = (time.time() - t1) / len(fv)  # batched over the split: a stereo frame is two such queries
    rows.append(row('nearest neighbour (32x26 grey pixels)', 'baselines', train_gt[nn_idx], val_gt, '-', t1 - t0, 'none', s_img, pair_s=np.full(1, 2*s_img), pairs=np_))
    return rows

def blog(road, out, minutes, size):
    dls = apollo_dls(road.parent, road.name, size=size, bs=40, augment=False, progress=False)
    learn = posenet_learner(dls, preset='blog', pretrained=False, path=out/'blog', cbs=[TimeBudget(minutes * 60)])
    t0 = time.time()
    with learn.no_bar(): fit_posenet(learn, 1000)  # the preset's constant lr (1e-5) until the time budget ends
    secs, n_ep = time.time() - t0, len(learn.recorder.values)
    save_posenet(learn, out/'blog'/'posenet.pth', road=road.name, epoch_selection='last')
    return [net_row(f'blog recipe from random weights (ResNet-34, Adam at a constant 1e-5, learned sx/sq, {size} px)', 'blog', out/'blog'/'posenet.pth',
                    road, f'{n_ep} CPU epochs ({minutes:g} min budget)', secs)]

def library_model(road, out, given):
    "The `make demo` model (its training time is in demo_summary.json beside it), or the same recipe trained here."
    if given is not None:
        sel = load_posenet(given).config.get('epoch_selection')
        if sel != 'last': raise SystemExit(f"{given}: its epoch was selected on the validation split (epoch_selection={sel!r}); train it again (`make demo`)")
        return Path(given), json.loads((Path(given).parent/'demo_summary.json').read_text())['train_s']
    t0 = time.time(); train_posenet(road.parent, road.name, out=out/'library', progress=False, force=True)
    return out/'library'/'posenet.pth', time.time() - t0

def mapnet_model(road, out, given):
    if given is not None: return Path(given), json.loads((Path(given).parent/'run_seconds.json').read_text())['train_s'] if (Path(given).parent/'run_seconds.json').exists() else np.nan
    t0 = time.time(); train_posenet(road.parent, road.name, out=out/'mapnet', model='mapnet', progress=False, force=True)
    return out/'mapnet'/'posenet.pth', time.time() - t0

def reprojection(road, out, mp, n1=7, n2=3):
    "The library's recipe for `n1` epochs, then the reprojection loss on the map's points for `n2` (lr / 10), last epoch kept."
    a = train_args(root=str(road.parent), road=road.name)
    t0 = time.time(); learn = train_learner(a, out/'reprojection', progress=False)
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(n1, a['lr'])
        use_reprojection(learn, dataset_points(learn.dls.train.dataset, map_points_of(load_map(mp)), n_points=256), clip=200.)
        learn.fit_one_cycle(n2, a['lr'] / 10)
    secs = time.time() - t0
    save_posenet(learn, out/'reprojection'/'posenet.pth', road=road.name, epoch_selection='last')
    return [net_row(f'PoseNet + reprojection loss (library recipe {n1} epochs, then the reprojection loss on the map points, clip 200 px, {n2} epochs)',
                    'reprojection', out/'reprojection'/'posenet.pth', road, f'{n1 + n2} CPU epochs', secs)]

def pipeline(road, ckpt, name, mp, secs, refine_from):
    "Rows of the geometric stages after the network `ckpt` (`evaluate_pipeline`, validation records)."
    tbl, res, _, info = evaluate_pipeline(ckpt, road.parent, road.name, fuse=True, refine=mp, refine_from=refine_from)
    label = {'PoseNet + fusion': f'{name} + odometry fusion (pose graph, GTSAM)', 'odometry alone': 'stereo odometry alone (from each record\'s first true pose)',
             'PoseNet + refinement': f'{name} + refinement (map, SIFT, PnP)', 'PoseNet + fusion + refinement': f'{name} + fusion + refinement',
             'refinement without prior': 'refinement without prior (whole map ranked by global descriptor)',
             'PoseNet + refinement + fusion': f'{name} + refinement + odometry fusion (refined poses as priors in the pose graph)'}
    rows = []
    for k, lab in label.items():
        if f'{k} (val)' not in res: continue
        t = tbl.loc[f'{k} (val)']
        net = k not in ('odometry alone', 'refinement without prior')
        rows.append(row(lab, 'pipeline', *res[f'{k} (val)'], '10 CPU epochs (network)' if net else '-', secs if net else 0.,
                        'last epoch; noise and thresholds chosen on training records', float(t.s_per_frame), float(t.fallback), pairs=int(t.pairs),
                        s_pair_median=float(t.s_pair_median), s_pair_p95=float(t.s_pair_p95), **{c: float(t[c]) for c in PAIR_COLS}))
    return rows, info

def online(road, mp, lib, lib_s):
    "The online localizer's rows (`evaluate_online`): every frame from the earlier ones only, without and with PoseNet as the prior of its global search."
    rows = []
    for name, model in (('online localizer (odometry + map fixes, fixed-lag smoother; global search to start)', None),
                        ('online localizer with PoseNet as the prior of its global search', lib)):
        fr, sc = evaluate_online(mp, road, unmapped_records(mp, road), model=model, progress=False)
        a, te, re = sc.loc['all'], fr.err_t.to_numpy(np.float64), fr.err_r.to_numpy(np.float64)
        shares = {f'pair_{within_name(m, d)}': float(np.mean((te <= m) & (re <= d))) for m, d in THRESHOLDS}
        rows.append(dict(method=name, group='online', budget='10 CPU epochs (network)' if model else '-', train_seconds=lib_s if model else 0.,
                         selection='settings chosen on training records (leave-one-record-out)', s_per_frame=np.nan, fallback=np.nan, pairs=len(fr), frames=2*len(fr),
                         measured=time.strftime('%Y-%m-%d %H:%M'), s_pair_median=float(a.s_pair_median), s_pair_p95=float(a.s_pair_p95), **threads(),
                         t_median_m=float(np.median(te)), t_mean_m=float(np.mean(te)), r_median_deg=float(np.median(re)), r_mean_deg=float(np.mean(re)),
                         within_1m_1deg=None, within_5m_5deg=None, **shares, trust_1m_2deg=float(a.trust_1m_2deg), lost=int(a.lost),
                         **{k: float(a[k]) for k in ('within_0p25m_2deg', 'within_0p5m_5deg', 'within_5m_10deg')}))
    return rows

def frames_used(r)->str:
    "Which frames a row's pose of frame k uses."
    if r.get('group') == 'online': return 'online: frames up to k'
    if 'fusion' in r['method']: return 'whole record: later frames too'
    if 'odometry alone' in r['method']: return "frames up to k (+ the record's first true pose)"
    return 'frame k only'

def fmt(v, f): return '-' if v is None or (isinstance(v, float) and not np.isfinite(v)) else format(v, f)

def main(root='data/apolloscape', rows_=GROUPS, blog_minutes=10., blog_size=128, out='output/bench_accuracy', library=None, mapnet=None, map_=None):
    out, road = Path(out), default_road(root)
    prev, prev_notes = [], []
    if (RESULTS/'accuracy.json').exists():  # rows of an earlier run (before groups and dates were recorded: the run's date, the group from the name)
        old = json.loads((RESULTS/'accuracy.json').read_text()); prev_notes = old.get('notes', [])
        for r in old['rows']:
            r.setdefault('measured', old['machine']['date'])
            r.setdefault('group', 'blog' if r['method'].startswith('blog') else 'baselines' if r['method'].startswith(('constant', 'nearest')) else None)
            prev.append(r)
    new, notes = [], []
    mp = (build_map(road.parent, road.name, out) if map_ is None else Path(map_)) if set(rows_) & {'reprojection', 'pipeline', 'online'} else None
    if 'baselines' in rows_: new += baselines(road)
    if 'blog' in rows_: new += blog(road, out, blog_minutes, blog_size)
    lib, lib_s = library_model(road, out, library) if {'library', 'pipeline', 'online'} & set(rows_) else (None, None)
    if 'library' in rows_: new.append(net_row('PoseNet, library recipe (ResNet-18, 96 px, one-cycle, augmentation)', 'library', lib, road, '10 CPU epochs', lib_s))
    mn, mn_s = mapnet_model(road, out, mapnet) if 'mapnet' in rows_ else (None, None)
    if 'mapnet' in rows_: new.append(net_row('MapNet (library recipe on 3-frame tuples + relative loss)', 'mapnet', mn, road, '10 CPU epochs', mn_s))
    if 'reprojection' in rows_: new += reprojection(road, out, mp)
    if 'pipeline' in rows_:
        r, info = pipeline(road, lib, 'PoseNet', mp, lib_s, ('PoseNet', 'PoseNet + fusion', None)); new += r
        notes.append(f"Odometry drift on the validation records: {info['odometry'].drift_pct.iloc[-1]:.2f} % of distance, {info['odometry'].drift_deg_100m.iloc[-1]:.2f} °/100 m; "
                     f"the odometry's noise model was measured on training record(s) {', '.join(info['noise']['records'])} (`evaluate_pipeline(noise_records=1)`: the first training record).")
        tm = info['timing']
        notes.append(f"Time per stereo frame: the median and 95th percentile over {tm['pairs']} stereo frames of the network's time (one frame at a time), and over each frame's own "
                     f"odometry and refinement; {tm['torch_threads']} torch threads, {tm['cv2_threads']} OpenCV threads (refinement keeps numpy's BLAS on one thread).")
        if 'bridged_pairs' in info:
            rn = info['refinement_noise']
            notes.append(f"PoseNet + refinement + odometry fusion: the {info['bridged_pairs']:.1%} of stereo frames (graph nodes) for which refinement left both images (no refined pose of their own) "
                         f"get theirs from refined neighbours through the odometry; each camera's refined pose weighs in with sigmas {rn['prior_sigma'][0]:.3f} m, {rn['prior_sigma'][1]:.3f}° "
                         f"x sqrt(2) (the two cameras of a pair count as one measurement) (Huber), measured on every {rn['step']}th training frame localized with its own "
                         f"{rn['leave_out']} left out of the map ({rn['fallback']:.0%} of them fell back).")
        if mn is not None:
            r, _ = pipeline(road, mn, 'MapNet', mp, mn_s, ()); new += [x for x in r if x['method'].startswith('MapNet')]
    if 'online' in rows_:
        new += online(road, mp, lib, lib_s)
        notes.append("The online rows (`apollo_eval --online`; the details, cold start, kidnapping and other seeds in [online_localization.md](https://github.com/apollo-posenet/apollo_posenet/blob/main/benchmarks/results/online_localization.md)): "
                     "the `Localizer` over each validation record, frame by frame, each pose from that frame and the ones before it, as a car has it; they count "
                     "stereo frames (480, the reference camera's pose), a frame without a pose as an infinite error (so a row with one has an infinite mean, shown as -). Their time per stereo "
                     "frame is the wall time of `step`.")
    if 'pipeline' not in rows_: notes = [n for n in prev_notes if not n.startswith('The online rows')] + notes  # the notes of the rows kept
    names = {r['method'] for r in new}
    order = {g: i for i, g in enumerate(GROUPS)}
    allr = sorted([r for r in prev if r['method'] not in names and r.get('group') in order] + new, key=lambda r: order[r['group']])
    mach = machine()
    md = "\n".join([f"### Accuracy on the validation records of the default synthetic road (`zpark-synth`, {allr[0]['frames']} images, {allr[0].get('pairs') or allr[0]['frames'] // 2} stereo frames)", "", md_machine(mach)
                    + " Each row says when it was measured (rows not measured again keep their date).", "",
        "| method | pose of frame k from | budget | train time (s) | time per stereo frame, median / p95 (s) | time per image, batched (s) | median t (m) | mean t (m) | median rot (°) | mean rot (°) "
        "| within 0.5 m, 0.5° | within 1 m, 1° | within 5 m, 5° | stereo frames within 0.5 m, 0.5° / 1 m, 1° / 5 m, 5° | fallback | measured |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        + [f"| {r['method']} | {frames_used(r)} | {r['budget']} | {fmt(r['train_seconds'], '.0f')} | {fmt(r.get('s_pair_median'), '.3f')} / {fmt(r.get('s_pair_p95'), '.3f')} | {fmt(r.get('s_per_frame'), '.3f')} | "
           f"{fmt(r['t_median_m'], '.2f')} | {fmt(r['t_mean_m'], '.2f')} | {fmt(r['r_median_deg'], '.2f')} | {fmt(r['r_mean_deg'], '.2f')} | {fmt(r.get(within_name(0.5, 0.5)), '.3f')} | "
           f"{fmt(r.get('within_1m_1deg'), '.3f')} | {fmt(r.get('within_5m_5deg'), '.3f')} | {' / '.join(fmt(r.get(c), '.3f') for c in PAIR_COLS)} | {fmt(r.get('fallback'), '.3f')} | {r.get('measured', '-')} |" for r in allr]
        + ["", "Nothing is selected on the validation records reported here: each network keeps its last epoch, the noise models of the fusion and the thresholds "
           "of the refinement were chosen on training records, and the baselines see the training split only. A refinement that keeps its prior counts "
           "with the prior's error (the fallback column says how often); without a prior, a frame left without a pose counts as the training mean pose; "
           "a frame a method gives no pose at all (odometry without a stereo partner) counts as an infinite error. "
           "The shares count images (960); the stereo-frame shares (480) are given for the rows that give Camera_2 the pose of Camera_1 moved through the fixed rig "
           "(the fused rows and odometry alone), where the two images of a frame are one query: a frame counts when both its images are within. "
           "Time per stereo frame: everything the method does for one stereo frame (both images), one frame at a time; '-' for rows measured before it was. "
           "The former 'time per image, batched' adds the network's time per image in batches of 32 and each stage's own time per image."]
        + notes + ([] if mach['gpu'] else ["No GPU was available to this run, so there is no GPU row with a longer budget."]))
    save_results('accuracy', dict(machine=mach, rows=allr, notes=notes, protocol='validation records of trainval_split/val.txt; networks keep their last epoch'), md)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='data/apolloscape'); p.add_argument('--blog_minutes', type=float, default=10.)
    p.add_argument('--blog_size', type=int, default=128)
    p.add_argument('--rows', nargs='+', default=list(GROUPS), choices=GROUPS, help='groups of rows to measure again (the others are kept)')
    p.add_argument('--out', default='output/bench_accuracy')
    p.add_argument('--library_model', default=None, help="the `make demo` model (output/demo/posenet.pth) instead of training the recipe again")
    p.add_argument('--mapnet_model', default=None, help="a MapNet trained with the library's recipe (`apollo_train --model mapnet`) instead of training it here")
    p.add_argument('--map', default=None, help="the map of the road (`apollo_map`; `make demo` writes output/demo/map) instead of building it in --out")
    a = p.parse_args()
    main(a.root, a.rows, a.blog_minutes, a.blog_size, a.out, a.library_model, a.mapnet_model, a.map)
