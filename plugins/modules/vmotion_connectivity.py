#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vmotion_connectivity
short_description: Ping every vMotion vmk from its peers through vCenter, with DF and the vmk's full MTU
version_added: 0.2.0
description:
  - For every vMotion index (a vmk device with vMotion enabled on at least half of the hosts in scope, as
    M(multinic.vmotion.vmk_vmotion_facts) and the audit count them), makes the vmk of one host ping the same vmk of
    its peers with esxcli C(network diag ping) run on the host through the vSphere API
    (C(HostSystem.RetrieveManagedMethodExecuter), then C(ExecuteSoap)); no SSH and no host credentials.
  - Each ping sets DF (do not fragment) and carries the largest payload the source vmk's MTU allows (MTU - 28 for
    IPv4, MTU - 48 for IPv6). When it gets no answer, a small ping (56 bytes) tells a path that does not carry the
    MTU (V(mtu_too_small)) from no path at all (V(no_path), or V(link_down) when an active uplink of either vmk reports
    no link).
  - O(strategy) chooses the pairs; O(concurrency) bounds the pings in flight. The hosts' vmks cost the same one or two
    PropertyCollector reads as M(multinic.vmotion.vmk_vmotion_facts), their NICs' link state included; then each host
    that sends pings costs one C(RetrieveManagedMethodExecuter), each pair one C(ExecuteSoap) (two when the large ping
    fails).
  - Proves that, at the time of the run, each pair's vmks reach each other over the physical network with the vmk's
    MTU. It does not prove that vMotion is enabled on them (see the findings of M(multinic.vmotion.vmk_vmotion_facts))
    nor that a failed-over uplink would work.
author:
  - multinic.vmotion contributors (@multinic)
