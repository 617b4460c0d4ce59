/* CPS contract SDK, names: N("eosio.token") as a compile-time constant, and conversions between
 * a cps_name and its text at run time.
 *
 * Encoding (EOSIO): up to 13 characters; each of the first 12 is 5 bits ('.' = 0, '1'-'5' = 1-5,
 * 'a'-'z' = 6-31) from the most significant bit down, the 13th fills the last 4 bits and may
 * only be '.', '1'-'5' or 'a'-'j'. Trailing dots are not part of the text. */
#ifndef CPS_SDK_NAME_H
#define CPS_SDK_NAME_H

#include "cps/base.h"

/* N("literal"): the name's 64-bit value, usable in `case` labels and static initializers.
 *
 * C has no constexpr functions, so the macro spells the computation out for each of the 13
 * positions; clang folds subscripts of a string literal to constants (a GNU folding extension,
 * which is why contracts are built with clang and without -pedantic). A malformed literal does
 * not compile: more than 13 characters makes an array of negative size, a character outside
 * the alphabet (or a 13th after 'j') divides by zero in a constant expression. */
#define N(s)                                                                                       \
    (CPS__NAME_CHECK_LEN(s) | CPS__NAME_AT(s, 0) | CPS__NAME_AT(s, 1) | CPS__NAME_AT(s, 2) |       \
     CPS__NAME_AT(s, 3) | CPS__NAME_AT(s, 4) | CPS__NAME_AT(s, 5) | CPS__NAME_AT(s, 6) |           \
     CPS__NAME_AT(s, 7) | CPS__NAME_AT(s, 8) | CPS__NAME_AT(s, 9) | CPS__NAME_AT(s, 10) |          \
     CPS__NAME_AT(s, 11) | CPS__NAME_LAST(s))

/* Internals of N(): character i of the literal, or '.' past its end (the inner conditional keeps
 * the subscript in bounds, so no out-of-range read is ever formed). */
#define CPS__NAME_CHAR(s, i) ((i) < sizeof(s) - 1 ? (s)[(i) < sizeof(s) - 1 ? (i) : 0] : '.')
#define CPS__NAME_OK(c, last)                                                                      \
    ((c) == '.' || ((c) >= '1' && (c) <= '5') || ((c) >= 'a' && (c) <= (last)))
#define CPS__NAME_BITS(c)                                                                          \
    ((c) == '.'                   ? 0u                                                             \
     : ((c) >= '1' && (c) <= '5') ? (unsigned)((c) - '0')                                          \
     : ((c) >= 'a' && (c) <= 'z') ? (unsigned)((c) - 'a' + 6)                                      \
                                  : 0u)
#define CPS__NAME_AT(s, i)                                                                         \
    (((uint64_t)CPS__NAME_BITS(CPS__NAME_CHAR(s, i)) << (64 - 5 * ((i) + 1))) /                    \
     (CPS__NAME_OK(CPS__NAME_CHAR(s, i), 'z') ? 1u : 0u))
#define CPS__NAME_LAST(s)                                                                          \
    ((uint64_t)CPS__NAME_BITS(CPS__NAME_CHAR(s, 12)) /                                             \
     (CPS__NAME_OK(CPS__NAME_CHAR(s, 12), 'j') ? 1u : 0u))
#define CPS__NAME_CHECK_LEN(s) ((uint64_t)sizeof(char[sizeof(s) <= 14 ? 1 : -1]) * 0u)

/* Longest text form of a name. */
#define CPS_NAME_MAX_CHARS 13

/* Parses a name at run time with eosio.cdt's checks and messages ("string is too long to be a
 * valid name", "thirteenth character in name cannot be a letter that comes after j",
 * "character is not in allowed character set for names"). */
cps_name cps_name_from_str(cps_str text);

/* Writes the text form (without trailing dots, not NUL-terminated) into `out` and returns its
 * length (0 for the empty name). */
uint32_t cps_name_to_str(cps_name name, char out[CPS_NAME_MAX_CHARS]);

/* Number of characters in the text form. */
uint32_t cps_name_length(cps_name name);

#endif
