// ContextResource: every allocation goes to its MemoryContext, never errors
// with a longjmp, and fails as std::bad_alloc.
#include <gtest/gtest.h>

#include <new>

#include <boost/container/pmr/vector.hpp>

#include "fake_pg.hpp"
#include "pg/memory.hpp"

namespace selegic::test {
namespace {

MemoryContext fake_context() {
    static char tag;
    return reinterpret_cast<MemoryContext>(&tag);
}

TEST(ContextResource, AllocatesInItsContextWithoutErrorOnFailure) {
    FakePg::get().reset();
    pg::ContextResource r(fake_context());
    void *p = r.allocate(100, 8);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(FakePg::get().allocs.size(), 1u);
    EXPECT_EQ(FakePg::get().allocs[0].cxt, fake_context());
    EXPECT_EQ(FakePg::get().allocs[0].size, 100u);
    EXPECT_TRUE(FakePg::get().allocs[0].flags & MCXT_ALLOC_NO_OOM)
        << "a failed allocation must return NULL, not longjmp through C++ frames";
    EXPECT_TRUE(FakePg::get().allocs[0].flags & MCXT_ALLOC_HUGE);
    r.deallocate(p, 100, 8);
    ASSERT_EQ(FakePg::get().freed.size(), 1u);
    EXPECT_EQ(FakePg::get().freed[0], p);
}

TEST(ContextResource, FailureIsBadAlloc) {
    FakePg::get().reset();
    FakePg::get().fail_allocations = true;
    pg::ContextResource r(fake_context());
    EXPECT_THROW(r.allocate(64, 8), std::bad_alloc);
    FakePg::get().fail_allocations = false;
}

TEST(ContextResource, SizesPostgresWouldRefuseAreBadAllocBeforeAsking) {
    FakePg::get().reset();
    pg::ContextResource r(fake_context());
    EXPECT_THROW(r.allocate(MaxAllocHugeSize, 8), std::bad_alloc);
    EXPECT_THROW(r.allocate(16, 64), std::bad_alloc) << "palloc aligns to MAXALIGN only";
    EXPECT_TRUE(FakePg::get().allocs.empty());
}

TEST(ContextResource, ZeroBytesStillGetsAPointer) {
    FakePg::get().reset();
    pg::ContextResource r(fake_context());
    void *p = r.allocate(0, 1);
    EXPECT_NE(p, nullptr);
    r.deallocate(p, 0, 1);
}

TEST(ContextResource, ContainersOnItFreeEverythingTheyTook) {
    FakePg::get().reset();
    pg::ContextResource r(fake_context());
    {
        boost::container::pmr::vector<int> v(&r);
        for (int i = 0; i < 1000; ++i) v.push_back(i);
        EXPECT_EQ(v[999], 999);
    }
    EXPECT_GT(FakePg::get().allocs.size(), 1u);
    EXPECT_EQ(FakePg::get().freed.size(), FakePg::get().allocs.size());
}

}  // namespace
}  // namespace selegic::test
