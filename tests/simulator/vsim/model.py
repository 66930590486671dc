"""Managed objects, property paths and the inventory registry.

A simulated managed object exposes vSphere property `x` through a method `p_x()` returning a
pyVmomi value, and vSphere method `M` through a method `M(self, call, **params)`. Property
paths such as `config.network.vnic` read the first element from the object and walk the rest
through the returned data objects, typing lists as the property's declared array type because
pyVmomi refuses untyped lists in `anyType` slots.
"""

import re
from collections import deque

from pyVmomi import VmomiSupport

from . import faults, locks
from .about import DEFAULT_RELEASE
from .soap import VIM_NS


def vim_type(name):
    return VmomiSupport.GetWsdlType(VIM_NS, name)


def ref(type_name, moid):
    """A bare managed object reference, as it goes on the wire."""
    return vim_type(type_name)(moid)


def typed(value, declared):
    if isinstance(value, list) and not isinstance(value, VmomiSupport.Array):
        return declared(value)
    return value


class ManagedObject:
    vim_type = None  # WSDL type name, e.g. "HostSystem"
    owner = None  # the session a session-scoped object (view, filter, collector) belongs to
    session_properties = ()  # properties whose value depends on the calling session

    def __init__(self, inv, moid):
        self.inv = inv
        self.moid = moid
        self.generation = 0  # bumped on every change, drives WaitForUpdates
        # a HostSystem's lock is shared by the host's own managed objects; other objects' may go unused (object_lock)
        self._lock = locks.OrderedLock(moid, locks.HOST if self.vim_type == "HostSystem" else locks.OWN)

    def object_lock(self):
        """The lock a call on this object runs under (vsim/locks.py): the host's for a host's own managed objects
        (they have `.host`), else the object's own; None for an object that locks what it reads itself."""
        host = getattr(self, "host", None)
        if getattr(host, "vim_type", None) == "HostSystem":
            return host.object_lock()
        return self._lock

    @property
    def ref(self):
        return ref(self.vim_type, self.moid)

    @property
    def pytype(self):
        return vim_type(self.vim_type)

    def property_names(self):
        return sorted(name[2:] for name in dir(type(self)) if name.startswith("p_"))

    def read(self, path, call=None):
        """Value and declared type of a property path; InvalidProperty if the path is unknown."""
        head, _dot, rest = path.partition(".")
        getter = getattr(self, "p_" + head, None)
        try:
            declared = self.pytype._GetPropertyInfo(head).type
        except AttributeError:
            raise faults.invalid_property(path) from None
        if getter is None:
            value = None
        else:
            value = getter(call) if head in self.session_properties else getter()
        for part in rest.split(".") if rest else ():
            if value is None:
                break
            if isinstance(value, list) or not isinstance(value, VmomiSupport.DataObject):
                raise faults.invalid_property(path)
            try:
                declared = type(value)._GetPropertyInfo(part).type
            except AttributeError:
                raise faults.invalid_property(path) from None
            value = getattr(value, part)
        return typed(value, declared), declared


def entity_name(name):
    """ManagedEntity.name as vCenter keeps and returns it: "Any / (slash), \\ (backslash), character used in this name
    element will be escaped. Similarly, any % (percent) character ... will be escaped, unless it is used to start an
    escape sequence" - as %2f, %5c and %25 (API reference, ManagedEntity.name)."""
    if name is None:
        return None
    return re.sub(r"%(?![0-9a-fA-F]{2})", "%25", name).replace("/", "%2f").replace("\\", "%5c")


