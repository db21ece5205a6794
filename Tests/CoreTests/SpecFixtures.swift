/// config.json documents shaped like the ones real tools write, shared by the spec tests.
enum SpecFixtures {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// What `runc spec` produces (tabs and all).
    static let runcDefault = """
    {
    \t"ociVersion": "1.2.0",
    \t"process": {
    \t\t"terminal": true,
    \t\t"user": {
    \t\t\t"uid": 0,
    \t\t\t"gid": 0
    \t\t},
    \t\t"args": [
    \t\t\t"sh"
    \t\t],
    \t\t"env": [
    \t\t\t"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    \t\t\t"TERM=xterm"
    \t\t],
    \t\t"cwd": "/",
    \t\t"capabilities": {
    \t\t\t"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    \t\t\t"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    \t\t\t"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    \t\t},
    \t\t"rlimits": [
    \t\t\t{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}
    \t\t],
    \t\t"noNewPrivileges": true
    \t},
    \t"root": {
    \t\t"path": "rootfs",
    \t\t"readonly": true
    \t},
    \t"hostname": "runc",
    \t"mounts": [
    \t\t{"destination": "/proc", "type": "proc", "source": "proc"},
    \t\t{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
    \t\t "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    \t\t{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
    \t\t "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    \t\t{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
    \t\t "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    \t\t{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
    \t\t "options": ["nosuid", "noexec", "nodev"]},
    \t\t{"destination": "/sys", "type": "sysfs", "source": "sysfs",
    \t\t "options": ["nosuid", "noexec", "nodev", "ro"]},
    \t\t{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
    \t\t "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
    \t],
    \t"linux": {
    \t\t"resources": {
    \t\t\t"devices": [{"allow": false, "access": "rwm"}]
    \t\t},
    \t\t"namespaces": [
    \t\t\t{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
    \t\t\t{"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}
    \t\t],
    \t\t"maskedPaths": [
    \t\t\t"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    \t\t\t"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
    \t\t],
    \t\t"readonlyPaths": [
    \t\t\t"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
    \t\t]
    \t}
    }
    """

