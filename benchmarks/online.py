#!/usr/bin/env python
"""The online localizer (`apollo_posenet.localizer.Localizer`) measured as benchmarks/README.md says: every pose from the frames up to it only.

Sections (--only picks some):
  tune    the keyframe trade-off, decided on TRAINING records, each localized against the map WITHOUT its own record (leave-one-record-out):
          the map matched on every frame, every 2nd or every 5th frame; accuracy and time per stereo frame side by side; and the map fix's
          ratio test with twins (a point seen by several map frames) counted as one candidate (`same_px`, the default) or as rivals (0);
          and the map points' depth error in a fix's covariance (`map_disparity_px` 0, 0.5, 2 beside the default 1)
  val     the validation records of the road: the field's thresholds (failures as infinite errors), statuses, trust (the share within
          1 m and 2 deg among frames reported 'map' or 'odometry'), time per stereo frame (wall time of `step`, median and 95th percentile);
          also the plot of predicted sigma against the actual error (online_sigma.png) and each status's precision
  coldtune  the relocalization's settings, decided on TRAINING records (leave-one-record-out): cold starts with the default settings, without
          the guided fixes from the best-ranked places (`seed_places` 0), and keeping an unconfirmed relocalization (`retry` 8)
  cold    cold start: --starts random frames of the validation records, no prior and no network: frames until the first correct fix
          ('map' status within 0.25 m and 2 deg), counting the starting frame as 1
  kidnap  streams that jump from one validation record to another mid-way: frames until the jump is detected (a frame not 'map'
          or 'odometry') and until it is recovered (a 'map' frame within 0.25 m and 2 deg of the new place); wrong 'map' frames between
  seeds   the 'val' section on other roads (--seed_roads NAME=MAP ..., rendered with `apollo_synth --seed N` and mapped by `apollo_map`)
  texture the 'val' section on the default road rendered with richer surfaces (--rich_map: `apollo_synth --texture rich`, mapped by `apollo_map`),
          beside the default road's 'val' row, with the map points per frame of both maps
  real    the real ZPark image size: --real_map, the map of a small road rendered at 2452x2056 (`apollo_synth --size 2056,2452 --records 3
          --frames 8`, `apollo_map`), its validation record localized with images resized to each of --sides (0: full size); accuracy and step
Results: benchmarks/results/online_localization.{json,md}; sections not run are kept from the previous file. Timings are only meaningful
with nothing else running on the machine. Nothing here chooses a setting on the validation records: `tune` uses training records.

  python benchmarks/online.py --map output/demo/map
  python benchmarks/online.py --map output/demo/map --only seeds --seed_roads seed1=/tmp/s1/output/map
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np, pandas as pd, cv2
from _common import machine, md_machine, save_results, RESULTS
from apollo_posenet.localizer import Localizer, LocalizerConf, STATUSES
from apollo_posenet.geometry.map import load_map
from apollo_posenet.data.layout import list_records
from apollo_posenet.online import stereo_stream, online_scores, localize_stream, map_rig, stream_truth

SECTIONS = ('tune', 'coldtune', 'val', 'cold', 'kidnap', 'seeds', 'texture', 'real')
GOOD = (0.25, 2.)  # a correct fix: the field's finest threshold

def setup(map_path):
    "The map, its road folder, the rig calibrated on the map's training records, the validation records (the road's records the map does not hold)."
    m = load_map(map_path); road = Path(m.meta['road_path']); rig = map_rig(m, road)
    return m, road, rig, [r for r in list_records(road) if r not in m.meta['records']]

def run(loc, road, rec, pairs)->pd.DataFrame:
    "`localize_stream` over `pairs` of record `rec`, with errors against its true poses and the largest translation sigma."
    df = localize_stream(loc, pairs, progress=False, truth=stream_truth(road, rec, loc.rig.ref, pairs))
    df['sigma_t'] = df[['sigma_tx', 'sigma_ty', 'sigma_tz']].max(axis=1); df.insert(0, 'record', rec)
    return df

def records_run(m, road, rig, recs, conf=None, loo=False, model=None)->pd.DataFrame:
    "Every frame of each record, a fresh localizer per record (its own record left out of the map with `loo`)."
    out = []
    for rec in recs:
        loc = Localizer(m, rig, model, conf=conf, exclude_records=[rec] if loo else None)
        out.append(run(loc, road, rec, stereo_stream(rig.ref, rig.other, road, rec))); print(f"  {rec}: {out[-1].status.value_counts().to_dict()}", flush=True)
    return pd.concat(out, ignore_index=True)

def sigma_plot(df, fn):
    "Predicted largest translation sigma against the actual translation error, coloured by status."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 5))
    for st, c in (('map', 'tab:green'), ('odometry', 'tab:orange'), ('network', 'tab:purple')):
        d = df[(df.status == st) & np.isfinite(df.sigma_t) & np.isfinite(df.err_t)]
        if len(d): ax.scatter(d.sigma_t, d.err_t.clip(1e-3), s=7, c=c, label=f'{st} ({len(d)} frames)', alpha=0.6)
    lim = np.array([1e-3, 1e3]); ax.plot(lim, lim, 'k--', lw=0.8, label='error = sigma'); ax.plot(lim, 3*lim, 'k:', lw=0.8, label='error = 3 sigma')
    ax.set(xscale='log', yscale='log', xlim=(3e-3, 30), ylim=(1e-3, 100), xlabel='predicted sigma of the position, largest axis (m)',
           ylabel='actual position error (m)', title='Online localizer on the validation records:\npredicted sigma against the actual error')
    ax.legend(fontsize=8, loc='upper left'); fig.tight_layout(); fig.savefig(fn, dpi=110); plt.close(fig)

def precision(df)->dict:
    "Per status: frames, and the share within (1 m, 2 deg) and within (0.25 m, 2 deg)."
    res = {}
    for st in STATUSES:
        d = df[df.status == st]
        res[st] = dict(frames=len(d), within_1m_2deg=float(((d.err_t <= 1) & (d.err_r <= 2)).mean()) if len(d) else None,
                       within_025m_2deg=float(((d.err_t <= GOOD[0]) & (d.err_r <= GOOD[1])).mean()) if len(d) else None)
    return res

def covered(m, rec, T, within=6.)->bool:
    "Whether a map frame of another record than `rec` lies within `within` m of pose `T`, heading within 45 deg: a place the map holds without `rec`."
    u = np.array([f['record'] != rec for f in m.frames]); d = np.linalg.norm(m.T[u, :3, 3] - T[:3, 3], axis=1)
    same = m.T[u, :3, 2] @ T[:3, 2] > np.cos(np.radians(45))
    return bool(same.any() and d[same].min() < within)

def cold(m, road, rig, recs, n, seed=0, horizon=8, conf=None, loo=False)->dict:
    "Random starts with no prior and no network: frames until the first correct fix (None if none within `horizon` frames). With `loo` (training records): each record's own frames left out of the map, and only starts whose first 3 frames the rest of the map covers (`covered`)."
    rng, out = np.random.default_rng(seed), []
    streams = {r: stereo_stream(rig.ref, rig.other, road, r) for r in recs}
    locs = {r: Localizer(m, rig, conf=conf, exclude_records=[r] if loo else None) for r in recs}
    truth = {r: stream_truth(road, r, rig.ref, streams[r]) for r in recs} if loo else {}
    while len(out) < n:
        r = recs[rng.integers(len(recs))]; p = streams[r]; i = int(rng.integers(len(p) - horizon)); loc = locs[r]
        if loo and not all(covered(m, r, T) for T in truth[r][i:i + 3]): continue
        loc.reset(); df = run(loc, road, r, p[i:i + horizon])
        ok = (df.status == 'map') & (df.err_t <= GOOD[0]) & (df.err_r <= GOOD[1])
        wrong = int(((df.status == 'map') & ~((df.err_t <= 1) & (df.err_r <= 2))).sum())
        out.append(dict(record=r, start=i, frames=int(np.argmax(ok.to_numpy())) + 1 if ok.any() else None, wrong_map=wrong,
                        first_latency_s=float(df.latency_s.iloc[0])))
    f = np.array([o['frames'] if o['frames'] else np.inf for o in out])
    return dict(starts=n, horizon=horizon, seed=seed, within_1=float((f <= 1).mean()), within_3=float((f <= 3).mean()), within_horizon=float(np.isfinite(f).mean()),
                median_frames=float(np.median(f)), wrong_map=int(sum(o['wrong_map'] for o in out)),
                first_frame_s_median=float(np.median([o['first_latency_s'] for o in out])), detail=out)

def kidnap(m, road, rig, recs, at=60, after=30)->dict:
    "Each validation record driven to frame `at`, then the next record from its frame `at` on: detection, recovery, wrong 'map' frames."
    out = []
    for r1, r2 in zip(recs, recs[1:] + recs[:1]):
        p1, p2 = stereo_stream(rig.ref, rig.other, road, r1), stereo_stream(rig.ref, rig.other, road, r2)
        t0 = p1[at - 1][2]; jump = [(a, b, t0 + 1 + j) for j, (a, b, _) in enumerate(p2[at:at + after])]  # one second per frame, as the road's camera
        loc = Localizer(m, rig); before = run(loc, road, r1, p1[:at]); df = run(loc, road, r2, jump)
        bad = ~((df.err_t <= 1) & (df.err_r <= 2))
        det = next((j + 1 for j, st in enumerate(df.status) if st not in ('map', 'odometry')), None)
        good = (df.status == 'map') & (df.err_t <= GOOD[0]) & (df.err_r <= GOOD[1])
        out.append(dict(from_=r1, to=r2, at=at, before_map=int((before.status == 'map').sum()), detected=det,
                        recovered=int(np.argmax(good.to_numpy())) + 1 if good.any() else None,
                        wrong_map=int((bad & (df.status == 'map')).sum()), wrong_odometry=int((bad & (df.status == 'odometry')).sum())))
    return dict(jumps=out, after=after)

def stamp()->dict:
    "When a section was measured and the machine's load average (1 min) then: a section's times mean something only on an idle machine."
    return dict(measured=time.strftime('%Y-%m-%d %H:%M'), load_avg=round(os.getloadavg()[0], 1))

def when(d)->str:
    "The section's measurement stamp as a sentence ('' for results written before sections had one)."
    return f" Measured {d['measured']}, load average (1 min) {d['load_avg']} at the start on {os.cpu_count()} cores." if isinstance(d, dict) and 'measured' in d else ''

def pct(v): return 'n/a' if v is None or not np.isfinite(v) else f"{100*v:.1f}"

def fmt_row(name, s)->str:
    return (f"| {name} | {s['frames']} | {s['t_median_m']:.3f} / {s['r_median_deg']:.3f} | {pct(s['within_0p25m_2deg'])} | {pct(s['within_0p5m_5deg'])} | "
            f"{pct(s['within_5m_10deg'])} | {pct(s['within_0p5m_0p5deg'])} | {s['map']} / {s['odometry']} / {s['network']} / {s['lost']} | "
            f"{pct(s['trust_1m_2deg'])} | {s['s_pair_median']*1000:.0f} / {s['s_pair_p95']*1000:.0f} |")

HEAD = ("| run | stereo frames | median (m / °) | % (0.25 m, 2°) | % (0.5 m, 5°) | % (5 m, 10°) | % 0.5 m/0.5° | map / odometry / network / lost | "
        "trust % (1 m, 2°) | step median / p95 (ms) |\n|---|---|---|---|---|---|---|---|---|---|")

def markdown(R)->str:
    mc = R['machine']; L = ["# Online localization: the `Localizer`, frame by frame, each pose from that frame and earlier ones only", "",
        "Every row here is **online (causal)**: the pose of frame k is the `Localizer`'s answer at frame k, from frames 0..k of the record, as a car "
        "would have it; no row uses a later frame (the whole-record rows of [accuracy.md](accuracy.md) do). A frame without a pose counts as an "
        "infinite error, whatever its status. **Trust** is the share within (1 m, 2°) of the frames the localizer reported `map` or `odometry` "
        "(those a car would use). The time per stereo frame is the wall time of `step` (both images: feature extraction, stereo depth, odometry, the "
        f"map fix, the smoother), one record at a time, {R.get('cv2_threads', '?')} OpenCV threads and {R.get('torch_threads', '?')} torch threads. No network: "
        "the cold start and relocalization use global retrieval in the map, with no prior.", "", md_machine(mc), ""]
    if 'tune' in R:
        L += ["## Settings decided on training records: keyframes, the ratio test, the map points' depth error", "",
              f"Training records {', '.join(R['tune']['records'])}, each localized against the map without its own record (leave-one-record-out), "
              "so nothing is chosen on the validation records. Between keyframes the pose is carried by the odometry alone. The last row is the map fix "
              "with the older ratio test, where the same point seen by another map frame is a keypoint's rival (`same_px` 0); the `map_disparity_px` rows "
              "give a map fix's covariance another share of its map points' depth error (the default's row is `map every 1 frame`)." + when(R['tune']), "", HEAD]
        L += [fmt_row(k, s) for k, s in R['tune']['rows'].items()]
        L += ["", R['tune'].get('decision', ''), ""]
    if 'coldtune' in R:
        c = R['coldtune']; L += ["## Relocalization: its settings (decided on training records)", "",
              f"{c['starts']} random cold starts (seed {c['seed']}) in the training records {', '.join(c['records'])}, each localized against the map without its own record "
              "(leave-one-record-out), only at places the rest of the map holds (a map frame of another record within 6 m and 45° of each of the first 3 frames: "
              "that is as near as the validation records' frames come to the map's; without its own record, Record004 drives 20–60 m from any map frame for a "
              "while). No prior, no network. `seed_places`: when the global search finds nothing, guided fixes from the poses of the best-ranked map frames of "
              "that many places; `retry`: frames a relocalization waits for a confirming fix before the whole map is searched again." + when(c), "",
              "| settings | first correct fix within 3 frames (%) | within 8 frames (%) | wrong `map` frames | first frame, median (ms) |", "|---|---|---|---|---|"]
        L += [f"| {k} | {pct(r['within_3'])} | {pct(r['within_horizon'])} | {r['wrong_map']} | {1000*r['first_frame_s_median']:.0f} |" for k, r in c['rows'].items()] + [""]
    if 'val' in R:
        v = R['val']; L += ["## Validation records of the default road", "", f"Map `{v['map']}` (records {', '.join(v['map_records'])}); "
              f"validation records {', '.join(v['records'])}; settings `LocalizerConf()` (the defaults)." + when(v), "", HEAD]
        L += [fmt_row(k, s) for k, s in v['rows'].items()]
        L += ["", "Precision of each status (validation frames):", "", "| status | frames | % within (1 m, 2°) | % within (0.25 m, 2°) |", "|---|---|---|---|"]
        L += [f"| {st} | {p['frames']} | {pct(p['within_1m_2deg'])} | {pct(p['within_025m_2deg'])} |" for st, p in v['precision'].items()]
        if 'network' in v:
            L += ["", f"With the network (`{v['network']['model']}`) as the prior of the global search (the demo's and `apollo_eval --online`'s configuration): "
                  "frames with no map fix then report the network's pose as `network`, never trusted.", "", HEAD, fmt_row('all, with the network', v['network']['all'])]
        L += ["", "Predicted sigma against the actual error:", "", "![sigma against error](online_sigma.png)", ""]
    if 'cold' in R:
        c = R['cold']; L += ["## Cold start: no prior, no network", "",
              f"{c['starts']} random starts in the validation records (seed {c['seed']}), the localizer `reset` and fed from the start frame on: "
              f"the first correct fix ('map' within 0.25 m and 2°) came on the first frame for {pct(c['within_1'])} % of the starts, within 3 frames for "
              f"{pct(c['within_3'])} %, within {c['horizon']} frames for {pct(c['within_horizon'])} %; {c['wrong_map']} frames reported 'map' more than "
              f"1 m or 2° off. The first frame of a start (a global search of the whole map) takes {1000*c['first_frame_s_median']:.0f} ms (median)." + when(c), ""]
    if 'kidnap' in R:
        k = R['kidnap']; L += ["## Kidnapping: the stream jumps to another record mid-way", "",
              f"Each validation record to frame {k['jumps'][0]['at']}, then the next record from its frame {k['jumps'][0]['at']} on ({k['after']} frames). "
              "Detected: the first frame after the jump not reported `map` or `odometry` (1 = the first frame of the new place); recovered: the first "
              "`map` frame within (0.25 m, 2°) of the new place; wrong: frames reported `map` (or `odometry`) more than 1 m or 2° off after the jump." + when(k), "",
              "| from → to | map frames before the jump | detected at frame | recovered at frame | wrong map | wrong odometry |", "|---|---|---|---|---|---|"]
        L += [f"| {j['from_']} → {j['to']} | {j['before_map']} of {j['at']} | {j['detected'] or 'never'} | {j['recovered'] or 'never'} | {j['wrong_map']} | {j['wrong_odometry']} |" for j in k['jumps']]
        L += [""]
    if 'seeds' in R:
        L += ["## Roads rendered with other seeds", "", "Each road rendered by `apollo_synth --seed N` (the `make demo` recipe otherwise), its map built by "
              "`apollo_map` from its training records, and its validation records localized with the default settings (nothing tuned on these roads)." + ''.join(f" {k}:{when(v.get('stamp'))}" for k, v in R['seeds'].items() if v.get('stamp')), "", HEAD]
        L += [fmt_row(k, s['all']) for k, s in R['seeds'].items()]
        L += [""]
    if 'texture' in R and 'val' in R:
        t = R['texture']; pp = t['points_per_frame']
        L += ["## Richer surfaces: the same road with `texture='rich'`", "", "The default road rendered again with `apollo_synth --texture rich` (the same world, "
              "drives, light and depth; stains, repairs, tiles and posters on its surfaces: `synth.render`), mapped by `apollo_map` and localized with the "
              f"default settings. Its map keeps {pp['rich']:.0f} points per frame against {pp['plain']:.0f} on the default road ({pp['rich']/pp['plain']:.2f} times; "
              "real stereo driving images at 1226x370 give about 2.7 times the default road's per pixel). The default road's row is the validation row above." + when(t), "", HEAD,
              fmt_row("default road (texture 'plain')", R['val']['rows']['all']), fmt_row("texture 'rich'", t['rows']['all']), ""]
    if 'real' in R:
        r = R['real']; L += ["## The real image size, 2452x2056", "", f"A small road rendered at {r['size'][1]}x{r['size'][0]} (`apollo_synth --size 2056,2452 --records 3 --frames 8`), "
              f"its map built at full size by `apollo_map` (training records), and its validation record{'s' if len(r['records']) > 1 else ''} {', '.join(r['records'])} "
              f"({r['frames_per_record']} frames each) localized with the images resized to a longer side of at most `max_side` before features and stereo "
              "(the intrinsics scaled with them). Few frames: the times are the point here, the accuracy only a check." + when(r), "", HEAD]
        L += [fmt_row(k, s) for k, s in r['rows'].items()] + [""]
    L += ["## Goals of issue 22 and where this stands", ""] + R.get('goals', [])
    return '\n'.join(L)

def goals(R)->list:
    "The issue's goals, each with the measured figure beside it."
    out = []
    def g(name, ok, fig): out.append(f"- {'met' if ok else '**not met**'}: {name}: {fig}")
    if 'val' in R:
        a = R['val']['rows']['all']
        g('95 % within (0.25 m, 2°)', a['within_0p25m_2deg'] >= .95, f"{pct(a['within_0p25m_2deg'])} %")
        g('99 % within (0.5 m, 5°)', a['within_0p5m_5deg'] >= .99, f"{pct(a['within_0p5m_5deg'])} %")
        g('median at most 0.10 m and 0.15°', a['t_median_m'] <= .1 and a['r_median_deg'] <= .15, f"{a['t_median_m']:.3f} m, {a['r_median_deg']:.3f}°")
        g('step at 424x340: median at most 100 ms, p95 at most 150 ms', a['s_pair_median'] <= .1 and a['s_pair_p95'] <= .15, f"{1000*a['s_pair_median']:.0f} / {1000*a['s_pair_p95']:.0f} ms")
        g('trust: 99.5 % within (1 m, 2°) among map/odometry frames', a['trust_1m_2deg'] >= .995, f"{pct(a['trust_1m_2deg'])} %")
    if 'cold' in R: g('cold start: first correct fix within 3 frames for 95 % of the starts', R['cold']['within_3'] >= .95, f"{pct(R['cold']['within_3'])} %")
    if 'kidnap' in R:
        J = R['kidnap']['jumps']; ok = all(j['detected'] and j['recovered'] and j['recovered'] <= 5 and j['wrong_map'] == 0 for j in J)
        g('kidnapping: detected and recovered within 5 frames, no wrong map frame', ok, ', '.join(f"{j['detected'] or 'never'}/{j['recovered'] or 'never'}/{j['wrong_map']}" for j in J) + " (detected/recovered/wrong map per jump)")
    if 'seeds' in R:
        for k, s in R['seeds'].items(): a = s['all']; g(f'{k}: the accuracy goals', a['within_0p25m_2deg'] >= .95 and a['within_0p5m_5deg'] >= .99, f"{pct(a['within_0p25m_2deg'])} % / {pct(a['within_0p5m_5deg'])} %")
    if 'real' in R:
        for k, s in R['real']['rows'].items(): g(f'2452x2056, {k}: step median at most 300 ms', s['s_pair_median'] <= .3, f"{1000*s['s_pair_median']:.0f} ms, {pct(s['within_0p25m_2deg'])} % within (0.25 m, 2°)")
    return out

def scores_of(df)->dict: return {**{r: online_scores(d) for r, d in df.groupby('record')}, 'all': online_scores(df)}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--map', default='output/demo/map'); p.add_argument('--only', nargs='*', default=list(SECTIONS), choices=SECTIONS)
    p.add_argument('--tune_records', nargs='*', default=None, help="training records of the 'tune' section (default: every record of the map)")
    p.add_argument('--coldtune_records', nargs='*', default=['Record001', 'Record004', 'Record008']); p.add_argument('--starts', type=int, default=50); p.add_argument('--tune_starts', type=int, default=45)
    p.add_argument('--seed_roads', nargs='*', default=[]); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--model', default=None, help="a PoseNet checkpoint: 'val' also runs with the network as the prior of the global search")
    p.add_argument('--rich_map', default=None, help="the map of the default road rendered with `apollo_synth --texture rich` (section 'texture')")
    p.add_argument('--real_map', default=None); p.add_argument('--sides', nargs='*', type=int, default=[0, 1600, 1024, 640])
    a = p.parse_args(); cv2.setNumThreads(a.threads)
    import torch; torch.set_num_threads(a.threads)
    fn = RESULTS/'online_localization.json'; R = json.loads(fn.read_text()) if fn.exists() else {}
    R.update(machine=machine(), cv2_threads=a.threads, torch_threads=a.threads)
    m, road, rig, val = setup(a.map)
    if 'tune' in a.only:
        rows, st, recs = {}, stamp(), a.tune_records or m.meta['records']
        for n in (1, 2, 5):
            print(f"tune: map every {n}", flush=True); t = time.time()
            rows[f'map every {n} frame{"s" if n > 1 else ""}'] = online_scores(records_run(m, road, rig, recs, LocalizerConf(map_every=n), loo=True)); print(f"  {time.time() - t:.0f} s")
        print("tune: every candidate a rival in the map fix's ratio test (same_px 0)", flush=True)
        rows['map every 1 frame, same_px 0'] = online_scores(records_run(m, road, rig, recs, LocalizerConf(same_px=0.), loo=True))
        for d in (0., 0.5, 2.):
            print(f"tune: the map's points in a fix's covariance as a disparity error of {d:g} px", flush=True)
            rows[f'map every 1 frame, map_disparity_px {d:g}'] = online_scores(records_run(m, road, rig, recs, LocalizerConf(map_disparity_px=d), loo=True))
        R['tune'] = dict(records=recs, rows=rows, **st)
        c = LocalizerConf()
        R['tune']['decision'] = (f"Defaults `map_every` = {c.map_every}, `same_px` = {c.same_px:g} (the `same_px 0` row: the map fix's ratio test against "
            f"every candidate, including the same point seen by another map frame), `map_disparity_px` = {c.map_disparity_px:g} (the `map_disparity_px` rows: "
            "how much a fix's covariance counts the depth error of its map points; 0 takes them as exact). " + '; '.join(
            f"{k}: {pct(s['within_0p25m_2deg'])} % within (0.25 m, 2°), trust {pct(s['trust_1m_2deg'])} %, step {1000*s['s_pair_median']:.0f} ms median" for k, s in rows.items()) + '.')
    if 'coldtune' in a.only:
        rows, st = {}, stamp()
        for name, conf in (('defaults (seed_places 8, retry 2)', LocalizerConf()), ('seed_places 0', LocalizerConf(seed_places=0)), ('retry 8', LocalizerConf(retry=8))):
            print(f'coldtune: {name}', flush=True); rows[name] = cold(m, road, rig, a.coldtune_records, a.tune_starts, conf=conf, loo=True)
        R['coldtune'] = dict(records=a.coldtune_records, starts=a.tune_starts, seed=0, rows=rows, **st)
    if 'val' in a.only:
        print('val', flush=True); st = stamp(); df = records_run(m, road, rig, val)
        R['val'] = dict(**st, map=str(a.map), map_records=m.meta['records'], records=val, rows=scores_of(df), precision=precision(df))
        sigma_plot(df, RESULTS/'online_sigma.png'); df.to_csv(RESULTS/'online_val_frames.csv.gz', index=False, float_format='%.5g')
        if a.model:
            print('val with the network', flush=True); dn = records_run(m, road, rig, val, model=a.model)
            R['val']['network'] = dict(model=a.model, all=online_scores(dn), precision=precision(dn))
    if 'cold' in a.only: print('cold', flush=True); st = stamp(); R['cold'] = {**cold(m, road, rig, val, a.starts), **st}
    if 'kidnap' in a.only: print('kidnap', flush=True); st = stamp(); R['kidnap'] = {**kidnap(m, road, rig, val), **st}
    if 'seeds' in a.only and a.seed_roads:
        R['seeds'] = R.get('seeds', {})
        for spec in a.seed_roads:
            name, mp = spec.split('=', 1); print(f'seeds: {name}', flush=True)
            sm, sroad, srig, sval = setup(mp); st = stamp(); R['seeds'][name] = {**scores_of(records_run(sm, sroad, srig, sval)), 'stamp': st}
    if 'texture' in a.only and a.rich_map:
        print('texture: rich', flush=True); tm, troad, trig, tval = setup(a.rich_map); st = stamp()
        texture = json.loads((troad/'synth.json').read_text()).get('texture', 'plain')
        if texture != 'rich': raise SystemExit(f"--rich_map {a.rich_map}: its road {troad} was rendered with texture {texture!r}, not 'rich'")
        R['texture'] = dict(**st, map=str(a.rich_map), records=tval, points_per_frame=dict(plain=m.meta['n_points']/m.meta['n_frames'], rich=tm.meta['n_points']/tm.meta['n_frames']),
                            rows=scores_of(records_run(tm, troad, trig, tval)))
    if 'real' in a.only and a.real_map:
        rm, rroad, rrig, rval = setup(a.real_map); rows, st = {}, stamp()
        for side in a.sides:
            print(f'real: max_side {side}', flush=True)
            rows[f"{'full size' if side == 0 else f'max side {side}'}"] = online_scores(records_run(rm, rroad, rrig, rval, LocalizerConf(max_side=side)))
        R['real'] = dict(**st, map=str(a.real_map), size=list(rrig.size), records=rval, frames_per_record=len(stereo_stream(rrig.ref, rrig.other, rroad, rval[0])), rows=rows)
    R['goals'] = goals(R)
    save_results('online_localization', R, markdown(R))

if __name__ == '__main__': main()
