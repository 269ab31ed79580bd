// Crash notes for the batch runner (Shared/Pipeline/CrashJournal.swift). Everything the handler
// touches is prepared beforehand (paths copied, the alternate stack allocated), and the handler
// itself calls only async-signal-safe functions: open, write, close, sigaction, raise.
#define _GNU_SOURCE
#include "CSupport.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const int guarded[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define GUARDED_COUNT (sizeof guarded / sizeof guarded[0])
static struct sigaction previous[GUARDED_COUNT];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result = 0;

static _Thread_local char *thread_marker;
static _Thread_local char *thread_label;
static _Thread_local int thread_has_stack;

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGTRAP: return "SIGTRAP";
    default: return "signal";
    }
}

static void write_all(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_crash(int sig, siginfo_t *info, void *context) {
    char *marker = thread_marker, *label = thread_label;
    // Once per thread: a second fault inside a chained handler must not note it twice.
    thread_marker = NULL;
    if (marker) {
        int fd = open(marker, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd >= 0) {
            write_all(fd, "crashed ");
            write_all(fd, signal_name(sig));
            write_all(fd, "\n");
            close(fd);
        }
        write_all(2, "reticle: the process died (");
        write_all(2, signal_name(sig));
        write_all(2, ") while processing ");
        write_all(2, label ? label : "an item");
        write_all(2, "\n");
    }
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        if (guarded[i] != sig) continue;
        struct sigaction *old = &previous[i];
        if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
            old->sa_sigaction(sig, info, context);
        } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
            old->sa_handler(sig);
        }
    }
    // Whatever ran before returned: end with the default action, so the exit status says how it died.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_crash;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        if (sigaction(guarded[i], &action, &previous[i]) != 0) install_result = -1;
    }
}

int rt_crash_guard_install(void) {
    pthread_once(&install_once, install);
    return install_result;
}

int rt_crash_guard_enter(const char *marker_path, const char *label) {
    rt_crash_guard_leave();
    if (!thread_has_stack) {
        stack_t current;
        if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE)) thread_has_stack = 1;
    }
    if (!thread_has_stack) {
        // A stack overflow faults with no stack left to run the handler on; this thread's own
        // alternate stack is kept for the thread's life (pool threads are reused).
        size_t size = 64 * 1024;
        stack_t st;
        memset(&st, 0, sizeof st);
        st.ss_sp = malloc(size);
        if (!st.ss_sp) return -1;
        st.ss_size = size;
        if (sigaltstack(&st, NULL) != 0) { free(st.ss_sp); return -1; }
        thread_has_stack = 1;
    }
    char *m = strdup(marker_path), *l = strdup(label);
    if (!m || !l) { free(m); free(l); return -1; }
    thread_label = l;
    thread_marker = m;
    return 0;
}

void rt_crash_guard_leave(void) {
    char *m = thread_marker, *l = thread_label;
    thread_marker = NULL;
    thread_label = NULL;
    free(m);
    free(l);
}
