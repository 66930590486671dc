# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's vocabulary: what a vmk is, its addresses, and the order things are listed in.

Every other module_utils file asks here whether a vmk is a vMotion vmk or a management vmk,
which services and TCP/IP stack it has, which addresses and subnets it holds, and how to sort
devices and host names. A vmk is the plain dict of _vsphere.facts.host_facts (``device``, ``ip``,
``prefix_length``, ``ipv6``, ``services``, ``netstack``, ``vmotion``); a host is its host dict.
IP math is netaddr's, checked once here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError

try:
    import netaddr

    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported through require_netaddr()
    HAS_NETADDR = False

NETADDR_MISSING = "the Python library 'netaddr' is required on the host running the module (pip install netaddr)"

DEFAULT_NETSTACK = "defaultTcpipStack"
# How a port group's name says it is for vMotion: the findings' default, and what purge takes as vMotion's when empty
DEFAULT_PORTGROUP_PATTERN = "(?i)vmotion"
VMOTION_PORTGROUP_PATTERN = re.compile(DEFAULT_PORTGROUP_PATTERN)
VMOTION_NETSTACK = "vmotion"
PROVISIONING_NETSTACK = "vSphereProvisioning"
# The layout's names for the stacks a vMotion vmk may use -> the keys ESXi uses.
NETSTACK_KEYS = {"default": DEFAULT_NETSTACK, "vmotion": VMOTION_NETSTACK}

# nicTypes of HostVirtualNicManager that SelectVnicForNicType accepts (HostVirtualNicManagerNicType; vnetworking is
# vSphere 9.1's, in pyVmomi 9.1; an older server refuses it with InvalidArgument, named in the task's failure).
NIC_TYPES = (
    "vmotion",
    "management",
    "faultToleranceLogging",
    "vSphereReplication",
    "vSphereReplicationNFC",
    "vSphereProvisioning",
    "vsan",
    "vsanWitness",
    "vSphereBackupNFC",
    "ptp",
    "nvmeTcp",
    "nvmeRdma",
    "vnetworking",
)

# The vmk the ESXi installer creates for management.
INSTALLER_MANAGEMENT_DEVICE = "vmk0"


def require_netaddr():
    if not HAS_NETADDR:
        raise ProblemsError([NETADDR_MISSING])


# ---------------------------------------------------------------- ordering


def natural_key(text):
    """'vmk10' after 'vmk9', '192.168.100.110' after '192.168.100.99'; None sorts first."""
    parts = re.split(r"(\d+)", "" if text is None else str(text))
    # split() alternates text/number, so equal positions always compare like with like
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def address_key(text):
    """Sort key for IP addresses: IPv4 before IPv6, numerically; text that is no address last."""
    address = parse_address(text)
    if address is None:
        return (99, 0, str(text))
    return (address.version, int(address), "")


# ---------------------------------------------------------------- addresses


