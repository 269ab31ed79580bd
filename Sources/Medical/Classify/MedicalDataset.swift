// A labelled medical image set as `med train` and `med evaluate` read it, from any of the three
// sources: a MedMNIST-layout `.npz` (its own splits), a folder of images (one sub-folder per
// class, or any files named in a labels CSV) or a DICOM folder with a labels CSV. Folder data is
// split by group (the patient where one is known, else the file), stratified by class, so no
// patient is on two sides; the split is rebuilt identically from the options stored in the model.
// A labels CSV with a split column gives the split itself (checked: no patient on two sides).

import Foundation
import Shared

public struct MedicalDataset: Sendable {
    public let set: MedicalImageSet
    /// How each image was prepared; the model file stores it.
    public let preprocessing: Preprocessing
    /// "npz", "folders", "image-csv" or "dicom".
    public let source: String
    /// Files left out, with the reason (unreadable, unlabelled).
    public let skipped: [String]
    /// Per sample: the file it came from (an .npz's samples: `file.npz#split/index`).
    public var files: [String] = []
    /// Per sample: its patient (hashed PatientID, or the labels CSV's patient cell) where the data names one.
    public var patients: [String?] = []

    /// Concept names of the concepts CSV (empty without one).
    public var conceptNames: [String] = []
    /// Per sample, its concept row (0/1 per concept), when a concepts CSV was given.
    public var concepts: [[Int]] = []

    /// Whether every sample names its patient (the unit of a patient-level bootstrap).
    public var hasPatients: Bool { !patients.isEmpty && patients.allSatisfy { $0 != nil } }

    /// MedMNIST's normalisation, (x − 0.5) / 0.5 on x in 0…1, for every source.
    static func preprocessing(size h: Int, _ w: Int, channels: Int) -> Preprocessing {
        Preprocessing(height: h, width: w, channels: channels, mean: [Float](repeating: 0.5, count: channels), std: [Float](repeating: 0.5, count: channels))
    }