class Entity(ManagedObject):
    """vim.ManagedEntity: what lives in the inventory tree."""

    def __init__(self, inv, moid, name, parent=None):
        super().__init__(inv, moid)
        self.name = entity_name(name)  # every ManagedEntity's name is kept escaped (README: Escaped names)
        self.parent = parent

    def object_lock(self):
        """A host and its VMs: the host's lock; every other entity: the inventory tree's (vsim/locks.py)."""
        if self.vim_type == "HostSystem":
            return self._lock
        if getattr(getattr(self, "host", None), "vim_type", None) == "HostSystem":
            return self.host.object_lock()
        return self.inv.locks.tree

    def children(self):
        """Entities a ContainerView descends into."""
        return []

    def p_name(self):
        return self.name

    def p_parent(self):
        return self.parent.ref if self.parent is not None else None

    def p_overallStatus(self):
        return "green"

    def p_configStatus(self):
        return "green"

    def p_alarmActionsEnabled(self):
        return True

    def p_effectiveRole(self):
        return [-1]

    def p_customValue(self):
        return []

    def p_value(self):
        return []

    def p_availableField(self):
        return []

    def p_recentTask(self):
        return []

    def p_declaredAlarmState(self):
        return []

    def p_triggeredAlarmState(self):
        return []

    def p_disabledMethod(self):
        return []

    def p_tag(self):
        return []

    def Destroy_Task(self, call):
        raise faults.not_supported("Destroying a {0} is not simulated".format(self.vim_type))


class Inventory:
    """Every managed object by moid, and the simulator's locks (vsim/locks.py, README "Concurrency").

    `objects` changes under `locks.registry`; a lookup needs no lock, iterating goes through all_objects(). `version`
    counts changes (touch) and `changed` is the Condition WaitForUpdates sleeps on; both are guarded by
    `locks.version`. `lock` is the physical network's lock (`locks.physical`), under the name physical.py uses.
    """

    def __init__(self, mode, release=DEFAULT_RELEASE):
        self.mode = mode  # "vcenter" or "esxi"
        self.release = release  # the product release it answers as (about.RELEASES)
        self.locks = locks.Locks()
        self.lock = self.locks.physical
        self.changed = self.locks.version
        self.objects = {}
        self.version = 0
        self._next_id = 0
        self.service = None  # ServiceInstance, set by the topology loader
        self.tasks = deque()  # finished tasks, oldest first (under locks.registry)

    @property
    def is_vcenter(self):
        return self.mode == "vcenter"

    def new_moid(self, prefix):
        """One counter for all objects, as vCenter does: host-12, group-v4, domain-c7, dvportgroup-30."""
        with self.locks.registry:
            self._next_id += 1
            number = self._next_id
        return "{0}{1}{2}".format(prefix, "" if "-" in prefix else "-", number)

    def add(self, obj):
        with self.locks.registry:
            self.objects[obj.moid] = obj
        return obj

    def remove(self, obj):
        with self.locks.registry:
            self.objects.pop(obj.moid, None)
        self.touch()

    def all_objects(self):
        """A snapshot of every managed object (the map changes under other calls)."""
        with self.locks.registry:
            return list(self.objects.values())

    def add_task(self, task, keep):
        """A finished task becomes readable; the oldest beyond `keep` disappear."""
        with self.locks.registry:
            self.objects[task.moid] = task
            self.tasks.append(task)
            dropped = [self.tasks.popleft() for _n in range(len(self.tasks) - keep)]
            for old in dropped:
                self.objects.pop(old.moid, None)
        self.touch(task)

    def get(self, moref):
        obj = self.objects.get(moref._moId)
        if obj is None or not issubclass(obj.pytype, type(moref)):
            raise faults.managed_object_not_found(moref)
        return obj

    def lookup(self, moref):
        """Like get, but None instead of a fault."""
        return self.objects.get(moref._moId) if moref is not None else None

    def touch(self, *objs):
        """Record a change so that property collectors waiting for updates wake up. Callers change the state first,
        then touch: a reader that notes an object's generation before reading it never misses a change."""
        with self.changed:
            for obj in objs:
                obj.generation += 1
            self.version += 1
            self.changed.notify_all()

    def notify_all(self):
        """Wake every WaitForUpdates (a cancel, the server stopping) without a change."""
        with self.changed:
            self.changed.notify_all()

    def wait_for_change(self, seen, timeout, stop=None):
        """Sleep until the version moves past `seen`, `stop()` is true or `timeout` seconds pass; holds no other lock."""
        with self.changed:
            if self.version == seen and not (stop is not None and stop()):
                self.changed.wait(timeout)


def is_a(obj, type_class):
    """True if the simulated object is of the given pyVmomi type or a subtype (vim.Network covers dvportgroups)."""
    return issubclass(obj.pytype, type_class)
