# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter reading vMotion migrations out of vmkernel.log; the parser lives in module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import parse_vmkernel_log


def _vmotion_migrations(data):
    # Strings (and bytes) are the log text; a list holds its lines (e.g. a registered stdout_lines).
    if isinstance(data, (str, bytes)):
        return parse_vmkernel_log(data)["migrations"]
    if isinstance(data, Mapping) or not isinstance(data, (list, tuple)):
        # Templated values are lazy subclasses (_AnsibleLazyTemplateDict); name the plain type.
        kind = "dict" if isinstance(data, Mapping) else type(data).__name__
        raise AnsibleFilterError("vmotion_migrations: expected the vmkernel.log text (a string) or a list of its lines, got %s" % kind)
    for index, line in enumerate(data):
        if not isinstance(line, (str, bytes)):
            raise AnsibleFilterError(
                "vmotion_migrations: line %d of the input is a %s, not a string" % (index, type(line).__name__)
            )
    return parse_vmkernel_log(data)["migrations"]


class FilterModule(object):
    def filters(self):
        return {
            "vmotion_migrations": _vmotion_migrations,
        }
