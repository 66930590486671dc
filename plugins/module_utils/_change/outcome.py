# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a write run did, as plain data: per host what was applied, not applied and in doubt (Outcome), and the
cancellation that stops a run before its next write. Apart from the write layer (_change.apply) so that tests and the
module that writes can build them alone; the failure that carries an Outcome (ApplyError) is in _vsphere.errors, as
every module's result knows it and a module that only reads ships nothing of _change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key


class Cancellation(object):
    """Whether the run was cancelled: SIGTERM or SIGINT reached the module (install()), or a process of the Ansible run
    that started it is gone (a cancelled job whose module was left running). Checked before every write."""

    def __init__(self, watched_pids=()):
        self.reason = None
        self.watched = [pid for pid in watched_pids if pid and pid > 1]

    @classmethod
    def for_this_process(cls):
        """Watching the processes above the module (its parent and theirs, up to three, as they are now)."""
        pids, pid = [], os.getppid()
        while pid > 1 and len(pids) < 3:
            pids.append(pid)
            pid = _parent_of(pid)
        cancellation = cls(pids)
        cancellation.install()
        return cancellation

    def install(self):
        """SIGTERM / SIGINT no longer end the module at once: the write under way finishes, no other starts."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.request("%s received" % signal.Signals(signum).name)

    def request(self, reason):
        if self.reason is None:
            self.reason = reason

    def check(self):
        """The reason the run is cancelled, or None."""
        if self.reason is None:
            for pid in self.watched:
                if not _alive(pid):
                    self.request("process %d of the Ansible run that started this module is gone" % pid)
                    break
        return self.reason


def _parent_of(pid):
    """The parent of a process (Linux /proc), or 0 when it cannot be told."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (IOError, OSError, ValueError, IndexError):
        return 0


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == 1  # EPERM: it exists, owned by someone else
    return True


class Outcome(object):
    """Per host: the planned operations and which of them were applied or are in doubt."""

    def __init__(self, plans):
        self.plans = dict((name, list(ops)) for name, ops in plans.items())
        self.applied = dict((name, []) for name in plans)
        self.in_doubt = dict((name, []) for name in plans)

    def not_applied(self, name):
        done = self.applied[name] + self.in_doubt[name]
        return [op for op in self.plans[name] if not any(op is d for d in done)]

    @property
    def changed(self):
        # In doubt counts as changed: the call may have run.
        return any(self.applied.values()) or any(self.in_doubt.values())

    def summary(self, failed_host):
        """The failure's account of the run, for the message."""
        text = "applied before the failure on %s: %d operation(s), not applied: %d" % (
            failed_host, len(self.applied[failed_host]), len(self.not_applied(failed_host)))
        if self.in_doubt[failed_host]:
            text = "the answer was lost, so %d operation(s) of this step may or may not have been applied; %s" % (
                len(self.in_doubt[failed_host]), text)
        others = ", ".join("%s: %d" % (n, len(self.applied[n])) for n in sorted(self.applied, key=natural_key)
                           if n != failed_host and self.applied[n])
        if others:
            text += "; fully applied on other hosts (%s)" % others
        return text
