#!/usr/bin/env python
"""The project's checks, as CI and `make test` run them.

1. notebooks clean (`nbdev_clean`) and the library in sync with them (`nbdev_export`): no diff in git;
2. README.md in sync with nbs/index.ipynb (regenerated offline, see tools/readme.py);
   then tools/check_docs.py --exec: every public name has a docs entry, notebooks import only earlier notebooks, no private
   names across modules, no notebook over 40 cells, no library function over 60 lines or 16 parameters, nothing outside
   synth/ imports synth/ and the command line imports without the renderer, pyflakes clean (no dead imports), README
   links that work, a sidebar in the notebooks' order, no citation of a file outside the repository, and the docs
   build's notebook step (nbdev's processors, as nbdev_docs runs them) passes on every notebook with no traceback on a
   page (CONTRIBUTING.md lists the checks);
3. every notebook executed top to bottom by nbdev's `test_nb` (cells flagged `slow`/`cuda` skipped unless --flags asks),
   each in a fresh Python process, so that no state (or a native crash) carries over from one notebook to the next.
The last line is `N passed, M failed`, counting notebooks.
"""
import argparse, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
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

def check_docs()->bool:
    """Run tools/check_docs.py --exec: docs entries, import order, sizes, layers, pyflakes, README links, sidebar, citations,
    and nbdev's docs processors on every notebook (what nbdev_docs executes before quarto; a traceback on a page fails),
    with temporary files in a folder removed after."""
    import shutil, tempfile
    scratch = tempfile.mkdtemp(prefix='apollo_posenet-docs-')
    env = {**os.environ, 'TMPDIR': scratch, 'APOLLO_POSENET_CACHE': os.path.join(scratch, 'cache')}
    try: r = sh(BIN/'python', ROOT/'tools'/'check_docs.py', '--exec', env=env)
    finally: shutil.rmtree(scratch, ignore_errors=True)
    if r.returncode: print("[docs] FAILED: tools/check_docs.py listed problems (above)")
    return r.returncode == 0

def notebooks(path=None):
    from nbdev.doclinks import nbglob
    from nbdev.test import _keep_file
    return [f.absolute() for f in sorted(nbglob(path, as_path=True)) if _keep_file(f, '.notest')]

def test_one(fn, flags)->bool:
    "Run one notebook in this process with nbdev's `test_nb`."
    from nbdev.config import get_config
    from nbdev.test import test_nb
    from fastcore.xtras import working_directory
    cfg = get_config()
    with working_directory(cfg.nbs_path):
        ok, _ = test_nb(Path(fn).absolute(), skip_flags=cfg.tst_flags.split(), force_flags=flags.split(), basepath=cfg.config_path)
    return ok

def run_notebooks(flags, path=None, jobs=1):
    "Test each notebook in a child process, `jobs` at a time; temporary files and transform caches go to one folder removed at the end."
    import shutil, tempfile
    results, scratch = [], tempfile.mkdtemp(prefix='apollo_posenet-tests-')
    env = {**os.environ, 'TMPDIR': scratch, 'APOLLO_POSENET_CACHE': os.path.join(scratch, 'cache')}
    try:
        with ThreadPoolExecutor(max(1, jobs)) as ex: results = list(ex.map(lambda f: _run_child(f, flags, env), notebooks(path)))
    finally: shutil.rmtree(scratch, ignore_errors=True)
    return results

def _run_child(f, flags, env)->bool:
    "Test notebook `f` in a fresh Python process; print one line."
    t0 = time.time()
    r = subprocess.run([sys.executable, __file__, '--one', str(f), '--flags', flags], env=env)
    ok = r.returncode == 0
    why = '' if ok or r.returncode == 1 else f', exit status {r.returncode}'
    print(f"[test] {'ok  ' if ok else 'FAIL'} {f.relative_to(ROOT)} ({time.time()-t0:.0f} s{why})", flush=True)
    return ok

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--flags', default='', help='test flags to run, e.g. "slow cuda"')
    p.add_argument('--path', default=None, help='one notebook or a glob, instead of all')
    p.add_argument('--no-sync', action='store_true', help='skip the clean/export/README checks and tools/check_docs.py')
    p.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1), help='notebooks tested at once (each in its own process; most of a notebook\'s time is one core importing torch and fastai)')
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)  # internal: test one notebook in this process
    a = p.parse_args()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    if a.one: sys.exit(0 if test_one(a.one, a.flags) else 1)
    t0 = time.time()
    sync_ok = True if a.no_sync else all([check_sync(), check_docs()])
    res = run_notebooks(a.flags, a.path, a.jobs)
    npass, nfail = sum(res), len(res) - sum(res) + (0 if sync_ok else 1)
    print(f"[test] {len(res)} notebooks in {time.time()-t0:.0f} s" + ("" if sync_ok else "; sync or docs check failed (counted as a failure)"))
    print(f"{npass} passed, {nfail} failed")
    sys.exit(0 if nfail == 0 and npass > 0 else 1)
