import Hummingbird
import NIOCore
import TriadEvents

/// Writes the HTTP APIs' JSON: the encoder of `APIRequestContext`, so a route answers with the
/// `Encodable` value itself. Foundation's `JSONEncoder` keeps an object's members in a dictionary
/// keyed by `String`, where two names Unicode calls equivalent (`café` as U+00E9 and as `e` +
/// U+0301) are one key, so a map keyed by ids (the briefing's churn counts by segment) would lose
/// one of them. Here an object is its members in order and a name is its bytes, as everywhere in
/// Triad; members are sorted by their bytes and the output is indented, as before.
public struct ResponseJSONEncoder: ResponseEncoder {
    public init() {}

    /// `value` as a 200 `application/json` answer (a route's `EditedResponse` sets another status).
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws
        -> Response
    {
        do {
            return JSONResponse.make(try encode(value))
        } catch {
            throw APIError(.internalServerError, reason: "could not encode the response: \(error)")
        }
    }

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = Node.Box()
        try value.encode(to: TreeEncoder(box: root, codingPath: []))
        var out: [UInt8] = []
        root.node.write(to: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return out
    }
}

/// A JSON value being built; objects keep every member, in the order written.
private enum Node {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([Box])
    case object([(String, Box)])

    /// A slot a container fills in later (containers hand out nested ones before they are written).
    final class Box {
        var node: Node = .null
        init(_ node: Node = .null) { self.node = node }
    }

    func write(to out: inout [UInt8], indent: Int) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let text): Self.quote(text, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else { return out += Array("[]".utf8) }
            out += Array("[\n".utf8)
            for (index, element) in elements.enumerated() {
                out += [UInt8](repeating: UInt8(ascii: " "), count: indent + 2)
                element.node.write(to: &out, indent: indent + 2)
                out += Array((index == elements.count - 1 ? "\n" : ",\n").utf8)
            }
            out += [UInt8](repeating: UInt8(ascii: " "), count: indent) + [UInt8(ascii: "]")]
        case .object(let members):
            guard !members.isEmpty else { return out += Array("{}".utf8) }
            out += Array("{\n".utf8)
            let sorted = members.sorted { $0.0.utf8Key < $1.0.utf8Key }
            for (index, (name, value)) in sorted.enumerated() {
                out += [UInt8](repeating: UInt8(ascii: " "), count: indent + 2)
                Self.quote(name, into: &out)
                out += Array(" : ".utf8)
                value.node.write(to: &out, indent: indent + 2)
                out += Array((index == sorted.count - 1 ? "\n" : ",\n").utf8)
            }
            out += [UInt8](repeating: UInt8(ascii: " "), count: indent) + [UInt8(ascii: "}")]
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as its UTF-8.
    static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "\n"): out += Array(#"\n"#.utf8)
            case UInt8(ascii: "\r"): out += Array(#"\r"#.utf8)
            case UInt8(ascii: "\t"): out += Array(#"\t"#.utf8)
            case 0..<0x20, 0x7F:
                let hex = String(byte, radix: 16)
                out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

private struct TreeEncoder: Encoder {
    let box: Node.Box
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.node {} else { box.node = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.node {} else { box.node = .array([]) }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(box: box, codingPath: codingPath)
    }
}

/// Turns one value into a node: scalars directly, anything else through its own `encode(to:)`.
private func node<T: Encodable>(_ value: T, at path: [any CodingKey]) throws -> Node.Box {
    let box = Node.Box()
    switch value {
    case let text as String: box.node = .string(text)
    case let flag as Bool: box.node = .bool(flag)
    case let number as any BinaryInteger: box.node = .number("\(number)")
    case let number as any BinaryFloatingPoint:
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: path, debugDescription: "not a finite number"))
        }
        box.node = .number("\(number)")
    default: try value.encode(to: TreeEncoder(box: box, codingPath: path))
    }
    return box
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Node.Box
    let codingPath: [any CodingKey]

    private func append(_ key: Key, _ child: Node.Box) {
        guard case .object(var members) = box.node else { return }
        members.append((key.stringValue, child))
        box.node = .object(members)
    }

    mutating func encodeNil(forKey key: Key) throws { append(key, Node.Box(.null)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        append(key, try node(value, at: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = Node.Box(.object([]))
        append(key, child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Node.Box(.array([]))
        append(key, child)
        return UnkeyedContainer(box: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Node.Box()
        append(key, child)
        return TreeEncoder(box: child, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: Node.Box
    let codingPath: [any CodingKey]

    var count: Int {
        guard case .array(let elements) = box.node else { return 0 }
        return elements.count
    }

    private func append(_ child: Node.Box) {
        guard case .array(var elements) = box.node else { return }
        elements.append(child)
        box.node = .array(elements)
    }

    mutating func encodeNil() throws { append(Node.Box(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws { append(try node(value, at: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        let child = Node.Box(.object([]))
        append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Node.Box(.array([]))
        append(child)
        return UnkeyedContainer(box: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node.Box()
        append(child)
        return TreeEncoder(box: child, codingPath: codingPath)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let box: Node.Box
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.node = .null }

    mutating func encode<T: Encodable>(_ value: T) throws { box.node = try node(value, at: codingPath).node }
}
