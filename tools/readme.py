#!/usr/bin/env python
"""Regenerate README.md from nbs/index.ipynb without quarto.

`nbdev_readme` needs quarto, which cannot be installed offline. This does the same two steps with what pip
installs: nbdev's notebook processors (as `nbdev_proc_nbs` runs them: directives such as `#| hide` applied,
show_doc rendered), then nbconvert to GitHub markdown. `--check` only reports whether README.md is current.
"""
import os, sys, tempfile
from pathlib import Path
from nbdev.config import get_config
from nbdev.processors import FilterDefaults
from execnb.nbio import read_nb, write_nb
from nbconvert import MarkdownExporter
import nbformat

def render_readme()->str:
    cfg = get_config()
    nb = read_nb(cfg.nbs_path/cfg.readme_nb)
    os.environ["IN_TEST"] = "1"
    FilterDefaults()(nb)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d)/'index.ipynb'
        write_nb(nb, p)
        md, _ = MarkdownExporter().from_notebook_node(nbformat.read(p, as_version=4))
    head = "<!-- Generated from nbs/index.ipynb by tools/readme.py (or nbdev_readme): edit the notebook, not this file. -->\n\n"
    return head + md.strip() + "\n"

if __name__ == '__main__':
    cfg = get_config()
    out, md = cfg.config_path/'README.md', render_readme()
    if '--check' in sys.argv:
        ok = out.exists() and out.read_text() == md
        print("README.md is current" if ok else "README.md is out of date: run `python tools/readme.py`")
        sys.exit(0 if ok else 1)
    out.write_text(md)
