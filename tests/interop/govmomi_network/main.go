// Command govmomi_network drives a host networking scenario through govmomi, the Go SDK that govc and
// Terraform's vSphere provider are built on, so the simulator is checked by a serializer that is not pyVmomi's
// (and by Go's HTTP client: chunked request bodies, gzip answers, pooled keep-alive connections).
//
// Scenario: log in, list the hosts, read config.network of one, add a port group with one active uplink and a
// vmk on it through HostNetworkSystem, select vMotion on the vmk through HostVirtualNicManager, read both back,
// remove them, read back again, log out. Any step that fails ends the run with exit status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	portGroupName = "interop-vMotion"
	vmkAddress    = "172.31.254.10"
)

func main() {
	endpoint := flag.String("url", "", "https://user:password@host:port/sdk")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server certificate")
	hostName := flag.String("host", "", "ESXi host to change (default: the first by name)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := run(ctx, *endpoint, *caFile, *hostName); err != nil {
		fmt.Fprintln(os.Stderr, "interop FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("interop: every step passed")
}

func run(ctx context.Context, endpoint, caFile, hostName string) error {
	client, user, err := connect(ctx, endpoint, caFile)
	if err != nil {
		return err
	}
	manager := session.NewManager(client)
	if err := manager.Login(ctx, user); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	defer manager.Logout(context.Background())
	fmt.Println("logged in to", client.ServiceContent.About.FullName)
	host, err := pickHost(ctx, client, hostName)
	if err != nil {
		return err
	}
	return scenario(ctx, client, host)
}

func connect(ctx context.Context, endpoint, caFile string) (*vim25.Client, *url.Userinfo, error) {
	u, err := soap.ParseURL(endpoint)
	if err != nil || u == nil {
		return nil, nil, fmt.Errorf("bad -url %q: %v", endpoint, err)
	}
	soapClient := soap.NewClient(u, false)
	if caFile != "" {
		if err := soapClient.SetRootCAs(caFile); err != nil {
			return nil, nil, fmt.Errorf("CA file: %w", err)
		}
	}
	client, err := vim25.NewClient(ctx, soapClient)
	if err != nil {
		return nil, nil, fmt.Errorf("RetrieveServiceContent: %w", err)
	}
	return client, u.User, nil
}

// pickHost lists every HostSystem through a container view and returns the named one (or the first by name).
func pickHost(ctx context.Context, client *vim25.Client, hostName string) (mo.HostSystem, error) {
	views := view.NewManager(client)
	container, err := views.CreateContainerView(ctx, client.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		return mo.HostSystem{}, fmt.Errorf("CreateContainerView: %w", err)
	}
	defer container.Destroy(ctx)
	var hosts []mo.HostSystem
	if err := container.Retrieve(ctx, []string{"HostSystem"}, []string{"name", "configManager"}, &hosts); err != nil {
		return mo.HostSystem{}, fmt.Errorf("list hosts: %w", err)
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Name < hosts[j].Name })
	fmt.Printf("listed %d hosts\n", len(hosts))
	for _, host := range hosts {
		if hostName == "" || host.Name == hostName {
			return host, nil
		}
	}
	return mo.HostSystem{}, fmt.Errorf("no host %q among %d", hostName, len(hosts))
}

func readNetwork(ctx context.Context, client *vim25.Client, host mo.HostSystem) (*types.HostNetworkInfo, error) {
	var read mo.HostSystem
	if err := object.NewHostSystem(client, host.Reference()).Properties(ctx, host.Reference(), []string{"config.network"}, &read); err != nil {
		return nil, fmt.Errorf("read config.network: %w", err)
	}
	if read.Config == nil || read.Config.Network == nil {
		return nil, fmt.Errorf("config.network of %s is empty", host.Name)
	}
	return read.Config.Network, nil
}

// uplinkSwitch is the first standard switch with an uplink, and that uplink.
func uplinkSwitch(network *types.HostNetworkInfo) (string, string, error) {
	for _, vswitch := range network.Vswitch {
		if bridge, ok := vswitch.Spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok && len(bridge.NicDevice) > 0 {
			return vswitch.Name, bridge.NicDevice[0], nil
		}
	}
	return "", "", fmt.Errorf("no standard switch with an uplink")
}
