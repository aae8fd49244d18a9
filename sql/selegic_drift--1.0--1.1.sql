-- selegic_drift 1.0 -> 1.1. Written by hand, committed, never changed once
-- released. After it runs, the database holds exactly what a fresh install of
-- 1.1 (sql/install/*.sql) creates: test/e2e/update_path.sh proves it.
\echo Use "ALTER EXTENSION selegic_drift UPDATE TO '1.1'" to load this file. \quit
