/* Fuzz target for chain's binary128 soft-float (host_float128.c), differential: every operation
 * on two fuzzed 128-bit patterns must give the bits the compiler's IEEE binary128 (__float128,
 * libgcc / compiler-rt soft-fp, round to nearest even) gives, NaN results excepted (their payload
 * rules are SoftFloat's; they must still be NaNs). Conversions are checked the same way. */
#include "chain/host_float128.h"

#include <string.h>

#ifdef __SIZEOF_FLOAT128__
static __float128 H(cps_chain_f128 f)
{
    __float128 h;
    memcpy(&h, &f, 16);
    return h;
}

static void same_or_trap(cps_chain_f128 got, __float128 want)
{
    cps_chain_f128 w;
    memcpy(&w, &want, 16);
    if (cps_chain__f128_is_nan(w)) {
        if (!cps_chain__f128_is_nan(got)) __builtin_trap();
    } else if (got.lo != w.lo || got.hi != w.hi) {
        __builtin_trap();
    }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 32) return 0;
    cps_chain_f128 a, b;
    memcpy(&a, data, 16);
    memcpy(&b, data + 16, 16);
#ifdef __SIZEOF_FLOAT128__
    __float128 x = H(a), y = H(b);
    same_or_trap(cps_chain__f128_add(a, b), x + y);
    same_or_trap(cps_chain__f128_sub(a, b), x - y);
    same_or_trap(cps_chain__f128_mul(a, b), x * y);
    same_or_trap(cps_chain__f128_div(a, b), x / y);
    if (cps_chain__f128_lt(a, b) != (x < y) || cps_chain__f128_eq(a, b) != (x == y))
        __builtin_trap();
    if (!cps_chain__f128_is_nan(a)) {
        double d = (double)x;
        float f = (float)x;
        uint64_t db;
        uint32_t fb;
        memcpy(&db, &d, 8);
        memcpy(&fb, &f, 4);
        if (cps_chain__f128_to_f64(a) != db || cps_chain__f128_to_f32(a) != fb) __builtin_trap();
    }
    uint64_t d64;
    memcpy(&d64, data, 8);
    double d;
    memcpy(&d, &d64, 8);
    if (d == d) same_or_trap(cps_chain__f128_from_f64(d64), (__float128)d);
#else
    /* without a compiler binary128 there is no reference: still run everything for crashes */
    (void)cps_chain__f128_add(a, b);
    (void)cps_chain__f128_mul(a, b);
    (void)cps_chain__f128_div(a, b);
    (void)cps_chain__f128_to_f64(a);
#endif
    /* the integer conversions never fail and never read outside their input */
    uint64_t lo, hi;
    uint16_t se;
    cps_chain__f128_to_i128_trunc(a, &lo, &hi);
    cps_chain__f128_to_u128_trunc(b, &lo, &hi);
    cps_chain__f128_to_ext80(a, &se, &lo);
    (void)cps_chain__f128_to_i32_rne(a);
    (void)cps_chain__f128_to_u64_rne(b);
    return 0;
}
