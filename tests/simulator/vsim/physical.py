"""The physical network under the hosts: switches in islands, the VLANs and MTU they carry, the cabling of every pnic.

Switches of one island are interconnected (every VLAN both carry passes between them), islands are not. From the
cabling the simulator derives each pnic's link (state and speed), what QueryNetworkHint reports per pnic (observed
subnets per VLAN, the CDP / LLDP neighbour) and whether an esxcli `network diag ping` from one vmk reaches an address.
The format of the topology's `physical` key is documented at the top of topology.py; the default (no `physical`
key) cables every pnic into one switch that carries every VLAN at MTU 9216.

Routers (the `routers` key) are cabled into an island and have one address per subnet and VLAN they route. A ping to an
address off the vmk's subnets goes to the gateway that applies (the vmk's own, else its stack's) and passes through the
router that holds it when every leg is on-link both ways (the rule is in tests/simulator/README.md); why a ping got no
answer is kept in the last pings of the state dump (`pings`), as esxcli has no field for it.
"""

import collections

import ipaddress

from pyVmomi import vim

from .hostnet import merge_policy

DEFAULT_SWITCH = {"name": "default", "island": "default", "mtu": 9216, "vlans": "all"}
IPV4_HEADERS, IPV6_HEADERS = 28, 48  # IP + ICMP echo headers a payload travels with
ICMP_HEADER = 8
DISCOVERY = ("cdp", "lldp", "both", "none")
UNREACHABLE = "sendto() failed (Network is unreachable)"  # vmkping's wording for a destination without a route
PING_LOG = 64  # pings kept for the state dump


def parse_vlans(value, where):
    """None for every VLAN, else a frozenset of VLAN ids; "all", [0, 20, "100-110"] are accepted."""
    if value is None or value == "all":
        return None
    vlans = set()
    for item in value if isinstance(value, (list, tuple)) else [value]:
        text = str(item)
        first, _sep, last = text.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise ValueError("{0}: VLAN {1!r} is not a number or a range".format(where, item)) from None
        if not 0 <= low <= high <= 4094:
            raise ValueError("{0}: VLAN {1!r} is out of 0-4094".format(where, item))
        vlans.update(range(low, high + 1))
    return frozenset(vlans)


class Switch:
    """One physical switch: where it is (island), what it carries (VLANs, MTU) and how it introduces itself (CDP/LLDP)."""

    def __init__(self, data, index):
        where = "physical switch {0}".format(data.get("name", "?"))
        self.name = data["name"]
        self.island = str(data.get("island", self.name))
        self.mtu = int(data.get("mtu", 9216))
        self.vlans = parse_vlans(data.get("vlans", "all"), where)
        self.native_vlan = int(data.get("native_vlan", 0))
        self.discovery = data.get("discovery", "cdp")
        if self.discovery not in DISCOVERY:
            raise ValueError("{0}: discovery must be one of {1}".format(where, ", ".join(DISCOVERY)))
        self.speed_mb = int(data["speed_mb"]) if data.get("speed_mb") else None
        self.platform = data.get("platform", "cisco WS-C3750X-48T-S")
        self.software = data.get("software", "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11")
        self.mgmt_ip = data.get("mgmt_ip", "10.255.0.{0}".format(index))
        self.location = data.get("location", "")
        self.port_format = data.get("port_format", "GigabitEthernet1/0/{port}")
        self.chassis_mac = "00:1e:f7:{0:02x}:{1:02x}:00".format(index >> 8 & 255, index & 255)
        self.ports = {}  # port number -> (host name, pnic)
        self._lowest_free = 1  # no port below it is free (keeps cabling 1,000 hosts linear)

    def carries(self, vlan):
        return self.vlans is None or vlan in self.vlans

    def port_id(self, port):
        return self.port_format.format(port=port)

    def free_port(self):
        port = self._lowest_free
        while port in self.ports:
            port += 1
        self._lowest_free = port
        return port

    def release(self, port):
        self.ports.pop(port, None)
        self._lowest_free = min(self._lowest_free, port)

    def state(self):
        return {"island": self.island, "mtu": self.mtu, "vlans": "all" if self.vlans is None else sorted(self.vlans),
                "discovery": self.discovery, "ports": {self.port_id(p): "{0}/{1}".format(*self.ports[p]) for p in sorted(self.ports)}}


class Cable:
    def __init__(self, switch, port):
        self.switch, self.port, self.up = switch, port, True


