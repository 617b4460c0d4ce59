/* EOSIO host interface for C contracts: the plain types the env.* intrinsics take, and the
 * EOSIO_IMPORT attribute that binds a declaration to its import name in module "env". */
#ifndef EOSIO_TYPES_H
#define EOSIO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every intrinsic is a function imported from module "env" under its EOSIO name. Clang would
 * import an undefined function from "env" anyway; saying it explicitly keeps the binding visible
 * and lets the SDK name C wrappers freely. Outside wasm (editors, static analysers) it is empty. */
#if defined(__wasm__)
#define EOSIO_IMPORT(fn) __attribute__((import_module("env"), import_name(#fn)))
#else
#define EOSIO_IMPORT(fn)
#endif

/* An account, action, table or permission name: 12 characters of a-z1-5. packed in 5 bits each
 * plus a 4-bit 13th character (cps/name.h converts). */
typedef uint64_t cps_name;

/* 128-bit unsigned integer as two little-endian 64-bit halves: the memory layout of
 * `unsigned __int128` on wasm32, without needing the compiler extension. The host compares
 * idx128 keys and deferred sender ids as numbers, i.e. `hi` first. */
typedef struct cps_uint128 {
    uint64_t lo;
    uint64_t hi;
} cps_uint128;

/* Hash results as raw bytes in the order the hash function produces them. */
typedef struct cps_checksum160 {
    uint8_t hash[20];
} cps_checksum160;

typedef struct cps_checksum256 {
    uint8_t hash[32];
} cps_checksum256;

typedef struct cps_checksum512 {
    uint8_t hash[64];
} cps_checksum512;

#endif
