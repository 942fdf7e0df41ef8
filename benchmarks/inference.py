#!/usr/bin/env python
"""Inference latency (batch 1) and throughput (batch 32) of PoseNet with ResNet-18/34/50 backbones.

Run by hand: `python benchmarks/inference.py [--size 224] [--device cpu|cuda] [--reps 5]`.
Writes benchmarks/results/inference[_cuda].{json,md}. Weights are random (speed does not depend on them).
"""
import argparse, statistics, time
import torch
from _common import machine, save_results, md_machine
from apollo_posenet.models.posenet import PoseNet

def timeit(f, reps, sync):
    ts = []
    for _ in range(reps):
        sync(); t0 = time.perf_counter(); f(); sync(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def main(size=224, device='cpu', reps=5, archs=('resnet18', 'resnet34', 'resnet50'), bs=32):
    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    rows = []
    for arch in archs:
        m = PoseNet(arch).to(dev).eval()
        if dev.type == 'cuda': m = m.to(memory_format=torch.channels_last)
        x1, xb = torch.randn(1, 3, size, size, device=dev), torch.randn(bs, 3, size, size, device=dev)
        with torch.inference_mode(), torch.autocast(dev.type, enabled=dev.type == 'cuda'):
            for x in (x1, xb): m(x)  # warm-up
            lat = timeit(lambda: m(x1), reps * 4, sync)
            thr = bs / timeit(lambda: m(xb), reps, sync)
        rows.append(dict(arch=arch, size=size, latency_ms=lat * 1e3, throughput_img_s=thr, batch=bs))
        print(rows[-1], flush=True)
    mach = machine()
    md = "\n".join([f"### Inference ({device}, {size} px)", "", md_machine(mach), "",
                    "| backbone | latency, batch 1 (ms/frame) | throughput, batch 32 (img/s) |", "|---|---|---|"]
                   + [f"| {r['arch']} | {r['latency_ms']:.1f} | {r['throughput_img_s']:.1f} |" for r in rows])
    save_results('inference' + ('' if device == 'cpu' else f'_{device}'), dict(machine=mach, rows=rows), md)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=224); p.add_argument('--device', default='cpu'); p.add_argument('--reps', type=int, default=5)
    a = p.parse_args()
    main(a.size, a.device, a.reps)
