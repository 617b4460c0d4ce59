/* state: the versioned, ordered key-value state of the chain over LMDB — named tables, nested undo
 * sessions, per-block durable commits with undo logs, EOSIO contract tables with the db_* intrinsic
 * semantics, a state hash and portable snapshots. The chain controller sits on top of it.
 *
 * Model (after chainbase's undo stack, with LMDB for durability):
 *
 *   revision:    0 ... irreversible ...... head | pending
 *                <- no undo logs -><- undo logs ->  (one LMDB write txn)
 *
 *   - All writes happen inside a pending block (cps_state_block_begin). The pending block is one
 *     LMDB write transaction; cps_state_block_commit writes the block's rows and its undo log in
 *     that one transaction, so a process killed at any instant reopens at the last committed block.
 *   - Inside the block, sessions nest (transaction, action, ...). Undoing a session restores every
 *     key it touched to its value before the session (inserts removed, updates and removals
 *     restored); squashing merges it into the enclosing session, keeping the enclosing session's
 *     older prior values (chainbase's push / squash / undo).
 *   - Committed blocks above `irreversible` keep their undo logs on disk and can be popped one by
 *     one (cps_state_block_pop) back to `irreversible`; cps_state_set_irreversible(rev) discards
 *     the undo logs at or below rev (chainbase's commit(revision)).
 *   - Readers on any thread open a view of the last committed block (an LMDB read-only
 *     transaction) that never waits for, nor blocks, the writer.
 *
 * Threads: one cps_state handle has one writer thread (the chain's loop): every function taking a
 * `cps_state *` except cps_state_view_open and cps_state_table_find is for that thread. Views may
 * be opened and used on any thread; each view belongs to one thread at a time.
 *
 * Errors follow base.h: 0 or a negative CPS_ERR_* code with a detail in cps_last_error(). An LMDB
 * failure inside a pending block (disk full, map full) poisons the block: it can only be aborted.
 */
#ifndef CPS_STATE_H
#define CPS_STATE_H

#include "base/base.h"

typedef struct cps_state cps_state;           /* environment + the single writer */
typedef struct cps_state_view cps_state_view; /* a consistent read view */
typedef struct cps_state_db cps_state_db;     /* per-action contract-table context */
typedef uint32_t cps_state_table;             /* handle of a named table (stable across opens) */

/* ------------------------------------------------------------------------------------------
 * Opening.
 * ------------------------------------------------------------------------------------------ */

enum cps_state_sync {
    CPS_STATE_SYNC_FULL = 0, /* fsync data and meta page at each block commit (default) */
    CPS_STATE_SYNC_META = 1, /* no fsync of the meta page: an OS crash may lose the last block */
    CPS_STATE_SYNC_NONE = 2, /* no fsync: survives a killed process, not an OS crash */
};

typedef struct cps_state_options {
    uint64_t map_size;    /* bytes of address space for the map (sparse file); 0: 16 GiB */
    uint32_t max_readers; /* concurrent read views; 0: 126 */
    enum cps_state_sync sync;
    bool no_subdir; /* path is the data file (LMDB adds path-lock, the state path-cps.lock) */
    bool write_map; /* MDB_WRITEMAP: faster writes, the file grows to map_size (sparse) */
} cps_state_options;

#define CPS_STATE_MAX_TABLES 96         /* named tables, internal ones included */
#define CPS_STATE_MAX_VALUE (64u << 20) /* bytes in a value (and in a contract row) */
#define CPS_STATE_NAME_MAX 64           /* bytes in a table name */
#define CPS_STATE_DEFAULT_MAP_SIZE (UINT64_C(16) << 30)

/* Opens (creating if needed) the state at `path`, a directory unless opt->no_subdir. `opt` may be
 * NULL for defaults. On success *out is owned by the caller, who frees it with cps_state_close.
 * Fails with CPS_ERR_DB_CORRUPT if the files hold another format version, CPS_ERR_STATE if the
 * state is already open (in this or another process: a lock file beside the data says so). */
