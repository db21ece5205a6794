/// A path inside the container, as the components the kernel walks from the container's
/// root. Purely lexical: `..` is kept (the kernel, resolving in the root, never lets it climb
/// above it), only empty and `.` components go.
struct ContainerPath: Equatable, CustomStringConvertible {
    var components: [String]

    init(_ text: String) {
        components = text.split(separator: "/").compactMap { $0 == "." ? nil : String($0) }
    }

    init(components: [String]) {
        self.components = components
    }

    /// The form given to openat2 relative to the root's fd ("." for the root itself).
    var relative: String { components.isEmpty ? "." : components.joined(separator: "/") }

    var description: String { "/" + components.joined(separator: "/") }

    var isRoot: Bool { components.isEmpty }

    /// The first `count` components.
    func prefix(_ count: Int) -> ContainerPath {
        ContainerPath(components: Array(components.prefix(count)))
    }

    /// The path with component `index`, a symbolic link, replaced by the link's target: an
    /// absolute target starts again at the root, a relative one from the link's directory.
    /// The result is walked from the root again, so the kernel keeps it inside.
    func replacing(_ index: Int, withLinkTo target: String) -> ContainerPath {
        let head = target.hasPrefix("/") ? [] : Array(components[..<index])
        return ContainerPath(components: head + ContainerPath(target).components + components[(index + 1)...])
    }

    /// The length of the run of components from `start` that climbs back to where it began
    /// (`x/y/../..`), or nil. Exact only where none of them is a link: under a missing name.
    func returningRun(from start: Int) -> Int? {
        var depth = 0
        for i in start..<components.count {
            depth += components[i] == ".." ? -1 : 1
            if depth == 0 { return i - start + 1 }
            if depth < 0 { return nil }
        }
        return nil
    }

    /// True when some component is `..`.
    var climbs: Bool { components.contains("..") }
}
