"""vMotion: VirtualMachine.MigrateVM_Task and RelocateVM_Task for a host-only move, and the vmkernel.log lines it leaves.

The task is `queued` when the method returns, then `running` with `info.progress` moving for the simulated duration
(topology `vmotion: {seconds: S}` or POST /_sim/vmotion {"seconds": S}; 0.5 s by default), then `success` (the VM's
runtime.host is the destination) or `error`. Task.CancelTask during the run ends it with RequestCanceled; the VM stays.

The checks vCenter makes before it moves anything, each a task error: InvalidArgument (no destination host, a pool of
another compute resource), InvalidPowerState (`state` given and not the VM's), TaskInProgress (a migration of the VM is
running), InvalidHostState (destination not connected or in maintenance mode), CannotAccessVmConfig (the destination
does not mount the datastore of the VM's files; cold migrations too), VMotionNotConfigured (a powered-on VM and no
vMotion vmk on the source or the destination host), CannotAccessNetwork (a NIC's network missing on the
destination). A powered-off or suspended VM is migrated cold: no vMotion vmk needed, no vmkernel line. A destination
equal to the VM's host succeeds with nothing done.

A powered-on VM's migration writes lines to both hosts' vmkernel.log (what DiagnosticManager.BrowseDiagnosticLog
serves): the start line with the migration id, then for each vMotion vmk of the source a connection to the vmk of the
same device on the destination if that one has vMotion too, else to another vMotion address of the destination (the
seed article: "only if for some reason vMotion is not enabled on one of the VMkernel ports the hosts will try to
connect to a different port"). A connection opens when the physical network carries it both ways (the rules of the
esxcli pings, vsim/physical.py); one that does not makes the migration fail. The formats, the sources and what is
assumed are in tests/simulator/README.md (section vMotion).
"""

import datetime
import hashlib
import ipaddress
import itertools
import math

from pyVmomi import vim

from . import faults
from .model import is_a
from .services import start_task

DEFAULT_SECONDS = 0.5
MAX_SECONDS = 600
LOG_FORMATS = ("esxi8", "esxi7")  # esxi7: the ESXi 5 to 7 lines (seed-vmkernel.log); esxi8: ESXi 8 and later
# One vMotion stream saturates about 15 Gb/s; since 7.0 U2 vMotion opens as many per vmk as the link needs.
STREAM_MBPS = 15000
# The seed's pre-copy: 5 streams on 1 GbE at ~571.132 MB/s, 91.38 % of the 625 MB/s the links carry.
EFFICIENCY = 571.132 / 625.0
PRECOPY_SECONDS_LEFT = 43720 * 4096 / 571.132e6  # the seed's pages left, as time to send at its bandwidth
PAGE = 4096
SEED_T2D = 13975  # the seed's "% t2d" at 571.132 MB/s

_ids = itertools.count(1)


class Settings:
    def __init__(self, seconds=DEFAULT_SECONDS, log_format=None):
        self.seconds, self.log_format = seconds, log_format


def settings(inv):
    if getattr(inv, "vmotion", None) is None:
        inv.vmotion = Settings()
    return inv.vmotion


def configure(inv, data, where="vmotion"):
    """Topology `vmotion:` or /_sim/vmotion: {"seconds": 2, "log_format": "esxi7" | "esxi8" | null}."""
    current = settings(inv)
    if not isinstance(data, dict):
        raise ValueError("{0}: expected a mapping".format(where))
    unknown = set(data) - {"seconds", "log_format"}
    if unknown:
        raise ValueError("{0}: unknown key(s) {1}".format(where, ", ".join(sorted(unknown))))
    seconds = current.seconds
    if "seconds" in data:
        try:
            seconds = float(data["seconds"])
        except (TypeError, ValueError):
            raise ValueError("{0}: seconds must be a number".format(where)) from None
        if not 0 <= seconds <= MAX_SECONDS:
            raise ValueError("{0}: seconds must be 0-{1}".format(where, MAX_SECONDS))
    log_format = data.get("log_format", current.log_format)
    if log_format is not None and log_format not in LOG_FORMATS:
        raise ValueError("{0}: log_format must be one of {1} (or null: by release)".format(where, ", ".join(LOG_FORMATS)))
    current.seconds, current.log_format = seconds, log_format


