# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure, streaming parser of ESXi vmkernel.log for vMotion migrations.

A vMotion writes a start line carrying its migration id (the ``ts``) and
the source and destination IPs, then lines tagged ``<id> S:`` on the
source host or ``<id> D:`` on the destination host: vmknics bound, stream
connections added and removed, the pre-copy stop figures, warnings and
failures. Lines are grouped per migration id and side.

Accepted line prefixes (everything before the message):

* ``2013-06-14T05:30:23.991Z cpu7:8854653)Migrate: ...`` (ESXi 5 to 7)
* ``Jun 14 05:30:23 esx01 vmkernel: cpu7:8854653)...`` and
  ``<166>2013-06-14T05:30:23.991Z esx01 vmkernel: cpu7:8854653)...``
  (forwarded by syslog)
* ``2024-01-01T10:00:00.123Z In(182) vmkernel: cpu3:2099123 opID=ab12)...``
  (ESXi 8, also ``Wa(180)``, ``Er(179)`` and ``vmkwarning:``)

Module names are never anchored on and the source-line numbers after
them (``Migrate: 3234:``) are never read: they change between builds.

The parser never raises on input: lines it cannot attribute to a
migration are counted as skipped. The log is data from the host, so a
line costs time linear in its length whatever it holds: lines are cut to
MAX_LINE, and no pattern has a run that can rescan text another run
already covered (no ".*?" between two pieces, brackets that stop at the
next opening one); the unit tests time hostile lines of every pattern.
Nothing here imports Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import address_key, addresses, canonical_address, is_vmotion

# Lines longer than this are cut before matching; real vmkernel lines are
# well under 1 KiB, and the cap bounds the work a garbage line can cause.
MAX_LINE = 8192
# Per migration, keep at most this many warning and failure messages
# (each cut to MAX_MESSAGE characters) so a flood cannot exhaust memory.
MAX_MESSAGES = 100
MAX_MESSAGE = 512

# "<id> S: " / "<id> D: " marks every line of a running migration. The id is
# a 64-bit number printed in decimal (16 digits in ESXi 5, up to 20 later), after
# a space or at the start of the line. str.find skips to the first marker (this
# runs on every candidate line); the pattern, bounded to 20 digits at each
# position, then checks the id in C even on a line made of markers.
_ID_DIGITS = (6, 20)
_MARKERS = tuple(
    (marker, side, re.compile(r"(?<![^ ])([0-9]{%d,%d})%s" % (_ID_DIGITS + (re.escape(marker),))))
    for marker, side in ((" S: ", "source"), (" D: ", "destination"))
)

# Start line, ESXi 5-7 ("Setting VMOTION info: Source ts = ..., src ip = <..> dest ip = <..> Dest wid = ..")
# and ESXi 8 ("vmotion: Source vmmLeaderID = .., ts = .., srcIP = <..> dstIP = <..> Dest wid = ..").
# An address in brackets stops at the next "<" as well as at ">": with [^>]* every "Source ts = 1, src ip = <"
# of a line without ">" rescanned the rest of the line (quadratic); now each bracket scans its own text only.
_START = re.compile(
    r"\b(Source|Dest(?:ination)?)\s+(?:vmmLeaderID\s*=\s*(\d+),?\s*)?ts\s*=\s*(\d{1,20}),?\s*"
    r"src ?ip\s*=\s*<([^<>]*)>,?\s*(?:dest|dst) ?ip\s*=\s*<([^<>]*)>(?:,?\s*Dest wid\s*=\s*(\d+))?",
    re.IGNORECASE,
)
_VM_WORLD = re.compile(r"\bvm (\d+):")

# Timestamp at the start of a line, after an optional syslog "<PRI>" and
# RFC 5424 version: ISO 8601 as ESXi writes it, or BSD syslog "Jun 14 05:30:23".
_TIMESTAMP = re.compile(
    r"\s*(?:<\d{1,3}>\d?\s*)?"
    r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?|[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d)(?=\s)"
)
# The common case, a line starting with the ISO stamp, has a cheaper pattern.
_TIMESTAMP_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?(?=\s)")
# "cpu7:8854653)" or ESXi 8 "cpu3:2099123 opID=5b2e0b5f)": the world that logged.
_CPU_WORLD = re.compile(r"cpu\d+:(\d+)[ )]")

