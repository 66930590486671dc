"""A host's configuration managers besides networking (HostSystem.configManager): advanced options, firewall,
the legacy vMotion system, services, date and time, storage, CPU scheduler and datastore system.

Their contents come from real hosts (vsim/esxdata.py); the ones that depend on the host's networking (the legacy
vMotion system) read the host's live state.
"""

import functools

from pyVmomi import VmomiSupport, vim

from . import faults
from .esxdata import FIREWALL_RULESETS, OPTIONS, SERVICES
from .model import ManagedObject
from .sessions import now

_PACKAGES = {"esx-base": "This VIB contains all of the base functionality of vSphere ESXi.",
             "esx-xserver": "This VIB contains X Server used for virtual machine 3D hardware acceleration."}


class HostPart(ManagedObject):
    """A managed object that belongs to one host."""

    def __init__(self, inv, moid, host):
        super().__init__(inv, moid)
        self.host = host


class HostOptionManager(HostPart):
    """configManager.advancedOption: the host's advanced settings, QueryOptions / UpdateOptions."""

    vim_type = "OptionManager"

    def __init__(self, inv, moid, host):
        super().__init__(inv, moid, host)
        self.values = {key: default for key, default, _min, _max, _summary in OPTIONS}
        self.values["Misc.HostName"] = host.identity["hostname"]  # a string option holding the host's DNS name
        self._all = None

    def settings(self, keys=None):
        if keys is None:  # config.option of every host read: rendered once per change (rendered values are never mutated)
            if self._all is None:
                self._all = self.settings(sorted(self.values))
            return self._all
        return [vim.option.OptionValue(key=key, value=_wire(self.values[key])) for key in keys]

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def option_defs():
        defs = []
        for key, default, low, high, summary in OPTIONS:
            if isinstance(default, int):
                kind = vim.option.LongOption(valueIsReadonly=False, min=VmomiSupport.long(low), max=VmomiSupport.long(high),
                                             defaultValue=VmomiSupport.long(default))
            else:
                kind = vim.option.StringOption(valueIsReadonly=False, defaultValue=default)
            defs.append(vim.option.OptionDef(label=key, summary=summary, key=key, optionType=kind))
        return defs

    def p_setting(self):
        return self.settings()

    def p_supportedOption(self):
        return self.option_defs()

    def QueryOptions(self, call, name=None):
        """All settings, one by its full name, or a subtree by a name ending in a dot; InvalidName if none match."""
        if not name:
            return self.settings()
        keys = [k for k in sorted(self.values) if (k.startswith(name) if name.endswith(".") else k == name)]
        if not keys:
            raise faults.make("InvalidName", "Invalid name: {0}".format(name), name=name)
        return self.settings(keys)

    def UpdateOptions(self, call, changedValue):
        """All or nothing: an unknown key is InvalidName, a value of the wrong type or out of bounds InvalidArgument."""
        bounds = {key: (default, low, high) for key, default, low, high, _summary in OPTIONS}
        bounds["Misc.HostName"] = ("", None, None)
        changes = {}
        for change in changedValue:
            if change.key not in bounds:
                raise faults.make("InvalidName", "Invalid name: {0}".format(change.key), name=change.key)
            default, low, high = bounds[change.key]
            value = change.value
            if isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    raise faults.invalid_argument(change.key)
                value = int(value)
            elif not isinstance(value, str):
                raise faults.invalid_argument(change.key)
            changes[change.key] = value
        self.values.update(changes)
        self._all = None
        self.inv.touch(self, self.host)


def _wire(value):
    """Integer options travel as xsd:long, as hostd sends them."""
    return VmomiSupport.long(value) if isinstance(value, int) else value


def _rules(text):
    rules = []
    for item in text.split():
        port_type, _colon, item = item.rpartition(":")
        ports, protocol, direction = item.split("/")
        first, _dash, last = ports.partition("-")
        rules.append(vim.host.Ruleset.Rule(port=int(first), endPort=int(last) if last else None, direction=direction + "bound",
                                           portType=port_type or "dst", protocol=protocol))
    return rules


@functools.lru_cache(maxsize=None)
def firewall_info():
    return vim.host.FirewallInfo(
        defaultPolicy=vim.host.FirewallInfo.DefaultPolicy(incomingBlocked=True, outgoingBlocked=True),
        ruleset=[vim.host.Ruleset(key=key, label=label, required=required, enabled=enabled, service=service, rule=_rules(rules),
                                  allowedHosts=vim.host.Ruleset.IpList(allIp=True, ipAddress=[], ipNetwork=[]))
                 for key, label, required, enabled, service, rules in FIREWALL_RULESETS])


class HostFirewallSystem(HostPart):
    vim_type = "HostFirewallSystem"

    def p_firewallInfo(self):
        return firewall_info()

    def RefreshFirewall(self, call):
        return None


