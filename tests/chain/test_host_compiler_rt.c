/* Tests of the compiler-rt intrinsics and of CPS's binary128 soft-float: known values, SoftFloat's
 * NaN rules, nodeos's quirks (round-to-nearest-even __fixtfsi, 0 from __gttf2/__lttf2 on NaN,
 * shifts of 128+), and large randomized comparisons against the C compiler's own binary128
 * (__float128, computed by libgcc's IEEE soft-fp) wherever the two must agree bit for bit. The
 * host functions are reached through the VM from a wasm module, so argument order, memory writes
 * and traps are checked too. */
#include <float.h>
#include <math.h>

#include "chain/host_float128.h"
#include "host_harness.h"

typedef unsigned __int128 u128;
typedef __int128 i128;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static cps_chain_f128 F(uint64_t hi, uint64_t lo)
{
    cps_chain_f128 f = {lo, hi};
    return f;
}

static bool same(cps_chain_f128 a, cps_chain_f128 b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

static cps_chain_f128 f128_from_double(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return cps_chain__f128_from_f64(bits);
}

/* A binary128 bit pattern with interesting structure: any exponent, exponents near the extremes
 * (subnormal, overflow), special values, and short significands (exact cases, ties). */
static cps_chain_f128 random_f128(void)
{
    uint64_t r = rnd(), hi = rnd(), lo = rnd();
    uint64_t sign = r & 1 ? 1ull << 63 : 0;
    uint64_t e;
    switch ((r >> 1) % 10) {
    case 0:
        e = 0;
        break; /* subnormal or zero */
    case 1:
        e = 0x7FFF;
        break; /* inf or NaN */
    case 2:
        e = 1 + (r >> 8) % 4;
        break; /* tiny normals */
    case 3:
        e = 0x7FFE - (r >> 8) % 4;
        break; /* huge normals */
    case 4:
        e = 0x3FFF + (r >> 8) % 130 - 65;
        break; /* near 1, integer-sized */
    default:
        e = (r >> 8) % 0x7FFF;
        break;
    }
    if (((r >> 20) & 3) == 0) lo = 0; /* short significands */
    if (((r >> 22) & 7) == 0) hi &= 0xFFFF000000000000ull;
    if (((r >> 25) & 15) == 0) lo = hi = 0; /* powers of two, zeros, infinities */
    return F(sign | e << 48 | (hi & 0xFFFFFFFFFFFFull), lo);
}

/* ---- the soft-float against known values --------------------------------------------------- */

TEST(f128_known_values)
{
    cps_chain_f128 one = F(0x3FFF000000000000ull, 0), two = F(0x4000000000000000ull, 0);
    cps_chain_f128 three = F(0x4000800000000000ull, 0);
    ASSERT(same(cps_chain__f128_add(one, two), three));
    ASSERT(same(cps_chain__f128_sub(three, two), one));
    ASSERT(same(cps_chain__f128_mul(three, two), F(0x4001800000000000ull, 0)));
    /* 1/3 = 0x3FFD5555...5555 (ties impossible; the last digit rounds down) */
    ASSERT(same(cps_chain__f128_div(one, three), F(0x3FFD555555555555ull, 0x5555555555555555ull)));
    /* 2/3: the same digits one binade up */
    ASSERT(same(cps_chain__f128_div(two, three), F(0x3FFE555555555555ull, 0x5555555555555555ull)));
    ASSERT(same(f128_from_double(1.0), one));
    ASSERT(same(f128_from_double(0.1), F(0x3FFB999999999999ull, 0xA000000000000000ull)));
    ASSERT_U64_EQ(cps_chain__f128_to_f64(three), 0x4008000000000000ull);
    ASSERT_EQ(cps_chain__f128_to_f32(three), 0x40400000u);
    ASSERT(same(cps_chain__f128_from_i64(-3), F(0xC000800000000000ull, 0)));
    ASSERT(same(cps_chain__f128_from_u64(0), F(0, 0)));
    /* the smallest subnormal times a huge normal: 2^-16494 * 2^16382 = 2^-112 */
    cps_chain_f128 tiny = F(0, 1), big = F(0x7FFDull << 48, 0);
    ASSERT(same(cps_chain__f128_mul(tiny, big), F(0x3F8F000000000000ull, 0)));
    ASSERT(same(cps_chain__f128_div(tiny, F(0x4000000000000000ull, 0)), F(0, 0))); /* tie to even */
    ASSERT(same(cps_chain__f128_div(F(0, 3), F(0x4000000000000000ull, 0)), F(0, 2)));
    /* x - x is +0, -0 + -0 is -0 */
    ASSERT(same(cps_chain__f128_sub(three, three), F(0, 0)));
    cps_chain_f128 mzero = F(1ull << 63, 0);
    ASSERT(same(cps_chain__f128_add(mzero, mzero), mzero));
    ASSERT(same(cps_chain__f128_add(mzero, F(0, 0)), F(0, 0)));
    /* overflow rounds to infinity; division by zero gives a signed infinity */
    cps_chain_f128 max = F(0x7FFEFFFFFFFFFFFFull, ~0ull), inf = F(0x7FFF000000000000ull, 0);
    ASSERT(same(cps_chain__f128_add(max, max), inf));
    ASSERT(same(cps_chain__f128_div(one, mzero), F(0xFFFF000000000000ull, 0)));
}

TEST(f128_nan_rules)
{
    cps_chain_f128 inf = F(0x7FFF000000000000ull, 0), one = F(0x3FFF000000000000ull, 0);
    cps_chain_f128 zero = F(0, 0), def = F(0xFFFF800000000000ull, 0);
    /* invalid operations give SoftFloat's 8086 default NaN (sign set) */
    ASSERT(same(cps_chain__f128_sub(inf, inf), def));
    ASSERT(same(cps_chain__f128_mul(zero, inf), def));
    ASSERT(same(cps_chain__f128_div(zero, zero), def));
    ASSERT(same(cps_chain__f128_div(inf, inf), def));
    /* a NaN operand comes back quiet, the first one winning; a signaling NaN is quieted */
    cps_chain_f128 snan = F(0x7FFF000000000000ull, 5), qnan = F(0xFFFF812300000000ull, 7);
    ASSERT(same(cps_chain__f128_add(snan, one), F(0x7FFF800000000000ull, 5)));
    ASSERT(same(cps_chain__f128_mul(one, qnan), qnan));
    ASSERT(same(cps_chain__f128_sub(qnan, snan), qnan));
    ASSERT(same(cps_chain__f128_div(snan, qnan), F(0x7FFF800000000000ull, 5)));
    /* conversions carry the sign and the top payload bits */
    ASSERT(same(cps_chain__f128_from_f32(0xFFC00001u), F(0xFFFF800002000000ull, 0)));
    ASSERT(same(cps_chain__f128_from_f64(0x7FF0000000000001ull),
                F(0x7FFF800000000000ull, 0x1000000000000000ull)));
    ASSERT_U64_EQ(cps_chain__f128_to_f64(F(0x7FFF000000000000ull, 0x1000000000000000ull)),
                  0x7FF8000000000001ull);
    ASSERT_EQ(cps_chain__f128_to_f32(F(0xFFFF000002000000ull, 0)), 0xFFC00001u);
    ASSERT(cps_chain__f128_is_nan(qnan));
    ASSERT(!cps_chain__f128_is_nan(inf));
    ASSERT(!cps_chain__f128_eq(qnan, qnan));
    ASSERT(!cps_chain__f128_lt(qnan, one) && !cps_chain__f128_lt(one, qnan));
    ASSERT(cps_chain__f128_eq(zero, F(1ull << 63, 0)));
    ASSERT(!cps_chain__f128_lt(F(1ull << 63, 0), zero));
}

TEST(f128_to_integer_rounds_to_nearest_even)
{
    /* nodeos calls f128_to_i32(f, round_near_even, false): 2.5 -> 2, 3.5 -> 4, 2.7 -> 3 */
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(2.5)), 2);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(3.5)), 4);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(2.7)), 3);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(-2.5)), -2);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(0.5)), 0);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(-0.4)), 0);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(2147483647.0)), 2147483647);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(2147483647.5)), INT32_MIN); /* overflow */
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(-2147483648.0)), INT32_MIN);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(f128_from_double(-2147483648.5)), INT32_MIN);
    ASSERT_EQ(cps_chain__f128_to_i32_rne(F(0x7FFF800000000000ull, 0)), INT32_MIN); /* NaN */
    ASSERT_EQ(cps_chain__f128_to_u32_rne(f128_from_double(4294967295.0)), UINT32_MAX);
    ASSERT_EQ(cps_chain__f128_to_u32_rne(f128_from_double(4294967296.0)), UINT32_MAX);
    ASSERT_EQ(cps_chain__f128_to_u32_rne(f128_from_double(-0.4)), 0);
    ASSERT_EQ(cps_chain__f128_to_u32_rne(f128_from_double(-0.6)), UINT32_MAX);
    ASSERT_EQ(cps_chain__f128_to_u32_rne(f128_from_double(1.5)), 2);
    ASSERT(cps_chain__f128_to_i64_rne(f128_from_double(-9.2233720368547758e18)) == INT64_MIN);
    ASSERT(cps_chain__f128_to_i64_rne(f128_from_double(9.2233720368547758e18)) == INT64_MIN);
    cps_chain_f128 odd_half =
        cps_chain__f128_add(cps_chain__f128_from_i64(4503599627370497), f128_from_double(0.5));
    ASSERT(cps_chain__f128_to_i64_rne(odd_half) == 4503599627370498);
    ASSERT(cps_chain__f128_to_u64_rne(f128_from_double(1.8446744073709552e19)) == UINT64_MAX);
    ASSERT(cps_chain__f128_to_u64_rne(f128_from_double(1.8446744073709550e19)) ==
           18446744073709549568ull);
}

