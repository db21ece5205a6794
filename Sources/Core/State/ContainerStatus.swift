/// The OCI lifecycle states rsrun reports.
public enum ContainerStatus: String, Sendable {
    case creating, created, running, paused, stopped
}
