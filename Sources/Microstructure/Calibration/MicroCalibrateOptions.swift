// The options of `reticle micro calibrate`, and the work it does on one micrograph.

import Foundation
import Shared

public struct MicroCalibrateOptions: CommandOptions {
    public static let command = "micro calibrate"
    public var calibration = CalibrationOptions()

    public init() {}
    public init(calibration: CalibrationOptions) { self.calibration = calibration }

    public func validate() throws { try calibration.validate() }

    /// One batch item: the image's size, its µm/px and where it came from, the scale bar found.
    public static func calibrate(_ item: InputItem, with calibration: MicrographCalibration,
                                 reader: ImageReader = .rasters) throws -> JSONObject {
        let image = try reader.read(path: item.path)
        var o: JSONObject = ["width": .int(image.width), "height": .int(image.height)]
        for (k, v) in try calibration.resolve(image, path: item.displayPath).json { o[k] = v }
        return o
    }
}