TEST(f128_truncations_follow_compiler_rt)
{
    uint64_t lo, hi;
    cps_chain__f128_to_i128_trunc(f128_from_double(-2.9), &lo, &hi);
    ASSERT_U64_EQ(lo, (uint64_t)-2);
    ASSERT_U64_EQ(hi, ~0ull);
    cps_chain__f128_to_i128_trunc(F(0x7FFF000000000000ull, 0), &lo, &hi); /* +inf saturates */
    ASSERT_U64_EQ(hi, 0x7FFFFFFFFFFFFFFFull);
    ASSERT_U64_EQ(lo, ~0ull);
    cps_chain__f128_to_i128_trunc(F(0xFFFF800000000000ull, 0), &lo, &hi); /* -NaN: INT128_MIN */
    ASSERT_U64_EQ(hi, 0x8000000000000000ull);
    ASSERT_U64_EQ(lo, 0);
    /* 2^127 wraps to INT128_MIN, as the compiler-rt code nodeos links computes it */
    cps_chain__f128_to_i128_trunc(F((0x3FFFull + 127) << 48, 0), &lo, &hi);
    ASSERT_U64_EQ(hi, 0x8000000000000000ull);
    cps_chain__f128_to_u128_trunc(f128_from_double(-5.0), &lo, &hi);
    ASSERT(lo == 0 && hi == 0);
    cps_chain__f128_to_u128_trunc(F(0x7FFF800000000000ull, 0), &lo, &hi); /* +NaN: all ones */
    ASSERT(lo == ~0ull && hi == ~0ull);
    cps_chain__f128_to_u128_trunc(f128_from_double(1e30), &lo, &hi);
    u128 want = (u128)1e30;
    ASSERT(lo == (uint64_t)want && hi == (uint64_t)(want >> 64));
}

