/* EOSIO host interface: console output, collected into the action trace's `console` field
 * (EOSIO libraries/chain/webassembly/console.cpp). Printing never fails the action. */
#ifndef EOSIO_PRINT_H
#define EOSIO_PRINT_H

#include "eosio/types.h"

/* Signed 128-bit integer, two's complement in the same layout as cps_uint128. */
typedef cps_uint128 cps_int128;

EOSIO_IMPORT(prints) void prints(const char *cstr); /* NUL-terminated */
EOSIO_IMPORT(prints_l) void prints_l(const char *str, uint32_t len);
EOSIO_IMPORT(printi) void printi(int64_t value);
EOSIO_IMPORT(printui) void printui(uint64_t value);
EOSIO_IMPORT(printi128) void printi128(const cps_int128 *value);
EOSIO_IMPORT(printui128) void printui128(const cps_uint128 *value);
EOSIO_IMPORT(printsf) void printsf(float value);
EOSIO_IMPORT(printdf) void printdf(double value);
EOSIO_IMPORT(printqf) void printqf(const long double *value);
EOSIO_IMPORT(printn) void printn(cps_name name);                       /* as its string form */
EOSIO_IMPORT(printhex) void printhex(const void *data, uint32_t size); /* lower-case hex */

#endif