class RouterInterface:
    def __init__(self, data, router_mtu, where):
        address = str(data.get("address", ""))
        if "/" not in address:
            raise ValueError("{0}: interface address {1!r} needs a prefix (172.16.1.1/24)".format(where, address))
        try:
            self.address = ipaddress.ip_interface(address)
        except ValueError:
            raise ValueError("{0}: {1!r} is not an address with a prefix".format(where, address)) from None
        self.vlan = int(data.get("vlan", 0))
        if not 0 <= self.vlan <= 4094:
            raise ValueError("{0}: VLAN {1} is out of 0-4094".format(where, self.vlan))
        self.mtu = int(data.get("mtu", router_mtu))

    @property
    def network(self):
        return self.address.network

    def state(self):
        return {"vlan": self.vlan, "address": str(self.address), "network": str(self.network), "mtu": self.mtu}


class Router:
    """An L3 router cabled into an island: one address per subnet and VLAN it routes."""

    def __init__(self, data, islands):
        self.name = str(data.get("name") or "")
        where = "router {0}".format(self.name or "?")
        if not self.name:
            raise ValueError("a router needs a name")
        self.island = str(data.get("island", ""))
        if self.island not in islands:
            raise ValueError("{0}: no switch is in island {1!r} (islands: {2})".format(where, self.island, ", ".join(sorted(islands))))
        self.mtu = int(data.get("mtu", 9216))
        self.interfaces = []
        for item in data.get("interfaces", []):
            self.add(item)

    def add(self, data):
        interface = RouterInterface(data, self.mtu, "router " + self.name)
        if any(i.address.ip == interface.address.ip for i in self.interfaces):
            raise ValueError("router {0} already has {1}".format(self.name, interface.address.ip))
        self.interfaces.append(interface)

    def remove(self, vlan=None, address=None):
        """Remove the interfaces on a VLAN, or the one with an address (with or without its prefix); ValueError if none."""
        wanted = str(address).partition("/")[0] if address is not None else None
        keep = [i for i in self.interfaces
                if not ((vlan is not None and i.vlan == int(vlan)) or (wanted is not None and str(i.address.ip) == wanted))]
        if len(keep) == len(self.interfaces):
            raise ValueError("router {0} has no interface {1}".format(self.name, "on VLAN {0}".format(vlan) if vlan is not None else address))
        self.interfaces = keep

    def holding(self, address):
        return next((i for i in self.interfaces if i.address.ip == address), None)

    def on_subnet(self, address):
        return next((i for i in self.interfaces if i.address.version == address.version and address in i.network), None)

    def state(self):
        return {"island": self.island, "mtu": self.mtu, "interfaces": [i.state() for i in self.interfaces]}


class Endpoint:
    """A vmk as the wire sees it: its host, addresses, and the uplink it sends through right now (None: no link)."""

    def __init__(self, host, vnic, pnic, switch, vlan, vswitch_mtu):
        self.host, self.vnic, self.pnic, self.switch, self.vlan, self.vswitch_mtu = host, vnic, pnic, switch, vlan, vswitch_mtu
        ip = vnic.spec.ip
        self.networks = []  # ipaddress interfaces (address with its network)
        if ip.ipAddress and ip.subnetMask:  # static or DHCP-held
            self.networks.append(ipaddress.IPv4Interface("{0}/{1}".format(ip.ipAddress, ip.subnetMask)))
        for address in (ip.ipV6Config.ipV6Address if ip.ipV6Config else None) or []:
            self.networks.append(ipaddress.IPv6Interface("{0}/{1}".format(address.ipAddress, address.prefixLength)))

    @property
    def mtu(self):
        return self.vnic.spec.mtu or 1500

    @property
    def stack(self):
        return self.vnic.spec.netStackInstanceKey or "defaultTcpipStack"

    def has(self, address):
        return any(net.ip == address for net in self.networks)

    def address(self, version):
        return next((net.ip for net in self.networks if net.version == version), None)

    def network_of(self, address):
        return next((net.network for net in self.networks if net.version == address.version and address in net.network), None)

    def gateway(self, version):
        """The default gateway that applies to the vmk: its own (spec.ipRouteSpec), else its TCP/IP stack's; None: none."""
        route = self.vnic.spec.ipRouteSpec
        config = route.ipRouteConfig if route is not None else None
        value = (config.defaultGateway if version == 4 else config.ipV6DefaultGateway) if config is not None else None
        if not value:
            stack = self.host.net.stacks.get(self.stack)
            value = (stack.gateway if version == 4 else stack.ipv6_gateway) if stack is not None else None
        return ipaddress.ip_address(value) if value else None

    @property
    def label(self):
        return "{0} {1}".format(self.host.name, self.vnic.device)

    def on_subnet(self, address):
        return any(net.version == address.version and address in net.network for net in self.networks)


