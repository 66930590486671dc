# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection groups and the session cache (the cache on a real temporary directory, no mocks)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.session_cache import (
    SessionCache,
    connection_groups,
    vcenter_label,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import build_audit, merge_results
from ansible_collections.multinic.vmotion.tests.unit.plugins.module_utils._audit.test_audit import seed_fleet

OMIT = "__omit_place_holder__5f1e"
COOKIE = 'vmware_soap_session="52a1b2c3d4"'


def entry(name, hostname=None, port=None, username=None, esxi=None):
    return {"inventory_hostname": name, "esxi_hostname": esxi or name,
            "connection": {"hostname": hostname, "port": port, "username": username}}


def test_hosts_group_by_vcenter_port_and_user_in_first_seen_order():
    groups = connection_groups([
        entry("a1", "vc-a.example.com"), entry("b1", "vc-b", 8443), entry("a2", "VC-A.example.com", "443"),
        entry("b2", "vc-b", "8443", esxi="esx-b2.example.com"), entry("a3", "vc-a.example.com", username="other"),
    ], environ={})
    assert [(g["vcenter"], g["representative"], g["hosts"]) for g in groups] == [
        ("vc-a.example.com", "a1", ["a1", "a2"]), ("vc-b:8443", "b1", ["b1", "b2"]), ("vc-a.example.com", "a3", ["a3"])]
    assert groups[1]["esxi_hostnames"] == ["b1", "esx-b2.example.com"]


def test_unset_connections_take_the_environment_as_the_modules_do():
    environ = {"VMWARE_HOST": "vc-a.example.com", "VMWARE_PORT": "443"}
    groups = connection_groups([entry("h1"), entry("h2", "VC-A.example.com", 443), entry("h3", OMIT, "8443")], environ)
    assert [(g["vcenter"], g["hosts"]) for g in groups] == [("vc-a.example.com", ["h1", "h2"]), ("vc-a.example.com:8443", ["h3"])]


def test_unset_connections_and_the_omit_placeholder_are_one_group_named_after_the_variable():
    groups = connection_groups([entry("h1"), entry("h2", OMIT, OMIT, OMIT), {"inventory_hostname": "h3"}], environ={})
    assert len(groups) == 1 and groups[0]["hosts"] == ["h1", "h2", "h3"] and groups[0]["vcenter"] == "VMWARE_HOST"
    assert vcenter_label("vc", 443) == "vc" and vcenter_label("vc", "8443") == "vc:8443"


def test_a_cached_session_is_only_readable_with_its_password_and_only_by_the_user(tmp_path):
    cache = SessionCache(str(tmp_path / "sessions"))
    cache.store("vc", 443, "admin", "right", COOKIE)
    assert cache.load("vc", 443, "admin", "right") == COOKIE
    assert cache.load("vc", 443, "admin", "wrong") is None
    assert cache.load("vc", 443, "other", "right") is None
    assert cache.load("VC", "443", "ADMIN", "right") == COOKIE  # names compare without case
    directory = str(tmp_path / "sessions")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    files = os.listdir(directory)
    assert [f for f in files if f.endswith(".json")] and all(stat.S_IMODE(os.stat(os.path.join(directory, f)).st_mode) == 0o600 for f in files)
    for name in files:
        with open(os.path.join(directory, name)) as handle:
            text = handle.read()
        assert "52a1b2c3d4" not in text and "vc" not in name and "admin" not in text


def test_a_session_idle_for_longer_than_the_window_is_dropped(tmp_path):
    now = [1000000.0]
    cache = SessionCache(str(tmp_path), idle=60, clock=lambda: now[0])
    cache.store("vc", 443, "admin", "pw", COOKIE)
    path = [os.path.join(str(tmp_path), f) for f in os.listdir(str(tmp_path)) if f.endswith(".json")][0]
    os.utime(path, (now[0] - 30, now[0] - 30))
    assert cache.load("vc", 443, "admin", "pw") == COOKIE  # and that use counts as the last one
    assert os.stat(path).st_mtime > now[0] - 30
    os.utime(path, (now[0] - 61, now[0] - 61))
    assert cache.load("vc", 443, "admin", "pw") is None and not os.path.exists(path)


