#!/usr/bin/env python
"""Every localization method of the library per condition (issue 23), as the long-term localization benchmarks score them
(RobotCar Seasons, Aachen Day-Night; Sattler et al., CVPR 2018): the map in one condition (day), the queries of each condition
scored separately, % within (0.25 m, 2 deg) / (0.5 m, 5 deg) / (5 m, 10 deg), a query without a pose as an infinite error.

1. Render the conditions road: --records map records in daylight (the training split), then two query records per condition
   (the validation split), one each way, at the default road's 340x424 (`apollo_synth --conditions ...`); the render time is recorded.
2. The network: --model, a PoseNet trained on the map records. The conditions road's map records are the default road's training
   records byte for byte (same seed and records; checked here on every image), so the demo's model (`make demo`:
   output/demo/posenet.pth) is a model of these records. Without --model, the demo's recipe trains one on this road.
3. The map of the training records (`apollo_map`).
4. `conditions_eval.evaluate_conditions`: PoseNet, + fusion (whole records), + refinement, + both, refinement without a prior
   (retrieval + PnP), retrieval (the first map frame's pose), the online localizer; each on the map camera's image of every stereo frame.

Results: benchmarks/results/conditions.{json,md} and conditions.png. Timings only mean something with nothing else running.
Nothing here is chosen on the query records: every method runs with the library's defaults.

--only_online measures the online localizer's row again after a change to it (steps 1, 3 and its part of 4: about 25 min instead of 75)
and keeps every other row, its query errors and its times from the last full run (conditions_errors.csv.gz, conditions.json); the
table says which rows were measured when, and at which commit.

  python benchmarks/conditions.py --model output/demo/posenet.pth --default_road data/apolloscape/zpark-synth
"""
import argparse, hashlib, json, shutil, subprocess, time
from pathlib import Path
from _common import machine, md_machine, save_results, RESULTS
from apollo_posenet.synth.road import make_road
from apollo_posenet.geometry.map import build_map
import pandas as pd
from apollo_posenet.conditions_eval import evaluate_conditions, conditions_markdown, condition_table, online_errors, road_conditions, write_conditions
from apollo_posenet.online import evaluate_online, unmapped_records
from apollo_posenet.metrics import within_name

CONDS = ('day', 'dawn', 'dusk', 'night', 'rain', 'fog', 'traffic', 'changed')

def sha(p): return hashlib.sha1(Path(p).read_bytes()).hexdigest()

def same_training_images(road:Path, other:Path)->int:
    "The number of training images of `road` checked byte-identical to `other`'s; an error naming the first that differs."
    recs = json.loads((road/'synth.json').read_text())['train_records']
    files = [p for r in recs for p in sorted((road/'image'/r).rglob('*.jpg'))]
    for p in files:
        q = other/p.relative_to(road)
        if not q.is_file() or sha(p) != sha(q): raise SystemExit(f"{p}: differs from {q}: the model of {other.name} is not a model of these map records; train one (leave out --model)")
    return len(files)

def train(root, road, out):
    "The demo's recipe (`apollo_demo`'s training: ResNet-18, 96 px, one-cycle, 10 epochs) on the road's training records."
    from apollo_posenet.training import train_posenet
    t0 = time.time(); train_posenet(root, road, 'resnet18', '96', epochs=10, out=out, progress=True, force=True)
    return Path(out)/'posenet.pth', time.time() - t0

def commit()->str:
    "The repository's commit (short hash; '+' when the working tree has changes)."
    h = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'
    return h + ('+' if subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], capture_output=True, text=True).stdout.strip() else '')

def online_again(model, mp, road:Path, out:Path, mach:dict)->tuple:
    "`evaluate_conditions`' `(table, errors, info)` and a sentence for the markdown, with the online localizer measured now and every other row kept from the last full run."
    prev = json.loads((RESULTS/'conditions.json').read_text()); full = prev.get('full_run', prev['machine'])  # the machine record of the last full run
    old = pd.read_csv(RESULTS/'conditions_errors.csv.gz')
    recs = unmapped_records(mp, road)  # the map is read once here, not once per use
    if set(old.record) != set(recs): raise SystemExit(f"{RESULTS/'conditions_errors.csv.gz'}: its query records are not this road's: run the full benchmark")
    rows, sc = evaluate_online(mp, road, recs, model=model, progress=True)
    errs = pd.concat([old[old.method != 'online localizer'], online_errors(rows)], ignore_index=True)
    conds = road_conditions(road); table = condition_table(errs, conds)
    extra = pd.DataFrame(prev['extra']).T.reindex(table.index)
    extra.loc['online localizer', 'ms per stereo frame (median / p95)'] = f"{1e3*sc.loc['all', 's_pair_median']:.0f} / {1e3*sc.loc['all', 's_pair_p95']:.0f}"
    write_conditions(out, table, errs, conds, extra)
    again = (f" The online localizer's row was measured again on {mach['date']} at commit {commit()} (`--only_online`, the evaluation time above is its own); "
             f"every other row (its query errors and times) is that of the full run of {full['date']}.")
    return table, errs, dict(extra=extra, full_run=full), again

