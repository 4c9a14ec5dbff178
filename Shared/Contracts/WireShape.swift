import TriadEvents

/// A type that writes itself on the wire as one JSON value with rules of its own (a timestamp, an
/// enumeration), so `WireShape` takes its schema from here instead of looking inside it.
public protocol WireSchemaDescribed {
    static var wireSchema: JSONValue { get }
    /// A valid value, handed to `init(from:)` callers while the shape is read.
    static var wirePlaceholder: Self { get }
}

extension WireSchemaDescribed where Self: CaseIterable & RawRepresentable, RawValue == String {
    public static var wireSchema: JSONValue { ["type": "string", "enum": .strings(allCases.map(\.rawValue))] }
    public static var wirePlaceholder: Self { allCases.first! }
}

/// A collection the catalog puts on the wire, described from its element type instead of being
/// decoded (a shape decoder has no elements or keys to hand out).
protocol WireShapeCollection {
    static func wireShape() throws -> (schema: JSONValue, placeholder: Any)
}

/// A JSON array; the placeholder holds one element, so the rules `validate(_:)` applies to each
/// element are recorded (as `field[0].member`).
extension Array: WireShapeCollection where Element: Decodable {
    static func wireShape() throws -> (schema: JSONValue, placeholder: Any) {
        let (items, element) = try WireShape.of(Element.self)
        return (["type": "array", "items": items], [element])
    }
}

/// An object keyed by model name (`ByModel`, which the payloads' `[AttributionModel: V]` members
/// are read as): each name may be there, with a value of one shape; any other name is refused. The
/// placeholder holds every name.
extension ByModel: WireShapeCollection {
    static func wireShape() throws -> (schema: JSONValue, placeholder: Any) {
        let (value, placeholder) = try WireShape.of(Value.self)
        let properties = AttributionModel.allCases.map { ($0.rawValue, value) }
        // `not {}` (not `false`) so that validators name the unknown key itself.
        let other: JSONValue = ["not": [:], "description": "Any other name is refused."]
        return (
            ["type": "object", "properties": .object(properties), "additionalProperties": other],
            ByModel(Dictionary(uniqueKeysWithValues: AttributionModel.allCases.map { ($0, placeholder) }))
        )
    }
}

/// Why a type's shape could not be read (a type the reader does not know how to describe).
public struct WireShapeError: Error, CustomStringConvertible {
    public let description: String
}

/// What a `Decodable` type looks like on the wire, read from its own `init(from:)`: the type is
/// decoded from a decoder that answers every request with a placeholder and writes the request
/// down — each key, whether it was asked for with `decode` (required) or `decodeIfPresent`
/// (optional), and the type asked for. The schema therefore follows the Codable code itself.
public enum WireShape {
    /// The JSON Schema of `T` (draft 2020-12 / draft-07 keywords only) and a placeholder value with
    /// every optional field present.
    public static func of<T: Decodable>(_ type: T.Type) throws -> (schema: JSONValue, placeholder: T) {
        if let described = T.self as? any WireSchemaDescribed.Type {
            return (described.wireSchema, described.wirePlaceholder as! T)
        }
        if let collection = T.self as? any WireShapeCollection.Type {
            let (schema, placeholder) = try collection.wireShape()
            return (schema, placeholder as! T)
        }
        if let scalar = scalar(T.self) { return scalar }
        let recording = Recording()
        let value = try T(from: ShapeDecoder(recording: recording, codingPath: []))
        return (try recording.schema(of: T.self), value)
    }

    static func scalar<T>(_ type: T.Type) -> (schema: JSONValue, placeholder: T)? {
        switch type {
        case is String.Type: (["type": "string"], "x" as! T)
        case is Bool.Type: (["type": "boolean"], false as! T)
        case is Int64.Type: (integer(Int64.min, Int64.max), Int64(0) as! T)
        case is Int.Type: (integer(Int64(Int.min), Int64(Int.max)), 0 as! T)
        case is Int32.Type: (integer(Int64(Int32.min), Int64(Int32.max)), Int32(0) as! T)
        default: nil
        }
    }

