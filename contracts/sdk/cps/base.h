/* CPS contract SDK, basics: check() and aborting, borrowed strings and byte spans, the export
 * attribute, and the freestanding libc subset every other SDK header relies on. */
#ifndef CPS_SDK_BASE_H
#define CPS_SDK_BASE_H

#include "eosio/intrinsics.h"

/* Exports a function from the module under `name` (wasm-ld also needs --export=name, which the
 * contracts.mk rule passes for apply). */
#if defined(__wasm__)
#define CPS_EXPORT(name) __attribute__((export_name(#name)))
#else
#define CPS_EXPORT(name)
#endif

#define CPS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Borrowed, length-counted text (not NUL-terminated): ABI `string`. The bytes belong to whoever
 * produced the value — usually the action data or a loaded row, both alive until the action ends.
 */
typedef struct cps_str {
    const char *data;
    uint32_t size;
} cps_str;

/* A string literal as a cps_str, e.g. CPS_STR("hello"). */
#define CPS_STR(literal) ((cps_str){(literal), (uint32_t)(sizeof(literal) - 1)})

/* Borrowed bytes: ABI `bytes`. Same lifetime rule as cps_str. */
typedef struct cps_bytes {
    const uint8_t *data;
    uint32_t size;
} cps_bytes;

/* Aborts the transaction with `msg` ("assertion failure with message: ..."). Never returns. */
_Noreturn void cps_abort(const char *msg);

/* Same with a length-counted message. */
_Noreturn void cps_abort_str(cps_str msg);

/* The contract's assertion: aborts the transaction with `msg` unless `cond` holds. `msg` must be
 * NUL-terminated; it is read only on failure. */
static inline void check(bool cond, const char *msg)
{
    if (!cond) cps_abort(msg);
}

/* Aborts with a numeric error code (eosio_assert_code) unless `cond` holds. */
static inline void check_code(bool cond, uint64_t code)
{
    if (!cond) {
        eosio_assert_code(0, code);
        abort();
    }
}

/* ---- freestanding libc subset (contracts/sdk/src/libc.c, malloc.c) ----
 * memcpy, memmove, memset and memcmp are host intrinsics (eosio/memory.h explains why and how
 * they differ from ISO C). The rest is compiled into the contract. */
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);

/* Heap: a bump allocator over linear memory, growing it with memory.grow; blocks are 16-byte
 * aligned. free() gives memory back only for the most recent block (stack-like use costs
 * nothing); everything else is reclaimed when the action ends and the instance is discarded.
 * Out of memory (EOSIO allows 33 MiB) aborts with "failed to allocate pages": malloc never
 * returns NULL. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *block, size_t size);
void free(void *block);

#endif
