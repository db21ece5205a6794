import Core
import Rootless
import Testing

/// Each case is a config.json and the exact one-line error the CLI would print for it.
@Suite("Spec errors")
struct SpecErrorTests {
    private static func process(_ body: String) -> String {
        #"{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": \#(body)}"#
    }

    private static func linux(_ body: String) -> String {
        SpecFixtures.config(#""linux": \#(body)"#)
    }

    static let cases: [(String, String)] = [
        // Shape of the document.
        ("[]", "config.json: expected an object"),
        (#"{"ociVersion": "1.2.0",}"#, "config.json: line 1, column 24: expected a string as object key, got '}'"),
        ("{\n\"ociVersion\": \"1.2.0\"\n\"root\": {}}", "config.json: line 3, column 1: expected ',' or '}'"),
        // Required fields.
        (#"{"root": {"path": "r"}}"#, "ociVersion: is required"),
        (#"{"ociVersion": "1.2.0"}"#, "root: is required"),
        (#"{"ociVersion": "1.2.0", "root": null}"#, "root: is required"),
        (#"{"ociVersion": "1.2.0", "root": {}}"#, "root.path: is required"),
        (#"{"ociVersion": "1.2.0", "root": "rootfs"}"#, "root: expected an object"),
        (#"{"ociVersion": 1, "root": {"path": "r"}}"#, "ociVersion: expected a string"),
        (#"{"ociVersion": "2.0.0", "root": {"path": "r"}}"#, #"ociVersion: unsupported version "2.0.0", rsrun supports 1.x"#),
        (#"{"ociVersion": "1.2.0", "root": {"path": ""}}"#, "root.path: must not be empty"),
        // process
        (process(#"{"user": {"uid": 0, "gid": 0}, "cwd": "/"}"#), "process.args: is required"),
        (process(#"{"user": {"uid": 0, "gid": 0}, "args": [], "cwd": "/"}"#), "process.args: must not be empty"),
        (process(#"{"user": {"uid": 0, "gid": 0}, "args": "sh", "cwd": "/"}"#), "process.args: expected an array"),
        (process(#"{"user": {"uid": 0, "gid": 0}, "args": ["sh", 1], "cwd": "/"}"#), "process.args[1]: expected a string"),
        (process(#"{"user": {"uid": 0, "gid": 0}, "args": ["sh"]}"#), "process.cwd: is required"),
        (process(#"{"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "tmp"}"#), #"process.cwd: must be an absolute path, got "tmp""#),
        (process(#"{"args": ["sh"], "cwd": "/"}"#), "process.user: is required"),
        (process(#"{"user": {"gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.user.uid: is required"),
        (process(#"{"user": {"uid": 4294967296, "gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.user.uid: out of range for uint32"),
        (process(#"{"user": {"uid": 0, "gid": -1}, "args": ["sh"], "cwd": "/"}"#), "process.user.gid: out of range for uint32"),
        (process(#"{"user": {"uid": 0, "gid": 0, "additionalGids": [1, "2"]}, "args": ["sh"], "cwd": "/"}"#),
         "process.user.additionalGids[1]: expected a number"),
        (process(#"{"user": {"uid": 0.5, "gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.user.uid: expected an integer"),
        (process(#"{"user": {"uid": 1e3, "gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.user.uid: expected an integer"),
        (process(#"{"terminal": "yes", "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.terminal: expected a boolean"),
        (process(#"{"env": "A=b", "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#), "process.env: expected an array"),
        (process(#"{"oomScoreAdj": 2000, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         "process.oomScoreAdj: must be between -1000 and 1000, got 2000"),
        (process(#"{"rlimits": [{"type": "RLIMIT_FOO", "hard": 1, "soft": 1}], "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         #"process.rlimits[0].type: unknown rlimit type "RLIMIT_FOO""#),
        (process(#"{"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1}, {"type": "RLIMIT_NOFILE", "hard": 2, "soft": 2}], "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         #"process.rlimits: duplicate rlimit type "RLIMIT_NOFILE""#),
        (process(#"{"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1}], "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         "process.rlimits[0].soft: is required"),
        (process(#"{"rlimits": [{"type": "RLIMIT_CORE", "hard": 1, "soft": 2}], "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         "process.rlimits[0]: soft limit 2 is above hard limit 1"),
        (process(#"{"ioPriority": {"class": "IOPRIO_CLASS_X", "priority": 1}, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         #"process.ioPriority.class: unknown I/O priority class "IOPRIO_CLASS_X""#),
        (process(#"{"ioPriority": {"class": "IOPRIO_CLASS_RT", "priority": 8}, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         "process.ioPriority.priority: must be between 0 and 7, got 8"),
        (process(#"{"scheduler": {"policy": "SCHED_FAST"}, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         #"process.scheduler.policy: unknown scheduler policy "SCHED_FAST""#),
        (process(#"{"capabilities": {"bounding": "CAP_KILL"}, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}"#),
         "process.capabilities.bounding: expected an array"),
        // mounts
        (SpecFixtures.config(#""mounts": [{"destination": "/a"}, {"type": "tmpfs"}]"#), "mounts[1].destination: is required"),
        (SpecFixtures.config(#""mounts": [{"destination": ""}]"#), "mounts[0].destination: must not be empty"),
        (SpecFixtures.config(#""mounts": [{"destination": "/a", "options": ["ro", null]}]"#), "mounts[0].options[1]: expected a string"),
        (SpecFixtures.config(#""mounts": [{"destination": "/a", "uidMappings": [{"containerID": 0, "hostID": 4294967296, "size": 1}]}]"#),
         "mounts[0].uidMappings[0].hostID: out of range for uint32"),
        (SpecFixtures.config(#""mounts": {}"#), "mounts: expected an array"),
        // hooks
        (SpecFixtures.config(#""hooks": {"prestart": [{"args": ["x"]}]}"#), "hooks.prestart[0].path: is required"),
        (SpecFixtures.config(#""hooks": {"poststop": [{"path": "bin/true"}]}"#), #"hooks.poststop[0].path: must be an absolute path, got "bin/true""#),
        (SpecFixtures.config(#""hooks": {"poststart": [{"path": "/bin/true", "timeout": 0}]}"#),
         "hooks.poststart[0].timeout: must be greater than zero, got 0"),
        // annotations
        (SpecFixtures.config(#""annotations": {"org.example.key": 1}"#), #"annotations["org.example.key"]: expected a string"#),
        (SpecFixtures.config(#""annotations": {"": "x"}"#), "annotations: keys must not be empty"),
        // linux
        (SpecFixtures.config(#""linux": []"#), "linux: expected an object"),
        (linux(#"{"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "foo"}]}"#), #"linux.namespaces[2].type: unknown namespace type "foo""#),
        (linux(#"{"namespaces": [{"type": "pid"}, {"type": "pid", "path": "/proc/1/ns/pid"}]}"#), #"linux.namespaces[1].type: duplicate namespace type "pid" (also linux.namespaces[0])"#),
        (linux(#"{"namespaces": [{"path": "/proc/1/ns/net"}]}"#), "linux.namespaces[0].type: is required"),
        (linux(#"{"namespaces": [{"type": "network", "path": "proc/1/ns/net"}]}"#),
         #"linux.namespaces[0].path: must be an absolute path, got "proc/1/ns/net""#),
        (linux(#"{"uidMappings": [{"containerID": 0, "hostID": 1000}]}"#), "linux.uidMappings[0].size: is required"),
        (linux(#"{"gidMappings": [{"containerID": 0, "hostID": "1000", "size": 1}]}"#), "linux.gidMappings[0].hostID: expected a number"),
        (linux(#"{"sysctl": {"net.ipv4.ip_forward": 1}}"#), #"linux.sysctl["net.ipv4.ip_forward"]: expected a string"#),
        (linux(#"{"timeOffsets": {"realtime": {"secs": 1}}}"#), #"linux.timeOffsets: unknown clock "realtime""#),
        (linux(#"{"timeOffsets": {"boottime": {"nanosecs": 1000000000}}}"#), "linux.timeOffsets.boottime.nanosecs: must be less than 1000000000"),
        (linux(#"{"devices": [{"type": "c", "path": "/dev/fuse", "minor": 229}]}"#), #"linux.devices[0].major: is required for device type "c""#),
        (linux(#"{"devices": [{"type": "x", "path": "/dev/fuse"}]}"#), #"linux.devices[0].type: unknown device type "x""#),
        (linux(#"{"devices": [{"type": "p", "path": "dev/fifo"}]}"#), #"linux.devices[0].path: must be an absolute path, got "dev/fifo""#),
        (linux(#"{"rootfsPropagation": "weird"}"#), #"linux.rootfsPropagation: unknown rootfs propagation "weird""#),
        (linux(#"{"maskedPaths": ["proc/kcore"]}"#), #"linux.maskedPaths[0]: must be an absolute path, got "proc/kcore""#),
        (linux(#"{"personality": {"flags": []}}"#), "linux.personality.domain: is required"),
        (linux(#"{"memoryPolicy": {"mode": "MPOL_BIND", "flags": ["MPOL_F_FOO"]}}"#), #"linux.memoryPolicy.flags[0]: unknown memory policy flag "MPOL_F_FOO""#),
        // linux.resources
        (linux(#"{"resources": {"memory": {"limit": "1G"}}}"#), "linux.resources.memory.limit: expected a number"),
        (linux(#"{"resources": {"memory": {"limit": 1.5}}}"#), "linux.resources.memory.limit: expected an integer"),
        (linux(#"{"resources": {"memory": {"limit": 9223372036854775808}}}"#), "linux.resources.memory.limit: out of range for int64"),
        (linux(#"{"resources": {"cpu": {"shares": -2}}}"#), "linux.resources.cpu.shares: out of range for uint64"),
        (linux(#"{"resources": {"blockIO": {"weight": 70000}}}"#), "linux.resources.blockIO.weight: out of range for uint16"),
        (linux(#"{"resources": {"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}}}"#),
         "linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required"),
        (linux(#"{"resources": {"devices": [{"access": "rwm"}]}}"#), "linux.resources.devices[0].allow: is required"),
        (linux(#"{"resources": {"devices": [{"allow": true, "access": "rwx"}]}}"#),
         #"linux.resources.devices[0].access: must be made of "r", "w" and "m", got "rwx""#),
        (linux(#"{"resources": {"pids": {}}}"#), "linux.resources.pids.limit: is required"),
        (linux(#"{"resources": {"unified": {"memory.max": 5}}}"#), #"linux.resources.unified["memory.max"]: expected a string"#),
        (linux(#"{"resources": {"rdma": {"mlx5_1": {"hcaHandles": -1}}}}"#), "linux.resources.rdma.mlx5_1.hcaHandles: out of range for uint32"),
        // linux.seccomp
        (linux(#"{"seccomp": {"syscalls": []}}"#), "linux.seccomp.defaultAction: is required"),
        (linux(#"{"seccomp": {"defaultAction": "SCMP_ACT_FOO"}}"#), #"linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_FOO""#),
        (linux(#"{"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}}"#),
         "linux.seccomp.syscalls[0].names: must not be empty"),
        (linux(#"{"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]}}"#),
         "linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6"),
        (linux(#"{"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_XX"}]}]}}"#),
         #"linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_XX""#),
    ]

    @Test(arguments: cases)
    func reportsExactError(_ json: String, _ expected: String) {
        let error = #expect(throws: RuntimeError.self) {
            try Spec.parse(SpecFixtures.bytes(json))
        }
        #expect(error?.description == expected)
        #expect(error?.errno == nil)
        #expect(error?.step == nil)
    }

    @Test func syntaxErrorsNameTheSourceFile() {
        let error = #expect(throws: RuntimeError.self) {
            try Spec.parse(SpecFixtures.bytes("{"), source: "/bundles/b1/config.json")
        }
        #expect(error?.description == "/bundles/b1/config.json: line 1, column 2: unexpected end of input")
    }
}
