"""Small pyVmomi helpers shared by the tests."""

from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector


def hosts_by_name(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    try:
        return {host.name: host for host in view.view}
    finally:
        view.Destroy()


def host_filter_spec(view, paths):
    traversal = PC.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
    return PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
                         propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=paths)])
