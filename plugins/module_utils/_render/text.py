# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Markdown, HTML and console renderers share: checks of their input and the words they use."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import (
    CLEAN_TEXT,
    check_audit,
    compare_audits,
    count_problem,
    losing_pairs,
    pair_reasons,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import SEVERITIES, FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key


def _check_count(value, name):
    problem = count_problem(value, name)
    if problem:
        raise FindingsError([problem])


def _capped(items, limit):
    return list(items) if limit is None else list(items)[:limit]


def _plural(count, word, words=None):
    return "%d %s" % (count, word if count == 1 else (words or word + "s"))


def _severity_text(counts):
    parts = ["%d %s" % (counts.get(s, 0), s) for s in reversed(SEVERITIES) if counts.get(s)]
    return ", ".join(parts) or "none"


def _streams_text(streams):
    low, high = streams.get("min"), streams.get("max")
    if low is None:
        return "no other host"
    return str(low) if low == high else "%d-%d" % (low, high)


# The column of each index state in the indexes tables (INDEX_STATES' order).
INDEX_HEADERS = ["vMotion on", "vMotion off", "In another subnet", "DHCP without a lease", "Missing"]
# How a host's index that is not on reads, in the console and the hosts table.
STATE_TEXT = {"off": "vMotion off", "other_subnet": "in another subnet", "no_lease": "no DHCP lease", "missing": "missing", "n/a": "n/a"}


def _not_on_text(host, devices):
    """'vmk2, vmk6 vMotion off; vmk4 missing': a host's indexes that are not on, by state, in device order."""
    by_state = {}
    for device, state in _not_on(host, devices):
        by_state.setdefault(state, []).append(device)
    return "; ".join("%s %s" % (", ".join(names), STATE_TEXT.get(state, state)) for state, names in by_state.items())


def _not_on(host, devices):
    """The indexes of a host whose state is not ``on``, as (device, state), in device order."""
    states = host.get("indexes") or {}
    return [(d, states.get(d)) for d in devices if states.get(d) != "on"]


def index_subnet(index):
    """The Subnet cell of an index: its subnet, or for a routed index (a subnet per group of hosts) the most common one
    and that it is routed."""
    if index.get("routed"):
        return "routed (a subnet per group; most: %s)" % index.get("subnet")
    return index.get("subnet")


def _grid_cell(entry, index, state):
    if state == "n/a":
        return "-"
    if state == "missing":
        return "**missing**"
    text = "DHCP, no lease" if state == "no_lease" else "%s (DHCP)" % entry.get("ip") if entry.get("dhcp") else entry.get("ip") or "no IP"
    notes = []
    if state == "other_subnet":
        notes.append("other subnet %s" % (entry.get("subnet") or "none"))
    if not entry.get("vmotion"):
        notes.append("vMotion off")
    if index.get("mtu") is not None and entry.get("mtu") is not None and entry["mtu"] != index["mtu"]:
        notes.append("MTU %s" % entry["mtu"])
    return "%s **%s**" % (text, ", ".join(notes)) if notes else text


def _verdict(summary):
    if summary.get("clean"):
        return CLEAN_TEXT
    text = "Findings: %s. Host pairs: %d of %d lose streams, %d fail." % (
        _severity_text(summary.get("findings") or {}), losing_pairs(summary), summary.get("pairs", 0), summary.get("failing_pairs", 0))
    if summary.get("hosts_not_read"):
        text += " %d host(s) not read." % summary["hosts_not_read"]
    return text


def _not_read_text(audit):
    """'1 not read (192.168.100.110: not responding)', or '' when every host was read."""
    hosts = audit.get("not_read") or []
    if not hosts:
        return ""
    named = ["%s: %s" % (h["name"], STATE_WORDS.get(h.get("connection_state"), h.get("connection_state"))) for h in hosts]
    return "%d not read (%s)" % (len(hosts), ", ".join(named))


# HostSystemConnectionState as people say it
STATE_WORDS = {"notResponding": "not responding", "disconnected": "disconnected"}


