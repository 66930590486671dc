# Sourced by demo.sh and tests/compat/smoke.sh: start_simulator PYTHON DIR [run.py options...] starts the simulator in
# the background (log and CA in DIR), stops it when the shell exits, waits until it listens, and points the VMWARE_*
# variables at it (as an AWX job template with a VMware credential sets them). Sets SIM_PID, SIM_URL, SIM_LOG.
start_simulator() {
  local python=$1 dir=$2
  shift 2
  SIM_LOG="$dir/simulator.log"
  "$python" tests/simulator/run.py --port 0 --cert-out "$dir/simulator-ca.pem" "$@" >"$SIM_LOG" 2>&1 &
  SIM_PID=$!
  trap 'kill $SIM_PID 2>/dev/null && wait $SIM_PID 2>/dev/null || true' EXIT
  SIM_URL=""
  for _ in $(seq 1 150); do
    SIM_URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$SIM_LOG" | head -n1 || true)
    [ -n "$SIM_URL" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$SIM_URL" ]; then echo "the simulator did not start:"; cat "$SIM_LOG"; exit 1; fi
  export VMWARE_HOST=127.0.0.1 VMWARE_PORT="${SIM_URL##*:}" VMWARE_USER=administrator@vsphere.local VMWARE_PASSWORD='VMware1!'
  export VMWARE_VALIDATE_CERTS=false
}
