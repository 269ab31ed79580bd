// Internal to the CDcmtk shim (C++): the OpenJPEG-backed JPEG 2000 decoder for dcmtk.
#pragma once

/// Registers the JPEG 2000 decoder with dcmtk's codec list. Call once per process.
void rt_register_j2k_codec();
