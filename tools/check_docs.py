#!/usr/bin/env python
"""Check what a reader of the docs and of `nbs/` relies on; exit 1 with a list of what fails (CONTRIBUTING.md, "The checks").

1. **docs entries**: every public name has an entry on the page of the notebook that defines it. Public names are a
   module's `__all__`, the public methods and properties of its exported classes, and its `@patch`-ed functions.
   What has an entry is what nbdev 2 renders (`nbdev.processors.add_show_docs`, used here directly):
   - a top-level `def`/`class` or `@patch` function in an `#| export` cell that is not hidden gets its entry
     automatically (unless a `show_doc` of that bare name elsewhere in the notebook replaces it);
   - anything else (a method written in a class body, a property, a callable made by assignment) needs a visible
     `show_doc(Name)` / `show_doc(Cls.method)` cell (not `#| hide`, not `#| eval: false`);
   - a constant (`CAMERAS = ...`) has no useful `show_doc`: it needs its name in backquotes in a markdown cell.
   Methods that override a method of a base class from outside the library (`forward`, `before_batch`, ...) follow the
   base's contract and are not required. One style for long classes: no `Cls.attr = func` outside the class, no
   `name = lambda` in a class body.
2. **imports**: a notebook imports (in any cell, lazily or not) only `apollo_posenet` modules of lower-numbered notebooks,
   plus `apollo_posenet.test_utils`; no private name (`_x`) is taken from another module (notebooks, benchmarks/, tools/).
3. **docs build**: no cell that nbdev_docs runs alone (a cell with an import) needs a name that only a cell it does not
   run defines (CONTRIBUTING.md: imports in cells of their own); with `--exec`, nbdev's docs processors are run for real,
   and a page whose output shows a traceback fails (e.g. a parameter default that fastcore cannot format).
4. **size**: no notebook has more than `--max-cells` cells (40); no function of the library (`_modidx.py` aside) is over
   60 lines or has more than 16 parameters, console scripts (`@call_parse`: their parameters are the command's options) aside.
5. **pyflakes** over the library (and benchmarks/, tools/): dead imports, unused variables, undefined names, `import *` from the library
   (imports kept for what they patch into fastai, `SIDE_EFFECT_IMPORTS`, are allowed).
6. **README links**: every relative link in README.md points to a file of the repository (README.md is read on
   GitHub, at the repository root) other than a notebook or a docs page (tools/readme.py turns those into site URLs),
   and every relative link of nbs/index.ipynb (the docs home page, prose and shown markdown) is a docs page.
7. **layers**: no library module outside `synth/` imports `apollo_posenet.synth` (lazily or not); `cli`, `evaluate`,
   `predict` and the modules of the console scripts outside synth/ import without the renderer (`moderngl`), checked by
   importing them in a child process.
8. **sidebar**: `nbs/sidebar.yml` lists every notebook once, in the order of their numbers (`--fix-sidebar` rewrites it so).
9. **self-contained**: no file of the repository cites a file outside it (the protocol and the conventions it cites are
   benchmarks/README.md and CONTRIBUTING.md).

Usage: `python tools/check_docs.py` (everything), `--module data.cache` or `--nb 04a` (one notebook and its module:
checks 1-5 and the synth/ imports), `--no-pyflakes`, `--exec` (also run nbdev's docs processors on each notebook, as
`nbdev_docs` does before quarto: the show_doc cells and what they need are executed; about a minute), `--fix-sidebar`.
Run it after `nbdev_export` (it reads `__all__` and the functions from the generated modules). tools/run_tests.py runs it
with `--exec` after its sync check.
"""
import argparse, ast, importlib, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = 'apollo_posenet'
TEST_UTILS = f'{LIB}.test_utils'

# ---------------------------------------------------------------------------------------------------------------------
# Notebooks
class Nb:
    "One notebook: its cells (execnb `NbCell`s), module, and place in the reading order."
    def __init__(self, path:Path):
        from nbdev.process import NBProcessor
        self.path, self.nb = path, NBProcessor(path).nb  # cells with `directives_`, as nbdev's docs processors see them
        self.cells = self.nb.cells
        m = re.match(r'^(\d+)([a-z]*)_', path.name)
        self.order = (int(m.group(1)), m.group(2)) if m else None  # None: index and other unnumbered pages
        self.mod = None
        for c in self.cells:
            d = c.directives_ if c.cell_type == 'code' else {}
            if 'default_exp' in d: self.mod = f'{LIB}.{d["default_exp"][0]}'; break
    @property
    def rel(self): return self.path.relative_to(ROOT)
    @property
    def num(self): return self.path.name.split('_')[0]

def all_notebooks():
    from nbdev.config import get_config
    nbs = get_config().nbs_path
    return [Nb(p) for p in sorted(nbs.rglob('*.ipynb')) if not any(s.startswith(('_', '.')) for s in p.relative_to(nbs).parts)]

def _visible(c)->bool:
    "Is code cell `c` rendered on the docs page (and, for show_doc, executed)?"
    d = c.directives_
    return ('hide' not in d and d.get('include:') != ['false'] and (d.get('eval:') or [''])[0].lower() != 'false')