#ifdef __SIZEOF_FLOAT128__
typedef __float128 host_f128;
#define HAVE_HOST_F128 1
#elif LDBL_MANT_DIG == 113
typedef long double host_f128;
#define HAVE_HOST_F128 1
#endif

#ifdef HAVE_HOST_F128
static host_f128 H(cps_chain_f128 f)
{
    host_f128 h;
    memcpy(&h, &f, 16); /* little-endian: lo then hi */
    return h;
}
static cps_chain_f128 C(host_f128 h)
{
    cps_chain_f128 f;
    memcpy(&f, &h, 16);
    return f;
}

/* Arithmetic against the compiler's IEEE binary128 (NaN results compared as "is a NaN": NaN
 * payload rules are SoftFloat's and tested above). */
TEST(f128_arithmetic_matches_ieee_reference)
{
    int mismatches = 0;
    for (int i = 0; i < 400000 && mismatches < 5; i++) {
        cps_chain_f128 a = random_f128(), b = random_f128();
        if (i & 1) { /* close operands: cancellation and ties in add/sub */
            b = a;
            b.lo ^= rnd() & 0xFFFF;
            if (rnd() & 1) b.hi ^= 1ull << 63;
            if (rnd() & 1) b.hi += (rnd() % 3) << 48;
        }
        host_f128 x = H(a), y = H(b);
        cps_chain_f128 want[4] = {C(x + y), C(x - y), C(x * y), C(x / y)};
        cps_chain_f128 got[4] = {cps_chain__f128_add(a, b), cps_chain__f128_sub(a, b),
                                 cps_chain__f128_mul(a, b), cps_chain__f128_div(a, b)};
        for (int k = 0; k < 4; k++) {
            bool ok = cps_chain__f128_is_nan(want[k]) ? cps_chain__f128_is_nan(got[k])
                                                      : same(want[k], got[k]);
            if (!ok) {
                mismatches++;
                fprintf(stderr,
                        "    op %d: a=%016llx%016llx b=%016llx%016llx want %016llx%016llx got "
                        "%016llx%016llx\n",
                        k, (unsigned long long)a.hi, (unsigned long long)a.lo,
                        (unsigned long long)b.hi, (unsigned long long)b.lo,
                        (unsigned long long)want[k].hi, (unsigned long long)want[k].lo,
                        (unsigned long long)got[k].hi, (unsigned long long)got[k].lo);
            }
        }
        ASSERT_EQ(cps_chain__f128_lt(a, b), x < y);
        ASSERT_EQ(cps_chain__f128_eq(a, b), x == y);
    }
    ASSERT_EQ(mismatches, 0);
}

