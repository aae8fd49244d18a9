#include <gtest/gtest.h>

#include "core/types.hpp"

namespace selegic::core {
namespace {

TEST(Uuid, RoundTripsCanonicalText) {
    const char *text = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    EXPECT_EQ(Uuid::parse(text).to_string(), text);
}

TEST(Uuid, AcceptsUpperCaseAndNoDashes) {
    EXPECT_EQ(Uuid::parse("0A1B2C3D4E5F6789ABCDEF0123456789").to_string(),
              "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
}

TEST(Uuid, RejectsGarbageWithSqlstate) {
    try {
        Uuid::parse("not-a-uuid");
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_STREQ(e.sqlstate(), "22P02");
        EXPECT_STREQ(e.what(), "invalid input syntax for type uuid: \"not-a-uuid\"");
    }
    EXPECT_THROW(Uuid::parse("0a1b2c3d-4e5f-6789-abcd-ef012345678900"), Error);
}

TEST(Uuid, OrdersBytewise) {
    EXPECT_LT(Uuid::parse("00000000-0000-0000-0000-000000000001"),
              Uuid::parse("00000000-0000-0000-0000-000000000002"));
}

}  // namespace
}  // namespace selegic::core
