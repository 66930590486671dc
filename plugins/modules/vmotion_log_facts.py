#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vmotion_log_facts
short_description: Prove from the vmkernel.log of ESXi hosts that vMotion migrations used every vMotion vmk
version_added: 0.1.0
description:
  - Reads the end of the C(vmkernel.log) of one ESXi host, a list of hosts, a cluster, a datacenter or every host
    through the vSphere API (C(DiagnosticManager.BrowseDiagnosticLog), log key C(vmkernel)); no SSH and no log bundle.
  - Finds the vMotion migrations in those lines, as the P(multinic.vmotion.vmotion_migrations#filter) filter does,
    on the source side (C(S:) lines) and the destination side (C(D:) lines).
  - Compares each migration with the host's vMotion vmks (vmks with the vMotion service or on the vmotion TCP/IP stack,
    as M(multinic.vmotion.vmk_vmotion_facts) reports them) and tells, per migration and per host, how many streams were
    expected and seen, which vMotion vmks carried no stream, which addresses that are not vMotion vmks were bound,
    the network bandwidth of the pre-copy and whether the migration failed.
  - Only the last O(lines) lines of each log are transferred. Each host costs one call to learn where its log ends,
    then one call per page of lines (the server decides the page size; vCenter sends at most 500 lines per call and
    ESXi 1000); the hosts' vmks cost one or two PropertyCollector reads for the whole scope.
author:
  - multinic.vmotion contributors (@multinic)
options:
  lines:
    description:
      - How many lines to read from the end of each host's C(vmkernel.log).
      - A migration whose first lines are before that window is reported with RV(hosts.migrations[].partial=true)
        and not judged; raise O(lines) to judge it.
    type: int
    default: 5000
  fail_on_missing_streams:
    description:
      - Fail when a migration (that is not partial) carried fewer streams than the host has vMotion vmks, or left a
        vMotion vmk without a stream. The message names the host, the migration and the vmks; the result is returned
        as well.
      - Failed migrations and unexpected vmknics are reported in RV(hosts.verdict) either way, but do not make the
        task fail.
    type: bool
    default: false
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope
  - multinic.vmotion.scope.attributes_read_only
notes:
  - Works against vCenter and against a standalone ESXi host.
  - Each vMotion vmk is expected to carry one stream, on its IPv4 address or, when it has none, on its first IPv6
    address that is not link-local.
  - A host whose log cannot be read (for example a disconnected host) is reported with
    RV(hosts.verdict.status=unreadable) and the server's message; the task fails only when no host in scope could be read.
  - The log lines themselves are not returned, only what was found in them.
  - Privileges - read-only plus C(Global.Diagnostics) (Global > Diagnostics), which C(DiagnosticManager.BrowseDiagnosticLog)
    requires. It is a global privilege, so the role must be granted on the vCenter root object (with propagation, so that
    the hosts can be read as well).
seealso:
  - module: multinic.vmotion.vmk_vmotion_facts
  - plugin: multinic.vmotion.vmotion_migrations
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Did the last migrations of the cluster use every vMotion vmk?
  multinic.vmotion.vmotion_log_facts:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    cluster_name: Cluster-A
  register: vmotion_log

- name: Hosts whose migrations left a vMotion vmk unused
  ansible.builtin.debug:
    msg: "{{ vmotion_log.hosts[item].verdict.problems }}"
  loop: "{{ vmotion_log.summary.hosts_not_ok }}"

- name: Fail the play when a migration of these hosts missed a stream
  multinic.vmotion.vmotion_log_facts:
    esxi_hostname: [esx01.example.com, esx02.example.com]
    lines: 20000
    fail_on_missing_streams: true

- name: Bandwidth of every judged migration of one host
  ansible.builtin.debug:
    msg: "{{ vmotion_log.hosts['esx01.example.com'].migrations | rejectattr('partial') | map(attribute='bandwidth_mbytes_per_s') | list }}"
