// Stand-ins for the few PostgreSQL functions the boundary's error values and
// memory resource call, so they are unit-tested without a server.
#pragma once

#include <cstddef>
#include <vector>

#include "pg/postgres.hpp"

namespace selegic::test {

struct FakePg {
    // MemoryContextAllocExtended: every call, and whether it fails.
    struct Alloc {
        MemoryContext cxt;
        std::size_t size;
        int flags;
    };
    std::vector<Alloc> allocs;
    bool fail_allocations = false;
    std::vector<void *> freed;          // pfree
    std::vector<ErrorData *> freed_errors;  // FreeErrorData

    static FakePg &get();
    void reset();
};

// An ErrorData as CopyErrorData would make it (malloc'd here).
ErrorData *make_error(int sqlerrcode, const char *message);

}  // namespace selegic::test
