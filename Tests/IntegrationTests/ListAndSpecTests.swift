// `list` in its three formats, and `spec`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct List {
        @Test("list shows two live containers as a table, ids and JSON", arguments: Mode.allCases)
        func twoContainers(_ mode: Mode) throws {
            let h = try Harness(mode, "list")
            defer { h.cleanup() }
            let ids = [h.newID("lista"), h.newID("listb")]
            var bundles: [String: String] = [:]
            var pids: [String: Int] = [:]
            for id in ids {
                let bundle = try h.bundle(h.config(["sleep", "100"]))
                bundles[id] = bundle
                let started = h.rsrun("run", "-d", "-b", bundle, id)
                try #require(started.ok, "\(started)")
                #expect(h.waitForStatus(id, "running") == "running")
                pids[id] = (h.state(id).json?["pid"] as? NSNumber)?.intValue
            }

            // Table: a header, then one row per container.
            let table = h.rsrun("list")
            #expect(table.ok, "\(table)")
            let rows = table.stdout.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
            #expect(rows.first == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], "header: \(table)")
            #expect(rows.count == 3, "two rows expected: \(table)")
            for id in ids {
                let row = rows.first { $0.first == id }
                #expect(row != nil, "no row for \(id): \(table)")
                if let row {
                    #expect(row.count >= 5, "\(row)")
                    #expect(row.count > 1 && Int(row[1]) == pids[id], "pid column of \(id): \(row)")
                    #expect(row.count > 2 && row[2] == "running", "status column of \(id): \(row)")
                    #expect(row.count > 3 && row[3] == bundles[id], "bundle column of \(id): \(row)")
                    #expect(row.count > 4 && isRFC3339(row[4]), "created column of \(id): \(row)")
                }
            }

            // -q: the ids only.
            let quiet = h.rsrun("list", "-q")
            #expect(quiet.ok, "\(quiet)")
            #expect(Set(quiet.stdout.split(separator: "\n").map(String.init)) == Set(ids), "\(quiet)")
            #expect(quiet.stdout.split(separator: "\n").count == 2, "\(quiet)")

            // JSON: an array of objects.
            let json = h.rsrun("list", "--format", "json")
            #expect(json.ok, "\(json)")
            let parsed = try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
            let entries = try #require(parsed as? [[String: Any]], "not a JSON array of objects: \(json)")
            #expect(entries.count == 2, "\(json)")
            for id in ids {
                let entry = entries.first { $0["id"] as? String == id }
                #expect(entry != nil, "no entry for \(id): \(json)")
                guard let entry else { continue }
                #expect((entry["pid"] as? NSNumber)?.intValue == pids[id], "\(entry)")
                #expect(entry["status"] as? String == "running", "\(entry)")
                #expect(entry["bundle"] as? String == bundles[id], "\(entry)")
                #expect((entry["created"] as? String).map(isRFC3339) == true, "\(entry)")
                #expect(entry["owner"] is String, "\(entry)")
            }

            for id in ids { #expect(h.rsrun("delete", "-f", id).ok) }
            let empty = h.rsrun("list", "-q")
            #expect(empty.ok && empty.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(empty)")
        }
    }

    @Suite struct Spec {
        struct SpecCase: Sendable, CustomTestStringConvertible {
            let mode: Mode
            let rootless: Bool
            var testDescription: String { "\(mode)\(rootless ? " --rootless" : "")" }
        }

        /// The plain spec as root; `spec --rootless` in every mode. (An unprivileged caller
        /// with a plain spec is not part of the contract.)
        static let cases =
            [SpecCase(mode: .root, rootless: false)] + Mode.allCases.map { SpecCase(mode: $0, rootless: true) }

        @Test("spec writes a config that create accepts", arguments: cases)
        func specThenCreate(_ specCase: SpecCase) throws {
            let h = try Harness(specCase.mode, specCase.rootless ? "specrootless" : "spec")
            defer { h.cleanup() }
            let dir = try h.bundle(text: nil)
            let flags = specCase.rootless ? ["--rootless"] : []
            let spec = h.rsrun(["spec"] + flags + ["-b", dir])
            try #require(spec.ok, "\(spec)")
            let configPath = "\(dir)/config.json"
            let data = try #require(FileManager.default.contents(atPath: configPath), "no \(configPath)")
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let json = try #require(object, "config.json is not a JSON object")
            #expect(json["ociVersion"] is String)
            let namespaces = ((json["linux"] as? [String: Any])?["namespaces"] as? [[String: Any]] ?? [])
                .compactMap { $0["type"] as? String }
            #expect(namespaces.contains("mount"), "\(namespaces)")
            if specCase.rootless {
                #expect(namespaces.contains("user"), "spec --rootless must add a user namespace: \(namespaces)")
            } else {
                #expect(!namespaces.contains("user"), "a plain spec has no user namespace: \(namespaces)")
            }

            let again = h.rsrun(["spec"] + flags + ["-b", dir])
            #expect(again.failed, "spec must refuse to overwrite config.json: \(again)")

            // The spec's root.path is relative ("rootfs"): point it at the shared rootfs
            // with a symlink rather than editing the file. A spec that asks for a terminal
            // is switched to terminal false, as create has no console socket here.
            symlink(Env.rootfs, "\(dir)/rootfs")
            try h.giveToUser("\(dir)/rootfs")
            if (json["process"] as? [String: Any])?["terminal"] as? Bool == true {
                var edited = Config(mode: specCase.mode, rootfs: Env.rootfs, args: [])
                edited.json = json
                edited.set("process.terminal", false)
                #expect(FileManager.default.createFile(atPath: configPath, contents: Data(edited.text.utf8)))
                try h.giveToUser(configPath)
            }
            let id = h.newID(specCase.rootless ? "specrootless" : "spec")
            let created = h.rsrun("create", "-b", dir, id)
            #expect(created.ok, "\(created)")
            #expect(h.status(id) == "created")
            #expect(h.rsrun("delete", "-f", id).ok)
        }
    }
}
