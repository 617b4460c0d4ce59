/* host_compiler_rt: the compiler builtins nodeos provides to contracts (compiler_builtins.cpp) —
 * 128-bit integer shifts, multiplication and division, and IEEE binary128 ("long double")
 * arithmetic, conversions and comparisons through CPS's own soft-float (host_float128.c).
 *
 * All are callable in context-free actions. Results that do not fit a wasm value are written to
 * the contract's memory at the `ret` pointer (16 bytes, little-endian), bounds-checked: a bad
 * pointer traps. Semantics are nodeos's, quirks included: __fixtfsi & co. round to nearest even
 * (SoftFloat called with round_near_even), __gttf2/__lttf2 return 0 for NaN operands, shifts of
 * 128 or more give 0 (fc::uint128), division by zero fails the transaction ("divide by zero"). */
#include "chain/host_float128.h"
#include "chain/host_groups.h"

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user

typedef unsigned __int128 u128;
typedef __int128 i128;

static u128 u128_of(uint64_t lo, uint64_t hi)
{
    return ((u128)hi << 64) | lo;
}

/* Stores a 128-bit result at the contract's `ret` pointer. */
static int store128(cps_vm_ctx *vm, uint32_t ret, u128 v)
{
    uint8_t b[16];
    cps_store_u64(b, (uint64_t)v);
    cps_store_u64(b + 8, (uint64_t)(v >> 64));
    return cps_vm_mem_write(vm, ret, b, 16);
}

static int store_f128(cps_vm_ctx *vm, uint32_t ret, cps_chain_f128 f)
{
    return store128(vm, ret, u128_of(f.lo, f.hi));
}

static cps_chain_f128 f128_of(uint64_t lo, uint64_t hi)
{
    cps_chain_f128 f = {lo, hi};
    return f;
}

/* ---- 128-bit integers ------------------------------------------------------------------- */

HOST(__ashlti3)
{
    UNUSED;
    uint32_t n = a[3].i32;
    u128 v = u128_of(a[1].i64, a[2].i64);
    return store128(vm, a[0].i32, n >= 128 ? 0 : v << n);
}
HOST(__lshlti3)
{
    UNUSED;
    uint32_t n = a[3].i32;
    u128 v = u128_of(a[1].i64, a[2].i64);
    return store128(vm, a[0].i32, n >= 128 ? 0 : v << n);
}
HOST(__lshrti3)
{
    UNUSED;
    uint32_t n = a[3].i32;
    u128 v = u128_of(a[1].i64, a[2].i64);
    return store128(vm, a[0].i32, n >= 128 ? 0 : v >> n);
}
HOST(__ashrti3)
{
    UNUSED;
    /* nodeos shifts a native __int128: x86-64 code uses the count modulo 128. An arithmetic
     * right shift is written without relying on C's implementation-defined signed shift. */
    uint32_t n = a[3].i32 & 127;
    u128 v = u128_of(a[1].i64, a[2].i64);
    u128 r = v >> n;
    if (n && (v >> 127)) r |= ~(u128)0 << (128 - n);
    return store128(vm, a[0].i32, r);
}

static int div_by_zero(cps_vm_ctx *vm)
{
    return cps_vm_trap(vm, "divide by zero");
}

/* Signed division and remainder as the C runtime nodeos links computes them: truncation toward
 * zero, and INT128_MIN / -1 wrapping to INT128_MIN (remainder 0) instead of overflowing. */
static void sdivmod(u128 x, u128 y, u128 *q, u128 *r)
{
    bool nx = (x >> 127) != 0, ny = (y >> 127) != 0;
    u128 ax = nx ? 0 - x : x, ay = ny ? 0 - y : y;
    u128 uq = ax / ay, ur = ax % ay;
    *q = (nx != ny) ? 0 - uq : uq;
    *r = nx ? 0 - ur : ur;
}

