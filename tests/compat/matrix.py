#!/usr/bin/env python
"""The compatibility matrix: every stack of tests/compat/stacks.yml, each in its own venv under build/compat/<name>.

Per stack: a venv of the stack's Python with its pins (built once, rebuilt when the entry or the test tools change),
community.vmware and vmware.vmware as the stack gets them, this collection's tarball installed with the stack's
`ansible-galaxy collection install --offline`, then
  units  - pytest of tests/unit on the stack's Python, ansible-core and pyVmomi;
  docs   - `ansible-doc` of every module, filter and role of the collection, with no warning at all;
  smoke  - tests/compat/smoke.sh: facts and enable ad hoc, site.yml and its converged re-run, audit.yml, on the
           simulator run by the stack's own pyVmomi.
Also checks that the full suite's venv (make test) is the `newest` entry.

    python tests/compat/matrix.py --build DIR --collection COLL_DIR [--stacks a,b] [--jobs N] [--main-venv V --main-collections R]
"""

import argparse
import concurrent.futures
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIND_PYTHON = os.path.join(ROOT, "tests", "utils", "find_python.sh")
TOOLS = os.path.join(HERE, "requirements.txt")
DEPENDENCIES = ("community/vmware", "vmware/vmware")
# Warnings Ansible prints whatever collection is asked about, each with why it is not this collection's.
FOREIGN_WARNINGS = (
    ("ansible/_protomatter' does not have a MANIFEST.json",
     "ansible-core 2.21's ansible-doc -t role, for any role, about its own internal collection ansible._protomatter"),
)


def load_stacks(path=os.path.join(HERE, "stacks.yml")):
    with open(path) as f:
        return yaml.safe_load(f)["stacks"]


def run(cmd, log, env=None, cwd=None):
    """Runs cmd with its output appended to log; True when it exits 0."""
    with open(log, "a") as out:
        out.write("\n$ %s\n" % " ".join(cmd))
        out.flush()
        return subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd) == 0


def pinned(stack, name):
    for spec in stack["pip"]:
        if spec.split("==")[0].lower() == name:
            return spec.split("==")[1]
    return None


