"""Fixtures: simulators run in-process on a free port; clients are real pyVmomi over HTTPS."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pyVim.connect import Disconnect, SmartConnect  # noqa: E402
from vsim.server import start_simulator  # noqa: E402

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"


def connect(sim, **kwargs):
    return SmartConnect(host="127.0.0.1", port=sim.port, user=USER, pwd=PASSWORD, disableSslCertValidation=True, **kwargs)


@pytest.fixture()
def sim():
    """A fresh seed fleet per test: tests change state."""
    simulator = start_simulator()
    yield simulator
    simulator.stop()


@pytest.fixture()
def si(sim):
    service_instance = connect(sim)
    yield service_instance
    Disconnect(service_instance)


@pytest.fixture()
def content(si):
    return si.RetrieveContent()
