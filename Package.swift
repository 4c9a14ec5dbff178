// swift-tools-version:6.1
import PackageDescription

/// One settings list for every target: Swift 6 mode with strict concurrency is the default
/// for tools version 6; these add the habits the codebase relies on.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .unsafeFlags(["-warnings-as-errors"]),
]

let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let configuration: Target.Dependency = .product(name: "Configuration", package: "swift-configuration")

/// A service is a pure domain library, a store library (its tables) and a thin executable that wires
/// them to Kafka and HTTP.
/// `extra` and `resources` are the executable's own (marketing's page template).
func serviceTargets(
    domain: String, store: String, executable: String, folder: String, extra: [Target.Dependency] = [],
    resources: [Resource]? = nil
) -> [Target] {
    [
        .target(
            name: domain,
            dependencies: ["TriadEvents"],
            path: "Services/\(folder)/Domain",
            swiftSettings: swiftSettings
        ),
        .target(
            name: store,
            dependencies: [.target(name: domain), "TriadEvents", "TriadStorage"],
            path: "Services/\(folder)/Store",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [
                .target(name: store), .target(name: domain), "TriadEvents", "TriadKafka", "TriadRuntime",
                "TriadStorage",
                "TriadWire", hummingbird, lifecycle, logging, configuration,
            ] + extra,
            path: "Services/\(folder)/Service",
            resources: resources,
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "Triad",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marketing-service", targets: ["marketing-service"]),
        .executable(name: "finance-service", targets: ["finance-service"]),
        .executable(name: "it-service", targets: ["it-service"]),
        .executable(name: "triad", targets: ["triad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // The environment provider only: no trait (JSON, the default one, reads files the services do not have).
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
        // OTLP over HTTP only: the suite is gRPC-free, so the OTLPGRPC trait (on by default) is left off.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/Kafka/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "TriadKafka",
            dependencies: ["CRdKafka", lifecycle, logging],
            path: "Shared/Kafka/Client",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TriadEvents",
            path: "Shared/Events",
            swiftSettings: swiftSettings
        ),
        // The wire format: the CloudEvents codec (Kafka binding, both modes) and its JSON reading and writing.
        .target(
            name: "TriadWire",
            dependencies: ["TriadEvents", "TriadKafka"],
            path: "Shared/Wire",
            swiftSettings: swiftSettings
        ),
        // The contract generator (JSON Schema, AsyncAPI): linked by the `triad` tool and the tests only.
        .target(
            name: "TriadContracts",
            dependencies: ["TriadEvents", "TriadWire"],
            path: "Shared/Contracts",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TriadStorage",
            dependencies: [
                "TriadEvents", "TriadKafka", "TriadWire", logging,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Shared/Storage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TriadRuntime",
            dependencies: [
                "TriadEvents", "TriadKafka", "TriadStorage", "TriadWire", hummingbird, lifecycle, unixSignals, logging,
                configuration,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            path: "Shared/Runtime",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "triad",
            dependencies: [
                "TriadEvents", "TriadWire", "TriadContracts", "TriadKafka", "Marketing", logging, lifecycle,
                unixSignals,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/triad",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["TriadKafka", "TriadEvents", "TriadStorage", logging],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventsTests",
            dependencies: ["TriadEvents", "TriadWire", "TriadContracts", "TriadKafka", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "MarketingTests", dependencies: ["Marketing", "TriadEvents"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FinanceTests", dependencies: ["Finance", "TriadEvents", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AnalyticsTests",
            dependencies: ["Analytics", "TriadEvents", "TriadWire", "TriadKafka", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "InvariantTests",
            dependencies: [
                "Marketing", "Finance", "Analytics", "TriadEvents", "TriadWire", "TriadKafka", "TestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KafkaTests", dependencies: ["TriadKafka", "CRdKafka", "TestSupport", logging],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StorageTests", dependencies: ["TriadStorage", "TriadKafka", "TestSupport", logging],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "MarketingStore", "FinanceStore", "AnalyticsStore", "Marketing", "Finance", "Analytics", "TriadStorage",
                "TriadEvents", "TestSupport", logging,
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ReliabilityTests", dependencies: ["TestSupport", "TriadEvents", "TriadKafka", logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DeploymentTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestSupport", "TriadEvents", "TriadWire", "TriadKafka"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RouterTests",
            dependencies: [
                "marketing-service", "finance-service", "it-service", "Marketing", "Finance", "Analytics",
                "TriadRuntime",
                "TriadStorage", "TriadEvents", "TriadWire", "TriadKafka", "TestSupport", hummingbird, logging,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "TriadRuntime", "TriadEvents", "TriadWire", "TriadKafka", "TriadStorage", "Marketing", "TestSupport",
                logging, configuration,
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
    ]
        + serviceTargets(
            domain: "Marketing", store: "MarketingStore", executable: "marketing-service", folder: "Marketing",
            extra: [.product(name: "Mustache", package: "swift-mustache")], resources: [.copy("Templates")])
        + serviceTargets(domain: "Finance", store: "FinanceStore", executable: "finance-service", folder: "Finance")
        + serviceTargets(domain: "Analytics", store: "AnalyticsStore", executable: "it-service", folder: "IT")
)