class PingOutcome:
    """What one ping call did: replies (list of round trips in µs, empty when lost) or an esxcli fault message."""

    def __init__(self, address, count, size, replies=(), fault=None):
        self.address, self.count, self.size, self.replies, self.fault = address, count, size, list(replies), fault


class PhysicalNetwork:
    """Switches and cables of the whole inventory; every change touches the hosts whose view it changes."""

    def __init__(self, inv, data, hosts, known_hosts_only=False):
        """data: the topology's `physical` mapping or None; hosts: HostSystem objects in building order;
        known_hosts_only: hosts named in `data` that are not in the inventory are skipped (ESXi mode keeps one host)."""
        self.inv = inv
        self.hosts = {host.name: host for host in hosts}
        self.known_hosts_only = known_hosts_only
        self.switches = {}
        self.cables = {}  # (host name, pnic) -> Cable
        self.hints_empty = set()  # hosts that answer an all-NICs QueryNetworkHint with nothing
        self._endpoints = (None, [])
        if data is None:
            data = {"switches": [DEFAULT_SWITCH], "cabling": [{"pnics": "all", "switch": DEFAULT_SWITCH["name"]}]}
        for n, switch in enumerate(data.get("switches", []), start=1):
            if switch.get("name") in self.switches:
                raise ValueError("physical: two switches named {0}".format(switch.get("name")))
            self.switches[switch["name"]] = Switch(switch, n)
        self._cable_all(data.get("cabling", []))
        self.routers = {}
        islands = {switch.island for switch in self.switches.values()}
        for router in data.get("routers", []):
            router = Router(router, islands)
            if router.name in self.routers:
                raise ValueError("physical: two routers named {0}".format(router.name))
            self.routers[router.name] = router
        self.pings = collections.deque(maxlen=PING_LOG)  # why recent pings answered or not, for the state dump
        for name in data.get("hint_all_nics_empty", []):
            if name in self.hosts or not known_hosts_only:
                self.hints_empty.add(self._host(name).name)

    # --- building and changes ----------------------------------------------------------------

    def _host(self, name):
        if name not in self.hosts:
            raise ValueError("physical: no host {0!r}".format(name))
        return self.hosts[name]

    def _switch(self, name):
        if name not in self.switches:
            raise ValueError("physical: no switch {0!r} (switches: {1})".format(name, ", ".join(sorted(self.switches))))
        return self.switches[name]

    def _cable_all(self, rules):
        """Later rules win; ports are numbered per switch in host order, then pnic order, unless a rule names one."""
        wanted = {}  # (host, pnic) -> (switch, port or None)
        for n, rule in enumerate(rules, start=1):
            where = "physical cabling rule {0}".format(n)
            switch = self._switch(rule.get("switch"))
            hosts = list(self.hosts) if rule.get("hosts", "all") == "all" else \
                [self._host(h).name for h in rule["hosts"] if h in self.hosts or not self.known_hosts_only]
            for host_name in hosts:
                host = self.hosts[host_name]
                pnics = list(host.net.pnics) if rule.get("pnics", "all") == "all" else list(rule["pnics"])
                for pnic in pnics:
                    if pnic not in host.net.pnics:
                        raise ValueError("{0}: {1} has no {2}".format(where, host_name, pnic))
                    if "port" in rule and (len(hosts) != 1 or len(pnics) != 1):
                        raise ValueError("{0}: a port is given for one host and one pnic only".format(where))
                    wanted[(host_name, pnic)] = (switch, rule.get("port"))
        for host_name in self.hosts:  # fixed ports first, so that numbered ones never take them
            for pnic in self.hosts[host_name].net.pnics:
                switch, port = wanted.get((host_name, pnic), (None, None))
                if port is not None:
                    self._plug(host_name, pnic, switch, int(port))
        for host_name in self.hosts:
            for pnic in self.hosts[host_name].net.pnics:
                switch, port = wanted.get((host_name, pnic), (None, None))
                if switch is not None and port is None:
                    self._plug(host_name, pnic, switch, switch.free_port())

    def _plug(self, host_name, pnic, switch, port):
        if port < 1 or port in switch.ports:
            raise ValueError("physical: port {0} of {1} is {2}".format(port, switch.name, "taken" if port in switch.ports else "not a port"))
        self._unplug(host_name, pnic)
        switch.ports[port] = (host_name, pnic)
        self.cables[(host_name, pnic)] = Cable(switch, port)

    def _unplug(self, host_name, pnic):
        cable = self.cables.pop((host_name, pnic), None)
        if cable is not None:
            cable.switch.release(cable.port)
        return cable

    def _changed(self, *_hosts):
        """Every host's view can change (observed subnets come from other hosts), so every host is touched."""
        with self.inv.lock:
            self.inv.touch(*[obj for host in self.hosts.values() for obj in (host, host.network_system)])

    def cable(self, host_name, pnic, switch_name, port=None):
        """Re-cable a pnic (switch_name None unplugs it); port defaults to the switch's lowest free port."""
        host = self._host(host_name)
        if pnic not in host.net.pnics:
            raise ValueError("{0} has no pnic {1}".format(host_name, pnic))
        if switch_name is None:
            self._unplug(host_name, pnic)
        else:
            switch = self._switch(switch_name)
            current = self.cables.get((host_name, pnic))
            up = current.up if current else True
            self._unplug(host_name, pnic)
            self._plug(host_name, pnic, switch, int(port) if port is not None else switch.free_port())
            self.cables[(host_name, pnic)].up = up
        self._changed(host)

    def set_link(self, host_name, pnic, up):
        host = self._host(host_name)
        cable = self.cables.get((host_name, pnic))
        if cable is None:
            raise ValueError("{0} {1} is not cabled".format(host_name, pnic))
        cable.up = bool(up)
        self._changed(host)

    def set_switch(self, name, mtu=None, vlans=None, vlans_given=False):
        switch = self._switch(name)
        if mtu is not None:
            if not 68 <= int(mtu) <= 9216:
                raise ValueError("switch MTU must be 68-9216")
            switch.mtu = int(mtu)
        if vlans_given:
            switch.vlans = parse_vlans(vlans, "switch " + name)
        self._changed()

    def set_router(self, name, add=None, remove=None):
        """/_sim/router: add an interface ({"vlan", "address", "mtu"}) to a router or remove one ({"vlan"} or {"address"})."""
        router = self.routers.get(name)
        if router is None:
            raise ValueError("physical: no router {0!r} (routers: {1})".format(name, ", ".join(sorted(self.routers))))
        if not add and not remove:
            raise ValueError("a router change needs 'add' or 'remove'")
        if remove:
            router.remove(vlan=remove.get("vlan"), address=remove.get("address"))
        if add:
            router.add(add)
        self._changed()

    def set_hints_empty(self, host_name, empty):
        names = [self._host(host_name).name] if host_name else list(self.hosts)
        for name in names:
            (self.hints_empty.add if empty else self.hints_empty.discard)(name)
        self._changed()

    # --- what the hosts see ------------------------------------------------------------------

    def link(self, host, pnic):
        """(Switch, Cable) when the pnic's link is up, else None."""
        cable = self.cables.get((host.name, pnic))
        return (cable.switch, cable) if cable is not None and cable.up else None

    def link_speeds(self, host):
        """{pnic: speed in Mb or None (link down)} for config.network.pnic[].linkSpeed."""
        speeds = {}
        for device, pnic in host.net.pnics.items():
            up = self.link(host, device)
            speeds[device] = None if up is None else min(pnic.speed_mb, up[0].speed_mb or pnic.speed_mb)
        return speeds

    def endpoints(self):
        """Every vmk of every host with the uplink it uses now; cached per inventory version."""
        version, cached = self._endpoints
        if version == self.inv.version:
            return cached
        version = self.inv.version  # noted first: a host that changes meanwhile (under its own lock) invalidates it
        found = [self._endpoint(host, vnic) for host in self.hosts.values() for vnic in host.net.vnics.values()]
        self._endpoints = (version, found)
        return found

    def _endpoint(self, host, vnic):
        teaming = _vmk_teaming(host, vnic)
        if teaming is None:
            return Endpoint(host, vnic, None, None, 0, 0)
        active, standby, vlan, vswitch_mtu = teaming
        for pnic in list(active) + list(standby):  # failover order; "unused" uplinks are in neither list
            up = self.link(host, pnic) if pnic else None
            if up is not None:
                return Endpoint(host, vnic, pnic, up[0], vlan, vswitch_mtu)
        return Endpoint(host, vnic, None, None, vlan, vswitch_mtu)

    def observed_subnets(self, host, pnic):
        """[(vlan, IPv4 network)] the pnic sees: the subnets of vmks up on its island, on VLANs its port carries, that
        send through another pnic (a NIC does not hear what it sends itself)."""
        up = self.link(host, pnic)
        if up is None:
            return []
        switch = up[0]
        seen = set()
        for point in self.endpoints():
            if point.switch is None or point.switch.island != switch.island or (point.host is host and point.pnic == pnic):
                continue
            if not (switch.carries(point.vlan) and point.switch.carries(point.vlan)):
                continue
            for net in point.networks:
                if net.version == 4:
                    seen.add((point.vlan, net.network))
        for router in self.routers.values():  # a router's interfaces talk on their VLANs too (ARP, routing protocols)
            if router.island != switch.island:
                continue
            for interface in router.interfaces:
                if interface.address.version == 4 and switch.carries(interface.vlan):
                    seen.add((interface.vlan, interface.network))
        return sorted(seen, key=lambda item: (item[0], int(item[1].network_address), item[1].prefixlen))

    # --- a TCP connection between two vmks (vMotion streams, vsim/vmotion.py) ------------------

    def endpoint_of(self, host, device):
        return next((p for p in self.endpoints() if p.host is host and p.vnic.device == device), None)

    def connects(self, host, device, address, frame):
        """(True, None) when vmk `device` of host reaches `address` and the answer comes back, with frames of `frame` bytes
        (TCP with DF: its segments are sized to the MSS, so the frame must fit every hop); else (False, why). The same
        rules as a ping with DF: on-link on the vmk's subnet, else through its gateway and a router (README: Routers)."""
        source = self.endpoint_of(host, device)
        if source is None:
            return False, "{0} {1} has no port".format(host.name, device)
        address = ipaddress.ip_address(address)
        if source.on_subnet(address):
            hops, reason = self._path(source, address, frame)
        else:
            gateway = source.gateway(address.version)
            if gateway is None:
                return False, "no route: {0} is off the subnets of {1}, which has no default gateway".format(address, source.label)
            hops, reason, _via = self._routed(source, gateway, address, frame)
        return hops is not None, reason

    def link_speed_of(self, host, device):
        """Mb/s of the uplink the vmk sends through now (None: no link)."""
        point = self.endpoint_of(host, device)
        if point is None or point.pnic is None:
            return None
        return self.link_speeds(host).get(point.pnic)

    # --- ping --------------------------------------------------------------------------------

    def ping(self, host, options):
        """esxcli network diag ping from host with the parsed options (dict of str -> str); a PingOutcome. Why it got no
        answer goes to self.pings (the state dump)."""
        outcome, source, reason, via = self._ping(host, options)
        if outcome.fault:
            result = "fault"
        else:
            result = "replied" if outcome.replies else "lost"
        self.pings.append({"host": host.name, "interface": source.vnic.device if source is not None else options.get("interface"),
                           "netstack": options.get("netstack") or "defaultTcpipStack", "address": str(outcome.address), "result": result,
                           "via": via, "reason": reason if result != "replied" else None,
                           **({"fault": outcome.fault[0]} if outcome.fault else {})})
        return outcome

    def _ping(self, host, options):
        """(PingOutcome, sending Endpoint or None, reason text or None, [router names crossed])."""
        count, size = int(options.get("count", 3)), int(options.get("size", 56))
        address = options.get("host")
        try:
            address = ipaddress.ip_address(address or "")
        except ValueError:
            return PingOutcome(address, count, size, fault=["Unknown host specified"]), None, "unknown host", []
        stack = options.get("netstack") or "defaultTcpipStack"
        points = [p for p in self.endpoints() if p.host is host]
        source = self._source(points, options.get("interface"), stack, address)
        if isinstance(source, str):
            return PingOutcome(address, count, size, fault=[source]), None, source, []
        df = options.get("df", "false").lower() == "true"
        headers = IPV6_HEADERS if address.version == 6 else IPV4_HEADERS
        if source is not None and df and size + headers > source.mtu:
            return PingOutcome(address, count, size, fault=["sendto() failed (Message too long)"] * count), source, "payload over the vmk's MTU", []
        if source is None:
            return (PingOutcome(address, count, size, fault=[UNREACHABLE]), None,
                    "no route: no vmk of {0} is on the subnet of {1} and the stack has no usable default gateway".format(stack, address), [])
        if source.has(address):
            return PingOutcome(address, count, size, replies=[_round_trip(0, size, seq) for seq in range(count)]), source, None, []
        frame = size + headers if df else min(size + headers, source.mtu)
        if source.on_subnet(address):
            hops, reason = self._path(source, address, frame)
            via = []
        else:
            nexthop = options.get("nexthop")
            try:
                gateway = ipaddress.ip_address(nexthop) if nexthop else source.gateway(address.version)
            except ValueError:
                return PingOutcome(address, count, size, fault=["Invalid nexthop {0}".format(nexthop)]), source, "invalid nexthop", []
            if gateway is None:
                return (PingOutcome(address, count, size, fault=[UNREACHABLE]), source,
                        "no route: {0} is off the subnets of {1} and neither the vmk nor {2} has a default gateway".format(
                            address, source.label, stack), [])
            hops, reason, via = self._routed(source, gateway, address, frame)
        replies = [] if hops is None else [_round_trip(hops, size, seq) for seq in range(count)]
        return PingOutcome(address, count, size, replies=replies), source, reason, via

    def _source(self, points, interface, stack, address):
        """The sending vmk, None (no route) or an esxcli error text. Without an interface: the stack's vmk on the
        address's subnet, else the one on its default gateway's subnet (the stack's default route)."""
        if interface:
            point = next((p for p in points if p.vnic.device == interface), None)
            if point is None or point.stack != stack:
                return "Unknown interface '{0}': Invalid argument".format(interface)
            return point
        on_stack = [p for p in points if p.stack == stack]
        found = next((p for p in on_stack if p.on_subnet(address)), None)
        if found is not None or not on_stack:
            return found
        config = on_stack[0].host.net.stacks.get(stack)
        gateway = (config.gateway if address.version == 4 else config.ipv6_gateway) if config is not None else None
        gateway = ipaddress.ip_address(gateway) if gateway else None
        return next((p for p in on_stack if gateway is not None and p.on_subnet(gateway)), None)

    def _path(self, source, address, frame):
        """(physical switches crossed (1 or 2), None) to a vmk holding the address on the same island and VLAN, or
        (None, why not)."""
        if source.switch is None:
            return None, "{0} has no uplink with a link".format(source.label)
        if not source.switch.carries(source.vlan):
            return None, "{0} does not carry VLAN {1} of {2}".format(source.switch.name, source.vlan, source.label)
        if frame > min(source.vswitch_mtu, source.switch.mtu):
            return None, "a {0}-byte frame is over the MTU of {1}'s switches".format(frame, source.label)
        reason = "no vmk holds {0} on island {1}, VLAN {2}".format(address, source.switch.island, source.vlan)
        for peer in self.endpoints():
            if not peer.has(address) or peer.switch is None or peer.switch.island != source.switch.island:
                continue
            if peer.vlan != source.vlan or not peer.switch.carries(peer.vlan):
                reason = "{0} holds {1} on VLAN {2}, {3} sends on VLAN {4}".format(peer.label, address, peer.vlan, source.label, source.vlan)
                continue
            if not any(peer.on_subnet(net.ip) for net in source.networks if net.version == address.version):
                reason = "{0} has no route back: {1}'s address is off its subnet".format(peer.label, source.label)
                continue  # the reply would have no route back
            if frame > min(peer.switch.mtu, peer.vswitch_mtu, peer.mtu):
                reason = "a {0}-byte frame is over the MTU on the way to {1}".format(frame, peer.label)
                continue
            return (1 if peer.switch is source.switch else 2), None
        return None, reason

    # --- routing -----------------------------------------------------------------------------

    def _router_at(self, address):
        for router in self.routers.values():
            interface = router.holding(address)
            if interface is not None:
                return router, interface
        return None, None

    @staticmethod
    def _on_link(point, router, interface, frame):
        """Why a vmk and a router interface cannot exchange a frame on-link (same island, VLAN carried, MTU), or None."""
        if point.switch is None:
            return "{0} has no uplink with a link".format(point.label)
        if point.switch.island != router.island:
            return "{0} is on island {1}, router {2} on island {3}".format(point.label, point.switch.island, router.name, router.island)
        if point.vlan != interface.vlan:
            return "{0} is on VLAN {1}, router {2}'s interface {3} on VLAN {4}".format(
                point.label, point.vlan, router.name, interface.address, interface.vlan)
        if not point.switch.carries(point.vlan):
            return "{0} does not carry VLAN {1} of {2}".format(point.switch.name, point.vlan, point.label)
        if frame > min(point.vswitch_mtu, point.switch.mtu, point.mtu, interface.mtu):
            return "a {0}-byte frame is over the MTU between {1} and router {2}".format(frame, point.label, router.name)
        return None

    def _leg(self, point, gateway, target, frame):
        """One direction of a routed path: from vmk `point` through `gateway` to the vmk `target` (an Endpoint), or to
        whoever holds the address `target`. (router, peer Endpoint, None), else (router reached or None, None, why not)."""
        address = target.address(gateway.version) if isinstance(target, Endpoint) else target
        if not point.on_subnet(gateway):
            return None, None, "gateway {0} of {1} is not on its subnet".format(gateway, point.label)
        router, interface = self._router_at(gateway)
        if router is None:
            return None, None, "no router holds {0}, the gateway of {1}".format(gateway, point.label)
        why = self._on_link(point, router, interface, frame)
        if why:
            return None, None, why
        peers = [target] if isinstance(target, Endpoint) else [p for p in self.endpoints() if p.has(address)]
        if not peers:
            return router, None, "no vmk holds {0}".format(address)
        peer = peers[0]
        out = router.on_subnet(address)
        if out is None:
            subnet = peer.network_of(address) or address
            return router, None, "router {0} has no interface on {1}: no route to {2}".format(router.name, subnet, address)
        why = self._on_link(peer, router, out, frame)
        if why:
            return router, None, why
        return router, peer, None

    def _routed(self, source, gateway, address, frame):
        """(hops, None, routers) when the ping is answered through routers, else (None, why not, routers reached).

        Forward: the gateway is on the source vmk's subnet and held by a router the vmk reaches on-link (island, VLAN
        carried, MTU); that router has an interface on the destination's subnet from which the vmk holding the address is
        on-link. Back: that vmk's own gateway (its override, else its stack's) is held by a router it reaches on-link
        and that router has an interface on the source's subnet from which the source vmk is on-link."""
        router, peer, why = self._leg(source, gateway, address, frame)
        if why:
            return None, why, [router.name] if router else []
        back_gateway = peer.gateway(address.version)
        if back_gateway is None:
            return None, "{0} has no gateway: no route back to {1}".format(peer.label, source.address(address.version)), [router.name]
        back, _source, why = self._leg(peer, back_gateway, source, frame)
        via = [router.name] + ([back.name] if back is not None and back is not router else [])
        if why:
            return None, "on the way back: " + why, via
        return 3, None, via

    # --- QueryNetworkHint --------------------------------------------------------------------

    def network_hints(self, host, devices):
        """PhysicalNicHintInfo per device (None: every pnic, or [] on a host made to answer like the builds that do)."""
        if not devices:
            if host.name in self.hints_empty:
                return []
            devices = list(host.net.pnics)
        return [self._hint(host, device) for device in devices]

    def _hint(self, host, device):
        hint = vim.host.PhysicalNic.NetworkHint(device=device, network=[], subnet=[
            vim.host.PhysicalNic.NetworkHint.IpNetwork(vlanId=vlan, ipSubnet="{0}-{1}".format(net[1], net[-2]) if net.num_addresses > 2
                                                       else "{0}-{1}".format(net[0], net[-1]))
            for vlan, net in self.observed_subnets(host, device)])
        up = self.link(host, device)
        if up is None:
            return hint
        switch, cable = up
        listening = _listening_protocol(host, device)
        if switch.discovery in ("cdp", "both") and listening == "cdp":
            hint.connectedSwitchPort = _cdp_info(switch, cable, host)
        if switch.discovery in ("lldp", "both") and listening == "lldp":
            hint.lldpInfo = _lldp_info(switch, cable)
        return hint

    # --- control -----------------------------------------------------------------------------

    def state(self):
        cabling = {}
        for host in self.hosts.values():
            row = {}
            for device in host.net.pnics:
                cable = self.cables.get((host.name, device))
                row[device] = None if cable is None else {"switch": cable.switch.name, "island": cable.switch.island, "port": cable.port,
                                                          "port_id": cable.switch.port_id(cable.port), "up": cable.up}
            cabling[host.name] = row
        return {"switches": {name: switch.state() for name, switch in self.switches.items()}, "cabling": cabling,
                "hint_all_nics_empty": sorted(self.hints_empty), "routers": {name: r.state() for name, r in self.routers.items()},
                "pings": list(self.pings)}


