// The threads every kernel split runs on. libdispatch's concurrentPerform costs about 20 µs per call on this
// machine before a second part starts (README "Performance": measured with 10-200 µs parts), and a batch-1
// MobileNetV2 makes over a hundred splits per image. These workers instead spin on a shared word for a short
// while after each job (so the next layer's split starts in well under a microsecond) and then sleep on a
// futex, so an idle process costs nothing.
//
// One job at a time: the job's parameters are written by the caller holding `caller_lock`, then published by
// bumping the generation in `state` (generation in the high 32 bits, next unclaimed part in the low 32). A
// part is claimed by compare-and-swap on the whole word, so a worker that read a generation's parameters can
// only claim a part of that same generation. The caller waits until every part has reported done, then sets
// the word to "no part left", before the next job's parameters are written: a worker that reads those
// parameters early finds nothing to claim until the new generation is published.

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

#define MAX_WORKERS 63
#define SPIN_NS 200000L  // how long a worker keeps spinning after a job before it sleeps

static pthread_mutex_t caller_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t state;          // generation << 32 | next part
static _Atomic int epoch;               // the generation's low 32 bits, the futex word sleepers wait on
static _Atomic int sleepers;
static _Atomic int completed;
static _Atomic(rk_part_fn) job_fn;
static _Atomic(void *) job_ctx;
static _Atomic int job_parts;
static int workers;                     // started so far (under caller_lock)

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

static void *worker_main(void *arg) {
    (void)arg;
    uint32_t seen = (uint32_t)(atomic_load(&state) >> 32);
    for (;;) {
        long start = 0;
        int spins = 0;
        uint32_t gen;
        while ((gen = (uint32_t)(atomic_load(&state) >> 32)) == seen) {
            relax();
            if (++spins & 63) continue;
            const long t = now_ns();
            if (!start) { start = t; continue; }
            if (t - start < SPIN_NS) continue;
            // Counted before the epoch is checked, so a caller publishing now either sees a sleeper and wakes it
            // or published before the check (then the futex call returns at once).
            atomic_fetch_add(&sleepers, 1);
            if ((uint32_t)atomic_load(&epoch) == seen) syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, (int)seen, NULL, NULL, 0);
            atomic_fetch_sub(&sleepers, 1);
            start = 0;
        }
        seen = gen;
        run_parts(gen);
    }
    return NULL;
}

int rk_pool_run(int parts, rk_part_fn fn, void *ctx) {
    if (parts < 2 || parts > MAX_WORKERS + 1) return 0;
    // Another split is running (a second caller thread, or a part splitting again): the caller uses libdispatch.
    if (pthread_mutex_trylock(&caller_lock) != 0) return 0;
    while (workers < parts - 1) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&t, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        workers++;
    }
    if (workers == 0) { pthread_mutex_unlock(&caller_lock); return 0; }
    atomic_store(&job_fn, fn);
    atomic_store(&job_ctx, ctx);
    atomic_store(&job_parts, parts);
    atomic_store(&completed, 0);
    const uint32_t gen = (uint32_t)(atomic_load(&state) >> 32) + 1;
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
