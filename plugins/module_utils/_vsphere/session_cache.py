# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which vCenter a host is reached through, and the session kept for it between module runs.

connection_groups: the roles make one module call per vCenter connection (hostname, port, user).

SessionCache: one login per vCenter and user on the controller, as govc keeps its sessions
(~/.govmomi/sessions): every module run in the idle window reuses the session of the first. The
Ansible persistent-connection framework does not fit modules that run with delegate_to:
localhost (there is no connection plugin between them and vCenter), and an AWX job's home is new
for every job, so the cache lives for the job. What is kept is the session cookie, a bearer
secret, so:
- the file is 0600 in a 0700 directory, written atomically;
- it is encrypted (Fernet) with a key derived from the password (scrypt, random salt): a wrong
  or changed password cannot read it and logs in for real, which vCenter refuses;
- a session idle for longer than IDLE_SECONDS is not used (vCenter and ESXi end a SOAP session
  after 30 idle minutes by default), and a session vCenter has ended (NotAuthenticated) is
  replaced by a new login, so no session outlives the server's idle expiry by our doing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import errno
import hashlib
import json
import os
import tempfile
import time

try:
    import fcntl

    HAS_FCNTL = True
except ImportError:  # not on the controllers Ansible supports, but keep importable
    HAS_FCNTL = False

try:
    from cryptography.fernet import Fernet, InvalidToken
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

# vCenter (vpxd) and ESXi (hostd) end a SOAP session idle for 30 minutes by default; a cached session
# is used only if it was used within 25, so it is very likely alive and never kept past the server's expiry.
IDLE_SECONDS = 25 * 60
CACHE_FORMAT = 1
OMIT_PREFIX = "__omit_place_holder__"


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "multinic.vmotion", "sessions")


def _given(value):
    """A connection value as set by the user; unset, empty and Ansible's omit placeholder are None."""
    if value is None or (isinstance(value, str) and (not value.strip() or value.startswith(OMIT_PREFIX))):
        return None
    return value


def connection_key(hostname, port, username):
    """(hostname, port, user) as compared: DNS names are case-insensitive, an unset port is 443."""
    hostname, username = _given(hostname), _given(username)
    port = _given(port)
    try:
        port = int(port) if port is not None else 443
    except (TypeError, ValueError):
        port = str(port)
    return ((hostname or "").strip().lower(), port, (username or "").strip().lower())


def vcenter_label(hostname, port):
    """How a report names a vCenter: its name, with the port when it is not 443."""
    hostname, port = _given(hostname), connection_key(None, port, None)[1]
    if hostname is None:
        return "VMWARE_HOST"
    return hostname if port == 443 else "%s:%s" % (hostname, port)


def _with_environment(connection, environ):
    """What the module will use: an unset hostname, port or user comes from VMWARE_HOST, VMWARE_PORT, VMWARE_USER,
    as the modules (run on the controller) take them."""
    return dict((key, connection.get(key) if _given(connection.get(key)) is not None else environ.get(variable))
                for key, variable in (("hostname", "VMWARE_HOST"), ("port", "VMWARE_PORT"), ("username", "VMWARE_USER")))


def connection_groups(entries, environ=None):
    """Group inventory hosts by the vCenter connection that reaches them, in first-seen order.

    entries: [{"inventory_hostname", "esxi_hostname" (optional), "connection": {"hostname", "port", "username"}}].
    An unset value is the environment's (VMWARE_HOST, VMWARE_PORT, VMWARE_USER of ``environ``, default os.environ), as
    the modules take it; with none there either, the host joins the group of unset connections.
    Returns [{"vcenter", "representative", "hosts", "esxi_hostnames"}]: the representative is the first host
    of the group; a role runs the group's module call on it, with its connection variables.
    """
    groups = {}
    order = []
    environ = os.environ if environ is None else environ
    for entry in entries or ():
        connection = _with_environment(entry.get("connection") or {}, environ)
        key = connection_key(connection.get("hostname"), connection.get("port"), connection.get("username"))
        if key not in groups:
            groups[key] = {
                "vcenter": vcenter_label(connection.get("hostname"), connection.get("port")),
                "representative": entry["inventory_hostname"],
                "hosts": [],
                "esxi_hostnames": [],
            }
            order.append(key)
        group = groups[key]
        group["hosts"].append(entry["inventory_hostname"])
        esxi = entry.get("esxi_hostname")
        if esxi and esxi not in group["esxi_hostnames"]:
            group["esxi_hostnames"].append(esxi)
    return [groups[key] for key in order]


class SessionCache(object):
    """Session cookies on the controller, one file per vCenter and user, readable only with the password."""

    def __init__(self, directory=None, idle=IDLE_SECONDS, clock=time.time):
        self.directory = directory or default_cache_dir()
        self.idle = idle
        self.clock = clock

    @staticmethod
    def usable():
        return HAS_CRYPTOGRAPHY and HAS_FCNTL

    def _path(self, hostname, port, username, suffix=".json"):
        # the name says nothing of the server or the user, and nothing at all of the password
        digest = hashlib.sha256(repr(connection_key(hostname, port, username)).encode("utf-8")).hexdigest()[:32]
        return os.path.join(self.directory, digest + suffix)

    def _ensure_directory(self):
        try:
            os.makedirs(self.directory, mode=0o700)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise
        # an existing directory may have been created looser (umask, by hand): tighten it
        if os.stat(self.directory).st_mode & 0o077:
            os.chmod(self.directory, 0o700)

    @staticmethod
    def _fernet(password, salt):
        key = Scrypt(salt=salt, length=32, n=2 ** 14, r=8, p=1).derive(password.encode("utf-8"))
        return Fernet(base64.urlsafe_b64encode(key))

    @contextlib.contextmanager
    def locked(self, hostname, port, username):
        """Serialise logins for one vCenter and user: modules started together (forks) share the first login."""
        self._ensure_directory()
        fd = os.open(self._path(hostname, port, username, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def load(self, hostname, port, username, password):
        """The cached cookie, or None (no entry, idle too long, another password, unreadable)."""
        path = self._path(hostname, port, username)
        try:
            info = os.stat(path)
            # idle too long, or readable by others (written by hand or by something else): not to be trusted
            if self.clock() - info.st_mtime > self.idle or info.st_mode & 0o077:
                self.drop(hostname, port, username)
                return None
            with open(path) as handle:
                stored = json.load(handle)
            if stored.get("format") != CACHE_FORMAT:
                return None
            salt = base64.b64decode(stored["salt"])
            cookie = self._fernet(password, salt).decrypt(stored["token"].encode("ascii")).decode("utf-8")
        except (OSError, ValueError, KeyError, TypeError, InvalidToken):
            return None
        self.touch(hostname, port, username)
        return cookie

    def touch(self, hostname, port, username):
        """Mark the session used now (the idle window counts from the last use)."""
        try:
            os.utime(self._path(hostname, port, username), None)
        except OSError:
            pass

    def store(self, hostname, port, username, password, cookie):
        self._ensure_directory()
        salt = os.urandom(16)
        token = self._fernet(password, salt).encrypt(cookie.encode("utf-8")).decode("ascii")
        content = json.dumps({"format": CACHE_FORMAT, "salt": base64.b64encode(salt).decode("ascii"), "token": token})
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".session-")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
            os.rename(temporary, self._path(hostname, port, username))
        except Exception:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def drop(self, hostname, port, username):
        try:
            os.unlink(self._path(hostname, port, username))
        except OSError:
            pass
