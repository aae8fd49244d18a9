// The extension's settings (defined in src/module.cpp).
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace selegic::pg {
extern int lock_timeout_ms;      // selegic.lock_timeout
extern bool drift_cache_enabled;  // selegic.drift_cache
extern bool drift_cache_verify;   // selegic.drift_cache_verify
}