def test_an_existing_loose_directory_is_tightened_and_a_broken_file_is_a_miss(tmp_path):
    directory = tmp_path / "loose"
    directory.mkdir(mode=0o755)
    os.chmod(str(directory), 0o755)
    cache = SessionCache(str(directory))
    cache.store("vc", 443, "admin", "pw", COOKIE)
    assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
    path = [os.path.join(str(directory), f) for f in os.listdir(str(directory)) if f.endswith(".json")][0]
    with open(path, "w") as handle:
        handle.write("{not json")
    assert cache.load("vc", 443, "admin", "pw") is None
    cache.drop("vc", 443, "admin")
    cache.drop("vc", 443, "admin")  # dropping twice is fine


def test_the_lock_can_be_taken_again_after_release(tmp_path):
    cache = SessionCache(str(tmp_path))
    with cache.locked("vc", 443, "admin"):
        pass
    with cache.locked("vc", 443, "admin"):
        pass


def test_an_audit_of_two_vcenters_judges_each_on_its_own_and_names_the_vcenter_of_every_finding():
    fleet_a = seed_fleet()
    fleet_b = seed_fleet(disabled={})
    hosts = {}
    for name, host in fleet_a.items():
        hosts["a-" + name] = dict(host, name="a-" + name, vcenter="vc-a")
    for name, host in fleet_b.items():
        hosts["b-" + name] = dict(host, name="b-" + name, vcenter="vc-b:8443")
    audit = build_audit(hosts)
    assert audit["vcenters"] == ["vc-a", "vc-b:8443"]
    assert audit["findings"] and set(f["vcenter"] for f in audit["findings"]) == {"vc-a"}
    # the same addresses in both vCenters are no duplicates: each vCenter is a fleet of its own
    assert not [f for f in audit["findings"] if f["code"] == "DUPLICATE_IP"]
    alone = build_audit(fleet_a)
    assert audit["summary"]["pairs"] == 2 * alone["summary"]["pairs"]
    assert audit["summary"]["degraded_pairs"] == alone["summary"]["degraded_pairs"]
    assert "vmk1 (vc-a)" in audit["indexes"] and "vmk1 (vc-b:8443)" in audit["indexes"]
    matrix = audit["matrix"]
    across = matrix["hosts"].index("b-192.168.100.107")
    assert matrix["hosts"][0].startswith("a-") and matrix["cells"][0][across] is None
    assert audit["hosts"]["b-192.168.100.107"]["vcenter"] == "vc-b:8443"


def test_one_vcenter_audit_is_what_it_was():
    fleet = seed_fleet()
    with_vcenter = dict((name, dict(host, vcenter="vc")) for name, host in fleet.items())
    plain, tagged = build_audit(fleet), build_audit(with_vcenter)
    assert plain["vcenters"] == [] and tagged["vcenters"] == ["vc"]
    assert [dict(f, vcenter=None) for f in tagged["findings"]] == [dict(f, vcenter=None) for f in plain["findings"]]
    assert tagged["summary"] == plain["summary"] and tagged["indexes"].keys() == plain["indexes"].keys()


def test_results_of_several_vcenters_join():
    joined = merge_results([
        {"summary": {"hosts": 2, "migrations": 3, "hosts_not_ok": ["a"], "ok": True}, "hosts": {"a": 1, "b": 2}},
        {"summary": {"hosts": 1, "migrations": 1, "hosts_not_ok": ["c"], "ok": True}, "hosts": {"c": 3}},
        {"skipped": True},
    ])
    assert joined == {"summary": {"hosts": 3, "migrations": 4, "hosts_not_ok": ["a", "c"], "ok": True}, "hosts": {"a": 1, "b": 2, "c": 3}}


