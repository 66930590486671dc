# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one schema of a vmk item: strict types, every problem at once, and the role's argument spec held equal to it."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import LayoutError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import build_layout
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import FIELD, defaults_problems, keys, validate_item

ROLE_SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "roles", "multinic_vmotion", "meta", "argument_specs.yml")


def plan_item(**extra):
    value = {"index": 1, "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "switch": "vSwitch1", "active_uplink": "vmnic2"}
    value.update(extra)
    return value


@pytest.mark.parametrize("extra, needle", [
    ({"portgroup": ["vMotion-9", "x"]}, "portgroup must be a string, got list ['vMotion-9', 'x']"),
    ({"vlan_id": True}, "vlan_id True must be an integer 0-4094"),
    ({"mtu": "big"}, "mtu 'big' must be an integer 1280-9000"),
    ({"uplinks": ["vmnic2", "vmnic2"]}, "uplinks ['vmnic2', 'vmnic2'] names vmnic2 more than once"),
    ({"uplinks": "vmnic2"}, "uplinks 'vmnic2' must be a list of names"),
    ({"failover": "maybe"}, "failover 'maybe' must be one of unused, standby"),
    ({"colour": "red"}, "unknown key(s) colour; allowed: index, subnet"),
])
def test_strict_types(extra, needle):
    _item, problems = validate_item(plan_item(**extra), "plan item 0", "plan")
    assert any(needle in p for p in problems), problems


def test_digit_strings_are_integers_as_ansible_converts_them():
    item, problems = validate_item(plan_item(vlan_id="20"), "plan item 0", "plan")
    assert problems == [] and item["vlan_id"] == 20


def test_defaults_typos_are_refused_with_the_known_keys():
    problems = defaults_problems({"mut": 9000, "failovr": "standby", "mtu": 9000})
    assert problems == ["defaults has unknown key(s) failovr, mut; allowed: switch, dvswitch, vlan_id, active_uplink, uplinks, failover, mtu, netstack"]


def test_layout_reports_type_and_defaults_problems_together():
    with pytest.raises(LayoutError) as info:
        build_layout([plan_item(portgroup=["a", "b"], vlan_id=True)], "192.168.100.51", defaults={"mut": 9000})
    text = "; ".join(info.value.problems)
    assert "portgroup must be a string" in text and "vlan_id True must be an integer" in text and "unknown key(s) mut" in text


def test_overlapping_subnets_on_one_stack_are_refused():
    plan = [plan_item(), plan_item(index=2, subnet="172.16.0.0/16", portgroup="vMotion-2", active_uplink="vmnic3")]
    with pytest.raises(LayoutError) as info:
        build_layout(plan, "192.168.100.51")
    assert "subnet 172.16.0.0/16 overlaps subnet 172.16.1.0/24 of plan item 0 on the default TCP/IP stack" in info.value.problems[0]
    # on different TCP/IP stacks the routes do not meet
    plan[1]["netstack"] = "vmotion"
    assert len(build_layout(plan, "192.168.100.51")) == 2


def test_role_argument_spec_is_the_schema():
    with open(ROLE_SPEC) as handle:
        options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    plan = options["multinic_vmotion_plan"]["options"]
    assert sorted(plan) == sorted(keys("plan"))
    for name, option in plan.items():
        field = FIELD[name]
        assert option["type"] == field["type"], name
        assert option.get("required", False) == bool(field["plan"]), name
        assert option.get("choices") == (list(field["choices"]) if "choices" in field else None), name
        assert option.get("elements") == field.get("elements"), name
    defaults = options["multinic_vmotion_defaults"]["options"]
    for name, option in defaults.items():
        assert option["type"] == FIELD[name]["type"], name