def log_format(inv):
    return settings(inv).log_format or "esxi8"  # every simulated release (8.0.3, 9.0) is an ESXi 8 or later


# --- the checks --------------------------------------------------------------------------------------


def vmotion_vmks(host):
    """The vmks that carry vMotion, in device order: the vmotion stack's if it has any (ESXi then ignores vMotion on the
    default stack), else the default-stack vmks selected for vMotion."""
    net = host.net
    stack = [d for d, v in net.vnics.items() if v.spec.netStackInstanceKey == "vmotion"]
    devices = stack or [d for d in net.selected_devices("vmotion") if d in net.vnics]
    return sorted(devices, key=lambda d: int(d[3:]) if d[3:].isdigit() else 1 << 30)


def _ipv4(vnic):
    ip = vnic.spec.ip
    return ip.ipAddress if ip.ipAddress and ip.subnetMask else None


def _host_state_fault(host):
    """"The host not being in maintenance mode and being connected should be the only things that throw InvalidHostState
    (source and destination)" (a VMware engineer, pyvmomi-community-samples#500, where vCenter's message is quoted)."""
    return faults.make("vim.fault.InvalidHostState", "The operation is not allowed in the current state of the host.", host=host.ref)


def _not_configured(host, at_source):
    side = "Source" if at_source else "Destination"
    return faults.make("vim.fault.VMotionNotConfigured",
                       "The vMotion interface is not configured (or is misconfigured) on the {0} host '{1}'.".format(side, host.name),
                       atSourceHost=at_source, failedHost=host.name, failedHostEntity=host.ref)


def _network_faults(vm, dest):
    for n, nic in enumerate(vm.nics):
        network = vm.network_of(nic)
        if isinstance(nic.portgroup, str):
            ok = nic.portgroup in dest.net.portgroups
        else:
            ok = dest in nic.dvs.members
        if not ok:
            label = "Network adapter {0}".format(n + 1)
            name = nic.portgroup if isinstance(nic.portgroup, str) else nic.portgroup.name
            device = vm._nic_device(n, nic)
            return faults.make("vim.fault.CannotAccessNetwork",
                               "Currently connected network interface '{0}' uses network '{1}', which is not accessible.".format(label, name),
                               device=label, backing=device.backing.__class__.__name__, connected=vm.running,
                               network=network.ref if network is not None else None)
    return None


def _files_fault(vm, dest):
    """A host-only move needs the destination to reach the VM's files: Broadcom KB 430766 (vSphere 8, a VM on local
    storage: "Unable to access the virtual machine configuration" / "Unable to access file [DatastoreName]
    VMname/VMname.vmx"; "Standard vMotion (compute-only) requires that the source and destination hosts have concurrent
    access to the VM's files"); the fault as vCenter returns it, a CannotAccessVmConfig whose reason is a CannotAccessFile
    naming the .vmx (pyvmomi-community-samples#525, a migration to a host of another cluster; vmware/pyvmomi#417, a
    clone, with the English text)."""
    if vm.datastore is None or dest in vm.datastore.hosts:
        return None
    path = vm.vmx_path()
    reason = faults.make("vim.fault.CannotAccessFile", "Unable to access file {0}".format(path), file=path).fault
    return faults.make("vim.fault.CannotAccessVmConfig",
                       "Unable to access the virtual machine configuration: Unable to access file {0}".format(path), reason=reason)


