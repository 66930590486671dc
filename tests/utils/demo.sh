#!/usr/bin/env bash
# make demo: the seed fleet on the built-in vSphere simulator - audit, fix with playbooks/site.yml, audit again.
# Called by make with VENV, COLL_DIR and COLL_ROOT set, from COLL_DIR (the laid-out collection).
set -euo pipefail
: "${VENV:?}" "${COLL_DIR:?}" "${COLL_ROOT:?}"
export PATH="$VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT"
cd "$COLL_DIR"

PY="$VENV/bin/python"
DEMO_DIR="$(dirname "$COLL_ROOT")/demo"
INVENTORY=playbooks/inventory/seed_fleet
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

# Ansible output without skipped hosts; the plays talk to vCenter through the VMWARE_* environment, as an AWX job
# template with a VMware credential does.
export ANSIBLE_PYTHON_INTERPRETER="$PY" ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
export ANSIBLE_DEPRECATION_WARNINGS=false ANSIBLE_LOCALHOST_WARNING=false
# the demo's vCenter sessions in its own directory, not the user's cache (~/.cache/multinic.vmotion/sessions)
export VMWARE_SESSION_CACHE_DIR="$DEMO_DIR/sessions"

step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

# --- the simulator, stopped whatever happens -------------------------------------------------------------------
. tests/utils/simulator.sh
start_simulator "$PY" "$DEMO_DIR" --topology tests/simulator/topologies/seed-canary.yml

# API calls since the last look, from the simulator's counters (then zeroed).
api_calls() {
  "$PY" - "$SIM_URL" <<'PY'
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
stats = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/stats", context=ctx))
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/reset", method="POST"), context=ctx).read()
calls = stats.get("calls", {})
reads = calls.get("RetrievePropertiesEx", 0) + calls.get("ContinueRetrievePropertiesEx", 0)
print("    vCenter API: %d calls (%d login(s), %d property read(s)), %d write(s)" % (stats["total"], stats.get("logins", 0), reads, stats["writes"]))
PY
}

audit() {
  ansible-playbook -i "$INVENTORY" playbooks/audit.yml -e "vmotion_audit_report_dir=$DEMO_DIR/$1" "${@:2}"
}

step "1. vSphere simulator: the seed fleet (vCenter, cluster CL01, 12 hosts 192.168.100.107-118) at $SIM_URL/sdk"
echo "    Each host has 5 vMotion vmks on 5 uplinks, one subnet per vmk index; as in the seed article, vMotion is off"
echo "    on 192.168.100.109 vmk3, 192.168.100.112 vmk2 and vmk6, and 192.168.100.116 vmk4. A small VM, canary01, runs on"
echo "    192.168.100.107: the canary that migrates across the cluster once the fleet is fixed."
api_calls >/dev/null

step "2. Audit the fleet (playbooks/audit.yml, one read for all hosts; vmotion_audit_fail_on=none so the demo goes on)"
audit before -e vmotion_audit_fail_on=none
api_calls

step "3. Fix the fleet from the inventory's plan (playbooks/site.yml --diff; only what differs is changed, then verified)"
ANSIBLE_DISPLAY_OK_HOSTS=false ansible-playbook -i "$INVENTORY" playbooks/site.yml --diff
api_calls

step "4. Audit again (default: fail on critical findings), compared with the audit before the fix, and prove it: canary01"
echo "    migrates across the cluster (a ring, vmotion_audit_canary_vm) and each migration is judged from both hosts'"
echo "    vmkernel.log by the vMotion vmks that carried streams"
audit after -e "vmotion_audit_previous_report=$DEMO_DIR/before/vmotion-audit.json" -e vmotion_audit_canary_vm=canary01
api_calls

step "What the fix changed (compare_audits of the two JSON reports)"
PYTHONPATH="$COLL_ROOT" "$PY" - "$DEMO_DIR/before/vmotion-audit.json" "$DEMO_DIR/after/vmotion-audit.json" <<'PY'
import json, sys
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import compare_audits
from ansible_collections.multinic.vmotion.plugins.module_utils._render.console import compare_lines
before, after = (json.load(open(path)) for path in sys.argv[1:3])
for line in compare_lines(compare_audits(before, after)):
    print("    " + line)
PY

step "5. A cable in the wrong island: 192.168.100.110's vmnic8 (the active uplink of vmk1) moves from backend-01 to frontend-01"
echo "    Every port group, vmk and service still looks right; only the wire is wrong."
"$PY" - "$SIM_URL" <<'PY'
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
body = json.dumps({"host": "192.168.100.110", "pnic": "vmnic8", "switch": "frontend-01"}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/cable", data=body, method="POST"), context=ctx).read()
PY
api_calls >/dev/null

step "6. Audit with the physical path: uplink evidence (QueryNetworkHint) and pings between the vmks of each index"
audit wire -e vmotion_audit_uplinks=true -e vmotion_audit_connectivity=true -e vmotion_audit_fail_on=none \
  -e vmotion_audit_canary_vm=canary01 \
  | grep -E 'SPLIT_ISLAND|PATH_FAILED|UPLINK_MTU|SUBNET_NOT_OBSERVED|Findings:|Canary:|-> 192.168.100.110: |192.168.100.110 -> ' \
  | sed -E 's/^ *"(.*)",?$/    \1/' || true
api_calls
echo "    The audit names the host, the vmk and the uplink, and says a cable must move (not the configuration);"
echo "    the ping matrix of vmk1 is in $DEMO_DIR/wire/vmotion-audit.html."

step "Reports"
echo "    HTML (open it in a browser; findings, the host x host matrix of streams, indexes):"
echo "      before the fix: $DEMO_DIR/before/vmotion-audit.html"
echo "      after the fix:  $DEMO_DIR/after/vmotion-audit.html  (with the comparison)"
echo "      with the cable in the wrong island: $DEMO_DIR/wire/vmotion-audit.html  (the ping matrix per index)"
echo "    Markdown: $DEMO_DIR/before/vmotion-audit.md, $DEMO_DIR/after/vmotion-audit.md, $DEMO_DIR/wire/vmotion-audit.md"
echo "    JSON data: $DEMO_DIR/before/vmotion-audit.json, $DEMO_DIR/after/vmotion-audit.json"
step "Done: the simulator stops now."
