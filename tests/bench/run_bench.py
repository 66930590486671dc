#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks against community.vmware: API calls, logins, writes and time on the same simulated fleet.

For every fleet size N, each scenario runs once with this collection and once with the equivalent
community.vmware playbook, each side on a fresh simulator (tests/simulator) with a per-call latency:

  1. vmk facts of the whole fleet: vmk_vmotion_facts vs vmware_vmkernel_info, both with cluster_name;
  2. a 3-vmk multi-NIC vMotion layout built from scratch on every host: playbooks/site.yml (the
     multinic_vmotion role) vs vmware_portgroup + vmware_vmkernel per vmk per host;
  3. the converged re-run of 2 (same simulator, counters reset);
  4. fleet-wide vMotion enable on the vmks that lack it: vmk_vmotion_enable vs vmware_vmkernel per vmk.

Both sides use the same inventory (N hosts, module tasks delegated to localhost) and the same forks.
The simulator counts every SOAP call; a run is: reset the counters, run ansible-playbook, read them.
Scenario 1 runs --facts-repeat times per side (read-only; the fastest is kept). Above
--max-community-hosts, the per-host community.vmware playbooks (2-4, one task per vmk per host: about
20 minutes each at 256 hosts on 2 CPUs) run on --community-sample hosts spread over the N-host fleet and
are extrapolated to N, marked "~" in the outputs.
Results go to --output: results.json, results.md and bench.png (matplotlib, optional);
--report-only rebuilds results.md and bench.png from results.json.

    make bench BENCH_ARGS="--sizes 12,64 --latency-ms 5 --forks 8"
    python tests/bench/run_bench.py --sizes 12,64,256 [--scenarios 1,2,3,4] [--max-community-hosts 64]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import ssl
import subprocess
import sys
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # Python 2 is not supported by the benchmark; keeps the compile sanity test quiet
    Request = urlopen = None

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, "playbooks")
SIMULATOR = os.path.join(COLLECTION, "tests", "simulator", "run.py")
SITE = os.path.join(COLLECTION, "playbooks", "site.yml")

USER, PASSWORD, CLUSTER = "administrator@vsphere.local", "VMware1!", "CL01"
# Calls that open or close a session; neither reads nor writes of the inventory.
SESSION_METHODS = ("RetrieveServiceContent", "Login", "Logout", "SessionIsActive", "CurrentTime")

SCENARIOS = {
    1: "vmk facts, whole fleet",
    2: "3-vmk layout from scratch",
    3: "converged re-run of 2",
    4: "fleet-wide vMotion enable",
}
SIDES = ("ours", "community")
SIDE_LABEL = {"ours": "multinic.vmotion", "community": "community.vmware"}

