// `reticle med train DATA --out MODEL`: an image classifier from a MedMNIST-layout .npz, an image
// folder (class folders, or files named in a labels CSV) or a DICOM folder with a labels CSV.
import ArgumentParser
import Foundation
import Medical
import Shared

extension MedTrainOptions.LossKind: ExpressibleByArgument {}
extension MedTrainOptions.ClassWeighting: ExpressibleByArgument {}
extension ConceptBottleneck.Mode: ExpressibleByArgument {}

struct MedTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a medical image classifier (MedMNIST .npz, image folder, or DICOM folder + labels CSV).",
        discussion: """
        DATA is an .npz in the MedMNIST layout (train/val/test images and labels; its splits are used), \
        a folder with one sub-folder of images per class, or a folder of images or DICOM files with \
        --labels CSV (header with label and one of file, series, patient; a file takes its own row's \
        label, else its series', else its patient's). Folder data is split by patient (PatientID, or \
        the CSV's patient column), else by file, stratified by class. The weights with the best \
        validation ROC-AUC are kept and a temperature is fitted on the validation split. With \
        --concepts CSV, a concept bottleneck model (image → concepts → class) is trained instead, \
        --cbm independent, sequential or joint. Writes MODEL \
        and MODEL's stem + .log.jsonl (one line per epoch).
        """)

    @Argument(help: "An .npz (MedMNIST layout), an image folder, or a DICOM folder.")
    var data: String

    @Option(help: "Model file to write (.safetensors).")
    var out: String

    @Option(help: "Training epochs (the sample budget with --loss auc-margin).")
    var epochs = MedTrainOptions().epochs

    @Option(help: "Architecture: auto (compact CNN) or \(ModelSpec.Architecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var architecture = MedTrainOptions().architecture

    @Option(help: "Stage widths of the compact CNN, comma-separated.")
    var widths = MedTrainOptions().widths

    @Option(help: "Loss: cross-entropy, or auc-margin (binary: cross-entropy pre-training, then AUC-margin with PESG).")
    var loss = MedTrainOptions().loss

    @Option(help: "Cross-entropy class weights: balanced (N / (K·n_c)) or none.")
    var classWeights = MedTrainOptions().classWeights

    @Option(help: "Peak learning rate (AdamW, warm-up then cosine decay).")
    var learningRate = MedTrainOptions().learningRate

    @Option(help: "Images per training step.")
    var batchSize = MedTrainOptions().batchSize

    @Option(help: "Seed for initialisation and shuffling.")
    var seed = MedTrainOptions().seed

    @Flag(help: "Do not fit a temperature on the validation split.")
    var noTemperatureScaling = false

    @Option(help: "Labels CSV for image or DICOM folders.")
    var labels: String?

    @Option(help: "Concepts CSV (file, one 0/1 column per concept): train a concept bottleneck model.")
    var concepts: String?

    @Option(help: "Concept bottleneck training: independent, sequential or joint (default joint).")
    var cbm: ConceptBottleneck.Mode?

    @Option(help: "Joint concept bottleneck: weight λ of the concept loss.")
    var conceptWeight = MedTrainOptions().conceptWeight

    @Option(help: "Concept bottleneck: hidden width of the class head on the concepts (0: linear).")
    var conceptHidden = MedTrainOptions().conceptHidden

    @Option(help: "Side in pixels folder and DICOM images are resampled to.")
    var imageSize = MedicalDataOptions().imageSize

    @Option(help: "Channels of folder images: 0 (from the images), 1 or 3.")
    var channels = MedicalDataOptions().channels

    @Option(help: "Folder data: fraction of patients (or files) held out for validation.")
    var validationFraction = MedicalDataOptions().validationFraction

    @Option(help: "Folder data: fraction of patients (or files) held out for testing.")
    var testFraction = MedicalDataOptions().testFraction

    @Option(help: "Folder data: seed of the split.")
    var splitSeed = MedicalDataOptions().splitSeed

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(help: "Compute threads for every kernel and OpenBLAS (default: one per core).")
    var threads: Int = 0

    var options: MedTrainOptions {
        var o = MedTrainOptions()
        o.epochs = epochs
        o.architecture = architecture
        o.widths = widths
        o.loss = loss
        o.classWeights = classWeights
        o.learningRate = learningRate
        o.batchSize = batchSize
        o.seed = seed
        o.noTemperatureScaling = noTemperatureScaling
        o.data.labels = labels
        o.data.concepts = concepts
        o.cbm = cbm
        o.conceptWeight = conceptWeight
        o.conceptHidden = conceptHidden
        o.data.imageSize = imageSize
        o.data.channels = channels
        o.data.validationFraction = validationFraction
        o.data.testFraction = testFraction
        o.data.splitSeed = splitSeed
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let options = self.options
        applyComputeThreads(threads)
        let url = URL(fileURLWithPath: out)
        do {
            let start = Date()
            let dataset = try MedicalDataset.load(data, options: options.data)
            if !quiet {
                let s = dataset.set
                let sizes = ["train", "val", "test"].map { "\($0) \(s.splits[$0]?.count ?? 0)" }.joined(separator: ", ")
                FileHandle.standardError.write(Data("med train: \(s.count) images (\(sizes)), \(s.task.rawValue), classes \(s.heads.map { $0.classes.joined(separator: "/") }.joined(separator: "; "))\n".utf8))
                for line in dataset.skipped.prefix(20) { FileHandle.standardError.write(Data("med train: skipped \(line)\n".utf8)) }
            }
            var trainer = MedicalClassifierTrainer(options: options)
            trainer.progress = .automatic(quiet: quiet)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let result = try trainer.train(dataset, dataPath: data, log: URL(fileURLWithPath: url.deletingPathExtension().path + ".log.jsonl"))
            try result.save(to: url)
            let v = result.validation
            let figures = v.map { String(format: "validation ROC-AUC %.4f, accuracy %.4f", $0.rocAUC ?? .nan, $0.accuracy) } ?? "no validation split"
            // A concept bottleneck's parts train in their own loops and keep no epoch records.
            let epoch = result.epochSeconds.isEmpty ? "" : String(format: "%.2f s/epoch, ", result.epochSeconds.reduce(0, +) / Double(result.epochSeconds.count))
            print(String(format: "wrote %@: %d training, %d validation images; %@; temperature %@; %@%.1f s in all",
                         out, result.trainCount, result.validationCount, figures,
                         result.temperature.map { String(format: "%.3f", $0) }.joined(separator: ","), epoch, Date().timeIntervalSince(start)))
        } catch { throw fail(error) }
    }
}
