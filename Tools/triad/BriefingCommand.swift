import ArgumentParser
import Foundation
import Marketing
import TriadEvents

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `triad briefing`: the board table, read from marketing's `GET /briefing`.
struct BriefingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "briefing", abstract: "Print the board briefing from marketing's API.")

    @Option(help: "Marketing's base URL.")
    var marketing: String = "http://127.0.0.1:8081"

    @Option(help: "Bearer token when marketing protects reads (default: TRIAD_API_TOKEN).")
    var token: String?

    @Flag(help: "Print marketing's JSON instead of the table.")
    var json = false

    @Flag(help: "Print amounts in minor units and ratios in basis points, as the JSON gives them.")
    var raw = false

    func run() async throws {
        guard let base = URL(string: marketing), base.scheme == "http" || base.scheme == "https", base.host != nil
        else {
            throw ValidationError(
                "--marketing must be an http(s) URL such as http://127.0.0.1:8081, got '\(marketing)'")
        }
        var request = URLRequest(url: base.appendingPathComponent("briefing"))
        request.timeoutInterval = 10
        if let token = token ?? ProcessInfo.processInfo.environment["TRIAD_API_TOKEN"] {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ToolError("could not reach marketing at \(marketing): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            let reason = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])
                .flatMap { ($0["error"] as? [String: Any])?["reason"] as? String }
            throw ToolError(
                "marketing answered \(status): \(reason ?? String(decoding: data.prefix(500), as: UTF8.self))")
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let briefing: Briefing
        do {
            briefing = try JSONDecoder().decode(Briefing.self, from: data)
        } catch {
            throw ToolError("marketing's briefing could not be read: \(error)")
        }
        print(BriefingText(briefing, raw: raw).text)
    }
}
