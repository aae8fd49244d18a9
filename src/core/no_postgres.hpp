// The compile-time wall: every core header includes this first. The core is
// pure C++ so it can be unit-tested without a server; a PostgreSQL header
// reaching it (directly or through a boundary header) stops the build here.
#pragma once

#if defined(POSTGRES_H) || defined(PG_CONFIG_H) || defined(FMGR_H)
#error "src/core must not include PostgreSQL headers; put that code in src/pg"
#endif