CPS_MUST_USE int cps_state_open(const char *path, const cps_state_options *opt, cps_state **out);
/* Aborts a pending block (its writes are lost) and closes. All views must be closed first. */
void cps_state_close(cps_state *st);

/* Opens the named table, creating it (empty) if it does not exist. Names are 1..64 bytes of
 * [A-Za-z0-9._-] and must not start with '_' (reserved for internal tables). Not allowed while a
 * block is pending. The handle stays valid for the life of `st` and is the same after reopening. */
CPS_MUST_USE int cps_state_table_open(cps_state *st, const char *name, cps_state_table *out);
/* Finds an existing table by name (internal ones included): CPS_ERR_NOT_FOUND if there is none.
 * Safe from any thread (it sees tables whose creation has committed). */
CPS_MUST_USE int cps_state_table_find(cps_state *st, const char *name, cps_state_table *out);
/* Largest key a table accepts (LMDB's limit, 511 on usual builds). */
size_t cps_state_max_key_size(const cps_state *st);

/* ------------------------------------------------------------------------------------------
 * Blocks, revisions, sessions.
 * ------------------------------------------------------------------------------------------ */

/* Last committed revision (0 for a new state) and the irreversible revision (<= head). */
uint64_t cps_state_head(const cps_state *st);
uint64_t cps_state_irreversible(const cps_state *st);

/* Flag for cps_state_block_begin: the block is final at once (replay of irreversible blocks): no
 * undo log is written and it becomes the irreversible revision. Requires head == irreversible. */
#define CPS_STATE_BLOCK_IRREVERSIBLE 1u

/* Starts the pending block with revision head + 1 (written to *revision if not NULL). */
CPS_MUST_USE int cps_state_block_begin(cps_state *st, unsigned flags, uint64_t *revision);
/* Makes the pending block durable together with its undo log, in one LMDB transaction, and makes
 * it the head. Every session opened inside must have been squashed or undone first (otherwise
 * CPS_ERR_STATE and the block stays pending). On any other failure the block is aborted and the
 * head is unchanged. */
CPS_MUST_USE int cps_state_block_commit(cps_state *st);
/* Discards the pending block and all its sessions (no-op without one). */
void cps_state_block_abort(cps_state *st);
bool cps_state_block_pending(const cps_state *st);

/* Undoes the head block from its stored undo log and makes head - 1 the head, in one LMDB
 * transaction. CPS_ERR_STATE if a block is pending or head == irreversible. */
CPS_MUST_USE int cps_state_block_pop(cps_state *st);
/* Pops blocks until head == revision (each pop is durable on its own). */
CPS_MUST_USE int cps_state_undo_to(cps_state *st, uint64_t revision);
/* Discards the undo logs of revisions <= revision (clamped to head; lower values do nothing). In a
 * pending block this is part of the block's commit; otherwise it is committed at once. */
CPS_MUST_USE int cps_state_set_irreversible(cps_state *st, uint64_t revision);

/* Opens a session nested in the current one (the block is level 0); *level receives its level
 * (1, 2, ...). squash/undo take the level back and fail with CPS_ERR_STATE unless it is the
 * innermost open session, which catches unbalanced use. */
CPS_MUST_USE int cps_state_session_push(cps_state *st, uint32_t *level);
CPS_MUST_USE int cps_state_session_squash(cps_state *st, uint32_t level);
CPS_MUST_USE int cps_state_session_undo(cps_state *st, uint32_t level);
/* Innermost open session level (0: only the block). */
uint32_t cps_state_session_level(const cps_state *st);

/* ------------------------------------------------------------------------------------------
 * Views and generic tables. Keys are 1..cps_state_max_key_size() bytes, ordered bytewise
 * (memcmp, shorter first). Values are 0..CPS_STATE_MAX_VALUE bytes.
 * ------------------------------------------------------------------------------------------ */

