/* CPS contract SDK, tables: rows of a CPS_ABI_STRUCT type stored under a primary key, with up to
 * 16 secondary indexes kept in step — the same database layout and the same checks and messages
 * as eosio.cdt's multi_index, so C and C++ contracts can read each other's tables.
 *
 *   CPS_ABI_STRUCT(account, ACCOUNT_FIELDS)
 *   static uint64_t account_key(const void *row) { ... }
 *   CPS_TABLE(accounts, account, account_key);           // defines accounts_table
 *
 *   cps_table t = cps_table_open(&accounts_table, self, owner);
 *   int32_t itr = cps_table_find(&t, key);               // >= 0: found
 *
 * Iterators are those of eosio/db.h: >= 0 is a row, anything negative is an end position.
 * Rows are (un)packed with the struct's pack/unpack functions; strings and bytes of a loaded row
 * point into a buffer that lives until the action ends. Writes are only allowed when the table's
 * code is the running contract. */
#ifndef CPS_SDK_TABLE_H
#define CPS_SDK_TABLE_H

#include "cps/datastream.h"
#include "cps/name.h"

typedef union cps_index_key {
    uint64_t idx64;
    cps_uint128 idx128;
    cps_uint128 idx256[2];
    double idx_double;
    long double idx_long_double;
} cps_index_key;

/* One secondary index family: its host calls behind one signature, and its key size. A table
 * refers only to the families it uses, so a contract imports only their intrinsics. */
typedef struct cps_index_ops {
    uint32_t key_size;
    int32_t (*store)(uint64_t scope, cps_name table, cps_name payer, uint64_t primary_key,
                     const cps_index_key *key);
    void (*update)(int32_t itr, cps_name payer, const cps_index_key *key);
    void (*remove)(int32_t itr);
    int32_t (*next)(int32_t itr, uint64_t *primary_key);
    int32_t (*prev)(int32_t itr, uint64_t *primary_key);
    int32_t (*find_primary)(cps_name code, uint64_t scope, cps_name table, cps_index_key *key,
                            uint64_t primary_key);
    int32_t (*find_secondary)(cps_name code, uint64_t scope, cps_name table,
                              const cps_index_key *key, uint64_t *primary_key);
    int32_t (*lower_bound)(cps_name code, uint64_t scope, cps_name table, cps_index_key *key,
                           uint64_t *primary_key);
    int32_t (*upper_bound)(cps_name code, uint64_t scope, cps_name table, cps_index_key *key,
                           uint64_t *primary_key);
    int32_t (*end)(cps_name code, uint64_t scope, cps_name table);
} cps_index_ops;

/* The five families (contracts/sdk/src/index.c). */
extern const cps_index_ops cps_idx64_ops;           /* uint64_t key (e.g. a name) */
extern const cps_index_ops cps_idx128_ops;          /* cps_uint128 */
extern const cps_index_ops cps_idx256_ops;          /* two cps_uint128, most significant first */
extern const cps_index_ops cps_idx_double_ops;      /* double */
extern const cps_index_ops cps_idx_long_double_ops; /* long double (IEEE quad on wasm32) */

/* A secondary index: its name (documentation; the database only knows its position), family,
 * and the function computing a row's key. */
typedef struct cps_index_def {
    cps_name name;
    const cps_index_ops *ops;
    void (*key)(const void *row, cps_index_key *key);
} cps_index_def;

/* Entry of an index array: CPS_INDEX("byowner", idx64, owner_key). */
#define CPS_INDEX(name_literal, family, key_fn)                                                    \
    {                                                                                              \
        N(name_literal), &cps_##family##_ops, (key_fn)                                             \
    }

/* A table: name (at most 12 characters: the last 4 bits number the secondary indexes), the row's
 * C size and codec, its primary key, and its secondary indexes in order. */
typedef struct cps_table_def {
    cps_name name;
    uint32_t row_size;
    void (*pack)(const void *row, cps_ds *out);
    void (*unpack)(void *row, cps_ds *in);
    uint64_t (*primary_key)(const void *row);
    const cps_index_def *indexes;
    uint32_t index_count;
} cps_table_def;

/* CPS_TABLE(accounts, account, key_fn) defines `static const cps_table_def accounts_table` for
 * the ABI table "accounts" with rows of ABI struct "account" (abi.test.sh checks the pairing). */
