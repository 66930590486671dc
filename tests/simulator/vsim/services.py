"""Service objects: ServiceInstance, SessionManager, SearchIndex, tasks, diagnostics, custom fields."""

import threading

from pyVmomi import vim

from . import faults
from .about import esxi_about, vcenter_about
from .model import ManagedObject, is_a
from .sessions import now


class ServiceInstance(ManagedObject):
    vim_type = "ServiceInstance"

    def __init__(self, inv, moid, content_refs, instance_uuid):
        """content_refs: ServiceContent field name -> managed object (rootFolder, propertyCollector, ...)."""
        super().__init__(inv, moid)
        self.content_refs = content_refs
        self.instance_uuid = instance_uuid

    def content(self):
        about = vcenter_about(self.instance_uuid, self.inv.release) if self.inv.is_vcenter else esxi_about(self.inv.release)
        refs = {name: obj.ref for name, obj in self.content_refs.items()}
        return vim.ServiceInstanceContent(about=about, **refs)

    def p_content(self):
        return self.content()

    def p_serverClock(self):
        return now()

    def p_capability(self):
        return vim.Capability(provisioningSupported=True, multiHostSupported=self.inv.is_vcenter, userShellAccessSupported=False,
                              networkBackupAndRestoreSupported=False, ftDrsWithoutEvcSupported=False, hciWorkflowSupported=False)

    def RetrieveServiceContent(self, call):
        return self.content()

    def CurrentTime(self, call):
        return now()


class SessionManager(ManagedObject):
    vim_type = "SessionManager"
    session_properties = ("currentSession",)

    def user_session(self, session):
        if session is None or not session.authenticated:
            return None
        return vim.UserSession(key=session.key, userName=session.user, fullName=session.user, loginTime=session.login_time,
                               lastActiveTime=now(), locale="en", messageLocale="en", extensionSession=False,
                               ipAddress="127.0.0.1", userAgent=session.user_agent, callCount=0)

    def p_currentSession(self, call):
        return self.user_session(call.session)

    def p_sessionList(self):
        return []

    def p_defaultLocale(self):
        return "en"

    def p_supportedLocaleList(self):
        return ["en"]

    def p_messageLocaleList(self):
        return ["en"]

    def Login(self, call, userName, password, locale=None):
        if (userName, password) != (call.config.user, call.config.password):
            raise faults.invalid_login()
        call.sessions.login(call.session, userName)
        return self.user_session(call.session)

    def Logout(self, call):
        call.sessions.end(call.session)

    def SessionIsActive(self, call, sessionID, userName):
        session = call.sessions.get(sessionID)
        return bool(session and session.authenticated and session.user == userName)


class CustomFieldsManager(ManagedObject):
    vim_type = "CustomFieldsManager"

    def p_field(self):
        return []


