# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters computing vMotion vmk addresses and layouts; the rules live in module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.session_cache import connection_groups
from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import batch_host_result
from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import DEFAULT_HOST_BITS, LayoutError, vmotion_ip
from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import batch_layouts, build_layout, host_layout, layout_line


def _vmotion_ip(mgmt_ip, subnet, prefix=False, host_bits=DEFAULT_HOST_BITS):
    try:
        return vmotion_ip(mgmt_ip, subnet, prefix=prefix, host_bits=host_bits)
    except LayoutError as e:
        raise AnsibleFilterError("vmotion_ip: %s" % "; ".join(e.problems))


def _vmotion_layout(plan, mgmt_ip, defaults=None, host_bits=DEFAULT_HOST_BITS):
    try:
        return build_layout(plan, mgmt_ip, defaults=defaults, host_bits=host_bits)
    except LayoutError as e:
        raise AnsibleFilterError("vmotion_layout: %d problem(s): %s" % (len(e.problems), "; ".join(e.problems)))


def _vmotion_layout_check(plan, mgmt_ip, defaults=None, host_bits=DEFAULT_HOST_BITS):
    try:
        return {"vmks": build_layout(plan, mgmt_ip, defaults=defaults, host_bits=host_bits), "problems": []}
    except LayoutError as e:
        return {"vmks": [], "problems": e.problems}


class FilterModule(object):
    def filters(self):
        return {
            "vmotion_ip": _vmotion_ip,
            "vmotion_layout": _vmotion_layout,
            "vmotion_layout_check": _vmotion_layout_check,
            "vmotion_host_layout": host_layout,
            "vmotion_batch_layouts": batch_layouts,
            "vmotion_layout_line": layout_line,
            "vmotion_batch_result": batch_host_result,
            "vmotion_connection_groups": connection_groups,
        }