HOST(__divti3)
{
    UNUSED;
    u128 x = u128_of(a[1].i64, a[2].i64), y = u128_of(a[3].i64, a[4].i64), q, r;
    if (y == 0) return div_by_zero(vm);
    sdivmod(x, y, &q, &r);
    return store128(vm, a[0].i32, q);
}
HOST(__modti3)
{
    UNUSED;
    u128 x = u128_of(a[1].i64, a[2].i64), y = u128_of(a[3].i64, a[4].i64), q, r;
    if (y == 0) return div_by_zero(vm);
    sdivmod(x, y, &q, &r);
    return store128(vm, a[0].i32, r);
}
HOST(__udivti3)
{
    UNUSED;
    u128 x = u128_of(a[1].i64, a[2].i64), y = u128_of(a[3].i64, a[4].i64);
    if (y == 0) return div_by_zero(vm);
    return store128(vm, a[0].i32, x / y);
}
HOST(__umodti3)
{
    UNUSED;
    u128 x = u128_of(a[1].i64, a[2].i64), y = u128_of(a[3].i64, a[4].i64);
    if (y == 0) return div_by_zero(vm);
    return store128(vm, a[0].i32, x % y);
}
HOST(__multi3)
{
    UNUSED;
    /* two's-complement product modulo 2^128: the same bits signed or unsigned */
    u128 x = u128_of(a[1].i64, a[2].i64), y = u128_of(a[3].i64, a[4].i64);
    return store128(vm, a[0].i32, x * y);
}

/* ---- binary128 arithmetic ---------------------------------------------------------------- */

#define F128_BINARY(name, op)                                                                      \
    HOST(name)                                                                                     \
    {                                                                                              \
        UNUSED;                                                                                    \
        cps_chain_f128 x = f128_of(a[1].i64, a[2].i64), y = f128_of(a[3].i64, a[4].i64);           \
        return store_f128(vm, a[0].i32, op(x, y));                                                 \
    }
F128_BINARY(__addtf3, cps_chain__f128_add)
F128_BINARY(__subtf3, cps_chain__f128_sub)
F128_BINARY(__multf3, cps_chain__f128_mul)
F128_BINARY(__divtf3, cps_chain__f128_div)

HOST(__negtf2)
{
    UNUSED;
    return store_f128(vm, a[0].i32, f128_of(a[1].i64, a[2].i64 ^ (1ull << 63)));
}

/* ---- conversions ------------------------------------------------------------------------- */

