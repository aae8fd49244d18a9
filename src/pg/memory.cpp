#include "pg/memory.hpp"

#include <new>

#include <boost/container/pmr/global_resource.hpp>

#include "pg/guard.hpp"

namespace selegic::pg {

namespace pmr = boost::container::pmr;

DefaultResourceScope::DefaultResourceScope(pmr::memory_resource *r)
    : previous_(pmr::get_default_resource()) {
    pmr::set_default_resource(r);
}

DefaultResourceScope::~DefaultResourceScope() {
    pmr::set_default_resource(previous_);
}

// ------------------------------------------------------------------ CallMemory

// The active call memories form a doubly linked stack; the default resource
// is always the innermost one's, or what it was before the first.
struct CallMemory::State {
    ContextResource resource;
    MemoryContextCallback callback;
    State *outer;
    State *inner;
};

namespace {
CallMemory::State *innermost = nullptr;
pmr::memory_resource *base_resource = nullptr;  // the default before any call memory

void point_default_at_innermost() {
    pmr::set_default_resource(innermost ? static_cast<pmr::memory_resource *>(&innermost->resource)
                                        : base_resource);
}
}  // namespace

CallMemory::CallMemory(const char *name) {
    // name must outlive the context: callers pass string literals.
    cxt_ = guard([&] {
        MemoryContext cxt =
            AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
        void *mem = MemoryContextAlloc(cxt, sizeof(State));
        auto *state = new (mem) State{ContextResource(cxt), {}, innermost, nullptr};
        state->callback.func = &CallMemory::on_reset;
        state->callback.arg = state;
        MemoryContextRegisterResetCallback(cxt, &state->callback);
        if (!innermost) base_resource = pmr::get_default_resource();
        if (innermost) innermost->inner = state;
        innermost = state;
        return cxt;
    });
    point_default_at_innermost();
}

void CallMemory::on_reset(void *arg) {
    auto *state = static_cast<State *>(arg);
    if (state->inner) state->inner->outer = state->outer;
    if (state->outer) state->outer->inner = state->inner;
    if (innermost == state) innermost = state->outer;
    point_default_at_innermost();
}

CallMemory::~CallMemory() {
    MemoryContextDelete(cxt_);  // runs on_reset
}

int CallMemory::depth() {
    int n = 0;
    for (State *s = innermost; s; s = s->outer) ++n;
    return n;
}

OwnedResource create_owned_resource(MemoryContext parent, const char *name) {
    OwnedResource out;
    guard([&] {
        MemoryContext cxt = AllocSetContextCreateInternal(parent, name, ALLOCSET_DEFAULT_SIZES);
        // In the parent: the context itself is reset when its contents go.
        void *mem = MemoryContextAllocExtended(parent, sizeof(ContextResource), MCXT_ALLOC_NO_OOM);
        if (!mem) {
            MemoryContextDelete(cxt);
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
        }
        out.resource = new (mem) ContextResource(cxt);
        out.cxt = cxt;
    });
    return out;
}

}  // namespace selegic::pg