def _round_trip(hops, size, seq):
    """A deterministic, plausible round trip in µs: a base, the switches crossed, the bytes on the wire."""
    return 120 + 40 * hops + size // 60 + 10 * seq


def _vmk_teaming(host, vnic):
    """(active pnics, standby pnics, VLAN, virtual switch MTU) of the vmk's port, or None when it has none."""
    spec = vnic.spec
    if spec.distributedVirtualPort is not None:
        port = spec.distributedVirtualPort
        dvs = next((d for d in host.dvswitches() if d.uuid == port.switchUuid), None)
        portgroup = next((pg for pg in dvs.portgroups if pg.moid == port.portgroupKey), None) if dvs else None
        if portgroup is None:
            return None
        setting = portgroup.config.defaultPortConfig
        vlan = setting.vlan.vlanId if isinstance(setting.vlan, vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec) else 0
        order = setting.uplinkTeamingPolicy.uplinkPortOrder
        by_uplink = {uplink: pnic for pnic, uplink, _port in dvs.members.get(host, [])}
        return ([by_uplink.get(u) for u in order.activeUplinkPort or []], [by_uplink.get(u) for u in order.standbyUplinkPort or []],
                vlan, dvs.mtu)
    portgroup = host.net.portgroups.get(spec.portgroup)
    vswitch = host.net.vswitches.get(portgroup.vswitchName) if portgroup else None
    if vswitch is None:
        return None
    bridge = host.net._bridge_nics(vswitch)
    order = merge_policy(vswitch.policy, portgroup.policy).nicTeaming.nicOrder
    mtu = vswitch.mtu or 1500  # a switch whose spec leaves the MTU unset has 1500
    if order is None:
        return bridge, [], portgroup.vlanId, mtu
    return [n for n in order.activeNic or [] if n in bridge], [n for n in order.standbyNic or [] if n in bridge], portgroup.vlanId, mtu


