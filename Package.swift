// swift-tools-version: 6.1
import PackageDescription

/// The command-line samples (README, "Samples"): `swift run <name>`.
let samples: [(name: String, folder: String)] = [
    ("broadcast-sender", "BroadcastSender"),
    ("broadcast-receiver", "BroadcastReceiver"),
    ("multicast-sender", "MulticastSender"),
    ("multicast-receiver", "MulticastReceiver"),
    ("local-fortune-server", "LocalFortuneServer"),
    ("local-fortune-client", "LocalFortuneClient"),
    ("udp-echo", "UdpEcho"),
    ("local-echo", "LocalEcho"),
    ("async-echo", "AsyncEcho"),
]

let package = Package(
    name: "QKit",
    products: [
        .library(name: "QCore", targets: ["QCore"]),
        .library(name: "QNetwork", targets: ["QNetwork"]),
    ],
    dependencies: [
        // swift-log: Qt's qWarning() channel (misuse warnings, QKIT_FATAL_WARNINGS).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // swift-argument-parser: the samples' flags, --help and usage errors (Samples/ only).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // swift-docc-plugin: `make docs` builds the DocC catalogs (Sources/*/*.docc); a
        // command plugin, linked into nothing.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibevent",
            path: "Sources/CLibevent",
            pkgConfig: "libevent_pthreads",
            providers: [.apt(["libevent-dev", "pkg-config"])]
        ),
        // libdispatch's main-queue hooks (declared by no public header), for the main actor.
        .systemLibrary(name: "CQKitDispatch", path: "Sources/CQKitDispatch"),
        // eventfd(2) and timerfd(2), which Glibc's Swift module leaves out: the loops' wake-up and timers.
        .systemLibrary(name: "CQKitLoopFD", path: "Sources/CQKitLoopFD"),
        // futex(2) (reached only through the variadic syscall(2)) for QKit's mutex, and the calling thread's id without a call.
        .systemLibrary(name: "CQKitThreads", path: "Sources/CQKitThreads"),
        .target(
            name: "QCore",
            dependencies: [
                "CLibevent",
                "CQKitDispatch",
                "CQKitLoopFD",
                "CQKitThreads",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // recvmmsg, sendmmsg and accept4, which Glibc's Swift module leaves out (GNU extensions), and
        // the CMSG alignment macros.
        .systemLibrary(name: "CQKitNet", path: "Sources/CQKitNet"),
        .target(
            name: "QNetwork",
            dependencies: ["QCore", "CQKitNet"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "tour",
            dependencies: ["QCore", "QNetwork"],
            path: "Samples/Tour",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "SampleSupport",
            dependencies: ["QCore", "QNetwork", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Samples/SampleSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Helpers shared by the test targets (spinLoop, pump, openDescriptorCount, capturedWarnings).
        .target(
            name: "QKitTestSupport",
            dependencies: ["QCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "QCoreTests",
            dependencies: ["QCore", "QKitTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "QNetworkTests",
            dependencies: ["QCore", "QNetwork", "QKitTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Load, floods and cross-thread storms: small in `make test`, full with QKIT_STRESS=full.
        .testTarget(
            name: "StressTests",
            dependencies: ["QCore", "QNetwork", "QKitTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Swift concurrency on the main loop, checked in a process of its own (SampleTests runs it).
        .executableTarget(
            name: "mainloop-check",
            dependencies: ["QCore"],
            path: "Tests/MainLoopCheck",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // `make soak`: ten minutes of mixed load in one process, memory and descriptors sampled.
        .executableTarget(
            name: "soak",
            dependencies: ["QCore", "QNetwork"],
            path: "Tests/Soak",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Runs the sample executables (built by `swift test` with the rest of the package).
        .testTarget(
            name: "SampleTests",
            dependencies: ["QCore", "QNetwork", "QKitTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ] + samples.map { name, folder in
        .executableTarget(
            name: name,
            dependencies: [
                "QCore", "QNetwork", "SampleSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Samples/\(folder)",
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    }
)
