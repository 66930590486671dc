#!/usr/bin/env bash
# make demo: the main job on the built-in default (the seed fleet on the simulator).
set -euo pipefail
: "${VENV:?}" "${COLL_DIR:?}" "${COLL_ROOT:?}"
export PATH="$VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT"
cd "$COLL_DIR"
echo "multinic.vmotion demo"
echo "1. start the vSphere simulator with the seed fleet (12 hosts, vMotion off on a few vmks)"
echo "2. audit the fleet: show the ports with vMotion off and the host pairs that lose streams"
echo "3. run playbooks/site.yml to build/fix the multi-NIC vMotion layout"
echo "4. audit again: clean"
echo "The simulator and roles are not wired in yet; for now the address rule:"
ansible localhost -m ansible.builtin.debug -a "msg={{ '192.168.100.114' | multinic.vmotion.vmotion_ip('172.16.2.0/24') }}"
