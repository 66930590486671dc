# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canary migration, pure: the route one VM takes across the hosts (ring, star or pairs), what must hold before
the first migration, and the verdict of each migration from its task and the two hosts' vmkernel.log lines.

Since ESXi 7.0 U2 a migration opens several streams per vMotion vmk, so a migration is judged by the vmks that carried
streams, not by the number of streams: ``ok`` when every vMotion vmk of both hosts was bound, ``degraded`` when some
carried nothing (named with their addresses), ``failed`` when the task or the log says so, ``no_log`` when the task
succeeded but neither log shows the migration (nothing proven about the NICs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import BANDWIDTH_KEY, compare_migrations_with_vmks
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import addresses, canonical_address, is_vmotion, natural_key

STRATEGIES = ("ring", "star", "pairs")
VERDICTS = ("ok", "degraded", "failed", "no_log")
# Why a hop is in the route: a test the strategy asks for, moving the VM to where the next test starts, or home.
PURPOSES = ("test", "position", "return")


class CanaryError(ProblemsError):
    """The canary cannot run as asked; ``problems`` lists every reason, nothing was migrated."""


def _hop(source, destination, purpose="test"):
    return {"source": source, "destination": destination, "purpose": purpose}


def canary_route(hosts, home, strategy, center=None, pairs=None):
    """The ordered migrations of the canary VM, starting and ending on ``home`` (the host it is on).

    ring: each host of ``hosts`` (name order) from the previous one, beginning after home, so that every host is
    once a source and once a destination. star: ``center`` (the host about to go into maintenance) to each other
    host and back; the VM first goes to the center when it is elsewhere. pairs: each (source, destination) in the
    order given, the VM moved to the next source first when it is not there. The VM returns home at the end.
    """
    names = sorted(set(hosts), key=natural_key)
    problems = []
    if strategy not in STRATEGIES:
        raise CanaryError(["strategy %r must be one of %s" % (strategy, ", ".join(STRATEGIES))])
    if home not in names:
        problems.append("the VM is on %s, which is not in scope (%s)" % (home, ", ".join(names) or "none"))
    if strategy == "star":
        if center is None:
            problems.append("strategy star needs star_host: the host the VM migrates to and from (the one about to go into maintenance)")
        elif center not in names:
            problems.append("star_host %s is not a host in scope (%s)" % (center, ", ".join(names)))
    if strategy == "pairs":
        if not pairs:
            problems.append("strategy pairs needs pairs: a list of {source, destination}")
        for position, pair in enumerate(pairs or ()):
            for side in ("source", "destination"):
                if pair.get(side) not in names:
                    problems.append("pairs[%d].%s %s is not a host in scope" % (position, side, pair.get(side)))
            if pair.get("source") == pair.get("destination"):
                problems.append("pairs[%d]: source and destination are both %s" % (position, pair.get("source")))
    if strategy != "pairs" and len(names) < 2:
        problems.append("a canary needs two hosts in scope, found %d" % len(names))
    if problems:
        raise CanaryError(problems)
    if strategy == "ring":
        start = names.index(home)
        order = names[start:] + names[:start]
        return [_hop(order[i], order[(i + 1) % len(order)]) for i in range(len(order))]
    if strategy == "star":
        wanted = [p for other in names if other != center for p in ((center, other), (other, center))]
    else:
        wanted = [(p["source"], p["destination"]) for p in pairs]
    route, at = [], home
    for source, destination in wanted:
        if at != source:
            route.append(_hop(at, source, "position"))
        route.append(_hop(source, destination))
        at = destination
    if at != home:
        route.append(_hop(at, home, "return"))
    return route


def next_hop(hop, at, failed_into, resource):
    """(the hop as it runs with the VM on ``at``, None) or (None, why it is not run).

    A hop into a host a migration already failed to reach is not retried; a hop from a host the VM is not on (an earlier
    migration failed and left it behind) runs from where the VM is when ``resource`` (a ring: every host still gets
    its turn), else not (a star or pairs: the hop was about its source).
    """
    if hop["destination"] in failed_into:
        return None, "a migration into %s already failed" % hop["destination"]
    if hop["destination"] == at:
        return None, "the VM is already on %s" % at
    if hop["source"] == at:
        return hop, None
    if resource:
        return dict(hop, source=at, planned_source=hop["source"]), None
    return None, "the VM never got to %s" % hop["source"]


def canary_problems(vm, route, hosts):
    """Every reason the route cannot run, before the first migration.

    vm: {"name", "power", "datastores": {id: name}}; hosts: {name: {"state": connection state, "maintenance", "vmks": the
    host's vMotion vmks (device, ip), "datastores": the ids it mounts, or None when not read}}.
    """
    problems = []
    if vm.get("power") != "poweredOn":
        problems.append("VM %s is %s: the canary migrates a running VM (vMotion), so it must be powered on" % (vm["name"], vm.get("power")))
    involved = sorted(set(h for hop in route for h in (hop["source"], hop["destination"])), key=natural_key)
    for name in involved:
        host = hosts[name]
        if host.get("state") not in (None, "connected"):
            problems.append("%s is %s: vCenter cannot migrate to or from it" % (name, host["state"]))
            continue
        if not host.get("vmks"):
            problems.append("%s has no vMotion vmk with an address" % name)
    for name in sorted(set(hop["destination"] for hop in route if hop["purpose"] != "return"), key=natural_key):
        if hosts[name].get("maintenance"):
            problems.append("%s is in maintenance mode: vCenter places no VM on it" % name)
        stores = vm.get("datastores") or {}
        missing = sorted(stores[key] for key in set(stores) - set(hosts[name].get("datastores") or ()))
        if hosts[name].get("datastores") is not None and missing:
            problems.append("%s does not see datastore(s) %s of VM %s: the migration would need a storage move, which the canary "
                            "never does" % (name, ", ".join(missing), vm["name"]))
    return problems


def _logged(migrations, side, own_ips, peer_ips):
    """The last migration of one side whose addresses are the two hosts' (the start line names both), or None."""
    both = own_ips | peer_ips
    found = [m for m in migrations
             if m.get("side") == side and (canonical_address(m.get("src_ip") or "") in both or canonical_address(m.get("dst_ip") or "") in both)]
    return found[-1] if found else None


def _side(migration, vmks):
    """{"used": [device], "unused": ["device (address)"], "streams": n} of one host's vMotion vmks in its log's migration."""
    if migration is None:
        return {"used": [], "unused": _names(vmks), "streams": 0}
    verdict = compare_migrations_with_vmks([migration], [v["ip"] for v in vmks])["verdicts"][0]
    used = set(verdict["used_vmknics"])
    return {"used": [v["device"] for v in vmks if canonical_address(v["ip"]) in used],
            "unused": _names([v for v in vmks if canonical_address(v["ip"]) not in used]), "streams": verdict["seen_streams"]}


def _names(vmks):
    return ["%s (%s)" % (v["device"], v["ip"]) for v in vmks]


def index_gaps(hop, source_facts, destination_facts):
    """Sentences naming each vMotion index one host has on and the other off: vMotion then tries another address of the
    peer, which non-routed subnets do not reach, and that stream fails (the seed's outage)."""
    gaps = []
    for one, other in (("source", "destination"), ("destination", "source")):
        own = dict((v.get("device"), v) for v in (source_facts if one == "source" else destination_facts).get("vmks") or ())
        peer = dict((v.get("device"), v) for v in (destination_facts if one == "source" else source_facts).get("vmks") or ())
        for device in sorted(own, key=natural_key):
            if is_vmotion(own[device]) and device in peer and not is_vmotion(peer[device]):
                found = addresses(peer[device])
                gaps.append("%s %s%s has vMotion off where %s's %s has it on" % (
                    hop[other], device, " (%s)" % found[0] if found else "", hop[one], device))
    return gaps


def judge_migration(hop, task, source_vmks, destination_vmks, source_migrations, destination_migrations, gaps=()):
    """The verdict of one migration.

    task: {"state": success|error|cancelled|timeout, "fault": text, "seconds": float}; *_vmks: the hosts' vMotion vmks
    (device, ip); *_migrations: what the parser found in each host's log lines written since the migration began; gaps:
    index_gaps of the two hosts, said when the migration failed or lost streams.
    """
    source_ips = set(canonical_address(v["ip"]) for v in source_vmks)
    destination_ips = set(canonical_address(v["ip"]) for v in destination_vmks)
    logged_source = _logged(source_migrations, "source", source_ips, destination_ips)
    logged_destination = _logged(destination_migrations, "destination", destination_ips, source_ips)
    sides = {"source": _side(logged_source, source_vmks), "destination": _side(logged_destination, destination_vmks)}
    logged = [m for m in (logged_source, logged_destination) if m is not None]
    problems = []
    if task["state"] != "success":
        problems.append({"timeout": "the migration did not end within %s s and was cancelled" % task.get("limit"),
                         "cancelled": "the migration was cancelled"}.get(task["state"], "the migration failed: %s" % task.get("fault")))
    for migration in logged:
        if migration.get("failed"):
            host = hop["source"] if migration is logged_source else hop["destination"]
            problems.append("%s's log: %s" % (host, "; ".join((migration.get("failure") or ["the migration failed"])[:2])))
    for side in ("source", "destination"):
        if logged and sides[side]["unused"]:
            problems.append("%s %s carried no stream" % (hop[side], ", ".join(sides[side]["unused"])))
    # a source vmk bound for the migration whose connection never opened (a cable in the wrong island, a route missing)
    silent = set(canonical_address(ip) for ip in (logged_source or {}).get("bound_without_stream") or ())
    quiet = _names([v for v in source_vmks if canonical_address(v["ip"]) in silent])
    if quiet:
        problems.append("%s %s opened no stream to %s (bound, never connected)" % (hop["source"], ", ".join(quiet), hop["destination"]))
    expected = min(len(source_vmks), len(destination_vmks)) if source_vmks and destination_vmks else 0
    streams = sides["source"]["streams"] or sides["destination"]["streams"]
    if logged and streams < expected:
        problems.append("%d stream(s) opened for %d vMotion vmk(s) on each side" % (streams, expected))
    if problems:
        problems.extend(gaps)
    if task["state"] != "success" or any(m.get("failed") for m in logged):
        verdict = "failed"
    elif not logged:
        verdict = "no_log"
        problems.append("neither host's vmkernel.log shows the migration, so which vmks carried it is not known")
    elif sides["source"]["unused"] or sides["destination"]["unused"] or streams < expected or quiet:
        verdict = "degraded"
    else:
        verdict = "ok"
    bandwidth = next((m.get(BANDWIDTH_KEY) for m in logged if m.get(BANDWIDTH_KEY) is not None), None)
    return dict(hop, verdict=verdict, ok=verdict == "ok", seconds=task.get("seconds"), fault=task.get("fault"),
                migration_id=(logged[0]["id"] if logged else None), streams=streams,
                source_vmks=sides["source"], destination_vmks=sides["destination"], problems=problems,
                log_seconds=next((m.get("duration_s") for m in logged if m.get("duration_s") is not None), None),
                **{BANDWIDTH_KEY: bandwidth})


def failure_lines(results, limit=600):
    """One line per migration that is not ok: source -> destination, verdict, and why, the peers' vmks first (the vMotion
    off on a peer index, the vmk that opened no stream), then the fault, cut to ``limit`` characters."""
    lines = []
    for result in results:
        if result["verdict"] == "ok":
            continue
        named = [p for p in result["problems"] if " has vMotion off " in p or " opened no stream " in p or " carried no stream" in p]
        why = "; ".join(named or result["problems"][:1])
        lines.append("%s -> %s: %s (%s)" % (result["source"], result["destination"], result["verdict"],
                                            why if len(why) <= limit else why[:limit - 3] + "..."))
    return lines


def canary_summary(results, route):
    """How many migrations were planned and run (a hop whose destination the VM was already on after a failure is not run;
    a return after a failure adds one), the count of each verdict, and ``ok``: every planned migration ran and was ok."""
    counts = dict((v, sum(1 for r in results if r["verdict"] == v)) for v in VERDICTS)
    return {"planned": len(route), "run": len(results), "not_run": max(len(route) - len(results), 0), "verdicts": counts,
            "ok": len(results) >= len(route) and counts["ok"] == len(results) and bool(results)}


def join_runs(results):
    """One canary verdict for the runs of several vCenters (registered vmotion_canary results; skipped ones left out):
    {"runs": the results that ran or were planned, "problems": why a run could not start, "ok": every planned migration
    of every run ok and no problem, "summaries": each run's summary}."""
    results = [r for r in results or () if isinstance(r, dict) and not r.get("skipped")]
    refused = [r for r in results if r.get("failed") and not r.get("migrations")]  # stopped before the first migration
    runs = [r for r in results if isinstance(r.get("route"), list) and isinstance(r.get("migrations"), list) and r not in refused]
    problems = [str(r.get("msg")) for r in refused]
    ok = not problems and all((r.get("summary") or {}).get("ok") for r in runs)
    return {"runs": runs, "problems": problems, "ok": ok, "summaries": [r.get("summary") for r in runs]}
