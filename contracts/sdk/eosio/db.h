/* EOSIO host interface: the contract database — the primary index (db_*_i64) and the five
 * secondary index families (idx64, idx128, idx256, idx_double, idx_long_double)
 * (EOSIO libraries/chain/webassembly/database.cpp). cps/table.h builds tables on top of these.
 *
 * Iterators are small integers valid until the action ends. A valid row iterator is >= 0. A
 * lookup that finds nothing returns the table's end iterator (< -1), or -1 when the table does
 * not exist at all; so `itr >= 0` means "found". Stepping past the end gives -1 from next/previous.
 * `code` is the contract that owns the table (reads work on any contract's tables, writes only
 * on the receiver's), `scope` partitions a table (any 64-bit value), `payer` pays for the RAM.
 * A secondary index of table T with position n (0..15) lives in the table named
 * (T & ~0xF) | n, as eosio.cdt's multi_index does. */
#ifndef EOSIO_DB_H
#define EOSIO_DB_H

#include "eosio/types.h"

/* ---- primary index: rows of bytes keyed by a 64-bit primary key ---- */

/* Stores a new row (the host copies `data`); returns its iterator. */
EOSIO_IMPORT(db_store_i64)
int32_t db_store_i64(uint64_t scope, cps_name table, cps_name payer, uint64_t id, const void *data,
                     uint32_t size);

/* Replaces the row's bytes; payer 0 keeps the current payer. */
EOSIO_IMPORT(db_update_i64)
void db_update_i64(int32_t iterator, cps_name payer, const void *data, uint32_t size);

EOSIO_IMPORT(db_remove_i64) void db_remove_i64(int32_t iterator);

/* Copies up to `size` bytes of the row into `data`; returns the row's full size
 * (call with size 0 to learn it). */
EOSIO_IMPORT(db_get_i64) int32_t db_get_i64(int32_t iterator, void *data, uint32_t size);

/* Next / previous row in primary key order; writes its key into *primary. */
EOSIO_IMPORT(db_next_i64) int32_t db_next_i64(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_previous_i64) int32_t db_previous_i64(int32_t iterator, uint64_t *primary);

EOSIO_IMPORT(db_find_i64)
int32_t db_find_i64(cps_name code, uint64_t scope, cps_name table, uint64_t id);
/* First row with key >= id / > id. */
EOSIO_IMPORT(db_lowerbound_i64)
int32_t db_lowerbound_i64(cps_name code, uint64_t scope, cps_name table, uint64_t id);
EOSIO_IMPORT(db_upperbound_i64)
int32_t db_upperbound_i64(cps_name code, uint64_t scope, cps_name table, uint64_t id);
EOSIO_IMPORT(db_end_i64) int32_t db_end_i64(cps_name code, uint64_t scope, cps_name table);

/* ---- secondary indexes. Each family has the same eleven calls:
 *   store(scope, table, payer, primary, key)          new entry, returns its iterator
 *   update(iterator, payer, key)                      changes the key (payer 0 = unchanged)
 *   remove(iterator)
 *   next / previous(iterator, &primary)                step in (key, primary) order
 *   find_primary(code, scope, table, &key, primary)   entry of a primary key; writes its key
 *   find_secondary(code, scope, table, &key, &primary) first entry equal to key
 *   lowerbound / upperbound(code, scope, table, &key, &primary)
 *                                                     first entry >= / > key; writes the found
 *                                                     key back into key and its primary key
 *   end(code, scope, table)
 * idx256 keys are two 128-bit words and take an extra word count (always 2). */

/* idx64: uint64_t keys */
EOSIO_IMPORT(db_idx64_store)
int32_t db_idx64_store(uint64_t scope, cps_name table, cps_name payer, uint64_t id,
                       const uint64_t *secondary);
EOSIO_IMPORT(db_idx64_update)
void db_idx64_update(int32_t iterator, cps_name payer, const uint64_t *secondary);
EOSIO_IMPORT(db_idx64_remove) void db_idx64_remove(int32_t iterator);
EOSIO_IMPORT(db_idx64_next) int32_t db_idx64_next(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx64_previous) int32_t db_idx64_previous(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx64_find_primary)
int32_t db_idx64_find_primary(cps_name code, uint64_t scope, cps_name table, uint64_t *secondary,
                              uint64_t primary);
EOSIO_IMPORT(db_idx64_find_secondary)
int32_t db_idx64_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                const uint64_t *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx64_lowerbound)
int32_t db_idx64_lowerbound(cps_name code, uint64_t scope, cps_name table, uint64_t *secondary,
                            uint64_t *primary);
EOSIO_IMPORT(db_idx64_upperbound)
int32_t db_idx64_upperbound(cps_name code, uint64_t scope, cps_name table, uint64_t *secondary,
                            uint64_t *primary);
EOSIO_IMPORT(db_idx64_end) int32_t db_idx64_end(cps_name code, uint64_t scope, cps_name table);

/* idx128: 128-bit unsigned keys */
EOSIO_IMPORT(db_idx128_store)
int32_t db_idx128_store(uint64_t scope, cps_name table, cps_name payer, uint64_t id,
                        const cps_uint128 *secondary);
EOSIO_IMPORT(db_idx128_update)
void db_idx128_update(int32_t iterator, cps_name payer, const cps_uint128 *secondary);
EOSIO_IMPORT(db_idx128_remove) void db_idx128_remove(int32_t iterator);
EOSIO_IMPORT(db_idx128_next) int32_t db_idx128_next(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx128_previous) int32_t db_idx128_previous(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx128_find_primary)
int32_t db_idx128_find_primary(cps_name code, uint64_t scope, cps_name table,
                               cps_uint128 *secondary, uint64_t primary);