def _about_facts(about):
    """What was audited, where and with what: (label, text) for the values given."""
    vcenter = about.get("vcenter")
    if isinstance(vcenter, (list, tuple)):
        vcenter = ", ".join(str(v) for v in vcenter if v)
    facts = [("vCenter", vcenter), ("Scope", about.get("scope")), ("Generated", about.get("generated")),
             ("Collection", "multinic.vmotion %s" % about["version"] if about.get("version") else None)]
    return [(label, str(text)) for label, text in facts if text]


def _where(item, several):
    """A host as the reports name it: with its vCenter when the audit has several."""
    return "%s (%s)" % (item.get("host") or item.get("name"), item["vcenter"]) if several and item.get("vcenter") else item.get("host") or item.get("name")


def _several_vcenters(items):
    return len(set(i.get("vcenter") for i in items if i.get("vcenter"))) > 1


def _not_read_rows(not_read):
    several = _several_vcenters(not_read)
    return [[_where(h, several), h.get("cluster"), "not read: %s" % h.get("connection_state"), "yes" if h.get("maintenance") else "no"]
            for h in not_read]


NOT_READ_HEADER = ["Host", "Cluster", "State", "Maintenance mode"]


NOT_READ_TEXT = ("vCenter cannot reach these hosts (disconnected, or not responding: what it shows of them is stale), so the "
                 "audit judged nothing on them and paired no stream with them. Reconnect them and audit again.")


def pair_groups(pairs):
    """The pairs that fail or lose streams grouped by root cause: the set of reasons (clauses of ``why``) they share.

    Returns ``[{"causes": [clause], "pairs": [pair], "fails", "streams": (min, max), "expected": (min, max)}]``,
    failing groups first, then the most pairs. In the seed fleet, the 60 pairs of the vmks off on 3 hosts make 6 groups.
    """
    groups = {}
    for pair in pairs:
        why = pair.get("why") or pair_reasons(pair)
        key = tuple(sorted(set(why.split("; ")), key=natural_key))
        groups.setdefault(key, []).append(pair)
    result = []
    for causes, members in groups.items():
        result.append({"causes": list(causes), "pairs": members, "fails": sum(1 for p in members if p["fails"]),
                       "streams": (min(p["streams"] for p in members), max(p["streams"] for p in members)),
                       "expected": (min(p["expected"] for p in members), max(p["expected"] for p in members))})
    result.sort(key=lambda g: (-g["fails"], -len(g["pairs"]), natural_key(g["causes"][0])))
    return result


def _streams_range(group):
    low, high = group["streams"]
    expected_low, expected_high = group["expected"]
    streams = str(low) if low == high else "%d-%d" % (low, high)
    expected = str(expected_low) if expected_low == expected_high else "%d-%d" % (expected_low, expected_high)
    return "%s of %s" % (streams, expected)


GROUP_HEADER = ["Why", "Pairs", "Streams", "Host pairs (A <-> B: both ways)"]


def _group_rows(groups):
    return [["; ".join(g["causes"]), len(g["pairs"]), _streams_range(g) + (" (%d fail)" % g["fails"] if g["fails"] else ""),
             "; ".join(compact_pairs(g["pairs"]))] for g in groups]


def _log_parts(logs):
    """(summary, hosts) of vmotion_log_facts' result (or of the role's {summary, hosts}); None when there is none."""
    if not isinstance(logs, dict) or not isinstance(logs.get("summary"), dict):
        return None
    return logs["summary"], logs.get("hosts") if isinstance(logs.get("hosts"), dict) else {}


def _log_rows(hosts):
    rows = []
    for name in sorted(hosts, key=natural_key):
        verdict = (hosts[name] or {}).get("verdict") or {}
        rows.append([name, (verdict.get("status") or "").replace("_", " "), verdict.get("migrations", 0), len(verdict.get("missing_streams") or ()),
                     len(verdict.get("failed") or ()), ", ".join(v.get("device", "") for v in verdict.get("vmks_never_used") or ()) or "none",
                     " ".join((verdict.get("problems") or [])[:3]) + (" ..." if len(verdict.get("problems") or ()) > 3 else "")])
    return rows