def parse_address(text):
    """netaddr.IPAddress of 'a.b.c.d', 'a.b.c.d/nn' or an IPv6 address; None for anything else."""
    require_netaddr()
    if text is None or isinstance(text, bool):
        return None
    text = str(text).strip().split("/", 1)[0]
    try:
        return netaddr.IPAddress(text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def canonical_address(text):
    """The canonical text of an address (for comparing), or the stripped text when it is none."""
    address = parse_address(text)
    return str(address) if address is not None else str(text).strip()


def netmask_prefix(netmask):
    """Prefix length of an IPv4 netmask such as 255.255.255.0, or None."""
    address = parse_address(netmask)
    if address is None or address.version != 4 or not address.is_netmask():
        return None
    return address.netmask_bits()


def network_of(address, prefix):
    """'172.16.1.0/24' for ('172.16.1.51', 24); None when either part is unusable."""
    ip = parse_address(address)
    if ip is None or prefix is None or isinstance(prefix, bool):
        return None
    try:
        return str(netaddr.IPNetwork("%s/%d" % (ip, int(prefix))).cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


# ESXi gives a DHCP vmk an address of this network while no DHCP server answers (IPv4 autoconfiguration, RFC 3927)
AUTOCONFIGURED_IPV4 = "169.254.0.0/16"


def dhcp_lease(vmk):
    """For a DHCP vmk, whether it holds a lease: an address outside 169.254.0.0/16; None for a static vmk."""
    if not vmk.get("dhcp"):
        return None
    address = parse_address(vmk.get("ip"))
    return address is not None and address.version == 4 and str(address) != "0.0.0.0" and address not in netaddr.IPNetwork(AUTOCONFIGURED_IPV4)


def ipv4_text(vmk):
    """A vmk's IPv4 addressing for people: '172.16.1.51/24', 'DHCP 172.16.1.51/24', 'DHCP, no lease (169.254.3.7/16)',
    or None."""
    address = "%s/%s" % (vmk["ip"], vmk.get("prefix_length")) if vmk.get("ip") else None
    lease = dhcp_lease(vmk)
    if lease is None:
        return address
    if lease:
        return "DHCP %s" % address
    return "DHCP, no lease (%s)" % address if address else "DHCP, no lease"


def ipv4_of(vmk):
    """(address, subnet) of a vmk's IPv4 address as text; subnet None without a mask, both None without an address.

    The address a DHCP vmk autoconfigures without a lease is no address of its network: it reaches no peer."""
    address = parse_address(vmk.get("ip"))
    if address is None or address.version != 4 or str(address) == "0.0.0.0" or dhcp_lease(vmk) is False:
        return None, None
    prefix = vmk.get("prefix_length")
    if prefix is None:
        prefix = netmask_prefix(vmk.get("netmask"))
    return str(address), network_of(address, prefix)


def ipv6_of(vmk, link_local=False):
    """[(address, subnet or None)] of a vmk's IPv6 addresses, sorted; link-local ones only when asked."""
    found = []
    for item in vmk.get("ipv6") or ():
        if isinstance(item, dict):
            text, prefix = item.get("address") or item.get("ip"), item.get("prefix_length", item.get("prefix"))
        else:
            text, prefix = item, None
        if text and "/" in str(text):
            text, prefix = str(text).split("/", 1)
        address = parse_address(text)
        if address is None or address.version != 6 or (address.is_link_local() and not link_local):
            continue
        found.append((str(address), network_of(address, prefix) if prefix is not None else None))
    return sorted(found)


def addresses(vmk):
    """Every routable address a vmk holds: its IPv4 address, then its global IPv6 addresses."""
    ipv4, _subnet = ipv4_of(vmk)
    return ([ipv4] if ipv4 else []) + [a for a, _s in ipv6_of(vmk)]


def networks(vmk):
    """The subnets of a vmk's addresses, sorted."""
    _ipv4, subnet = ipv4_of(vmk)
    return sorted(set(([subnet] if subnet else []) + [s for _a, s in ipv6_of(vmk) if s]))


def overlap(subnet_a, subnet_b):
    """Whether two different subnets share addresses (one contains the other); equal subnets do not count."""
    require_netaddr()
    a, b = netaddr.IPNetwork(subnet_a), netaddr.IPNetwork(subnet_b)
    if a.version != b.version or a == b:
        return False
    return a in b or b in a


def in_subnets(address, subnets):
    """Whether an address lies in one of the netaddr.IPNetwork subnets."""
    ip = parse_address(address)
    return ip is not None and any(ip in subnet for subnet in subnets)


# ---------------------------------------------------------------- services and roles


def services(vmk):
    return list(vmk.get("services") or ())


def has_service(vmk, service):
    """Whether the service runs on the vmk; vMotion also runs on a vmk of the vmotion TCP/IP stack."""
    if service == "vmotion":
        return is_vmotion(vmk)
    return service in services(vmk)


def is_vmotion(vmk):
    return bool(vmk.get("vmotion")) or "vmotion" in services(vmk) or vmk.get("netstack") == VMOTION_NETSTACK


def other_services(vmk):
    """The services of a vmk besides vMotion."""
    return [s for s in services(vmk) if s != "vmotion"]


def vcenter_address(host):
    """The address vCenter knows the host by, when its name is an address; else None."""
    address = parse_address((host or {}).get("name"))
    return str(address) if address is not None else None


def management_reason(vmk, host=None):
    """Why a vmk is a management vmk (a phrase for messages), or None when it is not one.

    Management is the management service, or the vmk holding the address vCenter knows the
    host by (when the host's name is an address), or vmk0, the installer's management vmk,
    unless the read shows that address, or the management service, on another vmk (management
    moved to vmk1, say, on hosts named by DNS).
    """
    if "management" in services(vmk):
        return "it carries the management service"
    known = vcenter_address(host)
    if known and known in [canonical_address(a) for a in addresses(vmk)]:
        return "it holds %s, the address vCenter knows the host by" % known
    if vmk.get("device") == INSTALLER_MANAGEMENT_DEVICE:
        others = [v for v in (host or {}).get("vmks") or () if v.get("device") != vmk.get("device")]
        elsewhere = (known and any(known in [canonical_address(a) for a in addresses(v)] for v in others)) or \
            any("management" in services(v) for v in others)
        if not elsewhere:
            return "it is the installer's management vmk (vmk0), and the read shows the management address or service on no other vmk"
    return None


def is_management(vmk, host=None):
    return management_reason(vmk, host) is not None


def owner_refusal(vmk):
    """Why a solution-owned vmk is never changed (a phrase naming the owner), or None when no solution owns it.

    vSphere 9 marks the vmks a solution created for itself (HostVirtualNic.owner: NSX, VSAN); their settings are that
    solution's to keep, whatever services they carry.
    """
    owner = vmk.get("owner")
    if not owner:
        return None
    return "%s is owned by %s (HostVirtualNic.owner); a solution's vmk is changed only through that solution" % (vmk.get("device"), owner)


def removal_refusal(vmk, host=None):
    """Why a vmk may not be removed by this collection (a phrase), or None when it is a vMotion-only vmk.

    Only vmks that carry vMotion and nothing else are ever removed: a storage vmk with no
    service, a vSAN or provisioning vmk, or anything management stays.
    """
    owned = owner_refusal(vmk)
    if owned:
        return owned
    reason = management_reason(vmk, host)
    if reason:
        return "%s is a management vmk (%s)" % (vmk.get("device"), reason)
    others = other_services(vmk)
    if others:
        return "%s carries %s besides vMotion" % (vmk.get("device"), ", ".join(others)) if is_vmotion(vmk) else \
            "%s is not a vMotion vmk: it carries %s" % (vmk.get("device"), ", ".join(others))
    if not is_vmotion(vmk):
        return "%s is not a vMotion vmk: it carries no service%s" % (
            vmk.get("device"), " and is on the %s TCP/IP stack" % vmk["netstack"] if vmk.get("netstack") not in (None, DEFAULT_NETSTACK) else "")
    return None


def integer(value):
    """An int from an int or a string of digits; None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