EOSIO_IMPORT(db_idx128_find_secondary)
int32_t db_idx128_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                 const cps_uint128 *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx128_lowerbound)
int32_t db_idx128_lowerbound(cps_name code, uint64_t scope, cps_name table, cps_uint128 *secondary,
                             uint64_t *primary);
EOSIO_IMPORT(db_idx128_upperbound)
int32_t db_idx128_upperbound(cps_name code, uint64_t scope, cps_name table, cps_uint128 *secondary,
                             uint64_t *primary);
EOSIO_IMPORT(db_idx128_end) int32_t db_idx128_end(cps_name code, uint64_t scope, cps_name table);

/* idx256: 256-bit keys as two 128-bit words, most significant word first (words = 2). */
EOSIO_IMPORT(db_idx256_store)
int32_t db_idx256_store(uint64_t scope, cps_name table, cps_name payer, uint64_t id,
                        const cps_uint128 *data, uint32_t words);
EOSIO_IMPORT(db_idx256_update)
void db_idx256_update(int32_t iterator, cps_name payer, const cps_uint128 *data, uint32_t words);
EOSIO_IMPORT(db_idx256_remove) void db_idx256_remove(int32_t iterator);
EOSIO_IMPORT(db_idx256_next) int32_t db_idx256_next(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx256_previous) int32_t db_idx256_previous(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx256_find_primary)
int32_t db_idx256_find_primary(cps_name code, uint64_t scope, cps_name table, cps_uint128 *data,
                               uint32_t words, uint64_t primary);
EOSIO_IMPORT(db_idx256_find_secondary)
int32_t db_idx256_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                 const cps_uint128 *data, uint32_t words, uint64_t *primary);
EOSIO_IMPORT(db_idx256_lowerbound)
int32_t db_idx256_lowerbound(cps_name code, uint64_t scope, cps_name table, cps_uint128 *data,
                             uint32_t words, uint64_t *primary);
EOSIO_IMPORT(db_idx256_upperbound)
int32_t db_idx256_upperbound(cps_name code, uint64_t scope, cps_name table, cps_uint128 *data,
                             uint32_t words, uint64_t *primary);
EOSIO_IMPORT(db_idx256_end) int32_t db_idx256_end(cps_name code, uint64_t scope, cps_name table);

/* idx_double: IEEE double keys (NaN is rejected by the host) */
EOSIO_IMPORT(db_idx_double_store)
int32_t db_idx_double_store(uint64_t scope, cps_name table, cps_name payer, uint64_t id,
                            const double *secondary);
EOSIO_IMPORT(db_idx_double_update)
void db_idx_double_update(int32_t iterator, cps_name payer, const double *secondary);
EOSIO_IMPORT(db_idx_double_remove) void db_idx_double_remove(int32_t iterator);
EOSIO_IMPORT(db_idx_double_next) int32_t db_idx_double_next(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx_double_previous)
int32_t db_idx_double_previous(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx_double_find_primary)
int32_t db_idx_double_find_primary(cps_name code, uint64_t scope, cps_name table, double *secondary,
                                   uint64_t primary);
EOSIO_IMPORT(db_idx_double_find_secondary)
int32_t db_idx_double_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                     const double *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx_double_lowerbound)
int32_t db_idx_double_lowerbound(cps_name code, uint64_t scope, cps_name table, double *secondary,
                                 uint64_t *primary);
EOSIO_IMPORT(db_idx_double_upperbound)
int32_t db_idx_double_upperbound(cps_name code, uint64_t scope, cps_name table, double *secondary,
                                 uint64_t *primary);
EOSIO_IMPORT(db_idx_double_end)
int32_t db_idx_double_end(cps_name code, uint64_t scope, cps_name table);

/* idx_long_double: 128-bit IEEE quad keys (`long double` on wasm32; NaN rejected) */
EOSIO_IMPORT(db_idx_long_double_store)
int32_t db_idx_long_double_store(uint64_t scope, cps_name table, cps_name payer, uint64_t id,
                                 const long double *secondary);
EOSIO_IMPORT(db_idx_long_double_update)
void db_idx_long_double_update(int32_t iterator, cps_name payer, const long double *secondary);
EOSIO_IMPORT(db_idx_long_double_remove) void db_idx_long_double_remove(int32_t iterator);
EOSIO_IMPORT(db_idx_long_double_next)
int32_t db_idx_long_double_next(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx_long_double_previous)
int32_t db_idx_long_double_previous(int32_t iterator, uint64_t *primary);
EOSIO_IMPORT(db_idx_long_double_find_primary)
int32_t db_idx_long_double_find_primary(cps_name code, uint64_t scope, cps_name table,
                                        long double *secondary, uint64_t primary);
EOSIO_IMPORT(db_idx_long_double_find_secondary)
int32_t db_idx_long_double_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                          const long double *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx_long_double_lowerbound)
int32_t db_idx_long_double_lowerbound(cps_name code, uint64_t scope, cps_name table,
                                      long double *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx_long_double_upperbound)
int32_t db_idx_long_double_upperbound(cps_name code, uint64_t scope, cps_name table,
                                      long double *secondary, uint64_t *primary);
EOSIO_IMPORT(db_idx_long_double_end)
int32_t db_idx_long_double_end(cps_name code, uint64_t scope, cps_name table);

#endif