HOST(__extendsftf2)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_f32(a[1].i32));
}
HOST(__extenddftf2)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_f64(a[1].i64));
}
HOST(__trunctfdf2)
{
    UNUSED;
    (void)vm;
    a[0].i64 = cps_chain__f128_to_f64(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__trunctfsf2)
{
    UNUSED;
    (void)vm;
    a[0].i64 = cps_chain__f128_to_f32(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__fixtfsi)
{
    UNUSED;
    (void)vm;
    a[0].i64 = (uint32_t)cps_chain__f128_to_i32_rne(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__fixtfdi)
{
    UNUSED;
    (void)vm;
    a[0].i64 = (uint64_t)cps_chain__f128_to_i64_rne(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__fixunstfsi)
{
    UNUSED;
    (void)vm;
    a[0].i64 = cps_chain__f128_to_u32_rne(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__fixunstfdi)
{
    UNUSED;
    (void)vm;
    a[0].i64 = cps_chain__f128_to_u64_rne(f128_of(a[0].i64, a[1].i64));
    return 0;
}
HOST(__fixtfti)
{
    UNUSED;
    uint64_t lo, hi;
    cps_chain__f128_to_i128_trunc(f128_of(a[1].i64, a[2].i64), &lo, &hi);
    return store128(vm, a[0].i32, u128_of(lo, hi));
}
HOST(__fixunstfti)
{
    UNUSED;
    uint64_t lo, hi;
    cps_chain__f128_to_u128_trunc(f128_of(a[1].i64, a[2].i64), &lo, &hi);
    return store128(vm, a[0].i32, u128_of(lo, hi));
}

/* compiler-rt's fixint for binary32/binary64 sources, as nodeos builds it (libraries/builtins):
 * truncation, 0 below 1, saturation from an exponent of 128 up (NaNs and infinities included),
 * wrapping at exponent 127. `mant_bits` is the fraction width, `bias` the exponent bias. */
static u128 fix_to_128(uint64_t bits, unsigned mant_bits, unsigned exp_bits, bool is_signed)
{
    unsigned sign = (unsigned)(bits >> (mant_bits + exp_bits)) & 1;
    int bias = (1 << (exp_bits - 1)) - 1;
    int k = (int)((bits >> mant_bits) & ((1u << exp_bits) - 1)) - bias;
    u128 m = (bits & ((1ull << mant_bits) - 1)) | (1ull << mant_bits);
    if (!is_signed && sign) return 0;
    if (k < 0) return 0;
    if (k >= 128) {
        if (!is_signed) return ~(u128)0;
        return sign ? (u128)1 << 127 : ~((u128)1 << 127);
    }
    u128 r = k < (int)mant_bits ? m >> (mant_bits - (unsigned)k) : m << ((unsigned)k - mant_bits);
    return sign ? 0 - r : r;
}

HOST(__fixsfti)
{
    UNUSED;
    return store128(vm, a[0].i32, fix_to_128(a[1].i32, 23, 8, true));
}
HOST(__fixdfti)
{
    UNUSED;
    return store128(vm, a[0].i32, fix_to_128(a[1].i64, 52, 11, true));
}
HOST(__fixunssfti)
{
    UNUSED;
    return store128(vm, a[0].i32, fix_to_128(a[1].i32, 23, 8, false));
}
HOST(__fixunsdfti)
{
    UNUSED;
    return store128(vm, a[0].i32, fix_to_128(a[1].i64, 52, 11, false));
}

/* An integer magnitude to binary64, rounded to nearest even (compiler-rt __floattidf). */
static uint64_t u128_to_f64(u128 m, unsigned sign)
{
    if (m == 0) return 0;
    unsigned top = 127;
    while (!(m >> top))
        top--;
    uint64_t kept;
    if (top <= 52) {
        kept = (uint64_t)(m << (52 - top));
    } else {
        unsigned shift = top - 52;
        u128 rest = m & ((((u128)1) << shift) - 1), half = ((u128)1) << (shift - 1);
        kept = (uint64_t)(m >> shift);
        if (rest > half || (rest == half && (kept & 1))) kept++; /* may carry to 2^53 */
    }
    /* adding the hidden bit to (exponent - 1) lets a rounding carry bump the exponent */
    return (uint64_t)sign << 63 | (((uint64_t)(top + 1023 - 1) << 52) + kept);
}

HOST(__floatsidf)
{
    UNUSED;
    (void)vm;
    int32_t v = (int32_t)a[0].i32;
    uint64_t m = v < 0 ? 0 - (uint64_t)(int64_t)v : (uint64_t)v;
    a[0].i64 = u128_to_f64(m, v < 0);
    return 0;
}
HOST(__floattidf)
{
    UNUSED;
    (void)vm;
    u128 v = u128_of(a[0].i64, a[1].i64);
    unsigned neg = (unsigned)(v >> 127);
    a[0].i64 = u128_to_f64(neg ? 0 - v : v, neg);
    return 0;
}
HOST(__floatuntidf)
{
    UNUSED;
    (void)vm;
    a[0].i64 = u128_to_f64(u128_of(a[0].i64, a[1].i64), 0);
    return 0;
}
HOST(__floatsitf)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_i64((int32_t)a[1].i32));
}
HOST(__floatditf)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_i64((int64_t)a[1].i64));
}
HOST(__floatunsitf)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_u64(a[1].i32));
}
HOST(__floatunditf)
{
    UNUSED;
    return store_f128(vm, a[0].i32, cps_chain__f128_from_u64(a[1].i64));
}

