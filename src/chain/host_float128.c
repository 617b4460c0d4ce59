/* host_float128: CPS's own binary128 soft-float (host_float128.h), written to give the results
 * SoftFloat 3 gives nodeos, bit for bit, using only integer arithmetic on 128-bit words.
 *
 * Internal representation of a finite non-zero operand: a sign, a biased exponent `exp` that may
 * drop below 1 for subnormals, and an integer significand `sig` whose leading 1 sits at bit 112
 * (the hidden bit). Results are computed exactly or with a sticky ("jam") bit and carried with
 * GUARD extra low bits into one rounding routine, so each operation rounds once, to nearest even,
 * exactly as IEEE 754 requires. */
#include "chain/host_float128.h"

typedef unsigned __int128 u128;

#define BIAS 16383
#define EXP_INF 0x7FFF
#define FRAC_BITS 112
#define GUARD 10                /* extra low bits carried into rounding */
#define TOP (FRAC_BITS + GUARD) /* position of the hidden bit while rounding */
#define FRAC_MASK ((((u128)1) << FRAC_BITS) - 1)
#define QUIET_BIT (((u128)1) << (FRAC_BITS - 1))
#define SIGN_BIT (((u128)1) << 127)
/* SoftFloat 8086-SSE default NaN (invalid operations): sign set, quiet, zero payload. */
#define DEFAULT_NAN ((((u128)0xFFFF800000000000ull) << 64))

static u128 bits_of(cps_chain_f128 a)
{
    return ((u128)a.hi << 64) | a.lo;
}

static cps_chain_f128 from_bits(u128 v)
{
    cps_chain_f128 r = {(uint64_t)v, (uint64_t)(v >> 64)};
    return r;
}

static unsigned exp_field(u128 v)
{
    return (unsigned)(v >> FRAC_BITS) & EXP_INF;
}

static bool nan_bits(u128 v)
{
    return exp_field(v) == EXP_INF && (v & FRAC_MASK) != 0;
}

static bool inf_bits(u128 v)
{
    return exp_field(v) == EXP_INF && (v & FRAC_MASK) == 0;
}

static bool zero_bits(u128 v)
{
    return (v & ~SIGN_BIT) == 0;
}

static unsigned clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    if (hi) return (unsigned)__builtin_clzll(hi);
    if (lo) return 64 + (unsigned)__builtin_clzll(lo);
    return 128;
}

/* Shifts right by n, OR-ing every bit shifted out into bit 0 (so "inexact" survives). */
static u128 shr_jam(u128 v, uint64_t n)
{
    if (n == 0) return v;
    if (n >= 128) return v != 0;
    return (v >> n) | ((v << (128 - n)) != 0);
}

static uint64_t shr_jam64(uint64_t v, uint64_t n)
{
    if (n == 0) return v;
    if (n >= 64) return v != 0;
    return (v >> n) | ((v << (64 - n)) != 0);
}

/* A finite non-zero value as (exp, sig) with the hidden bit of sig at FRAC_BITS; subnormals are
 * normalized (their exp then drops below 1). */
static void unpack(u128 v, int32_t *exp, u128 *sig)
{
    unsigned e = exp_field(v);
    u128 frac = v & FRAC_MASK;
    if (e == 0) {
        unsigned shift = clz128(frac) - (127 - FRAC_BITS);
        *sig = frac << shift;
        *exp = 1 - (int32_t)shift;
    } else {
        *sig = frac | ((u128)1 << FRAC_BITS);
        *exp = (int32_t)e;
    }
}

static u128 inf_of(unsigned sign)
{
    return ((u128)sign << 127) | ((u128)EXP_INF << FRAC_BITS);
}

/* SoftFloat's propagateNaNF128UI: the first NaN operand, made quiet. */
static u128 propagate_nan(u128 a, u128 b)
{
    return (nan_bits(a) ? a : b) | QUIET_BIT;
}

/* Rounds sig (hidden bit at TOP, or below it only for results that are subnormal) to nearest
 * even and packs it with exp; handles overflow to infinity and gradual underflow. */
static u128 round_pack(unsigned sign, int64_t exp, u128 sig)
{
    if (exp >= EXP_INF) return inf_of(sign);
    if (exp < 1) {
        sig = shr_jam(sig, (uint64_t)(1 - exp));
        exp = 1;
    }
    const u128 half = (u128)1 << (GUARD - 1);
    u128 rest = sig & (((u128)1 << GUARD) - 1);
    sig >>= GUARD;
    if (rest > half || (rest == half && (sig & 1))) sig++;
    /* Adding the significand (hidden bit included) to (exp - 1) lets a rounding carry or a
     * subnormal becoming normal move into the exponent field by itself. */
    u128 v = ((u128)(uint64_t)(exp - 1) << FRAC_BITS) + sig;
    if (exp_field(v) == EXP_INF || (v >> 127)) return inf_of(sign);
    return v | ((u128)sign << 127);
}

