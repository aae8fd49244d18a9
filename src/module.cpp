// Module load: the GUCs every feature shares.
#include "pg/guc.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace selegic::pg {
int lock_timeout_ms = 5000;
}

extern "C" void _PG_init(void) {
    DefineCustomIntVariable(
        "selegic.lock_timeout",
        "How long a repair waits for a lock on a table before it gives up.",
        "The repair functions set lock_timeout to this while they run, so a repair "
        "never queues behind a long transaction and blocks everyone behind it.",
        &selegic::pg::lock_timeout_ms, 5000, 1, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr,
        nullptr, nullptr);
    MarkGUCPrefixReserved("selegic");
}