_STREAM = re.compile(r"Stream connection (\d+) (added|removed)")
# ESXi 5: "bound connection to vmknic '10.0.0.1'"; later builds name the vmk: "vmknic vmk1 - '10.0.0.1'".
_BOUND = re.compile(r"bound connection to vmknic (?:\S+ - )?'([^']*)'")
_AFFINITY = re.compile(r"Set ip address '([^']*)' worldlet affinity to \w+ World ID (\d+)")
# "Stopping pre-copy: only N pages left to send, which can be sent within the switchover time goal of X seconds
# (network bandwidth ~Y MB/s" and, stopped for lack of progress, "Stopping pre-copy: not enough forward progress
# (Pages left to send: prev2 N, prev N, cur N, network bandwidth ~Y MB/s". Each figure is searched for from where
# the one before it ended: one pattern with ".*?" between the figures backtracked over the rest of the line for
# every "only ..."/"cur N," a line repeats (cubic, 67 s for 300 lines of 8 KiB). The first figure, then the first
# next one after it, is what the lazy pattern found too.
_PAGES_LEFT = re.compile(r"only (\d+) pages left to send")
_GOAL = re.compile(r"switchover time goal of ([\d.]+) seconds")
_CUR_PAGES = re.compile(r"cur (\d+),")
_BANDWIDTH = re.compile(r"network bandwidth ~([\d.]+) ([KMGT]?B)/s")
_FAILURE = re.compile(r"considered a failure|\b[Ff]ail(?:ed|ure|s)?\b|\bFAIL|0xbad[0-9a-fA-F]{4}")

_UNITS_TO_MB = {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3, "TB": 1e6}
# The pre-copy bandwidth is in megabytes per second, as ESXi prints it (571 MB/s is 4.6 Gbit/s). Its first name,
# bandwidth_mbps, read as megabits: it is still emitted with the same value for one release (deprecated, removed in 0.3.0).
BANDWIDTH_KEY = "bandwidth_mbytes_per_s"
DEPRECATED_BANDWIDTH_KEY = "bandwidth_mbps"
# ESXi 8 severities at warning level or worse: Wa(180), Er(179), Cr(178), Al(177), Em(176).
_SEVERITY_WARN = re.compile(r"\b(?:Wa|Er|Cr|Al|Em)\(\d+\) ")

_MONTHS = {m: i + 1 for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))}
_ISO_PARTS = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?$")
_BSD_PARTS = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)$")


class _Migration(object):
    """Mutable state of one migration while lines stream in."""

    __slots__ = (
        "id", "side", "src_ip", "dst_ip", "world_ids", "vmknics", "streams", "streams_removed",
        "precopy", "warnings", "failure", "first_ts", "last_ts", "bound", "last_bound",
    )

    def __init__(self, mig_id, side):
        self.id = mig_id
        self.side = side
        self.src_ip = None
        self.dst_ip = None
        self.world_ids = set()
        # dict as an ordered set: first-seen order, unique
        self.vmknics = {}
        # address -> streams added after its "bound connection" line (each stream follows the bind it uses)
        self.bound, self.last_bound = {}, None
        self.streams = set()
        self.streams_removed = set()
        self.precopy = None
        self.warnings = []
        self.failure = []
        self.first_ts = None
        self.last_ts = None

    def as_dict(self):
        bandwidth = self.precopy[BANDWIDTH_KEY] if self.precopy else None
        return {
            "id": self.id,
            "side": self.side,
            "src_ip": self.src_ip,
            "dst_ip": self.dst_ip,
            "world_ids": sorted(self.world_ids),
            "vmknics": list(self.vmknics),
            "bound_without_stream": [ip for ip, streams in self.bound.items() if not streams],
            "streams": len(self.streams),
            "streams_removed": len(self.streams_removed),
            "precopy": dict(self.precopy, **{DEPRECATED_BANDWIDTH_KEY: bandwidth}) if self.precopy else None,
            BANDWIDTH_KEY: bandwidth,
            DEPRECATED_BANDWIDTH_KEY: bandwidth,
            "warnings": list(self.warnings),
            "failed": bool(self.failure),
            "failure": list(self.failure),
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "duration_s": duration_seconds(self.first_ts, self.last_ts),
        }


