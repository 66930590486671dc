#!/usr/bin/env bash
# Runs the project's gates inside the laid-out collection tree and prints a summary.
# Usage: gates.sh all | sanity | units | simulator-tests | integration | lint | docs | build-install | builder | browser | compat | stress
set -u
: "${VENV:?}" "${COLL_DIR:?}" "${COLL_ROOT:?}"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT"
PY="$VENV/bin/python"
# the venv's Python X.Y (the newest stack's), which ansible-test is told to use
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
BUILD=$(dirname "$COLL_ROOT")
cd "$COLL_DIR" || exit 2

declare -a RESULTS=()
FAILED=0

run_gate() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== gate: $name"
  if "$@"; then
    RESULTS+=("PASS  $name ($((SECONDS - start))s)")
  else
    RESULTS+=("FAIL  $name ($((SECONDS - start))s)")
    FAILED=1
  fi
}

gate_sanity() {
  ansible-test sanity --venv --python "$PYVER" --color no
}

gate_units() {
  ansible-test units --local --python "$PYVER" --color no
}

gate_simulator_tests() {
  [ -d tests/simulator/tests ] || { echo "no simulator tests"; return 0; }
  "$PY" -m pytest -q -p no:cacheprovider tests/simulator/tests
}

# Integration targets run against the project's simulator, started here on a free port, in the collection copy $1
# (targets $2...: all when none). Each copy has its own simulator, cloud config, session cache and tests/output.
integration_in() {
  local dir=$1 sim_log sim_pid port ca rc
  shift
  (
  cd "$dir" || exit 2
  sim_log=$(mktemp)
  ca="$dir/tests/output/sim-ca.pem"
  mkdir -p tests/output
  if [ -f tests/simulator/run.py ]; then
    "$PY" tests/simulator/run.py --port 0 --cert-out "$ca" >"$sim_log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 100); do
      port=$(grep -o 'https://127.0.0.1:[0-9]*/sdk' "$sim_log" | head -n1 | sed 's/.*:\([0-9]*\)\/sdk/\1/')
      [ -n "$port" ] && break
      sleep 0.1
    done
    if [ -z "$port" ]; then echo "simulator did not start:"; cat "$sim_log"; kill "$sim_pid" 2>/dev/null; exit 1; fi
    cat > tests/integration/cloud-config-vcenter.ini <<INI
[DEFAULT]
vcenter_hostname: 127.0.0.1
vcenter_username: administrator@vsphere.local
vcenter_password: VMware1!
vcenter_port: $port
vmware_validate_certs: false
simulator_url: https://127.0.0.1:$port
simulator_ca: $ca
simulator_python: $PY
simulator_run: $dir/tests/simulator/run.py
collection_root: $dir
INI
  fi
  # the modules' session cache (on by default) goes to a directory of this run, not the user's ~/.cache
  VMWARE_SESSION_CACHE_DIR="$(mktemp -d)" ANSIBLE_PYTHON_INTERPRETER="$PY" ANSIBLE_COLLECTIONS_PATH="$(dirname "$(dirname "$(dirname "$dir")")")" \
    ansible-test integration --local --python "$PYVER" --color no "$@"
  rc=$?
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  exit $rc
  )
}