TEST(f128_conversions_match_ieee_reference)
{
    for (int i = 0; i < 200000; i++) {
        cps_chain_f128 a = random_f128();
        host_f128 x = H(a);
        if (!cps_chain__f128_is_nan(a)) {
            double d = (double)x;
            float f = (float)x;
            uint64_t db;
            uint32_t fb;
            memcpy(&db, &d, 8);
            memcpy(&fb, &f, 4);
            ASSERT_U64_EQ(cps_chain__f128_to_f64(a), db);
            ASSERT_EQ(cps_chain__f128_to_f32(a), fb);
            /* round to nearest even integer: truncate, then look at the exact remainder */
            if (x > -9.2e18 && x < 9.2e18) {
                int64_t t = (int64_t)x;
                host_f128 frac = x - (host_f128)t;
                if (frac > 0.5 || (frac == 0.5 && (t & 1))) t++;
                if (frac < -0.5 || (frac == -0.5 && (t & 1))) t--;
                ASSERT_EQ(cps_chain__f128_to_i64_rne(a), t);
                if (t >= INT32_MIN && t <= INT32_MAX)
                    ASSERT_EQ(cps_chain__f128_to_i32_rne(a), t);
                else
                    ASSERT_EQ(cps_chain__f128_to_i32_rne(a), INT32_MIN);
            }
            if (x > -1e36 && x < 1e36) {
                uint64_t lo, hi;
                cps_chain__f128_to_i128_trunc(a, &lo, &hi);
                u128 want = (u128)(i128)x;
                ASSERT(lo == (uint64_t)want && hi == (uint64_t)(want >> 64));
            }
        }
        /* widenings are exact */
        uint64_t d64 = rnd();
        uint32_t d32 = (uint32_t)rnd();
        double d;
        float f;
        memcpy(&d, &d64, 8);
        memcpy(&f, &d32, 4);
        if (!isnan(d)) ASSERT(same(cps_chain__f128_from_f64(d64), C((host_f128)d)));
        if (!isnan(f)) ASSERT(same(cps_chain__f128_from_f32(d32), C((host_f128)f)));
        int64_t n = (int64_t)rnd() >> (rnd() % 64);
        ASSERT(same(cps_chain__f128_from_i64(n), C((host_f128)n)));
        ASSERT(same(cps_chain__f128_from_u64((uint64_t)n), C((host_f128)(uint64_t)n)));
    }
}
#endif

