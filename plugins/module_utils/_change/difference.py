# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one source of every writer's diff: what a change does to each item, kept only where before and after differ (as
community.docker's DifferenceTracker), so that a diff shows the change and not the state of everything around it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class DifferenceTracker(object):
    """Items named within sections (a host's port groups and vmks; the hosts of a call); an item that does not exist on
    one side is left out of that side, so that Ansible's diff shows it added or removed."""

    def __init__(self):
        self._sections = {}

    def add(self, section, name, before, after):
        """Record one item; an item equal on both sides is no difference and is dropped."""
        if before != after:
            self._sections.setdefault(section, {})[name] = (before, after)

    def add_all(self, section, before, after):
        """Record every item of two {name: value} dicts, a missing name being an item that does not exist on that side."""
        for name in sorted(set(before or {}) | set(after or {})):
            self.add(section, name, (before or {}).get(name), (after or {}).get(name))

    def before_after(self, sections=None):
        """({section: {name: before}}, {section: {name: after}}) of the items that differ; ``sections`` names the sections
        every side lists even when nothing of them differs."""
        before, after = dict((s, {}) for s in sections or ()), dict((s, {}) for s in sections or ())
        for section, items in self._sections.items():
            for name, (old, new) in items.items():
                if old is not None:
                    before.setdefault(section, {})[name] = old
                if new is not None:
                    after.setdefault(section, {})[name] = new
        return before, after