# The 3-vmk layout of scenarios 2/3 on the generated hosts' vSwitch1 (vmnic2-4, MTU 9000), as the role takes it.
LAYOUT_PLAN = [
    {"index": 1, "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "active_uplink": "vmnic2"},
    {"index": 2, "subnet": "172.16.2.0/24", "portgroup": "vMotion-2", "active_uplink": "vmnic3"},
    {"index": 3, "subnet": "172.16.3.0/24", "portgroup": "vMotion-3", "active_uplink": "vmnic4"},
]
LAYOUT_DEFAULTS = {"switch": "vSwitch1", "mtu": 9000, "failover": "unused"}
# The vMotion vmks of the simulator's seed profile (--seed-like), for scenario 4.
SEED_PLAN = [
    {"index": 1, "device": "vmk1", "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "switch": "vSwitch4", "active_uplink": "vmnic8", "mtu": 9000},
    {"index": 2, "device": "vmk2", "subnet": "172.16.2.0/24", "portgroup": "vMotion-2", "switch": "vSwitch4", "active_uplink": "vmnic9", "mtu": 9000},
    {"index": 3, "device": "vmk3", "subnet": "172.16.3.0/24", "portgroup": "vMotion-3", "switch": "vSwitch1", "active_uplink": "vmnic2", "mtu": 1500},
    {"index": 4, "device": "vmk4", "subnet": "172.16.4.0/24", "portgroup": "vMotion-4", "switch": "vSwitch3", "active_uplink": "vmnic6", "mtu": 1500},
    {"index": 0, "device": "vmk6", "subnet": "172.16.0.0/24", "portgroup": "vMotion-0", "switch": "vSwitch2", "active_uplink": "vmnic5", "mtu": 1500},
]
BACKUP_SERVICE = "vSphereBackupNFC"


def host_name(i):
    return "esx-{0:04d}.sim.local".format(i + 1)


def mgmt_ip(i):
    # The simulator's rule for generated hosts (tests/simulator/vsim/topology.py).
    return "10.20.{0}.{1}".format(i // 200, i % 200 + 10)


def octet(i):
    return mgmt_ip(i).rsplit(".", 1)[1]


# --- simulator ---------------------------------------------------------------------------------


class Simulator(object):
    """One simulator process with N generated hosts; the counters are read over its /_sim endpoints."""

    def __init__(self, python, hosts, latency_ms, seed_like, log_path):
        self.python, self.hosts, self.latency_ms, self.seed_like = python, hosts, latency_ms, seed_like
        self.log_path = log_path
        self.proc = None
        self.port = None
        # The simulator's certificate is self-signed, as validate_certs: false on the module side.
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    def __enter__(self):
        command = [self.python, SIMULATOR, "--port", "0", "--hosts", str(self.hosts), "--latency-ms", str(self.latency_ms)]
        if self.seed_like:
            command.append("--seed-like")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, universal_newlines=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.log.write(line)
            match = re.search(r"https://127\.0\.0\.1:(\d+)/sdk", line)
            if match:
                self.port = int(match.group(1))
                return self
        self.__exit__(None, None, None)
        raise RuntimeError("the simulator did not start; see %s" % self.log_path)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def cpu_seconds(self):
        """CPU time (user + system) of the simulator process so far; None where /proc is missing."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
        except (IOError, OSError, ValueError, IndexError):
            return None

    def _control(self, path, data=None):
        body = None if data is None else json.dumps(data).encode("utf-8")
        request = Request("https://127.0.0.1:%d/_sim/%s" % (self.port, path), data=body, method="GET" if body is None else "POST")
        with urlopen(request, context=self.context, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))

    def stats(self):
        return self._control("stats")

    def reset(self):
        return self._control("reset", {})

    def state(self):
        return self._control("state")


# --- ansible -------------------------------------------------------------------------------


def write_inventory(path, hosts, port, python):
    """One inventory for both sides: N ESXi hosts (ansible_host = management IP) and localhost."""
    inventory = {
        "all": {
            "vars": {
                "vmware_hostname": "127.0.0.1",
                "vmware_port": port,
                "vmware_username": USER,
                "vmware_password": PASSWORD,
                "vmware_validate_certs": False,
                "bench_cluster": CLUSTER,
                # role inputs (scenarios 2/3); the community playbook reads the same plan
                "multinic_vmotion_plan": LAYOUT_PLAN,
                "multinic_vmotion_defaults": LAYOUT_DEFAULTS,
                "multinic_vmotion_mgmt_ip_source": "ansible_host",
                "bench_seed_plan": SEED_PLAN,
                "ansible_connection": "local",
                "ansible_python_interpreter": python,
            },
            "hosts": {"localhost": None},
            "children": {"esxi": {"hosts": dict((host_name(i), {"ansible_host": mgmt_ip(i)}) for i in range(hosts))}},
        }
    }
    with open(path, "w") as handle:
        json.dump(inventory, handle, indent=1)  # JSON is YAML; the inventory plugin takes it as is
    return path


def machine_busy_seconds():
    """CPU seconds all CPUs of the machine have been busy since boot (Linux /proc/stat); None elsewhere."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / float(os.sysconf("SC_CLK_TCK"))
    except (IOError, OSError, ValueError):
        return None


RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Ansible(object):
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.playbook_bin = os.path.join(os.path.dirname(args.python), "ansible-playbook")
        if not os.path.exists(self.playbook_bin):
            self.playbook_bin = shutil.which("ansible-playbook") or "ansible-playbook"
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": args.collections_path,
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_DEPRECATION_WARNINGS": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PIPELINING": str(bool(args.pipelining)),
            "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-tmp"),
        })
        self.env.pop("ANSIBLE_CONFIG", None)

    def adhoc_ping(self, log_path):
        """Wall seconds of `ansible localhost -m ansible.builtin.ping`: what starting Ansible costs a task, doing nothing."""
        command = [os.path.join(os.path.dirname(self.playbook_bin), "ansible"), "localhost", "-m", "ansible.builtin.ping"]
        started = time.time()
        with open(log_path, "w") as log:
            subprocess.check_call(command, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.workdir, timeout=self.args.run_timeout)
        return time.time() - started

    def version(self):
        out = subprocess.check_output([self.playbook_bin, "--version"], env=self.env, universal_newlines=True)
        match = re.search(r"core ([\d.]+\w*)", out)
        return match.group(1) if match else out.splitlines()[0]

    def run(self, playbook, inventory, log_path, extra_vars=None, limit=None):
        """Runs one playbook; returns rc, wall and play seconds, per-task seconds and the recap counts."""
        timer = log_path + ".timer.json"
        command = [self.playbook_bin, "-i", inventory, "-f", str(self.args.forks), playbook]
        if limit:
            command += ["--limit", ",".join(limit)]
        if extra_vars:
            vars_file = log_path + ".vars.json"
            with open(vars_file, "w") as handle:
                json.dump(extra_vars, handle)
            command += ["-e", "@" + vars_file]
        # every run starts with an empty session cache, as a new AWX job does: runs of one scenario cost the same calls
        env = dict(self.env, BENCH_TIMER_FILE=timer, VMWARE_SESSION_CACHE_DIR=log_path + ".sessions")
        # CPU of ansible-playbook, its workers and the modules: every waited-for child process of this one
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        with open(log_path, "w") as log:
            try:
                rc = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir, timeout=self.args.run_timeout)
            except subprocess.TimeoutExpired:
                rc = "timeout"
        wall = time.time() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        timing = {"play_seconds": None, "tasks": {}}
        if os.path.exists(timer):
            with open(timer) as handle:
                timing = json.load(handle)
        with open(log_path) as handle:
            recap = RECAP.findall(handle.read())
        return {
            "rc": rc,
            "wall_s": round(wall, 2),
            "play_s": round(timing["play_seconds"], 2) if timing["play_seconds"] is not None else None,
            "tasks_s": dict((k, round(v, 2)) for k, v in sorted(timing["tasks"].items(), key=lambda kv: -kv[1])),
            "ansible_cpu_s": round(cpu, 2),
            "changed": sum(int(r[2]) for r in recap),
            "failed": sum(int(r[3]) + int(r[4]) for r in recap),
            "log": log_path,
        }


# --- checks of the simulator state after a run ------------------------------------------------


def check_layout(state, indices):
    """Hosts (of those numbered in indices) whose 3 vMotion vmks are as planned: port group with the one active uplink, address, MTU, vMotion on."""
    good = 0
    for i in indices:
        host = state["hosts"].get(host_name(i), {})
        vmotion = set(host.get("services", {}).get("vmotion", []))
        ok = True
        for item in LAYOUT_PLAN:
            group = host.get("portgroups", {}).get(item["portgroup"])
            ip = item["subnet"].split("/", 1)[0].rsplit(".", 1)[0] + "." + octet(i)
            vmks = [d for d, v in host.get("vmks", {}).items() if v["portgroup"] == item["portgroup"] and v["ip"] == ip and v["mtu"] == 9000]
            if not group or group["active"] != [item["active_uplink"]] or group["standby"] or not vmks or vmks[0] not in vmotion:
                ok = False
        good += ok
    return "%d/%d hosts with the layout" % (good, len(indices)), good == len(indices)


