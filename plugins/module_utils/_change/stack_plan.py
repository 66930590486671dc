# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vmotion TCP/IP stack's default gateways in a layout (routed vMotion): checked against the vmks the stack will
have, and planned as one ``update_stack`` operation when they differ from what the host has."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import gateway_problem
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import VMOTION_NETSTACK, parse_address

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by require_netaddr() in the planner
    pass

# The gateways a layout may set (HostIpRouteConfig.defaultGateway, ipV6DefaultGateway), by their names in the layout.
STACK_GATEWAYS = ("gateway", "gateway_ipv6")


def _asked(stack):
    return bool(stack) and any(stack.get(k) for k in STACK_GATEWAYS)


def stack_problems(stack, host, stack_vmks):
    """Problems of the gateways asked for: each must be of its family, and the IPv4 one another host address of the
    subnet of a vmk on the stack (``stack_vmks``: (address, prefix length) of each, after the change), as ESXi reaches
    a gateway on-link."""
    if not _asked(stack):
        return []
    if "stacks" not in host:
        return ["vmotion_stack: the host was read without its TCP/IP stacks"]  # the caller's mistake, not the user's
    problems = []
    gateway = stack.get("gateway")
    if gateway:
        subnets = [(parse_address(ip), netaddr.IPNetwork("%s/%s" % (ip, prefix))) for ip, prefix in stack_vmks if ip and prefix]
        subnets = [(a, n) for a, n in subnets if a is not None and a.version == 4]
        if not any(gateway_problem(gateway, a, n) is None for a, n in subnets):
            problems.append("vmotion_stack: gateway %s is no other host address of a subnet of the host's vmks on the vmotion TCP/IP stack "
                            "(%s); ESXi reaches a gateway on-link" % (gateway, ", ".join(sorted(set(str(n.cidr) for _a, n in subnets))) or "none"))
    ipv6 = stack.get("gateway_ipv6")
    if ipv6:
        found = parse_address(ipv6)
        if found is None or found.version != 6:
            problems.append("vmotion_stack: gateway_ipv6 %r is not an IPv6 address" % ipv6)
    return problems


def stack_ops(stack, host):
    """[update_stack] when the gateways asked for differ from the host's, else []. ESXi takes a stack's ipRouteConfig
    whole, so a gateway not asked for is sent as the host has it, and stays."""
    if not _asked(stack):
        return []
    current = (host.get("stacks") or {}).get(VMOTION_NETSTACK) or {}
    wanted = dict((k, stack.get(k) or current.get(k)) for k in STACK_GATEWAYS)
    if all(wanted[k] == current.get(k) for k in STACK_GATEWAYS):
        return []
    return [dict({"op": "update_stack", "stack": VMOTION_NETSTACK, "before": dict((k, current.get(k)) for k in STACK_GATEWAYS)}, **wanted)]


def stack_after(op):
    """The stack's gateways once ``op`` (update_stack) is applied."""
    return dict((k, op[k]) for k in STACK_GATEWAYS)
