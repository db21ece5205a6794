import CShim
import Glibc
import Rootless

/// Compiled seccomp programs kept in the state root, keyed by a hash of the profile and of
/// the libseccomp that compiled it (as crun does): libseccomp takes about 11 ms to build the
/// podman default profile, and engines pass the same profile to every container.
///
/// `<root>/@seccomp/<key>`: the program, then the notes (skipped syscall names) as text. The
/// directory is the state root's, 0700 and owned by the caller, so nobody else can plant a
/// program there.
struct SeccompCache {
    let directory: String

    init(stateRoot: String) { directory = stateRoot + "/@seccomp" }

    static func key(_ seccomp: Spec.Seccomp) -> String {
        var hash = FNV1a()
        func mix(_ text: String) {
            hash.mix(text)
            hash.mix("\u{1f}")   // field separator
        }
        // Not seccomp_api_get(): it probes the kernel with nine seccomp(2) calls. The kernel
        // cannot change under a state root that lives on a tmpfs (/run).
        if let version = seccomp_version() {
            mix("libseccomp \(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro) tree")
        }
        mix(seccomp.defaultAction.rawValue)
        mix(seccomp.defaultErrnoRet.map { "\($0)" } ?? "-")
        for arch in seccomp.architectures { mix(arch) }
        mix("syscalls")
        for rule in seccomp.syscalls {
            mix(rule.action.rawValue)
            mix(rule.errnoRet.map { "\($0)" } ?? "-")
            for name in rule.names { mix(name) }
            for arg in rule.args { mix("\(arg.index) \(arg.op.rawValue) \(arg.value) \(arg.valueTwo.map { "\($0)" } ?? "-")") }
            mix("end")
        }
        return hash.hex
    }

    func path(_ key: String) -> String { "\(directory)/\(key)" }

    /// The program and notes stored under `key`, if a whole entry is there.
    func load(_ key: String) -> (program: [UInt8], notes: [String])? {
        guard let bytes = FileIO.read(path(key), limit: 1 << 20), bytes.count >= 8 else { return nil }
        let count = bytes[0..<8].withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard count > 0, count % 8 == 0, count <= bytes.count - 8 else { return nil }
        let program = Array(bytes[8..<(8 + count)])
        let notes = String(decoding: bytes[(8 + count)...], as: UTF8.self).split(separator: "\n").map(String.init)
        return (program, notes)
    }

    /// Best effort: a cache that cannot be written only costs the next create the compile.
    func store(_ key: String, program: [UInt8], notes: [String]) {
        guard FileIO.makeDirectories(directory, mode: 0o700) else { return }
        var bytes = withUnsafeBytes(of: UInt64(program.count).littleEndian) { Array($0) }
        bytes += program
        bytes += Array(notes.joined(separator: "\n").utf8)
        try? FileIO.writeAtomically(path(key), bytes)
    }
}
