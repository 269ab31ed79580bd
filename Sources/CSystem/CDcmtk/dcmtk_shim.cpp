#include "CDcmtk.h"
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
extern "C" const char *rt_dcm_library_version(void) { return OFFIS_DCMTK_VERSION_STRING; }
