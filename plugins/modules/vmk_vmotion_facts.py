#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vmk_vmotion_facts
short_description: VMkernel adapters, services, effective teaming and vMotion findings of ESXi hosts
version_added: 0.1.0
description:
  - Reads every VMkernel adapter (vmk) of one ESXi host, a list of hosts, a cluster, a datacenter or every host,
    with its port group, switch, addresses, MTU, TCP/IP stack and B(all) enabled services.
  - Reports the switches (standard and distributed) with their uplinks and MTU, the physical NICs with their link state and
    speed, and the port groups of the vmks and the vMotion ones (named as O(vmotion_portgroup_pattern) says) with their VLAN
    and B(effective) teaming (active, standby and unused uplinks, and whether the teaming is inherited from the switch).
    Port groups of virtual machines only are left out.
  - Adds findings per host (code, severity, message) about the multi-NIC vMotion layout, such as a vmk in a vMotion
    port group or subnet with vMotion disabled, or a vMotion port group with more than one active uplink.
  - Costs a constant number of API calls whatever the number of hosts, two PropertyCollector reads in all.
author:
  - multinic.vmotion contributors (@multinic)
options:
  failover:
    description:
      - The teaming the layout asks for on vMotion port groups.
      - V(unused) reports standby uplinks (the design of one active uplink, the others unused).
      - V(standby) reports unused uplinks (the design with the other uplinks on standby).
      - V(any) accepts both.
    type: str
    choices: [unused, standby, any]
    default: unused
  vmotion_portgroup_pattern:
    description:
      - Regular expression marking vMotion port groups by name; a vmk in such a port group is expected to have vMotion on.
    type: str
    default: (?i)vmotion
  vmotion_subnets:
    description:
      - Subnets (CIDR) that are vMotion subnets; a vmk there is expected to have vMotion on.
      - By default, the subnets in which the host already has a vMotion vmk.
    type: list
    elements: str
  one_vmk_per_subnet:
    description:
      - Report several vMotion vmks of one host in one subnet (the design with one subnet per vmk index).
      - Set to V(false) for the single-subnet design of KB 2007467.
    type: bool
    default: true
  uplinks:
    description:
      - Add the evidence of the physical network to each pnic of RV(ansible_facts.vmk_vmotion_facts.pnics) - the CDP or LLDP
        neighbour (switch, port, its MTU and VLAN), the IP subnets and VLANs the NIC has observed, and the switch and uplink
        name the host's teaming uses for it - and the findings that need it (C(SUBNET_NOT_OBSERVED), C(SPLIT_ISLAND),
        C(UPLINK_MTU_MISMATCH)).
      - Costs one C(HostNetworkSystem.QueryNetworkHint) per host (12 hosts, 12 calls; 256 hosts, 256), and one per NIC on a
        host whose all-NICs answer is empty, as some ESXi builds answer. Read-only (System.Read).
      - Link state and speed are always there; they come with the one read of the hosts.
    type: bool
    default: false
  ignore_findings:
    description: Finding codes not to report.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope
  - multinic.vmotion.scope.attributes_read_only
notes:
  - Works against vCenter and against a standalone ESXi host.
  - The data is returned once, as the fact C(vmk_vmotion_facts) (RV(ansible_facts.vmk_vmotion_facts)); RV(vmk_table) has a
    line per vmk for people, RV(summary) the counts.
  - Privileges - read-only. The built-in Read-only role (C(System.Anonymous), C(System.View), C(System.Read)) on the hosts
    in scope, their clusters and datacenters, and the distributed switches and port groups they use is enough; the module
    calls only C(RetrievePropertiesEx) and C(ContinueRetrievePropertiesEx), besides logging in and out.
"""

EXAMPLES = r"""
- name: One host, ad hoc, with credentials from VMWARE_HOST / VMWARE_USER / VMWARE_PASSWORD
  multinic.vmotion.vmk_vmotion_facts:
    esxi_hostname: esx01.example.com

- name: A whole cluster
  multinic.vmotion.vmk_vmotion_facts:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    cluster_name: Cluster-A
    failover: standby
  register: vmotion

- name: Fail on critical findings
  ansible.builtin.assert:
    that: vmotion.summary.findings.critical == 0
