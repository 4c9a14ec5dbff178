import Foundation
import TestSupport
import Testing

/// The suite is gRPC-free: swift-otel is taken with only its `OTLPHTTP` trait, so no gRPC module is
/// compiled and no executable links one (SwiftPM may still list gRPC packages as resolved).
@Suite struct GRPCFreeBuildTests {
    static let products = ["marketing-service", "finance-service", "it-service", "triad"]

    @Test func noGRPCModuleIsBuilt() throws {
        let build = Paths.binaries
        let files = FileManager.default
        let entries =
            (try files.contentsOfDirectory(atPath: build.path))
            + ((try? files.contentsOfDirectory(atPath: build.appendingPathComponent("Modules").path)) ?? [])
        #expect(
            entries.contains("OTel.build"), "this is the folder the OpenTelemetry exporter was built in: \(build.path)")
        #expect(entries.filter { $0.uppercased().hasPrefix("GRPC") }.isEmpty)
    }

    @Test(arguments: products) func noExecutableCarriesAGRPCSymbol(_ product: String) throws {
        let (status, symbols) = try runToEnd(URL(fileURLWithPath: "/usr/bin/nm"), [Paths.executable(product).path])
        #expect(status == 0)
        let lines = symbols.split(separator: "\n")
        if product.hasSuffix("-service") {
            #expect(
                lines.contains { $0.contains("4OTel") },
                "\(product) links the OpenTelemetry exporter, so the check means something")
        }
        // Swift symbols name their module and types: gRPC's modules and types (GRPCCore,
        // GRPCNIOTransportHTTP2, OTel's own OTLPGRPC exporters) all spell GRPC.
        let grpc = lines.filter { $0.contains("GRPC") }
        #expect(grpc.isEmpty, "\(grpc.prefix(5))")
    }
}
