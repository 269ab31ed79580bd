// Internal to the CDcmtk shim (C++): the open-file handle behind rt_dcm_file and the one-time
// dcmtk setup, shared by the reader (dcmtk_shim.cpp) and the writers (RtResultWriter.cpp, RtWsiWriter.cpp),
// and the one way they report errors through the C API.
#pragma once

#include "CDcmtk.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <algorithm>
#include <cstring>
#include <string>

struct rt_dcm_file {
    // dcmtk's accessors are non-const (values load lazily from the file).
    mutable DcmFileFormat format;
    bool hasMeta = false;
    DcmDataset *dataset() const { return format.getDataset(); }
    DcmMetaInfo *meta() const { return format.getMetaInfo(); }
};

/// Registers the decoders and sets dcmtk's reading options, once per process.
void rt_dcm_setup();

namespace rtdcm {

/// Copies `text` into the caller's buffer of `len` bytes, truncated and always terminated.
inline void put(char *buf, size_t len, const std::string &text) {
    if (buf == nullptr || len == 0) return;
    size_t n = std::min(len - 1, text.size());
    std::memcpy(buf, text.data(), n);
    buf[n] = 0;
}

/// Puts `text` into `err` and returns `status`: the last statement of every failing C entry point.
inline int fail(char *err, size_t errlen, int status, const std::string &text) {
    put(err, errlen, text);
    return status;
}

inline int fail(char *err, size_t errlen, const std::string &text) { return fail(err, errlen, RT_DCM_ERROR, text); }

}  // namespace rtdcm
