import CShim
import Glibc
import Rootless

/// Runs one stage of `hooks`, in order, each with the container state on stdin (a sealed-off
/// memfd, so a hook that never reads it cannot block us) and its output captured for the
/// error message. The first failure stops the stage.
enum HookRunner {
    static func run(_ hooks: [Spec.Hook], stage: String, state: JSONValue) throws {
        guard !hooks.isEmpty else { return }
        let json = Array(state.serialized().utf8)
        for (i, hook) in hooks.enumerated() {
            let field = "hooks.\(stage)[\(i)]"
            let input = cshim_memfd_create("rsrun-hook-state", 1)   // MFD_CLOEXEC
            if input < 0 { throw RuntimeError.system("memfd_create", path: field) }
            defer { close(input) }
            FileIO.writeAll(fd: input, json)
            lseek(input, 0, SEEK_SET)
            let command = ChildCommand(path: hook.path, args: hook.args.isEmpty ? [hook.path] : hook.args, env: hook.env,
                                       stdin: input, captureStderr: true, timeoutMs: hook.timeout.map { Int32(clamping: $0 * 1000) })
            let outcome = try command.run()
            let said = String(decoding: outcome.output, as: UTF8.self)
                .split(separator: "\n").last.map { ": " + $0.prefix(300) } ?? ""
            guard let status = outcome.status else {
                throw RuntimeError(path: field, "\(hook.path) timed out after \(hook.timeout ?? 0) s and was killed\(said)")
            }
            if status != 0 {
                throw RuntimeError(path: field, "\(hook.path) failed with status \(Runtime.exitCode(status))\(said)")
            }
        }
    }
}