#if LDBL_MANT_DIG == 64 && defined(HAVE_HOST_F128)
TEST(f128_to_ext80_matches_x87_conversion)
{
    for (int i = 0; i < 100000; i++) {
        cps_chain_f128 a = random_f128();
        if (cps_chain__f128_is_nan(a)) continue;
        long double l = (long double)H(a);
        uint8_t b[16] = {0};
        memcpy(b, &l, 10);
        uint16_t se;
        uint64_t sig;
        cps_chain__f128_to_ext80(a, &se, &sig);
        ASSERT_U64_EQ(sig, cps_load_u64(b));
        ASSERT_EQ(se, cps_load_u16(b + 8));
    }
}
#endif

/* ---- the host functions through the VM ------------------------------------------------------ */

static const cps_chain_intrinsic_group *const groups[] = {&cps_chain__host_compiler_rt, NULL};

static u128 mem128(harness *h, uint32_t at)
{
    uint8_t *m = harness_mem(h);
    return ((u128)cps_load_u64(m + at + 8) << 64) | cps_load_u64(m + at);
}

/* Calls a (ret, lo, hi, ...) function and returns the 128-bit result stored at 64. */
static int call_ret(harness *h, const char *name, cps_vm_value *args, size_t n, u128 *out)
{
    args[0] = HV_I32(64);
    int rc = harness_call(h, name, args, n, NULL);
    *out = mem128(h, 64);
    return rc;
}

TEST(int128_shifts)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    for (int i = 0; i < 2000; i++) {
        u128 v = ((u128)rnd() << 64) | rnd();
        uint32_t n = (uint32_t)(rnd() % 140);
        cps_vm_value args[4] = {HV_I32(0), HV_I64(v), HV_I64(v >> 64), HV_I32(n)};
        u128 r;
        ASSERT_OK(call_ret(&h, "__ashlti3", args, 4, &r));
        ASSERT(r == (n >= 128 ? 0 : v << n));
        ASSERT_OK(call_ret(&h, "__lshlti3", args, 4, &r));
        ASSERT(r == (n >= 128 ? 0 : v << n));
        ASSERT_OK(call_ret(&h, "__lshrti3", args, 4, &r));
        ASSERT(r == (n >= 128 ? 0 : v >> n));
        ASSERT_OK(call_ret(&h, "__ashrti3", args, 4, &r));
        ASSERT(r == (u128)((i128)v >> (n & 127)));
    }
    harness_close(&h);
}

TEST(int128_multiply_divide)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    for (int i = 0; i < 2000; i++) {
        u128 x = ((u128)rnd() << 64) | rnd(), y = ((u128)rnd() << 64) | rnd();
        if (i % 3 == 0) y >>= rnd() % 127;
        if (i % 5 == 0) x >>= rnd() % 127;
        if (y == 0) y = 7;
        cps_vm_value args[5] = {HV_I32(0), HV_I64(x), HV_I64(x >> 64), HV_I64(y), HV_I64(y >> 64)};
        u128 r;
        ASSERT_OK(call_ret(&h, "__multi3", args, 5, &r));
        ASSERT(r == x * y);
        ASSERT_OK(call_ret(&h, "__udivti3", args, 5, &r));
        ASSERT(r == x / y);
        ASSERT_OK(call_ret(&h, "__umodti3", args, 5, &r));
        ASSERT(r == x % y);
        if (!(x == (u128)1 << 127 && y == ~(u128)0)) {
            ASSERT_OK(call_ret(&h, "__divti3", args, 5, &r));
            ASSERT(r == (u128)((i128)x / (i128)y));
            ASSERT_OK(call_ret(&h, "__modti3", args, 5, &r));
            ASSERT(r == (u128)((i128)x % (i128)y));
        }
    }
    /* INT128_MIN / -1 wraps (no host crash), remainder 0 */
    u128 min = (u128)1 << 127;
    cps_vm_value args[5] = {HV_I32(0), HV_I64(0), HV_I64(min >> 64), HV_I64(~0ull), HV_I64(~0ull)};
    u128 r;
    ASSERT_OK(call_ret(&h, "__divti3", args, 5, &r));
    ASSERT(r == min);
    ASSERT_OK(call_ret(&h, "__modti3", args, 5, &r));
    ASSERT(r == 0);
    harness_close(&h);
}