class SearchIndex(ManagedObject):
    vim_type = "SearchIndex"

    def _hosts(self, datacenter):
        hosts = [o for o in self.inv.all_objects() if o.vim_type == "HostSystem"]
        if datacenter is not None:
            moid = datacenter._moId
            hosts = [h for h in hosts if h.datacenter().moid == moid]
        return sorted(hosts, key=lambda h: h.index)

    def _vms(self, datacenter):
        vms = [o for o in self.inv.all_objects() if o.vim_type == "VirtualMachine"]
        if datacenter is not None:
            vms = [vm for vm in vms if vm.host.datacenter().moid == datacenter._moId]
        return sorted(vms, key=lambda vm: vm.index)

    def _find(self, datacenter, vm_search, host_match, vm_match):
        """Hosts match on their names and vmk addresses; VMs on what VMware Tools report (so only running VMs)."""
        if vm_search:
            return [vm for vm in self._vms(datacenter) if vm.running and vm_match(vm)]
        return [h for h in self._hosts(datacenter) if host_match(h)]

    def _dns(self, datacenter, name, vm_search):
        name = name.lower().rstrip(".")
        return self._find(datacenter, vm_search,
                          lambda h: name in (h.name.lower(), "{0}.{1}".format(h.identity["hostname"], h.identity["domain"]).lower()),
                          lambda vm: vm.name.lower() == name)

    def _ip(self, datacenter, ip, vm_search):
        return self._find(datacenter, vm_search, lambda h: any(v.spec.ip.ipAddress == ip for v in h.net.vnics.values()),
                          lambda vm: vm.ip == ip)

    def FindByDnsName(self, call, dnsName, vmSearch, datacenter=None):
        found = self._dns(datacenter, dnsName, vmSearch)
        return found[0].ref if found else None

    def FindAllByDnsName(self, call, dnsName, vmSearch, datacenter=None):
        return [obj.ref for obj in self._dns(datacenter, dnsName, vmSearch)]

    def FindByIp(self, call, ip, vmSearch, datacenter=None):
        found = self._ip(datacenter, ip, vmSearch)
        return found[0].ref if found else None

    def FindAllByIp(self, call, ip, vmSearch, datacenter=None):
        return [obj.ref for obj in self._ip(datacenter, ip, vmSearch)]

    def FindByUuid(self, call, uuid, vmSearch, datacenter=None, instanceUuid=None):
        if vmSearch:
            found = [vm for vm in self._vms(datacenter) if (vm.instance_uuid if instanceUuid else vm.uuid) == uuid]
        else:
            found = [h for h in self._hosts(datacenter) if h.identity["uuid"] == uuid]
        return found[0].ref if found else None

    def FindAllByUuid(self, call, uuid, vmSearch, datacenter=None, instanceUuid=None):
        found = self.FindByUuid(call, uuid, vmSearch, datacenter, instanceUuid)
        return [found] if found is not None else []

    def FindByInventoryPath(self, call, inventoryPath):
        """`DC01/host/CL01/192.168.100.107`: names below the root folder, folders of a datacenter included."""
        node = call.inv.service.content_refs["rootFolder"]
        for name in [part for part in inventoryPath.strip("/").split("/") if part]:
            node = next((child for child in node.children() if child.name == name), None)
            if node is None:
                return None
        return node.ref

    def FindChild(self, call, entity, name):
        node = call.inv.get(entity)
        child = next((c for c in node.children() if c.name == name), None)
        return child.ref if child else None


class TaskManager(ManagedObject):
    vim_type = "TaskManager"

    def p_recentTask(self):
        return []


class Task(ManagedObject):
    vim_type = "Task"
    KEEP = 1000  # finished tasks kept readable; older ones disappear as on a real vCenter

    def __init__(self, inv, moid, entity, description_id, user, name=None, cancelable=False, state="running"):
        super().__init__(inv, moid)
        stamp = now()
        self.info = vim.TaskInfo(
            key=moid, task=self.ref, name=name, descriptionId=description_id, entity=entity.ref, entityName=entity.name,
            state=state, cancelled=False, cancelable=cancelable, queueTime=stamp, startTime=stamp if state == "running" else None,
            reason=vim.TaskReasonUser(userName=user or ""), eventChainId=int(moid.split("-")[-1]))
        self.cancel_requested = threading.Event()  # set by CancelTask; the work that runs the task polls it

    def p_info(self):
        return self.info

    # --- a task that runs after its method returned (start_task) ----------------------------------
    # The info object is replaced, never changed in place, so that a reader holding the old one sees a consistent value.

    def _update(self, **fields):
        names = [p.name for p in vim.TaskInfo._GetPropertyList()]
        info = vim.TaskInfo(**{name: getattr(self.info, name) for name in names if getattr(self.info, name) is not None})
        for name, value in fields.items():
            setattr(info, name, value)
        self.info = info
        self.inv.touch(self)

    # The background thread takes the task's own lock (vsim/locks.py): never while it holds a host's.
    def set_running(self):
        with self.object_lock():
            self._update(state="running", startTime=now(), progress=0)

    def set_progress(self, percent):
        with self.object_lock():
            if self.info.state == "running":
                self._update(progress=int(percent))

    def finish(self, result=None, error=None):
        """End the task: success with result, or error with a faults.SoapFault; it joins the finished tasks kept."""
        with self.object_lock():
            if error is not None:
                self._update(state="error", error=error.fault, completeTime=now())
            else:
                self._update(state="success", result=result, progress=100, completeTime=now())
            self.inv.add_task(self, Task.KEEP)

    def CancelTask(self, call):
        """"Canceling a completed or already canceled task will throw an InvalidState exception. If a task is canceled, its
        runtime state will be set to error and its error state will be set to RequestCanceled. A cancel operation is
        asynchronous" (API reference, Task.CancelTask); NotSupported "if the task is not cancelable"."""
        if self.info.state in ("success", "error") or self.info.cancelled:
            raise faults.make("vim.fault.InvalidState", "The operation is not allowed in the current state.")
        if not self.info.cancelable:
            raise faults.not_supported("The task cannot be canceled.")
        self._update(cancelled=True)
        self.cancel_requested.set()


