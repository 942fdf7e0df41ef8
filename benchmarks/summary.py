#!/usr/bin/env python
"""One speed table from the results of the other scripts (run them first): training ratio, data loading, inference, GPU.

Run by hand: `python benchmarks/summary.py`. Reads benchmarks/results/*.json, writes benchmarks/results/speed.{json,md}.
"""
import json
from _common import RESULTS, save_results

def load(name):
    p = RESULTS/f'{name}.json'
    return json.loads(p.read_text()) if p.exists() else None

def main():
    ts, dc, inf = load('train_speed'), load('data_cache'), load('inference')
    rows = []
    if ts: rows.append(('training, fastai Learner / plain PyTorch loop (images/s ratio, median of repeats)',
                        f"{ts['ratio_torch_adam']:.3f} (torch Adam), {ts['ratio_fastai_adam']:.3f} (fastai Adam)", f"goal >= 0.95; {ts['arch']}, {ts['size']} px, batch {ts['bs']}", ts['machine']))
    if dc:
        rows.append(('data loading, cached / uncached epoch (images/s ratio)', f"plain PyTorch DataLoader {dc['ratio_torch']:.1f}x, fastai DataLoader {dc['ratio_fastai']:.1f}x",
                     'goal >= 10', dc['machine']))
    if inf:
        for o in inf['rows']:
            rows.append((f"inference {o['arch']}, {o['size']} px", f"{o['latency_ms']:.1f} ms at batch 1, {o['throughput_img_s']:.1f} img/s at batch {o['batch']}", '', inf['machine']))
    ld, cb, g = load('loader'), load('cache_build'), load('gpu')
    if ld and 'ratio' in ld:
        rows.append(('batch loader over the cache / per-item fastai path (images/s ratio)', f"{ld['ratio']:.2f}", 'goal: no slower on the CPU', ld['machine']))
    if cb and cb.get('images_per_s'):
        rows.append((f"first cache build, {cb['full_size']} JPEGs (images/s)", ', '.join(f"{k}: {v:.0f}" for k, v in cb['images_per_s'].items()), '', cb['machine']))
    if g and 'resnet34' in g.get('library', {}) and 'ratio_to_model_alone' in g['library']['resnet34']:
        l = g['library']['resnet34']
        rows.append(('GPU training, ResNet-34 at 224 px, batch 128: library images/s (library / model alone, same precision)',
                     f"{l['images_per_s']:,.0f} ({l['ratio_to_model_alone']:.2f}; {l['precision']}, channels_last)", 'goal >= 0.80', g['machine']))
        if g.get('loader', {}).get('ratio_to_model_alone'):
            rows.append(('GPU cached loader alone / model alone (ResNet-34)', f"{g['loader']['ratio_to_model_alone']['resnet34']:.1f}x", 'goal >= 3x', g['machine']))
    else:
        rows.append(('GPU training throughput, ResNet-34 at 224 px, mixed precision, channels-last', 'not measured',
                     'run benchmarks/gpu.py on a GPU machine', None))
    md = "\n".join(["### Speed summary", "", "| what | figure | note | machine |", "|---|---|---|---|"]
                   + [f"| {a} | {b} | {c} | {(m['cpu'] + (', ' + m['gpu'] if m.get('gpu') else ', no GPU')) if m else '-'} |" for a, b, c, m in rows])
    save_results('speed', dict(rows=[dict(what=a, figure=b, note=c, machine=m) for a, b, c, m in rows]), md)

if __name__ == '__main__': main()