"""

RETURN = r"""
ansible_facts:
  description:
    - The fact C(vmk_vmotion_facts), where Ansible keeps what a C(*_facts) module returns (the data is returned once).
    - Registered, it is C(result.ansible_facts.vmk_vmotion_facts); as a host variable, C(vmk_vmotion_facts) of the host the
      task ran for (with C(run_once), of every host of the play).
  returned: always
  type: dict
  contains:
    vmk_vmotion_facts:
      description:
        - Every host in scope, keyed by host name (the fact C(vmk_vmotion_facts)).
        - A host vCenter cannot reach (disconnected, or not responding) has only C(name), C(connection_state),
          C(maintenance), C(cluster), C(datacenter) and C(vcenter), and no vmks, switches, port groups or findings, since
          vCenter has none of it (disconnected) or only what it last knew (not responding).
      type: dict
      contains:
        name:
          description: Host name as vCenter knows it.
          type: str
        connection_state:
          description:
            - V(disconnected) or V(notResponding) (C(HostSystem.runtime.connectionState)) on a host that is not read;
              absent on the hosts read (connected).
          type: str
          returned: on hosts vCenter cannot reach
        maintenance:
          description: V(true) when the host is in maintenance mode (changes go on there); absent otherwise on hosts read.
          type: bool
          returned: in maintenance mode, and on hosts vCenter cannot reach
        cluster:
          description: Cluster of the host, if any.
          type: str
        datacenter:
          description: Datacenter of the host.
          type: str
        mgmt_ip:
          description: IPv4 address of the management vmk (or the host name when it is an IPv4 address).
          type: str
        mgmt_octet:
          description: Last octet of RV(ansible_facts.vmk_vmotion_facts.mgmt_ip), the host part of every vMotion address.
          type: int
        vcenter:
          description: The vCenter (or ESXi) the host was read from, with the port when it is not 443.
          type: str
        pnics:
          description:
            - Physical NICs of the host, keyed by device.
            - With O(uplinks=true), each also has C(switch) and C(uplink) (where the host's teaming uses it), C(neighbour)
              (CDP or LLDP - switch, port and what the switch tells of it), C(observed) (IP subnets seen on the NIC) and
              C(vlans) (VLANs seen).
          type: dict
          contains:
            link:
              description: V(up) or V(down).
              type: str
            speed_mbps:
              description:
                - Link speed in megabits per second (null while the link is down).
                - There is no duplex - at the speeds vMotion runs on (1 Gb/s and up) a link is full duplex, and a
                  half-duplex link shows as a wrong speed.
              type: int
        switches:
          description: Standard and distributed switches of the host.
          type: list
          elements: dict
          contains:
            name:
              description: Switch name.
              type: str
            type:
              description: V(standard) or V(distributed).
              type: str
            uplinks:
              description: Physical NICs (standard) or uplink port names (distributed).
              type: list
              elements: str
            mtu:
              description: Switch MTU.
              type: int
            uuid:
              description: Distributed switch UUID.
              returned: on distributed switches
              type: str
            pnics:
              description: The physical NIC behind each of the host's uplinks of the distributed switch (uplink name -> pnic).
              returned: on distributed switches
              type: dict
              version_added: 0.3.0
        portgroups:
          description:
            - Port groups with VLAN and effective teaming - those a vmk of the host is on, and those whose name matches
              O(vmotion_portgroup_pattern) (the ones the findings judge as vMotion port groups).
            - Port groups of virtual machines only are left out - no finding reads them, and a distributed switch can carry
              hundreds of them, each repeated for every host.
          type: list
          elements: dict
          contains:
            name:
              description: Port group name.
              type: str
            switch:
              description: Switch name.
              type: str
            type:
              description: V(standard) or V(distributed).
              type: str
            vlan_id:
              description: VLAN ID (null for a trunk or private VLAN on a distributed switch).
              type: int
            key:
              description: Distributed port group key.
              returned: on distributed port groups
              type: str
            teaming:
              description: Effective teaming; an uplink of the switch in neither active nor standby is unused.
              type: dict
              contains:
                active:
                  description: Active uplinks in order.
                  type: list
                  elements: str
                standby:
                  description: Standby uplinks in order.
                  type: list
                  elements: str
                unused:
                  description: Uplinks of the switch that are neither active nor standby.
                  type: list
                  elements: str
                inherited:
                  description: Whether the order is inherited from the switch.
                  type: bool
            vm_ports:
              description: Number of virtual machine ports on a standard port group (null for a distributed one).
              type: int
        vmks:
          description: VMkernel adapters, sorted by device number.
          type: list
          elements: dict
          contains:
            device:
              description: Device name.
              type: str
            portgroup:
              description: Port group name (standard or distributed).
              type: str
            switch:
              description: Switch name.
              type: str
            dvport:
              description: Distributed port (switch_uuid, portgroup_key, port_key).
              returned: on vmks of a distributed switch
              type: dict
            ip:
              description: IPv4 address.
              type: str
            netmask:
              description: IPv4 netmask.
              type: str
            prefix_length:
              description: IPv4 prefix length.
              type: int
            ipv6:
              description:
                - IPv6 addresses (address, prefix_length, origin), without the automatic link-local one - C(fe80::/64) made
                  from RV(ansible_facts.vmk_vmotion_facts.vmks[].mac) on every vmk of a host with IPv6 on, which vMotion never
                  uses. A link-local address set by hand (origin V(manual)) is listed.
              type: list
              elements: dict
            dhcp:
              description:
                - Whether IPv4 comes from DHCP. RV(ansible_facts.vmk_vmotion_facts.vmks[].ip) is then the address the vmk holds.
              type: bool
            dhcp_lease:
              description:
                - Whether a DHCP vmk holds a lease. V(false) when its address is the C(169.254.0.0/16) one ESXi autoconfigures
                  while no DHCP server answers; such a vmk reaches no vMotion peer (finding C(VMOTION_DHCP), critical).
              type: bool
              returned: on DHCP vmks
            gateway:
              description:
                - The vmk's own default gateway (C(HostVirtualNicSpec.ipRouteSpec)), which overrides its TCP/IP stack's.
              type: str
              returned: when the vmk has one
            mac:
              description: MAC address.
              type: str
            mtu:
              description: MTU.
              type: int
            netstack:
              description: TCP/IP stack key (defaultTcpipStack, vmotion, vSphereProvisioning...).
              type: str
            services:
              description: Every service (nicType) enabled on the vmk.
              type: list
              elements: str
            vmotion:
              description: Whether vMotion uses the vmk (vmotion service or the vmotion TCP/IP stack).
              type: bool
            owner:
              description:
                - The solution that owns the vmk (C(HostVirtualNic.owner) of vSphere 9, for example V(NSX) or V(VSAN)).
                  The collection never changes or removes such a vmk.
                - Only on owned vmks, and only when vCenter and pyVmomi speak API 9.0 or later.
              type: str
              returned: when set
        stacks:
          description:
            - The host's TCP/IP stacks by key (V(defaultTcpipStack), V(vmotion), V(vSphereProvisioning)...), each with its default
              gateways (C(netStackInstance[].ipRouteConfig)). A vMotion vmk without its own gateway on the V(vmotion) stack
              reaches other subnets through that stack's (routed vMotion); the default stack's gateway is management's.
          type: dict
          contains:
            gateway:
              description: The stack's IPv4 default gateway, V(null) when it has none.
              type: str
            gateway_ipv6:
              description: The stack's IPv6 default gateway, V(null) when it has none.
              type: str
            routes:
              description: The stack's own route table (C(routeTableConfig)), one C(network/prefix via gateway (device)) each.
              type: list
              elements: str
          sample:
            defaultTcpipStack: {gateway: 192.168.100.1, gateway_ipv6: null, routes: ["0.0.0.0/0 via 192.168.100.1 (vmk0)"]}
            vmotion: {gateway: 172.16.1.1, gateway_ipv6: null, routes: ["0.0.0.0/0 via 172.16.1.1 (vmk1)", "172.16.1.0/24 (vmk1)"]}
        findings:
          description: Problems of the multi-NIC vMotion layout, most severe first.
          type: list
          elements: dict
          contains:
            code:
              description: Stable code such as V(VMOTION_DISABLED).
              type: str
            severity:
              description: V(critical), V(warning) or V(info).
              type: str
            message:
              description: What is wrong and what to do.
              type: str
            device:
              description: The vmk concerned, when there is one.
              type: str
            portgroup:
              description: The port group concerned, when there is one.
              type: str
      sample:
        192.168.100.109:
          name: 192.168.100.109
          cluster: CL01
          datacenter: DC01
          mgmt_ip: 192.168.100.109
          mgmt_octet: 109
          switches:
            - {name: vSwitch4, type: standard, uplinks: [vmnic8, vmnic9], mtu: 9000}
          portgroups:
            - name: vMotion-1
              switch: vSwitch4
              type: standard
              vlan_id: 0
              teaming: {active: [vmnic8], standby: [], unused: [vmnic9], inherited: false}
              vm_ports: 0
          vmks:
            - device: vmk3
              portgroup: vMotion-3
              switch: vSwitch1
              ip: 172.16.3.109
              netmask: 255.255.255.0
              prefix_length: 24
              ipv6: []
              dhcp: false
              mac: 00:50:56:6d:03:6d
              mtu: 1500
              netstack: defaultTcpipStack
              services: []
              vmotion: false
          findings:
            - code: VMOTION_DISABLED
              severity: critical
              device: vmk3
              portgroup: vMotion-3
              message: "192.168.100.109 vmk3 (172.16.3.109) in port group vMotion-3 has vMotion disabled"
summary:
  description: Counts over all hosts in scope.
  returned: always
  type: dict
  contains:
    hosts: {description: Hosts read., type: int}
    vmks: {description: Their vmks., type: int}
    vmotion_vmks: {description: Their vMotion vmks., type: int}
    findings: {description: Findings per severity., type: dict}
    not_read: {description: "Hosts in scope vCenter cannot reach, with their state (V(disconnected), V(notResponding)).", type: dict}
  sample: {hosts: 11, vmks: 77, vmotion_vmks: 55, findings: {critical: 4, warning: 0, info: 0}, not_read: {192.168.100.110: disconnected}}
vmk_table:
  description:
    - For people, one line per vmk of each host, keyed by host name - device, address, port group (switch), active uplink
      with its link speed (or V(down)), MTU, services, and the TCP/IP stack when it is not the default one.
  returned: always
  type: dict
  sample:
    192.168.100.107:
      - vmk0 192.168.100.107/24 pg Management Network (vSwitch0) active vmnic0,vmnic1 (10000 Mb/s, 10000 Mb/s) mtu 1500 management
      - vmk1 172.16.1.107/24 pg vMotion-1 (vSwitch4) active vmnic8 (10000 Mb/s) mtu 9000 vmotion
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import SEVERITIES, FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import UPLINK_FLEET_CODES, fleet_findings, host_findings, vmotion_portgroup_pattern
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import not_read_text, pnic_facts, published_facts, vmk_table
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.uplink_evidence import read_uplink_evidence
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import NETSTACK_PROPERTY, PNIC_PROPERTY


class VmkVmotionFacts(VmotionModule):
    def run(self):
        options = {
            "failover": self.params["failover"],
            "vmotion_portgroup_pattern": self.params["vmotion_portgroup_pattern"],
            "vmotion_subnets": self.params["vmotion_subnets"],
            "one_vmk_per_subnet": self.params["one_vmk_per_subnet"],
            "ignore": self.params["ignore_findings"],
        }
        try:
            pattern = vmotion_portgroup_pattern(options)  # bad options fail before the read
        except FindingsError as e:
            self.fail("invalid findings options: %s" % e)
        states = self.read_hosts(host_properties=(PNIC_PROPERTY, NETSTACK_PROPERTY))
        evidence = read_uplink_evidence(self.client, states)[0] if self.params["uplinks"] else {}
        # what is returned is what the rules judge, so that the audit of these facts finds what the module found
        hosts = dict((name, published_facts(dict(
            state.facts, cluster=state.cluster, datacenter=state.datacenter, vcenter=self.vcenter,
            pnics=evidence[name] if name in evidence else pnic_facts(state.raw_network)), pattern)) for name, state in states.items())
        findings = dict((n, host_findings(f, options)) for n, f in hosts.items())
        if evidence:
            # the uplink evidence is judged across the hosts read (what the other hosts' uplinks see)
            for name, found in fleet_findings(hosts, options)["by_host"].items():
                findings[name] += [f for f in found if f["code"] in UPLINK_FLEET_CODES]
        table = {}
        counts = dict((s, 0) for s in SEVERITIES)
        vmks = vmotion_vmks = 0
        for name, facts in hosts.items():
            facts["findings"] = findings.get(name, [])
            for finding in facts["findings"]:
                counts[finding["severity"]] += 1
            vmks += len(facts["vmks"])
            vmotion_vmks += sum(1 for v in facts["vmks"] if v["vmotion"])
            table[name] = vmk_table(facts, facts["pnics"])
        # hosts vCenter cannot reach are named with their state, counted apart, and never judged
        for name, host in self.unread.items():
            hosts[name] = dict(host, vcenter=self.vcenter)
            table[name] = [not_read_text(host)]
        hosts = dict(sorted(hosts.items()))
        summary = {"hosts": len(hosts) - len(self.unread), "vmks": vmks, "vmotion_vmks": vmotion_vmks, "findings": counts,
                   "not_read": self.not_read()}
        # the data once, where Ansible keeps a *_facts module's result: ansible_facts
        self.exit(changed=False, summary=summary, vmk_table=table, ansible_facts={"vmk_vmotion_facts": hosts})


def main():
    VmkVmotionFacts(dict(
        failover=dict(type="str", choices=["unused", "standby", "any"], default="unused"),
        vmotion_portgroup_pattern=dict(type="str", default="(?i)vmotion"),
        vmotion_subnets=dict(type="list", elements="str"),
        one_vmk_per_subnet=dict(type="bool", default=True),
        ignore_findings=dict(type="list", elements="str", default=[]),
        uplinks=dict(type="bool", default=False),
    )).execute()


if __name__ == "__main__":
    main()
