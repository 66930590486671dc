"""vSphere faults as pyVmomi objects, raised by handlers and sent back as soapenv:Fault.

pyVmomi's serializer refuses a fault whose required fields are unset (ManagedObjectNotFound.obj,
NotAuthenticated.object, ...), so `make` fills any required field the caller did not give.
"""

from pyVmomi import VmomiSupport

from .soap import VIM_NS


class SoapFault(Exception):
    """Carries a pyVmomi MethodFault up to the dispatcher."""

    def __init__(self, fault):
        super().__init__(fault.msg)
        self.fault = fault


def fault_type(type_name):
    """`HostConfigFault`, `vim.fault.HostConfigFault` or `vmodl.fault.InvalidArgument` -> type."""
    if "." in type_name:
        return VmomiSupport.GetVmodlType(type_name)
    return VmomiSupport.GetWsdlType(VIM_NS, type_name)


def _placeholder(prop, this):
    typ = prop.type
    if issubclass(typ, list):
        return typ()
    if issubclass(typ, VmomiSupport.ManagedObject):
        return this if this is not None else VmomiSupport.GetVmodlType("vim.ServiceInstance")("ServiceInstance")
    if typ is str:
        return ""
    if typ is bool:
        return False
    if issubclass(typ, int):
        return 0
    return typ()


def make(type_name, msg, this=None, **fields):
    typ = fault_type(type_name)
    fault = typ(msg=msg, **fields)
    for prop in typ._GetPropertyList():
        if not prop.flags & VmomiSupport.F_OPTIONAL and getattr(fault, prop.name) is None:
            setattr(fault, prop.name, _placeholder(prop, this))
    return SoapFault(fault)


def not_found(msg):
    return make("NotFound", msg)


def already_exists(name, msg=None):
    return make("AlreadyExists", msg or "The specified key, name, or identifier '{0}' already exists.".format(name), name=name)


def resource_in_use(name, msg):
    return make("ResourceInUse", msg, name=name)


def invalid_argument(prop, msg=None):
    return make("vmodl.fault.InvalidArgument", msg or "A specified parameter was not correct: {0}".format(prop), invalidProperty=prop)


def host_config(msg):
    return make("HostConfigFault", msg)


def not_supported(msg):
    return make("vmodl.fault.NotSupported", msg)


def managed_object_not_found(ref):
    return make("vmodl.fault.ManagedObjectNotFound",
                "The object '{0}' has already been deleted or has not been completely created".format(ref), obj=ref)


def method_not_found(this, method):
    return make("vmodl.fault.MethodNotFound", "Method {0} not implemented by the simulator".format(method), receiver=this, method=method)


def not_authenticated(this):
    return make("NotAuthenticated", "The session is not authenticated.", this=this, object=this, privilegeId="System.View")


def invalid_login():
    return make("InvalidLogin", "Cannot complete login due to an incorrect user name or password.")


def invalid_property(name):
    return make("InvalidProperty", "Invalid property: {0}".format(name), name=name)
