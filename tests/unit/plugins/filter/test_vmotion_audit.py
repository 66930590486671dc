# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible_collections.multinic.vmotion.plugins.filter.vmotion_audit import FilterModule
from ansible_collections.multinic.vmotion.tests.unit.plugins.module_utils.test_report import seed_fleet

FILTERS = FilterModule().filters()


def test_both_filters_are_exposed():
    assert sorted(FILTERS) == ["vmotion_audit", "vmotion_audit_markdown"]


def test_audit_and_markdown():
    audit = FILTERS["vmotion_audit"](seed_fleet(), {"max_pairs": 3})
    assert audit["summary"]["findings"]["critical"] == 4
    assert len(audit["pairing"]["pairs"]) == 3
    text = FILTERS["vmotion_audit_markdown"](audit, title="Seed", generated="now", max_rows=2)
    assert text.startswith("# Seed\n") and "generated now" in text


def test_audit_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit: unknown option\(s\) colour"):
        FILTERS["vmotion_audit"](seed_fleet(), {"colour": "red"})


def test_markdown_error_is_ansible_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_audit_markdown: render_markdown needs the dict build_audit returns"):
        FILTERS["vmotion_audit_markdown"]({"hosts": {}})


def test_templated_input():
    """Through a template the hosts arrive as Ansible's own container types; the result is the same."""
    templar = Templar(loader=DataLoader(), variables={"fleet": {"hosts": seed_fleet(), "summary": {}}, "options": {"max_pairs": 5}})
    audit = templar.template(trust_as_template("{{ fleet.hosts | multinic.vmotion.vmotion_audit(options) }}"))
    assert audit == FILTERS["vmotion_audit"](seed_fleet(), {"max_pairs": 5})
    text = templar.template(trust_as_template("{{ fleet | multinic.vmotion.vmotion_audit | multinic.vmotion.vmotion_audit_markdown }}"))
    assert "## Findings (4)" in text
