// Reticle's own small C for what Swift cannot do safely: code that runs inside a signal handler.
#pragma once

/// Installs, once per process, handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGTRAP
/// that note the crash in the current thread's marker file (see `rt_crash_guard_enter`), name
/// the item on stderr, then hand the signal to whatever handler was there before (Swift's
/// backtracer, a sanitizer) or to the default action. Returns 0, or -1 when sigaction failed.
int rt_crash_guard_install(void);

/// From now until `rt_crash_guard_leave`, a crash on this thread appends "crashed SIGNAME\n" to
/// `marker_path` and prints `label`. Gives the thread an alternate signal stack (once), so a
/// stack overflow is noted too. Returns 0, or -1 when out of memory (nothing is guarded then).
int rt_crash_guard_enter(const char *marker_path, const char *label);

/// Ends the guard of this thread.
void rt_crash_guard_leave(void);

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (libclang_rt.fuzzer, linked only into `reticle-fuzz` built with
/// `-sanitize=fuzzer`): parses libFuzzer's flags from argv and calls `callback` per input. Declared
/// here because Swift cannot declare a C function itself; nothing else references it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