def check(vm, dest, pool, state, busy):
    """The task error vCenter gives before moving anything, or None."""
    if dest is None:
        # "InvalidArgument ... if the host parameter is left unset when the target pool is associated with a non-DRS
        # cluster" (API reference, MigrateVM_Task): the simulated clusters have no DRS
        return faults.invalid_argument("host", "A specified parameter was not correct: host")
    if pool is not None and pool.parent is not dest.parent:
        # "if the target host(s) and target pool for a migration are not associated with the same compute resource"
        return faults.invalid_argument("pool", "A specified parameter was not correct: pool")
    if state is not None and state != vm.power:
        # "InvalidPowerState: if the state argument is set and the virtual machine does not have that power state"
        labels = {"poweredOn": "Powered on", "poweredOff": "Powered off", "suspended": "Suspended"}
        return faults.make("vim.fault.InvalidPowerState",
                           "The attempted operation cannot be performed in the current state ({0}).".format(labels.get(vm.power, vm.power)),
                           requestedState=state, existingState=vm.power)
    if busy is not None:
        return faults.make("vim.fault.TaskInProgress", "The operation is not allowed in the current state.", task=busy.ref)
    if dest.connection_state != "connected" or dest.in_maintenance:
        return _host_state_fault(dest)
    if dest is vm.host:
        return None
    files = _files_fault(vm, dest)
    if files is not None:
        return files
    if vm.running:
        # "A VMotion interface is not configured (or is misconfigured) on either the source or destination host. This is
        # an error only when migrating a powered-on virtual machine" (API reference, VMotionNotConfigured)
        if not vmotion_vmks(vm.host):
            return _not_configured(vm.host, True)
        if not vmotion_vmks(dest):
            return _not_configured(dest, False)
    return _network_faults(vm, dest)


# --- the streams -------------------------------------------------------------------------------------


class Stream:
    """One source vmk's connection: to `target` (a destination vmk device) at `address`; ok when it opened."""

    def __init__(self, device, address, target, target_address, same_index, ok, reason, streams, speed):
        self.device, self.address, self.target, self.target_address = device, address, target, target_address
        self.same_index, self.ok, self.reason, self.streams, self.speed = same_index, ok, reason, streams, speed


def plan(inv, source, dest, fmt):
    """The connections a vMotion from source to dest opens, one entry per vMotion vmk of the source with an IPv4 address."""
    physical = inv.physical
    src_vmks = [d for d in vmotion_vmks(source) if _ipv4(source.net.vnics[d])]
    dst_vmks = [d for d in vmotion_vmks(dest) if _ipv4(dest.net.vnics[d])]
    streams = []
    for device in src_vmks:
        vnic = source.net.vnics[device]
        address = _ipv4(vnic)
        network = ipaddress.IPv4Interface("{0}/{1}".format(address, vnic.spec.ip.subnetMask)).network
        if device in dst_vmks:
            target, same = device, True
        else:
            # its peer has vMotion off: another vMotion address of the destination, one off its own subnet first
            others = [d for d in dst_vmks if ipaddress.ip_address(_ipv4(dest.net.vnics[d])) not in network] or dst_vmks
            target, same = others[0], False
        peer = dest.net.vnics[target]
        frame = min(vnic.spec.mtu or 1500, peer.spec.mtu or 1500)
        ok, reason = physical.connects(source, device, _ipv4(peer), frame)
        if ok:
            back_ok, back_reason = physical.connects(dest, target, address, frame)
            ok, reason = back_ok, back_reason
        speeds = [s for s in (physical.link_speed_of(source, device), physical.link_speed_of(dest, target)) if s]
        speed = min(speeds) if speeds else 0
        count = max(1, math.ceil(speed / STREAM_MBPS)) if fmt == "esxi8" else 1
        streams.append(Stream(device, address, target, _ipv4(peer), same, ok, reason, count, speed))
    return streams


