# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.filter.vmotion_log import FilterModule

SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "module_utils", "fixtures", "seed-vmkernel.log")
vmotion_migrations = FilterModule().filters()["vmotion_migrations"]


def _seed():
    with open(SEED_PATH, encoding="utf-8") as handle:
        return handle.read()


def _check_seed(migrations):
    assert len(migrations) == 1
    mig = migrations[0]
    assert mig["id"] == "1371189392257031"
    assert mig["side"] == "source"
    assert mig["streams"] == 5
    assert mig["vmknics"] == ["172.16.2.114", "172.16.3.114", "172.16.4.114", "172.16.1.114", "172.16.0.114"]
    assert mig["bandwidth_mbytes_per_s"] == 571.132
    assert mig["bandwidth_mbps"] == 571.132  # deprecated alias, same value
    assert mig["failed"] is False


def test_text_input():
    _check_seed(vmotion_migrations(_seed()))


def test_list_of_lines_and_bytes():
    _check_seed(vmotion_migrations(_seed().splitlines()))
    _check_seed(vmotion_migrations(tuple(_seed().splitlines(True))))
    _check_seed(vmotion_migrations(_seed().encode("utf-8")))


def test_noise_gives_no_migrations():
    assert vmotion_migrations("") == []
    assert vmotion_migrations([]) == []
    assert vmotion_migrations("2024-01-01T10:00:00.000Z cpu1:2)Net: 1652: connected\n\x00garbage") == []


@pytest.mark.parametrize("bad, name", [(None, "NoneType"), (42, "int"), ({"stdout": "x"}, "dict"), ({"a", "b"}, "set")])
def test_bad_input_is_a_filter_error(bad, name):
    with pytest.raises(AnsibleFilterError, match=r"vmotion_migrations: expected the vmkernel.log text .* got %s" % name):
        vmotion_migrations(bad)


def test_non_string_line_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"vmotion_migrations: line 1 of the input is a int, not a string"):
        vmotion_migrations(["a line", 7])