def run_task(call, entity, description_id, work):
    """Run work() as a vSphere task: the task is complete when the method returns its reference.

    It runs under the caller's locks; the task becomes readable (and the oldest beyond Task.KEEP go) once it is
    complete, so a concurrent reader never sees it half-filled."""
    task = Task(call.inv, call.inv.new_moid("task"), entity, description_id, call.session.user)
    info = task.info
    try:
        info.result = work()
        info.state = "success"
    except faults.SoapFault as failure:
        info.error = failure.fault
        info.state = "error"
    info.completeTime = now()
    info.progress = 100
    call.inv.add_task(task, Task.KEEP)
    return task.ref


def start_task(call, entity, description_id, name, run, cancelable=True, **attributes):
    """A task that runs in the background after its method returns (vMotion): it is `queued` when the reference goes
    back; run(task) is called in a thread without the inventory lock and drives it with set_running, set_progress and
    finish, polling task.cancel_requested. attributes are set on the Task before run starts."""
    task = call.inv.add(Task(call.inv, call.inv.new_moid("task"), entity, description_id, call.session.user, name=name,
                             cancelable=cancelable, state="queued"))
    for key, value in attributes.items():  # set before the work starts, so that it sees them
        setattr(task, key, value)
    call.inv.touch(task)

    def body():
        try:
            run(task)
        except Exception as exc:  # noqa: BLE001 - a simulator bug ends the task as a SystemError, never leaves it running
            if task.info.state not in ("success", "error"):
                task.finish(error=faults.make("vmodl.fault.SystemError", "Simulator error: {0!r}".format(exc), reason=repr(exc)))
    threading.Thread(target=body, name="vsim-" + task.moid, daemon=True).start()
    return task


class DiagnosticManager(ManagedObject):
    """Host logs through vCenter: BrowseDiagnosticLog(host, "vmkernel") serves the buffer tests fill."""

    vim_type = "DiagnosticManager"
    _LOGS = {"vmkernel": "/var/log/vmkernel.log", "hostd": "/var/log/hostd.log", "vpxa": "/var/log/vpxa.log"}
    DEFAULT_LINES = 1000

    def QueryDescriptions(self, call, host=None):
        return [vim.DiagnosticManager.LogDescriptor(
            key=key, fileName=path, creator=key, format="plain", mimeType="text/plain",
            info=vim.Description(label=key, summary="{0} log of the host".format(key))) for key, path in self._LOGS.items()]

    def BrowseDiagnosticLog(self, call, key, host=None, start=None, lines=None):
        if key not in self._LOGS:
            raise faults.invalid_argument("key")
        if host is None:
            if call.inv.is_vcenter:
                raise faults.invalid_argument("host", "A host is required to read the {0} log through vCenter".format(key))
            target = next(o for o in call.inv.all_objects() if o.vim_type == "HostSystem")
        else:
            target = call.inv.get(host)
            if not is_a(target, vim.HostSystem):
                raise faults.invalid_argument("host")
            target.require_connection()  # vCenter fetches the log from the host
        buffer = target.log if key == "vmkernel" else []
        # Past the end a real server sends no text and lineEnd = the log's last line (govc's Seek relies on it).
        first = min(max(start or 1, 1), len(buffer) + 1)
        count = lines if lines is not None and lines >= 0 else self.DEFAULT_LINES
        text = buffer[first - 1:first - 1 + count]
        return vim.DiagnosticManager.LogHeader(lineStart=first, lineEnd=first + len(text) - 1 if text else first - 1, lineText=text)
