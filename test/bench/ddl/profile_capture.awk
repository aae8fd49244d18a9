# DDL capture benchmark, --profile: where a backend spent a batch's CPU time,
# and where inside the extension's capture. Reads
#   perf script -F comm,tid,ip,sym,dso -i PERF_DATA
# (samples of one backend with DWARF call graphs: a header line, then one
# frame per line, leaf first, then a blank line) and prints inclusive shares:
# a sample counts for a line when any frame of its stack matches the line's
# function(s), so lines overlap (a callee's share is part of its caller's).
#   awk -v cpu_ms=MS -f profile_capture.awk
# cpu_ms: the backend CPU of the profiled batch (ms), to turn shares into ms.

function last_paren(s,    i, p) {
    p = 0
    while ((i = index(substr(s, p + 1), " (")) > 0) p += i
    return p
}
# A readable name: no template arguments, parameter lists or clone suffixes.
function shorten(s,    t) {
    t = s
    gsub(/\(anonymous namespace\)/, "{anon}", t)
    gsub(/ \[clone [^]]*\]/, "", t)
    while (gsub(/<[^<>]*>/, "", t)) ;
    while (gsub(/\([^()]*\)/, "", t)) ;
    gsub(/ const$/, "", t)
    gsub(/selegic::pg::/, "", t)
    if (length(t) > 90) t = substr(t, 1, 87) "..."
    return t
}
function ours(i) { return D[i] ~ /selegic_drift\.so$/ }
# Frame i's name; an unknown symbol (a static function of the stripped
# postgres binary, say) is named by its object.
function name(i,    o) {
    if (S[i] != "[unknown]") return shorten(S[i])
    o = D[i]; sub(/.*\//, "", o)
    return "[unknown in " o "]"
}
# Index of the outermost frame matching re among frames 1..lim, or 0.
function find(re, lim,    i) {
    for (i = lim; i >= 1; i--) if (S[i] ~ re) return i
    return 0
}

function process(    i, k, cap, a, b, callee, caller) {
    total++
    if (find("^(PostgresMain|main|__libc_start_call_main)$", n)) rooted++
    cap = find("^selegic_capture_(ddl_command_end|sql_drop|table_rewrite)$", n)
    for (k = 1; k <= n_glob; k++) if (find(GRE[k], n)) G[k]++
    # Derived: PostgreSQL's dispatch of event triggers and the SECURITY
    # DEFINER wrapper, without the function they call.
    a = find("^EventTrigger(DDLCommandEnd|SQLDrop|TableRewrite)$", n)
    b = find("^fmgr_security_definer$", n)
    if (a && !b && !cap) dispatch_only++
    if (b && !cap) wrapper_only++
    self_all[name(1)]++
    if (!cap) {
        if (ours(1)) ext_outside++
        return
    }
    in_cap++
    for (k = 1; k <= n_cap; k++) {
        if (CPARENT[k] != "") {
            a = find(CPARENT[k], cap - 1)
            if (a && find(CRE[k], a - 1)) C[k]++
        } else if (find(CRE[k], cap - 1)) {
            C[k]++
        }
    }
    self_cap[(ours(1) ? "[ext] " : "") name(1)]++
    # The outermost function not of the extension that the capture calls,
    # and the extension's function that calls it.
    callee = ""
    for (i = cap - 1; i >= 1; i--) {
        if (!ours(i)) { callee = name(i) "  <-  " name(i + 1); break }
    }
    if (callee == "") callee = "(the extension's own code: " name(1) ")"
    entry[callee]++
}

function flush() { if (n > 0) process(); n = 0 }

function top(arr, count, denom, what,    k, best, bk, i, printed) {
    for (i = 1; i <= count; i++) {
        best = 0; bk = ""
        for (k in arr) if (!(k in printed) && arr[k] > best) { best = arr[k]; bk = k }
        if (bk == "") break
        printed[bk] = 1
        printf "  %6.1f%%  %6.1f ms  %5.1f%% of %s  %s\n", 100 * best / total, cpu_ms * best / total,
               100 * best / denom, what, bk
    }
}

BEGIN {
    # Whole batch.
    n_glob = 0
    GRE[++n_glob] = "^EventTrigger(DDLCommandEnd|SQLDrop|TableRewrite)$"
    GL[n_glob] = "PostgreSQL running the event triggers (ddl_command_end, sql_drop, table_rewrite), all included"
    GRE[++n_glob] = "^fmgr_security_definer$"
    GL[n_glob] = "  SECURITY DEFINER call wrapper (fmgr_security_definer), the function it calls included"
    GRE[++n_glob] = "^selegic_capture_(ddl_command_end|sql_drop|table_rewrite)$"
    GL[n_glob] = "  the extension's capture (selegic_capture_*), all included"
    GRE[++n_glob] = "^(PreCommit_Notify|AtCommit_Notify)$"
    GL[n_glob] = "commit: queueing and signalling the NOTIFYs (PreCommit_Notify, AtCommit_Notify)"
    GRE[++n_glob] = "^CommitTransactionCommand$"
    GL[n_glob] = "commit, whole (CommitTransactionCommand)"

    # Inside the capture: pattern, and optionally the caller it must be under.
    n_cap = 0
    CRE[++n_cap] = "plainly_unmanaged"
    CL[n_cap] = "unmanaged fast path (plainly_unmanaged: parse tree + cache probe)"
    CRE[++n_cap] = "^BeginInternalSubTransaction$"
    CL[n_cap] = "subtransaction begin (BeginInternalSubTransaction)"
    CRE[++n_cap] = "^ReleaseCurrentSubTransaction$"
    CL[n_cap] = "subtransaction release (ReleaseCurrentSubTransaction)"
    CRE[++n_cap] = "^RollbackAndReleaseCurrentSubTransaction$"
    CL[n_cap] = "subtransaction rollback (RollbackAndReleaseCurrentSubTransaction)"
    CRE[++n_cap] = "session_is_api"
    CL[n_cap] = "origin check (session_is_api)"
    CRE[++n_cap] = "ManagedCache::get"
    CL[n_cap] = "cache of managed objects: ManagedCache::get"
    CRE[++n_cap] = "CacheBuilder::build"
    CL[n_cap] = "  of which rebuilding it (CacheBuilder::build)"
    CRE[++n_cap] = "collect_(ddl_command_end|sql_drop|table_rewrite)"
    CL[n_cap] = "collecting the rows (collect_*)"
    CRE[++n_cap] = "^pg_event_trigger_(ddl_commands|dropped_objects)$"
    CL[n_cap] = "  of which pg_event_trigger_ddl_commands() / dropped_objects()"
    CRE[++n_cap] = "ManagedCache::target"
    CL[n_cap] = "  of which relation -> entity (ManagedCache::target)"
    CRE[++n_cap] = "write_log_rows"
    CL[n_cap] = "writing the rows (write_log_rows)"
    CRE[++n_cap] = "^(NewGUCNestLevel|set_config_option|set_config_option_ext|AtEOXact_GUC)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which search_path pinned and restored (set_config_option, AtEOXact_GUC)"
    CRE[++n_cap] = "drift_log_relid|^(table_open|relation_open|table_close|relation_close)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which finding and opening selegic.drift_log"
    CRE[++n_cap] = "^(CreateExecutorState|FreeExecutorState|InitResultRelInfo|ExecOpenIndices|ExecCloseIndices|ExecCloseResultRelations|ExecCloseRangeTableRelations|ExecResetTupleTable|ExecInitExtraTupleSlot|ExecInitRangeTable|ExecGetRangeTableRelation)$|init_single_range_table"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which executor state set up and torn down (EState, indexes opened/closed)"
    CRE[++n_cap] = "^ExecSimpleRelationInsert$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which the insert (ExecSimpleRelationInsert)"
    CRE[++n_cap] = "^(heap_insert|table_tuple_insert|heapam_tuple_insert)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "    heap tuple (heap_insert)"
    CRE[++n_cap] = "^ExecInsertIndexTuples$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "    index entries, 5 indexes (ExecInsertIndexTuples)"
    CRE[++n_cap] = "^(ExecConstraints|ExecPartitionCheck|ExecComputeStoredGenerated)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "    constraints (ExecConstraints: NOT NULL, CHECK origin)"
    CRE[++n_cap] = "fill_defaults|^(build_column_default|ExecPrepareExpr|ExecEvalExpr)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which column defaults (fill_defaults: build_column_default, ExecPrepareExpr)"
    CRE[++n_cap] = "^pg_strong_random$|random_uuid"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which the row's uuid (pg_strong_random)"
    CRE[++n_cap] = "^(get_database_name|GetUserNameFromId|inet_client_addr)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which session facts (database and user names, client address)"
    CRE[++n_cap] = "^(AfterTriggerBeginQuery|AfterTriggerEndQuery|ExecBSInsertTriggers|ExecASInsertTriggers)$"
    CPARENT[n_cap] = "write_log_rows"
    CL[n_cap] = "  of which the trigger machinery (AfterTrigger*, Exec[AB]SInsertTriggers)"
    CRE[++n_cap] = "notify_log_rows"
    CL[n_cap] = "NOTIFY payloads (notify_log_rows)"
    CRE[++n_cap] = "^Async_Notify$"
    CL[n_cap] = "  of which Async_Notify"
    CRE[++n_cap] = "^(SearchCatCache|SearchCatCache1|SearchCatCache2|SearchCatCache3|SearchCatCacheInternal|SearchCatCacheMiss|SearchCatCacheList|SearchSysCache|SearchSysCache1|SearchSysCache2|SearchSysCache3|systable_beginscan|systable_getnext|get_rel_name|get_rel_namespace|get_namespace_oid|get_relname_relid|get_rel_relkind)$"
    CL[n_cap] = "catalog lookups anywhere in the capture (syscache, catalog scans, get_rel_*)"
    CRE[++n_cap] = "^(AllocSetContextCreateInternal|MemoryContextCreate|MemoryContextDelete|MemoryContextReset|MemoryContextResetOnly|AllocSetReset|AllocSetDelete)$"
    CL[n_cap] = "memory contexts created, reset, deleted"
    CRE[++n_cap] = "^(__sigsetjmp|_setjmp|sigsetjmp|__libc_siglongjmp|siglongjmp)$"
    CL[n_cap] = "error guards (sigsetjmp)"
}

/^[^ \t]/ { flush(); next }
/^[ \t]*$/ { flush(); next }
{
    line = $0
    sub(/^[ \t]+[0-9a-f]+ /, "", line)
    p = last_paren(line)
    if (p > 0) {
        sym = substr(line, 1, p - 1); dso = substr(line, p + 2); sub(/\)$/, "", dso)
    } else {
        sym = line; dso = ""
    }
    sub(/\+0x[0-9a-f]+$/, "", sym)
    # A function inlined into another: perf lists it after the real frame
    # at the same address; it belongs to that frame's object.
    if (dso == "inlined" && n > 0) dso = D[n]
    n++; S[n] = sym; D[n] = dso
}

