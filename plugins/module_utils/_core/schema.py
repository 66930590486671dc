# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one schema of a vMotion vmk item, and its one validator.

Two kinds of item share it: a ``plan`` item (per index: the vmotion_layout filter's input and the
multinic_vmotion role's ``multinic_vmotion_plan``) and a ``vmk`` item (per host: the filter's output
and multinic_vmotion_portgroups' ``vmks``). The module's argument spec is generated from FIELDS;
the module's DOCUMENTATION and the role's argument spec are held equal to it by unit tests.
Validation is strict: strings are strings, integers are integers (not booleans), unknown keys are
refused with the known ones listed, and every problem is returned together, naming the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import integer

FAILOVER_MODES = ("unused", "standby")
NETSTACKS = ("default", "vmotion")
VLAN_RANGE = (0, 4094)
MTU_RANGE = (1280, 9000)
INDEX_RANGE = (0, 1023)

# name -> type, elements, choices, range, and per kind: None (not allowed), False (optional), True (required).
FIELDS = (
    ("index", dict(type="int", range=INDEX_RANGE, plan=True, vmk=False)),
    ("subnet", dict(type="str", plan=True, vmk=False)),
    ("device", dict(type="str", plan=False, vmk=False)),
    ("portgroup", dict(type="str", plan=True, vmk=True)),
    ("switch", dict(type="str", plan=False, vmk=False)),
    ("dvswitch", dict(type="str", plan=False, vmk=False)),
    ("vlan_id", dict(type="int", range=VLAN_RANGE, plan=False, vmk=False)),
    ("active_uplink", dict(type="str", plan=True, vmk=True)),
    ("uplink_pnic", dict(type="str", plan=False, vmk=False)),
    ("uplinks", dict(type="list", elements="str", plan=False, vmk=False)),
    ("failover", dict(type="str", choices=FAILOVER_MODES, default="unused", plan=False, vmk=False)),
    ("ip", dict(type="str", plan=None, vmk=True)),
    ("prefix_length", dict(type="int", plan=None, vmk=False)),
    ("netmask", dict(type="str", plan=None, vmk=False)),
    ("mtu", dict(type="int", range=MTU_RANGE, plan=False, vmk=False)),
    ("netstack", dict(type="str", choices=NETSTACKS, default="default", plan=False, vmk=False)),
    ("gateway", dict(type="str", plan=False, vmk=False)),
)
FIELD = dict(FIELDS)
KINDS = ("plan", "vmk")


def keys(kind):
    """The keys an item of this kind may have, in schema order."""
    return tuple(name for name, field in FIELDS if field[kind] is not None)


def required(kind):
    return tuple(name for name, field in FIELDS if field[kind])


def module_options():
    """AnsibleModule suboptions of a ``vmk`` item.

    Free-text strings are ``raw`` so that the validator sees what the user gave: AnsibleModule
    would turn a list into the text of the list ("['a', 'b']") and a port group would get that
    name. Strings with choices stay ``str``: AnsibleModule refuses anything else itself.
    """
    options = {}
    for name in keys("vmk"):
        field = FIELD[name]
        option = {"type": "raw" if field["type"] == "str" and "choices" not in field else field["type"]}
        for key in ("elements", "choices", "default"):
            if key in field:
                option[key] = list(field[key]) if key == "choices" else field[key]
        if field["vmk"]:
            option["required"] = True
        options[name] = option
    return options


def _kind(value):
    """The plain name of a value's type: Ansible hands over its own (lazy) list and dict types."""
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (dict, "dict"), ((list, tuple), "list")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _plain(value):
    """The value as plain Python data, so that its repr reads as the user wrote it."""
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _check_value(name, value, where):
    """(clean value, problem or None) for one field's value."""
    field = FIELD[name]
    kind = field["type"]
    if kind == "str":
        if not isinstance(value, str):
            return None, "%s: %s must be a string, got %s %r" % (where, name, _kind(value), _plain(value))
        if "choices" in field and value not in field["choices"]:
            return None, "%s: %s %r must be one of %s" % (where, name, value, ", ".join(field["choices"]))
        return value, None
    if kind == "int":
        number = integer(value)
        low, high = field.get("range", (None, None))
        if number is None:
            if "range" in field:
                return None, "%s: %s %r must be an integer %d-%d" % (where, name, value, low, high)
            return None, "%s: %s %r must be an integer" % (where, name, value)
        if low is not None and not low <= number <= high:
            return None, "%s: %s %r is outside %d-%d" % (where, name, value, low, high)
        return number, None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None, "%s: %s %r must be a list of names" % (where, name, value)
    doubled = sorted(set(v for v in value if list(value).count(v) > 1))
    if doubled:
        return None, "%s: %s %r names %s more than once" % (where, name, list(value), ", ".join(doubled))
    return list(value), None


def validate_item(raw, where, kind, defaults=None):
    """Check one item on its own; returns (item, problems).

    ``item`` has every key of the kind (None where not given, the schema default for failover
    and netstack) or is None when ``raw`` is not a dict. ``defaults`` fill keys the item leaves
    out or sets to None (they are validated with defaults_problems).
    """
    if not isinstance(raw, dict):
        return None, ["%s must be a dict, got %s %r" % (where, _kind(raw), _plain(raw))]
    allowed = keys(kind)
    problems = []
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        problems.append("%s has unknown key(s) %s; allowed: %s" % (where, ", ".join(unknown), ", ".join(allowed)))
    given = dict((k, v) for k, v in (defaults or {}).items() if k in allowed)
    given.update((k, v) for k, v in raw.items() if k in allowed and v is not None)
    item = dict((name, FIELD[name].get("default")) for name in allowed)
    missing = [name for name in required(kind) if given.get(name) in (None, "")]
    if not given.get("switch") and not given.get("dvswitch"):
        missing.append("switch or dvswitch")
    if missing:
        problems.append("%s is missing %s" % (where, ", ".join(missing)))
    for name in allowed:
        if given.get(name) in (None, ""):
            continue
        value, problem = _check_value(name, given[name], where)
        if problem:
            problems.append(problem)
        else:
            item[name] = value
    if item.get("switch") and item.get("dvswitch"):
        problems.append("%s names both switch %r and dvswitch %r; give one" % (where, item["switch"], item["dvswitch"]))
    if item.get("uplinks") is not None and item.get("active_uplink") and item["active_uplink"] not in item["uplinks"]:
        problems.append("%s: active_uplink %r is not in its uplinks %s" % (where, item["active_uplink"], item["uplinks"]))
    return item, problems


def defaults_problems(defaults, kind="plan"):
    """Problems of a ``defaults`` dict: unknown keys (typos such as 'mut') and bad values."""
    if defaults is None:
        return []
    if not isinstance(defaults, dict):
        return ["defaults must be a dict, got %s %r" % (_kind(defaults), _plain(defaults))]
    # per index, never shared: a gateway belongs to its subnet, a pnic to its uplink
    allowed = tuple(k for k in keys(kind) if k not in ("index", "subnet", "portgroup", "device", "ip", "gateway", "uplink_pnic"))
    problems = []
    unknown = sorted(str(k) for k in defaults if k not in allowed)
    if unknown:
        problems.append("defaults has unknown key(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(allowed)))
    for name in allowed:
        if defaults.get(name) is not None:
            problems.extend(p for p in [_check_value(name, defaults[name], "defaults")[1]] if p)
    return problems
