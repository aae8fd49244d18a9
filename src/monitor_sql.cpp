// SQL entry point: selegic_counters(), behind the view selegic.counters.
#include "pg/counters.hpp"
#include "pg/guard.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(selegic_counters);
}

extern "C" Datum selegic_counters(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&]() -> Datum {
        using selegic::pg::Counter;
        selegic::pg::CounterValues c = selegic::pg::read_counters();
        return selegic::pg::guard([&] {
            TupleDesc desc;
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("function returning record called in context that cannot "
                                       "accept type record")));
            desc = BlessTupleDesc(desc);
            constexpr int n = static_cast<int>(Counter::Count);
            Datum values[n + 2];
            bool nulls[n + 2];
            for (int i = 0; i < n; ++i) {
                values[i] = Int64GetDatum(static_cast<int64>(c.values[i]));
                nulls[i] = !c.available;  // not counted: the library is not preloaded
            }
            values[n] = TimestampTzGetDatum(c.since);
            nulls[n] = !c.available;
            values[n + 1] = BoolGetDatum(c.available);
            nulls[n + 1] = false;
            return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
        });
    });
}
