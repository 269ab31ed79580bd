// The threads every kernel split runs on. libdispatch's concurrentPerform costs about 20 µs per call on this
// machine before a second part starts (README "Kernel threads": measured with 10-200 µs parts), and a batch-1
// MobileNetV2 splits at least once per layer (52 convolutions). These workers instead spin on a shared word for a short
// while after each job (so the next layer's split starts in well under a microsecond) and then sleep on a
// futex, so an idle process costs nothing.
//
// One job at a time: the job's parameters are written by the caller holding `caller_lock`, then published by
// bumping the generation in `state` (generation in the high 32 bits, next unclaimed part in the low 32). A
// part is claimed by compare-and-swap on the whole word, so a worker that read a generation's parameters can
// only claim a part of that same generation. The caller waits until every part has reported done, then sets
// the word to "no part left", before the next job's parameters are written: a worker that reads those
// parameters early finds nothing to claim until the new generation is published.

#define _GNU_SOURCE
#include "CKernels.h"
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPIN_NS 200000L  // how long a worker keeps spinning after a job it had a part in, before it sleeps

static pthread_mutex_t caller_lock = PTHREAD_MUTEX_INITIALIZER;
// Claims and completions on lines of their own: every claim and completion would otherwise pull the line the
// spinning workers read away from them.
static _Alignas(64) _Atomic uint64_t state;   // generation << 32 | next part
static _Alignas(64) _Atomic int completed;
static _Alignas(64) _Atomic int epoch;        // the generation's low 32 bits, the futex word sleepers wait on
static _Atomic int sleepers;
static _Atomic(rk_part_fn) job_fn;
static _Atomic(void *) job_ctx;
static _Atomic int job_parts;
static int workers;                           // started so far (under caller_lock)
static int worker_limit = -1;                 // the cores the process may use, less the caller's; fewer if a start failed

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void relax(void) { __builtin_ia32_pause(); }

// Claims and runs parts of generation `gen` until none is left or the generation has moved on.
static void run_parts(uint32_t gen) {
    rk_part_fn fn = atomic_load(&job_fn);
    void *ctx = atomic_load(&job_ctx);
    const int parts = atomic_load(&job_parts);
    uint64_t s = atomic_load(&state);
    for (;;) {
        if ((uint32_t)(s >> 32) != gen || (uint32_t)s >= (uint32_t)parts) return;
        if (!atomic_compare_exchange_weak(&state, &s, s + 1)) continue;
        fn(ctx, (int)(uint32_t)s);
        atomic_fetch_add(&completed, 1);
        s = atomic_load(&state);
    }
}

// Worker `index` (1, 2, ...) takes parts of jobs with more than `index` parts; after such a job it spins for the
// next one (yielding now and then, so a busy machine's other threads still run), after any other it sleeps.
static void *worker_main(void *arg) {
    const int index = (int)((uintptr_t)arg >> 32);
    uint32_t seen = (uint32_t)(uintptr_t)arg;  // the generation before the job that started it: that job is new to it
    int needed = 1;
    for (;;) {
        long start = 0;
        int spins = 0;
        uint32_t gen;
        while ((gen = (uint32_t)(atomic_load(&state) >> 32)) == seen) {
            relax();
            if (++spins & 63) continue;
            if (needed) {
                const long t = now_ns();
                if (!start) start = t;
                if (t - start < SPIN_NS) {
                    if (!(spins & 1023)) sched_yield();
                    continue;
                }
            }
            // Counted before the epoch is checked, so a caller publishing now either sees a sleeper and wakes it
            // or published before the check (then the futex call returns at once).
            atomic_fetch_add(&sleepers, 1);
            if ((uint32_t)atomic_load(&epoch) == seen) syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, (int)seen, NULL, NULL, 0);
            atomic_fetch_sub(&sleepers, 1);
            start = 0;
        }
        seen = gen;
        needed = index < atomic_load(&job_parts);
        if (needed) run_parts(gen);
    }
    return NULL;
}

static int usable_cores(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int rk_pool_run(int parts, rk_part_fn fn, void *ctx) {
    if (parts < 2) return 0;
    // Another split is running (a second caller thread, or a part splitting again): the caller uses libdispatch.
    if (pthread_mutex_trylock(&caller_lock) != 0) return 0;
    // At most a worker per core besides the caller's (at least one): more parts than that are claimed in turn.
    if (worker_limit < 0) worker_limit = usable_cores() > 2 ? usable_cores() - 1 : 1;
    const uint32_t previous = (uint32_t)(atomic_load(&state) >> 32);
    while (workers < parts - 1 && workers < worker_limit) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&t, &attr, worker_main, (void *)((uintptr_t)(workers + 1) << 32 | previous));
        pthread_attr_destroy(&attr);
        if (failed) { worker_limit = workers; break; }  // a thread limit: not tried again on every split
        workers++;
    }
    if (workers == 0) { pthread_mutex_unlock(&caller_lock); return 0; }
    atomic_store(&job_fn, fn);
    atomic_store(&job_ctx, ctx);
    atomic_store(&job_parts, parts);
    atomic_store(&completed, 0);
    const uint32_t gen = previous + 1;
    atomic_store(&state, (uint64_t)gen << 32);
    atomic_store(&epoch, (int)gen);
    if (atomic_load(&sleepers) > 0) syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    run_parts(gen);
    // The last parts may still run on workers: spin briefly, then yield (a part can take milliseconds, and on a
    // busy machine the worker may need this core).
    for (int spins = 0; atomic_load(&completed) < parts; spins++) {
        if (spins < 4096) relax(); else sched_yield();
    }
    atomic_store(&state, (uint64_t)gen << 32 | UINT32_MAX);
    pthread_mutex_unlock(&caller_lock);
    return 1;
}

#else
int rk_pool_run(int parts, rk_part_fn fn, void *ctx) { (void)parts; (void)fn; (void)ctx; return 0; }
#endif
