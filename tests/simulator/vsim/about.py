"""AboutInfo of the simulated products (vCenter 8.0.3 and ESXi 8.0.3)."""

from pyVmomi import vim

API_VERSION = "8.0.3.0"


def esxi_about():
    return vim.AboutInfo(
        name="VMware ESXi", fullName="VMware ESXi 8.0.3 build-24022510", vendor="VMware, Inc.", version="8.0.3",
        build="24022510", localeVersion="INTL", localeBuild="000", osType="vmnix-x86", productLineId="embeddedEsx",
        apiType="HostAgent", apiVersion=API_VERSION, licenseProductName="VMware ESX Server", licenseProductVersion="8.0")


def vcenter_about(instance_uuid):
    return vim.AboutInfo(
        name="VMware vCenter Server", fullName="VMware vCenter Server 8.0.3 build-24022515", vendor="VMware, Inc.",
        version="8.0.3", build="24022515", localeVersion="INTL", localeBuild="000", osType="linux-x64", productLineId="vpx",
        apiType="VirtualCenter", apiVersion=API_VERSION, instanceUuid=instance_uuid,
        licenseProductName="VMware VirtualCenter Server", licenseProductVersion="8.0")
