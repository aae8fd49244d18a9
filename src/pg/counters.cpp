#include "pg/counters.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace selegic::pg {

namespace {

struct SharedCounters {
    pg_atomic_uint64 values[static_cast<int>(Counter::Count)];
    TimestampTz since;
};

SharedCounters *shared = nullptr;
shmem_request_hook_type prev_shmem_request = nullptr;
shmem_startup_hook_type prev_shmem_startup = nullptr;

void on_shmem_request() {
    if (prev_shmem_request) prev_shmem_request();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedCounters)));
}

void on_shmem_startup() {
    if (prev_shmem_startup) prev_shmem_startup();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    auto *c = static_cast<SharedCounters *>(
        ShmemInitStruct("selegic_drift counters", sizeof(SharedCounters), &found));
    if (!found) {
        for (auto &v : c->values) pg_atomic_init_u64(&v, 0);
        c->since = GetCurrentTimestamp();
    }
    LWLockRelease(AddinShmemInitLock);
    shared = c;
}

}  // namespace

void count(Counter c, std::uint64_t n) {
    // Atomic adds: no lock, no error, nothing to undo if the transaction
    // aborts (a counter counts attempts as they happened).
    if (shared) pg_atomic_fetch_add_u64(&shared->values[static_cast<int>(c)], n);
}

void request_counters() {
    if (!process_shared_preload_libraries_in_progress) return;
    prev_shmem_request = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    prev_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

CounterValues read_counters() {
    CounterValues out;
    if (!shared) return out;
    out.available = true;
    for (int i = 0; i < static_cast<int>(Counter::Count); ++i)
        out.values[i] = pg_atomic_read_u64(&shared->values[i]);
    out.since = shared->since;
    return out;
}

}  // namespace selegic::pg
