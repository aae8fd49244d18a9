// The error bridge's rules without a server: which SQLSTATEs may never be
// swallowed, how an exception is taken apart, and who frees an ErrorData.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "core/types.hpp"
#include "fake_pg.hpp"
#include "pg/error.hpp"

namespace selegic::test {
namespace {

using pg::must_propagate;
using pg::PgError;

int code(const char *s) {
    return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}

TEST(ErrorPolicy, InterruptsResourcesAndInternalErrorsAlwaysPropagate) {
    for (const char *s : {"57014", "57P01", "57P02", "57P03", "53000", "53100", "53200", "53300",
                          "58000", "58030", "XX000", "XX001", "XX002"}) {
        EXPECT_TRUE(must_propagate(code(s))) << s;
        EXPECT_TRUE(must_propagate(code(s), /*own_lock_wait=*/true)) << s;
    }
}

TEST(ErrorPolicy, LockTimeoutPropagatesUnlessItIsTheCallersOwnWait) {
    EXPECT_TRUE(must_propagate(code("55P03")));
    EXPECT_FALSE(must_propagate(code("55P03"), /*own_lock_wait=*/true));
}

TEST(ErrorPolicy, DataAndMetadataErrorsMayBeRecoveredFrom) {
    for (const char *s : {"22012", "22P02", "23505", "23514", "42501", "42704", "42P01", "40P01",
                          "0A000", "22003"})
        EXPECT_FALSE(must_propagate(code(s))) << s;
}

TEST(PgErrorValue, CopiesShareOneErrorDataFreedOnce) {
    FakePg::get().reset();
    ErrorData *e = make_error(code("23505"), "duplicate key");
    {
        PgError a(e);
        EXPECT_EQ(a.sqlerrcode(), code("23505"));
        EXPECT_STREQ(a.what(), "duplicate key");
        {
            PgError b = a;
            PgError c(make_error(code("22012"), "division by zero"));
            c = b;  // drops its own, shares a's
            ASSERT_EQ(FakePg::get().freed_errors.size(), 1u);
            EXPECT_STREQ(c.what(), "duplicate key");
        }
        EXPECT_EQ(FakePg::get().freed_errors.size(), 1u) << "a still holds it";
    }
    ASSERT_EQ(FakePg::get().freed_errors.size(), 2u);
    EXPECT_EQ(FakePg::get().freed_errors.back(), e);
}

TEST(PgErrorValue, ReleasedErrorDataIsNotFreed) {
    FakePg::get().reset();
    ErrorData *e = make_error(code("57014"), "canceling statement");
    ErrorData *out;
    {
        PgError a(e);
        PgError b = a;
        out = a.release();
    }
    EXPECT_EQ(out, e);
    EXPECT_TRUE(FakePg::get().freed_errors.empty());
    std::free(e->message);
    std::free(e);
}

template <class Throw>
pg::detail::Classified classify_thrown(Throw t) {
    try {
        t();
    } catch (...) {
        return pg::detail::classify(std::current_exception());
    }
    return {};
}

TEST(Classify, PostgresErrorsKeepTheirErrorData) {
    FakePg::get().reset();
    ErrorData *e = make_error(code("42704"), "does not exist");
    auto c = classify_thrown([&] { throw PgError(e); });
    ASSERT_TRUE(c.pg);
    EXPECT_EQ(c.pg->sqlerrcode(), code("42704"));
    EXPECT_TRUE(FakePg::get().freed_errors.empty()) << "the copy in c still holds it";
    c.pg.reset();
    EXPECT_EQ(FakePg::get().freed_errors.size(), 1u);
}

TEST(Classify, CoreErrorsKeepSqlstateDetailAndHint) {
    auto c = classify_thrown(
        [] { throw core::Error("22023", "bad value", "The detail.", "The hint."); });
    EXPECT_FALSE(c.pg);
    EXPECT_FALSE(c.bad_alloc);
    EXPECT_EQ(c.sqlerrcode, code("22023"));
    EXPECT_EQ(c.message, "bad value");
    EXPECT_EQ(c.detail, "The detail.");
    EXPECT_EQ(c.hint, "The hint.");
}

TEST(Classify, BadAllocIsOutOfMemory) {
    auto c = classify_thrown([] { throw std::bad_alloc(); });
    EXPECT_TRUE(c.bad_alloc);
}

TEST(Classify, AnythingElseIsAnInternalErrorWithAMessage) {
    auto c = classify_thrown([] { throw std::runtime_error("boom"); });
    EXPECT_EQ(c.sqlerrcode, code("XX000"));
    EXPECT_EQ(c.message, "boom");
    auto d = classify_thrown([] { throw 42; });
    EXPECT_EQ(d.sqlerrcode, code("XX000"));
    EXPECT_EQ(d.message, "unexpected C++ exception in selegic_drift");
}

}  // namespace
}  // namespace selegic::test
