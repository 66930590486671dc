"""The inventory tree: folders, datacenters, clusters, resource pools and standard networks."""

from pyVmomi import vim

from .model import Entity


class Folder(Entity):
    vim_type = "Folder"
    _CHILD_TYPES = {
        "root": ["Folder", "Datacenter"],
        "host": ["Folder", "ComputeResource"],
        "vm": ["Folder", "VirtualMachine", "VirtualApp"],
        "datastore": ["Folder", "Datastore", "StoragePod"],
        "network": ["Folder", "Network", "DistributedVirtualSwitch"],
    }

    def __init__(self, inv, moid, name, parent, kind):
        super().__init__(inv, moid, name, parent)
        self.kind = kind
        self.entities = []

    def subfolders(self):
        return [e for e in self.entities if e.vim_type == "Folder"]

    def children(self):
        if self.kind == "network":
            # vCenter puts a distributed switch's port groups in the folder of the switch. Standard networks
            # exist as long as some host has a port group of that name; they live in the datacenter's network folder.
            datacenter = self.parent
            standard = datacenter.networks() if datacenter.vim_type == "Datacenter" else []
            portgroups = [pg for e in self.entities if e.vim_type == "VmwareDistributedVirtualSwitch" for pg in e.portgroups]
            return list(self.entities) + standard + portgroups
        return list(self.entities)

    def p_childType(self):
        return list(self._CHILD_TYPES[self.kind])

    def p_childEntity(self):
        return vim.ManagedEntity.Array([child.ref for child in self.children()])


class Datacenter(Entity):
    vim_type = "Datacenter"

    def __init__(self, inv, moid, name, parent, folder_moids):
        super().__init__(inv, moid, name, parent)
        self.vm_folder, self.host_folder, self.datastore_folder, self.network_folder = (
            inv.add(Folder(inv, folder_moid, kind, self, kind)) for folder_moid, kind in zip(folder_moids, ("vm", "host", "datastore", "network")))
        self.standard_networks = {}  # port group name -> Network; replaced as a whole (hosts read it without a lock)

    def children(self):
        return [self.vm_folder, self.host_folder, self.datastore_folder, self.network_folder]

    def hosts(self):
        result = []
        for compute in self.host_folder.entities:
            result.extend(compute.hosts)
        return result

    def network_folders(self):
        """The network folder and its subfolders, depth first."""
        found, stack = [], [self.network_folder]
        while stack:
            folder = stack.pop(0)
            found.append(folder)
            stack[:0] = folder.subfolders()
        return found

    def dvswitches(self):
        return [e for folder in self.network_folders() for e in folder.entities if e.vim_type == "VmwareDistributedVirtualSwitch"]

    def vms(self):
        return [e for e in self.vm_folder.entities if e.vim_type == "VirtualMachine"]

    def datastores(self):
        """The topology's datastores (vsim/datastore.py), in the datastore folder; they never change."""
        return [e for e in self.datastore_folder.entities if e.vim_type == "Datastore"]

    def networks(self):
        return list(self.standard_networks.values())

    def sync_networks(self):
        """vCenter keeps one Network per standard port group name used by any host of the datacenter.

        Under the tree lock; a host calls it after committing its new state, so the last of concurrent calls sees
        every host's change."""
        with self.inv.locks.tree:
            names = set()
            for host in self.hosts():
                names.update(host.net.portgroups)
            networks = dict(self.standard_networks)
            for name in names - set(networks):
                networks[name] = self.inv.add(Network(self.inv, self.inv.new_moid("network"), name, self.network_folder))
            removed = [networks.pop(name) for name in set(networks) - names]
            self.standard_networks = networks
            for network in removed:
                self.inv.remove(network)

    def p_vmFolder(self):
        return self.vm_folder.ref

    def p_hostFolder(self):
        return self.host_folder.ref

    def p_datastoreFolder(self):
        return self.datastore_folder.ref

    def p_networkFolder(self):
        return self.network_folder.ref

    def p_datastore(self):
        return vim.Datastore.Array([ds.ref for ds in self.datastores()])

    def p_network(self):
        """Networks only (standard networks and distributed port groups), from every network folder."""
        return vim.Network.Array([n.ref for n in self.networks()] + [pg.ref for dvs in self.dvswitches() for pg in dvs.portgroups])


class ResourcePool(Entity):
    vim_type = "ResourcePool"

    def p_owner(self):
        return self.parent.ref

    def p_resourcePool(self):
        return []

    def p_vm(self):
        return vim.VirtualMachine.Array([vm.ref for host in self.parent.hosts for vm in host.vms()])


class ComputeResource(Entity):
    """A standalone host's compute resource (ESXi mode); clusters extend it."""

    vim_type = "ComputeResource"

    def __init__(self, inv, moid, name, parent, pool_moid):
        super().__init__(inv, moid, name, parent)
        self.hosts = []
        self.pool = inv.add(ResourcePool(inv, pool_moid, "Resources", self))

    def children(self):
        return list(self.hosts) + [self.pool]

    def p_host(self):
        return vim.HostSystem.Array([h.ref for h in self.hosts])

    def p_resourcePool(self):
        return self.pool.ref

    def p_datastore(self):
        """The datastores its hosts mount, each once (govmomi: host_datastore_system.go adds each to the host's parent)."""
        found = []
        for host in self.hosts:
            found.extend(ds for ds in host.datastores if ds not in found)
        return vim.Datastore.Array([ds.ref for ds in found])

    def p_network(self):
        refs = {}
        for host in self.hosts:
            for network in host.networks():
                refs[network.moid] = network.ref
        return vim.Network.Array(list(refs.values()))

    _SUMMARY = vim.ComputeResource.Summary

    def p_summary(self):
        hosts = len(self.hosts)
        return self._SUMMARY(
            totalCpu=hosts * 76800, totalMemory=hosts * 512 * 1024 ** 3, numCpuCores=hosts * 32, numCpuThreads=hosts * 64,
            effectiveCpu=hosts * 70000, effectiveMemory=hosts * 500000, numHosts=hosts, numEffectiveHosts=hosts, overallStatus="green")


class ClusterComputeResource(ComputeResource):
    vim_type = "ClusterComputeResource"
    _SUMMARY = vim.ClusterComputeResource.Summary


class Network(Entity):
    """A standard port group name as vCenter sees it across hosts."""

    vim_type = "Network"

    def __init__(self, inv, moid, name, parent=None):
        super().__init__(inv, moid, name, parent)
        self.portgroup = name  # the hosts' HostPortGroup name, not escaped: it is no entity's name

    def hosts(self):
        datacenter = self.parent.parent
        return [h for h in datacenter.hosts() if self.portgroup in h.net.portgroups]

    def p_host(self):
        return vim.HostSystem.Array([h.ref for h in self.hosts()])

    def vms(self):
        return [vm for vm in self.parent.parent.vms() if self in vm.networks()]

    def p_vm(self):
        return vim.VirtualMachine.Array([vm.ref for vm in self.vms()])

    def p_summary(self):
        return vim.Network.Summary(network=self.ref, name=self.name, accessible=True)
