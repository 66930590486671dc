package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func scenario(ctx context.Context, client *vim25.Client, host mo.HostSystem) error {
	network, err := readNetwork(ctx, client, host)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d vSwitches, %d port groups, %d vmks, %d pnics\n", host.Name, len(network.Vswitch), len(network.Portgroup), len(network.Vnic), len(network.Pnic))
	vswitch, uplink, err := uplinkSwitch(network)
	if err != nil {
		return err
	}
	config := object.NewHostConfigManager(client, host.Reference())
	networkSystem, err := config.NetworkSystem(ctx)
	if err != nil {
		return fmt.Errorf("configManager.networkSystem: %w", err)
	}
	nicManager, err := config.VirtualNicManager(ctx)
	if err != nil {
		return fmt.Errorf("configManager.virtualNicManager: %w", err)
	}
	device, err := build(ctx, networkSystem, nicManager, vswitch, uplink)
	if err != nil {
		return err
	}
	if err := checkBuilt(ctx, client, host, nicManager, device, uplink); err != nil {
		return err
	}
	return remove(ctx, client, host, networkSystem, device)
}

func build(ctx context.Context, networkSystem *object.HostNetworkSystem, nicManager *object.HostVirtualNicManager, vswitch, uplink string) (string, error) {
	spec := types.HostPortGroupSpec{
		Name:        portGroupName,
		VswitchName: vswitch,
		Policy: types.HostNetworkPolicy{NicTeaming: &types.HostNicTeamingPolicy{
			NicOrder: &types.HostNicOrderPolicy{ActiveNic: []string{uplink}},
		}},
	}
	if err := networkSystem.AddPortGroup(ctx, spec); err != nil {
		return "", fmt.Errorf("AddPortGroup: %w", err)
	}
	nic := types.HostVirtualNicSpec{
		Ip:  &types.HostIpConfig{Dhcp: false, IpAddress: vmkAddress, SubnetMask: "255.255.255.0"},
		Mtu: 9000,
	}
	device, err := networkSystem.AddVirtualNic(ctx, portGroupName, nic)
	if err != nil {
		return "", fmt.Errorf("AddVirtualNic: %w", err)
	}
	if err := nicManager.SelectVnic(ctx, string(types.HostVirtualNicManagerNicTypeVmotion), device); err != nil {
		return "", fmt.Errorf("SelectVnicForNicType(vmotion, %s): %w", device, err)
	}
	fmt.Printf("added port group %s on %s (active %s), %s %s, vMotion selected\n", portGroupName, vswitch, uplink, device, vmkAddress)
	return device, nil
}

func findVnic(network *types.HostNetworkInfo, device string) *types.HostVirtualNic {
	for i := range network.Vnic {
		if network.Vnic[i].Device == device {
			return &network.Vnic[i]
		}
	}
	return nil
}

func findPortGroup(network *types.HostNetworkInfo, name string) *types.HostPortGroup {
	for i := range network.Portgroup {
		if network.Portgroup[i].Spec.Name == name {
			return &network.Portgroup[i]
		}
	}
	return nil
}

func checkBuilt(ctx context.Context, client *vim25.Client, host mo.HostSystem, nicManager *object.HostVirtualNicManager, device, uplink string) error {
	network, err := readNetwork(ctx, client, host)
	if err != nil {
		return err
	}
	vnic := findVnic(network, device)
	if vnic == nil || vnic.Portgroup != portGroupName || vnic.Spec.Ip == nil || vnic.Spec.Ip.IpAddress != vmkAddress || vnic.Spec.Mtu != 9000 {
		return fmt.Errorf("read back: %s is %+v", device, vnic)
	}
	portGroup := findPortGroup(network, portGroupName)
	if portGroup == nil || portGroup.Spec.Policy.NicTeaming == nil || portGroup.Spec.Policy.NicTeaming.NicOrder == nil ||
		strings.Join(portGroup.Spec.Policy.NicTeaming.NicOrder.ActiveNic, ",") != uplink {
		return fmt.Errorf("read back: port group %s is %+v", portGroupName, portGroup)
	}
	info, err := nicManager.Info(ctx)
	if err != nil {
		return fmt.Errorf("read HostVirtualNicManager.info: %w", err)
	}
	if !selected(info, string(types.HostVirtualNicManagerNicTypeVmotion), device) {
		return fmt.Errorf("read back: %s is not selected for vmotion in %+v", device, info.NetConfig)
	}
	fmt.Printf("read back: %s on %s, %s/24, MTU 9000, selected for vmotion\n", device, portGroupName, vmkAddress)
	return nil
}

// selected tells whether the candidate vnic `device` of nicType is in that type's selectedVnic keys.
func selected(info *types.HostVirtualNicManagerInfo, nicType, device string) bool {
	for _, config := range info.NetConfig {
		if config.NicType != nicType {
			continue
		}
		for _, candidate := range config.CandidateVnic {
			if candidate.Device != device {
				continue
			}
			for _, key := range config.SelectedVnic {
				if key == candidate.Key {
					return true
				}
			}
		}
	}
	return false
}

func remove(ctx context.Context, client *vim25.Client, host mo.HostSystem, networkSystem *object.HostNetworkSystem, device string) error {
	if err := networkSystem.RemoveVirtualNic(ctx, device); err != nil {
		return fmt.Errorf("RemoveVirtualNic(%s): %w", device, err)
	}
	if err := networkSystem.RemovePortGroup(ctx, portGroupName); err != nil {
		return fmt.Errorf("RemovePortGroup(%s): %w", portGroupName, err)
	}
	network, err := readNetwork(ctx, client, host)
	if err != nil {
		return err
	}
	if findVnic(network, device) != nil || findPortGroup(network, portGroupName) != nil {
		return fmt.Errorf("read back after removal: %s or %s is still there", device, portGroupName)
	}
	fmt.Printf("removed %s and %s; read back: gone\n", device, portGroupName)
	return nil
}
