import Glibc
@testable import Rootless
import Testing

@Suite("UserBus and SystemdHost: where the user's systemd is, and what it may delegate")
struct UserBusTests {
    static func env(xdg: String? = nil, dbus: String? = nil) -> ProcessEnvironment {
        ProcessEnvironment(xdgRuntimeDir: xdg, dbusSessionBusAddress: dbus)
    }

    @Test("DBUS_SESSION_BUS_ADDRESS wins, even when the runtime dir has a socket")
    func fromEnvironment() {
        let location = UserBus.locate(environment: Self.env(xdg: "/run/user/1000", dbus: "unix:path=/tmp/other"),
                                      isSocket: { _ in true })
        #expect(location == .found(address: "unix:path=/tmp/other"))
    }

    @Test("else $XDG_RUNTIME_DIR/bus when it is a socket, escaped as a D-Bus address")
    func fromRuntimeDir() {
        var asked: [String] = []
        let location = UserBus.locate(environment: Self.env(xdg: "/run/user/1000"), isSocket: { asked.append($0); return true })
        #expect(location == .found(address: "unix:path=/run/user/1000/bus"))
        #expect(asked == ["/run/user/1000/bus"])
        #expect(UserBus.locate(environment: Self.env(xdg: "/tmp/a b,c"), isSocket: { _ in true })
            == .found(address: "unix:path=/tmp/a%20b%2cc/bus"))
    }

    @Test("no address: the reason names what is missing")
    func missing() {
        guard case .missing(let none) = UserBus.locate(environment: Self.env(), isSocket: { _ in true }) else {
            Issue.record("expected .missing")
            return
        }
        #expect(none.contains("XDG_RUNTIME_DIR"))
        guard case .missing(let noSocket) = UserBus.locate(environment: Self.env(xdg: "/run/user/1000"), isSocket: { _ in false }) else {
            Issue.record("expected .missing")
            return
        }
        #expect(noSocket.contains("/run/user/1000/bus"))
    }

    @Test("the error says how to get a user bus, on one line")
    func missingError() {
        #expect(throws: RuntimeError.self) { try UserBus.address(environment: Self.env(), isSocket: { _ in false }) }
        let text = UserBus.missingError("no socket").description
        #expect(text.contains("loginctl enable-linger $USER"))
        #expect(text.contains("dbus-user-session"))
        #expect(!text.contains("\n"))
    }

    @Test("a real socket is recognised, a plain file is not")
    func isSocket() throws {
        #expect(!UserBus.isSocket("/"))
        #expect(!UserBus.isSocket("/nonexistent/bus"))
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = "/tmp/rsrun-userbus-\(getpid())"
        unlink(path)
        defer { unlink(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        #expect(UserBus.isSocket(path))
    }

    @Test("systemd as init is /run/systemd/system being a directory")
    func booted() throws {
        let dir = try TempDir("rsrun-booted")
        #expect(!SystemdHost.isBooted(root: dir.path))
        #expect(throws: RuntimeError.self) { try SystemdHost.requireBooted(false) }
        try SystemdHost.requireBooted(true)
        dir.makeDir("run/systemd")
        dir.makeFile("run/systemd/system")
        #expect(!SystemdHost.isBooted(root: dir.path))
        unlink(dir.sub("run/systemd/system"))
        dir.makeDir("run/systemd/system")
        #expect(SystemdHost.isBooted(root: dir.path))
    }

    @Test("delegation: every needed controller must be in user@UID.service's cgroup.controllers")
    func delegation() throws {
        try SystemdHost.checkDelegation(uid: 1000, controllers: "cpuset cpu io memory pids\n", needed: ["memory", "pids", "cpu"])
        try SystemdHost.checkDelegation(uid: 1000, controllers: "memory pids\n", needed: [])
        do {
            try SystemdHost.checkDelegation(uid: 1000, controllers: "memory pids\n", needed: ["memory", "cpu", "io", "cpu"])
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            let text = error.description
            #expect(text.contains("user@1000.service is not delegated the cpu io controllers"))
            #expect(text.contains("(it has: memory pids)"))
            #expect(text.contains("/etc/systemd/system/user@.service.d/delegate.conf"))
            #expect(text.contains("[Service]\\nDelegate=cpu cpuset io memory pids"))
            #expect(!text.contains("\n"))
        }
    }

    @Test("delegation: no cgroup for the user manager means it is not running")
    func noUserManager() throws {
        #expect(SystemdHost.userManagerCgroup(uid: 1000) == "/user.slice/user-1000.slice/user@1000.service")
        let dir = try TempDir("rsrun-usermgr")
        #expect(SystemdHost.userManagerControllers(uid: 1000, cgroupRoot: dir.path) == nil)
        dir.makeDir("user.slice/user-1000.slice/user@1000.service")
        dir.makeFile("user.slice/user-1000.slice/user@1000.service/cgroup.controllers", "memory pids\n")
        #expect(SystemdHost.userManagerControllers(uid: 1000, cgroupRoot: dir.path) == "memory pids\n")
        do {
            try SystemdHost.checkDelegation(uid: 1000, controllers: nil, needed: ["memory"])
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.description.contains("loginctl enable-linger $USER"))
        }
    }
}
