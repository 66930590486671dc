"""Small pyVmomi helpers shared by the tests."""

from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector


def by_name(content, kind):
    """{name: managed object} of every object of one type (vim.VirtualMachine, vim.Datastore...) in the inventory."""
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return {obj.name: obj for obj in view.view}
    finally:
        view.Destroy()


def hosts_by_name(content):
    return by_name(content, vim.HostSystem)


def host_filter_spec(view, paths):
    traversal = PC.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
    return PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
                         propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=paths)])