def _parse(src:str):
    "Parse a cell's source, with IPython magics and shell lines turned into comments; None when it isn't Python."
    src = re.sub(r'^(\s*)([%!])', r'\1#\2', src, flags=re.M)
    try: return ast.parse(src)
    except SyntaxError: return None

def _export_mod(nb:Nb, c):
    "The module code cell `c` exports to, or None."
    d = c.directives_
    for k in ('export', 'exports', 'exporti'):
        if k in d: return f'{LIB}.{d[k][0]}' if d[k] else nb.mod
    return None

# ---------------------------------------------------------------------------------------------------------------------
# 1. docs entries
def module_all(mod:str):
    "`__all__` of the generated module file of `mod` (nbdev writes it), or None when there is no file."
    p = ROOT/(mod.replace('.', '/') + '.py')
    if not p.exists(): p = ROOT/mod.replace('.', '/')/'__init__.py'
    if not p.exists(): return None
    for o in ast.parse(p.read_text()).body:
        if isinstance(o, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in o.targets):
            return list(ast.literal_eval(o.value))
    return []

def _public(nm:str)->bool: return not nm.startswith('_')

def doc_entries(nb:Nb):
    "Names with an entry on `nb`'s page, as nbdev names them (`f`, `Cls`, `Cls.meth`), and the names of its prose."
    from nbdev.processors import _want_doc, _def_names, _show_docs, _get_nm
    all_trees = [t for c in nb.cells for t in (c.parsed_() or [])]
    shown_all = {_get_nm(t) for t in _show_docs(all_trees)}  # any show_doc, even hidden, stops the automatic one
    entries = set()
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if _want_doc(c):
            for nm in _def_names(c, shown_all): entries.update(nm if isinstance(nm, list) else [nm])
        if _visible(c): entries.update(_get_nm(t) for t in _show_docs(c.parsed_() or []))
    prose = set()
    for c in nb.cells:
        if c.cell_type == 'markdown':
            md = re.sub(r'```.*?```', '', c.source, flags=re.S)  # fenced blocks (their backquotes would pair up wrongly)
            for span in re.findall(r'`([^`]+)`', md): prose.update(re.findall(r'[A-Za-z_][\w.]*', span))
    return entries, prose

_HOOKS = {'encodes', 'decodes', 'setups'}  # a Transform's type-dispatched hooks

def _external_base_has(mod:str, cls:str, meth:str)->bool:
    "Is `mod.cls.meth` an override of a framework hook (a method of an outside base class, a fastai event, a Transform hook)?"
    try: k = getattr(importlib.import_module(mod), cls)
    except Exception: return False
    bases = [b for b in getattr(k, '__mro__', ())[1:] if not b.__module__.startswith(LIB)]
    if any(meth in vars(b) for b in bases): return True
    names = {b.__name__ for b in bases}
    if 'Callback' in names:
        from fastai.callback.core import _events
        if meth in _events: return True
    return 'Transform' in names and meth in _HOOKS

def _is_constant(mod:str, nm:str)->bool:
    try: o = getattr(importlib.import_module(mod), nm)
    except Exception: return False
    return not callable(o)

def _patch_target(f)->str|None:
    from nbdev.showdoc import showdoc_nm
    nm = showdoc_nm(f)
    if isinstance(nm, list): nm = nm[0]
    return nm if nm != f.name else None

def check_entries(nb:Nb):
    "Public names defined (exported) in `nb` without a docs entry on its page."
    out = []
    entries, prose = doc_entries(nb)
    funcs = {o.name for c in nb.cells if c.cell_type == 'code' for o in (c.parsed_() or []) if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for c in nb.cells:
        if c.cell_type != 'code': continue
        mod = _export_mod(nb, c)
        if mod is None or 'exporti' in c.directives_: continue
        pub = set(module_all(mod) or [])
        for o in c.parsed_() or []:
            if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef)) and (tgt := _patch_target(o)):
                if _public(o.name) and tgt not in entries:
                    out.append(f"no docs entry: {tgt} (@patch in a hidden cell? show it, or add a visible `show_doc({tgt})` cell)")
                continue
            if isinstance(o, ast.Assign) and (isinstance(o.value, ast.Lambda) or isinstance(o.value, ast.Name) and o.value.id in funcs) \
                    and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) for t in o.targets):
                t = next(t for t in o.targets if isinstance(t, ast.Attribute))
                out.append(f"`{ast.unparse(t)} = ...` sets a class attribute from outside the class: write it with `@patch` "
                           "(one style for long classes)")
            if isinstance(o, ast.ClassDef):
                out += [f"`{o.name}.{n.id} = lambda ...` in the class body: write a `def`" for a in o.body if isinstance(a, ast.Assign)
                        and isinstance(a.value, ast.Lambda) for n in a.targets if isinstance(n, ast.Name)]
            if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if o.name in pub and o.name not in entries:
                    out.append(f"no docs entry: {o.name} (its cell is hidden or its show_doc is: add a visible `show_doc({o.name})` cell)")
                if isinstance(o, ast.ClassDef) and o.name in pub: out += _class_members(mod, o, entries)
            elif isinstance(o, (ast.Assign, ast.AnnAssign)):
                for t in (o.targets if isinstance(o, ast.Assign) else [o.target]):
                    for n in ast.walk(t):
                        if not (isinstance(n, ast.Name) and n.id in pub) or n.id in entries: continue
                        if _is_constant(mod, n.id):
                            if n.id not in prose: out.append(f"no docs entry: {n.id} (a constant: say what it holds in the prose, naming `{n.id}`)")
                        else: out.append(f"no docs entry: {n.id} (made by assignment: add a visible `show_doc({n.id})` cell)")
    return out

