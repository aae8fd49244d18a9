// ContextResource alone: it needs only MemoryContextAllocExtended and pfree,
// so the unit tests link it against stand-ins for those two.
#include <new>

#include "pg/memory.hpp"

namespace selegic::pg {

void *ContextResource::do_allocate(std::size_t bytes, std::size_t alignment) {
    // palloc aligns to MAXALIGN; nothing in the core asks for more.
    if (alignment > MAXIMUM_ALIGNOF) throw std::bad_alloc();
    if (bytes >= MaxAllocHugeSize) throw std::bad_alloc();  // would ERROR, not return NULL
    void *p =
        MemoryContextAllocExtended(cxt_, bytes ? bytes : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (!p) throw std::bad_alloc();
    return p;
}

void ContextResource::do_deallocate(void *p, std::size_t, std::size_t) {
    pfree(p);
}

}  // namespace selegic::pg