def enable_setup(hosts):
    """Scenario 4 set-up: vMotion off on one vmk of every third host, Backup NFC on vmk4 of every eighth host."""
    devices = [item["device"] for item in SEED_PLAN]
    disable = dict((d, []) for d in devices)
    for i in range(0, hosts, 3):
        disable[devices[(i // 3) % len(devices)]].append(host_name(i))
    backup = [host_name(i) for i in range(0, hosts, 8)]
    return {"bench_disable": disable, "bench_backup_nfc_hosts": backup}


def check_enable(state, setup, indices):
    """vMotion vmks still off, and Backup NFC services lost, on the hosts numbered in indices."""
    devices = [item["device"] for item in SEED_PLAN]
    names = [host_name(i) for i in indices]
    backup = [n for n in setup["bench_backup_nfc_hosts"] if n in names]
    missing = dropped = 0
    for name in names:
        services = state["hosts"].get(name, {}).get("services", {})
        missing += sum(1 for d in devices if d not in services.get("vmotion", []))
        if name in backup and "vmk4" not in services.get(BACKUP_SERVICE, []):
            dropped += 1
    text = "%d vMotion vmk(s) still off; %s dropped on %d of %d vmk(s)" % (missing, BACKUP_SERVICE, dropped, len(backup))
    return text, missing == 0, dropped, len(backup)


# --- one benchmark run -----------------------------------------------------------------------------


# What scales with the number of hosts when a per-host playbook ran on a sample of the fleet.
SCALED = ("total", "writes", "logins", "session_calls", "reads", "play_s", "wall_s", "ansible_cpu_s", "sim_cpu_s", "changed")


def extrapolate(entry, measured_hosts):
    """Scales a run on measured_hosts of N hosts to N: every host of those playbooks does the same work, and the
    per-host cost already is the one of an N-host vCenter. The measured numbers stay under 'measured'."""
    factor = entry["n"] / float(measured_hosts)
    entry["measured"] = dict((k, entry[k]) for k in SCALED + ("calls",) if entry.get(k) is not None)
    for key in SCALED:
        if entry.get(key) is not None:
            entry[key] = round(entry[key] * factor, 2 if key.endswith("_s") else None)
            if not key.endswith("_s"):
                entry[key] = int(entry[key])
    entry["calls"] = dict((m, int(round(n * factor))) for m, n in entry["calls"].items())
    entry["estimated"] = "extrapolated from %d of %d hosts" % (measured_hosts, entry["n"])


def summarize(stats, hosts):
    calls = dict(sorted(stats["calls"].items()))
    session = sum(n for m, n in calls.items() if m in SESSION_METHODS)
    reads = stats["total"] - stats["writes"] - session
    return {"calls": calls, "total": stats["total"], "writes": stats["writes"], "logins": stats["logins"],
            "session_calls": session, "reads": reads, "reads_per_host": round(reads / float(hosts), 2)}


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.logs = os.path.join(args.output, "logs")
        self.workdir = os.path.join(args.output, "work")
        for path in (self.logs, self.workdir, os.path.join(self.workdir, "ansible-tmp")):
            if not os.path.isdir(path):
                os.makedirs(path)
        self.ansible = Ansible(args, self.workdir)
        self.runs = []
        self.partial = os.path.join(args.output, "results.partial.json")

    def ours_build_playbook(self):
        if self.args.ours_build == "site" or (self.args.ours_build == "auto" and os.path.exists(SITE)):
            return SITE
        return os.path.join(PLAYBOOKS, "build_ours.yml")

    def record(self, scenario, side, hosts, run=None, stats=None, check=None, ok=True, status="ok", reason=None, measured_hosts=None, **extra):
        entry = {"scenario": scenario, "side": side, "n": hosts, "status": status}
        if run is not None:
            if run["rc"] != 0 or run["failed"]:
                status = "failed"
                reason = "ansible-playbook rc=%s, %d failed/unreachable host(s); see %s" % (run["rc"], run["failed"], run["log"])
            elif not ok:
                status = "wrong"
                reason = "the run finished but the fleet is not as expected: %s" % check
            entry.update(run)
            entry["status"] = status
        if stats is not None:
            entry.update(summarize(stats, measured_hosts or hosts))
        if check is not None:
            entry["check"] = check
        if reason:
            entry["reason"] = reason
        entry.update(extra)
        if stats is not None and measured_hosts and measured_hosts < hosts:
            extrapolate(entry, measured_hosts)
        self.runs.append(entry)
        # A full run takes an hour: keep what is done so far (results.json is written at the end).
        with open(self.partial, "w") as handle:
            json.dump(self.runs, handle, indent=1, sort_keys=True)
        self.say(entry)
        return entry

    @staticmethod
    def say(entry):
        head = "  [%d %-9s N=%d]" % (entry["scenario"], entry["side"], entry["n"])
        if entry.get("estimated"):
            head += " (%s)" % entry["estimated"]
        if "total" in entry:
            print("%s %s: %d calls, %d logins, %d writes, %d reads, time %.1f s (wall %.1f s, CPU ansible %.1f s, simulator %s s); %s"
                  % (head, entry["status"], entry["total"], entry["logins"], entry["writes"], entry["reads"], entry["play_s"] or 0,
                     entry["wall_s"], entry["ansible_cpu_s"], entry.get("sim_cpu_s", "?"), entry.get("check", "")), flush=True)
        else:
            print("%s %s: %s" % (head, entry["status"], entry.get("reason", "")), flush=True)
        if entry.get("floor"):
            print("  %s" % floor_text(entry), flush=True)

    def simulator(self, hosts, seed_like, tag):
        return Simulator(self.args.python, hosts, self.args.latency_ms, seed_like, os.path.join(self.logs, "sim-%s.log" % tag))

    def measure(self, sim, playbook, inventory, tag, extra_vars=None, indices=None):
        sim.reset()
        cpu, busy = sim.cpu_seconds(), machine_busy_seconds()
        limit = [host_name(i) for i in indices] if indices else None
        run = self.ansible.run(playbook, inventory, os.path.join(self.logs, tag + ".log"), extra_vars, limit)
        if cpu is not None and busy is not None:
            run["sim_cpu_s"] = round(sim.cpu_seconds() - cpu, 2)
            # Times are only comparable when the machine did nothing else: CPU used meanwhile by other processes.
            run["others_cpu_s"] = round(max(0.0, machine_busy_seconds() - busy - run["sim_cpu_s"] - run["ansible_cpu_s"]), 2)
        return run, sim.stats()

    def sample(self, side, hosts):
        """Numbers of the hosts a per-host playbook runs on: all of them, except community.vmware above --max-community-hosts.

        A sample is spread over the fleet with a varying offset: community.vmware finds a host by walking the host list,
        so the first hosts are cheaper than the average one, and the scenario 4 set-up follows host numbers modulo 3 and 8.
        """
        cap = self.args.max_community_hosts
        if side == "community" and cap and hosts > cap:
            size = min(self.args.community_sample, cap)
            step = hosts // size
            return [k * step + k % step for k in range(size)]
        return list(range(hosts))

    def facts(self, side, hosts):
        tag = "1-%s-%d" % (side, hosts)
        with self.simulator(hosts, True, tag) as sim:
            inventory = write_inventory(os.path.join(self.workdir, tag + ".json"), hosts, sim.port, self.args.python)
            playbook = os.path.join(PLAYBOOKS, "facts_%s.yml" % side)
            # Read-only, so it can run again on the same fleet: the fastest of --facts-repeat runs is the least disturbed
            # by other processes on the machine; calls must be the same every time.
            tries = []
            for attempt in range(max(1, self.args.facts_repeat)):
                tries.append(self.measure(sim, playbook, inventory, "%s-%d" % (tag, attempt + 1)))
            failed = [t for t in tries if t[0]["rc"] != 0 or t[0]["failed"]]
            run, stats = failed[0] if failed else min(tries, key=lambda t: t[0]["play_s"] or 0)
            same = len(set(t[1]["total"] for t in tries)) == 1
            check = "%d hosts read; %d run(s)%s" % (hosts, len(tries), "" if same else ", CALLS DIFFER: %s" % [t[1]["total"] for t in tries])
            extra = self.floor(sim, tag, run) if side == "ours" else {}
            self.record(1, side, hosts, run, stats, check, same, playbook=os.path.relpath(playbook, COLLECTION),
                        play_s_all=[t[0]["play_s"] for t in tries], **extra)

    def floor(self, sim, tag, run):
        """The floor of a facts run on the same simulator: Ansible's start (ansible -m ping) plus a bare pyVmomi read of the
        same properties (floor_read.py), each the fastest of --facts-repeat; and the facts run's wall time over it."""
        ping = [self.ansible.adhoc_ping(os.path.join(self.logs, "%s-ping-%d.log" % (tag, k))) for k in range(max(1, self.args.facts_repeat))]
        reads = []
        for _k in range(max(1, self.args.facts_repeat)):
            out = subprocess.check_output([self.args.python, os.path.join(HERE, "floor_read.py"), "--port", str(sim.port)],
                                          universal_newlines=True, timeout=self.args.run_timeout)
            reads.append(json.loads(out.strip().splitlines()[-1])["seconds"])
        floor = min(ping) + min(reads)
        return {"floor": {"ansible_start_s": round(min(ping), 2), "pyvmomi_read_s": round(min(reads), 2), "floor_s": round(floor, 2),
                          "ratio": round(run["wall_s"] / floor, 2) if floor else None}}

    def build(self, side, hosts, scenarios):
        wanted = [s for s in (2, 3) if s in scenarios]
        sample = self.sample(side, hosts)
        tag = "2-%s-%d" % (side, hosts)
        playbook = self.ours_build_playbook() if side == "ours" else os.path.join(PLAYBOOKS, "build_community.yml")
        name = os.path.relpath(playbook, COLLECTION)
        with self.simulator(hosts, False, tag) as sim:
            inventory = write_inventory(os.path.join(self.workdir, tag + ".json"), hosts, sim.port, self.args.python)
            run, stats = self.measure(sim, playbook, inventory, tag, indices=sample if len(sample) < hosts else None)
            check, ok = check_layout(sim.state(), sample)
            if 2 in wanted:
                self.record(2, side, hosts, run, stats, check, ok, playbook=name, measured_hosts=len(sample))
            if 3 in wanted:
                if run["rc"] != 0 or not ok:
                    self.record(3, side, hosts, status="not run", reason="the build (scenario 2) did not converge: %s" % check)
                    return
                tag = "3-%s-%d" % (side, hosts)
                run, stats = self.measure(sim, playbook, inventory, tag, indices=sample if len(sample) < hosts else None)
                check, ok = check_layout(sim.state(), sample)
                if stats["writes"] or run["changed"]:
                    check += "; NOT converged: %d writes, %d changed" % (stats["writes"], run["changed"])
                self.record(3, side, hosts, run, stats, check, ok, playbook=name, measured_hosts=len(sample))

    def enable(self, side, hosts):
        tag = "4-%s-%d" % (side, hosts)
        sample = self.sample(side, hosts)
        setup = enable_setup(hosts)
        names = set(host_name(i) for i in sample)
        to_enable = sum(1 for hosts_off in setup["bench_disable"].values() for name in hosts_off if name in names)
        with self.simulator(hosts, True, tag) as sim:
            inventory = write_inventory(os.path.join(self.workdir, tag + ".json"), hosts, sim.port, self.args.python)
            prepared = self.ansible.run(os.path.join(PLAYBOOKS, "enable_prepare.yml"), inventory,
                                        os.path.join(self.logs, tag + "-setup.log"), setup)
            if prepared["rc"] != 0:
                self.record(4, side, hosts, status="failed", reason="set-up failed; see %s" % prepared["log"])
                return
            playbook = os.path.join(PLAYBOOKS, "enable_%s.yml" % side)
            run, stats = self.measure(sim, playbook, inventory, tag, indices=sample if len(sample) < hosts else None)
            check, ok, dropped, backup = check_enable(sim.state(), setup, sample)
            self.record(4, side, hosts, run, stats, check, ok, playbook=os.path.relpath(playbook, COLLECTION), measured_hosts=len(sample),
                        vmks_to_enable=to_enable, backup_nfc_vmks=backup, services_dropped=dropped)

    def run(self):
        for hosts in self.args.sizes:
            for side in SIDES:
                print("N=%d, %s" % (hosts, SIDE_LABEL[side]), flush=True)
                if 1 in self.args.scenarios:
                    self.facts(side, hosts)
                if 2 in self.args.scenarios or 3 in self.args.scenarios:
                    self.build(side, hosts, self.args.scenarios)
                if 4 in self.args.scenarios:
                    self.enable(side, hosts)
        return self.runs


# --- comparison, targets, outputs ---------------------------------------------------------------


def find(runs, scenario, side, hosts):
    for run in runs:
        if run["scenario"] == scenario and run["side"] == side and run["n"] == hosts and "total" in run:
            return run
    return None


def ratio(community, ours):
    if community is None or ours is None:
        return None
    if not ours:
        return None if not community else float("inf")
    return round(community / float(ours), 1)


def comparisons(runs, sizes):
    rows = []
    for scenario in sorted(SCENARIOS):
        for hosts in sizes:
            ours, community = find(runs, scenario, "ours", hosts), find(runs, scenario, "community", hosts)
            if ours is None and community is None:
                continue
            row = {"scenario": scenario, "n": hosts, "community_estimated": community and community.get("estimated")}
            for key in ("total", "logins", "writes", "reads", "play_s", "wall_s"):
                row[key] = {"ours": ours and ours[key], "community": community and community[key],
                            "ratio": ratio(community and community[key], ours and ours[key])}
            rows.append(row)
    return rows


def targets(runs, sizes):
    """The issue's targets for this collection, each PASS, MISS or N/A with the numbers behind it."""
    out = []

    def add(name, verdict, detail):
        out.append({"target": name, "result": "N/A" if verdict is None else ("PASS" if verdict else "MISS"), "detail": detail})

    facts = [r for r in runs if r["scenario"] == 1 and r["side"] == "ours" and "total" in r]
    totals = dict((r["n"], r["total"]) for r in facts)
    add("facts: calls constant in N", len(set(totals.values())) == 1 if len(totals) > 1 else None,
        ", ".join("N=%d: %d" % kv for kv in sorted(totals.items())) or "no run")
    at256 = find(runs, 1, "ours", 256)
    add("facts: <= 10 calls for 256 hosts", at256["total"] <= 10 if at256 else None,
        "%d calls" % at256["total"] if at256 else "N=256 not run")
    ours, community = find(runs, 1, "ours", 64), find(runs, 1, "community", 64)
    both = ours is not None and community is not None
    add("facts: >= 50x fewer calls than vmware_vmkernel_info at N=64", ratio(community["total"], ours["total"]) >= 50 if both else None,
        "%d vs %d calls: %sx" % (ours["total"], community["total"], ratio(community["total"], ours["total"])) if both else "N=64 not run on both sides")
    add("facts: >= 20x less time than vmware_vmkernel_info at N=64 (play time)",
        ratio(community["play_s"], ours["play_s"]) >= 20 if both else None,
        "%.1f s vs %.1f s: %sx (ansible-playbook wall incl. start-up: %.1f s vs %.1f s, %sx)"
        % (ours["play_s"], community["play_s"], ratio(community["play_s"], ours["play_s"]),
           ours["wall_s"], community["wall_s"], ratio(community["wall_s"], ours["wall_s"])) if both else "N=64 not run on both sides")
    floored = [r for r in facts if r.get("floor")]
    add("facts: within 1.3x of the floor (ansible -m ping + bare pyVmomi read) at N=64",
        next((r["floor"]["ratio"] <= 1.3 for r in floored if r["n"] == 64), None),
        ", ".join("N=%d: %.2f s vs floor %.2f s, %.2fx" % (r["n"], r["wall_s"], r["floor"]["floor_s"], r["floor"]["ratio"]) for r in floored)
        or "no run")
    ours, community = find(runs, 2, "ours", 64), find(runs, 2, "community", 64)
    both = ours is not None and community is not None
    add("build: >= 10x fewer calls than community.vmware at N=64", ratio(community["total"], ours["total"]) >= 10 if both else None,
        "%d vs %d calls: %sx" % (ours["total"], community["total"], ratio(community["total"], ours["total"])) if both else "N=64 not run on both sides")
    rerun = [r for r in runs if r["scenario"] == 3 and r["side"] == "ours" and "total" in r]
    add("converged re-run: zero writes", all(r["writes"] == 0 for r in rerun) if rerun else None,
        ", ".join("N=%d: %d writes" % (r["n"], r["writes"]) for r in rerun) or "no run")
    add("converged re-run: at most one read per host", all(r["reads"] <= r["n"] for r in rerun) if rerun else None,
        ", ".join("N=%d: %d reads (%.2f/host), %d logins" % (r["n"], r["reads"], r["reads_per_host"], r["logins"]) for r in rerun) or "no run")
    # "Better: per fleet": the reads do not grow with the number of hosts.
    add("converged re-run (better): reads per fleet, constant in N",
        len(set(r["reads"] for r in rerun)) == 1 and rerun[0]["reads"] < rerun[0]["n"] if len(rerun) > 1 else None,
        ", ".join("N=%d: %d reads (%s)" % (r["n"], r["reads"], ", ".join("%s %d" % (m, c) for m, c in sorted(r["calls"].items())
                                                                         if m not in SESSION_METHODS)) for r in rerun) or "no run")
    enable = [r for r in runs if r["scenario"] == 4 and r["side"] == "ours" and "total" in r]
    add("fleet enable: one read plus one write per changed vmk",
        all(r["reads"] <= 1 and r["writes"] == r["vmks_to_enable"] for r in enable) if enable else None,
        ", ".join("N=%d: %d read(s), %d writes for %d vmks" % (r["n"], r["reads"], r["writes"], r["vmks_to_enable"]) for r in enable) or "no run")
    return out


def fmt(value, digits=0):
    if value is None:
        return "-"
    if value == float("inf"):
        return "inf"
    if isinstance(value, float) and digits:
        return "%.*f" % (digits, value)
    return str(int(round(value))) if isinstance(value, float) else str(value)


def markdown(result):
    s = result["settings"]
    lines = [
        "# multinic.vmotion vs community.vmware",
        "",
        "Generated by `tests/bench/run_bench.py` on %s." % s["date"],
        "",
        "| setting | value |",
        "|---|---|",
        "| fleet sizes N | %s |" % ", ".join(str(n) for n in s["sizes"]),
        "| simulator latency per call | %s ms |" % s["latency_ms"],
        "| forks (both sides) | %d |" % s["forks"],
        "| pipelining | %s |" % s["pipelining"],
        "| scenario 1 runs per side (fastest kept) | %s |" % s.get("facts_repeat", 1),
        "| ansible-core | %s |" % s["ansible_core"],
        "| machine | %s |" % s["machine"],
        "| our build playbook (2/3) | `%s` |" % s["ours_build_playbook"],
        "| community.vmware scenarios 2-4 above N=%s | %s |" % (
            s["max_community_hosts"] or "-", "run on %d hosts, extrapolated to N (~)" % s["community_sample"] if s["max_community_hosts"] else "no cap"),
        "",
        "Each side of each scenario runs on a fresh simulator (scenario 3 re-uses the simulator of 2 after a counter reset).",
        "Calls are SOAP calls counted by the simulator; *reads* are calls that are neither writes nor session set-up "
        "(%s); *time* is from the first play to the end (the bench_timer callback), *wall* adds ansible-playbook's start-up." % ", ".join(SESSION_METHODS),
        "Scenarios 1 and 4 run on `--seed-like` hosts (7 vmks each); 2 and 3 on plain generated hosts (vSwitch1 with vmnic2-4).",
        "",
        "## Side by side (ratio = community.vmware / multinic.vmotion)",
        "",
        "| scenario | N | calls ours | calls c.v | x calls | logins ours | logins c.v | x logins | writes ours | writes c.v "
        "| time ours (s) | time c.v (s) | x time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["comparison"]:
        t, lg, w, p = row["total"], row["logins"], row["writes"], row["play_s"]
        est = "~" if row["community_estimated"] else ""  # community.vmware numbers extrapolated from a sample of hosts
        lines.append("| %d. %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["scenario"], SCENARIOS[row["scenario"]], row["n"], fmt(t["ours"]), est + fmt(t["community"]), est + fmt(t["ratio"], 1),
            fmt(lg["ours"]), est + fmt(lg["community"]), est + fmt(lg["ratio"], 1), fmt(w["ours"]), est + fmt(w["community"]),
            fmt(p["ours"], 1), est + fmt(p["community"], 1), est + fmt(p["ratio"], 1)))
    lines += ["", "## Targets of this collection", "", "| target | result | measured |", "|---|---|---|"]
    for t in result["targets"]:
        lines.append("| %s | **%s** | %s |" % (t["target"], t["result"], t["detail"]))
    lines += ["", "## Every run", "",
              "| scenario | side | N | status | calls | logins | writes | reads | reads/host | time (s) | wall (s) | CPU ansible (s) "
              "| CPU simulator (s) | CPU others (s) | changed | check | calls per method |",
              "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in result["runs"]:
        if "total" not in r:
            lines.append("| %d | %s | %d | %s |%s %s | |" % (r["scenario"], SIDE_LABEL[r["side"]], r["n"], r["status"], " |" * 11, r.get("reason", "")))
            continue
        methods = ", ".join("%s %d" % (m, n) for m, n in sorted(r["calls"].items(), key=lambda kv: -kv[1]))
        lines.append("| %d | %s | %d | %s | %d | %d | %d | %d | %.2f | %s | %s | %s | %s | %s | %d | %s | %s |" % (
            r["scenario"], SIDE_LABEL[r["side"]], r["n"], r["status"], r["total"], r["logins"], r["writes"], r["reads"],
            r["reads_per_host"], fmt(r["play_s"], 1), fmt(r["wall_s"], 1), fmt(r["ansible_cpu_s"], 1), fmt(r.get("sim_cpu_s"), 1),
            fmt(r.get("others_cpu_s"), 1), r["changed"], r.get("check", ""), methods))
    lines += ["", "## Notes", ""] + ["- " + n for n in result["notes"]] + [""]
    return "\n".join(lines)


def plot(result, path):
    """Calls and time against N, log scales, one column per scenario, both sides."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # no display on CI machines
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, LogLocator
    except ImportError:
        return "matplotlib is not installed (pip install -r tests/bench/requirements.txt): no plot"
    scenarios = sorted(set(r["scenario"] for r in result["runs"]))
    fig, axes = plt.subplots(2, len(scenarios), figsize=(max(4.2 * len(scenarios), 8.0), 8.0), squeeze=False)
    for col, scenario in enumerate(scenarios):
        for row, (key, label) in enumerate((("total", "API calls"), ("play_s", "time, first play to end (s)"))):
            ax = axes[row][col]
            for side, style, color in (("ours", "o-", "tab:blue"), ("community", "s--", "tab:orange")):
                points = sorted((r["n"], r[key], bool(r.get("estimated"))) for r in result["runs"]
                                if r["scenario"] == scenario and r["side"] == side and r.get(key))
                if not points:
                    continue
                ax.plot([p[0] for p in points], [p[1] for p in points], style, color=color, label=SIDE_LABEL[side])
                for x, y, estimated in points:
                    if estimated:  # hollow marker: extrapolated from a sample of hosts
                        ax.plot([x], [y], style[0], color="white", markeredgecolor=color, markersize=7)
                    ax.annotate(("~" if estimated else "") + fmt(y, 1 if key == "play_s" else 0), (x, y),
                                textcoords="offset points", xytext=(3, 4), fontsize=7)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.margins(x=0.12, y=0.15)  # room for the value labels
            ax.set_xticks(result["settings"]["sizes"])
            ax.set_xticklabels([str(n) for n in result["settings"]["sizes"]])
            ax.minorticks_off()
            # Plain numbers; 1-2-5 ticks when the panel spans few decades (it may span less than one)
            low, high = ax.get_ylim()
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0,) if high / low > 1000 else (1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: "{0:,.0f}".format(value) if value >= 10 else "%g" % value))
            ax.grid(True, which="major", alpha=0.3)
            ax.set_xlabel("hosts (N)")
            ax.set_ylabel(label)
            if row == 0:
                ax.set_title("%d. %s" % (scenario, SCENARIOS[scenario]), fontsize=10)
            ax.legend(fontsize=7)
    s = result["settings"]
    fig.suptitle("multinic.vmotion vs community.vmware\nsimulator latency %s ms/call, forks %d, ansible-core %s, %s"
                 % (s["latency_ms"], s["forks"], s["ansible_core"], s["date"]), fontsize=10)
    if any(r.get("estimated") for r in result["runs"]):
        fig.text(0.5, 0.005, "hollow markers (~): community.vmware extrapolated to N from a sample of hosts (see results.md)", ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.02, 1, 0.93))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        model = names[0] if names else model
    except (IOError, OSError):
        pass
    return "%s, %d CPU(s), %s, Python %s" % (model, os.cpu_count() or 0, platform.platform(terse=True), platform.python_version())


def facts_slope_note(runs, settings):
    """What bounds the time ratio of scenario 1: each side's time per additional host, where both ran at two sizes or more."""
    times = dict(((r["side"], r["n"]), r) for r in runs if r["scenario"] == 1 and r.get("play_s") and not r.get("estimated"))
    sizes = sorted(n for side, n in times if side == "ours" and ("community", n) in times)
    if len(sizes) < 2:
        return []
    low, high = sizes[0], sizes[-1]

    def per_host_ms(side):
        return 1000.0 * (times[(side, high)]["play_s"] - times[(side, low)]["play_s"]) / (high - low)

    ours, community = per_host_ms("ours"), per_host_ms("community")
    calls = times[("community", high)]["total"] / float(high)
    bound = community / ours if ours > 0 else float("inf")
    return ["Scenario 1, time per additional host from N=%d to N=%d: %.0f ms for vmk_vmotion_facts (its one read grows with "
            "the hosts' network state, which pyVmomi parses on one CPU) and %.0f ms for vmware_vmkernel_info (~%.0f calls per host "
            "at %s ms of latency each). However large N, the time ratio tends to at most %.0fx at this latency; it grows with the "
            "latency, as only community.vmware's side pays it per host." % (low, high, ours, community, calls, settings["latency_ms"], bound)]


def floor_text(entry):
    f = entry["floor"]
    return ("N=%d facts: wall %.2f s, floor %.2f s (ansible -m ping %.2f s + bare pyVmomi read of the same properties %.2f s): %.2fx the floor"
            % (entry["n"], entry["wall_s"], f["floor_s"], f["ansible_start_s"], f["pyvmomi_read_s"], f["ratio"]))


def notes(runs, settings):
    out = [
        "community.vmware.vmware_vmkernel turns off every service whose enable_* option is not given (they default to false): "
        "in scenario 4 it enables vMotion and drops %s from the backup vmk of every eighth host; vmk_vmotion_enable changes "
        "only vMotion." % BACKUP_SERVICE,
        "Scenario 4 set-up (not measured): vMotion turned off on one of vmk1-4/vmk6 of every third host "
        "(with vmk_vmotion_enable state=disabled), %s turned on for vmk4 of every eighth host." % BACKUP_SERVICE,
        "Both sides use the same inventory (N hosts and localhost) and forks. The community.vmware playbooks of scenarios 2-4 "
        "have one task per vmk per inventory host, delegated to localhost; vmware_vmkernel_info in scenario 1 takes cluster_name, "
        "as vmk_vmotion_facts. Addresses on both sides come from the pure vmotion_layout filter (no API call).",
    ]
    for r in runs:
        if r["scenario"] == 4 and r["side"] == "community" and r.get("services_dropped"):
            out.append("N=%d: community.vmware dropped %s on %d of %d vmk(s)%s." % (
                r["n"], BACKUP_SERVICE, r["services_dropped"], r["backup_nfc_vmks"],
                " of the hosts it ran on (%s)" % r["estimated"] if r.get("estimated") else ""))
    sampled = sorted(set(r["n"] for r in runs if r.get("estimated")))
    if sampled:
        out.append("~: for N = %s, the community.vmware playbooks of scenarios 2-4 (one task per host and vmk) ran on %d hosts spread "
                   "over the N-host fleet (--limit; --max-community-hosts %d) and their calls, logins, writes and times were multiplied by "
                   "N/%d. Every host does the same work, and the cost of each task is the one measured in the N-host vCenter "
                   "(community.vmware reads grow with the size of vCenter); the measured numbers are in results.json ('measured')."
                   % (", ".join(str(n) for n in sampled), settings["community_sample"], settings["max_community_hosts"], settings["community_sample"]))
    out.extend(facts_slope_note(runs, settings))
    out.extend("Scenario 1, " + floor_text(r) + "." for r in runs if r.get("floor"))
    cpus = os.cpu_count() or 1
    busy = [r for r in runs if r.get("others_cpu_s") and r.get("wall_s") and r["others_cpu_s"] > 0.25 * cpus * r["wall_s"]]
    if busy:
        out.append("Other processes used more than a quarter of the machine's CPU during %d run(s) ('CPU others' per run): their times "
                   "are less reliable than their call counts, which do not depend on load." % len(busy))
    bad = [r for r in runs if r["status"] not in ("ok",)]
    for r in bad:
        out.append("scenario %d, %s, N=%d: %s: %s" % (r["scenario"], SIDE_LABEL[r["side"]], r["n"], r["status"], r.get("reason", "")))
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,64,256", help="fleet sizes N, comma separated (default 12,64,256)")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="simulated latency per API call (default 5)")
    parser.add_argument("--forks", type=int, default=8, help="ansible forks, both sides (default 8)")
    parser.add_argument("--scenarios", default="1,2,3,4", help="scenarios to run (default 1,2,3,4)")
    parser.add_argument("--max-community-hosts", type=int, default=64,
                        help="above this N, the per-host community.vmware playbooks (scenarios 2-4) run on --community-sample hosts of "
                             "the N-host fleet and their numbers are extrapolated to N, marked as such (default 64; 0: no cap)")
    parser.add_argument("--community-sample", type=int, default=32, help="hosts of such a sample (default 32)")
    parser.add_argument("--ours-build", choices=("auto", "site", "module"), default="auto",
                        help="scenarios 2/3 for this collection: playbooks/site.yml (auto: when it exists) or tests/bench/playbooks/build_ours.yml")
    parser.add_argument("--facts-repeat", type=int, default=3, help="runs of scenario 1 per side and N, the fastest is kept (default 3)")
    parser.add_argument("--no-pipelining", dest="pipelining", action="store_false", help="run ansible without pipelining")
    parser.add_argument("--report-only", action="store_true", help="re-analyse --output/results.json (targets, tables, plot) without running")
    parser.add_argument("--run-timeout", type=int, default=3600, help="seconds before one ansible-playbook run is killed")
    parser.add_argument("--output", default=os.path.join("tests", "output", "bench"), help="where results go (default tests/output/bench)")
    parser.add_argument("--python", default=sys.executable, help="python with ansible-core and pyVmomi (default: this one)")
    args = parser.parse_args(argv)
    args.sizes = sorted(set(int(x) for x in args.sizes.split(",") if x.strip()))
    args.scenarios = sorted(set(int(x) for x in args.scenarios.split(",") if x.strip()))
    if not set(args.scenarios) <= set(SCENARIOS):
        parser.error("scenarios are 1 to 4")
    args.output = os.path.abspath(args.output)
    # ansible_collections/multinic/vmotion/tests/bench -> the collections root, unless the caller set it
    args.collections_path = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    return args


def report(result, output):
    """results.json, results.md and bench.png from a result; prints the targets."""
    with open(os.path.join(output, "results.json"), "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    with open(os.path.join(output, "results.md"), "w") as handle:
        handle.write(markdown(result))
    problem = plot(result, os.path.join(output, "bench.png"))
    print()
    for t in result["targets"]:
        print("%-4s %s: %s" % (t["result"], t["target"], t["detail"]))
    print()
    if problem:
        print(problem)
    print("results in %s (results.md, results.json%s), %s s in all" % (output, "" if problem else ", bench.png", result.get("duration_s")))
    return 1 if any(r["status"] in ("failed", "wrong") for r in result["runs"]) else 0


def analyse(runs, settings, duration=None):
    return {"settings": settings, "runs": runs, "comparison": comparisons(runs, settings["sizes"]), "targets": targets(runs, settings["sizes"]),
            "notes": notes(runs, settings), "duration_s": duration}


def main(argv=None):
    args = parse_args(argv)
    if args.report_only:
        # Re-analyse the runs of an earlier results.json (new targets, tables or plot) without running anything.
        with open(os.path.join(args.output, "results.json")) as handle:
            old = json.load(handle)
        return report(analyse(old["runs"], old["settings"], old.get("duration_s")), args.output)
    bench = Bench(args)
    settings = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "sizes": args.sizes,
        "scenarios": args.scenarios,
        "latency_ms": args.latency_ms,
        "forks": args.forks,
        "pipelining": args.pipelining,
        "facts_repeat": args.facts_repeat,
        "ansible_core": bench.ansible.version(),
        "machine": machine(),
        "ours_build_playbook": os.path.relpath(bench.ours_build_playbook(), COLLECTION),
        "max_community_hosts": args.max_community_hosts or None,
        "community_sample": args.community_sample,
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
    }
    print("settings: %s" % json.dumps(settings, sort_keys=True), flush=True)
    started = time.time()
    runs = bench.run()
    status = report(analyse(runs, settings, round(time.time() - started, 1)), args.output)
    os.remove(bench.partial)
    return status


if __name__ == "__main__":
    sys.exit(main())