/* The pending block's view (reads see the block's writes), or NULL without a pending block. Owned
 * by `st`, valid until the block commits or aborts. */
cps_state_view *cps_state_pending_view(cps_state *st);

/* Opens a read-only view of the last committed block. Callable from any thread, concurrently with
 * the writer. Caller closes it with cps_state_view_close (on the thread using it). Keep views
 * short-lived: an open view keeps LMDB from reusing the pages it sees. */
CPS_MUST_USE int cps_state_view_open(cps_state *st, cps_state_view **out);
void cps_state_view_close(cps_state_view *v);
/* The revision the view shows (for the pending view, the pending block's revision). */
uint64_t cps_state_view_revision(const cps_state_view *v);

/* Point read. CPS_ERR_NOT_FOUND if absent. *val borrows the view's memory: valid until the next
 * write to the state (pending view) or until the view closes (read-only view). */
CPS_MUST_USE int cps_state_get(cps_state_view *v, cps_state_table t, const void *key,
                               size_t key_len, cps_bytes *val);

enum cps_state_seek {
    CPS_STATE_FIRST, /* smallest key (key argument ignored) */
    CPS_STATE_LAST,  /* largest key (key argument ignored) */
    CPS_STATE_GE,    /* smallest key >= key */
    CPS_STATE_GT,    /* smallest key > key */
    CPS_STATE_LE,    /* largest key <= key */
    CPS_STATE_LT,    /* largest key < key */
};
/* Ordered lookup: finds the row the mode names and borrows its key and value (same lifetime as
 * cps_state_get). CPS_ERR_NOT_FOUND if there is none. Iterate with GT from the last key seen. */
CPS_MUST_USE int cps_state_seek(cps_state_view *v, cps_state_table t, enum cps_state_seek mode,
                                const void *key, size_t key_len, cps_bytes *key_out,
                                cps_bytes *val_out);
/* Number of rows in a table. */
CPS_MUST_USE int cps_state_count(cps_state_view *v, cps_state_table t, uint64_t *rows);

/* Writes to the pending block, recorded in the innermost session's undo log. Internal tables
 * (names starting with '_') are written only through the contract-table API. */
CPS_MUST_USE int cps_state_put(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                               const void *val, size_t val_len);
/* Like put, but CPS_ERR_EXISTS if the key is present. */
CPS_MUST_USE int cps_state_insert(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                                  const void *val, size_t val_len);
/* Like put, but CPS_ERR_NOT_FOUND if the key is absent. */
CPS_MUST_USE int cps_state_update(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                                  const void *val, size_t val_len);
/* CPS_ERR_NOT_FOUND if the key is absent. */
CPS_MUST_USE int cps_state_remove(cps_state *st, cps_state_table t, const void *key,
                                  size_t key_len);

/* ------------------------------------------------------------------------------------------
 * State hash and snapshots.
 *
 * The canonical serialization of a state is the snapshot body below; the state hash is its
 * SHA-256. Tables are taken in bytewise order of their names, rows in key order; empty tables are
 * left out, so opening a table does not change the hash. Undo logs and revisions are not state:
 * equal contents give equal hashes at any revision.
 *
 *   snapshot file (all integers little-endian)
 *   +----------+---------+----------+=====================================+--------------+
 *   | magic 8  | version | revision |                body                 | file hash 32 |
 *   | CPSSTATE | u32 = 1 | u64      |                                     | SHA-256 of   |
 *   +----------+---------+----------+=====================================+ all before   |
 *                                                                         +--------------+
 *   body:   | table count u32 | table 1 | table 2 | ... |        (names strictly ascending)
 *   table:  | name len u8 (1..64) | name | row count u64 (> 0) | row 1 | row 2 | ...
 *   row:    | key len varuint32 (1..max key) | key | value len varuint32 | value |
 *                                                                   (keys strictly ascending)
 * ------------------------------------------------------------------------------------------ */

#define CPS_STATE_SNAPSHOT_VERSION 1

