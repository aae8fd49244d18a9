// C++ containers on PostgreSQL memory.
//
// CallMemory makes a MemoryContext for one SQL call and points Boost.Container's
// default polymorphic resource at it, so every core container allocates there.
// When the call ends normally its destructor restores everything; when an ERROR
// unwinds past it, the context dies with its parent and a reset callback
// restores the default resource, so nothing leaks and nothing dangles.
#pragma once

#include <boost/container/pmr/memory_resource.hpp>

#include "pg/postgres.hpp"

namespace selegic::pg {

class ContextResource final : public boost::container::pmr::memory_resource {
public:
    explicit ContextResource(MemoryContext cxt) : cxt_(cxt) {}

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

private:
    struct State {
        ContextResource resource;
        boost::container::pmr::memory_resource *previous;
        MemoryContextCallback callback;
    };
    static void on_reset(void *arg);

    MemoryContext cxt_;
    State *state_;  // lives in cxt_ itself
};

}  // namespace selegic::pg