def _class_members(mod:str, k:ast.ClassDef, entries:set):
    out = []
    for o in k.body:
        if not isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _public(o.name): continue
        nm = f'{k.name}.{o.name}'
        if nm in entries or _external_base_has(mod, k.name, o.name): continue
        kind = 'property' if any(getattr(d, 'id', None) == 'property' for d in o.decorator_list) else 'method'
        out.append(f"no docs entry: {nm} ({kind} in the class body: add a `show_doc({nm})` cell before its example)")
    return out

# ---------------------------------------------------------------------------------------------------------------------
# 2. imports
def _lib_imports(tree, own_mod:str|None=None):
    "Yield `(line, module, [(name, asname)], alias)` for each import of the library in `tree` (relative ones resolved from `own_mod`)."
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.name == LIB or a.name.startswith(LIB + '.'): yield n.lineno, a.name, [], a.asname or a.name
        elif isinstance(n, ast.ImportFrom):
            m = n.module or ''
            if n.level and own_mod:
                base = own_mod.split('.')[:-n.level]
                m = '.'.join(base + ([m] if m else []))
            if m == LIB or m.startswith(LIB + '.'): yield n.lineno, m, [(a.name, a.asname or a.name) for a in n.names], None
        elif isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str):
            f = n.func
            fn = f.attr if isinstance(f, ast.Attribute) else getattr(f, 'id', '')
            s = n.args[0].value
            if fn in ('import_module', '__import__') and (s == LIB or s.startswith(LIB + '.')): yield n.lineno, s, [], None

def _mods_of(m:str, names, known:set):
    "The library modules an import of `names` from `m` reads: `from apollo_posenet.data import cache` reads `data.cache`."
    subs = [f'{m}.{a}' for a, _ in names if f'{m}.{a}' in known]
    return subs or [m]

def check_imports(nb:Nb, nbs_by_mod:dict):
    out, known = [], set(nbs_by_mod)
    for c in nb.cells:
        if c.cell_type != 'code' or not c.source.strip(): continue
        tree = _parse(c.source)
        if tree is None: continue
        aliases = set()  # names bound to another library module in this cell (`from apollo_posenet.data import cache`)
        for line, m, names, alias in _lib_imports(tree, nb.mod):
            mods = _mods_of(m, names, known)
            for a, asn in names:
                if f'{m}.{a}' in known and f'{m}.{a}' != nb.mod: aliases.add(asn)
            if alias and alias != m and m in known and m != nb.mod: aliases.add(alias)
            for mod in mods:
                if mod == nb.mod or mod == TEST_UTILS or mod not in nbs_by_mod or nb.order is None: continue
                dep = nbs_by_mod[mod]
                if dep.order is not None and dep.order >= nb.order:
                    out.append(f"imports {mod} (notebook {dep.path.name}, not before this one): move the shared piece down")
            if m != nb.mod and m in known:
                for a, _ in names:
                    if a.startswith('_') and not a.startswith('__'):
                        out.append(f"imports the private name {m}.{a}: make it public and documented in its own notebook")
        for n in ast.walk(tree):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases \
                    and n.attr.startswith('_') and not n.attr.startswith('__'):
                out.append(f"uses the private name {n.value.id}.{n.attr} of another module: make it public and documented")
    return sorted(set(out))

def _bound(tree)->set:
    "Names a piece of code binds anywhere (assignments, defs, imports, arguments, loop and `with` targets)."
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)): out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                if a.name == '*': out.update(_star_names(n.module, n.level))
                else: out.add((a.asname or a.name).split('.')[0])
        elif isinstance(n, ast.arg): out.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name: out.add(n.name)
    return out

def _top_bound(trees)->set:
    "Names a cell's top-level statements bind in the kernel (not the locals of its functions, classes and comprehensions)."
    out, todo = set(), list(trees)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name); continue
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)): continue
        if isinstance(n, (ast.Import, ast.ImportFrom)): out |= _bound(n); continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store): out.add(n.id)
        todo.extend(ast.iter_child_nodes(n))
    return out

def _star_names(mod, level=0)->set:
    if level or not mod: return set()
    try: m = importlib.import_module(mod)
    except Exception: return set()
    return set(getattr(m, '__all__', None) or [k for k in vars(m) if not k.startswith('_')])

