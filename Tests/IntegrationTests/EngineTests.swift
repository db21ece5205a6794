// The engine drivers in contrib/integration, run as part of the test command: podman (rootless
// and rootful), containerd through ctr, and docker. Each driver prints every command it runs and
// its outcome; that output is copied here, so the test log shows what the engine did.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One run of a driver: `contrib/integration/<script> <mode>`.
struct EngineDriver: Sendable, CustomTestStringConvertible {
    var script: String
    var mode: String

    var testDescription: String { mode.isEmpty ? script : "\(script) \(mode)" }

    static let all = [
        EngineDriver(script: "podman.sh", mode: "rootless"),
        EngineDriver(script: "podman.sh", mode: "rootful"),
        EngineDriver(script: "containerd.sh", mode: ""),
        EngineDriver(script: "docker.sh", mode: ""),
    ]

    /// lib.sh's exit status for "this engine cannot run on this machine".
    static let skipStatus: Int32 = 77
}

extension IntegrationTests {
    @Suite("engines: the contrib/integration drivers", .serialized) struct Engines {
        @Test("the engine runs containers with rsrun as its runtime", arguments: EngineDriver.all)
        func driver(_ driver: EngineDriver) throws {
            let path = "\(Env.packageRoot)/contrib/integration/\(driver.script)"
            try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing")
            if !Env.isRoot { try Harness.skip("the engine drivers run as root (the rootless ones switch user themselves)", mode: .root) }
            var env = ["PATH=\(Env.standardPath)", "RSRUN_BINARY=\(Env.binary)", "RSRUN_TEST_ROOTFS=\(Env.rootfs)",
                       "RSRUN_TEST_USER=\(Env.testUser?.name ?? "rsrun-test")", "HOME=/root", "LANG=C.UTF-8"]
            if let tmp = Env.environment("TMPDIR") { env.append("TMPDIR=\(tmp)") }
            let argv = ["/bin/bash", path] + (driver.mode.isEmpty ? [] : [driver.mode])
            let result = Subprocess.run(argv, env: env, timeout: 900)
            // The driver's own report, line by line, into the test log.
            FileHandle.standardError.write(Data((result.stdout + result.stderr).utf8))
            if result.status == EngineDriver.skipStatus && !result.timedOut {
                let reason = (result.stdout + result.stderr).split(separator: "\n").last { $0.contains("SKIP: ") }
                    .map { String($0[$0.range(of: "SKIP: ")!.upperBound...]) } ?? "the driver skipped without a reason"
                try Harness.skip("\(driver.testDescription): \(reason)", mode: .root)
            }
            let failures = (result.stdout + result.stderr).split(separator: "\n").filter { $0.contains("] FAIL") }
            #expect(result.ok, "\(driver.testDescription) failed: \(failures.joined(separator: "; ")) \(result)")
        }
    }
}