options:
  strategy:
    description:
      - Which pairs ping, on each index with n hosts.
      - V(mesh) every ordered pair, n(n-1) pings (each direction has its own source MTU and TCP/IP stack).
      - V(star) every host pings the O(reference_host), n-1 pings.
      - V(ring) each host pings the next one in name order, the last one the first, n pings.
      - 12 hosts with 5 indexes cost 660 (mesh), 55 (star) or 60 (ring) pings on a clean fleet; 256 hosts
        326,400, 1,275 or 1,280.
    type: str
    choices: [mesh, star, ring]
    default: mesh
  reference_host:
    description:
      - The host every other host pings with O(strategy=star), as vCenter knows it.
      - By default, and on an index the reference host does not have, the first host in name order that has it.
    type: str
  devices:
    description:
      - Only these vMotion indexes (vmk devices); by default every index.
      - A device no host in scope has fails the task before any ping.
    type: list
    elements: str
  count:
    description: Pings per test (esxcli's C(--count)).
    type: int
    default: 3
  concurrency:
    description:
      - How many pings are in flight at once (each is one C(ExecuteSoap) that vCenter forwards to the host, which takes
        about O(count) seconds).
    type: int
    default: 8
  fail_on:
    description:
      - Verdicts that make the task fail (the result is returned as well). By default no verdict does.
    type: list
    elements: str
    choices: [packet_loss, mtu_too_small, no_path, link_down, no_address, error]
    default: []
  return_pairs:
    description:
      - Which pairs RV(pairs) lists. V(failing), the default, keeps an ad hoc result short (the seed fleet's 660 pairs would
        print some 18,000 lines); RV(summary) counts every pair either way. V(all) lists every pair (the vmotion_audit
        role asks for it, for its matrices).
    type: str
    choices: [failing, all]
    default: failing
    version_added: 0.3.0
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope
  - multinic.vmotion.scope.attributes_read_only
notes:
  - Works against vCenter and against a standalone ESXi host.
  - Check mode runs the pings too; they change nothing on the hosts.
  - A ping crosses the path both ways, so V(ok) from A to B also proves B's replies reach A; it is run with A's MTU.
  - A vmk on the vmotion TCP/IP stack pings with C(--netstack=vmotion); an IPv6-only vmk pings its peers' IPv6 address.
  - A vmk of an index with vMotion disabled is pinged too (ICMP does not need the service); the findings of
    M(multinic.vmotion.vmk_vmotion_facts) report the service.
  - Needs, besides read-only, the privilege vCenter asks for C(ExecuteSoap) on the hosts (see the README, Privileges).
seealso:
  - module: multinic.vmotion.vmk_vmotion_facts
"""

EXAMPLES = r"""
- name: Every vMotion path of the cluster, with jumbo frames
  multinic.vmotion.vmotion_connectivity:
    cluster_name: CL01
  register: wire

- name: Pairs that do not carry the vmk MTU
  ansible.builtin.debug:
    msg: "{{ wire.pairs | selectattr('verdict', 'eq', 'mtu_too_small') | map(attribute='reason') | list }}"

- name: A large fleet, linear cost, failing on any broken path
  multinic.vmotion.vmotion_connectivity:
    datacenter: DC01
    strategy: star
    reference_host: esx01.example.com
    concurrency: 16
    fail_on: [mtu_too_small, no_path, link_down, error]
"""

RETURN = r"""
pairs:
  description: The pairs that failed (every pair pinged with O(return_pairs=all)), index by index, in host name order.
  returned: always
  type: list
  elements: dict
  contains:
    index: {description: The vMotion index (vmk device)., type: str}
    source: {description: Host that sent the ping., type: str}
    destination: {description: Host pinged., type: str}
    source_device: {description: The vmk the ping left from., type: str}
    destination_device: {description: The peer's vmk., type: str}
    source_ip: {description: Address of the source vmk., type: str}
    destination_ip: {description: Address pinged., type: str}
    family: {description: V(ipv4) or V(ipv6); null when the vmks have no family in common., type: str}
    mtu: {description: MTU of the source vmk., type: int}
    size: {description: Payload of the large ping (MTU - 28 or - 48)., type: int}
    ok: {description: The large DF ping answered without loss., type: bool}
    verdict:
      description: One of V(ok), V(packet_loss), V(mtu_too_small), V(no_path), V(link_down), V(no_address), V(error).
      type: str
    reason: {description: "The verdict in one sentence, naming hosts, vmks and sizes.", type: str}
    loss_percent: {description: Loss of the large ping., type: int}
    rtt_avg_ms: {description: "Average round trip in ms of the ping that answered (the large one, else the small one).", type: float}
    large:
      description: The large ping's counts (transmitted, received, loss_percent, rtt_min_ms, rtt_avg_ms, rtt_max_ms, fault).
      type: dict
    small:
      description: The small ping's counts, when it was sent (the large one got no answer).
      type: dict
  sample:
    - index: vmk1
      source: 192.168.100.110
      destination: 192.168.100.111
      source_device: vmk1
      destination_device: vmk1
      source_ip: 172.16.1.110
      destination_ip: 172.16.1.111
      family: ipv4
      mtu: 9000
      size: 8972
      ok: false
      verdict: mtu_too_small
      reason: >-
        192.168.100.110 vmk1 -> 192.168.100.111 vmk1: the 8972-byte DF ping (MTU 9000) got no answer but a 56-byte
        ping did; the path does not carry MTU 9000
      loss_percent: 100
      rtt_avg_ms: 0.21
      large: {transmitted: 3, received: 0, loss_percent: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null, fault: null}
      small: {transmitted: 3, received: 3, loss_percent: 0, rtt_min_ms: 0.18, rtt_avg_ms: 0.21, rtt_max_ms: 0.25, fault: null}
summary:
  description: Counts of the run.
  returned: always
  type: dict
  contains:
    strategy: {description: The strategy used., type: str}
    pairs: {description: Pairs pinged., type: int}
    ok: {description: Pairs with verdict V(ok)., type: int}
    failing: {description: Pairs with any other verdict., type: int}
    verdicts: {description: Pairs per verdict., type: dict}
    clean: {description: "Every pair is V(ok), and every host in scope was read.", type: bool}
    not_read:
      description:
        - Hosts in scope vCenter cannot reach (disconnected, not responding), with their state; they are not pinged and
          their pairs are not in RV(pairs).
      type: dict
    calls:
      description: API calls made by the pings (C(RetrieveManagedMethodExecuter), C(ExecuteSoap)) and the reads.
      type: dict
    indexes:
      description:
        - Per index, its hosts, pairs, verdict counts, the failing pairs as [source, destination, verdict], the
          reference host (star) and C(hosts_cut_off), the hosts every pair of which fails while other pairs of the
          index are ok (the likely place of the fault).
      type: dict
  sample:
    strategy: star
    pairs: 55
    ok: 54
    failing: 1
    verdicts: {ok: 54, packet_loss: 0, mtu_too_small: 0, no_path: 1, link_down: 0, no_address: 0, error: 0}
    clean: false
    calls: {RetrieveManagedMethodExecuter: 11, ExecuteSoap: 56, reads: 1}
    indexes:
      vmk2:
        hosts: 12
        pairs: 11
        ok: 10
        verdicts: {ok: 10, packet_loss: 0, mtu_too_small: 0, no_path: 1, link_down: 0, no_address: 0, error: 0}
        failing_pairs: [[192.168.100.114, 192.168.100.51, no_path]]
        hosts_cut_off: [192.168.100.114]
        reference: 192.168.100.51
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._audit import ping_mesh as connectivity
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.esxcli import Pinger
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.uplink_evidence import host_link_states
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import NETSTACK_PROPERTY, PNIC_PROPERTY


class VmotionConnectivity(VmotionModule):
    def run(self):
        for option in ("count", "concurrency"):
            if self.params[option] < 1:
                self.fail("%s must be at least 1 (got %d)" % (option, self.params[option]))
        states = self.read_hosts(host_properties=(PNIC_PROPERTY, NETSTACK_PROPERTY))  # link states and stack gateways, same read
        facts = dict((name, state.facts) for name, state in states.items())
        by_index = connectivity.endpoints(facts, {"vmotion_devices": self.params["devices"]} if self.params["devices"] else None)
        absent = sorted(d for d, members in by_index.items() if not members)
        if self.params["devices"] and absent:
            self.fail("devices: no host in scope has %s" % ", ".join(absent))
        try:
            pairs, references = connectivity.plan(by_index, self.params["strategy"], self.params["reference_host"])
        except connectivity.ConnectivityError as e:
            self.fail(str(e))
        pinger = Pinger(self.client, states)
        results = connectivity.run_pairs(pairs, pinger, self.params["concurrency"], links=host_link_states(states), count=self.params["count"])
        calls = dict(pinger.calls(), reads=2 if self.params.get("esxi_hostname") else 1)
        summary = connectivity.summarize(results, self.params["strategy"], references, calls)
        # hosts vCenter cannot reach are not pinged (esxcli runs on the host): named, and the run is not clean
        summary["not_read"] = self.not_read()
        if self.unread:
            summary["clean"] = False
        failed = connectivity.failures(results, self.params["fail_on"])
        shown = results if self.params["return_pairs"] == "all" else [r for r in results if not r["ok"]]
        if failed:
            self.fail(connectivity.failure_message(failed, self.params["fail_on"], summary), pairs=shown, summary=summary)
        self.exit(changed=False, pairs=shown, summary=summary)


def main():
    VmotionConnectivity(dict(
        strategy=dict(type="str", choices=list(connectivity.STRATEGIES), default="mesh"),
        reference_host=dict(type="str"),
        devices=dict(type="list", elements="str"),
        count=dict(type="int", default=connectivity.DEFAULT_COUNT),
        concurrency=dict(type="int", default=connectivity.DEFAULT_CONCURRENCY),
        fail_on=dict(type="list", elements="str", choices=list(connectivity.FAILING_VERDICTS), default=[]),
        return_pairs=dict(type="str", choices=["failing", "all"], default="failing"),
    )).execute()


if __name__ == "__main__":
    main()