    /// What `runc spec --rootless` produces for uid/gid 1000.
    static let runcRootless = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": false,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "noNewPrivileges": true
      },
      "root": {"path": "rootfs", "readonly": true},
      "hostname": "runc",
      "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "none", "source": "/sys",
         "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
      ],
      "linux": {
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "namespaces": [
          {"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
          {"type": "mount"}, {"type": "cgroup"}, {"type": "user"}
        ],
        "maskedPaths": ["/proc/kcore", "/sys/firmware"],
        "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
      }
    }
    """

    /// Shaped like what podman hands its runtime for a rootless container with keep-id.
    static let podmanStyle = """
    {
      "ociVersion": "1.1.0+dev",
      "process": {
        "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [1000, 10]},
        "args": ["/usr/bin/bash", "-c", "echo \\"hi\\" > /tmp/out"],
        "env": ["PATH=/usr/local/bin:/usr/bin", "container=podman", "HOME=/home/user", "HOSTNAME=c0ffee"],
        "cwd": "/home/user",
        "capabilities": {
          "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID"],
          "effective": [],
          "inheritable": [],
          "permitted": [],
          "ambient": []
        },
        "rlimits": [
          {"type": "RLIMIT_NOFILE", "hard": 524288, "soft": 524288},
          {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}
        ],
        "oomScoreAdj": 200,
        "apparmorProfile": "",
        "selinuxLabel": ""
      },
      "root": {"path": "/home/user/.local/share/containers/storage/overlay/abc/merged"},
      "hostname": "c0ffee",
      "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/etc/hosts", "type": "bind", "source": "/run/user/1000/containers/hosts",
         "options": ["bind", "rprivate"]},
        {"destination": "/data", "type": "bind", "source": "/srv/data",
         "options": ["rbind", "rprivate", "idmap"],
         "uidMappings": [{"containerID": 0, "hostID": 1, "size": 65536}],
         "gidMappings": [{"containerID": 0, "hostID": 1, "size": 65536}]}
      ],
      "annotations": {
        "io.container.manager": "libpod",
        "org.opencontainers.image.stopSignal": "15",
        "io.podman.annotations.autoremove": "TRUE"
      },
      "linux": {
        "uidMappings": [
          {"containerID": 0, "hostID": 1, "size": 1000},
          {"containerID": 1000, "hostID": 0, "size": 1},
          {"containerID": 1001, "hostID": 1001, "size": 64535}
        ],
        "gidMappings": [
          {"containerID": 0, "hostID": 1, "size": 1000},
          {"containerID": 1000, "hostID": 0, "size": 1},
          {"containerID": 1001, "hostID": 1001, "size": 64535}
        ],
        "sysctl": {"net.ipv4.ping_group_range": "0 0"},
        "resources": {"pids": {"limit": 2048}},
        "cgroupsPath": "user.slice:libpod:c0ffee",
        "namespaces": [
          {"type": "pid"},
          {"type": "network", "path": "/run/user/1000/netns/netns-1234"},
          {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"},
          {"type": "cgroup", "path": ""}
        ],
        "seccomp": {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 38,
          "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
          "syscalls": [
            {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
            {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
          ]
        },
        "maskedPaths": ["/proc/acpi", "/proc/kcore"],
        "readonlyPaths": ["/proc/bus", "/proc/sys"],
        "unknownFutureField": {"anything": [1, 2, 3]}
      }
    }
    """

    /// Every field of the Linux schema set, so one decode exercises every decoder and the
    /// unapplied table can be checked for completeness.
    static let everything = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": true,
        "consoleSize": {"height": 24, "width": 80},
        "user": {"uid": 1, "gid": 2, "umask": 63, "additionalGids": [3, 4], "username": "someone"},
        "args": ["/bin/true"],
        "commandLine": "true.exe",
        "env": ["A=b"],
        "cwd": "/work",
        "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "inheritable": [],
                         "permitted": ["CAP_KILL"], "ambient": []},
        "rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
        "noNewPrivileges": true,
        "apparmorProfile": "rsrun-default",
        "oomScoreAdj": -1000,
        "selinuxLabel": "system_u:system_r:container_t:s0",
        "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
        "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 0,
                      "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"],
                      "runtime": 10000000, "deadline": 20000000, "period": 30000000},
        "execCPUAffinity": {"initial": "0-3", "final": "7"}
      },
      "root": {"path": "/var/lib/rootfs", "readonly": false},
      "hostname": "box",
      "domainname": "example.org",
      "mounts": [
        {"destination": "/data", "type": "bind", "source": "/srv", "options": ["rbind"],
         "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
         "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}
      ],
      "hooks": {
        "prestart": [{"path": "/usr/bin/prestart"}],
        "createRuntime": [{"path": "/usr/bin/net-setup", "args": ["net-setup", "up"], "env": ["X=1"], "timeout": 5}],
        "createContainer": [{"path": "/bin/cc"}],
        "startContainer": [{"path": "/bin/sc"}],
        "poststart": [{"path": "/bin/ps"}],
        "poststop": [{"path": "/bin/cleanup", "timeout": 30}]
      },
      "annotations": {"a": "b"},
      "linux": {
        "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "user"}, {"type": "time"}],
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "timeOffsets": {"monotonic": {"secs": -86400, "nanosecs": 5}, "boottime": {"secs": 3600}},
        "devices": [
          {"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
          {"type": "p", "path": "/dev/myfifo"}
        ],
        "netDevices": {"eth1": {"name": "net0"}},
        "cgroupsPath": "/rsrun/box",
        "resources": {
          "devices": [{"allow": false, "access": "rwm"},
                      {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
          "memory": {"limit": 536870912, "reservation": -1, "swap": 1073741824, "kernel": -1,
                     "kernelTCP": -1, "swappiness": 0, "disableOOMKiller": false,
                     "useHierarchy": true, "checkBeforeUpdate": true},
          "cpu": {"shares": 1024, "quota": -1, "burst": 1000, "period": 100000,
                  "realtimeRuntime": 950000, "realtimePeriod": 1000000,
                  "cpus": "0-3", "mems": "0", "idle": 1},
          "blockIO": {"weight": 500, "leafWeight": 300,
                      "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 200}],
                      "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                      "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
                      "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                      "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 200}]},
          "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
          "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
          "pids": {"limit": -1},
          "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
          "unified": {"memory.high": "1073741824", "io.weight": "default 100"}
        },
        "rootfsPropagation": "rslave",
        "seccomp": {
          "defaultAction": "SCMP_ACT_ALLOW",
          "defaultErrnoRet": 1,
          "architectures": ["SCMP_ARCH_X86_64"],
          "flags": ["SECCOMP_FILTER_FLAG_LOG"],
          "listenerPath": "/run/seccomp-agent.sock",
          "listenerMetadata": "meta",
          "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
        },
        "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"},
        "maskedPaths": ["/proc/kcore"],
        "readonlyPaths": ["/proc/sys"],
        "mountLabel": "system_u:object_r:container_file_t:s0",
        "intelRdt": {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f",
                     "memBwSchema": "MB:0=20;1=70", "enableCMT": true, "enableMBM": false},
        "personality": {"domain": "LINUX32", "flags": []},
        "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]}
      }
    }
    """

    static let minimalProcess = #"{"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#

    /// A small valid config with `extra` spliced in as further top-level members.
    static func config(_ extra: String = "", process: String = minimalProcess) -> String {
        let tail = extra.isEmpty ? "" : ", \(extra)"
        return #"{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": \#(process)\#(tail)}"#
    }
}
