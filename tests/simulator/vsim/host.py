"""HostSystem with its HostNetworkSystem and HostVirtualNicManager."""

import copy
import datetime
import ipaddress

from pyVmomi import vim

from . import esxcli, faults
from .about import esxi_about
from .hostnet import NETSTACKS, TEAMING_POLICIES
from .hostsystems import build_config_managers, datastore_capabilities, firewall_info, service_info
from .model import Entity, ManagedObject
from .services import run_task

BOOT_TIME = datetime.datetime(2024, 6, 1, 8, 0, 0, tzinfo=datetime.timezone.utc)
BIOS_DATE = datetime.datetime(2024, 3, 12, 0, 0, 0, tzinfo=datetime.timezone.utc)
# The pnics' PCI function: Intel 82599 (driver ixgben), PCI class 0x0200 (Ethernet controller).
NIC_PCI = {"classId": 0x0200, "vendorId": -0x7F7A, "vendorName": "Intel(R)", "deviceId": 0x10FB,
           "deviceName": "82599EB 10-Gigabit SFI/SFP+ Network Connection"}  # vendorId 0x8086 as the signed short of the wire


class HostSystem(Entity):
    vim_type = "HostSystem"

    def __init__(self, inv, moid, name, parent, net, index, identity):
        """net: HostNetState; identity: dict with uuid, gateway, dns host name and domain."""
        super().__init__(inv, moid, name, parent)
        self.net = net
        self.index = index
        self.identity = identity
        self.log = []  # vmkernel.log lines, filled through /_sim/log
        self.datastores = []  # the datastores it mounts (vsim/datastore.py), set by the topology; they never change
        # Standalone hostd has one of each, with fixed moids.
        esxi = not inv.is_vcenter
        self.network_system = inv.add(HostNetworkSystem(inv, "networkSystem" if esxi else inv.new_moid("networkSystem"), self))
        self.nic_manager = inv.add(HostVirtualNicManager(inv, "ha-vnic-mgr" if esxi else inv.new_moid("virtualNicManager"), self))
        self.config_managers = build_config_managers(inv, self)
        self._rendered = {}  # name -> (inventory version, value): rendering is the cost of big reads
        # HostSystemConnectionState: connected; disconnected (DisconnectHost_Task, the admin took it down);
        # notResponding (vCenter gets no heartbeats: /_sim/host_state, it has no API). And maintenance mode.
        self.connection_state = "connected"
        self.in_maintenance = False

    # --- changes ---------------------------------------------------------------------------

    def datacenter(self):
        node = self.parent
        while node.vim_type != "Datacenter":
            node = node.parent
        return node

    def mutate(self, change, staged=None):
        """Run change(state) on a clone of the networking state; commit only if it succeeds.

        staged: {DistributedSwitch: member list} the change fills with new pnic backings of this host's proxy switches
        (UpdateNetworkConfig proxySwitch); they are committed with the state, or not at all."""
        state = self.net.clone()
        state.proxy_pnics = {pnic for dvs in self.dvswitches() for pnic in dvs.member_pnics(self)}
        result = change(state)
        self.net = state
        for dvs, members in (staged or {}).items():
            if members != dvs.members[self]:
                dvs.members[self] = members
                dvs.config_version += 1  # vCenter takes the host's new backing into the switch's config.host
                self.inv.touch(dvs, dvs.uplink_portgroup)
        self.network_changed()
        return result

    def network_changed(self):
        self.datacenter().sync_networks()
        self.inv.touch(self, self.network_system, self.nic_manager, self.config_managers["vmotionSystem"])

    def dvswitches(self):
        return [dvs for dvs in self.datacenter().dvswitches() if self in dvs.members] if self.inv.is_vcenter else []

    def networks(self):
        datacenter = self.datacenter()
        standard = [datacenter.standard_networks[name] for name in self.net.portgroups if name in datacenter.standard_networks]
        return standard + [pg for dvs in self.dvswitches() for pg in dvs.portgroups]

    def resolve_dvport(self, connection, where, net, device=None):
        """The DistributedVirtualSwitchPortConnection a vmk on a vDS gets: a port of the port group of its own.

        net: the host's networking state the change works on; device: the vmk being updated (it keeps its port
        when it stays in the same port group). A port key in the request must be a free port of the port group.
        """
        dvs = next((d for d in self.dvswitches() if d.uuid == connection.switchUuid), None)
        if dvs is None:
            raise faults.invalid_argument(where + ".distributedVirtualPort.switchUuid")
        portgroup = next((pg for pg in dvs.portgroups if pg.moid == connection.portgroupKey and not pg.uplink), None)
        if portgroup is None:
            raise faults.invalid_argument(where + ".distributedVirtualPort.portgroupKey")
        current = net.vnics[device].spec.distributedVirtualPort if device in net.vnics else None
        current_key = current.portKey if current is not None and current.switchUuid == dvs.uuid else None
        port = dvs.connect(portgroup, requested=connection.portKey or None, current=current_key, host_states={self: net})
        cookie = current.connectionCookie if current_key == port else 1000 + self.index * 100 + len(net.vnics)
        return vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup.moid, portKey=port, connectionCookie=cookie)

    # --- rendering -------------------------------------------------------------------------

    def _cached(self, name, render):
        """Rendered values are never mutated afterwards, so concurrent readers can share them."""
        version, value = self._rendered.get(name, (None, None))
        if version != self.inv.version:
            version = self.inv.version  # noted before rendering: a change made meanwhile (other locks) invalidates it
            value = render()
            self._rendered[name] = (version, value)
        return value

    def network_info(self):
        return self._cached("network", self._render_network_info)

    def nic_manager_info(self):
        return self._cached("nic_manager", self.net.render_nic_manager_info)

    def _render_network_info(self):
        net = self.net
        default = net.stacks["defaultTcpipStack"]
        dns = default.dns or vim.host.DnsConfig(dhcp=False, hostName=self.identity["hostname"], domainName=self.identity["domain"],
                                                address=[], searchDomain=[self.identity["domain"]])
        # As a real host lists them (govmomi's capture simulator/esx/host_config_info.go): the two system stacks
        # without a name and before the default one, whether a vmk uses them or not. Each stack's routes are in its own
        # routeTableConfig; HostNetworkInfo.ipRouteConfig / routeTableInfo are the default stack's ("Deprecated as of
        # vSphere API 5.5, which is moved to each NetStackInstance. For this property in NetworkInfo, Get operation will
        # only return its value of default NetStackInstance", API reference of HostNetworkInfo).
        stacks = []
        for key in reversed(NETSTACKS):
            stack = net.stacks[key]
            ipv4, ipv6 = self._routes(key)
            stacks.append(vim.host.NetStackInstance(
                key=key, name=key if key == "defaultTcpipStack" else "", requestedMaxNumberOfConnections=stack.max_connections,
                congestionControlAlgorithm=stack.congestion, ipV6Enabled=True,
                dnsConfig=dns if key == "defaultTcpipStack" else vim.host.DnsConfig(), ipRouteConfig=copy.deepcopy(stack.route),
                routeTableConfig=vim.host.IpRouteTableConfig(
                    ipRoute=[vim.host.IpRouteOp(changeOperation="ignore", route=r) for r in ipv4],
                    ipv6Route=[vim.host.IpRouteOp(changeOperation="ignore", route=r) for r in ipv6]) if ipv4 or ipv6 else None))
        ipv4, ipv6 = self._routes("defaultTcpipStack")
        return vim.host.NetworkInfo(
            vswitch=net.render_vswitches(), proxySwitch=[dvs.render_proxy_switch(self) for dvs in self.dvswitches()],
            portgroup=net.render_portgroups(), pnic=net.render_pnics(self.link_speeds()), vnic=net.render_vnics(), consoleVnic=[],
            dnsConfig=dns, ipRouteConfig=copy.deepcopy(default.route), ipV6Enabled=True, atBootIpV6Enabled=True, netStackInstance=stacks,
            routeTableInfo=vim.host.IpRouteTableInfo(ipRoute=ipv4, ipv6Route=ipv6))

    def _routes(self, stack):
        """(IPv4, IPv6) routes of a TCP/IP stack, as the capture shows the default stack's: its default route (0.0.0.0/0,
        ::/0) through the stack's vmk whose subnet holds the gateway, then the network of each vmk's address (gateway
        0.0.0.0, or :: for IPv6) on that vmk. A gateway on no subnet of the stack's vmks installs no default route (assumed:
        a next hop must be on-link); a vmk's own gateway (ipRouteSpec) adds no entry here."""
        ipv4, ipv6 = [], []
        vnics = [v for v in self.net.vnics.values() if v.spec.netStackInstanceKey == stack]
        networks = []  # (vmk, ipaddress network)
        for vnic in vnics:
            ip = vnic.spec.ip
            if ip.ipAddress and ip.subnetMask:  # a DHCP lease is on-link like a static address
                networks.append((vnic.device, ipaddress.IPv4Network("{0}/{1}".format(ip.ipAddress, ip.subnetMask), strict=False)))
            for address in ip.ipV6Config.ipV6Address if ip.ipV6Config else []:
                networks.append((vnic.device, ipaddress.IPv6Network("{0}/{1}".format(address.ipAddress, address.prefixLength), strict=False)))
        config = self.net.stacks[stack]
        for gateway, table, any_network in ((config.gateway, ipv4, "0.0.0.0"), (config.ipv6_gateway, ipv6, "::")):
            address = ipaddress.ip_address(gateway) if gateway else None
            device = next((d for d, net in networks if address is not None and net.version == address.version and address in net), None)
            if device is not None:
                table.append(vim.host.IpRouteEntry(network=any_network, prefixLength=0, gateway=gateway, deviceName=device))
        for device, network in networks:
            (ipv4 if network.version == 4 else ipv6).append(vim.host.IpRouteEntry(
                network=str(network.network_address), prefixLength=network.prefixlen, gateway="0.0.0.0" if network.version == 4 else "::",
                deviceName=device))
        return ipv4, ipv6

    def p_summary(self):
        return vim.host.Summary(
            host=self.ref, hardware=self._hardware_summary(), runtime=self.p_runtime(),
            config=vim.host.Summary.ConfigSummary(name=self.name, port=443, product=esxi_about(self.inv.release),
                                                  vmotionEnabled=bool(self.net.selected_devices("vmotion")), faultToleranceEnabled=False),
            quickStats=vim.host.Summary.QuickStats(overallCpuUsage=1200, overallMemoryUsage=65536, uptime=86400),
            overallStatus="green", rebootRequired=False, managementServerIp="10.0.0.10" if self.inv.is_vcenter else None)

    def _hardware_summary(self):
        return vim.host.Summary.HardwareSummary(
            vendor="Dell Inc.", model="PowerEdge R760", uuid=self.identity["uuid"], memorySize=512 * 1024 ** 3,
            cpuModel="Intel(R) Xeon(R) Gold 6448Y", cpuMhz=2100, numCpuPkgs=2, numCpuCores=32, numCpuThreads=64,
            numNics=len(self.net.pnics), numHBAs=0, otherIdentifyingInfo=self._identification())

    def _identification(self):
        """Asset and service tags as a real host's SMBIOS gives them (the kinds of govmomi's capture host_system.go)."""
        kinds = (("AssetTag", "Asset Tag", "Asset tag of the system", " No Asset Tag"),
                 ("ServiceTag", "Service tag", "Service tag of the system", "SIM{0:04d}".format(self.index)))
        return [vim.host.SystemIdentificationInfo(identifierValue=value, identifierType=vim.ElementDescription(key=key, label=label, summary=summary))
                for key, label, summary, value in kinds]

    def p_hardware(self):
        return vim.host.HardwareInfo(
            systemInfo=vim.host.SystemInfo(vendor="Dell Inc.", model="PowerEdge R760", uuid=self.identity["uuid"],
                                           serialNumber="SIM{0:04d}".format(self.index), otherIdentifyingInfo=self._identification()),
            cpuInfo=vim.host.CpuInfo(numCpuPackages=2, numCpuCores=32, numCpuThreads=64, hz=2100000000),
            cpuPkg=[vim.host.CpuPackage(index=n, vendor="intel", hz=2100000000, busHz=100000000, description="Intel(R) Xeon(R) Gold 6448Y",
                                        threadId=list(range(n * 32, n * 32 + 32))) for n in range(2)],
            memorySize=512 * 1024 ** 3, smcPresent=False, pciDevice=self._pci_devices(),
            biosInfo=vim.host.BIOSInfo(biosVersion="2.1.5", releaseDate=BIOS_DATE, vendor="Dell Inc.", majorRelease=2, minorRelease=1,
                                       firmwareType="UEFI"))

    def _pci_devices(self):
        """The pnics' PCI functions, so that a pnic's `pci` names a device of host.hardware (vmware_host_vmnic_info joins them)."""
        devices = []
        for pnic in self.net.pnics.values():
            _domain, bus, slot_function = pnic.pci.split(":")
            slot, function = slot_function.split(".")
            devices.append(vim.host.PciDevice(id=pnic.pci, bus=int(bus, 16), slot=int(slot, 16), function=int(function, 16), subVendorId=0,
                                              subDeviceId=0, parentBridge="", **NIC_PCI))
        return devices

    def p_runtime(self):
        return self._cached("runtime", self._render_runtime)

    def _render_runtime(self):
        # powerState: "If the host is disconnected, or notResponding, we cannot possibly have knowledge of its power state"
        connected = self.connection_state == "connected"
        return vim.host.RuntimeInfo(connectionState=self.connection_state, powerState="poweredOn" if connected else "unknown",
                                    inMaintenanceMode=self.in_maintenance, inQuarantineMode=False, standbyMode="none",
                                    bootTime=BOOT_TIME, networkRuntimeInfo=self._render_network_runtime())

    def _render_network_runtime(self):
        """Running TCP/IP stacks and their vmks: the default stack always, another one once a vmk uses it."""
        stacks = []
        for key in NETSTACKS:
            devices = [v.device for v in self.net.vnics.values() if v.spec.netStackInstanceKey == key]
            if devices or key == "defaultTcpipStack":
                stacks.append(vim.host.RuntimeInfo.NetStackInstanceRuntimeInfo(
                    netStackInstanceKey=key, state="active", vmknicKeys=devices, maxNumberOfConnections=11000, currentIpV6Enabled=True))
        return vim.host.RuntimeInfo.NetworkRuntimeInfo(netStackInstanceRuntimeInfo=stacks)

    def p_config(self):
        # "This might not be available for a disconnected host": unset. A host that stopped answering keeps what vCenter
        # last knew (no write reaches it, so that is its state as it was).
        if self.connection_state == "disconnected":
            return None
        return self._cached("config", self._render_config)

    def _render_config(self):
        return vim.host.ConfigInfo(
            host=self.ref, product=esxi_about(self.inv.release), network=self.network_info(),
            virtualNicManagerInfo=self.nic_manager_info(), capabilities=network_capabilities(),
            offloadCapabilities=vim.host.NetOffloadCapabilities(csumOffload=True, tcpSegmentation=True, zeroCopyXmit=True),
            hyperThread=vim.host.CpuSchedulerSystem.HyperThreadScheduleInfo(available=True, active=True, config=True),
            vmotion=vim.host.VMotionInfo(netConfig=self.net.legacy_vmotion_config()), service=service_info(self.inv.is_vcenter),
            firewall=firewall_info(), option=self.config_managers["advancedOption"].settings(),
            optionDef=self.config_managers["advancedOption"].option_defs(), dateTimeInfo=self.config_managers["dateTimeSystem"].p_dateTimeInfo(),
            datastoreCapabilities=datastore_capabilities(), lockdownMode="lockdownDisabled")

    def p_configManager(self):
        """The managers the simulator implements; a real host has ~35 (see tests/simulator/README.md)."""
        refs = {field: obj.ref for field, obj in self.config_managers.items()}
        return vim.host.ConfigManager(networkSystem=self.network_system.ref, virtualNicManager=self.nic_manager.ref, **refs)

    def p_network(self):
        return vim.Network.Array([n.ref for n in self.networks()])

    def p_datastore(self):
        return vim.Datastore.Array([ds.ref for ds in self.datastores])

    def vms(self):
        return [vm for vm in self.datacenter().vms() if vm.host is self]

    def p_vm(self):
        return vim.VirtualMachine.Array([vm.ref for vm in self.vms()])

    # --- connection state and maintenance mode --------------------------------------------------

    def require_connection(self):
        """What a call that must reach the host gets when vCenter cannot: vmodl.fault.HostNotConnected (disconnected)
        or vmodl.fault.HostCommunication (not responding), with the messages vCenter gives (tests/simulator/README.md)."""
        if self.connection_state == "disconnected":
            raise faults.make("vmodl.fault.HostNotConnected", "Unable to communicate with the remote host, since it is disconnected.")
        if self.connection_state == "notResponding":
            raise faults.make("vmodl.fault.HostCommunication", "An error occurred while communicating with the remote host.")

    def set_connection_state(self, state):
        self.connection_state = state
        self.inv.touch(self)
        for vm in self.vms():  # "disconnected: ... since its host is disconnected" (VirtualMachineConnectionState)
            self.inv.touch(vm)

    def _task(self, call, description_id, work):
        return run_task(call, self, description_id, work)

    def DisconnectHost_Task(self, call):
        if not self.inv.is_vcenter:
            raise faults.not_supported("DisconnectHost is a vCenter method")
        return self._task(call, "HostSystem.disconnect", lambda: self.set_connection_state("disconnected"))

    def ReconnectHost_Task(self, call, cnxSpec=None, reconnectSpec=None):
        if not self.inv.is_vcenter:
            raise faults.not_supported("ReconnectHost is a vCenter method")

        def work():
            if self.connection_state != "disconnected":  # "InvalidState: if the host is not disconnected"
                raise faults.make("vim.fault.InvalidState", "The operation is not allowed in the current connection state of the host.")
            self.set_connection_state("connected")
        return self._task(call, "HostSystem.reconnect", work)

    def EnterMaintenanceMode_Task(self, call, timeout, evacuatePoweredOffVms=None, maintenanceSpec=None):
        self.require_connection()

        def work():
            if self.in_maintenance:  # "InvalidState: if the host is already in maintenance mode"
                raise faults.make("vim.fault.InvalidState", "The operation is not allowed in the current state.")
            running = [vm.name for vm in self.vms() if vm.running]
            if running:
                # "The task completes once there are no powered-on virtual machines on the host"; the simulator's VMs never
                # stop, so the task would run until its timeout: it ends as that timeout would end it, at once.
                raise faults.make("vim.fault.Timedout", "Operation timed out: {0} powered-on virtual machine(s) on the host ({1})"
                                  .format(len(running), ", ".join(sorted(running)[:3])))
            self.in_maintenance = True
            self.inv.touch(self)
        return self._task(call, "HostSystem.enterMaintenanceMode", work)

    def ExitMaintenanceMode_Task(self, call, timeout):
        self.require_connection()

        def work():
            if not self.in_maintenance:  # "InvalidState: if the host is not in maintenance mode"
                raise faults.make("vim.fault.InvalidState", "The operation is not allowed in the current state.")
            self.in_maintenance = False
            self.inv.touch(self)
        return self._task(call, "HostSystem.exitMaintenanceMode", work)

    # --- the physical network and esxcli (vsim/physical.py, vsim/esxcli.py) -----------------------------

    def link_speeds(self):
        physical = getattr(self.inv, "physical", None)
        return physical.link_speeds(self) if physical is not None else None

    def RetrieveManagedMethodExecuter(self, call):
        self.require_connection()
        return esxcli.executer_for(self).ref

    def RetrieveDynamicTypeManager(self, call):
        return esxcli.type_manager_for(self).ref


