// swift-tools-version:6.0
import PackageDescription

// contrib/static-libs holds only libstdc++.a (a link to Debian 12's gcc archive), so the
// -lstdc++ the Swift runtime asks for resolves to the archive: one shared library fewer for
// ld.so to load and resolve on every start. Debian's gcc-12 puts it there; elsewhere the
// link dangles and the linker falls back to the shared library.
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
            path: "Sources/CShim"
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
