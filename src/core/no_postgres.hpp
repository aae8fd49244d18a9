// The compile-time wall. Every file in src/core includes this as its LAST
// include: if any header before it pulled in PostgreSQL, the build stops. The
// core is pure C++ so it is unit-tested without a server; code that needs
// PostgreSQL belongs in src/pg. (CMake also builds the core without the
// server's include path, which catches a direct include.)
#pragma once

#if defined(POSTGRES_H) || defined(PG_CONFIG_H) || defined(FMGR_H)
#error "src/core must not include PostgreSQL headers; put that code in src/pg"
#endif
