# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one playbook of the collection through ansible-runner, the way AWX runs a job template.

The vCenter credential arrives on stdin as JSON ({"host", "port", "user", "password"}) and is handed to
ansible-runner only as the environment variables AWX's VMware credential injects (VMWARE_HOST, VMWARE_USER,
VMWARE_PASSWORD, VMWARE_PORT, VMWARE_VALIDATE_CERTS). Prints one JSON document: the runner's status and rc,
the set_stats data of the run, the end of its stdout and every file of the private data dir (artifacts, job
events, reports) that contains the password, except ansible-runner's own record of the job's environment
(artifacts/<id>/command, mode 0600), which holds every environment variable by design.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import sys

import ansible_runner

RUNNER_ENV_RECORD = "command"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--private-data-dir", required=True)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--playbook", required=True)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--extravars", default="{}", help="JSON")
    args = parser.parse_args()
    credential = json.load(sys.stdin)
    if not os.path.isdir(args.private_data_dir):
        os.makedirs(args.private_data_dir)

    # suppress_env_files: as AWX, keep the environment (and so the password) out of <private data dir>/env
    runner = ansible_runner.run(
        private_data_dir=args.private_data_dir,
        project_dir=args.project_dir,
        playbook=args.playbook,
        inventory=args.inventory,
        extravars=json.loads(args.extravars),
        envvars={
            "VMWARE_HOST": credential["host"],
            "VMWARE_PORT": str(credential["port"]),
            "VMWARE_USER": credential["user"],
            "VMWARE_PASSWORD": credential["password"],
            "VMWARE_VALIDATE_CERTS": "false",
        },
        suppress_env_files=True,
        quiet=True,
    )

    stats, changed, failed = {}, {}, {}
    for event in runner.events:
        if event.get("event") == "playbook_on_stats":
            data = event.get("event_data", {})
            stats, changed, failed = data.get("artifact_data", {}), data.get("changed", {}), data.get("failures", {})
    stdout = runner.stdout.read()

    secret = credential["password"].encode("utf-8")
    leaks = []
    for root, _dirs, files in os.walk(args.private_data_dir):
        for name in files:
            path = os.path.join(root, name)
            if name == RUNNER_ENV_RECORD and os.path.basename(os.path.dirname(os.path.dirname(path))) == "artifacts":
                continue
            with open(path, "rb") as handle:
                if secret in handle.read():
                    leaks.append(os.path.relpath(path, args.private_data_dir))
    if secret in stdout.encode("utf-8"):
        leaks.append("stdout")

    print(json.dumps({
        "status": runner.status,
        "rc": runner.rc,
        "set_stats": stats,
        "changed_hosts": sorted(host for host, count in changed.items() if count),
        "failed_hosts": sorted(host for host, count in failed.items() if count),
        "leaks": sorted(leaks),
        "events": len(list(runner.events)),
        "stdout_tail": stdout.splitlines()[-60:],
    }))


if __name__ == "__main__":
    main()
