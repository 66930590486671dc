# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's wiring after the writes: a failed verification keeps what was applied."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.multinic.vmotion.plugins.module_utils._change.outcome import Outcome
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import module_options
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError, VsphereError
from ansible_collections.multinic.vmotion.plugins.modules import multinic_vmotion_portgroups as module


def bare_module(read):
    instance = module.MultinicVmotionPortgroups.__new__(module.MultinicVmotionPortgroups)
    instance.params = {"state": "present", "purge": False, "hosts": None, "esxi_hostname": None, "vmotion_stack": None}
    instance.read = read
    return instance


def applied_outcome():
    op = {"op": "enable_vmotion", "device": "vmk3", "portgroup": "vMotion-3"}
    outcome = Outcome({"esx01": [op]})
    outcome.applied["esx01"].append(op)
    return outcome


def test_verification_read_fault_keeps_the_applied_list():
    def read(names, fleet=False):
        raise VsphereError("reading the network state of 1 host(s) failed: connection to vc:443 lost", outcome_unknown=True)

    instance = bare_module(read)
    with pytest.raises(ApplyError) as info:
        instance.verify({"esx01": []}, applied_outcome())
    result = instance.failure_result(info.value)
    assert result["changed"] is True
    assert result["applied"] == [{"op": "enable_vmotion", "device": "vmk3", "portgroup": "vMotion-3"}]
    assert result["not_applied"] == [] and result["in_doubt"] == []
    assert "every operation was applied, but the verification read after it failed" in str(info.value)


def test_documentation_of_vmks_is_the_schema():
    documented = yaml.safe_load(module.DOCUMENTATION)["options"]["vmks"]["suboptions"]
    spec = module_options()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc["type"] == option["type"], name
        assert doc.get("required", False) == option.get("required", False), name
        assert doc.get("choices") == option.get("choices"), name
        assert doc.get("default") == option.get("default"), name
        assert doc.get("elements") == option.get("elements"), name


def test_unknown_hosts_are_problems_of_those_hosts():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import PlanError
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ScopeError

    instance = bare_module(None)

    def read_hosts(esxi_hostname=None, fleet=False, host_properties=()):
        raise ScopeError("unknown ESXi host(s): esx-1222 (did you mean esx-122?)", unknown=["esx-1222"])

    instance.read_hosts = read_hosts
    with pytest.raises(PlanError) as info:
        module.MultinicVmotionPortgroups.read(instance, ["esx-122", "esx-1222"])
    assert info.value.problems == ["esx-1222: unknown ESXi host(s): esx-1222 (did you mean esx-122?)"]
    assert info.value.hosts == 1
