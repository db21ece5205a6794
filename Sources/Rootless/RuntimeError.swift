import CShim
import Glibc

/// The one error type of rsrun. It lives in the lowest Swift module so that every layer
/// (Rootless, Core, the CLI) throws the same thing and the CLI prints it in one line:
///
///     rsrun: create c1: linux.resources.memory.limit: expected a number
///
/// `path` is a JSON path into config.json (`process.args`), a file path, or nil.
/// `step` names what was being done when a syscall failed (`mount /proc`); nil for input errors.
public struct RuntimeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var step: String?
    public var path: String?
    public var message: String
    public var errno: Int32?

    public init(step: String? = nil, path: String? = nil, _ message: String, errno: Int32? = nil) {
        self.step = step
        self.path = path
        self.message = message
        self.errno = errno
    }

    /// An error from a failed call, taking `errno` as the call left it.
    public static func system(_ step: String, path: String? = nil, errno code: Int32 = cshim_errno()) -> RuntimeError {
        RuntimeError(step: step, path: path, "", errno: code)
    }

    public var description: String {
        var parts: [String] = []
        if let step { parts.append(step) }
        if let path { parts.append(path) }
        if !message.isEmpty { parts.append(message) }
        if let errno { parts.append(RuntimeError.errnoText(errno)) }
        return parts.joined(separator: ": ")
    }

    public static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
