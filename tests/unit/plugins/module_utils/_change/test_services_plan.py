# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._change.services_plan import ServicePlanError, plan_services


def vmk(device, ip, portgroup, services=(), netstack="defaultTcpipStack"):
    services = list(services)
    return {"device": device, "ip": ip, "portgroup": portgroup, "services": services, "netstack": netstack, "ipv6": [],
            "vmotion": "vmotion" in services or netstack == "vmotion"}


def seed_host(octet, disabled=()):
    vmks = [vmk("vmk0", "192.168.100.%d" % octet, "Management Network", ["management"])]
    for device, subnet in (("vmk1", 1), ("vmk2", 2), ("vmk3", 3), ("vmk4", 4), ("vmk6", 0)):
        vmks.append(vmk(device, "172.16.%d.%d" % (subnet, octet), "vMotion-%d" % subnet, [] if device in disabled else ["vmotion"]))
    vmks.append(vmk("vmk5", "10.10.10.%d" % octet, "NAS-vmk"))
    vmks.sort(key=lambda v: v["device"])
    return {"name": "192.168.100.%d" % octet, "vmks": vmks}


FLEET = {
    "192.168.100.109": seed_host(109, disabled=("vmk3",)),
    "192.168.100.110": seed_host(110),
    "192.168.100.112": seed_host(112, disabled=("vmk2", "vmk6")),
}
SEED_DEVICES = ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]


def problems(**kwargs):
    with pytest.raises(ServicePlanError) as info:
        plan_services(FLEET, **kwargs)
    return "\n".join(info.value.problems)


def test_seed_fix_changes_only_disabled_vmks():
    plan = plan_services(FLEET, devices=SEED_DEVICES)
    hosts = plan["hosts"]
    assert hosts["192.168.100.109"]["changed"] == ["vmk3"]
    assert hosts["192.168.100.110"]["changed"] == []
    assert hosts["192.168.100.112"]["changed"] == ["vmk2", "vmk6"]
    assert hosts["192.168.100.112"]["unchanged"] == ["vmk1", "vmk3", "vmk4"]
    assert hosts["192.168.100.112"]["after"] == {"vmk2": ["vmotion"], "vmk6": ["vmotion"]}


def test_other_services_kept_in_after():
    fleet = {"h": {"vmks": [vmk("vmk1", "172.16.1.5", "vMotion-1", ["vSphereProvisioning"])]}}
    plan = plan_services(fleet, devices=["vmk1"])
    assert plan["hosts"]["h"]["after"]["vmk1"] == ["vSphereProvisioning", "vmotion"]


def test_pattern_selector_skips_management_and_nas():
    plan = plan_services(FLEET, portgroup_pattern="^vMotion")
    assert plan["hosts"]["192.168.100.109"]["changed"] == ["vmk3"]
    assert "vmk0" not in plan["hosts"]["192.168.100.109"]["unchanged"]
    assert "vmk5" not in plan["hosts"]["192.168.100.109"]["unchanged"]


def test_subnet_selector_and_exclude():
    plan = plan_services(FLEET, subnets=["172.16.2.0/24", "172.16.0.0/24"], exclude_devices=["vmk6"])
    assert plan["hosts"]["192.168.100.112"]["changed"] == ["vmk2"]


def test_selectors_combine():
    plan = plan_services(FLEET, devices=["vmk2", "vmk3"], subnets=["172.16.3.0/24"])
    assert plan["hosts"]["192.168.100.109"]["changed"] == ["vmk3"]
    assert plan["hosts"]["192.168.100.112"]["changed"] == []


def test_missing_device_fails_listing_pairs():
    text = problems(devices=["vmk1", "vmk9"])
    assert "192.168.100.109/vmk9, 192.168.100.110/vmk9, 192.168.100.112/vmk9" in text and "missing: skip" in text


def test_missing_device_skip():
    plan = plan_services(FLEET, devices=["vmk3", "vmk9"], missing="skip")
    assert plan["hosts"]["192.168.100.109"]["missing"] == ["vmk9"]
    assert plan["hosts"]["192.168.100.109"]["changed"] == ["vmk3"]


def test_management_vmk_named_is_refused():
    assert "192.168.100.109 vmk0 carries the management service" in problems(devices=["vmk0", "vmk1"])


def test_disable_on_vmotion_netstack_refused():
    fleet = {"h": {"vmks": [vmk("vmk1", "172.16.1.5", "vMotion-1", [], netstack="vmotion")]}}
    with pytest.raises(ServicePlanError, match="vmotion TCP/IP stack"):
        plan_services(fleet, devices=["vmk1"], state="disabled")


def test_enable_on_vmotion_netstack_is_already_done():
    fleet = {"h": {"vmks": [vmk("vmk1", "172.16.1.5", "vMotion-1", [], netstack="vmotion")]}}
    assert plan_services(fleet, devices=["vmk1"])["hosts"]["h"]["unchanged"] == ["vmk1"]


def test_disable_last_vmotion_vmk_warns():
    fleet = {"h": {"vmks": [vmk("vmk1", "172.16.1.5", "vMotion-1", ["vmotion"])]}}
    plan = plan_services(fleet, devices=["vmk1"], state="disabled")
    assert plan["hosts"]["h"]["changed"] == ["vmk1"] and plan["hosts"]["h"]["after"] == {"vmk1": []}
    assert "leaves the host with no vMotion vmk" in plan["warnings"][0]


def test_bad_input_all_at_once():
    text = problems(devices=["eth0"], service="teleport", state="on", portgroup_pattern="(", subnets=["172.16.1.1/24"], missing="maybe")
    for needle in ("'teleport' is not a VMkernel service", "state 'on'", "missing 'maybe'", "'eth0' is not a VMkernel adapter",
                   "portgroup_pattern '(' is not a valid regular expression", "did you mean 172.16.1.0/24?"):
        assert needle in text, needle


def test_no_selector_refused():
    assert "choose the vmks" in problems(exclude_devices=["vmk5"])


def test_disabling_management_refused():
    assert "refusing to disable the management service" in problems(devices=["vmk0"], service="management", state="disabled")


def test_a_solution_owned_vmk_is_refused_when_named_and_left_alone_when_matched():
    owned = vmk("vmk1", "172.16.1.5", "vMotion-1")
    owned["owner"] = "NSX"
    fleet = {"h": {"vmks": [owned, vmk("vmk2", "172.16.2.5", "vMotion-2")]}}
    with pytest.raises(ServicePlanError, match=r"h vmk1 is owned by NSX \(HostVirtualNic.owner\)"):
        plan_services(fleet, devices=["vmk1", "vmk2"])
    plan = plan_services(fleet, portgroup_pattern="^vMotion")
    assert plan["hosts"]["h"]["changed"] == ["vmk2"] and "vmk1" not in plan["hosts"]["h"]["unchanged"]