    public static func load(_ path: String, options: MedicalDataOptions) throws -> MedicalDataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ReticleError(.io, file: path, "no such file or folder") }
        if !isDir.boolValue {
            guard path.lowercased().hasSuffix(".npz") else {
                throw ReticleError(.usage, file: path, "training data is an .npz archive (MedMNIST layout) or a folder of images or DICOM files")
            }
            if let c = options.concepts {
                throw ReticleError(.usage, file: c, "concept labels are read for image folders, whose files the CSV names; \(path) is an .npz")
            }
            let set = try MedicalImageSet.npz(path)
            let s = set.images.shape
            var files = [String](repeating: "", count: set.count)
            for (split, indices) in set.splits { for (k, i) in indices.enumerated() { files[i] = "\(path)#\(split)/\(k)" } }
            return MedicalDataset(set: set, preprocessing: preprocessing(size: s[2], s[3], channels: s[1]), source: "npz", skipped: [],
                                  files: files, patients: [String?](repeating: nil, count: set.count))
        }
        return try folder(path, options: options)
    }

    static func folder(_ root: String, options: MedicalDataOptions) throws -> MedicalDataset {
        let table = try options.labels.map { try MedicalLabelTable(path: $0) }
        let conceptTable = try options.concepts.map { try MedicalConceptTable(path: $0) }
        var conceptRows: [[Int]] = []
        let files = MedicalImageReader.files(under: root)
        guard !files.isEmpty else { throw ReticleError(.usage, file: root, "the folder holds no image or DICOM files") }
        var images: [Image] = [], names: [String] = [], groups: [String] = [], skipped: [String] = []
        var kept: [String] = [], patients: [String?] = [], sides: [String] = []
        var anyDicom = false
        let seriesTag = DicomTag(0x0020, 0x000E, "SeriesInstanceUID")
        for file in files {
            do {
                var label: String?, group = file
                let image: Image
                if MedicalImageReader.isDicom(file) {
                    anyDicom = true
                    let dicom = try DicomFile(path: file)
                    image = try MedicalImageReader.dicom(dicom, path: file)
                    let patient = dicom.string(.patientID).map { "patient:" + FileFingerprint.sha256(Data($0.utf8)) }
                    if let patient { group = patient }
                    if let table {
                        label = table.fileKey(file, root: root).flatMap { table.byFile[$0] }
                            ?? dicom.string(seriesTag).flatMap { table.bySeries[$0] }
                            ?? dicom.string(.patientID).flatMap { table.byPatient[$0] }
                    }
                } else {
                    image = try MedicalImageReader.read(file)
                    if let table, let key = table.fileKey(file, root: root) {
                        label = table.byFile[key]
                        if let p = table.patientOfFile[key] { group = "patient:" + p; label = label ?? table.byPatient[p] }
                    }
                }
                if table == nil {
                    // Class folders: the first folder under the root names the class.
                    let rel = file.dropFirst(root.count + 1)
                    guard let slash = rel.firstIndex(of: "/") else { skipped.append("\(file): not in a class folder"); continue }
                    label = String(rel[..<slash])
                }
                guard let label else { skipped.append("\(file): no label in \(options.labels ?? "")"); continue }
                var side = ""
                if let table, table.hasSplitColumn {
                    guard let s = table.fileKey(file, root: root).flatMap({ table.splitOfFile[$0] }) else {
                        skipped.append("\(file): no file row with a split in \(table.path)"); continue
                    }
                    side = s
                }
                if let conceptTable {
                    guard let row = conceptTable.row(file, root: root) else { skipped.append("\(file): no row in \(conceptTable.path)"); continue }
                    conceptRows.append(row)
                }
                images.append(image); names.append(label); groups.append(group)
                kept.append(file); patients.append(group.hasPrefix("patient:") ? group : nil); sides.append(side)
            } catch {
                skipped.append("\(file): \(error.localizedDescription)")
            }
        }
        let classes = table?.classes ?? Array(Set(names)).sorted()
        guard classes.count >= 2 else { throw ReticleError(.usage, file: root, "training needs at least two classes, found \(classes.count)") }
        let labels = names.map { classes.firstIndex(of: $0)! }
        for (c, name) in classes.enumerated() where !labels.contains(c) {
            throw ReticleError(.usage, file: root, "class \"\(name)\" has no readable image")
        }
        let channels = options.channels != 0 ? options.channels : (images.contains { $0.channels == 3 } ? 3 : 1)
        let p = preprocessing(size: options.imageSize, options.imageSize, channels: channels)
        let tensors = try images.map { try p.tensor($0) }
        let splits: [String: [Int]]
        if let table, table.hasSplitColumn {
            splits = try given(sides, groups: groups, table: table.path)
        } else {
            let split = DataSplit.stratified(labels: labels, groups: groups, validationFraction: options.validationFraction,
                                             testFraction: options.testFraction, seed: options.splitSeed)
            splits = ["train": split.train, "val": split.validation, "test": split.test]
        }
        let binary = classes.count == 2
        let set = MedicalImageSet(task: binary ? .binary : .multiClass, images: Tensor.stack(tensors), labels: [labels],
                                  heads: [HeadSpec(name: "class", kind: binary ? .binary : .categorical, classes: classes)],
                                  splits: splits)
        return MedicalDataset(set: set, preprocessing: p, source: anyDicom ? "dicom" : table == nil ? "folders" : "image-csv", skipped: skipped,
                              files: kept, patients: patients, conceptNames: conceptTable?.names ?? [], concepts: conceptRows)
    }

    /// The split a labels CSV's split column gives (one side per sample), refused when a patient is on two sides
    /// or nothing is left to train on.
    static func given(_ sides: [String], groups: [String], table: String) throws -> [String: [Int]] {
        var sideOfGroup: [String: String] = [:]
        for (side, group) in zip(sides, groups) where group.hasPrefix("patient:") {
            if let other = sideOfGroup[group], other != side {
                throw ReticleError(.usage, file: table, "the split column puts one patient's images in both \(other) and \(side)")
            }
            sideOfGroup[group] = side
        }
        let split = Dictionary(uniqueKeysWithValues: ["train", "val", "test"].map { s in (s, sides.indices.filter { sides[$0] == s }) })
        guard !split["train"]!.isEmpty else { throw ReticleError(.usage, file: table, "the split column leaves no image for training") }
        return split
    }
}
