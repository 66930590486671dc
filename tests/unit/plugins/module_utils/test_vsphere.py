# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host read asks for the parts of config.network in use, and puts them back together as one HostNetworkInfo."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from pyVmomi import vim

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere import HOST_NETWORK_PROPERTIES, NETWORK_PARTS, network_info


def test_the_read_names_the_parts_not_the_whole_of_config_network():
    assert "config.network" not in HOST_NETWORK_PROPERTIES
    assert [p for p in HOST_NETWORK_PROPERTIES if p.startswith("config.network.")] == [
        "config.network.vswitch", "config.network.portgroup", "config.network.proxySwitch", "config.network.vnic"]


def test_network_info_holds_the_parts_read_and_nothing_else():
    vnic = vim.host.VirtualNic(device="vmk1", portgroup="vMotion-1")
    info = network_info({"name": "esx01", "config.network.vnic": [vnic]})
    assert isinstance(info, vim.host.NetworkInfo)
    assert [v.device for v in info.vnic] == ["vmk1"]
    # Parts absent from the answer (a host without config) are empty lists, as host_facts expects.
    assert all(list(getattr(info, part)) == [] for part in NETWORK_PARTS if part != "vnic")
    assert list(info.pnic) == []
