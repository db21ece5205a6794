import Core
import Glibc
import Rootless

/// `--log FILE --log-format text|json`: where errors and warnings go besides stderr, in the
/// shape engines parse from runc (`{"level":"error","msg":...,"time":...}`).
struct Logger {
    enum Format: String { case text, json }

    var path: String?
    var format: Format = .text
    var debug = false

    func write(level: String, _ message: String) {
        guard let path else { return }
        let time = Clock.rfc3339()
        let line: String
        switch format {
        case .json:
            line = JSONValue.object(JSONObject([
                ("level", .string(level)), ("msg", .string(message)), ("time", .string(time)),
            ])).serialized() + "\n"
        case .text:
            line = "time=\"\(time)\" level=\(level) msg=\(JSONValue.string(message).serialized())\n"
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { return }
        FileIO.writeAll(fd: fd, Array(line.utf8))
        close(fd)
    }

    func error(_ message: String) { write(level: "error", message) }

    func warning(_ message: String) {
        write(level: "warning", message)
        if debug && path == nil { Output.err("rsrun: warning: " + message) }
    }

    /// An autoclosure: without --debug the message is never even built (every verb calls this).
    /// With --log the message goes to the file only: engines pass --log, and rsrun's stderr
    /// during create is the container's, so a debug line there would be in its output.
    func debugMessage(_ message: @autoclosure () -> String) {
        guard debug else { return }
        let text = message()
        write(level: "debug", text)
        if path == nil { Output.err("rsrun: debug: " + text) }
    }
}

/// Unbuffered writes to the standard streams, so nothing is duplicated into a cloned child.
enum Output {
    static func out(_ text: String) { FileIO.writeAll(fd: 1, Array((text + "\n").utf8)) }
    static func err(_ text: String) { FileIO.writeAll(fd: 2, Array((text + "\n").utf8)) }
}