/* ---- comparisons --------------------------------------------------------------------------- */

/* nodeos's cmptf2_impl: -1, 0 or 1, or `if_nan` when either operand is a NaN. */
static int32_t cmp_tf(const cps_vm_slot *a, int32_t if_nan)
{
    cps_chain_f128 x = f128_of(a[0].i64, a[1].i64), y = f128_of(a[2].i64, a[3].i64);
    if (cps_chain__f128_is_nan(x) || cps_chain__f128_is_nan(y)) return if_nan;
    if (cps_chain__f128_lt(x, y)) return -1;
    if (cps_chain__f128_eq(x, y)) return 0;
    return 1;
}

#define F128_CMP(name, if_nan)                                                                     \
    HOST(name)                                                                                     \
    {                                                                                              \
        UNUSED;                                                                                    \
        (void)vm;                                                                                  \
        a[0].i64 = (uint32_t)cmp_tf(a, if_nan);                                                    \
        return 0;                                                                                  \
    }
F128_CMP(__eqtf2, 1)
F128_CMP(__netf2, 1)
F128_CMP(__getf2, -1)
F128_CMP(__gttf2, 0)
F128_CMP(__letf2, 1)
F128_CMP(__lttf2, 0)
F128_CMP(__cmptf2, 1)

HOST(__unordtf2)
{
    UNUSED;
    (void)vm;
    cps_chain_f128 x = f128_of(a[0].i64, a[1].i64), y = f128_of(a[2].i64, a[3].i64);
    a[0].i64 = cps_chain__f128_is_nan(x) || cps_chain__f128_is_nan(y);
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func compiler_rt_funcs[] = {
    F(__ashlti3, "(iIIi)"),   F(__ashrti3, "(iIIi)"),    F(__lshlti3, "(iIIi)"),
    F(__lshrti3, "(iIIi)"),   F(__divti3, "(iIIII)"),    F(__udivti3, "(iIIII)"),
    F(__modti3, "(iIIII)"),   F(__umodti3, "(iIIII)"),   F(__multi3, "(iIIII)"),
    F(__addtf3, "(iIIII)"),   F(__subtf3, "(iIIII)"),    F(__multf3, "(iIIII)"),
    F(__divtf3, "(iIIII)"),   F(__negtf2, "(iII)"),      F(__extendsftf2, "(if)"),
    F(__extenddftf2, "(iF)"), F(__trunctfdf2, "(II)F"),  F(__trunctfsf2, "(II)f"),
    F(__fixtfsi, "(II)i"),    F(__fixtfdi, "(II)I"),     F(__fixtfti, "(iII)"),
    F(__fixunstfsi, "(II)i"), F(__fixunstfdi, "(II)I"),  F(__fixunstfti, "(iII)"),
    F(__fixsfti, "(if)"),     F(__fixdfti, "(iF)"),      F(__fixunssfti, "(if)"),
    F(__fixunsdfti, "(iF)"),  F(__floatsidf, "(i)F"),    F(__floatsitf, "(ii)"),
    F(__floatditf, "(iI)"),   F(__floatunsitf, "(ii)"),  F(__floatunditf, "(iI)"),
    F(__floattidf, "(II)F"),  F(__floatuntidf, "(II)F"), F(__cmptf2, "(IIII)i"),
    F(__eqtf2, "(IIII)i"),    F(__netf2, "(IIII)i"),     F(__getf2, "(IIII)i"),
    F(__gttf2, "(IIII)i"),    F(__letf2, "(IIII)i"),     F(__lttf2, "(IIII)i"),
    F(__unordtf2, "(IIII)i"),
};
const cps_chain_intrinsic_group cps_chain__host_compiler_rt = {"compiler_rt", compiler_rt_funcs,
                                                               CPS_ARRAY_LEN(compiler_rt_funcs)};