def _log_verdict(summary):
    return "%s judged, %d with a missing stream, %d failed; hosts not ok: %s; unreadable: %s" % (
        _plural(summary.get("migrations", 0), "migration"), summary.get("missing_streams", 0), summary.get("failed", 0),
        ", ".join(summary.get("hosts_not_ok") or ()) or "none", ", ".join(summary.get("unreadable") or ()) or "none")


LOG_HEADER = ["Host", "Verdict", "Migrations judged", "Missing a stream", "Failed", "vMotion vmks never used", "Problems"]


# How a ping verdict reads in a matrix cell; the class colours it in the HTML report.
PING_MARKS = {"ok": ("ok", "full"), "packet_loss": ("loss", "lost1"), "mtu_too_small": ("MTU", "lost2"), "no_path": ("none", "fails"),
              "link_down": ("down", "fails"), "no_address": ("addr", "lost3"), "error": ("err", "lost3")}


def _ping_verdict(summary):
    verdicts = ", ".join("%d %s" % (n, v.replace("_", " ")) for v, n in sorted((summary.get("verdicts") or {}).items()) if n and v != "ok")
    return "%d of %d pairs answer at full size (%s)%s" % (
        summary.get("ok", 0), summary.get("pairs", 0), summary.get("strategy") or "?", "; " + verdicts if verdicts else "")


def _report_parts(audit, who, max_rows, previous):
    """What both renderers start from, after checking their input: comparison, summary, hosts, indexes, devices, host names."""
    check_audit(audit, who)
    _check_count(max_rows, "max_rows")
    indexes = audit.get("indexes") or {}
    return (compare_audits(previous, audit) if previous else None, audit["summary"], audit["hosts"], indexes,
            sorted(indexes, key=natural_key), sorted(audit["hosts"], key=natural_key))


def compact_pairs(pairs):
    """Host pairs in few words: ``A <-> B, C`` where both directions are listed, ``A -> B`` where one is; one text per hub host."""
    ordered = set((p["source"], p["destination"]) for p in pairs)
    both = set(frozenset(e) for e in ordered if (e[1], e[0]) in ordered)
    one = set(e for e in ordered if frozenset(e) not in both)
    texts = []
    for arrow, edges in (("<->", [tuple(sorted(e, key=natural_key)) for e in both]), ("->", list(one))):
        edges = set(edges)
        while edges:
            counts = {}
            for edge in edges:
                for position, host in enumerate(edge):
                    if arrow == "<->" or position == 0:
                        counts[host] = counts.get(host, 0) + 1
            hub = sorted(counts, key=lambda h: (-counts[h], natural_key(h)))[0]
            mine = [e for e in edges if e[0] == hub or (arrow == "<->" and e[1] == hub)]
            peers = sorted((e[1] if e[0] == hub else e[0] for e in mine), key=natural_key)
            texts.append("%s %s %s" % (hub, arrow, ", ".join(peers)))
            edges -= set(mine)
    return texts


def report_about(audit, esxi_hostnames=(), cluster_name=None, datacenter=None, unread=(), version=None):
    """The reports' header: the vCenters read, the scope asked for with what was read of it, the collection's version.

    ``unread`` lists the vCenters that could not be read ({"vcenter", ...}).
    """
    check_audit(audit, "vmotion_audit_about")
    asked = [text for text in ("ESXi hosts " + ", ".join(esxi_hostnames) if esxi_hostnames else "",
                               "cluster " + cluster_name if cluster_name else "",
                               "datacenter " + datacenter if datacenter else "") if text]
    summary = audit["summary"]
    scope = "%s; %s host(s) read" % (", ".join(asked) or "the hosts of the play", summary.get("hosts", 0))
    if summary.get("hosts_not_read"):
        scope += ", %s not read" % summary["hosts_not_read"]
    clusters = sorted(set(h.get("cluster") for h in (audit.get("hosts") or {}).values() if h.get("cluster")))
    scope += ", cluster(s): %s" % (", ".join(clusters) or "none")
    vcenters_unread = [u.get("vcenter") for u in unread or () if isinstance(u, dict)]
    if vcenters_unread:
        scope += "; NOT READ: %s" % ", ".join(vcenters_unread)
    return {"vcenter": ", ".join(audit.get("vcenters") or []) or "unknown", "scope": scope, "version": version}