/* Brings the leading 1 of a non-zero sig to TOP (jamming what a right shift drops), then rounds. */
static u128 norm_round_pack(unsigned sign, int64_t exp, u128 sig)
{
    unsigned top = 127 - clz128(sig);
    if (top > TOP) {
        sig = shr_jam(sig, top - TOP);
        exp += top - TOP;
    } else if (top < TOP) {
        sig <<= TOP - top;
        exp -= TOP - top;
    }
    return round_pack(sign, exp, sig);
}

/* ---- arithmetic -------------------------------------------------------------------------- */

static u128 add_sub(u128 a, u128 b, unsigned negate_b)
{
    if (nan_bits(a) || nan_bits(b)) return propagate_nan(a, b);
    unsigned sa = (unsigned)(a >> 127), sb = (unsigned)(b >> 127) ^ negate_b;
    if (inf_bits(a)) {
        if (inf_bits(b) && sa != sb) return DEFAULT_NAN; /* inf - inf */
        return a;
    }
    if (inf_bits(b)) return inf_of(sb);
    if (zero_bits(a) && zero_bits(b)) return (u128)(sa & sb) << 127; /* -0 only for -0 + -0 */
    if (zero_bits(a)) return (b & ~SIGN_BIT) | ((u128)sb << 127);
    if (zero_bits(b)) return a;
    int32_t ea, eb;
    u128 ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    ma <<= GUARD;
    mb <<= GUARD;
    if (ea < eb || (ea == eb && ma < mb)) {
        int32_t te = ea;
        ea = eb;
        eb = te;
        u128 tm = ma;
        ma = mb;
        mb = tm;
        unsigned ts = sa;
        sa = sb;
        sb = ts;
    }
    mb = shr_jam(mb, (uint64_t)(ea - eb));
    if (sa == sb) return norm_round_pack(sa, ea, ma + mb);
    u128 diff = ma - mb;
    if (diff == 0) return 0; /* x - x is +0 when rounding to nearest */
    return norm_round_pack(sa, ea, diff);
}

cps_chain_f128 cps_chain__f128_add(cps_chain_f128 a, cps_chain_f128 b)
{
    return from_bits(add_sub(bits_of(a), bits_of(b), 0));
}

cps_chain_f128 cps_chain__f128_sub(cps_chain_f128 a, cps_chain_f128 b)
{
    return from_bits(add_sub(bits_of(a), bits_of(b), 1));
}

