# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters auditing a fleet's multi-NIC vMotion and rendering the report; the logic lives in module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import build_audit, compare_audits, facts_hosts, merge_results
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.canary import join_runs
from ansible_collections.multinic.vmotion.plugins.module_utils._render.console import canary_lines, summary_lines
from ansible_collections.multinic.vmotion.plugins.module_utils._render.html import render_html
from ansible_collections.multinic.vmotion.plugins.module_utils._render.markdown import render_markdown
from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import report_about


def _filter(name, function):
    """The pure function as a filter: its FindingsError (bad options or input) becomes one AnsibleFilterError."""

    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except FindingsError as e:
            raise AnsibleFilterError("%s: %s" % (name, "; ".join(e.problems)))

    run.__name__ = name
    return run


def _compare(after, before):
    # the filter reads `after | vmotion_audit_compare(before)`
    return compare_audits(before, after)


def collection_version(path):
    """The version of the collection that holds `path` (a role_path, say): MANIFEST.json once installed, galaxy.yml in
    a checkout, '' when neither is found. Read here rather than in a role's Jinja, where ansible-core before 2.19 turns
    the JSON text into a dict on the way."""
    directory = os.path.abspath(str(path))
    while True:
        manifest, galaxy = os.path.join(directory, "MANIFEST.json"), os.path.join(directory, "galaxy.yml")
        if os.path.isfile(manifest):
            with open(manifest) as f:
                return str(json.load(f).get("collection_info", {}).get("version") or "")
        if os.path.isfile(galaxy):
            with open(galaxy) as f:
                return str((yaml.safe_load(f) or {}).get("version") or "")
        parent = os.path.dirname(directory)
        if parent == directory:
            return ""
        directory = parent


def canary_join(results):
    """The canary runs of every vCenter joined (_audit.canary.join_runs), with the lines the console shows."""
    joined = join_runs(results)
    joined["lines"] = [line for run in joined["runs"] for line in canary_lines(run)] + joined["problems"]
    return joined


class FilterModule(object):
    def filters(self):
        pure = {
            "vmotion_audit": build_audit,
            "vmotion_audit_markdown": render_markdown,
            "vmotion_audit_html": render_html,
            "vmotion_audit_compare": _compare,
            "vmotion_audit_summary": summary_lines,
            "vmotion_merge_results": merge_results,
            "vmotion_collection_version": collection_version,
            "vmotion_audit_about": report_about,
            "vmotion_facts_hosts": facts_hosts,
            "vmotion_canary_join": canary_join,
        }
        return dict((name, _filter(name, function)) for name, function in pure.items())