/* SHA-256 of the canonical serialization of the state the view shows. */
CPS_MUST_USE int cps_state_hash(cps_state_view *v, uint8_t out[32]);

/* Streams a snapshot of the view to `write`, which returns 0 or a negative error (passed back).
 * *hash (if not NULL) receives the state hash (of the body). */
typedef int (*cps_state_write_fn)(void *user, const void *data, size_t n);
CPS_MUST_USE int cps_state_snapshot_write(cps_state_view *v, cps_state_write_fn write, void *user,
                                          uint8_t hash[32]);
/* Loads a snapshot into an empty state (no rows in any table, head 0, no pending block). `read`
 * must fill exactly n bytes and return 0, or return a negative error. Everything is checked: the
 * format, the ordering, the file hash and the contract-table invariants
 * (cps_state_contract_check); on any failure nothing is written. Memory use follows the bytes
 * actually read, not the lengths the snapshot claims.
 * On success head = irreversible = the snapshot's revision and *hash (if not NULL) receives the
 * state hash. Bytes after the file hash are not read (the file loader refuses them). */
typedef int (*cps_state_read_fn)(void *user, void *data, size_t n);
CPS_MUST_USE int cps_state_snapshot_load(cps_state *st, cps_state_read_fn read, void *user,
                                         uint8_t hash[32]);
/* The same to and from a file (written to path + ".tmp", then renamed into place). */
CPS_MUST_USE int cps_state_snapshot_save_file(cps_state_view *v, const char *path,
                                              uint8_t hash[32]);
CPS_MUST_USE int cps_state_snapshot_load_file(cps_state *st, const char *path, uint8_t hash[32]);

/* ------------------------------------------------------------------------------------------
 * Contract tables (EOSIO's table_id_object, key_value_object and the five secondary indexes).
 *
 * A table is (code, scope, table) with a payer and a row count shared by its primary rows and all
 * its secondary rows; it exists while the count is > 0. Rows are keyed by an internal table id.
 * Internal tables and their key layouts (integers in keys big-endian so LMDB orders them as
 * numbers; values little-endian) — readable with cps_state_get/seek for the HTTP API:
 *
 *   _c.tables   code 8 | scope 8 | table 8            -> t_id u64 | payer u64 | count u32
 *   _c.seq      "t"                                   -> next t_id u64
 *   _c.i64      t_id 8 | primary 8                    -> payer u64 | row bytes
 *   _c.<idx>    t_id 8 | ordered secondary | primary 8 -> secondary (EOSIO memory layout)
 *   _c.<idx>.pk t_id 8 | primary 8                    -> payer u64 | secondary (EOSIO layout)
 *
 * with <idx> = idx64, idx128, idx256, idxdbl, idxldbl. "Ordered secondary" maps the key to bytes
 * whose memcmp order is EOSIO's order: uint64 and uint128 big-endian; idx256 as its two uint128
 * words each big-endian (compared word 0 first, as std::array<uint128_t,2>); double and float128
 * with -0 made +0, then negative values bit-inverted and the sign bit of others set (IEEE order
 * as softfloat's f64_lt / f128_lt; NaN is rejected).
 * ------------------------------------------------------------------------------------------ */

enum cps_state_index {
    CPS_STATE_IDX64 = 0,      /* uint64_t, 8 bytes */
    CPS_STATE_IDX128,         /* uint128 as 16 bytes little-endian */
    CPS_STATE_IDX256,         /* two uint128 words, 32 bytes */
    CPS_STATE_IDX_DOUBLE,     /* IEEE binary64, 8 bytes */
    CPS_STATE_IDX_LONG_DOUBLE /* IEEE binary128, 16 bytes */
};
#define CPS_STATE_INDEX_COUNT 5
/* Bytes of a secondary key of the kind (8, 16, 32, 8, 16). */
size_t cps_state_index_key_size(enum cps_state_index kind);

/* EOSIO billable sizes (config::billable_size_v, 16-byte aligned): RAM charged per table, per
 * primary row (plus the row's bytes) and per secondary row of each kind. */
