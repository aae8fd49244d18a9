# PGXS build of the extension: make, make install, make installcheck.
# The core is compiled into the module here; CMakeLists.txt builds it alone
# for unit tests and benchmarks.
EXTENSION = selegic_drift
MODULE_big = selegic_drift
# The source tree: ./ in a plain build. pg_buildext builds out of tree
# (make -C build-15 -f SRC/Makefile VPATH=SRC), so every source file below
# is found through it; objects and the current script go to the build tree.
source_dir := $(dir $(firstword $(MAKEFILE_LIST)))
# The current version comes from the control file. Released versions' full
# scripts and every update script are committed under sql/ and never change;
# the current version's full script is assembled from sql/install/*.sql.
# docs/releases.md says how to cut the next version.
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(source_dir)selegic_drift.control)
CURRENT_SCRIPT = sql/selegic_drift--$(EXTVERSION).sql
DATA = $(filter-out $(CURRENT_SCRIPT),$(patsubst $(source_dir)%,%,$(wildcard $(source_dir)sql/selegic_drift--*.sql)))
DATA_built = $(CURRENT_SCRIPT)
PGFILEDESC = "selegic_drift - Selegic metadata drift detection and repair"

CORE_OBJS = src/core/types.o src/core/model.o src/core/managed.o src/core/validate.o \
	src/core/sql_text.o src/core/compare.o src/core/compare_columns.o src/core/drift.o
PG_OBJS = src/pg/error.o src/pg/guard.o src/pg/memory.o src/pg/context_resource.o \
	src/pg/user_code.o src/pg/fold.o src/pg/metadata_reader.o src/pg/catalog_reader.o \
	src/pg/catalog_questions.o src/pg/resolver.o src/pg/repair_executor.o \
	src/pg/drift_engine.o src/pg/drift_cache.o src/pg/counters.o
CAPTURE_OBJS = src/pg/capture/api_origin.o src/pg/capture/managed_cache.o \
	src/pg/capture/event_rows.o src/pg/capture/log_writer.o src/pg/capture/capture.o
ENTRY_OBJS = src/module.o src/drift_sql.o src/resync_sql.o src/capture_sql.o src/monitor_sql.o
OBJS = $(CORE_OBJS) $(PG_OBJS) $(CAPTURE_OBJS) $(ENTRY_OBJS)

# The install script is assembled from its parts, one per feature.
INSTALL_PARTS = $(sort $(wildcard $(source_dir)sql/install/*.sql))

# One regression file per concern; see sql/*.sql.
REGRESS = $(patsubst $(source_dir)sql/%.sql,%,$(sort $(filter-out $(source_dir)sql/selegic_drift--%,$(wildcard $(source_dir)sql/*.sql))))
REGRESS_OPTS = --inputdir=$(source_dir) --load-extension=selegic_drift

# Concurrency: pg_isolation_regress specs in test/isolation/specs.
ISOLATION = $(patsubst $(source_dir)test/isolation/specs/%.spec,%,$(sort $(wildcard $(source_dir)test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=$(source_dir)test/isolation --load-extension=selegic_drift

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

# Warnings are errors only where we ask for it (CI and the test suite pass
# WERROR=-Werror): a distribution's newer compiler must not break its build.
WERROR ?=
PG_CXXFLAGS = -std=c++17 -Wall -Wextra $(WERROR) -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register -I$(source_dir)src
SHLIB_LINK = -lboost_container -lstdc++

# No JIT bitcode for C++ sources: it needs a clang matching the server's LLVM,
# and nothing here is worth inlining into JIT-compiled expressions. Set before
# PGXS is read, since it decides its rules as it is read.
override with_llvm = no
# Rebuild objects when a header they include changes (the core's structs are
# shared with the boundary; a stale object is an ODR violation, not a warning).
override autodepend = yes

include $(PGXS)

# The current version's full script (DATA_built: made by all, removed by clean).
$(CURRENT_SCRIPT): $(INSTALL_PARTS)
	@mkdir -p $(dir $@)
	cat $^ > $@

# Out of tree, the compiler writes objects into directories that must exist.
ifneq ($(source_dir),./)
$(shell mkdir -p $(sort $(dir $(OBJS))))
endif
