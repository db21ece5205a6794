// swift-tools-version:6.0
import PackageDescription

// contrib/static-libs holds links to Debian 12's libstdc++.a (gcc-12) and libseccomp.a
// (libseccomp-dev), so -lstdc++ (asked for by the Swift runtime) and -lseccomp resolve to the
// archives: shared libraries fewer for ld.so to load and resolve on every start. Elsewhere the
// links dangle and the linker falls back to the shared libraries.
let staticLibs = Context.packageDirectory + "/contrib/static-libs"

// The runtime is a short-lived process run thousands of times, so start-up cost matters:
// no implicit _Concurrency/_StringProcessing imports, stdlib (and libstdc++) linked statically.
let hotPath: [SwiftSetting] = [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
    ]),
]

let package = Package(
    name: "rsrun",
    targets: [
        .target(
            name: "CShim",
            path: "Sources/CShim",
            // libseccomp.a from contrib/static-libs in the rsrun binary (Debian's libseccomp-dev).
            linkerSettings: [.linkedLibrary("seccomp")]
        ),
        .target(
            name: "Rootless",
            dependencies: ["CShim"],
            swiftSettings: hotPath
        ),
        .target(
            name: "Core",
            dependencies: ["Rootless", "CShim"],
            swiftSettings: hotPath
        ),
        .executableTarget(
            name: "rsrun",
            dependencies: ["Core"],
            swiftSettings: hotPath,
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld", "-Xlinker", "--gc-sections",
                    "-L", staticLibs,
                    // The runtime's link arguments export every symbol; we need none exported.
                    "-Xlinker", "--no-export-dynamic",
                ]),
            ]
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["Core", "Rootless"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: []
        ),
    ]
)