#define CPS_STATE_BILLABLE_TABLE 112
#define CPS_STATE_BILLABLE_ROW 112
#define CPS_STATE_BILLABLE_IDX64 128
#define CPS_STATE_BILLABLE_IDX128 144
#define CPS_STATE_BILLABLE_IDX256 160
#define CPS_STATE_BILLABLE_IDX_DOUBLE 128
#define CPS_STATE_BILLABLE_IDX_LONG_DOUBLE 144
int64_t cps_state_index_billable_size(enum cps_state_index kind);

/* RAM accounting hook: called with (payer, delta bytes) for each charge or refund, in EOSIO's order
 * and before the rows change. A non-zero return fails the operation with that code. */
typedef int (*cps_state_ram_fn)(void *user, uint64_t payer, int64_t delta);

/* Why a contract-table call failed, for mapping to EOSIO's exception types. */
enum cps_state_db_fault {
    CPS_STATE_FAULT_NONE = 0,
    CPS_STATE_FAULT_INVALID_ITERATOR, /* invalid_table_iterator: -1, out of range, bad end itr */
    CPS_STATE_FAULT_NOT_PERMITTED,    /* table_operation_not_permitted: end or deleted itr */
    CPS_STATE_FAULT_ACCESS_VIOLATION, /* table_access_violation: write to another code's table */
    CPS_STATE_FAULT_INVALID_PAYER,    /* invalid_table_payer: payer 0 on store */
    CPS_STATE_FAULT_DUPLICATE,        /* uniqueness constraint: primary key already present */
    CPS_STATE_FAULT_NAN,              /* NaN secondary key */
    CPS_STATE_FAULT_READ_ONLY,        /* write through a read-only view */
};

/* A per-action context: the receiver, the view it reads (and, for the pending view, writes), the
 * RAM hook and EOSIO's iterator caches (one for primary rows, one per secondary index kind).
 * Create once and reset per action; its memory is reused. Caller destroys it. */
CPS_MUST_USE int cps_state_db_create(cps_state_db **out);
void cps_state_db_destroy(cps_state_db *db);
/* Starts an action: forgets all iterators. `view` (borrowed, must outlive the action) is the
 * pending view for writes or any view for reads; `ram` may be NULL (no accounting). */
void cps_state_db_reset(cps_state_db *db, cps_state_view *view, uint64_t receiver,
                        cps_state_ram_fn ram, void *ram_user);
/* The fault behind the last failed call (NONE if the failure was not the contract's doing). */
enum cps_state_db_fault cps_state_db_fault(const cps_state_db *db);

/* Iterators are EOSIO's: >= 0 a row, -1 no table, < -1 a table's end iterator. Every call writes
 * its resulting iterator to *itr. Functions fail (and the enclosing session must be undone) when
 * EOSIO would throw. Row pointers from get borrow the view (same lifetime as cps_state_get). */
CPS_MUST_USE int cps_state_db_store_i64(cps_state_db *db, uint64_t scope, uint64_t table,
                                        uint64_t payer, uint64_t id, const void *data, size_t size,
                                        int *itr);
CPS_MUST_USE int cps_state_db_update_i64(cps_state_db *db, int itr, uint64_t payer,
                                         const void *data, size_t size);
CPS_MUST_USE int cps_state_db_remove_i64(cps_state_db *db, int itr);
CPS_MUST_USE int cps_state_db_get_i64(cps_state_db *db, int itr, cps_bytes *row);
/* *primary is written only when a row is reached. */
CPS_MUST_USE int cps_state_db_next_i64(cps_state_db *db, int itr, int *next, uint64_t *primary);
CPS_MUST_USE int cps_state_db_previous_i64(cps_state_db *db, int itr, int *prev, uint64_t *primary);
CPS_MUST_USE int cps_state_db_find_i64(cps_state_db *db, uint64_t code, uint64_t scope,
                                       uint64_t table, uint64_t id, int *itr);