def _listening_protocol(host, device):
    """The discovery protocol the host listens with on a pnic: its vSwitch's (standard switches speak CDP only) or its
    distributed switch's linkDiscoveryProtocolConfig; None for a pnic on no switch."""
    for spec in host.net.vswitches.values():
        if device in host.net._bridge_nics(spec):
            config = spec.bridge.linkDiscoveryProtocolConfig if spec.bridge is not None else None
            return "cdp" if config is None or config.operation in ("listen", "both") else None
    for dvs in host.dvswitches():
        if device in dvs.member_pnics(host):
            config = dvs.p_config().linkDiscoveryProtocolConfig
            return config.protocol if config is not None and config.operation in ("listen", "both") else None
    return None


def _cdp_info(switch, cable, host):
    capability = vim.host.PhysicalNic.CdpDeviceCapability(router=False, transparentBridge=False, sourceRouteBridge=False, networkSwitch=True,
                                                          host=False, igmpEnabled=True, repeater=False)
    return vim.host.PhysicalNic.CdpInfo(
        cdpVersion=2, timeout=0, ttl=174, samples=60 + host.index, devId=switch.name, address=switch.mgmt_ip, portId=switch.port_id(cable.port),
        deviceCapability=capability, softwareVersion=switch.software, hardwarePlatform=switch.platform, ipPrefix="0.0.0.0",
        ipPrefixLen=0, vlan=switch.native_vlan, fullDuplex=True, mtu=switch.mtu, systemName=switch.name, systemOID="",
        mgmtAddr=switch.mgmt_ip, location=switch.location)


def _lldp_info(switch, cable):
    parameters = [("Port Description", switch.port_id(cable.port)), ("System Name", switch.name), ("System Description", switch.software),
                  ("Management Address", switch.mgmt_ip)]
    return vim.host.PhysicalNic.LldpInfo(chassisId=switch.chassis_mac, portId=switch.port_id(cable.port), timeToLive=120,
                                         parameter=[vim.KeyAnyValue(key=key, value=value) for key, value in parameters])