class Stack(object):
    def __init__(self, name, spec, build, wheels):
        self.name, self.spec = name, spec
        self.dir = os.path.join(build, name)
        self.venv = os.path.join(self.dir, "venv")
        self.collections = os.path.join(self.dir, "collections")
        self.wheels = wheels
        self.log = os.path.join(self.dir, "matrix.log")
        self.bin = os.path.join(self.venv, "bin")

    def env(self, **extra):
        env = dict(os.environ)
        for leak in ("PYTHONPATH", "VIRTUAL_ENV", "ANSIBLE_CONFIG", "PYENV_VERSION"):
            env.pop(leak, None)
        env.update(PATH=self.bin + os.pathsep + env.get("PATH", ""), ANSIBLE_COLLECTIONS_PATH=self.collections,
                   ANSIBLE_NOCOLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.update(extra)
        return env

    def fingerprint(self):
        with open(TOOLS) as f:
            tools = f.read()
        return hashlib.sha256(json.dumps([self.spec, tools], sort_keys=True).encode()).hexdigest()

    def build_venv(self):
        marker = os.path.join(self.venv, ".stack")
        if os.path.exists(marker) and open(marker).read() == self.fingerprint():
            return True
        shutil.rmtree(self.venv, ignore_errors=True)
        python = subprocess.run(["bash", FIND_PYTHON, self.spec["python"]], capture_output=True, text=True, check=False)
        if python.returncode:
            with open(self.log, "a") as out:
                out.write(python.stderr)
            return False
        ok = run([python.stdout.strip(), "-m", "venv", self.venv], self.log) and \
            run([os.path.join(self.bin, "pip"), "install", "-q"] + list(self.spec["pip"]) + ["-r", TOOLS], self.log, self.env())
        if ok:
            with open(marker, "w") as f:
                f.write(self.fingerprint())
        return ok

    def lay_collections(self, tarball):
        shutil.rmtree(self.collections, ignore_errors=True)
        os.makedirs(self.collections)
        source = self.spec["collections"]
        if source != "bundle":
            wheel = bundle_wheel(source.split("==")[1], self.wheels, self.log)
            if not wheel:
                return False
            wanted = [name.replace(".", "/") for name in self.spec.get("only", [d.replace("/", ".") for d in DEPENDENCIES])]
            with zipfile.ZipFile(wheel) as z:
                members = [n for n in z.namelist() if any(n.startswith("ansible_collections/%s/" % d) for d in wanted)]
                z.extractall(self.collections, members)
        # as a user installs it: offline, its dependency resolved from what the stack has
        return run([os.path.join(self.bin, "ansible-galaxy"), "collection", "install", "--offline", "-p", self.collections,
                    tarball], self.log, self.env())

    @property
    def installed(self):
        return os.path.join(self.collections, "ansible_collections", "multinic", "vmotion")

    def units(self):
        if self.spec.get("units", True) is False:
            return None
        return run([os.path.join(self.bin, "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"],
                   self.log, self.env(PYTHONPATH=self.collections), cwd=self.installed)

    def docs(self):
        """ansible-doc of every plugin and role: each must be shown, and nothing may be warned about."""
        names = {"module": [], "filter": [], "role": []}
        for path in sorted(glob.glob(os.path.join(self.installed, "plugins", "modules", "*.py"))):
            names["module"].append(os.path.basename(path)[:-3])
        for path in sorted(glob.glob(os.path.join(self.installed, "plugins", "filter", "*.yml"))):
            names["filter"].append(os.path.basename(path)[:-4])
        for path in sorted(glob.glob(os.path.join(self.installed, "roles", "*", "meta", "argument_specs.yml"))):
            names["role"].append(path.split(os.sep)[-3])
        ok = True
        for kind, plugins in names.items():
            cmd = [os.path.join(self.bin, "ansible-doc"), "-t", kind] + ["multinic.vmotion." + n for n in plugins]
            out = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), cwd=self.dir, check=False)
            with open(self.log, "a") as log:
                log.write("\n$ %s\n%s\n%s" % (" ".join(cmd), out.stderr, out.stdout[:2000]))
            shown = [n for n in plugins if "multinic.vmotion." + n in out.stdout]
            warned = [line for line in (out.stderr + out.stdout).splitlines()
                      if ("[WARNING]" in line or "[DEPRECATION WARNING]" in line or "[ERROR]" in line)
                      and not any(text in line for text, _why in FOREIGN_WARNINGS)]
            if out.returncode or len(shown) != len(plugins) or warned:
                ok = False
                with open(self.log, "a") as log:
                    log.write("BAD ansible-doc -t %s: exit %s, not shown %s, warnings %s\n"
                              % (kind, out.returncode, sorted(set(plugins) - set(shown)), warned))
        return ok

    def smoke(self):
        return run(["bash", os.path.join(self.installed, "tests", "compat", "smoke.sh")], self.log,
                   self.env(SMOKE_DIR=os.path.join(self.dir, "smoke"), SMOKE_RELEASE=str(self.spec.get("release", "8.0.3"))),
                   cwd=self.installed)

    def versions(self):
        """What the stack runs, as read from it (not as asked)."""
        code = ("import sys, ansible.release; from importlib.metadata import version; print('Python %d.%d.%d' % sys.version_info[:3], "
                "'ansible-core', ansible.release.__version__, 'pyVmomi', version('pyvmomi'), 'netaddr', version('netaddr'))")
        out = subprocess.run([os.path.join(self.bin, "python"), "-c", code], capture_output=True, text=True, env=self.env(), check=False)
        listed = subprocess.run([os.path.join(self.bin, "ansible-galaxy"), "collection", "list", "--format", "json"],
                                capture_output=True, text=True, env=self.env(), check=False)
        collections = {}
        try:
            for found in json.loads(listed.stdout or "{}").values():
                collections.update((k, v["version"]) for k, v in found.items() if k in ("community.vmware", "vmware.vmware"))
        except ValueError:
            pass
        return "%s; %s" % (out.stdout.strip() or out.stderr.strip()[-200:],
                           ", ".join("%s %s" % kv for kv in sorted(collections.items())))

    def check(self, tarball):
        os.makedirs(self.dir, exist_ok=True)
        open(self.log, "w").close()
        results = []
        start = time.time()
        if not self.build_venv():
            return [("venv", False, time.time() - start)], ""
        results.append(("venv", True, time.time() - start))
        for step in ("collections", "units", "docs", "smoke"):
            start = time.time()
            ok = self.lay_collections(tarball) if step == "collections" else getattr(self, step)()
            if ok is not None:
                results.append((step, ok, time.time() - start))
            if ok is False and step == "collections":
                break
        return results, self.versions()