@functools.lru_cache(maxsize=None)
def service_info(managed_by_vcenter):
    return vim.host.ServiceInfo(service=[
        vim.host.Service(key=key, label=label, required=required, uninstallable=False, running=running or (key == "vpxa" and managed_by_vcenter),
                         ruleset=list(rulesets), policy=policy,
                         sourcePackage=vim.host.Service.SourcePackage(sourcePackageName=package, description=_PACKAGES[package]))
        for key, label, required, running, policy, rulesets, package in SERVICES])


class HostServiceSystem(HostPart):
    vim_type = "HostServiceSystem"

    def p_serviceInfo(self):
        return service_info(self.inv.is_vcenter)

    def RefreshServices(self, call):
        return None


class HostVMotionSystem(HostPart):
    """The legacy (pre multi-NIC) vMotion interface: one selected vmk, the nic manager's vmotion selection underneath."""

    vim_type = "HostVMotionSystem"

    def p_netConfig(self):
        return self.host.net.legacy_vmotion_config()

    def p_ipConfig(self):
        return None

    def SelectVnic(self, call, device):
        self.host.mutate(lambda net: net.select("vmotion", device))

    def DeselectVnic(self, call):
        self.host.mutate(lambda net: net.deselect_all("vmotion"))


UTC = vim.host.DateTimeSystem.TimeZone(key="UTC", name="UTC", description="UTC", gmtOffset=0)


class HostDateTimeSystem(HostPart):
    vim_type = "HostDateTimeSystem"

    def p_dateTimeInfo(self):
        return vim.host.DateTimeInfo(timeZone=UTC, ntpConfig=vim.host.NtpConfig(server=[]))

    def QueryDateTime(self, call):
        return now()

    def QueryAvailableTimeZones(self, call):
        return [UTC]

    def RefreshDateTimeSystem(self, call):
        return None


class HostStorageSystem(HostPart):
    """No storage is simulated: no adapters, LUNs or mounted volumes."""

    vim_type = "HostStorageSystem"

    def p_storageDeviceInfo(self):
        return vim.host.StorageDeviceInfo(hostBusAdapter=[], scsiLun=[], scsiTopology=vim.host.ScsiTopology(adapter=[]),
                                          multipathInfo=vim.host.MultipathInfo(lun=[]), softwareInternetScsiEnabled=False)

    def p_fileSystemVolumeInfo(self):
        return vim.host.FileSystemVolumeInfo(volumeTypeList=["VMFS", "NFS", "NFS41", "CIFS", "vsan", "VFFS", "VVOL", "PMEM"], mountInfo=[])

    def p_multipathStateInfo(self):
        return vim.host.MultipathStateInfo(path=[])

    def RefreshStorageSystem(self, call):
        return None

    def RescanAllHba(self, call):
        return None

    def RescanVmfs(self, call):
        return None


class HostCpuSchedulerSystem(HostPart):
    vim_type = "HostCpuSchedulerSystem"

    def p_hyperthreadInfo(self):
        return vim.host.CpuSchedulerSystem.HyperThreadScheduleInfo(available=True, active=True, config=True)


@functools.lru_cache(maxsize=None)
def datastore_capabilities():
    """As in govmomi's capture of a real host (host_config_info.go)."""
    return vim.host.DatastoreSystem.Capabilities(nfsMountCreationRequired=True, nfsMountCreationSupported=True,
                                                 localDatastoreSupported=False, vmfsExtentExpansionSupported=True)


class HostDatastoreSystem(HostPart):
    vim_type = "HostDatastoreSystem"

    def p_datastore(self):
        return vim.Datastore.Array([ds.ref for ds in self.host.datastores])

    def p_capabilities(self):
        return datastore_capabilities()


# configManager field -> (class, moid on a standalone host as in govmomi's capture host_system.go, vCenter moid prefix)
CONFIG_MANAGERS = {
    "advancedOption": (HostOptionManager, "ha-adv-options", "EsxHostAdvSettings"),
    "firewallSystem": (HostFirewallSystem, "firewallSystem", "firewallSystem"),
    "vmotionSystem": (HostVMotionSystem, "ha-vmotion-system", "vmotionSystem"),
    "serviceSystem": (HostServiceSystem, "serviceSystem", "serviceSystem"),
    "dateTimeSystem": (HostDateTimeSystem, "dateTimeSystem", "dateTimeSystem"),
    "storageSystem": (HostStorageSystem, "storageSystem", "storageSystem"),
    "cpuScheduler": (HostCpuSchedulerSystem, "cpuSchedulerSystem", "cpuSchedulerSystem"),
    "datastoreSystem": (HostDatastoreSystem, "ha-datastoresystem", "datastoreSystem"),
}


def build_config_managers(inv, host):
    """field -> managed object, registered in the inventory."""
    managers = {}
    for field, (cls, esxi_moid, prefix) in CONFIG_MANAGERS.items():
        managers[field] = inv.add(cls(inv, inv.new_moid(prefix) if inv.is_vcenter else esxi_moid, host))
    return managers