def _without_bridges(net):
    """A view of the host's networking in which no vSwitch holds a pnic: a proxy switch's backing is checked against the
    vSwitches once the whole UpdateNetworkConfig is applied (a pnic may leave its vSwitch in the same call)."""
    view = copy.copy(net)
    view.vswitches = {}
    return view


def network_capabilities():
    return vim.host.NetCapabilities(
        canSetPhysicalNicLinkSpeed=True, supportsNicTeaming=True, nicTeamingPolicy=list(TEAMING_POLICIES),
        supportsVlan=True, usesServiceConsoleNic=False, supportsNetworkHints=True, vswitchConfigSupported=True, vnicConfigSupported=True,
        ipRouteConfigSupported=True, dnsConfigSupported=True, dhcpOnVnicSupported=True, ipV6Supported=True)


class HostNetworkSystem(ManagedObject):
    vim_type = "HostNetworkSystem"

    def __init__(self, inv, moid, host):
        super().__init__(inv, moid)
        self.host = host

    def p_networkInfo(self):
        return self.host.network_info()

    def p_capabilities(self):
        return network_capabilities()

    def p_offloadCapabilities(self):
        return vim.host.NetOffloadCapabilities(csumOffload=True, tcpSegmentation=True, zeroCopyXmit=True)

    def p_dnsConfig(self):
        return self.host.network_info().dnsConfig

    def p_ipRouteConfig(self):
        return self.host.network_info().ipRouteConfig

    def p_networkConfig(self):
        info = self.host.network_info()
        return vim.host.NetworkConfig(
            vswitch=[vim.host.VirtualSwitch.Config(name=s.name, spec=s.spec) for s in info.vswitch],
            portgroup=[vim.host.PortGroup.Config(spec=pg.spec) for pg in info.portgroup],
            pnic=[vim.host.PhysicalNic.Config(device=p.device, spec=p.spec) for p in info.pnic],
            vnic=[vim.host.VirtualNic.Config(device=v.device, portgroup=v.portgroup, spec=v.spec) for v in info.vnic],
            proxySwitch=[vim.host.HostProxySwitch.Config(uuid=p.dvsUuid, spec=p.spec) for p in info.proxySwitch],
            dnsConfig=info.dnsConfig, ipRouteConfig=info.ipRouteConfig, ipV6Enabled=True)

    def AddVirtualSwitch(self, call, vswitchName, spec=None):
        self.host.mutate(lambda net: net.add_vswitch(vswitchName, spec))

    def UpdateVirtualSwitch(self, call, vswitchName, spec):
        self.host.mutate(lambda net: net.update_vswitch(vswitchName, spec))

    def RemoveVirtualSwitch(self, call, vswitchName):
        self.host.mutate(lambda net: net.remove_vswitch(vswitchName))

    def AddPortGroup(self, call, portgrp):
        self.host.mutate(lambda net: net.add_portgroup(portgrp))

    def UpdatePortGroup(self, call, pgName, portgrp):
        self.host.mutate(lambda net: net.update_portgroup(pgName, portgrp))

    def RemovePortGroup(self, call, pgName):
        self.host.mutate(lambda net: net.remove_portgroup(pgName))

    def _dvport(self, net, spec, where, device=None):
        if spec is None or spec.distributedVirtualPort is None:
            return None
        return self.host.resolve_dvport(spec.distributedVirtualPort, where, net, device)

    def AddVirtualNic(self, call, portgroup, nic):
        return self.host.mutate(lambda net: net.add_vnic(portgroup, nic, self._dvport(net, nic, "nic")))

    def UpdateVirtualNic(self, call, device, nic):
        self.host.mutate(lambda net: net.update_vnic(device, nic, self._dvport(net, nic, "nic", device)))

    def RemoveVirtualNic(self, call, device):
        self.host.mutate(lambda net: net.remove_vnic(device))

    def RefreshNetworkSystem(self, call):
        return None

    def QueryNetworkHint(self, call, device=None):
        """Per pnic: the subnets seen on the wire and the CDP / LLDP neighbour, from the physical network."""
        unknown = [d for d in device or [] if d not in self.host.net.pnics]
        if unknown:
            raise faults.not_found("Physical NIC {0} not found".format(unknown[0]))
        return self.inv.physical.network_hints(self.host, list(device or []))

    def UpdateIpRouteConfig(self, call, config):
        """The default stack's gateway (deprecated since API 5.5 for netStackSpec, still served)."""
        self.host.mutate(lambda net: net.set_default_route(config))

    def UpdateNetworkConfig(self, call, config, changeMode):
        """changeMode "modify": apply the listed add/edit/remove operations, all or nothing."""
        if changeMode != "modify":
            raise faults.not_supported("Only changeMode 'modify' is simulated")
        staged = {}
        return self.host.mutate(lambda net: self._apply_config(net, config, staged), staged)

    def _stage_proxy_switches(self, net, config, staged):
        """config.proxySwitch: the new pnic backing of each proxy switch named (the whole backing, as the vSphere Client's
        migration and VMware's vc_dvswitch_migrate send it), checked before anything else is applied. The host's pnics
        on proxy switches become those of the new backings, so the vSwitch edits of the same call can take a pnic the
        backing gives back, and a pnic moved onto a proxy switch must leave its vSwitch in the same call (checked last)."""
        where = "config.proxySwitch"
        switches = {dvs.uuid: dvs for dvs in self.host.dvswitches()}
        for proxy in config.proxySwitch or []:
            operation = proxy.changeOperation or "edit"
            if operation == "remove":
                raise faults.not_supported("A proxy switch leaves the host through its distributed switch (ReconfigureDvs_Task, "
                                           "operation remove), not through the host")
            if operation != "edit":
                raise faults.invalid_argument(where + ".changeOperation")
            dvs = switches.get(proxy.uuid)
            if dvs is None:
                raise faults.not_found("The host is not a member of a distributed switch with uuid {0}".format(proxy.uuid))
            if dvs in staged:
                raise faults.invalid_argument(where + ".uuid", "The proxy switch {0} is given twice.".format(proxy.uuid))
            backing = proxy.spec.backing if proxy.spec is not None else None
            if backing is None:
                continue  # maxProxySwitchPorts alone: nothing the simulator models changes
            if not isinstance(backing, vim.dvs.HostMember.PnicBacking):
                raise faults.invalid_argument(where + ".spec.backing")
            staged[dvs] = dvs.plan_backing(self.host, backing.pnicSpec, where + ".spec.backing.pnicSpec", state=_without_bridges(net))
        after = {dvs: staged.get(dvs) or dvs.members[self.host] for dvs in switches.values()}
        owners = {}
        for dvs, members in after.items():
            for pnic in [p for p, _uplink, _port in members if p]:
                if pnic in owners:
                    raise faults.resource_in_use(pnic, "The physical NIC {0} is already in use by {1}.".format(pnic, owners[pnic]))
                owners[pnic] = dvs.name
        net.proxy_pnics = set(owners)

    @staticmethod
    def _check_one_switch_per_pnic(net):
        """After the whole config: a pnic backs one switch only, a vSwitch's bridge or a proxy switch's uplink port."""
        for name, vswitch in net.vswitches.items():
            taken = sorted(set(net._bridge_nics(vswitch)) & net.proxy_pnics)
            if taken:
                raise faults.resource_in_use(taken[0], "The physical NIC {0} is already in use by {1}.".format(taken[0], name))

    def _apply_config(self, net, config, staged=None):
        staged = {} if staged is None else staged
        self._stage_proxy_switches(net, config, staged)
        added = []
        removals = []
        for switch in config.vswitch:
            op = switch.changeOperation or "edit"
            if op == "add":
                net.add_vswitch(switch.name, switch.spec)
            elif op == "edit":
                net.update_vswitch(switch.name, switch.spec)
            else:
                removals.append(lambda name=switch.name: net.remove_vswitch(name))
        pg_removals = []
        for pg in config.portgroup:
            op = pg.changeOperation or "edit"
            if op == "add":
                net.add_portgroup(pg.spec)
            elif op == "edit":
                net.update_portgroup(pg.spec.name, pg.spec)
            else:
                pg_removals.append(lambda name=pg.spec.name: net.remove_portgroup(name))
        for vnic in config.vnic:
            op = vnic.changeOperation or "edit"
            dvport = self._dvport(net, vnic.spec, "config.vnic", vnic.device if op == "edit" else None) if op != "remove" else None
            if op == "add":
                added.append(net.add_vnic(vnic.portgroup, vnic.spec, dvport))
            elif op == "edit":
                net.update_vnic(vnic.device, vnic.spec, dvport)
            else:
                net.remove_vnic(vnic.device)
        # Port groups go before their vSwitch, both after the vmks that used them.
        for remove in pg_removals + removals:
            remove()
        if config.ipRouteConfig is not None:  # deprecated since API 5.5: the default stack's
            net.set_default_route(config.ipRouteConfig, "config.ipRouteConfig")
        for n, spec in enumerate(config.netStackSpec or []):
            # "Only edit operation is supported currently" (API reference, HostNetworkConfigNetStackSpec.operation)
            if (spec.operation or "edit") != "edit":
                raise faults.not_supported("config.netStackSpec[{0}].operation: only edit is supported".format(n))
            net.edit_stack(spec.netStackInstance, "config.netStackSpec")
        self._check_one_switch_per_pnic(net)
        return vim.host.NetworkConfig.Result(vnicDevice=added, consoleVnicDevice=[])


class HostVirtualNicManager(ManagedObject):
    vim_type = "HostVirtualNicManager"

    def __init__(self, inv, moid, host):
        super().__init__(inv, moid)
        self.host = host

    def p_info(self):
        return self.host.nic_manager_info()

    def QueryNetConfig(self, call, nicType):
        return self.host.net.net_config(nicType)

    def SelectVnicForNicType(self, call, nicType, device):
        self.host.mutate(lambda net: net.select(nicType, device))

    def DeselectVnicForNicType(self, call, nicType, device):
        self.host.mutate(lambda net: net.deselect(nicType, device))
