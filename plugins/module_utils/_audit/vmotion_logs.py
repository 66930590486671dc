# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vMotion verdict of the hosts' vmkernel logs: read_vmotion_logs reads (_vsphere.log_paging), parses and judges
(_audit.vmkernel_log) every host of a scope as vmotion_log_facts returns them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import not_read_text
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import (
    VmkernelLogParser,
    judge_host,
    unreadable_verdict,
    vmotion_vmks,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.log_paging import LOG_KEY, HostLog, HostLogError, read_log_tail


def read_vmotion_logs(client, states, want):
    """{name: host entry} of vmotion_log_facts for {name: HostState}: the last `want` log lines of each, judged.

    One host whose log cannot be read is reported as unreadable; VsphereError (a lost connection,
    a server without DiagnosticManager) ends the read.
    """
    hosts = {}
    for name, state in states.items():
        vmks = vmotion_vmks(state.facts)
        parser = VmkernelLogParser()
        browse = HostLog(client, name, state.moref)
        host = {"name": name, "cluster": state.cluster, "datacenter": state.datacenter, "vmotion_vmks": vmks}
        try:
            host["log"] = read_log_tail(browse, want, parser.feed_lines)
        except HostLogError as e:
            host.update(log={"key": LOG_KEY, "calls": browse.calls, "error": str(e)}, migrations=[],
                        verdict=unreadable_verdict(vmks, str(e)))
        else:
            host["log"].update(lines_matched=parser.matched, calls=browse.calls)
            host["migrations"], host["verdict"] = judge_host(name, parser.migrations(), vmks)
        hosts[name] = host
    return hosts


def unread_log_entries(unread):
    """{name: host entry} of vmotion_log_facts for hosts vCenter cannot reach: no log is asked for (it comes from the host)."""
    entries = {}
    for name, host in unread.items():
        why = "%s: vCenter cannot reach the host" % not_read_text(host)
        entries[name] = {"name": name, "cluster": host.get("cluster"), "datacenter": host.get("datacenter"), "vmotion_vmks": [],
                         "log": {"key": LOG_KEY, "calls": 0, "error": why}, "migrations": [],
                         "verdict": unreadable_verdict([], why, "not_read")}
    return entries