def _pings(fleet, cut_host, index="vmk1"):
    """Mesh results over the fleet's vMotion indexes, every pair answering except ``index`` pairs of ``cut_host``."""
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit import ping_mesh as connectivity
    pairs, _references = connectivity.plan(connectivity.endpoints(fleet), "mesh")
    answered = {"transmitted": 3, "received": 3, "loss_percent": 0, "rtt_avg_ms": 0.2}
    silent = {"transmitted": 3, "received": 0, "loss_percent": 100}
    results = []
    for pair in pairs:
        cut = pair["index"] == index and cut_host in (pair["source"], pair["destination"])
        results.append(connectivity.pair_result(pair, silent if cut else answered, silent if cut else None))
    return [{"pairs": results, "summary": {"strategy": "mesh"}}]


def test_an_audit_with_pings_blames_the_host_cut_off_and_shows_a_matrix_per_index():
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.html import render_html
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.markdown import render_markdown
    fleet = seed_fleet(disabled={})
    audit = build_audit(fleet, connectivity=_pings(fleet, "192.168.100.110"))
    failed = [f for f in audit["findings"] if f["code"] == "PATH_FAILED"]
    assert [(f["host"], f["device"]) for f in failed] == [("192.168.100.110", "vmk1")]
    part = audit["connectivity"]
    assert part["summary"]["indexes"]["vmk1"]["hosts_cut_off"] == ["192.168.100.110"]
    assert part["summary"]["failing"] == 22 and len(part["failing"]) == 22
    matrix = part["matrices"]["vmk1"]
    row = matrix["hosts"].index("192.168.100.110")
    assert set(matrix["cells"][row]) == {None, "no_path"} and matrix["cells"][0][1] == "ok"
    markdown = render_markdown(audit)
    assert "### vmk1 - cut off: 192.168.100.110" in markdown and "220 of 242 pairs" not in markdown
    assert "## Pings between vMotion vmks (vmotion_connectivity)" in markdown
    page = render_html(audit)
    assert 'class="matrix ping-matrix" data-index="vmk1"' in page and "192.168.100.110 -&gt; 192.168.100.107" in page
    assert build_audit(fleet)["connectivity"] is None


def test_a_report_of_two_vcenters_names_each_finding_and_host_with_its_vcenter_and_no_index_of_the_other_is_missing():
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.html import render_html
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.markdown import render_markdown
    hosts = {}
    for prefix, vcenter, disabled in (("a-", "vc-a", None), ("b-", "vc-b", {})):
        for name, host in seed_fleet(disabled=disabled).items():
            hosts[prefix + name] = dict(host, name=prefix + name, vcenter=vcenter)
    audit = build_audit(hosts)
    assert audit["hosts"]["a-192.168.100.107"]["indexes"] == dict(("%s (vc-a)" % d, "on") for d in ("vmk1", "vmk2", "vmk3", "vmk4", "vmk6"))
    markdown = render_markdown(audit)
    assert "| a-192.168.100.109 (vc-a) |" in markdown and "5 of 5" in markdown and "missing" not in markdown.split("### Addresses")[1]
    assert "| b-192.168.100.107 (vc-b) | 192.168.100.107 | CL01 | 5 of 5 |" in markdown
    page = render_html(audit)
    assert "a-192.168.100.109 (vc-a)" in page and ">missing<" not in page


def test_a_cache_file_others_can_read_is_not_trusted(tmp_path):
    cache = SessionCache(str(tmp_path))
    cache.store("vc", 443, "admin", "pw", COOKIE)
    path = [os.path.join(str(tmp_path), f) for f in os.listdir(str(tmp_path)) if f.endswith(".json")][0]
    os.chmod(path, 0o644)
    assert cache.load("vc", 443, "admin", "pw") is None and not os.path.exists(path)


def _closed_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unusable_cache_directory_is_passed_over_and_a_refused_connection_says_where_to_look(tmp_path):
    import pytest
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import VsphereClient
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    port = _closed_port()
    with pytest.raises(VsphereError) as error:
        VsphereClient("127.0.0.1", "admin", "pw", port=port, validate_certs=False, connect_timeout=5,
                      session_cache=SessionCache(str(blocker / "sessions")))
    message = str(error.value)
    assert "127.0.0.1:%d: connection refused" % port in message and "VMWARE_PORT" in message and "  " not in message
