"""Cancel a running ansible-playbook as AWX or a terminal does, and count the simulator's writes around the signal.

Usage: cancel.py SIM_URL SIM_CA SIGNAL WRITES -- ansible-playbook ARGS...
SIGNAL is INT (to the playbook's process group: Ctrl-C in a terminal) or TERM (to ansible-playbook alone: AWX's cancel).
The simulator is slowed down first, so that the run is caught mid-batch; the signal goes once WRITES writes were made.
Prints JSON: the writes when the signal was sent, 3 s later, and when the playbook ended; its return code and output.
"""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request


def call(context, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def writes(context, sim):
    return call(context, sim + "/_sim/stats")["writes"]


def main():
    sim, context, name, wanted = sys.argv[1], ssl.create_default_context(cafile=sys.argv[2]), sys.argv[3], int(sys.argv[4])
    argv = sys.argv[sys.argv.index("--") + 1:]
    call(context, sim + "/_sim/latency", {"ms": 400})
    call(context, sim + "/_sim/reset", {})
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True) as run:
        deadline = time.time() + 300
        while writes(context, sim) < wanted and run.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        at_signal = writes(context, sim)
        if run.poll() is None:
            if name == "INT":
                os.killpg(run.pid, signal.SIGINT)
            else:
                run.send_signal(signal.SIGTERM)
        time.sleep(3)
        later = writes(context, sim)
        try:
            output = run.communicate(timeout=120)[0]
        finally:
            call(context, sim + "/_sim/latency", {"ms": 0})
    print(json.dumps({"at_signal": at_signal, "three_seconds_later": later, "at_end": writes(context, sim), "rc": run.returncode,
                      "output": output.decode(errors="replace")}))


if __name__ == "__main__":
    main()
