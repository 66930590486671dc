"""PropertyCollector (retrieve, page, filters, wait for updates) and ViewManager container views."""

import itertools
import time

from pyVmomi import vmodl

from . import faults, locks
from .model import ManagedObject, is_a

PC = vmodl.query.PropertyCollector


class ContainerView(ManagedObject):
    vim_type = "ContainerView"

    def __init__(self, inv, moid, container, types, recursive):
        super().__init__(inv, moid)
        self.container, self.types, self.recursive = container, list(types or []), bool(recursive)

    def contents(self):
        """Computed at every read: a view follows the inventory as it changes."""
        found, seen = [], set()
        stack = list(reversed(self.container.children()))
        while stack:
            obj = stack.pop()
            if obj.moid in seen:
                continue
            seen.add(obj.moid)
            if not self.types or any(is_a(obj, t) for t in self.types):
                found.append(obj)
            if self.recursive:
                stack.extend(reversed(obj.children()))
        return found

    def p_view(self):
        return [obj.ref for obj in self.contents()]

    def p_container(self):
        return self.container.ref

    def p_type(self):
        return list(self.types)

    def p_recursive(self):
        return self.recursive

    def DestroyView(self, call):
        call.sessions.disown(self)


class ViewManager(ManagedObject):
    vim_type = "ViewManager"

    def p_viewList(self):
        return []

    def CreateContainerView(self, call, container, type, recursive):  # noqa: A002 - WSDL parameter name
        container_obj = call.inv.get(container)
        moid = "session[{0}]{1}".format(call.session.key, call.inv.new_moid("view"))
        return call.sessions.own(call.session, ContainerView(call.inv, moid, container_obj, type, recursive)).ref


class PropertyFilter(ManagedObject):
    vim_type = "PropertyFilter"

    def __init__(self, inv, moid, collector, spec, partial_updates):
        super().__init__(inv, moid)
        self.collector, self.spec, self.partial_updates = collector, spec, partial_updates
        self.reported = None  # moid -> (generation, ref) last sent; None until the first WaitForUpdates
        # computing what changed since `reported` (the outermost lock: the objects' locks are taken inside it)
        self.update_lock = locks.OrderedLock(moid + "/updates", locks.FILTER)

    def p_spec(self):
        return self.spec

    def p_partialUpdates(self):
        return self.partial_updates

    def DestroyPropertyFilter(self, call):
        call.sessions.disown(self)


def _traversals(select_set, named):
    for spec in select_set or []:
        if isinstance(spec, PC.TraversalSpec):
            if spec.name:
                named[spec.name] = spec
            _traversals(spec.selectSet, named)


def read_locked(obj, path, call=None):
    """One property of one object, under that object's lock (the caller holds no object lock)."""
    with locks.locked(obj.object_lock()):
        return obj.read(path, call)


def select_objects(inv, spec):
    """Objects a FilterSpec reaches: objectSet roots, then TraversalSpecs (SelectionSpecs by name). Each traversal
    step reads one object under its lock: the set is each object as it was when visited, not one global snapshot."""
    named = {}
    for object_spec in spec.objectSet:
        _traversals(object_spec.selectSet, named)
    found, visited = {}, set()

    def visit(obj, select_set, skip):
        if not skip:
            found.setdefault(obj.moid, obj)
        for selection in select_set or []:
            traversal = selection if isinstance(selection, PC.TraversalSpec) else named.get(selection.name)
            if traversal is None:
                raise faults.invalid_argument("selectSet", "Unknown selection spec '{0}'".format(selection.name))
            if not is_a(obj, traversal.type) or (obj.moid, traversal.name, id(traversal)) in visited:
                continue
            visited.add((obj.moid, traversal.name, id(traversal)))
            value, _kind = read_locked(obj, traversal.path)
            for child_ref in value if isinstance(value, list) else [value] if value is not None else []:
                child = inv.lookup(child_ref)
                if child is not None:
                    visit(child, traversal.selectSet, traversal.skip)

    for object_spec in spec.objectSet:
        visit(inv.get(object_spec.obj), object_spec.selectSet, object_spec.skip)
    return list(found.values())


def wanted_paths(obj, prop_set):
    """Property paths asked for this object, or None if no PropertySpec covers its type."""
    paths, matched = [], False
    for prop_spec in prop_set:
        if is_a(obj, prop_spec.type):
            matched = True
            for path in obj.property_names() if prop_spec.all else prop_spec.pathSet:
                if path not in paths:
                    paths.append(path)
    return paths if matched else None


def object_content(obj, paths, call, generation=None):
    """The object's properties, read together under its lock (as govmomi's collector does); with `generation` a list,
    the object's generation noted before reading is appended to it."""
    props = []
    with locks.locked(obj.object_lock()):
        if generation is not None:
            generation.append(obj.generation)
        for path in paths:
            value, _kind = obj.read(path, call)
            if value is not None:
                props.append(vmodl.DynamicProperty(name=path, val=value))
    return PC.ObjectContent(obj=obj.ref, propSet=props, missingSet=[])