def bundle_wheel(version, wheels, log):
    os.makedirs(wheels, exist_ok=True)
    found = glob.glob(os.path.join(wheels, "ansible-%s-py3-none-any.whl" % version))
    if found:
        return found[0]
    ok = run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check",
              "--python-version", "3.12", "--only-binary=:all:", "ansible==%s" % version, "-d", wheels], log)
    found = glob.glob(os.path.join(wheels, "ansible-%s-py3-none-any.whl" % version))
    return found[0] if ok and found else None


def check_main(stacks, venv, collections):
    """The full suite's venv and collections are the `newest` entry (else the two drift apart)."""
    newest = stacks["newest"]
    problems = []
    code = ("import sys, ansible.release; from importlib.metadata import version; "
            "print('%d.%d' % sys.version_info[:2], ansible.release.__version__, version('pyvmomi'))")
    python, core, pyvmomi = subprocess.check_output([os.path.join(venv, "bin", "python"), "-c", code], text=True).split()
    for what, have, want in (("Python", python, newest["python"]), ("ansible-core", core, pinned(newest, "ansible-core")),
                             ("pyVmomi", pyvmomi, pinned(newest, "pyvmomi"))):
        if have != want:
            problems.append("%s %s in %s, newest in stacks.yml has %s" % (what, have, venv, want))
    bundle = pinned(newest, "ansible")
    for dep in DEPENDENCIES:
        manifest = os.path.join(collections, "ansible_collections", dep, "MANIFEST.json")
        have = json.load(open(manifest))["collection_info"]["version"] if os.path.exists(manifest) else None
        wheel = bundle_wheel(bundle, os.path.join(os.path.dirname(collections), "wheels"), os.devnull)
        with zipfile.ZipFile(wheel) as z:
            want = json.loads(z.read("ansible_collections/%s/MANIFEST.json" % dep))["collection_info"]["version"]
        if have != want:
            problems.append("%s %s in %s, ansible %s has %s" % (dep.replace("/", "."), have, collections, bundle, want))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--build", required=True, help="where the stacks' venvs, collections and logs go (build/compat)")
    parser.add_argument("--collection", required=True, help="the laid-out collection to build the tarball from")
    parser.add_argument("--stacks", help="comma-separated names (default: all)")
    parser.add_argument("--jobs", type=int, default=3, help="stacks checked at once")
    parser.add_argument("--main-venv", help="the full suite's venv, checked against the newest entry")
    parser.add_argument("--main-collections", help="the full suite's collection root, checked against the newest entry")
    args = parser.parse_args(argv)

    stacks = load_stacks()
    chosen = args.stacks.split(",") if args.stacks else list(stacks)
    build = os.path.abspath(args.build)
    os.makedirs(build, exist_ok=True)
    failed = False
    if args.main_venv and args.main_collections:
        problems = check_main(stacks, args.main_venv, args.main_collections)
        print("%s  the full suite runs the newest stack%s" % ("BAD" if problems else "ok ", "".join("\n     " + p for p in problems)))
        failed = bool(problems)

    # the tarball a user installs, built once from the laid-out collection
    dist = os.path.join(build, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.check_call([galaxy, "collection", "build", "--output-path", dist, args.collection], stdout=subprocess.DEVNULL)
    tarball = glob.glob(os.path.join(dist, "multinic-vmotion-*.tar.gz"))[0]

    wheels = os.path.join(os.path.dirname(build), "wheels")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = dict((name, pool.submit(Stack(name, stacks[name], build, wheels).check, tarball)) for name in chosen)
    for name in chosen:
        results, versions = futures[name].result()
        stack_ok = all(ok for _step, ok, _t in results)
        failed = failed or not stack_ok
        print("%s  %-9s %s; vCenter %s" % ("ok " if stack_ok else "BAD", name, versions, stacks[name].get("release", "8.0.3")))
        print("     " + ", ".join("%s %s (%ds)" % (step, "ok" if ok else "FAILED", t) for step, ok, t in results))
        if not stack_ok:
            log = os.path.join(build, name, "matrix.log")
            print("     log: %s (last lines below)" % log)
            with open(log) as f:
                for line in f.read().splitlines()[-60:]:
                    print("     | " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
