#!/usr/bin/env python
"""The project's checks, as CI and `make test` run them.

1. notebooks clean (`nbdev_clean`) and the library in sync with them (`nbdev_export`): no diff in git;
2. README.md in sync with nbs/index.ipynb (regenerated offline, see tools/readme.py);
3. every notebook executed top to bottom by nbdev (cells flagged `slow`/`cuda` skipped unless --flags asks).
The last line is `N passed, M failed`, counting notebooks.
"""
import argparse, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def sh(*cmd, **kw): return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)

def check_sync():
    "Run nbdev_clean and nbdev_export; fail if either changed a tracked or untracked file under nbs/ or the library."
    if not (ROOT/'.git').exists(): print("[sync] not a git checkout: skipped"); return True
    paths = ['nbs', 'apollo_posenet', 'README.md']
    before = sh('git', 'status', '--porcelain', '--', *paths, capture_output=True, text=True).stdout
    before_diff = sh('git', 'diff', '--', *paths, capture_output=True, text=True).stdout
    sh(BIN/'nbdev_clean', check=True); sh(BIN/'nbdev_export', check=True)
    sh(BIN/'python', ROOT/'tools'/'readme.py', check=True)
    after = sh('git', 'status', '--porcelain', '--', *paths, capture_output=True, text=True).stdout
    after_diff = sh('git', 'diff', '--', *paths, capture_output=True, text=True).stdout
    if (before, before_diff) != (after, after_diff):
        print("[sync] FAILED: nbdev_clean / nbdev_export / tools/readme.py changed files (notebooks unclean, "
              "library or README out of sync). Changed now:\n" + after)
        sh('git', 'diff', '--stat', '--', *paths)
        return False
    print("[sync] notebooks clean, library and README in sync")
    return True

def run_notebooks(flags, path=None):
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev.test import test_nb, _keep_file
    from fastcore.xtras import working_directory
    cfg = get_config()
    files = [f.absolute() for f in sorted(nbglob(path, as_path=True)) if _keep_file(f, '.notest')]
    skip = cfg.tst_flags.split(); force = flags.split()
    results = []
    with working_directory(cfg.nbs_path):
        for f in files:
            t0 = time.time()
            ok, _ = test_nb(f, skip_flags=skip, force_flags=force, basepath=cfg.config_path)
            results.append(ok)
            print(f"[test] {'ok  ' if ok else 'FAIL'} {f.relative_to(ROOT)} ({time.time()-t0:.0f} s)", flush=True)
    return results

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--flags', default='', help='test flags to run, e.g. "slow cuda"')
    p.add_argument('--path', default=None, help='one notebook or a glob, instead of all')
    p.add_argument('--no-sync', action='store_true', help='skip the clean/export/README checks')
    a = p.parse_args()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    t0 = time.time()
    sync_ok = True if a.no_sync else check_sync()
    res = run_notebooks(a.flags, a.path)
    npass, nfail = sum(res), len(res) - sum(res) + (0 if sync_ok else 1)
    print(f"[test] {len(res)} notebooks in {time.time()-t0:.0f} s" + ("" if sync_ok else "; sync check failed (counted as a failure)"))
    print(f"{npass} passed, {nfail} failed")
    sys.exit(0 if nfail == 0 and npass > 0 else 1)
