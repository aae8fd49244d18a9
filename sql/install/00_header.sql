-- selegic_drift 1.1. Built by make from sql/install/*.sql, in name order.
\echo Use "CREATE EXTENSION selegic_drift" to load this file. \quit
