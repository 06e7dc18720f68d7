// swift-tools-version: 6.1
// QKit's benchmarks, a package of their own so the main package stays light to build.
import PackageDescription

// `.package(path: "../")` is identified by the checkout folder's name, which differs between
// machines (CI clones elsewhere): derive it.
let parentIdentity = Context.packageDirectory
    .split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "main"

let package = Package(
    name: "QKitBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // The SwiftNIO peer only (QKit itself never depends on SwiftNIO).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "probe",
            dependencies: [
                .product(name: "QCore", package: parentIdentity),
                .product(name: "QNetwork", package: parentIdentity),
            ],
            path: "Sources/Probe",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "niopeer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/NIOPeer",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "DispatchBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "QCore", package: parentIdentity),
            ],
            path: "Benchmarks/DispatchBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "AllocationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "QCore", package: parentIdentity),
                .product(name: "QNetwork", package: parentIdentity),
            ],
            path: "Benchmarks/AllocationBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