def check_docs_exec(nb:Nb):
    """Cells that nbdev_docs executes on their own (they import: `nbdev.processors._do_eval`) and that use a name only an
    earlier, unexecuted cell defines: the docs build fails there (CONTRIBUTING.md: imports in cells of their own)."""
    import builtins
    from nbdev.processors import _do_eval, _ast_contains, _show_docs
    if not nb.mod and not any(_show_docs(c.parsed_() or []) for c in nb.cells): return []  # nbdev executes nothing then
    known, out = set(dir(builtins)) | {'show_doc', 'get_ipython', 'display'}, []
    for c in nb.cells:
        if c.cell_type != 'code' or not c.source: continue
        trees = c.parsed_()
        if not trees or not _do_eval(c): continue
        tree = ast.Module(body=trees, type_ignores=[])
        if not c.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'} and _ast_contains(trees, (ast.Import, ast.ImportFrom)) \
                and _ast_contains(trees, (ast.Expr, ast.Assign)):
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            missing = sorted(used - known - _bound(tree))
            if missing:
                first = next(l for l in c.source.splitlines() if l.strip())
                out.append(f"cell {c.idx_} mixes imports with code that needs {', '.join(missing[:4])} from earlier cells: nbdev_docs "
                           f"runs it alone and fails; put its imports in a cell of their own (it starts {first[:50]!r})")
        known |= _top_bound(trees)
    return out

_re_ansi = re.compile(r'\x1b\[[0-9;]*m')

def _tracebacks(cells):
    "`(cell, last line)` for each processed cell whose output shows an error (an error output, or a traceback printed in a stream)."
    out = []
    for c in cells:
        for o in c.get('outputs', []) if c.cell_type == 'code' else []:
            if o.get('output_type') == 'error': text = [f"{o.get('ename', 'Error')}: {o.get('evalue', '')}"]
            else:
                t = _re_ansi.sub('', ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')))
                if 'Traceback (most recent call last)' not in t: continue
                text = [l for l in t.splitlines() if re.match(r'^\w+(Error|Exception|Warning)\b', l)] or ['Traceback']
            out.append((c, text[-1]))
            break
    return out

def exec_docs(nb:Nb):
    """Run nbdev's docs processors on `nb` as nbdev_docs does before quarto (show_doc cells, and the cells they need, executed):
    it fails if they raise, or if a cell's output on the page shows a traceback (e.g. fastcore cannot format a signature)."""
    import contextlib, io
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults
    from fastcore.xtras import working_directory
    printed = io.StringIO()  # what the executed cells print goes to their outputs (read below), not to this run's log
    try:
        with working_directory(nb.path.parent), contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            proc = NBProcessor(nb.path, FilterDefaults().procs(), process=True)
    except Exception as e:
        msg = str(e).strip().splitlines()
        return [f"nbdev_docs fails: {msg[0] if msg else type(e).__name__} ({type(getattr(e, '__cause__', None) or e).__name__}: "
                f"{getattr(e, '__cause__', None) or e})"[:400]]
    out = []
    for c, last in _tracebacks(proc.nb.cells):
        src = c.source.strip().splitlines()
        what = src[-1] if src and src[-1].startswith('show_doc(') else (src[0] if src else '')
        out.append(f"the docs page shows a traceback in the cell {what[:80]!r}: {last[:200]}" +
                   (" (a parameter default that fastcore cannot format, such as a numpy array? use None or a tuple)"
                    if 'show_doc' in what and 'truth value of an array' in last else ''))
    return out

def check_scripts():
    "Private library names imported by the scripts outside nbs/ (benchmarks/, tools/)."
    out = {}
    for p in sorted([*ROOT.glob('benchmarks/*.py'), *ROOT.glob('tools/*.py')]):
        tree = _parse(p.read_text())
        if tree is None: continue
        for line, m, names, _ in _lib_imports(tree):
            for a, _ in names:
                if a.startswith('_') and not a.startswith('__'):
                    out.setdefault(str(p.relative_to(ROOT)), []).append(f"line {line}: imports the private name {m}.{a}")
    return out

# ---------------------------------------------------------------------------------------------------------------------
# 4. pyflakes
# imported for what they patch onto fastai's classes (`Learner.fit_one_cycle`, `Learner.to_fp16`), not for a name
SIDE_EFFECT_IMPORTS = {'fastai.callback.schedule', 'fastai.callback.fp16', 'fastai.callback.progress', 'fastai.distributed'}

def run_pyflakes(files):
    "pyflakes messages per library file; the per-use 'may be undefined ... star imports' messages are folded into one."
    try:
        from pyflakes import api, reporter as rep, messages as M
    except ImportError: return None
    out = {}
    for f in files:
        class R(rep.Reporter):
            def __init__(self): self.msgs = []
            def unexpectedError(self, fn, msg): self.msgs.append(f"pyflakes could not read it: {msg}")
            def syntaxError(self, fn, msg, lineno, offset, text): self.msgs.append(f"line {lineno}: syntax error: {msg}")
            def flake(self, m):
                if isinstance(m, M.ImportStarUsage): return
                if isinstance(m, M.UnusedImport) and m.message_args[0] in SIDE_EFFECT_IMPORTS: return
                s = m.message % m.message_args
                if isinstance(m, M.ImportStarUsed): s += ': import the names explicitly'
                self.msgs.append(f"line {m.lineno}: {s}")
        r = R(); api.checkPath(str(f), r)
        if r.msgs: out[f] = r.msgs
    return out

def lib_files(mods=None):
    fs = [p for p in sorted((ROOT/LIB).rglob('*.py')) if p.name != '_modidx.py' and '.ipynb_checkpoints' not in p.parts]
    if mods is not None: fs = [p for p in fs if _file_mod(p) in mods]
    return fs

def _file_mod(p:Path)->str:
    parts = list(p.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__': parts = parts[:-1]
    return '.'.join(parts)

# ---------------------------------------------------------------------------------------------------------------------
# 5. README links
_re_mdlink = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)|!\[[^\]]*\]\(([^)\s]+)|(?:href|src)="([^"]+)"')

