"""A minimal VirtualMachine: where it runs and which networks its NICs use, shaped as vCenter reports it.

VMs come from the topology; the only change is where they run: MigrateVM_Task and RelocateVM_Task move one to another
host (vsim/vmotion.py). What they are for is the
network side: a powered-on VM's NIC on a standard port group holds a port of the host's vSwitch
(HostPortGroup.port of type virtualMachine); a NIC on a static-binding distributed port group holds a
port of the port group whether the VM runs or not. Network.vm, DistributedVirtualPortgroup.vm,
HostSystem.vm, ResourcePool.vm and the switch's summary.vm are derived from the VMs.

What clients read without a guard is filled in (community.vmware's vmware_vm_info and gather_vm_facts:
summary.config/runtime/guest, config.hardware.device, config.extraConfig, guest.net, resourcePool,
layout). A VM's files are on one datastore (vsim/datastore.py) when its datacenter has datastores: `datastore`,
config.files and config.datastoreUrl name it; without one (a topology without `datastores`) `datastore` is empty while
config.files name `[datastore1]`.
"""

import datetime

from pyVmomi import vim

from . import faults, vmotion
from .model import Entity

CREATED = datetime.datetime(2024, 6, 1, 9, 30, 0, tzinfo=datetime.timezone.utc)
HARDWARE_VERSION = "vmx-21"  # the default of ESXi 8.0.3
NIC_KEY = 4000  # vCenter numbers the first network adapter 4000, the next 4001, ...
PCI_CONTROLLER_KEY = 100


class VmNic:
    """One network adapter: on a standard port group (portgroup is its name) or a distributed one."""

    def __init__(self, key, mac, portgroup, dvs=None, port_key=None, host_port_key=None):
        self.key, self.mac = key, mac
        self.portgroup = portgroup  # str (standard) or DistributedPortgroup
        self.dvs, self.port_key = dvs, port_key
        self.host_port_key = host_port_key  # the vSwitch port of a powered-on VM on a standard port group


