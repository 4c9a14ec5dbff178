import Hummingbird

/// The request context of the services' routers: Hummingbird's basic one, except that a route's
/// `Encodable` answer is written by the APIs' own encoder (`ResponseJSONEncoder`).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var responseEncoder: ResponseJSONEncoder { ResponseJSONEncoder() }
}
