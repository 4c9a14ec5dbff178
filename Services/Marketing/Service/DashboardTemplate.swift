import Foundation
import Hummingbird
import Marketing
import Mustache
import NIOCore
import TriadEvents

/// The board page (`GET /`): the briefing's `DashboardViewModel` rendered by the executable's
/// `Templates/dashboard.mustache`, which HTML-escapes every text it prints.
struct DashboardTemplate: Sendable {
    /// Read once, when the service defines its routes: a service whose template is missing (its
    /// resource bundle not shipped beside the binary) or does not parse stops at its start.
    static let shipped = DashboardTemplate()

    private let template: MustacheTemplate

    private init() {
        do {
            guard
                let url = Bundle.module.url(
                    forResource: "dashboard", withExtension: "mustache", subdirectory: "Templates")
            else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Templates/dashboard.mustache"]) }
            template = try MustacheTemplate(string: String(contentsOf: url, encoding: .utf8))
        } catch {
            fatalError("the board page's template: \(error)")
        }
    }

    func page(_ briefing: Briefing, generatedAt: Timestamp) -> HTMLPage {
        HTMLPage(html: template.render(DashboardViewModel(briefing, generatedAt: generatedAt)))
    }
}

/// A page for people, answered as `text/html`.
struct HTMLPage: ResponseGenerator {
    let html: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
