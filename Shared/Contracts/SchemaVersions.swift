import TriadEvents

/// What one schema version of an event type changed. The contracts publish every version the
/// services read — the current one and each older one, which consumers upcast — and derive an
/// older version's data schema from the current one by taking out what later versions added.
struct SchemaVersion {
    let number: Int
    /// Members of `data` the version added (none when it only changed a meaning).
    let added: [String]
    /// How a consumer reads an event of the version before as this one.
    let upcast: String
}

extension EventType {
    /// The changes of versions 2 through `currentVersion`, oldest first; empty at version 1.
    var schemaHistory: [SchemaVersion] {
        switch self {
        case .conversionAttributed:
            [
                SchemaVersion(
                    number: 2, added: ["credits"],
                    upcast: "as version 2 with every model crediting campaignId wholly (10000 bps, the whole revenue)")
            ]
        default: []
        }
    }

    /// The versions before the current one that are still read, oldest first. Throws when the
    /// history does not account for every version up to `currentVersion`.
    func olderVersions() throws -> [Int] {
        guard schemaHistory.map(\.number) == Array(2..<(currentVersion + 1)) else {
            throw WireShapeError(
                description:
                    "\(rawValue) is at schema version \(currentVersion), but its schemaHistory lists versions "
                    + "\(schemaHistory.map(\.number)): say what each version after 1 changed")
        }
        return Array(1..<currentVersion)
    }

    /// What a version's events say: `summary` for the current one; for an older one, what it
    /// lacks and how consumers read it.
    func summary(version: Int) -> String {
        let later = schemaHistory.filter { $0.number > version }
        guard let next = later.first else { return summary }
        let lacking = later.flatMap(\.added)
        return "\(rawValue) at schema version \(version)"
            + (lacking.isEmpty ? "" : ", without \(lacking.joined(separator: ", "))")
            + "; still read, \(next.upcast)."
    }

    /// The name of a version's data schema (`$defs`, `data/<name>.schema.json`): the type's own
    /// name for the current version, `<type>.v<n>` for an older one.
    func schemaName(version: Int) -> String {
        version == currentVersion ? rawValue : "\(rawValue).v\(version)"
    }
}
