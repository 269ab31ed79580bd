// Which inspectors `reticle inspect` asks, in order: the most specific formats first,
// ordinary images last (a single-level tiled TIFF is an image, a pyramid is a slide).
import Medical
import Remote
import Shared

enum Inspectors {
    static let all = InspectorRegistry(Medical.inspectors + Remote.inspectors + [ImageInspector()])
}
