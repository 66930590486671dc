#!/usr/bin/env bash
# The compat smoke: what a user of one stack runs, on the simulator (seed fleet), from the installed collection.
# Called by tests/compat/matrix.py with the stack's venv first on PATH, ANSIBLE_COLLECTIONS_PATH set to the stack's
# collections and the current directory the installed collection (its playbooks/ and tests/simulator/).
#   every module ad hoc: facts, enable (and again: no write), connectivity, log facts
#   -> enable_vmotion.yml --check (0 writes) -> site.yml (the layout built), and again (0 writes)
#   -> audit.yml (the role's gate passes on the fixed fleet, the reports are written)
# Any warning printed by Ansible fails the smoke: nothing this collection does may cause one.
# SMOKE_RELEASE: the vCenter release of the simulator (8.0.3 or 9.0).
set -euo pipefail
: "${SMOKE_DIR:?}"
rm -rf "$SMOKE_DIR"; mkdir -p "$SMOKE_DIR"
PY=$(command -v python)
export ANSIBLE_PYTHON_INTERPRETER="$PY" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_NOCOLOR=1
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
# the session cache of this run stays in its own directory
export VMWARE_SESSION_CACHE_DIR="$SMOKE_DIR/sessions"

. tests/utils/simulator.sh
start_simulator "$PY" "$SMOKE_DIR" --release "${SMOKE_RELEASE:-8.0.3}"

writes() {  # write calls since the last look (the simulator's counters, then zeroed)
  "$PY" - "$SIM_URL" <<'PY'
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
stats = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/stats", context=ctx))
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/reset", method="POST"), context=ctx).read()
print(stats["writes"])
PY
}

STEP=0
# run NAME EXPECT CMD...: runs CMD (output to $SMOKE_DIR/NN-NAME.log), fails on a non-zero exit, on a warning, or
# when EXPECT (an extended regex) is not in the output.
run() {
  local name=$1 expect=$2 log
  shift 2
  STEP=$((STEP + 1))
  log="$SMOKE_DIR/$(printf '%02d' $STEP)-$name.log"
  if ! "$@" >"$log" 2>&1; then echo "FAIL $name: exit $? ($*)"; tail -40 "$log"; return 1; fi
  if grep -nE '\[(WARNING|DEPRECATION WARNING|ERROR)\]' "$log"; then echo "FAIL $name: a warning (above) in $log"; return 1; fi
  if ! grep -qE "$expect" "$log"; then echo "FAIL $name: /$expect/ not in the output"; tail -40 "$log"; return 1; fi
  echo "ok   $name"
}
# expect_writes NAME N: the simulator counted N writes since the last look
expect_writes() {
  local got
  got=$(writes)
  [ "$got" = "$2" ] || { echo "FAIL $1: $got write call(s), expected $2"; return 1; }
  echo "ok   $1: $2 write call(s)"
}

writes >/dev/null
run facts '"vmk6"' ansible localhost -m multinic.vmotion.vmk_vmotion_facts -a esxi_hostname=192.168.100.109
grep -q "release ${SMOKE_RELEASE:-8.0.3}" "$SIM_LOG" || { echo "FAIL the simulator is not vCenter ${SMOKE_RELEASE:-8.0.3}"; exit 1; }
echo "ok   vCenter ${SMOKE_RELEASE:-8.0.3}"
expect_writes "facts writes nothing" 0
run enable '"changed": true' ansible localhost -m multinic.vmotion.vmk_vmotion_enable \
  -a 'esxi_hostname=192.168.100.109 devices=vmk3'
expect_writes "enable" 1
run enable-again '"changed": false' ansible localhost -m multinic.vmotion.vmk_vmotion_enable \
  -a 'esxi_hostname=192.168.100.109 devices=vmk3'
expect_writes "enable again" 0
run connectivity '"clean": true' ansible localhost -m multinic.vmotion.vmotion_connectivity \
  -a 'esxi_hostname=192.168.100.107,192.168.100.108,192.168.100.110'
run log-facts '"hosts_not_ok"' ansible localhost -m multinic.vmotion.vmotion_log_facts -a esxi_hostname=192.168.100.107
expect_writes "connectivity and log facts write nothing" 0
run enable-playbook-check 'changed=1' ansible-playbook playbooks/enable_vmotion.yml --check --diff
expect_writes "enable_vmotion.yml --check" 0
run site 'changed=[1-9]' ansible-playbook -i playbooks/inventory/seed_fleet playbooks/site.yml --diff
writes >/dev/null
run site-again 'ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' ansible-playbook -i playbooks/inventory/seed_fleet playbooks/site.yml
# the play recap of every host, not only the last one, says changed=0
if grep -E 'changed=[1-9]' "$SMOKE_DIR/$(printf '%02d' $STEP)-site-again.log"; then echo "FAIL site-again: a host changed"; exit 1; fi
expect_writes "site again" 0
run audit 'failed=0' ansible-playbook -i playbooks/inventory/seed_fleet playbooks/audit.yml \
  -e "vmotion_audit_report_dir=$SMOKE_DIR/report"
for f in vmotion-audit.json vmotion-audit.md vmotion-audit.html; do
  [ -s "$SMOKE_DIR/report/$f" ] || { echo "FAIL audit: no $f in $SMOKE_DIR/report"; exit 1; }
done
"$PY" - "$SMOKE_DIR/report/vmotion-audit.json" <<'PY'
import json, sys
audit = json.load(open(sys.argv[1]))
critical = [f for f in audit["findings"] if f["severity"] == "critical"]
assert not critical, critical
print("ok   audit report: %d host(s), no critical finding" % len(audit["hosts"]))
PY
