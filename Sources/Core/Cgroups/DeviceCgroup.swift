import Rootless

/// Placeholder until the eBPF device program lands: device rules are not enforced yet.
enum DeviceCgroup {
    static func install(_ rules: [Spec.Resources.DeviceRule], directory: String) throws {}
}