TEST(int128_division_by_zero_traps)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    const char *names[] = {"__divti3", "__udivti3", "__modti3", "__umodti3"};
    for (int i = 0; i < 4; i++) {
        cps_vm_value args[5] = {HV_I32(64), HV_I64(5), HV_I64(0), HV_I64(0), HV_I64(0)};
        ASSERT_EQ(harness_call(&h, names[i], args, 5, NULL), CPS_ERR_TRAP);
        ASSERT_CONTAINS(cps_last_error(), "divide by zero");
    }
    harness_close(&h);
}

TEST(results_to_bad_pointers_trap)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    /* memory is 2 pages: a 16-byte result at 131072 - 8 does not fit */
    cps_vm_value args[5] = {HV_I32(131072 - 8), HV_I64(1), HV_I64(0), HV_I64(1), HV_I64(0)};
    ASSERT_EQ(harness_call(&h, "__multi3", args, 5, NULL), CPS_ERR_TRAP);
    ASSERT_CONTAINS(cps_last_error(), "out of bounds");
    ASSERT_EQ(harness_call(&h, "__addtf3", args, 5, NULL), CPS_ERR_TRAP);
    cps_vm_value sh[4] = {HV_I32(0xFFFFFFF8u), HV_I64(1), HV_I64(0), HV_I32(3)}; /* wraps 4 GiB */
    ASSERT_EQ(harness_call(&h, "__ashlti3", sh, 4, NULL), CPS_ERR_TRAP);
    cps_vm_value f[2] = {HV_I32(131072 - 15), hv_f64(0x3FF0000000000000ull)};
    ASSERT_EQ(harness_call(&h, "__extenddftf2", f, 2, NULL), CPS_ERR_TRAP);
    harness_close(&h);
}

