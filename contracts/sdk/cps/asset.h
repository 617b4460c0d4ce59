/* CPS contract SDK, symbols and assets (EOSIO layout): symbol codes as compile-time constants,
 * validity rules, checked asset arithmetic with eosio.cdt's messages, and the "1.0000 CPS" text
 * form.
 *
 *   symbol_code  up to 7 upper-case letters, first letter in the lowest byte   "CPS" = 0x535043
 *   symbol       (symbol_code << 8) | precision                                 S(4,"CPS")
 *   asset        int64 amount (in units of 10^-precision) + symbol, 16 bytes on the wire */
#ifndef CPS_SDK_ASSET_H
#define CPS_SDK_ASSET_H

#include "cps/base.h"

typedef uint64_t cps_symbol_code;
typedef uint64_t cps_symbol;

typedef struct cps_asset {
    int64_t amount;
    cps_symbol symbol;
} cps_asset;

/* Largest |amount| of a valid asset: 2^62 - 1. */
#define CPS_ASSET_MAX_AMOUNT ((int64_t)((UINT64_C(1) << 62) - 1))

/* SC("CPS"): a symbol code as a compile-time constant; S(4, "CPS"): a symbol. A literal that is
 * empty, longer than 7 or not all upper-case letters does not compile (same technique as N()). */
#define SC(s)                                                                                      \
    (CPS__SC_CHECK_LEN(s) | CPS__SC_AT(s, 0) | CPS__SC_AT(s, 1) | CPS__SC_AT(s, 2) |               \
     CPS__SC_AT(s, 3) | CPS__SC_AT(s, 4) | CPS__SC_AT(s, 5) | CPS__SC_AT(s, 6))
#define S(precision, s) ((SC(s) << 8) | (uint64_t)(uint8_t)(precision))

#define CPS__SC_CHAR(s, i) ((i) < sizeof(s) - 1 ? (s)[(i) < sizeof(s) - 1 ? (i) : 0] : 'A')
#define CPS__SC_AT(s, i)                                                                           \
    ((i) < sizeof(s) - 1 ? ((uint64_t)(unsigned char)CPS__SC_CHAR(s, i) << (8 * (i))) /            \
                               (CPS__SC_CHAR(s, i) >= 'A' && CPS__SC_CHAR(s, i) <= 'Z' ? 1u : 0u)  \
                         : 0u)
#define CPS__SC_CHECK_LEN(s)                                                                       \
    ((uint64_t)sizeof(char[sizeof(s) >= 2 && sizeof(s) <= 8 ? 1 : -1]) * 0u)

static inline cps_symbol cps_symbol_make(cps_symbol_code code, uint8_t precision)
{
    return (code << 8) | precision;
}
static inline cps_symbol_code cps_symbol_code_of(cps_symbol symbol)
{
    return symbol >> 8;
}
static inline uint8_t cps_symbol_precision(cps_symbol symbol)
{
    return (uint8_t)(symbol & 0xff);
}

/* 1 to 7 upper-case letters packed from the lowest byte, nothing after the first zero byte. */
bool cps_symbol_code_is_valid(cps_symbol_code code);
static inline bool cps_symbol_is_valid(cps_symbol symbol)
{
    return cps_symbol_code_is_valid(cps_symbol_code_of(symbol));
}

/* Parses "CPS" with eosio.cdt's checks ("string is too long to be a valid symbol_code",
 * "only uppercase letters allowed in symbol_code string"). */
cps_symbol_code cps_symbol_code_from_str(cps_str text);

/* Writes the letters (not NUL-terminated) and returns their number (0..7). */
uint32_t cps_symbol_code_to_str(cps_symbol_code code, char out[7]);

static inline cps_asset cps_asset_make(int64_t amount, cps_symbol symbol)
{
    cps_asset a = {amount, symbol};
    return a;
}
static inline bool cps_asset_is_amount_within_range(cps_asset a)
{
    return -CPS_ASSET_MAX_AMOUNT <= a.amount && a.amount <= CPS_ASSET_MAX_AMOUNT;
}
static inline bool cps_asset_is_valid(cps_asset a)
{
    return cps_asset_is_amount_within_range(a) && cps_symbol_is_valid(a.symbol);
}

/* a + b and a - b with eosio.cdt's checks: "attempt to add asset with different symbol",
 * "addition underflow", "addition overflow" (and the "subtract"/"subtraction" ones).
 * Both operands are within range, so the int64 sum cannot wrap before the range check. */
cps_asset cps_asset_add(cps_asset a, cps_asset b);
cps_asset cps_asset_sub(cps_asset a, cps_asset b);

/* Longest text form: sign, 19 digits, point, up to 255 fraction digits, space, 7 letters. */
#define CPS_ASSET_MAX_CHARS 285

/* Writes the text form ("-12.3400 CPS"; no point when precision is 0; not NUL-terminated) and
 * returns its length. `out` must hold CPS_ASSET_MAX_CHARS bytes or at least the result. */
uint32_t cps_asset_to_str(cps_asset a, char *out, uint32_t out_size);

/* Prints the text form to the console. */
void cps_asset_print(cps_asset a);

#endif
