// OpenSlide 3.4 (Debian: libopenslide-dev).
#include <openslide/openslide.h>
