"""vsim: a protocol-level vSphere (vCenter / ESXi) simulator for host networking.

It speaks SOAP over HTTPS with pyVmomi's own type system and (de)serializer, so unmodified
pyVmomi clients and community.vmware modules work against it as against a real vCenter.
"""