"""

RETURN = r"""
hosts:
  description: Every host in scope, keyed by host name.
  returned: always
  type: dict
  contains:
    name:
      description: Host name as vCenter knows it.
      type: str
    cluster:
      description: Cluster of the host, if any.
      type: str
    datacenter:
      description: Datacenter of the host.
      type: str
    vmotion_vmks:
      description: The host's vMotion vmks and the address each is expected to carry a stream on.
      type: list
      elements: dict
      contains:
        device: {description: VMkernel adapter., type: str}
        ip: {description: Its address., type: str}
    log:
      description: Which part of the log was read.
      type: dict
      contains:
        key: {description: The log key (always V(vmkernel))., type: str}
        line_start: {description: First line number read (1 is the first line of the current log file)., type: int}
        line_end: {description: Last line of the log when the read started., type: int}
        lines_read: {description: Lines received., type: int}
        lines_matched: {description: Lines that belonged to a migration., type: int}
        calls: {description: BrowseDiagnosticLog calls made for this host., type: int}
        error: {description: Why the log could not be read (only when RV(hosts.verdict.status=unreadable))., type: str}
    migrations:
      description:
        - Migrations found, one entry per migration id and side, in order of first appearance, with the judgement of each.
        - Besides the keys below, every key of the P(multinic.vmotion.vmotion_migrations#filter) filter's entries
          (C(src_ip), C(dst_ip), C(world_ids), C(streams_removed), C(precopy), C(warnings), C(failure),
          C(first_ts), C(last_ts), C(duration_s)).
      type: list
      elements: dict
      contains:
        id: {description: Migration id (the C(ts) of its start line)., type: str}
        side: {description: V(source) or V(destination)., type: str}
        streams: {description: Stream connections added., type: int}
        vmknics: {description: Addresses the migration bound (in order of first appearance)., type: list, elements: str}
        bandwidth_mbytes_per_s:
          description: Network bandwidth of the pre-copy in megabytes per second (MB/s, as ESXi prints it), null when not logged.
          type: float
        bandwidth_mbps:
          description:
            - Deprecated, use RV(hosts.migrations[].bandwidth_mbytes_per_s); the same value, in megabytes (not megabits) per second.
            - Kept for one release, removed in 0.3.0.
          type: float
        failed: {description: Whether the migration logged a failure., type: bool}
        partial:
          description: The start line of the migration is not among the lines read, so it is not judged.
          type: bool
        expected_streams: {description: Number of vMotion vmks of the host., type: int}
        used_vmks: {description: vMotion vmks that carried a stream (device and ip) in device order., type: list, elements: dict}
        unused_vmks: {description: vMotion vmks that carried no stream (device and ip) in device order., type: list, elements: dict}
        unexpected_vmknics: {description: Bound addresses that are not vMotion vmks of the host., type: list, elements: str}
        ok:
          description: Not failed, one stream per vMotion vmk and nothing else bound; null when partial.
          type: bool
    verdict:
      description: The host in one place.
      type: dict
      contains:
        status:
          description:
            - V(ok) when every judged migration is ok; V(not_ok) when one is not or a migration failed (partial or not);
              V(no_migrations) when no migration could be judged; V(unreadable) when the log could not be read; V(not_read) when
              vCenter cannot reach the host (disconnected, not responding).
          type: str
        expected_streams: {description: Number of vMotion vmks., type: int}
        migrations: {description: Number of judged migrations., type: int}
        partial: {description: Number of partial migrations (not judged)., type: int}
        failed: {description: Ids of failed migrations (partial ones included)., type: list, elements: str}
        missing_streams:
          description: Judged migrations with fewer streams than vMotion vmks or an unused vMotion vmk.
          type: list
          elements: dict
          contains:
            id: {description: Migration id., type: str}
            side: {description: V(source) or V(destination)., type: str}
            seen_streams: {description: Streams added., type: int}
            expected_streams: {description: Number of vMotion vmks., type: int}
            unused_vmks: {description: vMotion vmks without a stream (device and ip)., type: list, elements: dict}
            message: {description: The same in one sentence., type: str}
        vmks_never_used:
          description: vMotion vmks that carried no stream in any judged migration (empty when none was judged).
          type: list
          elements: dict
        problems:
          description: One sentence per problem, naming the migration, the vmks and their addresses.
          type: list
          elements: str
  sample:
    192.168.100.110:
      name: 192.168.100.110
      cluster: CL01
      datacenter: DC01
      vmotion_vmks:
        - {device: vmk1, ip: 172.16.1.110}
        - {device: vmk2, ip: 172.16.2.110}
        - {device: vmk3, ip: 172.16.3.110}
        - {device: vmk4, ip: 172.16.4.110}
        - {device: vmk6, ip: 172.16.0.110}
      log: {key: vmkernel, line_start: 1, line_end: 15, lines_read: 15, lines_matched: 12, calls: 2}
      migrations:
        - id: "1371189392257032"
          side: source
          src_ip: 172.16.2.110
          dst_ip: 172.16.2.111
          streams: 4
          vmknics: [172.16.2.110, 172.16.4.110, 172.16.1.110, 172.16.0.110]
          bandwidth_mbytes_per_s: 571.132
          bandwidth_mbps: 571.132
          failed: false
          partial: false
          expected_streams: 5
          used_vmks:
            - {device: vmk1, ip: 172.16.1.110}
            - {device: vmk2, ip: 172.16.2.110}
            - {device: vmk4, ip: 172.16.4.110}
            - {device: vmk6, ip: 172.16.0.110}
          unused_vmks: [{device: vmk3, ip: 172.16.3.110}]
          unexpected_vmknics: []
          ok: false
      verdict:
        status: not_ok
        expected_streams: 5
        migrations: 1
        partial: 0
        failed: []
        missing_streams:
          - id: "1371189392257032"
            side: source
            seen_streams: 4
            expected_streams: 5
            unused_vmks: [{device: vmk3, ip: 172.16.3.110}]
            message: >-
              192.168.100.110: migration 1371189392257032 (source, 2013-06-14T05:30:23.991Z) carried 4 stream(s)
              for 5 vMotion vmk(s); no stream on vmk3 (172.16.3.110)
        vmks_never_used: [{device: vmk3, ip: 172.16.3.110}]
        problems:
          - >-
            192.168.100.110: migration 1371189392257032 (source, 2013-06-14T05:30:23.991Z) carried 4 stream(s)
            for 5 vMotion vmk(s); no stream on vmk3 (172.16.3.110)
summary:
  description: Counts over all hosts in scope.
  returned: always
  type: dict
  contains:
    hosts: {description: Hosts in scope., type: int}
    migrations: {description: Judged migrations., type: int}
    partial: {description: Partial migrations (not judged)., type: int}
    failed: {description: Failed migrations (partial ones included)., type: int}
    missing_streams: {description: Judged migrations with a missing stream., type: int}
    not_ok: {description: Judged migrations that are not ok., type: int}
    hosts_not_ok: {description: Hosts with status V(not_ok)., type: list, elements: str}
    hosts_without_migrations: {description: Hosts with status V(no_migrations)., type: list, elements: str}
    unreadable: {description: Hosts with status V(unreadable)., type: list, elements: str}
    not_read:
      description: Hosts with status V(not_read), which vCenter cannot reach (disconnected, not responding); their log is not asked for.
      type: list
      elements: str
    calls: {description: BrowseDiagnosticLog calls in all., type: int}
    ok:
      description: At least one migration was judged, no host is V(not_ok) and every log could be read.
      type: bool
  sample:
    hosts: 2
    migrations: 2
    partial: 0
    failed: 0
    missing_streams: 1
    not_ok: 1
    hosts_not_ok: [192.168.100.110]
    hosts_without_migrations: []
    unreadable: []
    not_read: []
    calls: 4
    ok: false
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmotion_logs import read_vmotion_logs, unread_log_entries
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.log_paging import LOG_KEY
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import log_summary


class VmotionLogFacts(VmotionModule):
    def run(self):
        want = self.params["lines"]
        if want < 1:
            self.fail("lines must be at least 1 (got %d)" % want)
        states = self.read_hosts()  # connects: self.client is set from here on
        hosts = read_vmotion_logs(self.client, states, want)
        # hosts vCenter cannot reach: named with their state (status not_read), no log asked for
        hosts.update(unread_log_entries(self.unread))
        summary = log_summary(hosts)
        if hosts and len(summary["unreadable"]) + len(summary["not_read"]) == len(hosts):
            self.fail("could not read the %s log of any host in scope: %s"
                      % (LOG_KEY, "; ".join(h["log"]["error"] for h in hosts.values())), hosts=hosts, summary=summary)
        if self.params["fail_on_missing_streams"] and summary["missing_streams"]:
            messages = [gap["message"] for h in hosts.values() for gap in h["verdict"]["missing_streams"]]
            self.fail("%d migration(s) did not use every vMotion vmk: %s" % (summary["missing_streams"], "; ".join(messages)),
                      hosts=hosts, summary=summary)
        self.exit(changed=False, hosts=hosts, summary=summary)


def main():
    VmotionLogFacts(dict(
        lines=dict(type="int", default=5000),
        fail_on_missing_streams=dict(type="bool", default=False),
    )).execute()


if __name__ == "__main__":
    main()
