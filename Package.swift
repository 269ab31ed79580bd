// swift-tools-version:6.0
// Reticle: objective, reproducible image grading on an ordinary CPU.
// Layout and decisions: ../shared/DESIGN.md and README.md ("Design").
import PackageDescription

// Platforms: Linux on x86-64 only (README "Platforms"). Hot kernels need the target CPU or SIMD FMA
// becomes library calls (PERFORMANCE.md §1): Swift and C are built for x86-64-v3 (AVX2 + FMA); the
// AVX-512 kernels carry their own target attributes and are chosen at run time; `reticle` refuses an
// older CPU at startup. SwiftPM's `platforms:` names Apple platforms only, so it is left out: macOS
// is not supported.
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]
let cFast: [CSetting] = [.unsafeFlags(["-march=x86-64-v3", "-O2"])]

let package = Package(
    name: "Reticle",
    products: [
        .executable(name: "reticle", targets: ["reticle"]),
        .library(name: "Shared", targets: ["Shared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // One small target per C library (DESIGN.md "Layout").
        .systemLibrary(name: "CBLAS", path: "Sources/CSystem/CBLAS"),
        .systemLibrary(name: "COpenSlide", path: "Sources/CSystem/COpenSlide"),
        .systemLibrary(name: "CZlib", path: "Sources/CSystem/CZlib"),
        .target(name: "CPNG", path: "Sources/CSystem/CPNG",
                cSettings: cFast, linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "CJPEG", path: "Sources/CSystem/CJPEG",
                cSettings: cFast, linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "CTIFF", path: "Sources/CSystem/CTIFF",
                cSettings: cFast, linkerSettings: [.linkedLibrary("tiff")]),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-march=x86-64-v3", "-O3"])]),
        .target(name: "CSupport", cSettings: cFast),
        .target(name: "CDcmtk", path: "Sources/CSystem/CDcmtk",
                cxxSettings: [.unsafeFlags(["-O2"])],
                // openjp2 (libopenjp2-7-dev) decodes JPEG 2000, which dcmtk 3.6.7 has no codec for;
                // dcmsr writes the Structured Reports of classification results.
                linkerSettings: ["dcmsr", "dcmjpls", "dcmjpeg", "dcmimage", "dcmimgle", "dcmdata", "oflog", "ofstd", "openjp2"]
                    .map { LinkerSetting.linkedLibrary($0) }),

        .target(name: "Shared",
                dependencies: ["CBLAS", "CKernels", "CSupport", "CZlib", "CPNG", "CJPEG", "CTIFF",
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: fastMath),
        .target(name: "Microstructure", dependencies: ["Shared"], swiftSettings: fastMath),
        .target(name: "Medical", dependencies: ["Shared", "COpenSlide", "CDcmtk"], swiftSettings: fastMath),
        .target(name: "Remote", dependencies: ["Shared", "CZlib", "CTIFF"], swiftSettings: fastMath),
        // YAML (protocols, instrument profiles) into Shared's JSON tree: the one module that sees Yams.
        .target(name: "YAMLFiles", dependencies: ["Shared", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "reticle",
                          dependencies: ["Shared", "Microstructure", "Medical", "Remote", "YAMLFiles",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Every parser the project owns and every C library entry point it calls, as functions of
        // bytes: libFuzzer drives them in `reticle-fuzz` (`make fuzz`), the tests replay the seeds.
        .target(name: "FuzzTargets", dependencies: ["Shared", "Medical", "Remote", "YAMLFiles"]),
        .executableTarget(name: "reticle-fuzz", dependencies: ["FuzzTargets", "CSupport"]),

        .target(name: "TestSupport", dependencies: ["Shared"], path: "Tests/TestSupport"),
        .testTarget(name: "SharedTests", dependencies: ["Shared", "TestSupport"]),
        .testTarget(name: "MicrostructureTests", dependencies: ["Microstructure", "TestSupport"]),
        .testTarget(name: "MedicalTests", dependencies: ["Medical", "TestSupport"]),
        .testTarget(name: "RemoteTests", dependencies: ["Remote", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["reticle", "YAMLFiles", "TestSupport"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