def _parse_timestamp(text):
    """ISO or BSD-syslog timestamp -> (datetime, is_bsd) or (None, False)."""
    m = _ISO_PARTS.match(text)
    if m:
        year, month, day, hour, minute, second, frac, zone = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        offset = datetime.timedelta(0)
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            stamp = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        except ValueError:
            return None, False
        return stamp - offset, False
    m = _BSD_PARTS.match(text)
    if m and m.group(1) in _MONTHS:
        # BSD syslog has no year; 2000 is a leap year, so Feb 29 parses.
        try:
            stamp = datetime.datetime(2000, _MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)))
        except ValueError:
            return None, False
        return stamp, True
    return None, False


def duration_seconds(first_ts, last_ts):
    """Seconds from first_ts to last_ts (timestamps as written in the log), or None."""
    if not first_ts or not last_ts:
        return None
    first, first_bsd = _parse_timestamp(first_ts)
    last, last_bsd = _parse_timestamp(last_ts)
    if first is None or last is None or first_bsd != last_bsd:
        return None
    if first_bsd and last < first:
        # The year turned over between two yearless syslog stamps.
        try:
            last = last.replace(year=2001)
        except ValueError:  # Feb 29 has no 2001 counterpart
            return None
    return round((last - first).total_seconds(), 6)


def _to_mb(value, unit):
    return round(float(value) * _UNITS_TO_MB.get(unit, 1.0), 6)


def _message(text):
    text = text.strip()
    return text[:MAX_MESSAGE]