def readme_links(md:str):
    "Every link target in markdown text `md` (links, images, HTML href/src)."
    md = re.sub(r'```.*?```', '', md, flags=re.S)
    return [next(g for g in m.groups() if g) for m in _re_mdlink.finditer(md)]

def _relative(url:str)->bool: return not (re.match(r'^[a-z][a-z0-9+.-]*:', url, re.I) or url.startswith(('#', '/')))

def check_readme(path:Path=ROOT/'README.md'):
    "Relative links of README.md that break on GitHub (missing file) or point into nbs/ (a notebook, not its docs page)."
    if not path.exists(): return ["README.md is missing: run `python tools/readme.py`"]
    out = []
    for url in dict.fromkeys(filter(_relative, readme_links(path.read_text()))):
        target = url.split('#')[0].split('?')[0]
        if not target: continue
        p = (ROOT/target).resolve()
        if not p.exists(): out.append(f"README.md: relative link {url!r}: no such file from the repository root")
        elif ROOT not in p.parents: out.append(f"README.md: relative link {url!r} leaves the repository")
        elif p.suffix in ('.ipynb', '.html', '.qmd') or ROOT/'nbs' in p.parents:
            out.append(f"README.md: relative link {url!r}: link the docs page (tools/readme.py makes site URLs of pages)")
    return out

def check_index(nb:Nb):
    "Relative links of the docs home page (nbs/index.ipynb, prose and markdown outputs) that break on the site or GitHub."
    sys.path.insert(0, str(ROOT/'tools'))
    from nbdev.config import get_config
    from readme import site_pages
    pages, out = site_pages(get_config()), []
    texts = [c.source for c in nb.cells if c.cell_type == 'markdown']
    texts += [''.join(o.get('data', {}).get('text/markdown', '')) for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])]
    for url in dict.fromkeys(u for t in texts for u in readme_links(t) if _relative(u)):
        path = url.split('#')[0]
        if not path or (path in pages and path.endswith('.html')): continue
        if path.endswith('.html'): out.append(f"link {url!r}: no notebook makes this docs page")
        elif path in pages: out.append(f"link {url!r}: link the page, {pages[path]!r} (notebooks are .html pages on the site)")
        else: out.append(f"link {url!r} breaks on the docs site (only pages such as `pose.html` are there): "
                         f"link a repository file by its GitHub URL")
    return out

# ---------------------------------------------------------------------------------------------------------------------
# 7. layers: the renderer stays in synth/
SYNTH = f'{LIB}.synth'
RENDERER = 'moderngl'

def _own_mod(p:Path)->str:
    "The module name that relative imports in file `p` resolve from (a package's `__init__` resolves inside the package)."
    m = _file_mod(p)
    return m + '.__init__' if p.name == '__init__.py' else m

def _enclosing(tree)->dict:
    "`{node: name of the innermost function holding it}` for the import nodes of `tree` (top level: absent)."
    out = {}
    def walk(n, fn):
        for ch in ast.iter_child_nodes(n):
            if isinstance(ch, (ast.Import, ast.ImportFrom, ast.Call)) and fn: out[id(ch)] = fn
            walk(ch, ch.name if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn)
    walk(tree, None)
    return out

def check_synth_imports(files)->dict:
    "`{file: [messages]}`: library modules outside synth/ that import `apollo_posenet.synth` (lazily or not, relative or not)."
    out = {}
    for p in files:
        if (ROOT/LIB/'synth') in p.parents: continue
        tree = ast.parse(p.read_text())
        fns, msgs = _enclosing(tree), []
        for n in ast.walk(tree):
            if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Call)): continue
            for line, m, names, _ in _lib_imports(n, _own_mod(p)):
                hits = [m] if m == SYNTH or m.startswith(SYNTH + '.') else [f'{m}.{a}' for a, _ in names if f'{m}.{a}' == SYNTH]
                where = f" (inside {fns[id(n)]})" if id(n) in fns else ''
                msgs += [f"{p.relative_to(ROOT)} line {line}{where} imports {h}: nothing outside synth/ imports the renderer's "
                         "package (move what it needs to the data layer, or the caller into synth/)" for h in hits]
        if msgs: out[p] = list(dict.fromkeys(msgs))
    return out

def renderer_free_modules()->list:
    "Modules that must import without the renderer: `cli`, `evaluate`, `predict`, and every console script's module outside synth/."
    from nbdev.config import get_config
    mods = [f'{LIB}.cli', f'{LIB}.evaluate', f'{LIB}.predict']
    for s in get_config().get('console_scripts', '').split():
        m = s.split('=', 1)[-1].split(':')[0]
        if m.startswith(LIB) and not (m == SYNTH or m.startswith(SYNTH + '.')) and m not in mods: mods.append(m)
    return mods

