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
    render_html,
    render_markdown,
    summary_lines,
)


def _error(name, error):
    return AnsibleFilterError("%s: %s" % (name, "; ".join(error.problems)))


def _vmotion_audit(hosts, options=None):
    try:
        return build_audit(hosts, options)
    except FindingsError as e:
        raise _error("vmotion_audit", e)


def _vmotion_audit_markdown(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None):
    try:
        return render_markdown(audit, title=title, generated=generated, max_rows=max_rows, vcenter=vcenter, scope=scope, version=version,
                               logs=logs, previous=previous)
    except FindingsError as e:
        raise _error("vmotion_audit_markdown", e)


def _vmotion_audit_html(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None):
    try:
        return render_html(audit, title=title, generated=generated, max_rows=max_rows, vcenter=vcenter, scope=scope, version=version,
                           logs=logs, previous=previous)
    except FindingsError as e:
        raise _error("vmotion_audit_html", e)


def _vmotion_audit_compare(after, before):
    try:
        return compare_audits(before, after)
    except FindingsError as e:
        raise _error("vmotion_audit_compare", e)


def _vmotion_audit_summary(audit, show=20, report_markdown=None, report_json=None, report_html=None):
    try:
        return summary_lines(audit, show=show, report_markdown=report_markdown, report_json=report_json, report_html=report_html)
    except FindingsError as e:
        raise _error("vmotion_audit_summary", e)


class FilterModule(object):
    def filters(self):
        return {
            "vmotion_audit": _vmotion_audit,
            "vmotion_audit_markdown": _vmotion_audit_markdown,
            "vmotion_audit_html": _vmotion_audit_html,
            "vmotion_audit_compare": _vmotion_audit_compare,
            "vmotion_audit_summary": _vmotion_audit_summary,
        }
