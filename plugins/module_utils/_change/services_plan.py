# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure plan for turning one vmk service (nicType) on or off across hosts.

Input: the plain host dicts of _vsphere.facts.host_facts. Output: per host, the vmks
to change, those already as asked, and every problem found (all at once), so
a module can refuse before the first write. Only the chosen service on the
chosen vmks changes; every other service is left as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import LayoutError, parse_subnet
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import (
    NIC_TYPES,
    addresses,
    has_service,
    in_subnets,
    management_reason,
    natural_key,
    owner_refusal,
)


class ServicePlanError(ProblemsError):
    """A service change that cannot be planned; ``problems`` lists every reason."""


def _matches_subnets(vmk, networks):
    return any(in_subnets(address, networks) for address in addresses(vmk))


def _validate(service, state, devices, exclude_devices, portgroup_pattern, subnets, missing):
    problems, networks, pattern = [], [], None
    if service not in NIC_TYPES:
        problems.append("service %r is not a VMkernel service; choose one of %s" % (service, ", ".join(NIC_TYPES)))
    if state not in ("enabled", "disabled"):
        problems.append("state %r must be enabled or disabled" % (state,))
    if missing not in ("fail", "skip"):
        problems.append("missing %r must be fail or skip" % (missing,))
    if service == "management" and state == "disabled":
        problems.append("refusing to disable the management service: it would cut the host off from vCenter")
    if not devices and not portgroup_pattern and not subnets:
        problems.append("choose the vmks: give devices, portgroup_pattern or subnets (exclude_devices alone would select every vmk)")
    for device in list(devices or []) + list(exclude_devices or []):
        if not re.match(r"^vmk\d+$", str(device)):
            problems.append("device %r is not a VMkernel adapter name like vmk1" % (device,))
    if portgroup_pattern:
        try:
            pattern = re.compile(portgroup_pattern)
        except re.error as e:
            problems.append("portgroup_pattern %r is not a valid regular expression: %s" % (portgroup_pattern, e))
    for subnet in subnets or []:
        try:
            networks.append(parse_subnet(subnet))
        except LayoutError as e:
            problems.extend(e.problems)
    return problems, pattern, networks


class _Selection(object):
    """The validated selectors of one service change."""

    def __init__(self, service, enable, devices, exclude_devices, pattern, networks):
        self.service = service
        self.enable = enable
        self.wanted = list(dict.fromkeys(devices or []))
        self.excluded = set(exclude_devices or [])
        self.pattern = pattern
        self.networks = networks

    def selects(self, vmk):
        device = vmk["device"]
        if device in self.excluded or (self.wanted and device not in self.wanted):
            return False
        if self.pattern is not None and not self.pattern.search(vmk.get("portgroup") or ""):
            return False
        return not self.networks or _matches_subnets(vmk, self.networks)

    def refusal(self, name, host, vmk):
        """(skip, problem): management and solution-owned vmks are never chosen (naming one is a problem); vMotion cannot
        go off the vmotion stack."""
        device = vmk["device"]
        owned = owner_refusal(vmk)
        if owned:
            # named: a problem (nothing is written); chosen by a pattern or subnet: left alone
            return True, "%s %s" % (name, owned) if device in self.wanted else None
        reason = management_reason(vmk, host)
        if reason and self.service != "management":
            if device in self.wanted:
                return True, "%s %s %s; refusing to change the management vmk (drop it from devices)" % (
                    name, device, reason[len("it "):] if reason.startswith("it ") else reason)
            return True, None
        if not self.enable and self.service == "vmotion" and vmk.get("netstack") == "vmotion":
            return True, ("%s %s is on the vmotion TCP/IP stack, where vMotion is implied and cannot be disabled; "
                          "remove the vmk instead, or exclude it" % (name, device))
        return False, None


def _plan_host(name, host, selection, problems, warnings):
    chosen = []
    for vmk in host.get("vmks") or []:
        if not selection.selects(vmk):
            continue
        skip, problem = selection.refusal(name, host, vmk)
        if problem:
            problems.append(problem)
        if not skip:
            chosen.append(vmk)
    service, enable = selection.service, selection.enable
    changed = [v["device"] for v in chosen if has_service(v, service) != enable]
    before = dict((v["device"], list(v.get("services", []))) for v in chosen if v["device"] in changed)
    after = dict((device, sorted(set(services) | {service}) if enable else [s for s in services if s != service])
                 for device, services in before.items())
    if not enable and service == "vmotion" and changed:
        if not [v for v in host.get("vmks") or [] if has_service(v, "vmotion") and v["device"] not in changed]:
            warnings.append("%s: disabling vMotion on %s leaves the host with no vMotion vmk" % (name, ", ".join(changed)))
    by_device = set(v["device"] for v in host.get("vmks") or [])
    absent = [d for d in selection.wanted if d not in by_device and d not in selection.excluded]
    return {"changed": changed, "unchanged": [v["device"] for v in chosen if v["device"] not in changed], "missing": absent,
            "before": before, "after": after}


def plan_services(hosts, service="vmotion", state="enabled", devices=None, exclude_devices=None,
                  portgroup_pattern=None, subnets=None, missing="fail"):
    """Plan the service change over {host name: host facts}.

    Selectors combine: a vmk is chosen when it is in ``devices`` (if given), its port
    group matches ``portgroup_pattern`` (if given) and its address is in one of
    ``subnets`` (if given), and it is not in ``exclude_devices``. Management vmks are
    never chosen by pattern or subnet, and naming one in ``devices`` is refused.

    Returns {'hosts': {name: {'changed': [...], 'unchanged': [...], 'missing': [...], 'before': {...}, 'after': {...}}},
    'warnings': [...]}; raises ServicePlanError with every problem.
    """
    problems, pattern, networks = _validate(service, state, devices, exclude_devices, portgroup_pattern, subnets, missing)
    if problems:
        raise ServicePlanError(problems)
    selection = _Selection(service, state == "enabled", devices, exclude_devices, pattern, networks)
    result, warnings = {}, []
    for name in sorted(hosts, key=natural_key):
        result[name] = _plan_host(name, hosts[name], selection, problems, warnings)
    missing_pairs = ["%s/%s" % (name, d) for name in sorted(result, key=natural_key) for d in result[name]["missing"]]
    if missing_pairs and missing == "fail":
        problems.append("device(s) missing on host(s): %s (set missing: skip to ignore them)" % ", ".join(missing_pairs))
    if problems:
        raise ServicePlanError(problems)
    return {"hosts": result, "warnings": warnings}


def service_operations(plan, service, enabled):
    """{host: [set_service operations]} for the write layer, from plan_services' result."""
    return dict((name, [{"op": "set_service", "host": name, "device": device, "service": service, "enabled": enabled}
                        for device in host_plan["changed"]]) for name, host_plan in plan["hosts"].items())
