# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters auditing a fleet's multi-NIC vMotion and rendering the report; the logic lives in module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.module_utils._findings import FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._report import (
    build_audit,
    compare_audits,
    merge_results,
    render_html,
    render_markdown,
    summary_lines,
)


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


class FilterModule(object):
    def filters(self):
        pure = {
            "vmotion_audit": build_audit,
            "vmotion_audit_markdown": render_markdown,
            "vmotion_audit_html": render_html,
            "vmotion_audit_compare": _compare,
            "vmotion_audit_summary": summary_lines,
            "vmotion_merge_results": merge_results,
        }
        return dict((name, _filter(name, function)) for name, function in pure.items())
