// Internal to the CDcmtk shim (C++): the open-file handle behind rt_dcm_file and the one-time
// dcmtk setup, shared by the reader (dcmtk_shim.cpp) and the result writer (RtResultWriter.cpp).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

struct rt_dcm_file {
    // dcmtk's accessors are non-const (values load lazily from the file).
    mutable DcmFileFormat format;
    bool hasMeta = false;
    DcmDataset *dataset() const { return format.getDataset(); }
    DcmMetaInfo *meta() const { return format.getMetaInfo(); }
};

/// Registers the decoders and sets dcmtk's reading options, once per process.
void rt_dcm_setup();