# run in a child process: imports each module in turn, stops at the first that imports the renderer, prints JSON lines
_SPY = r'''
import importlib, json, sys
chain = []
class Spy:
    "Records which modules were being imported (outermost first) when the renderer was first asked for."
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == RENDERER and not chain:
            f = sys._getframe(1)
            while f is not None:
                nm = f.f_globals.get('__name__', '')
                if f.f_code.co_name == '<module>' and not nm.startswith(('importlib', '_frozen')) and nm != '__main__': chain.append(nm)
                f = f.f_back
            chain.reverse()
        return None
sys.meta_path.insert(0, Spy())
for m in MODS:
    try: importlib.import_module(m)
    except Exception as e: print(json.dumps({'mod': m, 'error': f'{type(e).__name__}: {e}'})); continue
    bad = RENDERER in sys.modules
    print(json.dumps({'mod': m, 'renderer': bad, 'chain': chain}), flush=True)
    if bad: break
'''

def start_renderer_check(mods:list):
    "Start the child process that imports `mods` (so that it runs beside the other checks)."
    import os, subprocess
    src = f"RENDERER = {RENDERER!r}; MODS = {mods!r}\n" + _SPY
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore', 'MPLBACKEND': 'Agg'}
    return subprocess.Popen([sys.executable, '-c', src], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def finish_renderer_check(proc, mods:list, nbs_by_mod:dict)->dict:
    "`{place: [messages]}` from the child of `start_renderer_check`; a module after one that imports the renderer is checked in a new child."
    import json
    out, todo = {}, list(mods)
    while todo:
        so, se = proc.communicate()
        done = [json.loads(l) for l in so.splitlines() if l.startswith('{')]
        if not done:
            out.setdefault('layers', []).append(f"could not import {todo[0]} in a child process: {se.strip().splitlines()[-1:] or proc.returncode}")
            break
        for r in done:
            nb = nbs_by_mod.get(r['mod'])
            place = f"{nb.rel} ({nb.mod})" if nb else r['mod']
            if 'error' in r: out.setdefault(place, []).append(f"`import {r['mod']}` fails: {r['error']}")
            elif r['renderer']:
                via = ' -> '.join(r['chain'] + [RENDERER]) if r['chain'] else RENDERER
                out.setdefault(place, []).append(f"`import {r['mod']}` imports the renderer ({via}): the command line and evaluation must "
                                                 "not need OpenGL; import synth/ lazily where it is really needed, or move the reader to the data layer")
            todo.remove(r['mod'])
        if todo: proc = start_renderer_check(todo)
    return out

# ---------------------------------------------------------------------------------------------------------------------
# 8. function size (CONTRIBUTING.md: functions short enough to read at once, long parameter lists grouped)
MAX_LINES, MAX_PARAMS = 60, 16

def _dec_name(d)->str|None:
    "The name of decorator `d` (`call_parse`, `delegates`, ...), called or not."
    d = d.func if isinstance(d, ast.Call) else d
    return d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else None

def _is_console_script(f)->bool: return any(_dec_name(d) == 'call_parse' for d in f.decorator_list)

def _n_params(f, method:bool)->int:
    a = f.args
    ps = [*a.posonlyargs, *a.args]
    if method and ps and ps[0].arg in ('self', 'cls'): ps = ps[1:]
    return len(ps) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)

def check_function_sizes(files, max_lines=MAX_LINES, max_params=MAX_PARAMS)->dict:
    "`{file: [messages]}`: functions over `max_lines` lines (from `def` to the last line) or with more than `max_params` parameters."
    out = {}
    def visit(node, prefix, in_class):
        for f in ast.iter_child_nodes(node):
            if isinstance(f, ast.ClassDef): visit(f, f'{prefix}{f.name}.', True); continue
            if not isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)): continue
            if not _is_console_script(f):
                nm, n, k = f'{prefix}{f.name}', f.end_lineno - f.lineno + 1, _n_params(f, in_class)
                if n > max_lines: msgs.append(f"{rel} line {f.lineno}: {nm}() is {n} lines (at most {max_lines}): split it into named steps")
                if k > max_params: msgs.append(f"{rel} line {f.lineno}: {nm}() has {k} parameters (at most {max_params}): group them in a documented "
                                               "settings dataclass, or take them through `delegates`")
            visit(f, f'{prefix}{f.name}.<locals>.', False)
    for p in files:
        msgs, rel = [], p.relative_to(ROOT)
        visit(ast.parse(p.read_text()), '', False)
        if msgs: out[p] = msgs
    return out

# ---------------------------------------------------------------------------------------------------------------------
# 9. the sidebar follows the notebooks' numbers
def _order(name:str):
    m = re.match(r'^(\d+)([a-z]*)_', Path(name).name)
    return (int(m.group(1)), m.group(2)) if m else None

def read_sidebar(path:Path):
    "[(section or None, notebook file)] in the order of `nbs/sidebar.yml` (nested sections flattened, named by the innermost)."
    import yaml
    out = []
    def walk(items, sec):
        for o in items or []:
            if isinstance(o, str): out.append((sec, o))
            elif isinstance(o, dict) and 'contents' in o: walk(o['contents'], o.get('section', sec))
            elif isinstance(o, dict) and 'href' in o: out.append((o.get('section', sec), o['href']))
    walk(yaml.safe_load(path.read_text())['website']['sidebar']['contents'], None)
    return out

