/* EOSIO host interface: the compiler-rt helpers for 128-bit integers and 128-bit floats
 * (`long double` on wasm32) that EOSIO provides as intrinsics
 * (EOSIO libraries/chain/webassembly/compiler_builtins.cpp).
 *
 * Contracts never call these by name: clang emits the calls itself for __int128 and long double
 * arithmetic, and wasm-ld turns them into env imports (they are in contracts/sdk/intrinsics.list).
 * They are declared here in their lowered WebAssembly form — a 128-bit value is passed as two
 * i64 halves (low first) and returned through a pointer — so that the declaration check can
 * verify the signatures the host must implement. Not included by cps/sdk.h. */
#ifndef EOSIO_COMPILER_RT_H
#define EOSIO_COMPILER_RT_H

#include "eosio/types.h"

/* 128-bit result slot (integer or IEEE quad bits). */
typedef cps_uint128 cps_rt128;

/* long double arithmetic: *ret = a op b */
EOSIO_IMPORT(__addtf3)
void __addtf3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__subtf3)
void __subtf3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__multf3)
void __multf3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__divtf3)
void __divtf3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__negtf2) void __negtf2(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi);

/* long double comparisons (libgcc conventions: <0, 0, >0; unord is nonzero if either is NaN) */
EOSIO_IMPORT(__eqtf2) int32_t __eqtf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__netf2) int32_t __netf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__getf2) int32_t __getf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__gttf2) int32_t __gttf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__letf2) int32_t __letf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__lttf2) int32_t __lttf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__cmptf2) int32_t __cmptf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__unordtf2)
int32_t __unordtf2(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);

/* conversions to and from long double */
EOSIO_IMPORT(__extendsftf2) void __extendsftf2(cps_rt128 *ret, float a);
EOSIO_IMPORT(__extenddftf2) void __extenddftf2(cps_rt128 *ret, double a);
EOSIO_IMPORT(__trunctfsf2) float __trunctfsf2(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__trunctfdf2) double __trunctfdf2(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixtfsi) int32_t __fixtfsi(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixunstfsi) uint32_t __fixunstfsi(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixtfdi) int64_t __fixtfdi(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixunstfdi) uint64_t __fixunstfdi(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixtfti) void __fixtfti(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__fixunstfti) void __fixunstfti(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__floatsitf) void __floatsitf(cps_rt128 *ret, int32_t a);
EOSIO_IMPORT(__floatunsitf) void __floatunsitf(cps_rt128 *ret, uint32_t a);
EOSIO_IMPORT(__floatditf) void __floatditf(cps_rt128 *ret, int64_t a);
EOSIO_IMPORT(__floatunditf) void __floatunditf(cps_rt128 *ret, uint64_t a);

/* 128-bit integer <-> double / float */
EOSIO_IMPORT(__fixsfti) void __fixsfti(cps_rt128 *ret, float a);
EOSIO_IMPORT(__fixdfti) void __fixdfti(cps_rt128 *ret, double a);
EOSIO_IMPORT(__fixunssfti) void __fixunssfti(cps_rt128 *ret, float a);
EOSIO_IMPORT(__fixunsdfti) void __fixunsdfti(cps_rt128 *ret, double a);
EOSIO_IMPORT(__floatsidf) double __floatsidf(int32_t a);
EOSIO_IMPORT(__floattidf) double __floattidf(uint64_t a_lo, uint64_t a_hi);
EOSIO_IMPORT(__floatuntidf) double __floatuntidf(uint64_t a_lo, uint64_t a_hi);

/* 128-bit integer arithmetic and shifts */
EOSIO_IMPORT(__multi3)
void __multi3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__divti3)
void __divti3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__udivti3)
void __udivti3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__modti3)
void __modti3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__umodti3)
void __umodti3(cps_rt128 *ret, uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi);
EOSIO_IMPORT(__ashlti3) void __ashlti3(cps_rt128 *ret, uint64_t lo, uint64_t hi, uint32_t shift);
EOSIO_IMPORT(__ashrti3) void __ashrti3(cps_rt128 *ret, uint64_t lo, uint64_t hi, uint32_t shift);
EOSIO_IMPORT(__lshlti3) void __lshlti3(cps_rt128 *ret, uint64_t lo, uint64_t hi, uint32_t shift);
EOSIO_IMPORT(__lshrti3) void __lshrti3(cps_rt128 *ret, uint64_t lo, uint64_t hi, uint32_t shift);

#endif
