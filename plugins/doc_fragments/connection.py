# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of the collection beyond vmware.vmware.base_options (timeouts, sessions).
    DOCUMENTATION = r"""
options:
  connect_timeout:
    description:
      - Seconds to open a connection to vCenter or ESXi (TCP connect and TLS handshake) and to get each answer while
        logging in (C(vimServiceVersions.xml), C(RetrieveServiceContent), C(Login)).
      - A server that accepts the connection and never answers makes the module fail after about this long, with the
        server's host:port in the message, instead of hanging.
      - The default is ample for a live vCenter, which answers these in well under a second (a slow identity source in a few);
        it is also the dial timeout of Go's default HTTP transport, whose defaults C(govc) (govmomi) inherits.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_CONNECT_TIMEOUT) will be used instead.
    type: int
    default: 30
  request_timeout:
    description:
      - Seconds the server may stay silent while answering one API call once logged in. A call that gets no answer
        for this long fails with the server's host:port and what was being done (for example C(reading the inventory)
        or C(UpdateNetworkConfig on esx01)); a change whose answer never came is reported in doubt (C(in_doubt)),
        and a re-run converges.
      - It bounds each wait for data, not the whole call, so a large answer that keeps arriving is never cut off.
      - The slowest call of the collection is the one-call read of a whole vCenter (seconds to tens of seconds for
        1,000 hosts); tasks are polled, so no call waits for a task. The default leaves ten times that.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_REQUEST_TIMEOUT) will be used instead.
    type: int
    default: 300
  session_cache:
    description:
      - Keep the vCenter session on the controller and reuse it in every module run of the next 25 idle minutes, so that a
        playbook (and a series of ad hoc commands) logs in once per vCenter and user instead of once per task, as C(govc) does.
      - The session cookie is kept encrypted with a key derived from O(password) (scrypt), in a file only the user can read
        (0600, in a 0700 directory), so another password cannot use it and logs in for real. A session vCenter has ended is
        replaced by a new login on its first refused call. Sessions are not logged out; vCenter ends them after its idle
        timeout (30 minutes by default), and the collection never uses one idle for longer than 25.
      - Not used with O(proxy_host) (pyVmomi's session-oriented stub logs in by itself there).
      - Set to V(false) to log in and out in every module run, as community.vmware modules do.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_SESSION_CACHE) will be used instead.
    type: bool
    default: true
  session_cache_dir:
    description:
      - Directory of the session cache. Default C($XDG_CACHE_HOME/multinic.vmotion/sessions), else
        C(~/.cache/multinic.vmotion/sessions). Created 0700; an existing one is tightened to 0700.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_SESSION_CACHE_DIR) will be used instead.
    type: path
notes:
  - Supported versions - vCenter Server and ESXi 7.0 U3, 8.0 and 9.0 (vSphere API 7.0.3 to 9.0.0.0) with pyVmomi 8.0.3.0.1
    or later (pyVmomi supports its own vSphere release and the four before it), ansible-core 2.16 or later and
    vmware.vmware 2.3.0 or later. Tested on ansible-core 2.16, 2.19 and 2.21 (the README's support table) against the
    collection's simulator, which answers as vCenter 8.0.3 or 9.0.
requirements:
  - pyVmomi
  - netaddr
  - requests
"""
