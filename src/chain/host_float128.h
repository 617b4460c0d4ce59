/* chain (internal): IEEE 754 binary128 ("long double" of wasm32 contracts) in software, bit-exact
 * with the Berkeley SoftFloat 3 build nodeos uses (8086-SSE specialization, round to nearest
 * even), for the compiler-rt intrinsics (__addtf3 ...), printqf and long-double secondary keys.
 *
 * Values are plain 128-bit patterns, `lo` the low 64 bits and `hi` the high 64 bits (sign, 15-bit
 * exponent, top 48 fraction bits), exactly as a contract passes them (two i64 halves) and stores
 * them (16 bytes little-endian). Everything is pure and deterministic: no host floating point,
 * no global rounding mode, no exception flags (nodeos ignores them).
 *
 * NaN results follow SoftFloat's 8086-SSE rules: an invalid operation (inf - inf, 0 * inf, 0 / 0,
 * inf / inf) gives the default NaN 0xffff8000...0 (sign set); an operation with a NaN operand
 * returns the first NaN operand (a before b) with its quiet bit set; conversions carry the sign and
 * the top payload bits across formats. */
#ifndef CPS_CHAIN_HOST_FLOAT128_H
#define CPS_CHAIN_HOST_FLOAT128_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cps_chain_f128 {
    uint64_t lo;
    uint64_t hi;
} cps_chain_f128;

/* Arithmetic, correctly rounded to nearest even (SoftFloat f128_add, f128_sub, f128_mul,
 * f128_div). */
cps_chain_f128 cps_chain__f128_add(cps_chain_f128 a, cps_chain_f128 b);
cps_chain_f128 cps_chain__f128_sub(cps_chain_f128 a, cps_chain_f128 b);
cps_chain_f128 cps_chain__f128_mul(cps_chain_f128 a, cps_chain_f128 b);
cps_chain_f128 cps_chain__f128_div(cps_chain_f128 a, cps_chain_f128 b);

/* Classification and IEEE comparisons (false when either operand is a NaN; -0 == +0). */
bool cps_chain__f128_is_nan(cps_chain_f128 a);
bool cps_chain__f128_eq(cps_chain_f128 a, cps_chain_f128 b);
bool cps_chain__f128_lt(cps_chain_f128 a, cps_chain_f128 b);

/* Exact widenings from binary32/binary64 bit patterns and from integers. */
cps_chain_f128 cps_chain__f128_from_f32(uint32_t bits);
cps_chain_f128 cps_chain__f128_from_f64(uint64_t bits);
cps_chain_f128 cps_chain__f128_from_i64(int64_t v);
cps_chain_f128 cps_chain__f128_from_u64(uint64_t v);

/* Narrowings to binary64/binary32 bit patterns, rounded to nearest even. */
uint64_t cps_chain__f128_to_f64(cps_chain_f128 a);
uint32_t cps_chain__f128_to_f32(cps_chain_f128 a);

/* SoftFloat's f128_to_i32/i64/ui32/ui64 with round-to-nearest-even, as nodeos calls them for
 * __fixtfsi & co. (so 2.5 gives 2 and 2.7 gives 3, unlike C's truncation). Out of range and NaN
 * give INT32_MIN / INT64_MIN for the signed forms and all ones for the unsigned forms; a negative
 * value that rounds to zero gives 0 for the unsigned forms. */
int32_t cps_chain__f128_to_i32_rne(cps_chain_f128 a);
int64_t cps_chain__f128_to_i64_rne(cps_chain_f128 a);
uint32_t cps_chain__f128_to_u32_rne(cps_chain_f128 a);
uint64_t cps_chain__f128_to_u64_rne(cps_chain_f128 a);

/* compiler-rt's __fixtfti / __fixunstfti as nodeos builds them (libraries/builtins): truncation
 * toward zero; |a| < 1 gives 0; an exponent of 128 or more (infinities and NaNs included)
 * saturates to INT128_MAX / INT128_MIN by sign (unsigned: all ones, or 0 for a negative sign);
 * exponent 127 wraps as the two's-complement arithmetic of that code does. Results are the
 * 128-bit two's-complement patterns. */
void cps_chain__f128_to_i128_trunc(cps_chain_f128 a, uint64_t *lo, uint64_t *hi);
void cps_chain__f128_to_u128_trunc(cps_chain_f128 a, uint64_t *lo, uint64_t *hi);

/* SoftFloat's f128_to_extF80 (x87 80-bit extended: sign and 15-bit exponent in `se`, explicit
 * 64-bit significand in `sig`), rounded to nearest even: what nodeos prints for printqf. */
void cps_chain__f128_to_ext80(cps_chain_f128 a, uint16_t *se, uint64_t *sig);

#endif
