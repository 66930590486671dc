# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of a validation error in the pure core: every problem found, not just the first."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ProblemsError(ValueError):
    """One or more problems with an input; ``problems`` lists them all, the message joins them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ProblemsError, self).__init__("; ".join(self.problems))
