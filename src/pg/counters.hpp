// Counters since the server started, for monitoring (a Prometheus exporter's
// custom query reads the view selegic.counters). They live in shared memory,
// which only a library in shared_preload_libraries can have; otherwise they
// are not counted and the view says so.
#pragma once

#include <cstdint>

namespace selegic::pg {

enum class Counter {
    DdlCaptured,      // log rows written by the capture
    DdlBlocked,       // statements refused under selegic.manual_ddl = block
    CaptureFailures,  // captures that failed (a WARNING, or a refusal under block)
    RepairsRun,       // repairs that ran statements and committed their subtransaction
    RepairsFailed,    // repairs that failed and were rolled back
    Reports,          // selegic_drift() calls
    Count
};

void count(Counter c, std::uint64_t n = 1);

// Called from _PG_init while shared_preload_libraries is being processed.
void request_counters();

struct CounterValues {
    bool available = false;
    std::uint64_t values[static_cast<int>(Counter::Count)] = {};
    std::int64_t since = 0;  // TimestampTz of the server's start
};
CounterValues read_counters();

}  // namespace selegic::pg
