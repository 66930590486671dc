"""Data ESXi reports about itself, taken from real hosts: firewall rulesets, services and advanced options.

Sources: govmomi's captures of a real ESXi host (`simulator/esx/host_firewall_system.go`, `host_config_info.go`,
Debian's golang-github-vmware-govmomi-dev) for the rulesets and services; `esxcli system settings advanced list`
of an ESXi 8.0.3 host (defaults) and of an ESXi 7 host (bounds) for the advanced options.
"""

# key, label, required, enabled, service, rules: "[src:]port[-end port]/protocol/in|out" (portType dst unless src:).
# Every ruleset of the capture allows all IPs.
FIREWALL_RULESETS = (
    ('CIMHttpServer', 'CIM Server', False, True, 'sfcbd-watchdog', '5988/tcp/in'),
    ('CIMHttpsServer', 'CIM Secure Server', False, True, 'sfcbd-watchdog', '5989/tcp/in'),
    ('CIMSLP', 'CIM SLP', False, True, None, '427/udp/in 427/udp/out 427/tcp/in 427/tcp/out'),
    ('DHCPv6', 'DHCPv6', False, True, None, '547/tcp/out 546/tcp/in 547/udp/out 546/udp/in'),
    ('DVFilter', 'DVFilter', False, False, None, '2222/tcp/in'),
    ('DVSSync', 'DVSSync', False, True, None, '8302/udp/out 8301/udp/in 8301/udp/out 8302/udp/in'),
    ('HBR', 'HBR', False, True, None, '31031/tcp/out 44046/tcp/out'),
    ('NFC', 'NFC', False, True, None, '902/tcp/in 902/tcp/out'),
    ('WOL', 'WOL', False, True, None, '9/udp/out'),
    ('activeDirectoryAll', 'Active Directory All', False, False, None,
     '88/udp/out 88/tcp/out 123/udp/out 137/udp/out 139/tcp/out 389/tcp/out 389/udp/out 445/tcp/out '
     '464/udp/out 464/tcp/out 3268/tcp/out 7476/tcp/out 2020/tcp/in'),
    ('cmmds', 'Virtual SAN Clustering Service', False, False, None,
     '12345/udp/in 23451/udp/in 12345/udp/out 23451/udp/out 12321/udp/in 12321/udp/out'),
    ('dhcp', 'DHCP Client', False, True, None, '68/udp/in src:68/udp/out'),
    ('dns', 'DNS Client', False, True, None, '53/udp/in 53/udp/out 53/tcp/out'),
    ('esxupdate', 'esxupdate', False, False, None, '443/tcp/out'),
    ('faultTolerance', 'Fault Tolerance', False, True, None, '80/tcp/out 8300/tcp/in 8300/tcp/out'),
    ('ftpClient', 'FTP Client', False, False, None, '21/tcp/out src:20/tcp/in'),
    ('gdbserver', 'gdbserver', False, False, None, '1000-9999/tcp/in 50000-50999/tcp/in'),
    ('httpClient', 'httpClient', False, False, None, '80/tcp/out 443/tcp/out'),
    ('iSCSI', 'Software iSCSI Client', False, False, None, '3260/tcp/out'),
    ('iofiltervp', 'iofiltervp', False, True, None, '9080/tcp/in'),
    ('ipfam', 'NSX Distributed Logical Router Service', False, False, None, '6999/udp/in 6999/udp/out'),
    ('nfs41Client', 'nfs41Client', False, False, None, '0-65535/tcp/out'),
    ('nfsClient', 'NFS Client', False, False, None, '0-65535/tcp/out'),
    ('ntpClient', 'NTP Client', False, False, 'ntpd', '123/udp/out'),
    ('pvrdma', 'pvrdma', False, False, None, '28250-28761/tcp/out 28250-28761/tcp/in'),
    ('rabbitmqproxy', 'rabbitmqproxy', False, True, None, '5671/tcp/out'),
    ('rdt', 'Virtual SAN Transport', False, False, None, '2233/tcp/in 2233/tcp/out'),
    ('remoteSerialPort', 'VM serial port connected over network', False, False, None, '0-65535/tcp/out 23/tcp/in 1024-65535/tcp/in'),
    ('snmp', 'SNMP Server', False, True, 'snmpd', '161/udp/in'),
    ('sshClient', 'SSH Client', False, False, None, '22/tcp/out'),
    ('sshServer', 'SSH Server', True, True, None, '22/tcp/in'),
    ('syslog', 'syslog', False, False, None, '514/udp/out 514/tcp/out 1514/tcp/out'),
    ('updateManager', 'vCenter Update Manager', False, True, None, '80/tcp/out 9000-9100/tcp/out'),
    ('vMotion', 'vMotion', False, True, None, '8000/tcp/in 8000/tcp/out'),
    ('vSPC', 'VM serial port connected to vSPC', False, False, None, '0-65535/tcp/out'),
    ('vSphereClient', 'vSphere Web Client', True, True, None, '902/tcp/in 443/tcp/in'),
    ('vpxHeartbeats', 'VMware vCenter Agent', False, True, 'vpxa', '902/udp/out'),
    ('vsanEncryption', 'vsanEncryption', False, False, None, '0-65535/tcp/out'),
    ('vsanhealth-multicasttest', 'vsanhealth-multicasttest', False, False, None, '5001/udp/out 5001/udp/in'),
    ('vsanvp', 'vsanvp', False, False, None, '8080/tcp/in 8080/tcp/out'),
    ('vvold', 'vvold', False, False, None, '0-65535/tcp/out'),
    ('webAccess', 'vSphere Web Access', False, True, None, '80/tcp/in'),
)

