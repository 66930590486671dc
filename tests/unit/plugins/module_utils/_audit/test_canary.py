# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.canary import (
    CanaryError,
    canary_problems,
    canary_route,
    canary_summary,
    judge_migration,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import parse_vmkernel_log

SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "fixtures", "seed-vmkernel.log")
HOSTS = ["esx-c", "esx-a", "esx-b"]
SEED_114 = [{"device": "vmk%d" % i, "ip": "172.16.%d.114" % (i if i != 6 else 0)} for i in (1, 2, 3, 4, 6)]
SEED_115 = [{"device": "vmk%d" % i, "ip": "172.16.%d.115" % (i if i != 6 else 0)} for i in (1, 2, 3, 4, 6)]


def seed_source_migrations():
    """The seed's real migration: the source side, .114 to .115, five vmks bound, 571 MB/s."""
    with open(SEED_PATH, encoding="utf-8") as handle:
        lines = handle.read().splitlines()[:40]
    return parse_vmkernel_log(lines)["migrations"]


def hops(route):
    return [(h["source"], h["destination"], h["purpose"]) for h in route]


class TestRoute:
    def test_ring_visits_every_host_once_and_ends_home(self):
        assert hops(canary_route(HOSTS, "esx-b", "ring")) == [
            ("esx-b", "esx-c", "test"), ("esx-c", "esx-a", "test"), ("esx-a", "esx-b", "test")]
        assert hops(canary_route(["esx-a", "esx-b"], "esx-a", "ring")) == [("esx-a", "esx-b", "test"), ("esx-b", "esx-a", "test")]

    def test_star_goes_to_and_from_the_center_positioning_first(self):
        assert hops(canary_route(HOSTS, "esx-a", "star", center="esx-b")) == [
            ("esx-a", "esx-b", "position"), ("esx-b", "esx-a", "test"), ("esx-a", "esx-b", "test"),
            ("esx-b", "esx-c", "test"), ("esx-c", "esx-b", "test"), ("esx-b", "esx-a", "return")]

    def test_pairs_in_order_with_positioning_and_return(self):
        route = canary_route(HOSTS, "esx-a", "pairs", pairs=[{"source": "esx-b", "destination": "esx-c"}])
        assert hops(route) == [("esx-a", "esx-b", "position"), ("esx-b", "esx-c", "test"), ("esx-c", "esx-a", "return")]

    def test_every_problem_of_the_request_at_once(self):
        with pytest.raises(CanaryError) as info:
            canary_route(HOSTS, "esx-z", "pairs", pairs=[{"source": "esx-a", "destination": "esx-a"}, {"source": "esx-q", "destination": "esx-b"}])
        assert info.value.problems == [
            "the VM is on esx-z, which is not in scope (esx-a, esx-b, esx-c)",
            "pairs[0]: source and destination are both esx-a",
            "pairs[1].source esx-q is not a host in scope",
        ]
        with pytest.raises(CanaryError, match="strategy star needs star_host"):
            canary_route(HOSTS, "esx-a", "star")
        with pytest.raises(CanaryError, match="strategy 'mesh' must be one of ring, star, pairs"):
            canary_route(HOSTS, "esx-a", "mesh")


def test_prerequisites_name_the_vm_the_hosts_and_the_datastores():
    route = canary_route(HOSTS, "esx-a", "ring")
    hosts = {"esx-a": {"state": "connected", "vmks": SEED_114, "datastores": ["ds1"]},
             "esx-b": {"state": "connected", "vmks": [], "maintenance": True, "datastores": ["ds1"]},
             "esx-c": {"state": "connected", "vmks": SEED_115, "datastores": ["ds2"]}}
    problems = canary_problems({"name": "canary", "power": "poweredOff", "datastores": {"ds1": "local-01"}}, route, hosts)
    assert problems == [
        "VM canary is poweredOff: the canary migrates a running VM (vMotion), so it must be powered on",
        "esx-b has no vMotion vmk with an address",
        "esx-b is in maintenance mode: vCenter places no VM on it",
        "esx-c does not see datastore(s) local-01 of VM canary: the migration would need a storage move, which the canary never does",
    ]


