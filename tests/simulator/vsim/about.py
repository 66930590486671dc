"""AboutInfo and vimServiceVersions.xml of the simulated releases: vCenter/ESXi 8.0.3 (default) and 9.0.

Values as the products report them (tests/simulator/README.md, "Releases", gives the sources): 8.0.3 as captured
from vCenter 8.0.3 build 24022515 and ESXi 8.0.3 build 24022510; 9.0 with the GA builds of the VCF 9.0 bill of
materials (vCenter 9.0.0.0 build 24755230, ESX 9.0.0.0 build 24755229), API version 9.0.0.0 (pyVmomi 9's
vim.version.v9_0_0_0), licenseProductVersion 9.0 as a vCenter 9.0 reports it.
"""

from pyVmomi import VmomiSupport, vim

# vimServiceVersions.xml of vCenter 8.0.3 lists these as prior versions; 9.0 lists 8.0.3.0 first.
PRIOR_8 = ("8.0.2.0", "8.0.1.0", "8.0.0.0", "7.0.3.0", "7.0.2.0", "7.0.1.0", "7.0.0.0", "6.7.3", "6.7.2", "6.7.1", "6.7",
           "6.5", "6.0")

RELEASES = {
    "8.0.3": {"version": "8.0.3", "api": "8.0.3.0", "vcenter_build": "24022515", "esxi_build": "24022510", "license": "8.0",
              "prior": PRIOR_8},
    "9.0": {"version": "9.0.0", "api": "9.0.0.0", "vcenter_build": "24755230", "esxi_build": "24755229", "license": "9.0",
            "prior": ("8.0.3.0",) + PRIOR_8},
}
DEFAULT_RELEASE = "8.0.3"

# API version -> pyVmomi version name, for the releases above
SOAP_VERSIONS = {"8.0.3.0": "vim.version.v8_0_3_0", "9.0.0.0": "vim.version.v9_0_0_0"}


def check_release(release):
    """The release, if the simulator can serve it with the pyVmomi it runs on; else ValueError naming what is missing."""
    if release not in RELEASES:
        raise ValueError("unknown release {0!r}; known: {1}".format(release, ", ".join(sorted(RELEASES))))
    api = RELEASES[release]["api"]
    if "vim25/" + api not in VmomiSupport.versionMap:
        raise ValueError("release {0} needs API version {1}, which this pyVmomi does not know; run the simulator on "
                         "pyVmomi 9.0 or newer".format(release, api))
    return release


def esxi_about(release=DEFAULT_RELEASE):
    r = RELEASES[release]
    return vim.AboutInfo(
        name="VMware ESXi", fullName="VMware ESXi {0} build-{1}".format(r["version"], r["esxi_build"]), vendor="VMware, Inc.",
        version=r["version"], build=r["esxi_build"], localeVersion="INTL", localeBuild="000", osType="vmnix-x86",
        productLineId="embeddedEsx", apiType="HostAgent", apiVersion=r["api"], licenseProductName="VMware ESX Server",
        licenseProductVersion=r["license"])


def vcenter_about(instance_uuid, release=DEFAULT_RELEASE):
    r = RELEASES[release]
    return vim.AboutInfo(
        name="VMware vCenter Server", fullName="VMware vCenter Server {0} build-{1}".format(r["version"], r["vcenter_build"]),
        vendor="VMware, Inc.", version=r["version"], build=r["vcenter_build"], localeVersion="INTL", localeBuild="000",
        osType="linux-x64", productLineId="vpx", apiType="VirtualCenter", apiVersion=r["api"], instanceUuid=instance_uuid,
        licenseProductName="VMware VirtualCenter Server", licenseProductVersion=r["license"])


def service_versions(release=DEFAULT_RELEASE):
    """/sdk/vimServiceVersions.xml: the release's API version, then the prior ones a client may negotiate."""
    r = RELEASES[release]
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<namespaces version="1.0">\n<namespace>\n<name>urn:vim25</name>\n'
            "<version>{0}</version>\n<priorVersions>\n".format(r["api"])
            + "".join("<version>{0}</version>\n".format(v) for v in r["prior"])
            + "</priorVersions>\n</namespace>\n</namespaces>\n").encode("utf-8")
