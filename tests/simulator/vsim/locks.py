"""The simulator's locks: one per managed object (a host's managed objects share the host's), a few for vCenter-wide
state, and the order in which a thread may take them (tests/simulator/README.md, "Concurrency").

As in govmomi's simulator (simulator/registry.go: `WithLock`, a mutex per managed object reference; the
PropertyCollector opts out and reads each object under that object's lock), a SOAP call runs under the lock of the
object it is called on (`_this`):

- a HostSystem has a lock of its own; the host's own managed objects (network system, vnic manager, configuration
  managers, esxcli executer) and its VMs share it, because their methods change or read the same host state;
- every other ManagedEntity (folders, datacenters, clusters, resource pools, standard networks, distributed switches
  and their port groups) shares the inventory tree's lock, `tree`: distributed switches, their port groups and ports
  and the datacenters' standard networks change together (names are unique across switches of a folder, a port
  group's ports are counted from the hosts' vmks and the VMs);
- any other object (service objects, tasks, views, filters) has its own lock; the PropertyCollector has none: it
  takes the lock of each object it reads, one object at a time.

Locks of vCenter-wide state that calls take besides the object's: `tree` (also taken by a host write that connects a
vmk to a distributed port, held until that call ends, and by the datacenter's standard-network bookkeeping),
`physical` (the physical network's switches and cables), `sessions`, `registry` (the moid -> object map, the moid
counter, the finished tasks) and `version` (the change counter and the Condition WaitForUpdates sleeps on; a leaf,
never held while sleeping by anything but the wait itself, which releases it).

Lock order (a thread holding one lock may only take locks further down the list, or one it already holds):
  filter updates (a PropertyFilter's update computation) -> an object's own lock -> a host's lock -> tree -> physical
  -> sessions -> registry -> version.
Never two locks of one level: a call on host A never takes host B's lock, nor a call on one object another object's
own lock. `OrderedLock` checks this at every acquisition and raises LockOrderError instead of risking a deadlock.

What is read without a lock: another host's networking state (`HostSystem.net` is replaced, never changed in place,
by a write: a reader sees a whole state), a datacenter's standard networks (replaced as a whole), a distributed port
group's `config` and a switch's `portgroups` (replaced as a whole), the inventory map (single lookups; iteration
goes through `Inventory.all_objects()`). Derived values cached per inventory version record the version read
*before* they are computed, so a change made meanwhile invalidates them.
"""

import threading
from contextlib import contextmanager

FILTER, OWN, HOST, TREE, PHYSICAL, SESSIONS, REGISTRY = 10, 20, 30, 40, 50, 60, 70

_held = threading.local()


class LockOrderError(RuntimeError):
    """A lock taken against the documented order: a deadlock waiting to happen."""


def _held_locks():
    locks = getattr(_held, "locks", None)
    if locks is None:
        locks = _held.locks = []
    return locks


def held_locks():
    """Names of the OrderedLocks the calling thread holds, in acquisition order (for tests and diagnostics)."""
    return [lock.name for lock in _held_locks()]


class OrderedLock:
    """A reentrant lock with a level: a thread may take it only while every other lock it holds has a lower level."""

    def __init__(self, name, level):
        self.name, self.level = name, level
        self._lock = threading.RLock()

    def acquire(self, blocking=True, timeout=-1):
        held = _held_locks()
        if self not in held:
            for other in held:
                if other.level >= self.level:
                    raise LockOrderError("lock {0} (level {1}) taken while holding {2} (level {3})".format(
                        self.name, self.level, other.name, other.level))
        if not self._lock.acquire(blocking, timeout):
            return False
        held.append(self)
        return True

    def release(self):
        held = _held_locks()
        for index in range(len(held) - 1, -1, -1):
            if held[index] is self:
                del held[index]
                break
        self._lock.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *_exc):
        self.release()

    def __repr__(self):
        return "<OrderedLock {0} level {1}>".format(self.name, self.level)


class Locks:
    """The vCenter-wide locks of one inventory, and the scope of a call (locks held until the call ends)."""

    def __init__(self):
        self.tree = OrderedLock("tree", TREE)
        self.physical = OrderedLock("physical", PHYSICAL)
        self.sessions = OrderedLock("sessions", SESSIONS)
        self.registry = OrderedLock("registry", REGISTRY)
        self.version = threading.Condition(threading.Lock())  # a leaf: nothing is taken while holding it
        self._local = threading.local()

    @contextmanager
    def call(self):
        """The scope of one SOAP call: locks taken with hold() inside it are released when it ends."""
        outer = getattr(self._local, "scope", None)
        scope = self._local.scope = []
        try:
            yield
        finally:
            self._local.scope = outer
            for lock in reversed(scope):
                lock.release()

    def hold(self, lock):
        """Take lock until the current call ends (a change that must stay atomic with the rest of the call, such as a
        distributed port handed out to a vmk the host commits later). Outside a call (building the topology, where
        nothing runs concurrently) it is only waited for."""
        lock.acquire()
        scope = getattr(self._local, "scope", None)
        if scope is None:
            lock.release()
        else:
            scope.append(lock)


@contextmanager
def locked(lock):
    """`with locked(obj.object_lock()):` for a lock that may be None (the PropertyCollector has none)."""
    if lock is None:
        yield
        return
    with lock:
        yield
