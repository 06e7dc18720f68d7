// swift-tools-version: 6.1
// QKit's libFuzzer targets, a package of their own (built with -sanitize=fuzzer,address by
// `make fuzz`, see run.sh); each checks properties of one parser of bytes from outside.
import PackageDescription

// `.package(path: "../")` is identified by the checkout folder's name, which differs between
// machines (CI clones elsewhere): derive it.
let parentIdentity = Context.packageDirectory
    .split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "main"

let targets: [(name: String, folder: String, products: [String])] = [
    ("fuzz-datastream", "FuzzDataStream", ["QCore"]),
    ("fuzz-hostaddress", "FuzzHostAddress", ["QNetwork"]),
    ("fuzz-localname", "FuzzLocalName", ["QNetwork"]),
    ("fuzz-control-messages", "FuzzControlMessages", ["QNetwork"]),
    // FortuneFrame.swift is a link to the sample's own file (SampleSupport is no product).
    ("fuzz-fortune-frame", "FuzzFortuneFrame", ["QCore"]),
]

let package = Package(
    name: "QKitFuzz",
    dependencies: [.package(path: "../")],
    targets: [
        // libFuzzer's entry for programs that have their own main (LLVMFuzzerRunDriver).
        .systemLibrary(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzDriver"],
            path: "Sources/FuzzSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ] + targets.map { name, folder, products in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: parentIdentity) },
            path: "Sources/\(folder)",
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    }
)
