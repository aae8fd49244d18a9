-- DDL capture benchmark, configuration (d): pgaudit logging DDL of every
-- session of this database to the server log. The cluster must have
-- shared_preload_libraries = 'pgaudit'.
\set ON_ERROR_STOP on
CREATE EXTENSION pgaudit;
SELECT format('ALTER DATABASE %I SET pgaudit.log = %L', current_database(), 'ddl')
\gexec