def check_sidebar(nbs:list, path:Path)->list:
    "Notebooks the sidebar misses or lists twice, entries without a notebook, and entries out of the notebooks' number order."
    if not path.exists(): return [f"{path.relative_to(ROOT)} is missing (custom_sidebar = True): run `python tools/check_docs.py --fix-sidebar`"]
    rel, out = path.relative_to(ROOT), []
    items, have = read_sidebar(path), {str(nb.path.relative_to(path.parent)) for nb in nbs}
    listed = [f for _, f in items]
    out += [f"{rel}: {f} is listed {listed.count(f)} times" for f in sorted(set(listed)) if listed.count(f) > 1]
    out += [f"{rel}: lists {f}, which is not a notebook of nbs/ (renamed or removed?)" for f in dict.fromkeys(listed)
            if f.endswith('.ipynb') and f not in have]
    out += [f"{rel}: does not list {f}" for f in sorted(have - set(listed), key=lambda f: (_order(f) or (-1, ''), f))]
    prev, late = None, []  # late: [(section, page above, its section, [pages listed below a higher number])]
    for sec, f in items:
        if (o := _order(f)) is None: continue
        if prev and o < prev[0]:
            if late and late[-1][0] == sec and late[-1][1] == prev[2]: late[-1][3].append(f)
            else: late.append((sec, prev[2], prev[1], [f]))
        if not prev or o > prev[0]: prev = (o, sec, f)
    for sec, after, after_sec, fs in late:
        of = '' if sec == after_sec else f" of section {after_sec!r}"
        out.append(f"{rel}: section {sec!r} lists {', '.join(fs)} below {after}{of}: list the pages in the order of their numbers "
                   "(`--fix-sidebar` rewrites it)")
    return out

def fix_sidebar(nbs:list, path:Path, dest:Path|None=None)->str:
    """Rewrite `path` (or write `dest`) with every notebook in number order. Each page keeps the section it had; a new or
    renamed page takes the section of the page that had its number (`13_runs` -> `13_training`), else of the page before
    it; consecutive pages of one section form a section."""
    old = read_sidebar(path) if path.exists() else []
    by_file = {f: s for s, f in old}
    by_num = {Path(f).name.split('_')[0]: s for s, f in old if _order(f)}
    files = sorted((str(nb.path.relative_to(path.parent)) for nb in nbs), key=lambda f: (_order(f) or (-1, ''), f))
    top, groups, sec = [], [], None
    for f in files:
        if _order(f) is None and by_file.get(f) is None: top.append(f); continue  # index and other unnumbered pages: on top
        s = by_file.get(f) or (by_num.get(Path(f).name.split('_')[0]) if _order(f) else None) or sec or 'Pages'
        if groups and groups[-1][0] == s: groups[-1][1].append(f)
        else: groups.append((s, [f]))
        sec = s
    lines = ['website:', '  sidebar:', '    contents:'] + [f'      - {f}' for f in top]
    for s, fs in groups: lines += [f'      - section: {s}', '        contents:'] + [f'          - {f}' for f in fs]
    dest = dest or path
    dest.write_text('\n'.join(lines) + '\n')
    names = [s for s, _ in groups]
    twice = sorted({s for s in names if names.count(s) > 1})
    return (f"[check_docs] rewrote {dest}: {len(files)} pages in {len(groups)} sections" +
            (f"; sections split by other sections' numbers: {', '.join(twice)} (rename one part, or renumber)" if twice else ''))

# ---------------------------------------------------------------------------------------------------------------------
# 10. self-contained: nothing cites a file outside the repository
_re_outside = re.compile(r'\.\./shared/|/work/shared|STYLE\.md|STYLE §|(?<![\w/.-])ACCURACY\.md')
_TEXT = ('.py', '.ipynb', '.md', '.yml', '.yaml', '.ini', '.sh', '.cfg', '.toml', '.txt')

def repo_files():
    "The files of the repository (git's tracked and untracked-but-not-ignored ones; without git, everything but hidden folders)."
    import subprocess
    if (ROOT/'.git').exists():
        r = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True, text=True)
        if r.returncode == 0: return [ROOT/l for l in r.stdout.splitlines() if (ROOT/l).is_file()]
    return [p for p in ROOT.rglob('*') if p.is_file() and not any(s.startswith('.') for s in p.relative_to(ROOT).parts)]

def _texts(p:Path):
    "`(where, text)` pieces of file `p`: its lines, or a notebook's cells."
    if p.suffix != '.ipynb': return [(f'line {i}', l) for i, l in enumerate(p.read_text().splitlines(), 1)]
    import json
    return [(f'cell {i}', ''.join(c.get('source', ''))) for i, c in enumerate(json.loads(p.read_text()).get('cells', []))]

def check_citations()->dict:
    "`{file: [messages]}`: text that cites a file outside the repository (a reader of the repository cannot follow it)."
    out, me = {}, Path(__file__).resolve()
    for p in repo_files():
        if (p.suffix not in _TEXT and p.name != 'Makefile') or p.resolve() == me: continue
        try: pieces = _texts(p)
        except (UnicodeDecodeError, OSError, ValueError): continue
        msgs = [f"{p.relative_to(ROOT)} {where} cites {m.group(0)!r}, a file outside the repository: cite CONTRIBUTING.md or "
                "benchmarks/README.md (How accuracy is measured)" for where, t in pieces for m in _re_outside.finditer(t)]
        if msgs: out[p] = list(dict.fromkeys(msgs))
    return out