CPS_MUST_USE int cps_state_db_lowerbound_i64(cps_state_db *db, uint64_t code, uint64_t scope,
                                             uint64_t table, uint64_t id, int *itr);
CPS_MUST_USE int cps_state_db_upperbound_i64(cps_state_db *db, uint64_t code, uint64_t scope,
                                             uint64_t table, uint64_t id, int *itr);
CPS_MUST_USE int cps_state_db_end_i64(cps_state_db *db, uint64_t code, uint64_t scope,
                                      uint64_t table, int *itr);

/* Secondary indexes. `secondary` points to cps_state_index_key_size(kind) bytes in EOSIO's memory
 * layout; functions that return a key write it there (lowerbound, upperbound: only when a row is
 * found; find_primary: only when found). */
CPS_MUST_USE int cps_state_db_idx_store(cps_state_db *db, enum cps_state_index kind, uint64_t scope,
                                        uint64_t table, uint64_t payer, uint64_t id,
                                        const void *secondary, int *itr);
CPS_MUST_USE int cps_state_db_idx_update(cps_state_db *db, enum cps_state_index kind, int itr,
                                         uint64_t payer, const void *secondary);
CPS_MUST_USE int cps_state_db_idx_remove(cps_state_db *db, enum cps_state_index kind, int itr);
CPS_MUST_USE int cps_state_db_idx_next(cps_state_db *db, enum cps_state_index kind, int itr,
                                       int *next, uint64_t *primary);
CPS_MUST_USE int cps_state_db_idx_previous(cps_state_db *db, enum cps_state_index kind, int itr,
                                           int *prev, uint64_t *primary);
CPS_MUST_USE int cps_state_db_idx_find_primary(cps_state_db *db, enum cps_state_index kind,
                                               uint64_t code, uint64_t scope, uint64_t table,
                                               void *secondary, uint64_t primary, int *itr);
CPS_MUST_USE int cps_state_db_idx_find_secondary(cps_state_db *db, enum cps_state_index kind,
                                                 uint64_t code, uint64_t scope, uint64_t table,
                                                 const void *secondary, uint64_t *primary,
                                                 int *itr);
CPS_MUST_USE int cps_state_db_idx_lowerbound(cps_state_db *db, enum cps_state_index kind,
                                             uint64_t code, uint64_t scope, uint64_t table,
                                             void *secondary, uint64_t *primary, int *itr);
CPS_MUST_USE int cps_state_db_idx_upperbound(cps_state_db *db, enum cps_state_index kind,
                                             uint64_t code, uint64_t scope, uint64_t table,
                                             void *secondary, uint64_t *primary, int *itr);
CPS_MUST_USE int cps_state_db_idx_end(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                                      uint64_t scope, uint64_t table, int *itr);

/* Contract-table metadata, for the chain and the HTTP API: CPS_ERR_NOT_FOUND if no such table. */
typedef struct cps_state_table_info {
    uint64_t id; /* internal table id */
    uint64_t payer;
    uint32_t count; /* primary + secondary rows */
} cps_state_table_info;
CPS_MUST_USE int cps_state_contract_table(cps_state_view *v, uint64_t code, uint64_t scope,
                                          uint64_t table, cps_state_table_info *out);

/* Checks the contract tables' invariants: well-formed rows, every row in an existing table, counts
 * equal to the rows, each secondary row present in both orders with the same key, no NaN, no
 * payer 0. CPS_ERR_DB_CORRUPT with a detail naming the first violation. */
CPS_MUST_USE int cps_state_contract_check(cps_state_view *v);

/* The order-preserving byte form of a secondary key (cps_state_index_key_size(kind) bytes to
 * out); CPS_ERR_INVALID_ARG for a NaN. Exposed for tests and for the HTTP API's bounds. */
CPS_MUST_USE int cps_state_index_encode(enum cps_state_index kind, const void *secondary,
                                        uint8_t *out);

#endif