# The targets in two shards at once, in two copies of the collection: a target keeps about one core busy (its tasks
# run one at a time against a simulator), so two shards use both cores of the machine. The shards are balanced by the
# seconds each target took (tests/integration/target_seconds.txt; a target not listed counts 30). INTEGRATION_TARGETS
# runs the targets named there, in one shard.
gate_integration() {
  if [ -n "${INTEGRATION_TARGETS:-}" ]; then
    # shellcheck disable=SC2086
    integration_in "$COLL_DIR" $INTEGRATION_TARGETS
    return
  fi
  local root2="$BUILD/collections-shard2" shards rc1 rc2 log1 log2
  rm -rf "$root2"
  mkdir -p "$root2/ansible_collections/multinic"
  cp -a "$COLL_DIR" "$root2/ansible_collections/multinic/vmotion"
  rm -rf "$root2/ansible_collections/multinic/vmotion/tests/output"
  ln -s "$COLL_ROOT/ansible_collections/community" "$COLL_ROOT/ansible_collections/vmware" "$root2/ansible_collections/"
  shards=$("$PY" - <<'PY'
import os
seconds = {}
with open("tests/integration/target_seconds.txt") as f:
    for line in f:
        if line.strip() and not line.startswith("#"):
            name, value = line.split()
            seconds[name] = int(value)
root = "tests/integration/targets"
targets = sorted(t for t in os.listdir(root)
                 if "hidden" not in open(os.path.join(root, t, "aliases")).read().split())
load, shards = [0, 0], [[], []]
for target in sorted(targets, key=lambda t: -seconds.get(t, 30)):
    lighter = load.index(min(load))
    shards[lighter].append(target)
    load[lighter] += seconds.get(target, 30)
print(" ".join(sorted(shards[0])) + "|" + " ".join(sorted(shards[1])))
PY
)
  log1=$(mktemp); log2=$(mktemp)
  echo "shard 1: ${shards%%|*}"
  echo "shard 2: ${shards##*|}"
  # shellcheck disable=SC2086
  integration_in "$COLL_DIR" ${shards%%|*} >"$log1" 2>&1 &
  local pid1=$!
  # shellcheck disable=SC2086
  integration_in "$root2/ansible_collections/multinic/vmotion" ${shards##*|} >"$log2" 2>&1 &
  local pid2=$!
  wait $pid1; rc1=$?
  wait $pid2; rc2=$?
  echo "--- shard 1 (exit $rc1)"; cat "$log1"
  echo "--- shard 2 (exit $rc2)"; cat "$log2"
  rm -f "$log1" "$log2"
  [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]
}

gate_lint() {
  export NO_COLOR=1
  local paths=()
  for p in roles playbooks; do [ -n "$(ls -A "$p" 2>/dev/null)" ] && paths+=("$p"); done
  [ ${#paths[@]} -gt 0 ] || { echo "nothing to lint yet"; return 0; }
  ansible-lint --profile production --offline "${paths[@]}"
}

gate_docs() {
  local rc=0 kind name
  for kind in module filter; do
    for f in plugins/${kind/module/modules}/*; do
      case "$kind:$f" in
        module:*.py) name=$(basename "$f" .py) ;;
        filter:*.yml) name=$(basename "$f" .yml) ;;
        *) continue ;;
      esac
      if ansible-doc -t "$kind" "multinic.vmotion.$name" >/dev/null; then echo "ok  $kind multinic.vmotion.$name"
      else echo "BAD $kind multinic.vmotion.$name"; rc=1; fi
    done
  done
  for r in roles/*/; do
    [ -d "$r" ] || continue
    r=$(basename "$r")
    if ansible-doc -t role "multinic.vmotion.$r" >/dev/null; then echo "ok  role multinic.vmotion.$r"; else echo "BAD role $r"; rc=1; fi
  done
  antsibull-changelog lint || rc=1
  # The docs as the Ansible docsite would build them: schema, markup, every M()/O()/RV()/P() reference (also to
  # community.vmware and ansible.builtin), and rstcheck on the generated RST.
  if antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all --disallow-unknown-collection-refs .; then
    echo "ok  antsibull-docs lint-collection-docs --plugin-docs"
  else echo "BAD antsibull-docs lint-collection-docs --plugin-docs"; rc=1; fi
  return $rc
}

# The tarball must build, install into a clean path and serve the filter from there.
gate_build_install() {
  local out dest msg
  out=$(mktemp -d); dest=$(mktemp -d)
  ansible-galaxy collection build --output-path "$out" . >/dev/null || return 1
  ansible-galaxy collection install --force --offline --no-deps -p "$dest" "$out"/multinic-vmotion-*.tar.gz >/dev/null || return 1
  if tar -tzf "$out"/multinic-vmotion-*.tar.gz | grep -E '(^|/)(\.venv|build|tests/output)/' ; then
    echo "tarball contains build outputs"; return 1
  fi
  # Only the tarball's copy and the dependencies: nothing from the source tree.
  ln -s "$COLL_ROOT/ansible_collections/community" "$COLL_ROOT/ansible_collections/vmware" "$dest/ansible_collections/"
  msg=$(cd /tmp && ANSIBLE_COLLECTIONS_PATH="$dest" ansible localhost -m ansible.builtin.debug \
        -a "msg={{ '192.168.100.114' | multinic.vmotion.vmotion_ip('172.16.2.0/24') }}" 2>&1)
  echo "$msg" | grep -q '"msg": "172.16.2.114"' || { echo "$msg"; return 1; }
  echo "built, installed to $dest, filter answers 172.16.2.114"
}

# The EE builds from this checkout's tarball (no Docker engine here, so no image): the tarball the README's
# `ansible-galaxy collection build` writes must be the file execution-environment.yml installs, the context made by
# `ansible-builder create` must hold it where the galaxy stage (COPY _build /build; WORKDIR /build) looks for it,
# and it must install from there.
gate_builder() {
  [ -f execution-environment.yml ] || { echo "FAIL: no execution-environment.yml"; return 1; }
  local ctx rc tarball
  ctx=$(mktemp -d)
  ansible-galaxy collection build --force . >/dev/null || { rm -rf "$ctx"; return 1; }
  tarball=$(ls multinic-vmotion-*.tar.gz)
  ansible-builder create -f execution-environment.yml -c "$ctx/context" >"$ctx/create.log" 2>&1
  rc=$?
  rm -f multinic-vmotion-*.tar.gz
  [ $rc -eq 0 ] || { cat "$ctx/create.log"; rm -rf "$ctx"; return 1; }
  "$PY" - "$ctx" "$tarball" "$COLL_ROOT" <<'PY'
import glob, json, os, re, subprocess, sys, yaml
ctx, tarball, coll_root = sys.argv[1], sys.argv[2], sys.argv[3]
# the full suite's vmware.vmware, which the compat gate holds to the newest stack's bundle
vmware_vmware = json.load(open(os.path.join(coll_root, "ansible_collections", "vmware", "vmware", "MANIFEST.json")))["collection_info"]["version"]
newest = yaml.safe_load(open("tests/compat/stacks.yml"))["stacks"]["newest"]
pins = dict(p.split("==") for p in newest["pip"])
build = os.path.join(ctx, "context", "_build")
instructions = open(glob.glob(os.path.join(ctx, "context", "[CD]*file"))[0]).read()
collections = yaml.safe_load(open(os.path.join(build, "requirements.yml")))["collections"]
files = [c["name"] for c in collections if c.get("type") == "file"]
checks = {
    "the galaxy stage installs requirements.yml from a copy of _build": all(
        s in instructions for s in ("COPY _build /build", "WORKDIR /build", "collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml")),
    "execution-environment.yml installs %s and no git URL" % tarball:
        [os.path.basename(f) for f in files] == [tarball] and not any(c.get("type") == "git" or ".git" in c["name"] for c in collections),
    "the context holds it where requirements.yml names it": bool(files) and os.path.isfile(os.path.join(build, files[0])),
    # what the image gets is what the newest stack of the compat matrix runs
    "Python %s, ansible-core %s (the newest stack)" % (newest["python"], pins["ansible-core"]):
        'ARG PYCMD="/usr/bin/python%s"' % newest["python"] in instructions
        and re.search(r'ARG ANSIBLE_INSTALL_REFS="ansible-core==%s[ "]' % re.escape(pins["ansible-core"]), instructions) is not None,
    "Python packages pinned to the newest stack's": sorted(open(os.path.join(build, "requirements.txt")).read().split()) ==
        sorted("%s==%s" % (name, pins[name]) for name in ("pyvmomi", "netaddr", "requests")),
    "vmware.vmware %s, the newest stack's" % vmware_vmware:
        [c.get("version") for c in collections if c["name"] == "vmware.vmware"] == ["==%s" % vmware_vmware],
}
if all(checks.values()):
    dest = os.path.join(ctx, "dest")
    out = subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", dest, files[0]],
                         cwd=build, capture_output=True, text=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=dest))
    checks["it installs from there (as in the galaxy stage)"] = out.returncode == 0 and \
        os.path.isfile(os.path.join(ctx, "dest", "ansible_collections", "multinic", "vmotion", "MANIFEST.json"))
    if not checks["it installs from there (as in the galaxy stage)"]:
        print(out.stdout + out.stderr)
for name, ok in checks.items():
    print("%s  %s" % ("ok " if ok else "BAD", name))
sys.exit(0 if all(checks.values()) else 1)
PY
  rc=$?
  rm -rf "$ctx"
  return $rc
}

# The HTML report of the seed fleet in a real browser: headless Chromium (Debian's package, installed by make) renders it;
# the findings and the 12 x 12 matrix must be in the rendered DOM and nothing may fail to load. No browser: FAIL, loudly.
gate_browser() {
  local chromium dir rc
  chromium=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$chromium" ]; then
    echo "!!! BROWSER GATE FAILED: no chromium on PATH (make browser installs Debian's package chromium with apt-get)." >&2
    return 1
  fi
  dir=$(mktemp -d)
  PYTHONPATH="$COLL_ROOT:tests/unit/plugins/module_utils/_audit" "$PY" - "$dir/report.html" <<'PY' || { rm -rf "$dir"; return 1; }
import sys
from test_audit import seed_fleet
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import build_audit
from ansible_collections.multinic.vmotion.plugins.module_utils._render.html import render_html
with open(sys.argv[1], "w") as out:
    out.write(render_html(build_audit(seed_fleet()), vcenter="vcenter.example.com", scope="cluster CL01", version="gate"))
PY
  mkdir "$dir/profile"
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$dir/profile" \
    --dump-dom "file://$dir/report.html" >"$dir/dom.html" 2>"$dir/chromium.log"
  rc=$?
  [ $rc -eq 0 ] || { echo "chromium failed (rc $rc):"; tail -20 "$dir/chromium.log"; rm -rf "$dir"; return 1; }
  "$PY" - "$dir/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
checks = {
    "the page rendered (verdict)": 'id="verdict"' in dom and "4 critical" in dom,
    "4 findings, with the fix": dom.count('<td class="sev-critical">critical</td>') == 4 and "Fix:</b>" in dom,
    "a 12 x 12 matrix": 'id="pair-matrix" data-hosts="12"' in dom and dom.count('<td class="pair ') == 132 and dom.count('<td class="self"') == 12,
    "60 cells losing streams": len(re.findall(r'<td class="pair lost\d', dom)) == 60,
    # the page's CSP (default-src 'none') blocks any load; the DOM must not even ask for one
    "nothing to load (no script, link, image, frame, src, href, url(), @import)":
        not re.search(r"<(script|link|img|iframe|object|embed)\b|\b(src|href)=|url\(|@import", dom, re.I),
}
for name, ok in checks.items():
    print("%s  %s" % ("ok " if ok else "BAD", name))
sys.exit(0 if all(checks.values()) else 1)
PY
  rc=$?
  rm -rf "$dir"
  return $rc
}

# The compatibility matrix (tests/compat): the oldest promised, the previous and the newest stack, each in its own venv
# under build/compat: unit tests, ansible-doc without a warning, and the smoke on the simulator.
gate_compat() {
  "$PY" tests/compat/matrix.py --build "$BUILD/compat" --collection "$COLL_DIR" --main-venv "$VENV" --main-collections "$COLL_ROOT"
}

gate_stress() {
  [ -d tests/stress ] || { echo "no stress tests"; return 0; }
  "$PY" -m pytest -q -p no:cacheprovider tests/stress
}

case "${1:-all}" in
  all)
    run_gate sanity gate_sanity
    run_gate units gate_units
    run_gate simulator-tests gate_simulator_tests
    run_gate integration gate_integration
    run_gate lint gate_lint
    run_gate docs gate_docs
    run_gate build-install gate_build_install
    run_gate builder gate_builder
    run_gate browser gate_browser
    run_gate compat gate_compat
    ;;
  sanity|units|simulator-tests|integration|lint|docs|build-install|builder|browser|compat|stress)
    run_gate "$1" "gate_${1//-/_}"
    ;;
  *) echo "unknown gate $1"; exit 2 ;;
esac

echo
echo "=== summary"
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
