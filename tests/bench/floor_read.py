#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of a facts read: bare pyVmomi, the same properties of every host that vmk_vmotion_facts reads, nothing else.

    python tests/bench/floor_read.py --port PORT [--user U --password P]

Logs in, reads the inventory tree with the hosts' network properties in one RetrievePropertiesEx (with its pages), as
VsphereClient.read_scope does for a cluster, and prints {"hosts": n, "seconds": s} (from before the import of pyVmomi).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import ssl
import sys
import time

STARTED = time.time()

from pyVim.connect import Disconnect, SmartConnect  # noqa: E402 - timed from before the import
from pyVmomi import vim, vmodl  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# ansible_collections/multinic/vmotion/tests/bench -> the collections root: the property list is the collection's own
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))))
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import HOST_NETWORK_PROPERTIES  # noqa: E402
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import PNIC_PROPERTY  # noqa: E402


def read(content):
    pc = vmodl.query.PropertyCollector
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[pc.TraversalSpec(name="view", type=vim.view.ContainerView, path="view")])],
        propSet=[pc.PropertySpec(type=vim.HostSystem, pathSet=list(HOST_NETWORK_PROPERTIES) + [PNIC_PROPERTY])])
    result = content.propertyCollector.RetrievePropertiesEx([spec], pc.RetrieveOptions())
    hosts = 0
    while result is not None:
        hosts += len(result.objects or [])
        if not result.token:
            break
        result = content.propertyCollector.ContinueRetrievePropertiesEx(result.token)
    return hosts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="administrator@vsphere.local")
    parser.add_argument("--password", default="VMware1!")
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    si = SmartConnect(host=args.host, port=args.port, user=args.user, pwd=args.password, sslContext=context)
    try:
        hosts = read(si.RetrieveContent())
    finally:
        Disconnect(si)
    print(json.dumps({"hosts": hosts, "seconds": round(time.time() - STARTED, 3)}))


if __name__ == "__main__":
    main()