    static func integer(_ minimum: Int64, _ maximum: Int64) -> JSONValue {
        ["type": "integer", "minimum": .integer(minimum), "maximum": .integer(maximum)]
    }

    /// What the decoder was asked for.
    final class Recording {
        var properties: [(String, JSONValue)] = []
        var required: [String] = []
        var single: JSONValue?

        func schema<T>(of type: T.Type) throws -> JSONValue {
            if let single { return single }
            guard !properties.isEmpty else { throw WireShapeError(description: "\(T.self) read no JSON keys") }
            return ["type": "object", "properties": .object(properties), "required": .strings(required)]
        }

        func read<T: Decodable>(_ type: T.Type, key: String, required: Bool) throws -> T {
            let (schema, value) = try WireShape.of(T.self)
            properties.removeAll { $0.0 == key }
            properties.append((key, schema))
            if required { self.required.append(key) }
            return value
        }
    }

    struct ShapeDecoder: Decoder {
        let recording: Recording
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(KeyedShape<Key>(recording: recording, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw WireShapeError(
                description: "arrays are described as [Element] values only (at \(codingPath.map(\.stringValue)))")
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleShape(recording: recording, codingPath: codingPath)
        }
    }

    struct SingleShape: SingleValueDecodingContainer {
        let recording: Recording
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try read(type) }
        func decode(_ type: Bool.Type) throws -> Bool { try read(type) }
        func decode(_ type: String.Type) throws -> String { try read(type) }
        func decode(_ type: Double.Type) throws -> Double { throw unsupported(type) }
        func decode(_ type: Float.Type) throws -> Float { throw unsupported(type) }
        func decode(_ type: Int.Type) throws -> Int { try read(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { throw unsupported(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { throw unsupported(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try read(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try read(type) }
        func decode(_ type: UInt.Type) throws -> UInt { throw unsupported(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { throw unsupported(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { throw unsupported(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { throw unsupported(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { throw unsupported(type) }

        private func read<T: Decodable>(_ type: T.Type) throws -> T {
            let (schema, value) = try WireShape.of(T.self)
            recording.single = schema
            return value
        }

        private func unsupported(_ type: Any.Type) -> WireShapeError {
            WireShapeError(description: "\(type) has no schema; the catalog uses whole 64-bit numbers")
        }
    }

    struct KeyedShape<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let recording: Recording
        let codingPath: [any CodingKey]
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try recording.read(T.self, key: key.stringValue, required: true)
        }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            try recording.read(T.self, key: key.stringValue, required: false)
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try recording.read(type, key: key.stringValue, required: true)
        }
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try recording.read(type, key: key.stringValue, required: true)
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { throw unsupported(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw unsupported(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try recording.read(type, key: key.stringValue, required: true)
        }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw unsupported(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { throw unsupported(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
            try recording.read(type, key: key.stringValue, required: true)
        }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try recording.read(type, key: key.stringValue, required: true)
        }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw unsupported(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw unsupported(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw unsupported(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw unsupported(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw unsupported(type, key) }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try recording.read(type, key: key.stringValue, required: false)
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try recording.read(type, key: key.stringValue, required: false)
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            try recording.read(type, key: key.stringValue, required: false)
        }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
            try recording.read(type, key: key.stringValue, required: false)
        }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try recording.read(type, key: key.stringValue, required: false)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw WireShapeError(description: "nested containers are not described (key \(key.stringValue))")
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw WireShapeError(description: "arrays are described as [Element] values only (key \(key.stringValue))")
        }
        func superDecoder() throws -> any Decoder { throw WireShapeError(description: "superDecoder is not described") }
        func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder() }

        private func unsupported(_ type: Any.Type, _ key: Key) -> WireShapeError {
            WireShapeError(
                description: "\(type) at key \(key.stringValue) has no schema; the catalog uses whole 64-bit numbers")
        }
    }
}