def bandwidth(inv, source, dest, streams):
    """MB/s of the pre-copy: what the links that carried streams carry (a pnic counted once per side), a stream at most
    STREAM_MBPS, at the seed's efficiency."""
    physical = inv.physical
    carried = [s for s in streams if s.ok]
    src_pnics, dst_pnics = {}, {}
    for s in carried:
        a, b = physical.endpoint_of(source, s.device), physical.endpoint_of(dest, s.target)
        if a is not None and a.pnic:
            src_pnics[a.pnic] = physical.link_speeds(source).get(a.pnic) or 0
        if b is not None and b.pnic:
            dst_pnics[b.pnic] = physical.link_speeds(dest).get(b.pnic) or 0
    mbps = min(sum(src_pnics.values()), sum(dst_pnics.values()), sum(STREAM_MBPS * s.streams for s in carried))
    return round(mbps / 8.0 * EFFICIENCY, 3)


# --- the log lines -----------------------------------------------------------------------------------


def _stamp():
    return datetime.datetime.now(tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class LogWriter:
    """Lines in the format of the host's release: ESXi 8 `<ts> In(182) vmkernel: cpuN:W)...` or ESXi 5-7 `<ts> cpuN:W)...`."""

    # source-line numbers after the module name, as the lines this format is taken from print them (never read by parsers)
    NUMBERS = {
        "esxi8": {"start": 314, "bound": 1902, "added": 5211, "removed": 5263, "precopy": 5502, "success_s": 1602,
                  "success_d": 1643, "accepted": 1998, "socket": 2068, "received": 4635, "affinity": 2425, "timeout": 7123,
                  "vmx_failure": 5454, "failed": 269, "tcpip": 1059},
        "esxi7": {"start": 3234, "bound": 1174, "added": 3087, "removed": 3095, "precopy": 3878, "success_s": 1643,
                  "success_d": 1643, "accepted": 1998, "socket": 2068, "received": 4635, "affinity": 2425, "timeout": 7123,
                  "vmx_failure": 5454, "failed": 269, "tcpip": 1059},
    }

    def __init__(self, fmt):
        self.fmt = fmt
        self.n = self.NUMBERS[fmt]

    def line(self, cpu, world, text, warning=False, op_id=None):
        if self.fmt == "esxi7":
            return "{0} cpu{1}:{2}){3}{4}".format(_stamp(), cpu, world, "WARNING: " if warning else "", text)
        head = "Wa(180) vmkwarning" if warning else "In(182) vmkernel"
        return "{0} {1}: cpu{2}:{3}{4}){5}{6}".format(
            _stamp(), head, cpu, world, " opID=" + op_id if op_id else "", "WARNING: " if warning else "", text)

    def start(self, side, mig_id, leader, vm_world, src_ip, dst_ip, dest_wid):
        if self.fmt == "esxi7":
            # "Migrate: vm 8854654: 3234: Setting VMOTION info: Source ts = ..., src ip = <..> dest ip = <..> Dest wid = .."
            return "Migrate: vm {0}: {1}: Setting VMOTION info: {2} ts = {3}, src ip = <{4}> dest ip = <{5}> Dest wid = {6} using SHARED swap".format(
                vm_world, self.n["start"], "Source" if side == "S" else "Dest", mig_id, src_ip, dst_ip, dest_wid)
        # Broadcom KB 441977: "vmotion: Source vmmLeaderID = .., ts = .., srcIP = <..> dstIP = <..> Dest wid = .. using SHARED
        # swap, encrypted" on the source, "vmotion: Dest vmmLeaderID = .., ts =.., ... Dest wid = 0 ..." on the destination
        return "Migrate: {0}: vmotion: {1} vmmLeaderID = {2}, ts ={3}{4}, srcIP = <{5}> dstIP = <{6}> Dest wid = {7} using SHARED swap, encrypted".format(
            self.n["start"], "Source" if side == "S" else "Dest", leader, " " if side == "S" else "", mig_id, src_ip, dst_ip, dest_wid)

    def bound(self, mig_id, device, address):
        if self.fmt == "esxi7":
            return "MigrateNet: {0}: {1} S: Successfully bound connection to vmknic '{2}'".format(self.n["bound"], mig_id, address)
        return "MigrateNet: {0}: {1} S: Successfully bound connection to vmknic {2} - '{3}'".format(self.n["bound"], mig_id, device, address)


def _ids_for(vm, source):
    """(migration id, the VM's world on the source, its world on the destination, the leader world ids)."""
    serial = next(_ids)
    digest = hashlib.sha256("{0}/{1}/{2}".format(vm.moid, source.moid, serial).encode()).digest()
    mig_esxi8 = int.from_bytes(digest[:8], "big") >> 1  # a 63-bit decimal, as ESXi 8's 19-digit ids
    mig_esxi7 = int(datetime.datetime.now(tz=datetime.timezone.utc).timestamp() * 1e6) + serial  # µs, as the seed's 16-digit id
    base = 2100000 + (vm.index * 37 + serial * 101) % 800000
    return mig_esxi8, mig_esxi7, base


class Migration:
    """The lines of one vMotion, written as it goes: start and streams, then pre-copy and the end."""

    def __init__(self, vm, source, dest, streams, fmt, mbps):
        self.vm, self.source, self.dest, self.streams, self.fmt, self.mbps = vm, source, dest, streams, fmt, mbps
        mig8, mig7, base = _ids_for(vm, source)
        self.id = mig8 if fmt == "esxi8" else mig7
        self.leader, self.dest_leader = base, base + 9000 + source.index  # the VM's worlds on each side
        self.helper, self.dest_helper = base + 23, base + 9000 + source.index + 11  # the stream helper worlds
        self.vmk_world = base - 19800  # the world that handles the start request
        self.op_id = hashlib.sha256(str(self.id).encode()).hexdigest()[:8]
        self.w = LogWriter(fmt)
        first = next((s for s in streams if s.ok), streams[0] if streams else None)
        self.src_ip = first.address if first else ""
        self.dst_ip = first.target_address if first else ""
        self.added_src, self.added_dst = [], []

    def opening(self):
        w, n, mid = self.w, self.w.n, self.id
        src, dst = [], []
        src.append(w.line(7, self.vmk_world, w.start("S", mid, self.leader, self.leader, self.src_ip, self.dst_ip, self.dest_leader),
                          op_id=self.op_id))
        dst.append(w.line(2, self.vmk_world + 7000, w.start("D", mid, self.dest_leader, self.dest_leader, self.src_ip, self.dst_ip, 0)))
        number = 0
        for k, stream in enumerate(self.streams):
            cpu = 12 + k % 8
            for j in range(stream.streams):
                src.append(w.line(cpu, self.helper, w.bound(mid, stream.device, stream.address)))
                if k == 0 and j == 0:
                    if self.fmt == "esxi7":
                        src.append(w.line(7, self.vmk_world, "Tcpip_Vmk: {0}: Affinitizing {1} to world {2}, Success".format(
                            n["tcpip"], stream.address, self.helper)))
                    src.append(w.line(7, self.vmk_world, "VMotion: {0}: {1} S: Set ip address '{2}' worldlet affinity to send World ID {3}".format(
                        n["affinity"], mid, stream.address, self.helper)))
                if not stream.ok:
                    break  # its connection does not open: no stream is added
                number += 1
                src.append(w.line(cpu, self.helper, "VMotionUtil: {0}: {1} S: Stream connection {2} added.".format(n["added"], mid, number)))
                self.added_src.append(number)
                world = self.dest_helper + k
                if j == 0:
                    dst.append(w.line(4 + k % 8, world, "VMotion: {0}: {1} D: Set ip address '{2}' worldlet affinity to recv World ID {3}".format(
                        n["affinity"], mid, stream.target_address, world)))
                dst.append(w.line(14, self.dest_leader, "MigrateNet: vm {0}: {1}: Accepted connection from <{2}>".format(
                    self.dest_leader, n["accepted"], stream.address)))
                dst.append(w.line(14, self.dest_leader, "MigrateNet: vm {0}: {1}: dataSocket 0x{2:012x} receive buffer size is 563272".format(
                    self.dest_leader, n["socket"], 0x410045b36c50 + 0x40 * number)))
                dst.append(w.line(4 + k % 8, world, "VMotionUtil: {0}: {1} D: Stream connection {2} added.".format(n["added"], mid, number)))
                self.added_dst.append(number)
        return src, dst

    def precopy(self):
        """The pre-copy ends only when every connection opened: a migration waiting on one that does not never gets there."""
        if not self.added_src or not all(s.ok for s in self.streams):
            return []
        pages = int(round(PRECOPY_SECONDS_LEFT * self.mbps * 1e6 / PAGE))
        t2d = int(round(SEED_T2D * self.mbps / 571.132))
        return [self.w.line(19, self.leader, "VMotion: {0}: {1} S: Stopping pre-copy: only {2} pages left to send, which can be sent within "
                            "the switchover time goal of 0.500 seconds (network bandwidth ~{3:.3f} MB/s, {4}% t2d)".format(
                                self.w.n["precopy"], self.id, pages, self.mbps, t2d))]

    def success(self):
        w, n, mid = self.w, self.w.n, self.id
        src = [w.line(9, self.leader, "Migrate: {0}: {1} S: Migration considered a success.".format(n["success_s"], mid))]
        src += [w.line(2, self.helper, "VMotionUtil: {0}: {1} S: Stream connection {2} removed.".format(n["removed"], mid, k))
                for k in self.added_src]
        dst = [w.line(4, self.dest_leader, "VMotion: {0}: {1} D: Received all changed pages.".format(n["received"], mid)),
               w.line(4, self.dest_leader, "Migrate: {0}: {1} D: Migration considered a success.".format(n["success_d"], mid))]
        return src, dst

    def failure(self):
        """A connection that never opened: the source gives up on it, the VMX fails the migration (the wording of the
        failure lines the collection's parser is tested with)."""
        w, n, mid = self.w, self.w.n, self.id
        src = [w.line(1, self.helper, "VMotionUtil: {0}: {1} S: Remote connection timed out after 20 seconds".format(n["timeout"], mid),
                      warning=True),
               w.line(13, self.helper, "Migrate: {0}: {1} S: Migration considered a failure by the VMX.  It is most likely a timeout, "
                      "but check the VMX log for the true error.".format(n["vmx_failure"], mid), warning=True),
               w.line(13, self.helper, "Migrate: {0}: {1} S: Failed: Connection closed by remote host, possibly due to timeout "
                      "(0xbad003f) @0x41801e2b9bb0".format(n["failed"], mid), warning=True)]
        src += [w.line(2, self.helper, "VMotionUtil: {0}: {1} S: Stream connection {2} removed.".format(n["removed"], mid, k))
                for k in self.added_src]
        dst = [w.line(4, self.dest_leader, "Migrate: {0}: {1} D: Migration considered a failure by the VMX.  It is most likely a "
                      "timeout, but check the VMX log for the true error.".format(n["vmx_failure"], mid), warning=True)]
        dst += [w.line(2, self.dest_helper, "VMotionUtil: {0}: {1} D: Stream connection {2} removed.".format(n["removed"], mid, k))
                for k in self.added_dst]
        return src, dst


def _append(inv, host, lines):
    if lines:
        host.log = host.log + lines  # a new list: a reader holding the old one keeps a consistent buffer
        inv.touch(host)


# --- the task ----------------------------------------------------------------------------------------


def _move(inv, vm, source, dest):
    """The VM runs on dest now: its standard port group ports move with it (each host's under its own lock, one at a
    time: vsim/locks.py never nests two hosts' locks); distributed ports follow vm.host."""
    moving = [nic for nic in vm.nics if isinstance(nic.portgroup, str) and nic.host_port_key is not None]
    with source.object_lock():
        for nic in moving:
            def release(net, pg=nic.portgroup, key=nic.host_port_key):
                net.vm_ports[pg] = [entry for entry in net.vm_ports.get(pg, []) if entry[0] != key]
            source.mutate(release)
    with dest.object_lock():
        for nic in moving:
            nic.host_port_key = dest.mutate(lambda net, nic=nic: net.connect_vm_port(nic.portgroup, nic.mac))
        vm.host = dest
    inv.touch(vm, source, dest, *[vm.network_of(nic) for nic in vm.nics if vm.network_of(nic) is not None])


def _log(inv, host, lines):
    """Append lines to one host's log under that host's lock."""
    if lines:
        with host.object_lock():
            _append(inv, host, lines)


def _running_migration(inv, vm):
    return next((t for t in inv.all_objects() if t.vim_type == "Task" and getattr(t, "migrating", None) is vm
                 and t.info.state in ("queued", "running")), None)


def migrate(call, vm, host, pool, state, method, description_id):
    """Start a host-only migration of vm: the Task (queued) whose reference the method returns."""
    if not call.inv.is_vcenter:
        raise faults.not_supported("Migrating a virtual machine is a vCenter operation")
    inv = call.inv
    dest = inv.get(host) if host is not None else None
    pool_obj = inv.get(pool) if pool is not None else None
    if dest is not None and not is_a(dest, vim.HostSystem):
        raise faults.invalid_argument("host")
    busy = _running_migration(inv, vm)

    def run(task):
        # Locks (vsim/locks.py): the task's own lock only in its set_*/finish calls, one host's lock at a time, the
        # physical network's inside the source's; never two hosts' locks at once.
        cancelled = task.cancel_requested
        task.set_running()
        source = vm.host
        migration, dst_lines = None, []
        with source.object_lock():
            error = check(vm, dest, pool_obj, state, busy)
            if error is None and dest is not source and vm.running:
                fmt = log_format(inv)
                with inv.lock:  # the physical network
                    streams = plan(inv, source, dest, fmt)
                    speed = bandwidth(inv, source, dest, streams)
                migration = Migration(vm, source, dest, streams, fmt, speed)
                src_lines, dst_lines = migration.opening()
                _append(inv, source, src_lines)
        if error is not None or dest is source:
            task.finish(error=error)
            return
        _log(inv, dest, dst_lines)
        seconds = settings(inv).seconds
        steps = max(1, int(seconds / 0.05))
        for step in range(1, steps + 1):
            if cancelled.wait(seconds / steps):
                break
            task.set_progress(min(99, 100 * step // steps))
            if migration is not None and step == max(1, steps * 9 // 10):
                _log(inv, source, migration.precopy())
        if cancelled.is_set():
            # "its runtime state will be set to error and its error state will be set to RequestCanceled" (CancelTask)
            task.finish(error=faults.make("vmodl.fault.RequestCanceled", "The task was canceled by a user."))
            return
        if migration is not None and not all(s.ok for s in migration.streams):
            src_lines, dst_lines = migration.failure()
            _log(inv, source, src_lines)
            _log(inv, dest, dst_lines)
            task.finish(error=faults.make(
                "vmodl.fault.SystemError", "A general system error occurred: Migration to host <{0}> failed with error Connection "
                "closed by remote host, possibly due to timeout (195887167).".format(migration.dst_ip),
                reason="Migration to host <{0}> failed with error Connection closed by remote host, possibly due to timeout "
                "(195887167).".format(migration.dst_ip)))
            return
        if migration is not None:
            src_lines, dst_lines = migration.success()
            _log(inv, source, src_lines)
            _log(inv, dest, dst_lines)
        _move(inv, vm, source, dest)
        task.finish()

    return start_task(call, vm, description_id, method, run, migrating=vm).ref