TEST(float128_host_functions)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_chain_f128 one = f128_from_double(1.0), three = f128_from_double(3.0);
    cps_vm_value args[5] = {HV_I32(0), HV_I64(one.lo), HV_I64(one.hi), HV_I64(three.lo),
                            HV_I64(three.hi)};
    u128 r;
    ASSERT_OK(call_ret(&h, "__addtf3", args, 5, &r));
    ASSERT(r == ((u128)0x4001000000000000ull << 64)); /* 4 */
    ASSERT_OK(call_ret(&h, "__subtf3", args, 5, &r));
    ASSERT(r == ((u128)0xC000000000000000ull << 64)); /* -2 */
    ASSERT_OK(call_ret(&h, "__multf3", args, 5, &r));
    ASSERT(r == ((u128)0x4000800000000000ull << 64)); /* 3 */
    ASSERT_OK(call_ret(&h, "__divtf3", args, 5, &r));
    ASSERT(r == (((u128)0x3FFD555555555555ull << 64) | 0x5555555555555555ull));
    cps_vm_value neg[3] = {HV_I32(0), HV_I64(three.lo), HV_I64(three.hi)};
    ASSERT_OK(call_ret(&h, "__negtf2", neg, 3, &r));
    ASSERT(r == ((u128)0xC000800000000000ull << 64));

    cps_vm_value ext[2] = {HV_I32(0), hv_f32(0x40400000u)}; /* 3.0f */
    ASSERT_OK(call_ret(&h, "__extendsftf2", ext, 2, &r));
    ASSERT(r == ((u128)three.hi << 64));
    ext[1] = hv_f64(0x4008000000000000ull);
    ASSERT_OK(call_ret(&h, "__extenddftf2", ext, 2, &r));
    ASSERT(r == ((u128)three.hi << 64));

    cps_chain_f128 x = f128_from_double(-2.5);
    cps_vm_value two[2] = {HV_I64(x.lo), HV_I64(x.hi)};
    cps_vm_value res;
    ASSERT_OK(harness_call(&h, "__trunctfdf2", two, 2, &res));
    ASSERT_U64_EQ(res.v.i64, 0xC004000000000000ull);
    ASSERT_OK(harness_call(&h, "__trunctfsf2", two, 2, &res));
    ASSERT_EQ(res.v.i32, 0xC0200000u);
    ASSERT_OK(harness_call(&h, "__fixtfsi", two, 2, &res));
    ASSERT_EQ((int32_t)res.v.i32, -2); /* nearest even, not truncation toward zero... */
    x = f128_from_double(-2.7);
    two[0] = HV_I64(x.lo);
    two[1] = HV_I64(x.hi);
    ASSERT_OK(harness_call(&h, "__fixtfdi", two, 2, &res));
    ASSERT_EQ((int64_t)res.v.i64, -3); /* ...which rounds -2.7 to -3 */
    ASSERT_OK(harness_call(&h, "__fixunstfsi", two, 2, &res));
    ASSERT_EQ(res.v.i32, UINT32_MAX);
    ASSERT_OK(harness_call(&h, "__fixunstfdi", two, 2, &res));
    ASSERT_U64_EQ(res.v.i64, UINT64_MAX);
    cps_vm_value ti[3] = {HV_I32(0), HV_I64(x.lo), HV_I64(x.hi)};
    ASSERT_OK(call_ret(&h, "__fixtfti", ti, 3, &r));
    ASSERT(r == (u128)(i128)-2); /* truncation: compiler-rt, not SoftFloat */
    ASSERT_OK(call_ret(&h, "__fixunstfti", ti, 3, &r));
    ASSERT(r == 0);

    cps_vm_value fx[2] = {HV_I32(0), hv_f32(0xC0300000u)}; /* -2.75f */
    ASSERT_OK(call_ret(&h, "__fixsfti", fx, 2, &r));
    ASSERT(r == (u128)(i128)-2);
    ASSERT_OK(call_ret(&h, "__fixunssfti", fx, 2, &r));
    ASSERT(r == 0);
    fx[1] = hv_f64(0x46293E5939A08CEAull); /* 1e30 */
    ASSERT_OK(call_ret(&h, "__fixdfti", fx, 2, &r));
    ASSERT(r == (u128)(i128)1e30);
    ASSERT_OK(call_ret(&h, "__fixunsdfti", fx, 2, &r));
    ASSERT(r == (u128)1e30);
    fx[1] = hv_f64(0x7FF8000000000000ull); /* NaN saturates by sign */
    ASSERT_OK(call_ret(&h, "__fixdfti", fx, 2, &r));
    ASSERT(r == ~((u128)1 << 127));

    cps_vm_value si[1] = {HV_I32(-7)};
    ASSERT_OK(harness_call(&h, "__floatsidf", si, 1, &res));
    ASSERT_U64_EQ(res.v.i64, 0xC01C000000000000ull);
    cps_vm_value it[2] = {HV_I32(0), HV_I32(-7)};
    ASSERT_OK(call_ret(&h, "__floatsitf", it, 2, &r));
    ASSERT(r == ((u128)0xC001C00000000000ull << 64));
    ASSERT_OK(call_ret(&h, "__floatunsitf", it, 2, &r)); /* 4294967289 */
    ASSERT(r == ((u128)cps_chain__f128_from_u64(4294967289u).hi << 64));
    it[1] = HV_I64(-7);
    ASSERT_OK(call_ret(&h, "__floatditf", it, 2, &r));
    ASSERT(r == ((u128)0xC001C00000000000ull << 64));
    ASSERT_OK(call_ret(&h, "__floatunditf", it, 2, &r)); /* 2^64 - 7 */
    cps_chain_f128 want = cps_chain__f128_from_u64(UINT64_MAX - 6);
    ASSERT(r == (((u128)want.hi << 64) | want.lo));
    harness_close(&h);
}

