// `reticle micro calibrate IMAGE...`: per micrograph, the µm/px used, where it came from, the
// burned-in scale bar found (position, length, masked region) and disagreements between
// sources, so a lab can check calibration before grading.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroCalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Show each micrograph's µm/px, its source, and the burned-in scale bar.",
        discussion: """
        Sources, first that applies wins: --um-per-px; the instrument profile (--profile with \
        --microscope and --objective); the file's TIFF resolution tags, ImageJ description or \
        other embedded resolution; a burned-in scale bar, whose length in µm comes from \
        --scale-bar-um or the profile. The bar is looked for in every image, since it (and its \
        label) must be left out of analysis whatever gives the scale; figures that differ from \
        the one used by more than 2 % are reported as warnings.

        Instrument profile (YAML): microscope → objective → µm/px, e.g.
          scale_bar_um: 50
          microscopes:
            axio-imager:
              objectives: {10x: 0.645, 50x: {um_per_px: 0.129, scale_bar_um: 20}}
            stereo: {um_per_px: 2.5}

        Exit status: 0 every image calibrated, 1 usage or setup error (nothing processed), \
        2 some images could not be read or calibrated (their rows say why).
        """)

    @Argument(help: "Micrographs: files, folders or @list files.")
    var inputs: [String]

    @OptionGroup var calibrationFlags: CalibrationFlags

    @OptionGroup var batch: BatchFlags

    var options: MicroCalibrateOptions { MicroCalibrateOptions(calibration: calibrationFlags.options) }

    func run() throws {
        let options = self.options
        let calibration: MicrographCalibration
        do {
            calibration = try options.calibration.calibration()
        } catch {
            throw fail(error)
        }
        try batch.runBatch(inputs, label: "calibrate", options: options) { item in
            try MicroCalibrateOptions.calibrate(item, with: calibration, reader: ImageReaders.all)
        }
    }
}
