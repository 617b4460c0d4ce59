/* EOSIO host interface: memory block functions (EOSIO libraries/chain/webassembly/memory.cpp).
 *
 * CPS's SDK imports memcpy, memmove, memset and memcmp from the host, as eosio.cdt does for the
 * first three: the host copies natively (much cheaper than a byte loop under metering), and the
 * compiler's own struct copies become these same calls. Differences from ISO C to know:
 *   - memcpy aborts the transaction when source and destination overlap
 *     ("memcpy can only accept non-aliasing pointers"): use memmove for overlapping blocks;
 *   - memcmp returns exactly -1, 0 or 1. */
#ifndef EOSIO_MEMORY_H
#define EOSIO_MEMORY_H

#include "eosio/types.h"

EOSIO_IMPORT(memcpy) void *memcpy(void *dest, const void *src, size_t size);
EOSIO_IMPORT(memmove) void *memmove(void *dest, const void *src, size_t size);
EOSIO_IMPORT(memset) void *memset(void *dest, int value, size_t size);
EOSIO_IMPORT(memcmp) int memcmp(const void *a, const void *b, size_t size);

#endif
