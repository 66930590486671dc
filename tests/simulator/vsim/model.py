"""Managed objects, property paths and the inventory registry.

A simulated managed object exposes vSphere property `x` through a method `p_x()` returning a
pyVmomi value, and vSphere method `M` through a method `M(self, call, **params)`. Property
paths such as `config.network.vnic` read the first element from the object and walk the rest
through the returned data objects, typing lists as the property's declared array type because
pyVmomi refuses untyped lists in `anyType` slots.
"""

import re
import threading
from collections import deque

from pyVmomi import VmomiSupport

from . import faults
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
    """Every managed object by moid, behind one lock (the simulator's state is small)."""

    def __init__(self, mode, release=DEFAULT_RELEASE):
        self.mode = mode  # "vcenter" or "esxi"
        self.release = release  # the product release it answers as (about.RELEASES)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects = {}
        self.version = 0
        self._next_id = 0
        self.service = None  # ServiceInstance, set by the topology loader
        self.tasks = deque()  # finished tasks, oldest first

    @property
    def is_vcenter(self):
        return self.mode == "vcenter"

    def new_moid(self, prefix):
        """One counter for all objects, as vCenter does: host-12, group-v4, domain-c7, dvportgroup-30."""
        self._next_id += 1
        return "{0}{1}{2}".format(prefix, "" if "-" in prefix else "-", self._next_id)

    def add(self, obj):
        self.objects[obj.moid] = obj
        return obj

    def remove(self, obj):
        self.objects.pop(obj.moid, None)
        self.touch()

    def get(self, moref):
        obj = self.objects.get(moref._moId)
        if obj is None or not issubclass(obj.pytype, type(moref)):
            raise faults.managed_object_not_found(moref)
        return obj

    def lookup(self, moref):
        """Like get, but None instead of a fault."""
        return self.objects.get(moref._moId) if moref is not None else None

    def touch(self, *objs):
        """Record a change so that property collectors waiting for updates wake up."""
        for obj in objs:
            obj.generation += 1
        self.version += 1
        self.changed.notify_all()


def is_a(obj, type_class):
    """True if the simulated object is of the given pyVmomi type or a subtype (vim.Network covers dvportgroups)."""
    return issubclass(obj.pytype, type_class)
