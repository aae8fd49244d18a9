#include "pg/memory.hpp"

#include <new>

#include <boost/container/pmr/global_resource.hpp>

namespace selegic::pg {

void *ContextResource::do_allocate(std::size_t bytes, std::size_t alignment) {
    // palloc aligns to MAXALIGN; nothing in the core asks for more.
    if (alignment > MAXIMUM_ALIGNOF) throw std::bad_alloc();
    void *p =
        MemoryContextAllocExtended(cxt_, bytes ? bytes : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (!p) throw std::bad_alloc();
    return p;
}

void ContextResource::do_deallocate(void *p, std::size_t, std::size_t) {
    pfree(p);
}

DefaultResourceScope::DefaultResourceScope(boost::container::pmr::memory_resource *r)
    : previous_(boost::container::pmr::get_default_resource()) {
    boost::container::pmr::set_default_resource(r);
}

DefaultResourceScope::~DefaultResourceScope() {
    boost::container::pmr::set_default_resource(previous_);
}

CallMemory::CallMemory(const char *name) {
    // name must outlive the context: callers pass string literals.
    cxt_ = AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
    void *mem = MemoryContextAlloc(cxt_, sizeof(State));
    state_ =
        new (mem) State{ContextResource(cxt_), boost::container::pmr::get_default_resource(), {}};
    state_->callback.func = &CallMemory::on_reset;
    state_->callback.arg = state_;
    MemoryContextRegisterResetCallback(cxt_, &state_->callback);
    boost::container::pmr::set_default_resource(&state_->resource);
}

void CallMemory::on_reset(void *arg) {
    auto *state = static_cast<State *>(arg);
    boost::container::pmr::set_default_resource(state->previous);
}

CallMemory::~CallMemory() {
    MemoryContextDelete(cxt_);  // runs on_reset
}

}  // namespace selegic::pg
