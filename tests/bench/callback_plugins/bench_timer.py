# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback used by tests/bench/run_bench.py: how long the plays and each task took.

The wall time of ansible-playbook includes its start-up (imports, inventory of N hosts),
which is the same for every playbook and says nothing about the modules; this callback
measures from the start of the first play to the end, and per task, and writes it as
JSON to the file named by BENCH_TIMER_FILE when the playbook ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Play and task durations for the benchmark
description:
  - Writes the time from the first play start to the end of the playbook and the time of every task
    (summed over hosts and plays) as JSON to the file named by the environment variable E(BENCH_TIMER_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self.started = None
        self.current = None
        self.tasks = {}  # task name -> seconds; a task is timed from its start to the start of the next one

    def _close_task(self, now):
        if self.current is not None:
            name, start = self.current
            self.tasks[name] = self.tasks.get(name, 0.0) + now - start
            self.current = None

    def v2_playbook_on_play_start(self, play):
        now = time.time()
        self._close_task(now)
        if self.started is None:
            self.started = now

    def v2_playbook_on_task_start(self, task, is_conditional):
        now = time.time()
        self._close_task(now)
        self.current = (task.get_name(), now)

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        self._close_task(now)
        path = os.environ.get("BENCH_TIMER_FILE")
        if not path:
            return
        with open(path, "w") as handle:
            json.dump({"play_seconds": now - (self.started or now), "tasks": self.tasks}, handle, indent=1, sort_keys=True)
