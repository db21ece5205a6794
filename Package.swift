// swift-tools-version:6.0
import PackageDescription

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
                .unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "--gc-sections"]),
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
