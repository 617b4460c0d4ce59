/* host_console: the console intrinsics the core group leaves out (nodeos console.cpp) —
 * printi128, printui128 (decimal), printsf, printdf, printqf (C++ iostream scientific notation
 * with the digits10 precision of float, double and x87 long double). All are callable in
 * context-free actions and append to the action's console through cps_chain__console_append.
 *
 * printqf prints what nodeos prints on x86-64: the binary128 value rounded to the 80-bit x87
 * format, then shown with 18 significant decimals after the point ("%.18Le"). The rounding is
 * done by CPS's soft-float, so the text is the same on every host whose C library can print the
 * 80-bit value exactly (x86-64 long double, or binary128 long double on aarch64). */
#include "chain/host_float128.h"
#include "chain/host_groups.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user

typedef unsigned __int128 u128;

/* Decimal digits of v into the end of buf; returns the start. */
static char *u128_decimal(u128 v, char *end)
{
    *--end = 0;
    do {
        *--end = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return end;
}

static int read_u128(cps_vm_ctx *vm, uint32_t ptr, u128 *v)
{
    uint8_t b[16];
    int rc = cps_vm_mem_read(vm, ptr, b, 16);
    if (!rc) *v = ((u128)cps_load_u64(b + 8) << 64) | cps_load_u64(b);
    return rc;
}

HOST(printi128)
{
    UNUSED;
    u128 v;
    char buf[48], *s;
    int rc = read_u128(vm, a[0].i32, &v);
    if (rc) return rc;
    if (v >> 127) {
        s = u128_decimal(0 - v, buf + sizeof buf); /* magnitude, even of INT128_MIN */
        *--s = '-';
    } else {
        s = u128_decimal(v, buf + sizeof buf);
    }
    cps_chain__console_append(cps_chain__apply_from_vm(vm), s, strlen(s));
    return 0;
}

HOST(printui128)
{
    UNUSED;
    u128 v;
    char buf[48];
    int rc = read_u128(vm, a[0].i32, &v);
    if (rc) return rc;
    char *s = u128_decimal(v, buf + sizeof buf);
    cps_chain__console_append(cps_chain__apply_from_vm(vm), s, strlen(s));
    return 0;
}

/* std::ostream with std::scientific and precision p prints as printf("%.*e"); a float is
 * widened to double first. */
HOST(printsf)
{
    UNUSED;
    float f;
    uint32_t bits = a[0].i32;
    memcpy(&f, &bits, 4);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*e", FLT_DIG, (double)f);
    cps_chain__console_append(cps_chain__apply_from_vm(vm), buf, (size_t)n);
    return 0;
}

HOST(printdf)
{
    UNUSED;
    double d;
    uint64_t bits = a[0].i64;
    memcpy(&d, &bits, 8);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*e", DBL_DIG, d);
    cps_chain__console_append(cps_chain__apply_from_vm(vm), buf, (size_t)n);
    return 0;
}

/* The x87 80-bit value (sign/exponent, explicit significand) as the host's long double. */
static long double ext80_to_long_double(uint16_t se, uint64_t sig)
{
    long double out;
    memset(&out, 0, sizeof out);
#if LDBL_MANT_DIG == 64
    uint8_t b[16] = {0};
    cps_store_u64(b, sig);
    cps_store_u16(b + 8, se);
    memcpy(&out, b, sizeof out < 16 ? sizeof out : 16);
#elif LDBL_MANT_DIG == 113
    /* binary128 holds every 80-bit value exactly: same exponent range, wider significand */
    unsigned sign = se >> 15, e = se & 0x7FFF;
    u128 bits = (u128)sign << 127;
    if (e == 0x7FFF) {
        bits |= (u128)0x7FFF << 112 | ((u128)(sig << 1) << 48);
    } else if (sig) {
        int top = 63 - __builtin_clzll(sig);
        int64_t exp = (int64_t)(e ? e : 1) - 63 + top; /* biased exponent of the leading 1 */
        if (exp >= 1) {
            u128 frac = ((u128)sig << (112 - top)) & ((((u128)1) << 112) - 1);
            bits |= (u128)(uint64_t)exp << 112 | frac;
        } else {
            bits |= (u128)sig << 49; /* an 80-bit denormal is a binary128 subnormal */
        }
    }
    uint8_t b[16];
    cps_store_u64(b, (uint64_t)bits);
    cps_store_u64(b + 8, (uint64_t)(bits >> 64));
    memcpy(&out, b, 16);
#else
#error "printqf needs an x87 or binary128 long double"
#endif
    return out;
}

HOST(printqf)
{
    UNUSED;
    uint8_t b[16];
    int rc = cps_vm_mem_read(vm, a[0].i32, b, 16);
    if (rc) return rc;
    cps_chain_f128 q = {cps_load_u64(b), cps_load_u64(b + 8)};
    uint16_t se;
    uint64_t sig;
    cps_chain__f128_to_ext80(q, &se, &sig);
    char buf[96];
    /* 18: std::numeric_limits<long double>::digits10 of the x87 format nodeos prints */
    int n = snprintf(buf, sizeof buf, "%.18Le", ext80_to_long_double(se, sig));
    cps_chain__console_append(cps_chain__apply_from_vm(vm), buf, (size_t)n);
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func console_funcs[] = {
    F(printi128, "(i)"), F(printui128, "(i)"), F(printsf, "(f)"),
    F(printdf, "(F)"),   F(printqf, "(i)"),
};
const cps_chain_intrinsic_group cps_chain__host_console = {"console", console_funcs,
                                                           CPS_ARRAY_LEN(console_funcs)};
