import Glibc

/// The user's D-Bus session bus, where the user's own systemd (user@UID.service) listens: a
/// rootless container gets a delegated cgroup by asking that systemd for a scope. The rule is
/// sd_bus_open_user's, spelled out here so that a failure can say which part was missing.
public enum UserBus {
    public enum Location: Sendable, Equatable {
        /// A D-Bus address, e.g. `unix:path=/run/user/1000/bus`.
        case found(address: String)
        /// Why there is none, as one clause for an error message.
        case missing(reason: String)
    }

    /// `DBUS_SESSION_BUS_ADDRESS` when the session exported it, else the socket a
    /// dbus-user-session setup puts at `$XDG_RUNTIME_DIR/bus`.
    public static func locate(environment: ProcessEnvironment,
                              isSocket: (String) -> Bool = UserBus.isSocket) -> Location {
        if let address = environment.dbusSessionBusAddress { return .found(address: address) }
        guard let dir = environment.xdgRuntimeDir else {
            // A plain su or sudo keeps neither variable, which is the usual way to get here.
            return .missing(reason: "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set")
        }
        let socket = dir + "/bus"
        guard isSocket(socket) else {
            return .missing(reason: "DBUS_SESSION_BUS_ADDRESS is unset and there is no socket at \(socket)")
        }
        return .found(address: "unix:path=" + escape(socket))
    }

    /// The address, or the error that tells the user how to get a user bus.
    public static func address(environment: ProcessEnvironment,
                               isSocket: (String) -> Bool = UserBus.isSocket) throws -> String {
        switch locate(environment: environment, isSocket: isSocket) {
        case .found(let address): return address
        case .missing(let reason): throw missingError(reason)
        }
    }

    public static func missingError(_ reason: String) -> RuntimeError {
        RuntimeError(step: "systemd cgroup driver",
                     "rootless containers need the user's D-Bus session bus, but \(reason): log in through a session "
                         + "(ssh or machinectl shell, not su), or run `loginctl enable-linger $USER` as root, and install "
                         + "the dbus-user-session package; or drop --systemd-cgroup")
    }

    /// D-Bus addresses escape every byte outside `[-0-9A-Za-z_/.\*]` as %XX.
    static func escape(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "*"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789abcdef".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }

    public static func isSocket(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }
}