class VmkernelLogParser(object):
    """Feed vmkernel.log lines one by one or in bulk, then read result().

    ``lines`` counts every line fed; ``skipped`` counts those that could not
    be attributed to a migration (noise, garbage, non-strings); ``matched``
    is the difference.
    """

    def __init__(self):
        self.lines = 0
        self.skipped = 0
        self._migrations = {}

    @property
    def matched(self):
        return self.lines - self.skipped

    def feed(self, line):
        """Take one line (str, bytes or anything else); never raises."""
        self.feed_lines((line,))

    def feed_lines(self, lines):
        """Take an iterable of lines (a str or bytes is split into lines); never raises."""
        if lines is None:
            return
        if isinstance(lines, (bytes, bytearray)):
            lines = bytes(lines).decode("utf-8", "replace")
        if isinstance(lines, str):
            lines = split_lines(lines)
        try:
            iterator = iter(lines)
        except TypeError:
            # A single non-iterable value is one unusable line.
            self.lines += 1
            self.skipped += 1
            return
        handle = self._handle
        count = skipped = 0
        try:
            for line in iterator:
                count += 1
                if not isinstance(line, str):
                    line = _coerce(line)
                    if line is None:
                        skipped += 1
                        continue
                # Cheap prefilter: every line we use has an "<id> S: "/"<id> D: "
                # marker or is a start line with "ts =". Most of a log has neither.
                if " S: " in line or " D: " in line or "ts =" in line:
                    try:
                        if not handle(line):
                            skipped += 1
                    except Exception:  # pragma: no cover - defensive, the parser must never raise
                        skipped += 1
                else:
                    skipped += 1
        except Exception:
            # The iterable itself failed (e.g. a file that cannot be decoded): keep what we have.
            pass
        self.lines += count
        self.skipped += skipped

    def _migration(self, mig_id, side):
        key = (mig_id, side)
        mig = self._migrations.get(key)
        if mig is None:
            mig = self._migrations[key] = _Migration(mig_id, side)
        return mig

    def _handle(self, line):
        """Apply one prefiltered line; return True when it belonged to a migration."""
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE]
        at, mig_id, side = _find_marker(line)
        if at < 0:
            return self._handle_start(line)
        mig = self._migration(mig_id, side)
        self._stamp(mig, line, at)
        rest = line[at + 4:]

        if "Stream connection" in rest:
            s = _STREAM.search(rest)
            if s:
                (mig.streams if s.group(2) == "added" else mig.streams_removed).add(int(s.group(1)))
                if s.group(2) == "added" and mig.last_bound is not None:
                    mig.bound[mig.last_bound] += 1
        elif "bound connection" in rest:
            s = _BOUND.search(rest)
            if s and s.group(1):
                mig.vmknics.setdefault(s.group(1), None)
                mig.bound.setdefault(s.group(1), 0)
                mig.last_bound = s.group(1)
        elif "Set ip address" in rest:
            s = _AFFINITY.search(rest)
            if s:
                if s.group(1):
                    mig.vmknics.setdefault(s.group(1), None)
                mig.world_ids.add(int(s.group(2)))
        elif "pre-copy" in rest:
            self._precopy(mig, rest)

        head = line[:at]
        if "WARNING" in head or "ALERT" in head or (") vmk" in head and _SEVERITY_WARN.search(head)):
            if len(mig.warnings) < MAX_MESSAGES:
                mig.warnings.append(_message(rest))
        if ("ail" in rest or "0xbad" in rest or "FAIL" in rest) and _FAILURE.search(rest) and len(mig.failure) < MAX_MESSAGES:
            mig.failure.append(_message(rest))
        return True

    def _handle_start(self, line):
        s = _START.search(line)
        if s is None:
            return False
        side = "source" if s.group(1)[0] in "sS" else "destination"
        mig = self._migration(s.group(3), side)
        head = line[:s.start()]
        self._stamp(mig, line, s.start())
        if s.group(4):
            mig.src_ip = s.group(4).strip()
        if s.group(5):
            mig.dst_ip = s.group(5).strip()
        for wid in (s.group(2), s.group(6)):
            # "Dest wid = 0" on the destination means "not known yet".
            if wid and int(wid):
                mig.world_ids.add(int(wid))
        vm = _VM_WORLD.search(head)
        if vm:
            mig.world_ids.add(int(vm.group(1)))
        return True

    @staticmethod
    def _stamp(mig, line, end):
        """Record the timestamp and the logging world found in line[:end], the text before the message."""
        t = _TIMESTAMP_ISO.match(line, 0, end) or _TIMESTAMP.match(line, 0, end)
        if t:
            stamp = t.group(t.lastindex or 0)
            if mig.first_ts is None:
                mig.first_ts = stamp
            mig.last_ts = stamp
        k = line.find("cpu", 0, end)
        if k >= 0:
            c = _CPU_WORLD.match(line, k, end) or _CPU_WORLD.search(line, k + 3, end)
            if c:
                mig.world_ids.add(int(c.group(1)))

    @staticmethod
    def _precopy(mig, rest):
        pages = _PAGES_LEFT.search(rest)
        goal = pages and _GOAL.search(rest, pages.end())
        bandwidth = goal and _BANDWIDTH.search(rest, goal.end())
        if bandwidth:
            mig.precopy = {
                "pages_left": int(pages.group(1)),
                "switchover_goal_s": float(goal.group(1)),
                BANDWIDTH_KEY: _to_mb(bandwidth.group(1), bandwidth.group(2)),
            }
            return
        pages = _CUR_PAGES.search(rest)
        bandwidth = pages and _BANDWIDTH.search(rest, pages.end())
        if bandwidth:
            # Stopped for lack of progress: no switchover goal is printed.
            mig.precopy = {"pages_left": int(pages.group(1)), "switchover_goal_s": None,
                           BANDWIDTH_KEY: _to_mb(bandwidth.group(1), bandwidth.group(2))}

    def migrations(self):
        """Migrations seen so far, as plain dicts, in order of first appearance."""
        return [mig.as_dict() for mig in self._migrations.values()]

    def result(self):
        return {"migrations": self.migrations(), "lines": self.lines, "skipped": self.skipped, "matched": self.matched}


def _find_marker(line):
    """Position, id and side of the first "<id> S: " marker in line, else of the first "<id> D: ", or (-1, None, None)."""
    for marker, side, pattern in _MARKERS:
        at = line.find(marker)
        if at >= 0:
            # The id ends where the first marker starts or later: search from the longest id before it.
            m = pattern.search(line, max(at - _ID_DIGITS[1], 0))
            if m:
                return m.end(1), m.group(1), side
    return -1, None, None


def _coerce(value):
    """A bytes line as text, or None for anything else."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return None


def split_lines(text):
    """Split on newlines only (str.splitlines also splits on form feeds and other separators)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        # A final newline ends the last line; it does not start an empty one.
        lines.pop()
    return lines


def parse_vmkernel_log(text_or_lines):
    """Parse a whole log (str, bytes or iterable of lines): {"migrations", "lines", "skipped", "matched"}."""
    parser = VmkernelLogParser()
    parser.feed_lines(text_or_lines)
    return parser.result()


