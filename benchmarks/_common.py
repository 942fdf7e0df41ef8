"Shared helpers of the benchmark scripts: machine description and result files."
import json, os, platform, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent/'results'

def machine()->dict:
    "Where a figure was measured: CPU, cores, GPU, library versions."
    import torch, torchvision, fastai
    cpu = platform.processor()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except Exception: pass
    d = dict(date=time.strftime('%Y-%m-%d %H:%M'), cpu=cpu, cores=os.cpu_count(), torch_threads=torch.get_num_threads(),
             python=platform.python_version(), torch=torch.__version__, torchvision=torchvision.__version__, fastai=fastai.__version__,
             gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    return d

def save_results(name:str, data:dict, md:str)->Path:
    "Write `results/<name>.json` (figures + machine) and `results/<name>.md` (a table for the README), atomically."
    from apollo_posenet.core import atomic_write
    RESULTS.mkdir(exist_ok=True)
    for ext, txt in (('json', json.dumps(data, indent=1, default=float)), ('md', md)):
        atomic_write(RESULTS/f'{name}.{ext}', lambda tmp: Path(tmp).write_text(txt + '\n'))
    print(md); return RESULTS/f'{name}.md'

def md_machine(m:dict)->str:
    return (f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['torch_threads']} torch threads)"
            + (f", GPU {m['gpu']}" if m['gpu'] else ", no GPU") + f"; torch {m['torch']}, fastai {m['fastai']}.")