cps_chain_f128 cps_chain__f128_mul(cps_chain_f128 fa, cps_chain_f128 fb)
{
    u128 a = bits_of(fa), b = bits_of(fb);
    if (nan_bits(a) || nan_bits(b)) return from_bits(propagate_nan(a, b));
    unsigned sign = (unsigned)((a ^ b) >> 127);
    if (inf_bits(a) || inf_bits(b)) {
        if (zero_bits(a) || zero_bits(b)) return from_bits(DEFAULT_NAN); /* 0 * inf */
        return from_bits(inf_of(sign));
    }
    if (zero_bits(a) || zero_bits(b)) return from_bits((u128)sign << 127);
    int32_t ea, eb;
    u128 ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    /* 226-bit product from 64-bit limbs: high:low = ma * mb. */
    uint64_t a0 = (uint64_t)ma, a1 = (uint64_t)(ma >> 64);
    uint64_t b0 = (uint64_t)mb, b1 = (uint64_t)(mb >> 64);
    u128 p00 = (u128)a0 * b0, mid = (u128)a0 * b1 + (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 low = p00 + (mid << 64);
    u128 high = p11 + (mid >> 64) + (low < p00);
    /* Keep the top bits (leading 1 at TOP or TOP + 1) and jam the rest. */
    const unsigned drop = 2 * FRAC_BITS - TOP; /* 102 */
    u128 sig = (high << (128 - drop)) | (low >> drop) | ((low & ((((u128)1) << drop) - 1)) != 0);
    return from_bits(norm_round_pack(sign, (int64_t)ea + eb - BIAS, sig));
}

cps_chain_f128 cps_chain__f128_div(cps_chain_f128 fa, cps_chain_f128 fb)
{
    u128 a = bits_of(fa), b = bits_of(fb);
    if (nan_bits(a) || nan_bits(b)) return from_bits(propagate_nan(a, b));
    unsigned sign = (unsigned)((a ^ b) >> 127);
    if (inf_bits(a)) return from_bits(inf_bits(b) ? DEFAULT_NAN : inf_of(sign));
    if (inf_bits(b)) return from_bits((u128)sign << 127);
    if (zero_bits(b)) return from_bits(zero_bits(a) ? DEFAULT_NAN : inf_of(sign));
    if (zero_bits(a)) return from_bits((u128)sign << 127);
    int32_t ea, eb;
    u128 ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    if (ma < mb) {
        ma <<= 1;
        ea--;
    }
    /* Restoring division: TOP + 1 quotient bits, the first of which is 1 since ma >= mb. */
    u128 q = 0, r = ma;
    for (int i = 0; i <= TOP; i++) {
        q <<= 1;
        if (r >= mb) {
            r -= mb;
            q |= 1;
        }
        r <<= 1;
    }
    q |= (r != 0);
    return from_bits(round_pack(sign, (int64_t)ea - eb + BIAS, q));
}

/* ---- classification and comparison ------------------------------------------------------ */

bool cps_chain__f128_is_nan(cps_chain_f128 a)
{
    return nan_bits(bits_of(a));
}

bool cps_chain__f128_eq(cps_chain_f128 fa, cps_chain_f128 fb)
{
    u128 a = bits_of(fa), b = bits_of(fb);
    if (nan_bits(a) || nan_bits(b)) return false;
    return a == b || (zero_bits(a) && zero_bits(b));
}

bool cps_chain__f128_lt(cps_chain_f128 fa, cps_chain_f128 fb)
{
    u128 a = bits_of(fa), b = bits_of(fb);
    if (nan_bits(a) || nan_bits(b)) return false;
    unsigned sa = (unsigned)(a >> 127), sb = (unsigned)(b >> 127);
    if (sa != sb) return sa && !(zero_bits(a) && zero_bits(b));
    u128 ma = a & ~SIGN_BIT, mb = b & ~SIGN_BIT;
    return sa ? mb < ma : ma < mb;
}

/* ---- conversions -------------------------------------------------------------------------- */

/* A value known to be exact in binary128: sign, unbiased exponent of the leading 1, and an
 * integer mantissa whose leading 1 is at bit `top`. */
static u128 pack_exact(unsigned sign, int32_t unbiased, u128 m, unsigned top)
{
    u128 frac = (m << (FRAC_BITS - top)) & FRAC_MASK;
    return ((u128)sign << 127) | ((u128)(uint32_t)(unbiased + BIAS) << FRAC_BITS) | frac;
}

/* commonNaN (sign + 128-bit payload, top-aligned) to binary128, SoftFloat's commonNaNToF128UI. */
static u128 nan_from_payload(unsigned sign, uint64_t v64)
{
    u128 payload = (u128)v64 << 64;
    return ((u128)sign << 127) | ((u128)0x7FFF8000ull << 96) | (payload >> 16);
}

cps_chain_f128 cps_chain__f128_from_f32(uint32_t x)
{
    unsigned sign = x >> 31, e = (x >> 23) & 0xFF;
    uint32_t frac = x & 0x7FFFFF;
    if (e == 0xFF) {
        if (frac) return from_bits(nan_from_payload(sign, (uint64_t)x << 41));
        return from_bits(inf_of(sign));
    }
    if (e == 0) {
        if (!frac) return from_bits((u128)sign << 127);
        unsigned top = 31 - (unsigned)__builtin_clz(frac);
        return from_bits(pack_exact(sign, (int32_t)top - 149, frac, top));
    }
    return from_bits(pack_exact(sign, (int32_t)e - 127, frac | 0x800000u, 23));
}

cps_chain_f128 cps_chain__f128_from_f64(uint64_t x)
{
    unsigned sign = (unsigned)(x >> 63), e = (unsigned)(x >> 52) & 0x7FF;
    uint64_t frac = x & 0xFFFFFFFFFFFFFull;
    if (e == 0x7FF) {
        if (frac) return from_bits(nan_from_payload(sign, x << 12));
        return from_bits(inf_of(sign));
    }
    if (e == 0) {
        if (!frac) return from_bits((u128)sign << 127);
        unsigned top = 63 - (unsigned)__builtin_clzll(frac);
        return from_bits(pack_exact(sign, (int32_t)top - 1074, frac, top));
    }
    return from_bits(pack_exact(sign, (int32_t)e - 1023, frac | (1ull << 52), 52));
}

cps_chain_f128 cps_chain__f128_from_u64(uint64_t v)
{
    if (!v) return from_bits(0);
    unsigned top = 63 - (unsigned)__builtin_clzll(v);
    return from_bits(pack_exact(0, (int32_t)top, v, top));
}

cps_chain_f128 cps_chain__f128_from_i64(int64_t v)
{
    unsigned sign = v < 0;
    uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
    cps_chain_f128 r = cps_chain__f128_from_u64(m);
    r.hi |= (uint64_t)sign << 63;
    return r;
}

/* Top 64 payload bits of a binary128 NaN, SoftFloat's f128UIToCommonNaN (shifted left 16). */
static uint64_t nan_payload(u128 v)
{
    return (uint64_t)((v << 16) >> 64);
}

uint64_t cps_chain__f128_to_f64(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint64_t sign = (uint64_t)(a >> 127);
    if (nan_bits(a)) return sign << 63 | 0x7FF8000000000000ull | nan_payload(a) >> 12;
    if (inf_bits(a)) return sign << 63 | 0x7FF0000000000000ull;
    if (zero_bits(a)) return sign << 63;
    int32_t e;
    u128 m;
    unpack(a, &e, &m);
    /* 53 significant bits and GUARD more: hidden bit at 62. */
    uint64_t sig = (uint64_t)shr_jam(m, FRAC_BITS - 62);
    int64_t exp = (int64_t)e - BIAS + 1023;
    if (exp >= 0x7FF) return sign << 63 | 0x7FF0000000000000ull;
    if (exp < 1) {
        sig = shr_jam64(sig, (uint64_t)(1 - exp));
        exp = 1;
    }
    uint64_t rest = sig & 0x3FF;
    sig >>= GUARD;
    if (rest > 0x200 || (rest == 0x200 && (sig & 1))) sig++;
    uint64_t v = ((uint64_t)(exp - 1) << 52) + sig;
    if ((v >> 52) >= 0x7FF) v = 0x7FF0000000000000ull;
    return sign << 63 | v;
}

uint32_t cps_chain__f128_to_f32(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint32_t sign = (uint32_t)(a >> 127);
    if (nan_bits(a)) return sign << 31 | 0x7FC00000u | (uint32_t)(nan_payload(a) >> 41);
    if (inf_bits(a)) return sign << 31 | 0x7F800000u;
    if (zero_bits(a)) return sign << 31;
    int32_t e;
    u128 m;
    unpack(a, &e, &m);
    /* 24 significant bits and GUARD more: hidden bit at 33. */
    uint64_t sig = (uint64_t)shr_jam(m, FRAC_BITS - 33);
    int64_t exp = (int64_t)e - BIAS + 127;
    if (exp >= 0xFF) return sign << 31 | 0x7F800000u;
    if (exp < 1) {
        sig = shr_jam64(sig, (uint64_t)(1 - exp));
        exp = 1;
    }
    uint64_t rest = sig & 0x3FF;
    sig >>= GUARD;
    if (rest > 0x200 || (rest == 0x200 && (sig & 1))) sig++;
    uint64_t v = ((uint64_t)(exp - 1) << 23) + sig;
    if ((v >> 23) >= 0xFF) v = 0x7F800000u;
    return sign << 31 | (uint32_t)v;
}

/* The magnitude of a rounded to the nearest integer, ties to even. False when it does not fit in
 * 64 bits or a is not finite. */
static bool rne_magnitude(u128 a, uint64_t *mag)
{
    unsigned e = exp_field(a);
    if (e == EXP_INF) return false;
    if (zero_bits(a)) {
        *mag = 0;
        return true;
    }
    int32_t k = (int32_t)e - BIAS; /* unbiased exponent of the leading 1 */
    if (e == 0 || k < -1) {        /* |a| < 0.5 */
        *mag = 0;
        return true;
    }
    if (k >= 64) return false;
    u128 m = (a & FRAC_MASK) | ((u128)1 << FRAC_BITS);
    unsigned shift = (unsigned)(FRAC_BITS - k); /* 49 .. 113 */
    u128 whole = m >> shift;
    u128 rest = m & ((((u128)1) << shift) - 1), half = ((u128)1) << (shift - 1);
    if (rest > half || (rest == half && (whole & 1))) whole++;
    if (whole >> 64) return false;
    *mag = (uint64_t)whole;
    return true;
}

int32_t cps_chain__f128_to_i32_rne(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint64_t m;
    if (!rne_magnitude(a, &m)) return INT32_MIN;
    if (a >> 127) return m > 0x80000000ull ? INT32_MIN : (int32_t)(uint32_t)(0 - m);
    return m > 0x7FFFFFFFull ? INT32_MIN : (int32_t)m;
}

int64_t cps_chain__f128_to_i64_rne(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint64_t m;
    if (!rne_magnitude(a, &m)) return INT64_MIN;
    if (a >> 127) return m > 0x8000000000000000ull ? INT64_MIN : (int64_t)(0 - m);
    return m > (uint64_t)INT64_MAX ? INT64_MIN : (int64_t)m;
}

uint32_t cps_chain__f128_to_u32_rne(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint64_t m;
    if (!rne_magnitude(a, &m)) return UINT32_MAX;
    if (a >> 127) return m ? UINT32_MAX : 0;
    return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

uint64_t cps_chain__f128_to_u64_rne(cps_chain_f128 fa)
{
    u128 a = bits_of(fa);
    uint64_t m;
    if (!rne_magnitude(a, &m)) return UINT64_MAX;
    if (a >> 127) return m ? UINT64_MAX : 0;
    return m;
}

/* The integer part of |a| as compiler-rt's fixint code computes it for an exponent in
 * [0, 128): the significand shifted into place, wrapping at 128 bits. */
static u128 trunc_magnitude(u128 a, int32_t k)
{
    u128 m = (a & FRAC_MASK) | ((u128)1 << FRAC_BITS);
    return k < FRAC_BITS ? m >> (FRAC_BITS - k) : m << (k - FRAC_BITS);
}

void cps_chain__f128_to_i128_trunc(cps_chain_f128 fa, uint64_t *lo, uint64_t *hi)
{
    u128 a = bits_of(fa), r;
    int32_t k = (int32_t)exp_field(a) - BIAS;
    bool neg = (a >> 127) != 0;
    if (k < 0)
        r = 0;
    else if (k >= 128)
        r = neg ? SIGN_BIT : ~SIGN_BIT;
    else {
        r = trunc_magnitude(a, k);
        if (neg) r = 0 - r;
    }
    *lo = (uint64_t)r;
    *hi = (uint64_t)(r >> 64);
}

void cps_chain__f128_to_u128_trunc(cps_chain_f128 fa, uint64_t *lo, uint64_t *hi)
{
    u128 a = bits_of(fa), r;
    int32_t k = (int32_t)exp_field(a) - BIAS;
    if ((a >> 127) || k < 0)
        r = 0;
    else if (k >= 128)
        r = ~(u128)0;
    else
        r = trunc_magnitude(a, k);
    *lo = (uint64_t)r;
    *hi = (uint64_t)(r >> 64);
}

void cps_chain__f128_to_ext80(cps_chain_f128 fa, uint16_t *se, uint64_t *sig_out)
{
    u128 a = bits_of(fa);
    uint16_t sign = (uint16_t)((a >> 127) << 15);
    if (nan_bits(a)) {
        *se = sign | 0x7FFF;
        *sig_out = 0xC000000000000000ull | nan_payload(a) >> 1;
        return;
    }
    if (inf_bits(a)) {
        *se = sign | 0x7FFF;
        *sig_out = 0x8000000000000000ull;
        return;
    }
    if (zero_bits(a)) {
        *se = sign;
        *sig_out = 0;
        return;
    }
    int32_t e;
    u128 m;
    unpack(a, &e, &m);
    /* 64 significant bits (explicit integer bit at 63) and GUARD more. */
    u128 sig = shr_jam(m, FRAC_BITS - 63 - GUARD);
    int64_t exp = e; /* same bias and exponent width as binary128 */
    if (exp < 1) {
        sig = shr_jam(sig, (uint64_t)(1 - exp));
        exp = 1;
    }
    u128 rest = sig & 0x3FF;
    sig >>= GUARD;
    if (rest > 0x200 || (rest == 0x200 && (sig & 1))) sig++;
    if (sig >> 64) { /* rounding carried out of the 64 bits */
        sig >>= 1;
        exp++;
    }
    if (exp >= 0x7FFF) {
        *se = sign | 0x7FFF;
        *sig_out = 0x8000000000000000ull;
        return;
    }
    if (!(sig >> 63)) exp = 0; /* still subnormal (no integer bit) */
    *se = sign | (uint16_t)exp;
    *sig_out = (uint64_t)sig;
}
