import Foundation

/// Where the repository, its scripts and the built executables are.
public enum Paths {
    /// The repository root (this file is Tests/Support/Paths.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The folder with the built executables: `TRIAD_BIN_DIR`, else the folder of the test binary.
    public static var binaries: URL {
        if let dir = ProcessInfo.processInfo.environment["TRIAD_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("triad").path) { return url }
        }
        return root.appendingPathComponent(".build/debug")
    }

    public static func executable(_ name: String) -> URL { binaries.appendingPathComponent(name) }

    public static var python: String {
        ProcessInfo.processInfo.environment["TRIAD_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
    }

    /// A fresh folder for one test's logs and files.
    public static func scratch(_ name: String) -> URL {
        let url = root.appendingPathComponent(".build/test-runs/\(name)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