TEST(int128_to_double_rounds_to_nearest_even)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    for (int i = 0; i < 3000; i++) {
        u128 v = ((u128)rnd() << 64) | rnd();
        v >>= rnd() % 128;
        if (i % 7 == 0) v |= (u128)1 << 100 | 1; /* a tie broken by a low bit */
        cps_vm_value args[2] = {HV_I64(v), HV_I64(v >> 64)}, res;
        ASSERT_OK(harness_call(&h, "__floatuntidf", args, 2, &res));
        double d = (double)v;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        ASSERT_U64_EQ(res.v.i64, bits);
        ASSERT_OK(harness_call(&h, "__floattidf", args, 2, &res));
        d = (double)(i128)v;
        memcpy(&bits, &d, 8);
        ASSERT_U64_EQ(res.v.i64, bits);
    }
    /* exact ties: 2^53 + 1 rounds down to even, 2^53 + 3 up */
    u128 t = ((u128)1 << 53) + 1;
    cps_vm_value args[2] = {HV_I64(t), HV_I64(0)}, res;
    ASSERT_OK(harness_call(&h, "__floatuntidf", args, 2, &res));
    ASSERT_U64_EQ(res.v.i64, 0x4340000000000000ull);
    args[0] = HV_I64(t + 2);
    ASSERT_OK(harness_call(&h, "__floatuntidf", args, 2, &res));
    ASSERT_U64_EQ(res.v.i64, 0x4340000000000002ull);
    harness_close(&h);
}

TEST(float128_comparisons_and_nan_quirks)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_chain_f128 one = f128_from_double(1.0), two = f128_from_double(2.0);
    cps_chain_f128 nan = F(0x7FFF800000000000ull, 0);
    struct {
        const char *name;
        int lt, eq, gt, unordered;
    } cases[] = {
        {"__eqtf2", -1, 0, 1, 1},  {"__netf2", -1, 0, 1, 1}, {"__getf2", -1, 0, 1, -1},
        {"__gttf2", -1, 0, 1, 0},  {"__letf2", -1, 0, 1, 1}, {"__lttf2", -1, 0, 1, 0},
        {"__cmptf2", -1, 0, 1, 1},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        cps_vm_value res;
        cps_vm_value a1[4] = {HV_I64(one.lo), HV_I64(one.hi), HV_I64(two.lo), HV_I64(two.hi)};
        ASSERT_OK(harness_call(&h, cases[i].name, a1, 4, &res));
        ASSERT_EQ((int32_t)res.v.i32, cases[i].lt);
        cps_vm_value a2[4] = {HV_I64(two.lo), HV_I64(two.hi), HV_I64(two.lo), HV_I64(two.hi)};
        ASSERT_OK(harness_call(&h, cases[i].name, a2, 4, &res));
        ASSERT_EQ((int32_t)res.v.i32, cases[i].eq);
        cps_vm_value a3[4] = {HV_I64(two.lo), HV_I64(two.hi), HV_I64(one.lo), HV_I64(one.hi)};
        ASSERT_OK(harness_call(&h, cases[i].name, a3, 4, &res));
        ASSERT_EQ((int32_t)res.v.i32, cases[i].gt);
        cps_vm_value a4[4] = {HV_I64(nan.lo), HV_I64(nan.hi), HV_I64(one.lo), HV_I64(one.hi)};
        ASSERT_OK(harness_call(&h, cases[i].name, a4, 4, &res));
        ASSERT_EQ((int32_t)res.v.i32, cases[i].unordered);
    }
    cps_vm_value res;
    cps_vm_value u[4] = {HV_I64(one.lo), HV_I64(one.hi), HV_I64(nan.lo), HV_I64(nan.hi)};
    ASSERT_OK(harness_call(&h, "__unordtf2", u, 4, &res));
    ASSERT_EQ(res.v.i32, 1);
    cps_vm_value o[4] = {HV_I64(one.lo), HV_I64(one.hi), HV_I64(two.lo), HV_I64(two.hi)};
    ASSERT_OK(harness_call(&h, "__unordtf2", o, 4, &res));
    ASSERT_EQ(res.v.i32, 0);
    harness_close(&h);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