class TestJudge:
    hop = {"source": "192.168.100.114", "destination": "192.168.100.115", "purpose": "test"}

    def test_the_seeds_migration_used_every_vmk_of_the_source(self):
        result = judge_migration(self.hop, {"state": "success", "seconds": 15.2}, SEED_114, SEED_115, seed_source_migrations(), [])
        assert result["source_vmks"]["unused"] == [] and result["source_vmks"]["used"] == ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]
        # the destination's log was not given: its vmks are not proven, so the migration is degraded, naming them
        assert result["verdict"] == "degraded" and result["bandwidth_mbytes_per_s"] == pytest.approx(571.132)
        assert "192.168.100.115 vmk1 (172.16.1.115), vmk2 (172.16.2.115)" in result["problems"][0]

    def test_a_source_vmk_that_carried_nothing_is_named(self):
        fewer = [dict(m, vmknics=[ip for ip in m["vmknics"] if ip != "172.16.3.114"]) for m in seed_source_migrations()]
        result = judge_migration(self.hop, {"state": "success"}, SEED_114, [], fewer, [])
        assert result["verdict"] == "degraded" and result["source_vmks"]["unused"] == ["vmk3 (172.16.3.114)"]
        assert result["problems"] == ["192.168.100.114 vmk3 (172.16.3.114) carried no stream"]

    def test_a_task_that_fails_or_overruns_is_failed_and_nothing_logged_is_no_log(self):
        failed = judge_migration(self.hop, {"state": "error", "fault": "InvalidHostState: maintenance"}, SEED_114, SEED_115, [], [])
        assert failed["verdict"] == "failed" and failed["problems"][0] == "the migration failed: InvalidHostState: maintenance"
        late = judge_migration(self.hop, {"state": "timeout", "limit": 60}, SEED_114, SEED_115, [], [])
        assert late["problems"][0] == "the migration did not end within 60 s and was cancelled"
        quiet = judge_migration(self.hop, {"state": "success"}, SEED_114, SEED_115, [], [])
        assert quiet["verdict"] == "no_log" and not quiet["ok"]
        summary = canary_summary([failed, quiet], [self.hop] * 3)
        assert (summary["verdicts"]["failed"], summary["verdicts"]["no_log"], summary["not_run"], summary["ok"]) == (1, 1, 1, False)


def test_after_a_failure_the_route_goes_on_from_where_the_vm_is():
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.canary import failure_lines, next_hop
    hop = {"source": "esx-b", "destination": "esx-c", "purpose": "test"}
    assert next_hop(hop, "esx-b", set(), True) == (hop, None)
    assert next_hop(hop, "esx-a", set(), True) == (dict(hop, source="esx-a", planned_source="esx-b"), None)  # a ring goes on
    assert next_hop(hop, "esx-a", set(), False) == (None, "the VM never got to esx-b")  # a star's hop was about its source
    assert next_hop(hop, "esx-c", set(), True) == (None, "the VM is already on esx-c")
    assert next_hop(hop, "esx-b", {"esx-c"}, True) == (None, "a migration into esx-c already failed")
    failed = {"source": "a", "destination": "b", "verdict": "failed",
              "problems": ["the migration failed: SystemError: " + "x" * 400, "b vmk2 (172.16.2.2) has vMotion off where a's vmk2 has it on"]}
    assert failure_lines([failed, dict(failed, verdict="ok")]) == ["a -> b: failed (b vmk2 (172.16.2.2) has vMotion off where a's vmk2 has it on)"]
    assert len(failure_lines([dict(failed, problems=failed["problems"][:1])], limit=300)[0]) < 330


def test_a_vmk_bound_without_a_stream_is_named():
    with open(SEED_PATH, encoding="utf-8") as handle:
        lines = handle.read().splitlines()[:40]
    # the stream that followed the bind of 172.16.3.114 never opened
    lines = [line for line in lines if "S: Stream connection 2 added" not in line]
    migrations = parse_vmkernel_log(lines)["migrations"]
    assert migrations[0]["bound_without_stream"] == ["172.16.3.114"]
    hop = {"source": "192.168.100.114", "destination": "192.168.100.115", "purpose": "test"}
    result = judge_migration(hop, {"state": "success"}, SEED_114, [], migrations, [])
    assert result["verdict"] == "degraded"
    assert "192.168.100.114 vmk3 (172.16.3.114) opened no stream to 192.168.100.115 (bound, never connected)" in result["problems"]