def get_config_nbs()->Path:
    "The notebooks' folder (`nbs_path` of settings.ini)."
    from nbdev.config import get_config
    return Path(get_config().nbs_path)

def _lib_place(f:Path, nbs_by_mod:dict)->str:
    "How the report names library file `f`: its notebook and module, or the file."
    nb = nbs_by_mod.get(_file_mod(f))
    return f"{nb.rel} ({nb.mod})" if nb else str(f.relative_to(ROOT))

# ---------------------------------------------------------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--module', help='check only this module (e.g. data.cache or apollo_posenet.data.cache)')
    p.add_argument('--nb', help='check only this notebook (a path, a file name, or its number such as 04a)')
    p.add_argument('--max-cells', type=int, default=40, help='most cells a notebook may have')
    p.add_argument('--no-pyflakes', action='store_true', help='skip pyflakes')
    p.add_argument('--exec', action='store_true', help="also run nbdev's docs processors on each notebook (what nbdev_docs executes; slow)")
    p.add_argument('--fix-sidebar', action='store_true', help='rewrite nbs/sidebar.yml with every notebook in number order, then check')
    a = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import nbdev.processors
    nbdev.processors.warn = lambda *a, **k: None  # its 'cells containing imports and other code': check_docs_exec says which matter
    nbs = all_notebooks()
    nbs_by_mod = {nb.mod: nb for nb in nbs if nb.mod}
    sel = nbs
    if a.module:
        m = a.module if a.module.startswith(LIB) else f'{LIB}.{a.module}'
        sel = [nb for nb in nbs if nb.mod == m]
    if a.nb:
        sel = [nb for nb in sel if a.nb in (str(nb.rel), nb.path.name, nb.path.stem, nb.num) or nb.path == Path(a.nb).resolve()]
    if (a.module or a.nb) and not sel: sys.exit(f"check_docs: no notebook matches {a.module or a.nb!r}")
    whole = not (a.module or a.nb)
    sidebar = get_config_nbs()/'sidebar.yml'
    if a.fix_sidebar: print(fix_sidebar(nbs, sidebar))
    renderer = start_renderer_check(renderer_free_modules()) if whole else None  # a child process, beside the checks below

    problems = {}  # place -> list of messages
    def add(place, msgs):
        if msgs: problems.setdefault(place, []).extend(msgs)
    for nb in sel:
        place = f"{nb.rel}" + (f" ({nb.mod})" if nb.mod else '')
        if nb.mod: add(place, check_entries(nb))
        add(place, check_imports(nb, nbs_by_mod))
        add(place, check_docs_exec(nb))
        if a.exec: add(place, exec_docs(nb))
        if nb.path.name == 'index.ipynb': add(place, check_index(nb))
        if len(nb.cells) > a.max_cells: add(place, [f"{len(nb.cells)} cells (more than {a.max_cells}): split it by concern"])
    pf_note = ''
    if not a.no_pyflakes:
        mods = None if whole else {nb.mod for nb in sel if nb.mod}
        scripts = [] if mods else sorted([*ROOT.glob('benchmarks/*.py'), *ROOT.glob('tools/*.py')])
        pf = run_pyflakes(lib_files(mods) + scripts)
        if pf is None: add('pyflakes', ["pyflakes is not installed (a dev requirement in settings.ini; `make test` installs it): "
                                        "dead imports cannot be checked; pass --no-pyflakes to skip this check on purpose"])
        else:
            for f, msgs in pf.items():
                nb = nbs_by_mod.get(_file_mod(f))
                place = f"{nb.rel} ({nb.mod})" if nb else str(f.relative_to(ROOT))
                add(place, [f"{f.relative_to(ROOT)} {m}" for m in msgs])
    files = lib_files(None if whole else {nb.mod for nb in sel if nb.mod})
    for f, msgs in [*check_synth_imports(files).items(), *check_function_sizes(files).items()]: add(_lib_place(f, nbs_by_mod), msgs)
    if whole:
        for f, msgs in check_scripts().items(): add(f, msgs)
        add('README.md', check_readme())
        add(str(sidebar.relative_to(ROOT)), check_sidebar(nbs, sidebar))
        nb_place = {nb.path: f"{nb.rel}" + (f" ({nb.mod})" if nb.mod else '') for nb in nbs}
        for f, msgs in check_citations().items(): add(nb_place.get(f, str(f.relative_to(ROOT))), msgs)
        for place, msgs in finish_renderer_check(renderer, renderer_free_modules(), nbs_by_mod).items(): add(place, msgs)

    n = sum(map(len, problems.values()))
    for place in sorted(problems):
        print(place)
        for m in problems[place]: print(f"  - {m}")
    if pf_note: print(f"[check_docs] WARNING: {pf_note}")
    what = 'everything' if whole else ', '.join(str(nb.rel) for nb in sel)
    print(f"[check_docs] {what}: " + (f"{n} problems in {len(problems)} places" if n else "docs entries, imports, cell counts, "
          "function sizes, synth/ imports" + (", docs pages without tracebacks" if a.exec else "")
          + ("" if a.no_pyflakes or pf_note else ", pyflakes")
          + (", README links, sidebar, citations, renderer-free command line" if whole else "") + " ok"))
    return 1 if n else 0

if __name__ == '__main__': sys.exit(main())