def compare_migrations_with_vmks(migrations, vmotion_ips):
    """Judge each migration against the host's vMotion vmk IPs.

    ``migrations`` are dicts as returned by the parser; ``vmotion_ips`` the
    addresses of the host's vMotion vmks (a ``/prefix`` is ignored). A
    migration is ``ok`` when it did not fail, carried at least one stream
    per vMotion vmk, every vMotion vmk was bound and no other address was.

    Returns ``{"verdicts": [...], "summary": {...}}``; ``summary.ok`` is true
    only when there was at least one migration and every verdict is ok.
    """
    if isinstance(vmotion_ips, str):
        vmotion_ips = [vmotion_ips]
    expected = {}
    for ip in vmotion_ips or ():
        if ip is not None and str(ip).strip():
            expected.setdefault(canonical_address(ip), None)
    expected_set = set(expected)

    verdicts = []
    used_anywhere = set()
    failed = 0
    for mig in migrations or ():
        if not isinstance(mig, dict):
            continue
        # dict as an ordered set: a list's "in" made a migration with many vmknics quadratic.
        seen = dict.fromkeys(canonical_address(ip) for ip in mig.get("vmknics") or ())
        seen_set = set(seen)
        used_anywhere |= seen_set & expected_set
        unused = sorted(expected_set - seen_set, key=address_key)
        unexpected = sorted(seen_set - expected_set, key=address_key)
        try:
            seen_streams = int(mig.get("streams") or 0)
        except (TypeError, ValueError):
            seen_streams = 0
        is_failed = bool(mig.get("failed"))
        failed += is_failed
        # migrations parsed before the rename carry only the deprecated name
        bandwidth = mig.get(BANDWIDTH_KEY, mig.get(DEPRECATED_BANDWIDTH_KEY))
        verdicts.append({
            "id": mig.get("id"),
            "side": mig.get("side"),
            "expected_streams": len(expected_set),
            "seen_streams": seen_streams,
            "used_vmknics": [ip for ip in seen if ip in expected_set],
            "unused_vmknics": unused,
            "unexpected_vmknics": unexpected,
            "failed": is_failed,
            BANDWIDTH_KEY: bandwidth,
            DEPRECATED_BANDWIDTH_KEY: bandwidth,
            "ok": (not is_failed and not unused and not unexpected and seen_streams >= len(expected_set)),
        })
    summary = {
        "migrations": len(verdicts),
        "failed": failed,
        "not_ok": sum(1 for v in verdicts if not v["ok"]),
        "vmknics_never_used": sorted(expected_set - used_anywhere, key=address_key),
        "ok": bool(verdicts) and all(v["ok"] for v in verdicts),
    }
    return {"verdicts": verdicts, "summary": summary}


# ---------------------------------------------------------------- judging a host's migrations


def vmotion_vmks(facts):
    """[{device, ip}] for the vMotion vmks of a host dict, in device order; a vmk without an address is left out.

    The address a vmk's stream is expected on: its IPv4 address, else its first global IPv6 address
    (addresses' order).
    """
    found = []
    for vmk in facts.get("vmks") or ():
        if is_vmotion(vmk):
            ips = addresses(vmk)
            if ips:
                found.append({"device": vmk["device"], "ip": ips[0]})
    return found


def _named(ips, vmks):
    """The vmks (device and ip) of these addresses, in the order of vmks."""
    wanted = set(ips)
    return [v for v in vmks if canonical_address(v["ip"]) in wanted]


def _what(name, mig):
    stamp = ", %s" % mig["first_ts"] if mig.get("first_ts") else ""
    return "%s: migration %s (%s%s)" % (name, mig["id"], mig["side"], stamp)


def _names(vmks):
    return ", ".join("%s (%s)" % (v["device"], v["ip"]) for v in vmks)