END {
    flush()
    if (total == 0) { print "  no samples"; exit }
    printf "  %d samples, %.1f%% of them unwound to PostgresMain (the others have truncated stacks: their\n", total, 100 * rooted / total
    printf "  share of callers is undercounted); inclusive shares of the batch's %s ms backend CPU:\n", cpu_ms
    for (k = 1; k <= n_glob; k++)
        printf "  %6.1f%%  %6.1f ms  %s\n", 100 * G[k] / total, cpu_ms * G[k] / total, GL[k]
    printf "  %6.1f%%  %6.1f ms  %s\n", 100 * dispatch_only / total, cpu_ms * dispatch_only / total,
           "  PostgreSQL's dispatch around the trigger functions (not in the SECURITY DEFINER wrapper or the capture)"
    printf "  %6.1f%%  %6.1f ms  %s\n", 100 * wrapper_only / total, cpu_ms * wrapper_only / total,
           "  the SECURITY DEFINER wrapper's own work (outside the capture)"
    printf "  %6.1f%%  %6.1f ms  %s\n", 100 * ext_outside / total, cpu_ms * ext_outside / total,
           "the extension's own code outside the capture (its ProcessUtility hook, ...), self time"
    if (in_cap == 0) { print "  no sample inside the capture"; exit }
    printf "  inside the capture (%d samples, %.1f ms; share of the batch, ms, share of the capture):\n", in_cap, cpu_ms * in_cap / total
    for (k = 1; k <= n_cap; k++)
        printf "  %6.1f%%  %6.1f ms  %5.1f%% of capture  %s\n", 100 * C[k] / total, cpu_ms * C[k] / total,
               100 * C[k] / in_cap, CL[k]
    print "  the PostgreSQL (or libc) functions the capture calls, outermost below it, with the extension's caller:"
    top(entry, 15, in_cap, "capture")
    print "  top functions by self time inside the capture ([ext]: the extension's own code):"
    top(self_cap, 12, in_cap, "capture")
    print "  top functions by self time, whole batch:"
    top(self_all, 10, total, "batch  ")
}
