# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Which ESXi hosts a module works on; shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  esxi_hostname:
    description:
      - Name of one ESXi host, or a list of names, as the host is known to vCenter.
      - Names that do not exist make the module fail with the list of unknown names, before any change.
      - Without O(esxi_hostname), O(cluster_name) and O(datacenter), every host of the vCenter (or the standalone ESXi host) is in scope.
    type: list
    elements: str
    aliases: [esxi_hostnames]
  cluster_name:
    description:
      - Every host of this cluster. Combined with O(esxi_hostname), the hosts must also be in the cluster.
    type: str
  datacenter:
    description:
      - Every host of this datacenter. Narrows O(cluster_name) when both are given.
    type: str
    aliases: [datacenter_name]
"""

    ATTRIBUTES_READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
"""

    ATTRIBUTES_CHANGE = r"""
attributes:
  check_mode:
    support: full
    description: Computes and returns the changes it would make, with zero write calls.
  diff_mode:
    support: full
    description: Returns the state before and after per host.
"""
