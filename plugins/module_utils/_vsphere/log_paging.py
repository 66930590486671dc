# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the end of a host's log page by page.

read_log_tail is pure: it pages through any browse(start, lines) callable that answers
like DiagnosticManager.BrowseDiagnosticLog. HostLog is that callable for one host,
through VsphereClient.browse_log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ServerLacksError, VsphereError

LOG_KEY = "vmkernel"
# A start past any log's end: the server then answers with no text and lineEnd set to the log's
# last line (govc's Seek does the same). xsd:int is 32-bit, so this is the largest start there is.
PROBE_START = 2 ** 31 - 1


class HostLogError(Exception):
    """The server refused one host's log (a fault for that host, unlike a lost session)."""


def read_log_tail(browse, want, feed, key=LOG_KEY):
    """Read the last `want` lines of a log and give each page to feed(list of lines).

    browse(start, lines) returns a DiagnosticManagerLogHeader. Servers cap the lines of one answer
    (vCenter 500, ESXi 1000), so reading goes on from where each page ended; a page with no text
    means the log was rotated since the probe, and what was read is kept.
    """
    end = log_end(browse)
    return _read_pages(browse, max(end - want + 1, 1), end, feed, key)


def log_end(browse):
    """The number of the log's last line (0: empty), from one call with a start past any log's end."""
    end = int(getattr(browse(PROBE_START, 0), "lineEnd", 0) or 0)
    if end >= PROBE_START - 1:
        raise HostLogError("the server did not tell where the log ends (lineEnd %d for a start past the end)" % end)
    return max(end, 0)


def read_log_since(browse, after, feed, key=LOG_KEY, limit=20000):
    """Give feed(list of lines) the lines written after line ``after`` (log_end before an event), at most the last
    ``limit``; a log that now ends before ``after`` was rotated, and all of it is new."""
    end = log_end(browse)
    first = after + 1 if end >= after else 1
    return _read_pages(browse, max(first, end - limit + 1, 1), end, feed, key)


def _read_pages(browse, first, end, feed, key):
    start = first
    while start <= end:
        text = list(getattr(browse(start, end - start + 1), "lineText", None) or [])[:end - start + 1]
        if not text:
            break
        feed(text)
        start += len(text)
    return {"key": key, "line_start": first, "line_end": end, "lines_read": start - first}


class HostLog(object):
    """browse(start, lines) for one host's log through VsphereClient.browse_log, counting calls.

    A fault of the call (host disconnected, no permission) is about this host: it becomes
    HostLogError, reported while the other hosts are read. A lost connection, or an error that
    about the server (it has no DiagnosticManager) ends the run as VsphereError.
    """

    def __init__(self, client, name, moref, key=LOG_KEY):
        self.client = client
        self.moref = moref
        self.key = key
        self.what = "reading the %s log of %s" % (key, name)
        self.calls = 0

    def __call__(self, start, lines):
        self.calls += 1
        try:
            return self.client.browse_log(self.moref, self.key, start, lines, self.what)
        except ServerLacksError:
            raise  # about the server, not this host
        except VsphereError as e:
            if e.outcome_unknown:
                raise
            raise HostLogError(str(e))
