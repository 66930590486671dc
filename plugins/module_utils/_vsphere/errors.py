# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of talking to vSphere, each with a message fit for the user (never a secret), and the one place a pyVmomi
fault or a transport error becomes such a message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from pyVmomi import vmodl

    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False


class VsphereError(Exception):
    """A problem talking to vSphere, with a message fit for the user (never a secret).

    outcome_unknown: the connection broke before the answer came, so the call may have run.
    """

    def __init__(self, message, outcome_unknown=False):
        super(VsphereError, self).__init__(message)
        self.outcome_unknown = outcome_unknown


class ServerLacksError(VsphereError):
    """The server has no such service at all (not a fault of one object)."""


class TaskError(VsphereError):
    """A vSphere task ended in error: its change was not made (outcome known)."""


class ScopeError(VsphereError):
    """Names of hosts, clusters or datacenters that do not exist; ``unknown`` lists the unknown host names."""

    def __init__(self, message, unknown=()):
        super(ScopeError, self).__init__(message)
        self.unknown = list(unknown)


class ApplyError(VsphereError):
    """A write failed part way (or the verification after it); ``outcome`` tells what was applied, not applied and
    in doubt, ``host`` on which host it failed (None: after every write)."""

    def __init__(self, message, outcome, host=None, outcome_unknown=False):
        super(ApplyError, self).__init__(message, outcome_unknown=outcome_unknown)
        self.outcome = outcome
        self.host = host


def describe_fault(error):
    """One line for a pyVmomi fault or a transport error, without a traceback."""
    if HAS_PYVMOMI and isinstance(error, vmodl.MethodFault):
        message = getattr(error, "msg", None) or ""
        faults = getattr(error, "faultMessage", None) or []
        details = [m.message for m in faults if getattr(m, "message", None)]
        text = "%s%s" % (type(error).__name__.split(".")[-1], ": %s" % message if message else "")
        if details:
            text += " (%s)" % "; ".join(details)
        return text
    return "%s: %s" % (type(error).__name__, error)
