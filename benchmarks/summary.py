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
    gpu = next((m['gpu'] for m in (x['machine'] for x in (ts, dc, inf) if x) if m.get('gpu')), None)
    if gpu is None:
        rows.append(('GPU training throughput, ResNet-34 at 224 px, mixed precision, channels-last', 'not measured',
                     'goal >= 3,000 img/s on an H100: no GPU was available to the session that ran these benchmarks', None))
    md = "\n".join(["### Speed summary", "", "| what | figure | note | machine |", "|---|---|---|---|"]
                   + [f"| {a} | {b} | {c} | {(m['cpu'] + (', ' + m['gpu'] if m.get('gpu') else ', no GPU')) if m else '-'} |" for a, b, c, m in rows])
    save_results('speed', dict(rows=[dict(what=a, figure=b, note=c, machine=m) for a, b, c, m in rows]), md)

if __name__ == '__main__': main()
