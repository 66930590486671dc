# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The folders show the architecture: module_utils' packages import one way, take no private name of another package,
and only _vsphere (and the write layer) talk pyVmomi."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os
import sys

import pytest

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
PREFIX = "ansible_collections.multinic.vmotion.plugins.module_utils."
# A package imports only from the packages before it: the vocabulary, then the reads, then what is judged of them, then
# what is changed (judged by the same rules) and how an audit is shown. _module.py, the modules and filters wire them up.
LAYERS = {"_core": 0, "_vsphere": 1, "_audit": 2, "_change": 3, "_render": 3}
# Where pyVmomi is called: the client, its reads, and the write layer that turns a plan into API specs.
PYVMOMI_ALLOWED = ("_vsphere", "_change/apply.py")
FILE_LIMIT = 600


def python_files():
    for folder in ("module_utils", "modules", "filter"):
        root = os.path.join(PLUGINS, folder)
        for directory, _dirs, files in os.walk(root):
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    yield os.path.relpath(path, PLUGINS).replace(os.sep, "/"), path


def package_of(relative):
    """'_audit' for module_utils/_audit/rules.py; None for anything outside the packages."""
    parts = relative.split("/")
    return parts[1] if parts[0] == "module_utils" and len(parts) > 2 else None


def imports(path):
    """[(module, [names])] of a file's from-imports and imports."""
    with open(path) as f:
        tree = ast.parse(f.read())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def violations():
    problems = []
    for relative, path in python_files():
        own = package_of(relative)
        for module, names in imports(path):
            if module.startswith(("pyVmomi", "pyVim")) and not relative.startswith(tuple("module_utils/" + a for a in PYVMOMI_ALLOWED)):
                problems.append("%s imports %s: pyVmomi is _vsphere's (and the write layer's)" % (relative, module))
            if not module.startswith(PREFIX):
                continue
            target = module[len(PREFIX):].split(".")[0]
            if target not in LAYERS:
                continue
            if own is not None and target != own and LAYERS[target] >= LAYERS[own]:
                problems.append("%s imports %s: %s may import only from %s" % (
                    relative, module, own, ", ".join(p for p in sorted(LAYERS, key=LAYERS.get) if LAYERS[p] < LAYERS[own]) or "itself"))
            private = [n for n in names if n.startswith("_")]
            if private and target != own:
                problems.append("%s takes private name(s) %s of %s" % (relative, ", ".join(private), module))
    return problems


def test_imports_flow_one_way_and_take_no_private_name_of_another_package():
    assert violations() == []


def test_no_file_in_plugins_is_over_the_limit():
    long_files = []
    for relative, path in python_files():
        with open(path) as f:
            count = sum(1 for _line in f)
        if count > FILE_LIMIT:
            long_files.append("%s: %d lines" % (relative, count))
    assert long_files == []


@pytest.mark.parametrize("line, message", [
    ("from %s_render.text import _cell" % PREFIX, "takes private name(s) _cell"),
    ("from %s_change.plan import plan_host" % PREFIX, "_audit may import only from _core, _vsphere"),
    ("from pyVmomi import vim", "pyVmomi is _vsphere's"),
])
def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch, line, message):
    folder = tmp_path / "module_utils" / "_audit"
    folder.mkdir(parents=True)
    (folder / "bad.py").write_text(line + "\n")
    monkeypatch.setattr(sys.modules[__name__], "PLUGINS", str(tmp_path))
    assert any(message in p for p in violations())