#define CPS_TABLE(table, type, primary_key_fn)                                                     \
    static const cps_table_def table##_table = {                                                   \
        N(#table), sizeof(type##_t), type##_pack_any, type##_unpack_any, primary_key_fn, NULL, 0}

/* Same with secondary indexes: `indexes` is a static const cps_index_def array. */
#define CPS_TABLE_INDEXED(table, type, primary_key_fn, indexes)                                    \
    static const cps_table_def table##_table = {N(#table),                                         \
                                                sizeof(type##_t),                                  \
                                                type##_pack_any,                                   \
                                                type##_unpack_any,                                 \
                                                primary_key_fn,                                    \
                                                (indexes),                                         \
                                                (uint32_t)CPS_ARRAY_LEN(indexes)}

/* An open table: definition, owning contract (`code`) and scope. A plain value; open as many
 * as needed. */
typedef struct cps_table {
    const cps_table_def *def;
    cps_name code;
    uint64_t scope;
} cps_table;

/* Opens a table after checking its definition ("multi_index does not support table names with a
 * length greater than 12", "multi_index only supports a maximum of 16 secondary indices").
 * Inline so that, for the usual static const definition, both checks fold away at compile time
 * instead of running (metered) on every open. */
static inline cps_table cps_table_open(const cps_table_def *def, cps_name code, uint64_t scope)
{
    /* The low 4 bits of the table name number the secondary indexes, so a 13-character name
     * would collide with them. */
    check((def->name & 0x0f) == 0,
          "multi_index does not support table names with a length greater than 12");
    check(def->index_count <= 16, "multi_index only supports a maximum of 16 secondary indices");
    cps_table t = {def, code, scope};
    return t;
}

/* ---- primary index ---- */

/* Iterator of the row with this primary key, or a negative end position. */
int32_t cps_table_find(const cps_table *t, uint64_t primary_key);

/* Reads the row at a valid iterator into `row` (a def->row_size object). */
void cps_table_load(const cps_table *t, int32_t itr, void *row);

/* Reads the row with this key into `row`; aborts with `msg` (eosio.cdt's default is
 * "unable to find key") when there is none. Returns the row's iterator. */
int32_t cps_table_get(const cps_table *t, uint64_t primary_key, void *row, const char *msg);

/* Stores a new row billed to `payer` and its secondary keys; returns its iterator. The host
 * aborts if the primary key is taken. */
int32_t cps_table_emplace(const cps_table *t, cps_name payer, const void *row);

/* Replaces the row at `itr` by `row` (same primary key, else "updater cannot change primary key
 * when modifying an object"); payer 0 keeps the current payer. Secondary keys that changed are
 * updated. */
void cps_table_modify(const cps_table *t, int32_t itr, cps_name payer, const void *row);

/* Removes the row at `itr` and its secondary index entries. */
void cps_table_erase(const cps_table *t, int32_t itr);

/* Iteration in primary key order: begin, end, next, previous (each writes the new row's key to
 * *primary_key when it is a row), lower bound (first key >= k), upper bound (first key > k). */
int32_t cps_table_begin(const cps_table *t);
int32_t cps_table_end(const cps_table *t);
int32_t cps_table_next(const cps_table *t, int32_t itr, uint64_t *primary_key);
int32_t cps_table_prev(const cps_table *t, int32_t itr, uint64_t *primary_key);
int32_t cps_table_lower_bound(const cps_table *t, uint64_t primary_key);
int32_t cps_table_upper_bound(const cps_table *t, uint64_t primary_key);

/* Smallest primary key above every existing one (0 for an empty table), as multi_index's
 * available_primary_key(); aborts when the table is at the limit. */
uint64_t cps_table_available_primary_key(const cps_table *t);

/* ---- secondary indexes (`index` = position in def->indexes) ---- */

/* The database table holding index `index`: (table name & ~0xF) | index. */
cps_name cps_index_table_name(const cps_table *t, uint32_t index);

/* First entry whose key equals *key; writes its primary key. */
int32_t cps_index_find(const cps_table *t, uint32_t index, const cps_index_key *key,
                       uint64_t *primary_key);
/* First entry with key >= / > *key; on success both *key and *primary_key are overwritten with
 * the entry found. */
int32_t cps_index_lower_bound(const cps_table *t, uint32_t index, cps_index_key *key,
                              uint64_t *primary_key);
int32_t cps_index_upper_bound(const cps_table *t, uint32_t index, cps_index_key *key,
                              uint64_t *primary_key);
int32_t cps_index_next(const cps_table *t, uint32_t index, int32_t itr, uint64_t *primary_key);
int32_t cps_index_prev(const cps_table *t, uint32_t index, int32_t itr, uint64_t *primary_key);
int32_t cps_index_end(const cps_table *t, uint32_t index);
/* Entry of the row with this primary key; writes its key. */
int32_t cps_index_find_primary(const cps_table *t, uint32_t index, uint64_t primary_key,
                               cps_index_key *key);

/* idx256 key of a checksum256, as eosio.cdt stores one: each 16-byte half read big-endian, so
 * numeric key order is byte order. */
void cps_index_key_from_checksum256(const cps_checksum256 *hash, cps_index_key *key);

#endif