# key, label, required, running, policy, rulesets, source package
SERVICES = (
    ("DCUI", "Direct Console UI", False, True, "on", (), "esx-base"),
    ("TSM", "ESXi Shell", False, False, "off", (), "esx-base"),
    ("TSM-SSH", "SSH", False, False, "off", (), "esx-base"),
    ("lbtd", "Load-Based Teaming Daemon", False, True, "on", (), "esx-base"),
    ("lwsmd", "Active Directory Service", False, False, "off", (), "esx-base"),
    ("ntpd", "NTP Daemon", False, False, "off", ("ntpClient",), "esx-base"),
    ("pcscd", "PC/SC Smart Card Daemon", False, False, "off", (), "esx-base"),
    ("sfcbd-watchdog", "CIM Server", False, False, "on", ("CIMHttpServer", "CIMHttpsServer"), "esx-base"),
    ("snmpd", "SNMP Server", False, False, "on", ("snmp",), "esx-base"),
    ("vmsyslogd", "Syslog Server", True, True, "on", (), "esx-base"),
    ("vpxa", "VMware vCenter Agent", False, False, "on", ("vpxHeartbeats",), "esx-base"),  # runs once vCenter manages the host
    ("xorg", "X.Org Server", False, False, "on", (), "esx-xserver"),
)

# Advanced options that matter to vMotion and its network: key, default, minimum, maximum, summary.
# An int default is an integer option (xsd:long on the wire), a str default a string option.
OPTIONS = (
    ("Migrate.Enabled", 1, 0, 1, "Enable hot migration support"),
    ("Migrate.BindToVmknic", 3, 0, 3, "Bind the vMotion socket to a specific vmknic.  0 for never, 1 to bind only with FT, "
                                      "2 to bind with FT or for multi-vmknic support, 3 to always bind"),
    ("Migrate.VMotionStreamHelpers", 0, 0, 112, "Number of helpers to allocate for VMotion streams, 0 to dynamically allocate based on "
                                                "uplink bandwidth"),
    ("Migrate.VMotionLatencySensitivity", 1, 0, 1, "Make vMotion helper worlds latency sensitive, avoid transmit delays."),
    ("Migrate.VMotionResolveSwapType", 1, 0, 1, "Attempt to resolve swap type during VMotion initialization"),
    ("Migrate.NetTimeout", 20, 1, 3600, "Timeout in seconds for migration network operations"),
    ("Migrate.NfcNetTimeout", 60, 1, 3600, "Timeout in seconds for NFC migration network operations"),
    ("Migrate.NetExpectedLineRateMBps", 133, 1, 2000, "Expected network throughput, in MBps, for bandwidth-delay calculation"),
    ("Migrate.NetLatencyModeThreshold", 4, 1, 1000, "Lowest possible round-trip time, in ms, before vMotion must operate in "
                                                    "latency-aware mode."),
    ("Migrate.SndBufSize", 562540, 65536, 1000000, "TCP send buffer size for the source"),
    ("Migrate.RcvBufSize", 562540, 65536, 1000000, "TCP receive buffer size for the destination"),
    ("Migrate.PreCopySwitchoverTimeGoal", 500, 100, 100000, "Goal time in milliseconds to send changed pages after pre-copy completes"),
    ("Migrate.SdpsEnabled", 2, 0, 2, "Stuns VMotion source in small increments during precopy, 0=disabled, 1=always enabled, 2=dynamic"),
    ("Migrate.TcpTsoDeferTx", 0, 0, 1, "Use TCP tso defer optimization for transmit"),
    ("Migrate.LowBandwidthSysAlertThreshold", 0, 0, 100000, "Threshold in KB/s for VMotion bandwidth below which a SysAlert is triggered"),
    ("Migrate.Vmknic", "", None, None, "vmknic for vMotion vmkernel VNIC"),
    ("Net.TcpipHeapSize", 8, 0, 32, "Initial size of the tcpip module heap in megabytes. (REQUIRES REBOOT!)"),
    ("Net.TcpipHeapMax", 1024, 32, 1536, "Max megabytes the tcpip module heap used for packet memory can grow to. (REQUIRES REBOOT!)"),
    ("Net.TcpipMaxNetstackInstances", 48, 48, 513, "Maximum number of TCP/IP stack instances that can exist concurrently."),
    ("Net.TcpipDefLROEnabled", 1, 0, 1, "LRO enabled for TCP/IP"),
    ("Net.TcpipRxDispatchQueues", 2, 1, 8, "Max # of dispatch queues used for RX. (REQUIRES REBOOT!)"),
    ("Net.NotifySwitch", 1, 0, 1, "Broadcasts an arp request on net handle enable [0 = disabled, 1 = enabled]"),
    ("Net.TeamPolicyUpDelay", 100, 0, 1800000, "Delay (ms) before considering an `uplink up' event relevant"),
    ("Net.LinkFlappingThreshold", 60, 0, 65535, "Max number of link down events per minute before considering a link unstable (0 to deactivate)"),
    ("Config.HostAgent.log.level", "info", None, None, "Logging level"),
)
