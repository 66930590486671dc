# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The address rule: vmk index N lives in its own non-routed subnet and its host part is the last octet of the host's
IPv4 management address, added numerically to the subnet's network address (mgmt .51 in 172.16.1.0/24 -> 172.16.1.51;
in 172.16.0.0/22 -> 172.16.0.51; in 2001:db8:1::/64 -> 2001:db8:1::33, since 51 == 0x33).

Beyond 254 hosts the last octet repeats: ``host_bits`` takes that many low bits of the management address instead
(default 8, the last octet). With 10, mgmt 10.20.2.7 (low 10 bits: 2 * 256 + 7 = 519) in 172.16.0.0/22 -> 172.16.2.7;
the subnet must hold them (a /22 or larger for 10 bits), so that every host of a management /22 gets its own address.

Every problem of an input is collected and raised at once as a LayoutError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import integer, parse_address, require_netaddr

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by require_netaddr()
    pass


class LayoutError(ProblemsError):
    """One or more problems with a layout input; ``problems`` lists them all."""


def _require():
    try:
        require_netaddr()
    except ProblemsError as e:
        raise LayoutError(e.problems)


DEFAULT_HOST_BITS = 8


def check_host_bits(host_bits):
    """host_bits as an int 1-32, or raise LayoutError naming the value."""
    number = integer(host_bits)
    if number is None or not 1 <= number <= 32:
        raise LayoutError(["host_bits %r must be an integer 1-32 (the low bits of the IPv4 management address that make the "
                           "vMotion host part; 8 is its last octet)" % (host_bits,)])
    return number


def management_octet(mgmt_ip):
    """Last octet of an IPv4 management address, or raise LayoutError."""
    return management_host_part(mgmt_ip, DEFAULT_HOST_BITS)


def management_host_part(mgmt_ip, host_bits=DEFAULT_HOST_BITS):
    """The low ``host_bits`` bits of an IPv4 management address, or raise LayoutError."""
    _require()
    host_bits = check_host_bits(host_bits)
    text = str(mgmt_ip).strip() if mgmt_ip is not None else ""
    if "/" in text:
        text = text.split("/", 1)[0]
    address = parse_address(text)
    if address is None:
        hint = "; hosts named by FQDN need multinic_vmotion_mgmt_ip_source ansible_host, variable or facts" if any(c.isalpha() for c in text) else ""
        raise LayoutError(["management IP %r is not a valid IP address%s" % (mgmt_ip, hint)])
    if address.version != 4:
        raise LayoutError(
            ["management IP %r is IPv6; the vMotion host part is the last octet of an IPv4 management address" % (mgmt_ip,)]
        )
    return int(address) & ((1 << host_bits) - 1)


def parse_subnet(subnet):
    """Return the subnet as netaddr.IPNetwork; host bits set or bad text raise LayoutError."""
    _require()
    text = str(subnet).strip() if subnet is not None else ""
    if "/" not in text:
        raise LayoutError(["subnet %r has no prefix length (expected e.g. 172.16.1.0/24)" % (subnet,)])
    address_text, prefix_text = text.split("/", 1)
    try:
        address = netaddr.IPAddress(address_text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise LayoutError(["subnet %r: %r is not a valid IP address" % (subnet, address_text)])
    max_prefix = 32 if address.version == 4 else 128
    if not prefix_text.isdigit() or not 0 <= int(prefix_text) <= max_prefix:
        raise LayoutError(
            ["subnet %r: prefix length %r is out of range 0-%d for IPv%d" % (subnet, prefix_text, max_prefix, address.version)]
        )
    network = netaddr.IPNetwork("%s/%s" % (address, prefix_text))
    if network.ip != network.network:
        raise LayoutError(
            ["subnet %r has host bits set; did you mean %s/%d?" % (subnet, network.network, network.prefixlen)]
        )
    return network


def vmotion_address(mgmt_ip, subnet, host_bits=DEFAULT_HOST_BITS):
    """Compute the vmk address for one subnet; returns (ip, IPNetwork) or raises LayoutError."""
    problems = []
    octet = network = None
    try:
        octet = management_host_part(mgmt_ip, host_bits)
    except LayoutError as e:
        problems.extend(e.problems)
    try:
        network = parse_subnet(subnet)
    except LayoutError as e:
        problems.extend(e.problems)
    if problems:
        raise LayoutError(problems)
    ip = netaddr.IPAddress(network.first + octet, version=network.version)
    if ip not in network:
        width = (32 if network.version == 4 else 128) - int(host_bits)
        hint = "; with host_bits %d every host fits a /%d or larger" % (int(host_bits), width) if width < network.prefixlen else ""
        raise LayoutError(
            ["host part %d of management IP %r falls outside subnet %s (%d addresses)%s" % (octet, mgmt_ip, network, network.size, hint)]
        )
    # /31, /32 (and IPv6 /127, /128) have no network or broadcast address to avoid.
    if network.version == 4 and network.prefixlen <= 30:
        if ip == network.network:
            raise LayoutError(["host part %d of management IP %r lands on the network address %s of subnet %s" % (octet, mgmt_ip, ip, network)])
        if ip == network.broadcast:
            raise LayoutError(["host part %d of management IP %r lands on the broadcast address %s of subnet %s" % (octet, mgmt_ip, ip, network)])
    elif network.version == 6 and network.prefixlen <= 126 and ip == network.network:
        raise LayoutError(
            ["host part %d of management IP %r lands on the subnet-router anycast address %s of subnet %s" % (octet, mgmt_ip, ip, network)]
        )
    return ip, network


def gateway_problem(gateway, address, network):
    """Why ``gateway`` cannot be the default gateway override (HostVirtualNicSpec.ipRouteSpec) of a vmk with ``address``
    in ``network`` (netaddr objects), else None: it must be another host address of the vmk's subnet, of its family, as
    ESXi reaches a gateway on-link."""
    found = parse_address(gateway)
    if found is None or found.version != address.version:
        return "gateway %r is not an IPv%d address (the vmk's is %s)" % (gateway, address.version, address)
    if found not in network or found == address or (address.version == 4 and network.prefixlen <= 30 and
                                                    found in (network.network, network.broadcast)):
        return "gateway %s must be another host address of the vmk's subnet %s, which it reaches on-link" % (found, network.cidr)
    return None


def vmotion_ip(mgmt_ip, subnet, prefix=False, host_bits=DEFAULT_HOST_BITS):
    """'192.168.100.114', '172.16.2.0/24' -> '172.16.2.114' (or '172.16.2.114/24' with prefix)."""
    ip, network = vmotion_address(mgmt_ip, subnet, host_bits)
    if prefix:
        return "%s/%d" % (ip, network.prefixlen)
    return str(ip)
