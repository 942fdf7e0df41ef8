#!/usr/bin/env python
"""Accuracy on the validation records of the default synthetic road: PoseNet recipes against two baselines.

Rows (mono, both cameras, validation split = the last 4 records, whose lighting is never seen in training):
- constant pose: always the training split's mean position and mean rotation;
- nearest neighbour: the pose of the training image closest in downsampled pixels (32x26 grey, standardized);
- the original blog's recipe (`posenet_learner(preset='blog')`): ResNet-34, Adam at a constant lr 1e-5, weight decay 5e-4,
  L1 with learned sx/sq, FC 2048, dropout 0.5, no augmentation, batch 40 -- but FROM RANDOM WEIGHTS (the blog fine-tunes
  ImageNet weights, which the benchmark machines cannot download), on a CPU time budget (`--blog_minutes`, whole epochs)
  and at a reduced image size (`--blog_size`);
- the library's recipe (what `make demo` trains, `preset='library'`): ResNet-18 at 96 px, one-cycle, lr 4e-3, beta 3,
  brightness/contrast augmentation, FC 512, dropout 0.2, batch 32, 10 epochs.
No row selects anything on the validation records it reports: each PoseNet row keeps its LAST epoch (as `train_posenet`
and `make demo` do), and the baselines use the training split only.

Run by hand, after `make demo` (which renders the road and trains the library's recipe):
  `python benchmarks/accuracy.py --library_model output/demo/posenet.pth [--blog_minutes 10]`
or train the library's recipe here: `python benchmarks/accuracy.py [--root data/apolloscape] [--skip_blog]`.
Writes benchmarks/results/accuracy.{json,md}.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
from PIL import Image
from fastai.callback.core import Callback
from fastai.learner import CancelFitException
from _common import machine, save_results, md_machine
from apollo_posenet.synth.road import default_road
from apollo_posenet.data.fastai import apollo_dls
from apollo_posenet.learner import posenet_learner, fit_posenet
from apollo_posenet.checkpoint import save_posenet, load_posenet
from apollo_posenet.evaluate import error_summary, constant_pose_baseline
from apollo_posenet.runs import train_posenet, evaluate_posenet

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

def row(name, pred, targ, budget, seconds, selection):
    return dict(method=name, budget=budget, train_seconds=seconds, selection=selection, **error_summary(pred, targ))

def main(root='data/apolloscape', blog_minutes=10., blog_size=128, skip_blog=False, out='output/bench_accuracy', library_model=None):
    if library_model is not None:  # refuse a model whose epoch was picked on the validation split (written before the last-epoch rule)
        sel = load_posenet(library_model).config.get('epoch_selection')
        if sel != 'last': raise SystemExit(f"{library_model}: its epoch was selected on the validation split (epoch_selection={sel!r}); "
                                           "train it again with the current library (`make demo`) before reporting it")
    road = default_road(root)
    rows = []
    dls = apollo_dls(road.parent, road.name, size=32, bs=64, cache=False, progress=False)  # only for the split's poses
    (train_gt, _), (val_gt, _) = dls.train.dataset.sample_poses(), dls.valid.dataset.sample_poses()
    rows.append(row('constant pose (training mean)', constant_pose_baseline(train_gt, len(val_gt)), val_gt, '-', 0., 'none'))
    t0 = time.time()
    ft, fv = pixels(dls.train.dataset), pixels(dls.valid.dataset)
    nn_idx = np.concatenate([((fv[i:i+256, None] - ft[None])**2).sum(-1).argmin(1) for i in range(0, len(fv), 256)])
    rows.append(row('nearest neighbour (32x26 grey pixels)', train_gt[nn_idx], val_gt, '-', time.time() - t0, 'none'))
    print(rows, flush=True)
    if not skip_blog:
        dls = apollo_dls(road.parent, road.name, size=blog_size, bs=40, augment=False, progress=False)
        learn = posenet_learner(dls, preset='blog', pretrained=False, path=out + '/blog', cbs=[TimeBudget(blog_minutes * 60)])
        t0 = time.time()
        with learn.no_bar(): fit_posenet(learn, 1000)  # the preset's constant lr (1e-5) until the time budget ends
        secs = time.time() - t0; n_ep = len(learn.recorder.values)
        save_posenet(learn, out + '/blog/posenet.pth', road=road.name, epoch_selection='last')
        tbl, res = evaluate_posenet(out + '/blog/posenet.pth', road.parent, road.name, 'val')
        rows.append(row(f'blog recipe from random weights (ResNet-34, Adam at a constant 1e-5, learned sx/sq, {blog_size} px)', *res['PoseNet (val)'],
                        f'{n_ep} CPU epochs ({blog_minutes:g} min budget)', secs, 'last epoch'))
        print(rows[-1], flush=True)
    if library_model is None:  # train the recipe of `make demo` here
        t0 = time.time()
        train_posenet(road.parent, road.name, 'resnet18', '96', epochs=10, lr=4e-3, bs=32, beta=3., out=out + '/library', progress=False, force=True)
        secs, library_model = time.time() - t0, out + '/library/posenet.pth'
    else:  # the model `make demo` trained: its training time is in demo_summary.json beside it
        secs = json.loads((Path(library_model).parent/'demo_summary.json').read_text())['train_s']
    tbl, res = evaluate_posenet(library_model, road.parent, road.name, 'val')
    rows.append(row('library recipe (ResNet-18, 96 px, one-cycle, augmentation)', *res['PoseNet (val)'], '10 CPU epochs', secs, 'last epoch'))
    print(rows[-1], flush=True)
    mach = machine()
    md = "\n".join([f"### Accuracy on the validation records of the default synthetic road (`zpark-synth`, {len(val_gt)} images)", "", md_machine(mach), "",
        "| method | budget | epoch kept | train time (s) | median t (m) | mean t (m) | median rot (°) | mean rot (°) | within 5 m, 5° |", "|---|---|---|---|---|---|---|---|---|"]
        + [f"| {r['method']} | {r['budget']} | {r['selection'] if r['selection'] != 'none' else '-'} | {r['train_seconds']:.0f} | {r['t_median_m']:.1f} | {r['t_mean_m']:.1f} | {r['r_median_deg']:.2f} | {r['r_mean_deg']:.2f} | {r['within_5m_5deg']:.3f} |" for r in rows]
        + ["", "Nothing is selected on the validation records reported here: each PoseNet row keeps its last epoch, and the baselines see the training split only."]
        + ([] if mach['gpu'] else ["No GPU was available to this run, so there is no GPU row with a longer budget."]))
    save_results('accuracy', dict(machine=mach, rows=rows, protocol='validation records of trainval_split/val.txt; PoseNet rows keep their last epoch'), md)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='data/apolloscape'); p.add_argument('--blog_minutes', type=float, default=10.)
    p.add_argument('--blog_size', type=int, default=128); p.add_argument('--skip_blog', action='store_true')
    p.add_argument('--out', default='output/bench_accuracy')
    p.add_argument('--library_model', default=None, help="evaluate this `make demo` model (output/demo/posenet.pth) instead of training the recipe again")
    a = p.parse_args()
    main(a.root, a.blog_minutes, a.blog_size, a.skip_blog, a.out, a.library_model)