class PropertyCollector(ManagedObject):
    """Its calls run under no object lock: it takes the lock of each object it reads, one at a time, and sleeps in
    WaitForUpdates holding none."""

    vim_type = "PropertyCollector"
    session_properties = ("filter",)
    _tokens = itertools.count(1)

    def object_lock(self):
        return None

    def p_filter(self, call):
        return [f.ref for f in self._filters(call.session)]

    def _filters(self, session):
        return [obj for obj in list(session.owned) if isinstance(obj, PropertyFilter) and obj.collector is self]

    def _retrieve(self, call, spec_set):
        contents = {}
        for spec in spec_set:
            for obj in select_objects(call.inv, spec):
                paths = wanted_paths(obj, spec.propSet)
                if paths is None:
                    continue
                content = object_content(obj, paths, call)
                if obj.moid in contents:
                    have = {p.name for p in contents[obj.moid].propSet}
                    contents[obj.moid].propSet.extend(p for p in content.propSet if p.name not in have)
                else:
                    contents[obj.moid] = content
        return list(contents.values())

    def RetrieveProperties(self, call, specSet):
        return self._retrieve(call, specSet)

    def RetrievePropertiesEx(self, call, specSet, options=None):
        contents = self._retrieve(call, specSet)
        if not contents:
            return None
        return self._page(call, contents, options.maxObjects if options else None)

    def _page(self, call, contents, max_objects):
        token = None
        if max_objects and len(contents) > max_objects:
            token = "{0}".format(next(self._tokens))
            call.session.pages[token] = (contents[max_objects:], max_objects)
            contents = contents[:max_objects]
        return PC.RetrieveResult(token=token, objects=contents)

    def ContinueRetrievePropertiesEx(self, call, token):
        try:
            rest, max_objects = call.session.pages.pop(token)
        except KeyError:
            raise faults.invalid_argument("token") from None
        return self._page(call, rest, max_objects)

    def CancelRetrievePropertiesEx(self, call, token):
        call.session.pages.pop(token, None)

    def CreateFilter(self, call, spec, partialUpdates):
        select_objects(call.inv, spec)  # an unknown object or path fails here, as on vCenter
        moid = "session[{0}]{1}".format(call.session.key, call.inv.new_moid("filter"))
        return call.sessions.own(call.session, PropertyFilter(call.inv, moid, self, spec, partialUpdates)).ref

    def CreatePropertyCollector(self, call):
        moid = "session[{0}]{1}".format(call.session.key, call.inv.new_moid("collector"))
        return call.sessions.own(call.session, PropertyCollector(call.inv, moid)).ref

    def DestroyPropertyCollector(self, call):
        for prop_filter in self._filters(call.session):
            call.sessions.disown(prop_filter)
        if self.owner is not None:
            call.sessions.disown(self)

    def CancelWaitForUpdates(self, call):
        with call.inv.changed:
            call.session.cancel_wait = True
            call.inv.changed.notify_all()

    def CheckForUpdates(self, call, version=None):
        return self._updates(call, version, wait_seconds=0)

    def WaitForUpdates(self, call, version=None):
        return self._updates(call, version, wait_seconds=None)

    def WaitForUpdatesEx(self, call, version=None, options=None):
        wait = options.maxWaitSeconds if options is not None else None
        return self._updates(call, version, wait_seconds=wait)

    def _updates(self, call, version, wait_seconds):
        """Block (holding no lock while asleep) until a filtered object changes or the wait ends.

        The inventory version is noted before the filters are read, and the wait returns as soon as it moved past
        that: a change made while the filters were read is never slept through."""
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        call.session.cancel_wait = False
        while True:
            seen = call.inv.version
            filter_updates = [u for u in (self._filter_update(f, call) for f in self._filters(call.session)) if u]
            if filter_updates or not version:
                return PC.UpdateSet(version=str(seen), filterSet=filter_updates)
            if call.session.cancel_wait:
                raise faults.make("vmodl.fault.RequestCanceled", "WaitForUpdates was canceled")
            if call.server_stopping():
                raise faults.make("vmodl.fault.RequestCanceled", "The simulator is stopping")
            remaining = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if remaining <= 0:
                return None
            call.inv.wait_for_change(seen, remaining, stop=lambda: call.session.cancel_wait or call.server_stopping())

    def _filter_update(self, prop_filter, call):
        """What changed for one filter since it last reported. An object's generation is noted before its properties
        are read (under its lock): a change made meanwhile is reported again next time, never lost."""
        with prop_filter.update_lock:
            current = {obj.moid: obj for obj in select_objects(call.inv, prop_filter.spec)}
            previous = prop_filter.reported or {}
            reported = {}
            objects = []
            for moid, obj in current.items():
                paths = wanted_paths(obj, prop_filter.spec.propSet)
                generation = obj.generation
                if paths is None or previous.get(moid, (None,))[0] == generation:
                    reported[moid] = (generation, obj.ref)
                    continue
                noted = []
                content = object_content(obj, paths, call, noted)
                reported[moid] = (noted[0], obj.ref)
                changes = [PC.Change(name=p.name, op="assign", val=p.val) for p in content.propSet]
                objects.append(PC.ObjectUpdate(kind="modify" if moid in previous else "enter", obj=obj.ref, changeSet=changes))
            for moid in set(previous) - set(current):
                objects.append(PC.ObjectUpdate(kind="leave", obj=previous[moid][1], changeSet=[]))
            prop_filter.reported = reported
            if not objects:
                return None
            return PC.FilterUpdate(filter=prop_filter.ref, objectSet=objects, missingSet=[])
