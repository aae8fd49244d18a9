// C++ containers on PostgreSQL memory.
//
// CallMemory makes a MemoryContext for one SQL call and points Boost.Container's
// default polymorphic resource at it, so every core container allocates there.
// When the call ends normally its destructor restores everything; when an ERROR
// unwinds past it, the context dies with its parent and a reset callback
// takes it off the stack of active call memories, so nothing leaks and the
// default resource never points at a dead context, whatever order contexts
// die in.
#pragma once

#include <boost/container/pmr/memory_resource.hpp>

#include "pg/postgres.hpp"

namespace selegic::pg {

// A memory_resource over a MemoryContext. Allocation failure is
// std::bad_alloc, never a longjmp.
class ContextResource final : public boost::container::pmr::memory_resource {
public:
    explicit ContextResource(MemoryContext cxt) : cxt_(cxt) {}
    MemoryContext context() const { return cxt_; }

protected:
    void *do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) override;
    bool do_is_equal(const memory_resource &other) const noexcept override {
        return this == &other;
    }

private:
    MemoryContext cxt_;
};

// Points the default polymorphic resource at another resource for a scope:
// containers built inside it (a cache that outlives the call) allocate there.
class DefaultResourceScope {
public:
    explicit DefaultResourceScope(boost::container::pmr::memory_resource *r);
    ~DefaultResourceScope();
    DefaultResourceScope(const DefaultResourceScope &) = delete;
    DefaultResourceScope &operator=(const DefaultResourceScope &) = delete;

private:
    boost::container::pmr::memory_resource *previous_;
};

class CallMemory {
public:
    explicit CallMemory(const char *name);
    ~CallMemory();
    CallMemory(const CallMemory &) = delete;
    CallMemory &operator=(const CallMemory &) = delete;

    MemoryContext context() const { return cxt_; }

    // Active call memories, innermost first; for tests.
    static int depth();

    struct State;  // lives in the context itself

private:
    static void on_reset(void *arg);
    MemoryContext cxt_;
};

// A context of its own for long-lived data (a per-backend cache), with its
// resource, created in one step: either both exist or neither. The resource
// object lives in the parent, so resetting the context keeps it usable.
struct OwnedResource {
    MemoryContext cxt = nullptr;
    ContextResource *resource = nullptr;
};
// Creates it under parent, or throws std::bad_alloc (nothing half-made is
// left behind).
OwnedResource create_owned_resource(MemoryContext parent, const char *name);

}  // namespace selegic::pg
