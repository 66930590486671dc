# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.filter.vmotion import FilterModule

FILTERS = FilterModule().filters()


def test_vmotion_ip_filter():
    assert FILTERS["vmotion_ip"]("192.168.100.114", "172.16.2.0/24") == "172.16.2.114"
    assert FILTERS["vmotion_ip"]("192.168.100.114", "172.16.2.0/24", prefix=True) == "172.16.2.114/24"


def test_vmotion_ip_filter_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_ip: subnet '172.16.2.1/24' has host bits set; did you mean 172.16.2.0/24\?"):
        FILTERS["vmotion_ip"]("192.168.100.114", "172.16.2.1/24")


def test_vmotion_layout_filter():
    plan = [{"index": 1, "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "switch": "vSwitch1", "active_uplink": "vmnic2"}]
    assert FILTERS["vmotion_layout"](plan, "192.168.100.51")[0]["ip"] == "172.16.1.51"


def test_vmotion_layout_filter_counts_problems():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_layout: 3 problem\(s\): .*index 1 is duplicated"):
        FILTERS["vmotion_layout"]([{"index": 1}, {"index": 1}], "192.168.100.51")