def main(a):
    root = Path(a.out)/'data'; t0 = time.time()
    road = make_road(root, 'zpark-cond', records=a.records, frames=a.frames, conditions=tuple(a.conditions), progress=True)
    render_s = json.loads((road/'synth.json').read_text())['seconds']
    if a.model:
        n = same_training_images(road, Path(a.default_road)); model, train_s = a.model, None
        how = f"the demo's model (`make demo`: output/demo/posenet.pth, 10 CPU epochs), trained on the default road's training records; these map records' {n} images are byte-identical to them (checked)"
    else:
        model, train_s = train(root, road.name, Path(a.out)/'posenet'); how = f"trained here with the demo's recipe in {train_s/60:.1f} min"
    t1 = time.time(); mp = build_map(root, road.name, Path(a.out)/'map', progress=True); map_s = time.time() - t1
    t2 = time.time(); mach = machine(); again = ''
    if a.only_online: table, errs, info, again = online_again(model, mp, road, Path(a.out)/'eval', mach)
    else: table, errs, info = evaluate_conditions(model, mp, root, road.name, Path(a.out)/'eval', progress=True)
    eval_s = time.time() - t2
    shutil.copy(Path(a.out)/'eval'/'conditions.png', RESULTS/'conditions.png')
    errs.to_csv(RESULTS/'conditions_errors.csv.gz', index=False, float_format='%.5g')
    nq = {c: int(table[(c, 'queries')].max()) for c in table.columns.get_level_values(0).unique()}
    best = table.xs(within_name(0.5, 5.), axis=1, level=1)
    night_loss = {k: float(best.loc[k, 'day'] - best.loc[k, 'night']) for k in table.index if 'night' in best.columns}
    md = "\n".join([
        "### Localization per condition (issue 23)", "",
        md_machine(mach) + f" Conditions road `zpark-cond`: {a.records} map records in daylight, then two query records per condition "
        f"(one each way), {a.frames} stereo frames each, 340x424; rendered in {render_s/60:.1f} min. Map: `apollo_map` of the map records "
        f"({map_s/60:.1f} min). Network: {how}. Evaluation: {eval_s/60:.1f} min." + again, "",
        "Each cell: % of queries within (0.25 m, 2°) / (0.5 m, 5°) / (5 m, 10°), and the median translation error; a query without a pose counts "
        "as an infinite error. A query is the map camera's (Camera_2) image of a stereo frame; the header gives each condition's count. "
        "'later frames': whether a pose uses frames after it (a pose graph over the whole record); a car can use only the rows that do not. "
        "Time per stereo frame: everything the row's method does for one stereo frame, median / 95th percentile, on the 2 cores "
        "(the rows after PoseNet add up their stages). Every method runs with the library's defaults; nothing was chosen on the query records.", "",
        conditions_markdown(table, info['extra']), "",
        "Within (0.5 m, 5°), the points each method loses at night against day (negative: it gains): " + ', '.join(f"{k} {100*v:.1f}" for k, v in night_loss.items()) + ".",
        "", "![errors per condition](conditions.png)", "",
        "Re-run: `python benchmarks/conditions.py --model output/demo/posenet.pth --default_road data/apolloscape/zpark-synth` "
        "(errors of every query: `conditions_errors.csv.gz`)."])
    flat = table.copy(); flat.columns = [f'{c}/{s}' for c, s in table.columns]
    save_results('conditions', dict(machine=mach, records=a.records, frames=a.frames, conditions=list(a.conditions), queries=nq,
                                    condition_presets=json.loads((road/'synth.json').read_text()).get('condition_presets'),  # what the road was rendered with (the README checks it)
                                    render_s=render_s, map_s=map_s, eval_s=eval_s, train_s=train_s, model=str(model), network=how,
                                    table=json.loads(flat.to_json(orient='index')), extra=info['extra'].to_dict(orient='index'),
                                    night_loss_0p5m_5deg=night_loss, seconds=time.time() - t0,
                                    full_run=info.get('full_run', mach)), md)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--out', default='output/bench_conditions', help='folder for the road, the map and the evaluation')
    p.add_argument('--records', type=int, default=9, help='map records (day): 9 are the default road training records')
    p.add_argument('--frames', type=int, default=120)
    p.add_argument('--conditions', nargs='+', default=list(CONDS))
    p.add_argument('--model', default=None, help='a PoseNet trained on the map records (the demo model: with --default_road)')
    p.add_argument('--only_online', action='store_true', help="measure the online localizer's row again; keep the other rows from the last full run")
    p.add_argument('--default_road', default='data/apolloscape/zpark-synth', help="the road --model was trained on: its training images are compared")
    main(p.parse_args())
