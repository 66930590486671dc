# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
from ansible_collections.multinic.vmotion.plugins.filter.vmotion_audit import FilterModule
from ansible_collections.multinic.vmotion.plugins.module_utils._render.console import summary_lines
from ansible_collections.multinic.vmotion.tests.unit.plugins.module_utils._audit.test_audit import seed_fleet

FILTERS = FilterModule().filters()

try:  # ansible-core 2.19+ renders only templates marked as trusted
    from ansible.template import trust_as_template
except ImportError:  # before 2.19 every string is a template
    def trust_as_template(text):
        return text


@pytest.fixture(scope="module")
def collection_loader():
    """Templates resolve multinic.vmotion.* through Ansible's collection loader.

    ansible-test units installs it; a plain pytest run (the collection on PYTHONPATH) has imported the collection as
    ordinary packages, so the loader is installed here and those modules are put back afterwards.
    """
    if AnsibleCollectionConfig.collection_finder is not None:
        yield
        return
    saved = dict((k, v) for k, v in sys.modules.items() if k == "ansible_collections" or k.startswith("ansible_collections."))
    for name in saved:
        del sys.modules[name]
    _AnsibleCollectionFinder(paths=os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep))._install()
    try:
        yield
    finally:
        _AnsibleCollectionFinder._remove()
        AnsibleCollectionConfig._collection_finder = None
        for name in [k for k in sys.modules if k == "ansible_collections" or k.startswith("ansible_collections.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_the_filters_are_exposed():
    assert sorted(FILTERS) == ["vmotion_audit", "vmotion_audit_about", "vmotion_audit_compare", "vmotion_audit_html", "vmotion_audit_markdown",
                               "vmotion_audit_summary", "vmotion_canary_join", "vmotion_collection_version", "vmotion_facts_hosts",
                               "vmotion_merge_results"]


def test_canary_runs_of_several_vcenters_join_into_one_verdict_with_lines():
    ran = {"route": [{}], "vm": {"name": "canary", "ended_on": "esx01"}, "summary": {"planned": 1, "ok": True},
           "migrations": [{"source": "esx01", "destination": "esx02", "verdict": "degraded", "problems": ["esx02 vmk2 (172.16.2.2) carried no stream"]}]}
    refused = {"failed": True, "msg": "the canary cannot run: VM canary is poweredOff", "migrations": [], "route": []}
    joined = FILTERS["vmotion_canary_join"]([ran, refused, {"skipped": True}])
    assert joined["runs"] == [ran] and joined["problems"] == ["the canary cannot run: VM canary is poweredOff"] and not joined["ok"]
    assert joined["lines"] == ["Canary: 0 of 1 planned migration ok (VM canary, back on esx01); 1 degraded",
                               "  esx01 -> esx02: degraded (esx02 vmk2 (172.16.2.2) carried no stream)",
                               "the canary cannot run: VM canary is poweredOff"]
    assert FILTERS["vmotion_canary_join"]([dict(ran, summary={"ok": True}, migrations=[])])["ok"]


def test_html_and_compare():
    audit = FILTERS["vmotion_audit"](seed_fleet())
    page = FILTERS["vmotion_audit_html"](audit, title="Seed", vcenter="vc01", scope="cluster CL01", version="0.1.0")
    assert 'id="pair-matrix" data-hosts="12"' in page and "vc01" in page
    after = FILTERS["vmotion_audit"](seed_fleet(disabled={}))
    comparison = FILTERS["vmotion_audit_compare"](after, audit)
    assert comparison["findings"]["before"]["critical"] == 4 and comparison["findings"]["after"]["critical"] == 0
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit_html: render_html needs the dict build_audit returns"):
        FILTERS["vmotion_audit_html"]({"hosts": {}})
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit_compare: compare_audits"):
        FILTERS["vmotion_audit_compare"](after, {})


def test_audit_and_markdown():
    audit = FILTERS["vmotion_audit"](seed_fleet(), {"max_pairs": 3})
    assert audit["summary"]["findings"]["critical"] == 4
    assert len(audit["pairing"]["pairs"]) == 3
    text = FILTERS["vmotion_audit_markdown"](audit, title="Seed", generated="now", max_rows=2)
    assert text.startswith("# Seed\n") and "generated now" in text


def test_summary():
    audit = FILTERS["vmotion_audit"](seed_fleet())
    lines = FILTERS["vmotion_audit_summary"](audit, show=1, report_markdown="a.md", report_json="a.json")
    assert lines == summary_lines(audit, show=1, report_markdown="a.md", report_json="a.json")
    assert lines[1] == "Findings: 4 critical, 0 warning, 0 info" and lines[-1] == "Report: a.md (data: a.json)"
    assert FILTERS["vmotion_audit_summary"](audit)[-1] == "Not clean: see the report."


def test_audit_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit: unknown option\(s\) colour"):
        FILTERS["vmotion_audit"](seed_fleet(), {"colour": "red"})


def test_markdown_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit_markdown: render_markdown needs the dict build_audit returns"):
        FILTERS["vmotion_audit_markdown"]({"hosts": {}})


def test_summary_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit_summary: show must be a non-negative integer"):
        FILTERS["vmotion_audit_summary"](FILTERS["vmotion_audit"](seed_fleet()), show="5")


def test_templated_input(collection_loader):
    """Through a template the hosts arrive as Ansible's own container types; the result is the same."""
    templar = Templar(loader=DataLoader(), variables={"fleet": {"hosts": seed_fleet(), "summary": {}}, "options": {"max_pairs": 5}})
    audit = templar.template(trust_as_template("{{ fleet.hosts | multinic.vmotion.vmotion_audit(options) }}"))
    assert audit == FILTERS["vmotion_audit"](seed_fleet(), {"max_pairs": 5})
    text = templar.template(trust_as_template("{{ fleet | multinic.vmotion.vmotion_audit | multinic.vmotion.vmotion_audit_markdown }}"))
    assert "## Findings (4)" in text
    lines = templar.template(trust_as_template("{{ fleet | multinic.vmotion.vmotion_audit | multinic.vmotion.vmotion_audit_summary(show=2) }}"))
    assert lines == summary_lines(audit, show=2)


def test_collection_version_from_the_manifest_of_an_installed_collection_else_galaxy_yml(tmp_path):
    version = FILTERS["vmotion_collection_version"]
    installed = tmp_path / "installed"
    (installed / "roles" / "vmotion_audit").mkdir(parents=True)
    (installed / "MANIFEST.json").write_text('{"collection_info": {"version": "1.2.3"}}')
    (installed / "galaxy.yml").write_text("version: 9.9.9\n")
    assert version(str(installed / "roles" / "vmotion_audit")) == "1.2.3"
    checkout = tmp_path / "checkout"
    (checkout / "roles" / "vmotion_audit").mkdir(parents=True)
    (checkout / "galaxy.yml").write_text("namespace: multinic\nversion: 0.3.0\n")
    assert version(str(checkout / "roles" / "vmotion_audit")) == "0.3.0"
    assert version(str(tmp_path)) == ""
    # this checkout's own
    assert version(os.path.dirname(__file__)) != ""
