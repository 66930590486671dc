"""Datastores: VMFS volumes from the topology (a datacenter's `datastores`), which hosts mount them and which VMs live on them.

They never change once built. What links them, as govmomi's simulator does (simulator/host_datastore_system.go add():
the datastore in the datacenter's datastore folder, a DatastoreHostMount per host with accessMode readWrite, mounted and
accessible, the host's and its compute resource's `datastore`; simulator/virtual_machine.go: the VM's `datastore` are the
datastores its files are on): Datastore.host <-> HostSystem.datastore (and HostDatastoreSystem.datastore),
Datastore.vm <-> VirtualMachine.datastore, Datacenter.datastore, ComputeResource.datastore (its hosts' datastores).

The VMFS fields of `info.vmfs` follow govmomi's capture of a real host's VMFS volume
(simulator/esx/host_config_filesystemvolume.go: blockSizeMb 1, blockSize 1024, unmap granularity and priority, maxBlocks,
version 6.82); `capability` is govmomi's default datastore capability (host_datastore_system.go). The size limits
(maxFileSize, maxVirtualDiskCapacity, ...) are VMFS 6's 64 TB file and 62 TB virtual disk: assumed, not captured.
"""

import datetime

from pyVmomi import vim

from .model import Entity, ManagedObject

TB = 1024 ** 4
GB = 1024 ** 3
TIMESTAMP = datetime.datetime(2024, 6, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
MAX_FILE = 64 * TB  # VMFS 6 (assumed)
MAX_DISK = 62 * TB
# govmomi simulator/host_datastore_system.go defaultDatastoreCapability
CAPABILITY = vim.Datastore.Capability(directoryHierarchySupported=True, rawDiskMappingsSupported=False,
                                      perFileThinProvisioningSupported=True, storageIORMSupported=False, nativeSnapshotSupported=False,
                                      seSparseSupported=False, topLevelDirectoryCreateSupported=True)


class DatastoreBrowser(ManagedObject):
    """HostDatastoreBrowser (Datastore.browser is a required property; govmomi creates one per datastore). Its searches
    (SearchDatastore_Task, SearchDatastoreSubFolders_Task) are not simulated: MethodNotFound."""

    vim_type = "HostDatastoreBrowser"

    def __init__(self, inv, moid, datastore):
        super().__init__(inv, moid)
        self.datastore = datastore

    def p_datastore(self):
        return vim.Datastore.Array([self.datastore.ref])

    def p_supportedType(self):
        return []


class Datastore(Entity):
    vim_type = "Datastore"

    def __init__(self, inv, moid, name, folder, datacenter, uuid, disk, capacity, free):
        super().__init__(inv, moid, name, folder)
        self.datacenter = datacenter
        self.uuid, self.disk, self.capacity, self.free = uuid, disk, capacity, free
        self.hosts = []  # the HostSystems that mount it, in topology order
        self.browser = inv.add(DatastoreBrowser(inv, "datastoreBrowser-" + moid, self))

    @property
    def path(self):
        """The mount path on every host (HostMountInfo.path, VirtualMachine.config.datastoreUrl)."""
        return "/vmfs/volumes/" + self.uuid

    @property
    def url(self):
        return "ds:///vmfs/volumes/{0}/".format(self.uuid)

    def vms(self):
        return [vm for vm in self.datacenter.vms() if vm.datastore is self]

    def p_summary(self):
        return vim.Datastore.Summary(datastore=self.ref, name=self.name, url=self.url, capacity=self.capacity, freeSpace=self.free,
                                     uncommitted=0, accessible=True, multipleHostAccess=len(self.hosts) > 1, type="VMFS",
                                     maintenanceMode="normal")

    def p_info(self):
        volume = vim.host.VmfsVolume(
            type="VMFS", name=self.name, capacity=self.capacity, blockSizeMb=1, blockSize=1024, unmapGranularity=1024, unmapPriority="low",
            maxBlocks=61 * 1024 * 1024, majorVersion=6, version="6.82", uuid=self.uuid,
            extent=[vim.host.ScsiDisk.Partition(diskName=self.disk, partition=1)], vmfsUpgradable=False, ssd=True,
            local=len(self.hosts) == 1)
        return vim.host.VmfsDatastoreInfo(
            name=self.name, url=self.url, freeSpace=self.free, maxFileSize=MAX_FILE, maxVirtualDiskCapacity=MAX_DISK,
            maxMemoryFileSize=MAX_FILE, timestamp=TIMESTAMP, maxPhysicalRDMFileSize=MAX_FILE, maxVirtualRDMFileSize=MAX_DISK,
            vmfs=volume)

    def p_host(self):
        return vim.Datastore.HostMount.Array([
            vim.Datastore.HostMount(key=host.ref, mountInfo=vim.host.MountInfo(
                path=self.path, accessMode="readWrite", mounted=True, accessible=True))
            for host in self.hosts])

    def p_vm(self):
        return vim.VirtualMachine.Array([vm.ref for vm in self.vms()])

    def p_browser(self):
        return self.browser.ref

    def p_capability(self):
        return CAPABILITY


def datastore_size(data, key, default_gb):
    value = data.get(key, default_gb)
    if not isinstance(value, (int, float)) or value < 0:
        raise ValueError("datastore {0}: {1} must be a number of GB".format(data.get("name"), key))
    return int(value * GB)
