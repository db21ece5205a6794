import Core
import Rootless

extension CLI {
    /// `rsrun features`: the OCI features document (runtime-spec features.md) as pretty JSON,
    /// which engines (containerd, podman) read to learn what the runtime supports. Needs no
    /// state directory and no container.
    mutating func features(_ args: ArraySlice<String>) throws -> Int32 {
        let (_, positionals, _) = try Verbs.features.parse(args)
        if let extra = positionals.first { throw RuntimeError("unexpected argument \"\(extra)\"") }
        Output.out(FeaturesDocument.build(version: CLI.version, host: .probe()).serialized(pretty: true))
        return 0
    }
}