def judge_host(name, migrations, vmks):
    """Per-migration judgement and the host verdict for parsed migrations and the host's vMotion vmks."""
    expected = len(set(canonical_address(v["ip"]) for v in vmks))
    # The start line carries the migration's IPs; without it the read began mid-migration (short
    # window, rotated log) and the vmknics bound before are unknown, so streams are not judged.
    partial = [m for m in migrations if not (m.get("src_ip") or m.get("dst_ip"))]
    judged = [m for m in migrations if m.get("src_ip") or m.get("dst_ip")]
    comparison = compare_migrations_with_vmks(judged, [v["ip"] for v in vmks])

    entries, missing, failed, problems = [], [], [], []
    for mig, verdict in zip(judged, comparison["verdicts"]):
        entry = dict(mig, partial=False, expected_streams=verdict["expected_streams"],
                     used_vmks=_named(verdict["used_vmknics"], vmks), unused_vmks=_named(verdict["unused_vmknics"], vmks),
                     unexpected_vmknics=verdict["unexpected_vmknics"], ok=verdict["ok"])
        entries.append(entry)
        what = _what(name, mig)
        if entry["unused_vmks"] or verdict["seen_streams"] < verdict["expected_streams"]:
            gap = {"id": mig["id"], "side": mig["side"], "seen_streams": verdict["seen_streams"],
                   "expected_streams": verdict["expected_streams"], "unused_vmks": entry["unused_vmks"]}
            gap["message"] = "%s carried %d stream(s) for %d vMotion vmk(s)" % (what, gap["seen_streams"], gap["expected_streams"])
            if gap["unused_vmks"]:
                gap["message"] += "; no stream on %s" % _names(gap["unused_vmks"])
            missing.append(gap)
            problems.append(gap["message"])
        if entry["unexpected_vmknics"]:
            problems.append("%s bound %s, not a vMotion vmk of the host" % (what, ", ".join(entry["unexpected_vmknics"])))
    for mig in partial:
        entries.append(dict(mig, partial=True, expected_streams=expected, used_vmks=[], unused_vmks=[],
                            unexpected_vmknics=[], ok=None))
    # A logged failure counts even when the migration began before the lines read.
    for mig in migrations:
        if mig.get("failed"):
            failed.append(mig["id"])
            reason = (mig.get("failure") or [""])[0]
            problems.append("%s failed%s" % (_what(name, mig), ": %s" % reason if reason else ""))
    # Keep the log's order of first appearance whatever was judged.
    order = dict(((m["id"], m["side"]), i) for i, m in enumerate(migrations))
    entries.sort(key=lambda e: order[(e["id"], e["side"])])

    # Every judged migration that is not ok left a problem, and so did every failure.
    status = "not_ok" if problems else "ok" if judged else "no_migrations"
    verdict = {
        "status": status,
        "expected_streams": expected,
        "migrations": len(judged),
        "partial": len(partial),
        "failed": failed,
        "missing_streams": missing,
        "vmks_never_used": _named(comparison["summary"]["vmknics_never_used"], vmks) if judged else [],
        "problems": problems,
    }
    return entries, verdict


def unreadable_verdict(vmks, message, status="unreadable"):
    """The verdict of a host whose log could not be read (status unreadable), or that vCenter cannot reach (not_read):
    same shape as judge_host's, nothing judged."""
    return {"status": status, "expected_streams": len(vmks), "migrations": 0, "partial": 0, "failed": [],
            "missing_streams": [], "vmks_never_used": [], "problems": [message]}


def log_summary(hosts):
    """Counts over {name: {"migrations", "verdict", "log"}} as vmotion_log_facts returns them."""
    verdicts = dict((name, h["verdict"]) for name, h in hosts.items())
    judged = sum(v["migrations"] for v in verdicts.values())
    return {
        "hosts": len(hosts),
        "migrations": judged,
        "partial": sum(v["partial"] for v in verdicts.values()),
        "failed": sum(len(v["failed"]) for v in verdicts.values()),
        "missing_streams": sum(len(v["missing_streams"]) for v in verdicts.values()),
        "not_ok": sum(1 for h in hosts.values() for m in h["migrations"] if m["ok"] is False),
        "hosts_not_ok": [n for n, v in verdicts.items() if v["status"] == "not_ok"],
        "hosts_without_migrations": [n for n, v in verdicts.items() if v["status"] == "no_migrations"],
        "unreadable": [n for n, v in verdicts.items() if v["status"] == "unreadable"],
        "not_read": [n for n, v in verdicts.items() if v["status"] == "not_read"],
        "calls": sum(h["log"].get("calls", 0) for h in hosts.values()),
        "ok": judged > 0 and all(v["status"] in ("ok", "no_migrations") for v in verdicts.values()),
    }