class VirtualMachine(Entity):
    vim_type = "VirtualMachine"

    def __init__(self, inv, moid, name, folder, host, index, power="poweredOn", guest_id="otherLinux64Guest",
                 guest_name="Other Linux (64-bit)", ip=None, cpus=2, memory_mb=4096, annotation="", datastore=None):
        super().__init__(inv, moid, name, folder)
        self.datastore = datastore  # the Datastore its files are on, or None; it never changes
        self.host, self.index = host, index
        self.power, self.guest_id, self.guest_name, self.ip = power, guest_id, guest_name, ip
        self.cpus, self.memory_mb, self.annotation = cpus, memory_mb, annotation
        self.uuid = "4210{0:04x}-5a1d-{0:04x}-8c3e-{0:012x}".format(index)
        self.instance_uuid = "5010{0:04x}-7b2e-{0:04x}-9d4f-{0:012x}".format(index)
        self.nics = []

    @property
    def running(self):
        return self.power == "poweredOn"

    def mac(self, n):
        """vCenter-assigned MACs: 00:50:56 and a fourth byte in 0x80-0xBF, unique in the vCenter."""
        value = self.index * 16 + n
        return "00:50:56:{0:02x}:{1:02x}:{2:02x}".format(0x80 + (value >> 16 & 0x3f), value >> 8 & 255, value & 255)

    def directory(self):
        return "[{0}] {1}".format(self.datastore.name if self.datastore is not None else "datastore1", self.name)

    def vmx_path(self):
        return "{0}/{1}.vmx".format(self.directory(), self.name)

    def network_of(self, nic):
        if isinstance(nic.portgroup, str):
            return self.host.datacenter().standard_networks.get(nic.portgroup)
        return nic.portgroup

    def networks(self):
        found = []
        for nic in self.nics:
            network = self.network_of(nic)
            if network is not None and network not in found:
                found.append(network)
        return found

    # --- properties ------------------------------------------------------------------------

    def p_runtime(self):
        return vim.vm.RuntimeInfo(
            # "disconnected: ... since its host is disconnected" (VirtualMachineConnectionState); so on a host not responding
            host=self.host.ref, connectionState="connected" if self.host.connection_state == "connected" else "disconnected",
            powerState=self.power, faultToleranceState="notConfigured",
            toolsInstallerMounted=False, numMksConnections=0, recordReplayState="inactive", onlineStandby=False,
            consolidationNeeded=False, bootTime=CREATED if self.running else None, paused=False, snapshotInBackground=False,
            maxCpuUsage=self.cpus * 2100, maxMemoryUsage=self.memory_mb, instantCloneFrozen=False)

    def _nic_device(self, n, nic):
        connected = self.running
        if isinstance(nic.portgroup, str):
            network = self.network_of(nic)
            backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                deviceName=nic.portgroup, network=network.ref if network is not None else None, useAutoDetect=False)
            summary = nic.portgroup
        else:
            backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=vim.dvs.PortConnection(
                switchUuid=nic.dvs.uuid, portgroupKey=nic.portgroup.moid, portKey=nic.port_key, connectionCookie=2000 + self.index * 10 + n))
            summary = "DVSwitch: " + nic.dvs.uuid
        return vim.vm.device.VirtualVmxnet3(
            key=nic.key, deviceInfo=vim.Description(label="Network adapter {0}".format(n + 1), summary=summary), backing=backing,
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, allowGuestControl=True, connected=connected,
                                                                status="ok"),
            controllerKey=PCI_CONTROLLER_KEY, unitNumber=7 + n, addressType="assigned", macAddress=nic.mac, wakeOnLanEnabled=True,
            uptCompatibilityEnabled=True)

    def _hardware(self):
        nics = [self._nic_device(n, nic) for n, nic in enumerate(self.nics)]
        pci = vim.vm.device.VirtualPCIController(key=PCI_CONTROLLER_KEY, busNumber=0, device=[d.key for d in nics],
                                                 deviceInfo=vim.Description(label="PCI controller 0", summary="PCI controller 0"))
        return vim.vm.VirtualHardware(numCPU=self.cpus, numCoresPerSocket=1, autoCoresPerSocket=True, memoryMB=self.memory_mb,
                                      virtualICH7MPresent=False, virtualSMCPresent=False, device=[pci] + nics)

    def p_config(self):
        directory = self.directory()
        # "the name of a datastore, and its local file path on the host" (API reference, DatastoreUrlPair)
        urls = [vim.vm.ConfigInfo.DatastoreUrlPair(name=self.datastore.name, url=self.datastore.path)] if self.datastore is not None else []
        return vim.vm.ConfigInfo(
            changeVersion=CREATED.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), modified=datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
            name=self.name, guestFullName=self.guest_name, version=HARDWARE_VERSION, uuid=self.uuid, instanceUuid=self.instance_uuid,
            createDate=CREATED, template=False, guestId=self.guest_id, alternateGuestName="", annotation=self.annotation,
            files=vim.vm.FileInfo(vmPathName=self.vmx_path(), snapshotDirectory=directory, suspendDirectory=directory,
                                  logDirectory=directory),
            flags=vim.vm.FlagInfo(enableLogging=True, cbrcCacheEnabled=False, vvtdEnabled=False, vbsEnabled=False),
            defaultPowerOps=vim.vm.DefaultPowerOpInfo(powerOffType="soft", suspendType="hard", resetType="soft",
                                                      defaultPowerOffType="soft", defaultSuspendType="hard", defaultResetType="soft",
                                                      standbyAction="checkpoint"),
            hardware=self._hardware(), extraConfig=[], datastoreUrl=urls, firmware="efi", cpuHotAddEnabled=False,
            memoryHotAddEnabled=False, swapPlacement="inherit", changeTrackingEnabled=False)

    def _guest_nics(self):
        result = []
        for n, nic in enumerate(self.nics):
            network = self.network_of(nic)
            addresses = [self.ip] if self.ip and n == 0 else []
            result.append(vim.vm.GuestInfo.NicInfo(
                network=network.name if network is not None else None, macAddress=nic.mac, connected=True, deviceConfigId=nic.key,
                ipAddress=addresses, ipConfig=vim.net.IpConfigInfo(ipAddress=[
                    vim.net.IpConfigInfo.IpAddress(ipAddress=a, prefixLength=24, state="preferred") for a in addresses])))
        return result

    def p_guest(self):
        if not self.running:
            return vim.vm.GuestInfo(guestState="notRunning", toolsStatus="toolsNotRunning", toolsRunningStatus="guestToolsNotRunning",
                                    toolsVersion="12352", toolsVersionStatus2="guestToolsCurrent", net=[], disk=[])
        return vim.vm.GuestInfo(
            guestState="running", toolsStatus="toolsOk", toolsRunningStatus="guestToolsRunning", toolsVersion="12352",
            toolsVersionStatus2="guestToolsCurrent", guestId=self.guest_id, guestFullName=self.guest_name, guestFamily="linuxGuest",
            hostName=self.name, ipAddress=self.ip, net=self._guest_nics(), disk=[])

    def p_summary(self):
        guest = self.p_guest()
        return vim.vm.Summary(
            vm=self.ref, runtime=self.p_runtime(),
            guest=vim.vm.Summary.GuestSummary(guestId=self.guest_id, guestFullName=self.guest_name, toolsStatus=guest.toolsStatus,
                                              toolsVersionStatus2=guest.toolsVersionStatus2, toolsRunningStatus=guest.toolsRunningStatus,
                                              hostName=guest.hostName, ipAddress=guest.ipAddress),
            config=vim.vm.Summary.ConfigSummary(
                name=self.name, template=False, vmPathName=self.vmx_path(), memorySizeMB=self.memory_mb, numCpu=self.cpus,
                numEthernetCards=len(self.nics), numVirtualDisks=0, uuid=self.uuid, instanceUuid=self.instance_uuid,
                guestId=self.guest_id, guestFullName=self.guest_name, annotation=self.annotation, installBootRequired=False,
                hwVersion=HARDWARE_VERSION),
            storage=vim.vm.Summary.StorageSummary(committed=0, uncommitted=0, unshared=0, timestamp=CREATED),
            quickStats=vim.vm.Summary.QuickStats(guestHeartbeatStatus="green" if self.running else "gray",
                                                 overallCpuUsage=100 if self.running else 0, guestMemoryUsage=410 if self.running else 0,
                                                 uptimeSeconds=86400 if self.running else 0),
            overallStatus="green")

    def p_guestHeartbeatStatus(self):
        return "green" if self.running else "gray"

    def p_network(self):
        return vim.Network.Array([n.ref for n in self.networks()])

    def p_datastore(self):
        return vim.Datastore.Array([self.datastore.ref] if self.datastore is not None else [])

    def p_resourcePool(self):
        return self.host.parent.pool.ref

    def p_layout(self):
        return vim.vm.FileLayout(configFile=[], logFile=[], disk=[], snapshot=[])

    def p_layoutEx(self):
        return vim.vm.FileLayoutEx(file=[], disk=[], snapshot=[], timestamp=CREATED)

    def p_storage(self):
        return vim.vm.StorageInfo(perDatastoreUsage=[], timestamp=CREATED)

    def p_rootSnapshot(self):
        return []

    # --- methods ---------------------------------------------------------------------------

    def MigrateVM_Task(self, call, pool=None, host=None, priority=None, state=None):
        """A host-only migration (vsim/vmotion.py); the task is queued when this returns."""
        return vmotion.migrate(call, self, host, pool, state, vim.VirtualMachine.Migrate, "VirtualMachine.migrate")

    def RelocateVM_Task(self, call, spec, priority=None):
        """A host-only relocation: spec.host (and spec.pool), spec.datastore only if it is the VM's own; a storage move
        (another datastore, disks) or a folder, device or profile change is not simulated."""
        for field in ("datastore", "disk", "folder", "deviceChange", "profile", "service", "transform", "diskMoveType"):
            value = getattr(spec, field, None)
            if field == "datastore" and value is not None and self.datastore is not None and value._moId == self.datastore.moid:
                continue  # the files stay where they are
            if value:
                raise faults.not_supported(
                    "RelocateVM_Task with spec.{0} is not simulated (no storage vMotion): a host-only move".format(field))
        return vmotion.migrate(call, self, spec.host, spec.pool, None, vim.VirtualMachine.Relocate, "VirtualMachine.relocate")
