#include "fake_pg.hpp"

#include <cstdlib>
#include <cstring>

namespace selegic::test {

FakePg &FakePg::get() {
    static FakePg fake;
    return fake;
}

void FakePg::reset() {
    *this = FakePg();
}

ErrorData *make_error(int sqlerrcode, const char *message) {
    auto *e = static_cast<ErrorData *>(std::calloc(1, sizeof(ErrorData)));
    e->elevel = ERROR;
    e->sqlerrcode = sqlerrcode;
    e->message = strdup(message);
    return e;
}

}  // namespace selegic::test

using selegic::test::FakePg;

extern "C" {

void *MemoryContextAllocExtended(MemoryContext context, Size size, int flags) {
    FakePg &fake = FakePg::get();
    fake.allocs.push_back({context, size, flags});
    if (fake.fail_allocations) return nullptr;
    return std::malloc(size);
}

void pfree(void *pointer) {
    FakePg::get().freed.push_back(pointer);
    std::free(pointer);
}

void FreeErrorData(ErrorData *edata) {
    FakePg::get().freed_errors.push_back(edata);
    std::free(edata->message);
    std::free(edata);
}

}  // extern "C"
