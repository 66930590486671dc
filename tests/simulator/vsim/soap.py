"""SOAP codec built on pyVmomi's own type system and (de)serializer.

The server side of the wire protocol is the mirror image of what pyVmomi's SoapStubAdapter does:
requests are parsed with expat, and each parameter element is handed to pyVmomi's
SoapDeserializer; return values and faults are written with pyVmomi's SoapSerializer. Using the
client's own codec keeps the simulator byte-compatible with the client it serves.
"""

import re
from xml.parsers.expat import ParserCreate

from pyVmomi import SoapAdapter, VmomiSupport

VIM_NS = "urn:vim25"
DEFAULT_VERSION = "vim.version.v8_0_3_0"
# the declared result type of a method that returns nothing
VOID = type(None)

_NS_SEP = SoapAdapter.NS_SEP
_NS_MAP = {SoapAdapter.XMLNS_XSI: "xsi", SoapAdapter.XMLNS_XSD: "xsd", VIM_NS: ""}
_ENVELOPE_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>'
)
_ENVELOPE_END = "</soapenv:Body>\n</soapenv:Envelope>"

# Fetch is how pyVmomi reads a single property (obj.prop); it is not in the WSDL.
FETCH = "Fetch"

# pyVmomi types a managed object reference held in an anyType (a PropertyCollector value) as xsi:type
# "ManagedObject"; vCenter writes "ManagedObjectReference", as pyVmomi itself does for arrays of them
# ("ArrayOfManagedObjectReference"). pyVmomi reads both; govmomi knows only the WSDL name and drops the value.
# In a tag only: text cannot hold a "<" unescaped.
_MOR_ANY_TYPE = re.compile(r'(<[^<>\s]+\s(?:[^<>]*?\s)?)xsi:type="ManagedObject"(?=[\s/>])')


def _wsdl_types(xml):
    if 'xsi:type="ManagedObject"' not in xml:
        return xml
    return _MOR_ANY_TYPE.sub(r'\1xsi:type="ManagedObjectReference"', xml)


class SoapRequest:
    """A parsed SOAP call: method name, its pyVmomi method info (None if unknown), _this, args."""

    def __init__(self, method, info, this, args, version):
        self.method = method
        self.info = info
        self.this = this
        self.args = args
        self.version = version


def version_from_soap_action(header):
    """Map `SOAPAction: "urn:vim25/8.0.3.0"` to a pyVmomi version name."""
    if header:
        uri = header.strip().strip('"')
        if uri.startswith("urn:"):
            uri = uri[4:]
        version = VmomiSupport.versionMap.get(uri)
        if version:
            return version
    return DEFAULT_VERSION


def method_info(name):
    """pyVmomi's ManagedMethod info for a WSDL method name, or None if pyVmomi does not know it."""
    try:
        return VmomiSupport.GetWsdlMethod(VIM_NS, name).info
    except KeyError:
        return None


class _RequestParser(SoapAdapter.ExpatDeserializerNSHandlers):
    """Walks Envelope/Body/<Method>/<param>; each param element goes to a SoapDeserializer."""

    def __init__(self, version):
        super().__init__()
        self.version = version
        self.depth = 0
        self.method = None
        self.info = None
        self.param_types = {}
        self.pending = []  # (name, SoapDeserializer) in document order

    def parse(self, data):
        self.parser = ParserCreate(namespace_separator=_NS_SEP)
        self.parser.buffer_text = True
        SoapAdapter.SetHandlers(self.parser, SoapAdapter.GetHandlers(self))
        self.parser.Parse(data, True)
        this, args = None, {}
        for name, deser in self.pending:
            value = deser.GetResult()
            if name == "_this":
                this = value
            elif issubclass(self.param_types[name], list):
                args.setdefault(name, self.param_types[name]()).append(value)
            else:
                args[name] = value
        return SoapRequest(self.method, self.info, this, args, self.version)

    def StartElementHandler(self, tag, attr):
        self.depth += 1
        name = tag.split(_NS_SEP)[-1]
        if self.depth == 3:
            self.method = name
            self._load_method(name)
        elif self.depth == 4:
            ptype = self.param_types.get(name)
            if ptype is None:
                return  # unknown parameter: ignored like a lenient server would
            item_type = ptype.Item if issubclass(ptype, list) else ptype
            deser = SoapAdapter.SoapDeserializer(version=self.version)
            deser.Deserialize(self.parser, item_type, False, self.nsMap)
            # The deserializer now owns the parser; it also has to see this start tag, and it
            # consumes the matching end tag before giving the handlers back to us.
            deser.StartElementHandler(tag, attr)
            self.pending.append((name, deser))
            self.depth -= 1

    def EndElementHandler(self, tag):
        self.depth -= 1

    def CharacterDataHandler(self, data):
        pass  # text only matters inside parameters, where the deserializer handles it

    def _load_method(self, name):
        self.param_types = {"_this": VmomiSupport.ManagedObject}
        if name == FETCH:
            self.param_types["prop"] = str
            return
        self.info = method_info(name)
        if self.info is not None:
            for param in self.info.params:
                self.param_types[param.name] = param.type


def parse_request(data, version):
    return _RequestParser(version).parse(data)


def _field(name, typ, version, flags=VmomiSupport.F_OPTIONAL):
    return VmomiSupport.Object(name=name, type=typ, version=version, flags=flags)


def serialize_response(method, value, result_type, version):
    """The full envelope for a successful call; result_type is the declared return type."""
    body = ""
    if value is not None and result_type is not VOID:
        body = _wsdl_types(SoapAdapter.SerializeToStr(value, _field("returnval", result_type, version), version, _NS_MAP))
    return "".join([_ENVELOPE_START, '<{0}Response xmlns="{1}">'.format(method, VIM_NS), body,
                    "</{0}Response>".format(method), _ENVELOPE_END]).encode("utf-8")


def serialize_fault(fault, version):
    """A soapenv:Fault envelope that pyVmomi turns back into the same vim/vmodl fault class."""
    wsdl_name = VmomiSupport.GetWsdlName(type(fault))
    tag = wsdl_name + "Fault"
    detail = _wsdl_types(SoapAdapter.SerializeFaultDetail(fault, _field(tag, object, version), version, _NS_MAP))
    # The client looks the fault type up by the detail element's namespace, which the public
    # serializer leaves out; declare it on the element itself.
    detail = detail.replace("<" + tag, '<{0} xmlns="{1}"'.format(tag, VIM_NS), 1)
    message = SoapAdapter.XmlEscape(fault.msg or wsdl_name)
    return "".join([_ENVELOPE_START, "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>",
                    "<faultstring>", message, "</faultstring><detail>", detail, "</detail></soapenv:Fault>",
                    _ENVELOPE_END]).encode("utf-8")
