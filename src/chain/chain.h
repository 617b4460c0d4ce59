/* chain: the consensus layer of CPS. This header is the module's one public header, in sections
 * per area: genesis and chain id, the block log, authority checking (more areas follow).
 *
 * Conventions (base.h): functions return 0 or a negative CPS_ERR_* code with a detail message in
 * cps_last_error(); results go through out-parameters. Everything here that reads bytes or JSON
 * from outside (genesis files, block log files, authorities from the state) bounds-checks and
 * fails cleanly. Nothing here is thread-safe unless it says so: one handle, one thread. */
#ifndef CPS_CHAIN_H
#define CPS_CHAIN_H

#include "base/base.h"
#include "crypto/crypto.h"
#include "abi/abi.h"

#include <jansson.h>

/* ==========================================================================================
 * Genesis and chain id (genesis.c)
 *
 * nodeos's genesis_state and chain_config (EOSIO 2.0 libraries/chain/include/eosio/chain/
 * genesis_state.hpp, chain_config.hpp), packed in FC_REFLECT order:
 *
 *   genesis_state (110 bytes for a K1 or R1 key)
 *   +------------------------+-----------------------------+------------------------------+
 *   | initial_timestamp i64  | initial_key: u8 type, 33 B  | initial_configuration (68 B) |
 *   | (µs since 1970, LE)    | compressed point            | chain_config, below          |
 *   +------------------------+-----------------------------+------------------------------+
 *
 *   chain_config (68 bytes, little-endian)
 *   u64 max_block_net_usage              u32 target_block_net_usage_pct
 *   u32 max_transaction_net_usage        u32 base_per_transaction_net_usage
 *   u32 net_usage_leeway                 u32 context_free_discount_net_usage_num
 *   u32 context_free_discount_net_usage_den
 *   u32 max_block_cpu_usage              u32 target_block_cpu_usage_pct
 *   u32 max_transaction_cpu_usage        u32 min_transaction_cpu_usage
 *   u32 max_transaction_lifetime         u32 deferred_trx_expiration_window
 *   u32 max_transaction_delay            u32 max_inline_action_size
 *   u16 max_inline_action_depth          u16 max_authority_depth
 *
 *   chain_id = sha256(packed genesis_state)      (genesis_state::compute_chain_id)
 * ========================================================================================== */

/* Percentages are fixed point with a denominator of 10000 (config::percent_100). */
#define CPS_CHAIN_PERCENT_100 10000u
#define CPS_CHAIN_PERCENT_1 100u
/* chain_config::validate: max_transaction_net_usage - base_per_transaction_net_usage >= this. */
#define CPS_CHAIN_MIN_NET_USAGE_DELTA_BETWEEN_BASE_AND_MAX_FOR_TRX (10u * 1024u)

#define CPS_CHAIN_CONFIG_PACKED_SIZE 68
#define CPS_CHAIN_GENESIS_PACKED_SIZE 110

/* nodeos's built-in genesis (genesis_state::genesis_state() and the default EOSIO_ROOT_KEY). */
#define CPS_CHAIN_DEFAULT_INITIAL_TIMESTAMP_US INT64_C(1527854400000000) /* 2018-06-01T12:00:00 */
#define CPS_CHAIN_DEFAULT_INITIAL_KEY "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"

typedef struct cps_chain_config {
    uint64_t max_block_net_usage;        /* bytes per block */
    uint32_t target_block_net_usage_pct; /* of max; above it NET is congested */
    uint32_t max_transaction_net_usage;  /* bytes per transaction, whatever the account's quota */
    uint32_t base_per_transaction_net_usage; /* bytes billed per transaction for its receipt */
    uint32_t net_usage_leeway;
    uint32_t context_free_discount_net_usage_num; /* discount on context-free data: num/den */
    uint32_t context_free_discount_net_usage_den;
    uint32_t max_block_cpu_usage;            /* µs per block */
    uint32_t target_block_cpu_usage_pct;     /* of max; above it CPU is congested */
    uint32_t max_transaction_cpu_usage;      /* µs */
    uint32_t min_transaction_cpu_usage;      /* µs billed at least */
    uint32_t max_transaction_lifetime;       /* s an expiration may lie ahead of the block time */
    uint32_t deferred_trx_expiration_window; /* s a deferred transaction may wait once due */
    uint32_t max_transaction_delay;          /* s of delay authorities may require */
    uint32_t max_inline_action_size;         /* bytes */
    uint16_t max_inline_action_depth;
    uint16_t max_authority_depth; /* recursion limit of the authority checker */
} cps_chain_config;

typedef struct cps_chain_genesis {
    int64_t initial_timestamp; /* time_point: µs since 1970 */
    cps_public_key initial_key;
    cps_chain_config initial_configuration;
} cps_chain_genesis;

/* EOSIO 2.0's defaults (config.hpp default_*): 1 MiB blocks, 10% targets, 200 ms block CPU,
 * 150 ms transaction CPU, 1 h lifetime, 45 days max delay, 512 KiB inline actions, depth 4 / 6. */
void cps_chain_config_default(cps_chain_config *out);
/* nodeos's built-in genesis: 2018-06-01T12:00:00.000, the EOS6MRy... development key, the
 * default configuration. Its chain id is 8a34ec7d...2b8f (a fresh EOSIO 2.0 nodeos). */
void cps_chain_genesis_default(cps_chain_genesis *out);
/* The genesis cpsd gives a development chain (no --genesis-json): nodeos's built-in one with
 * min_transaction_cpu_usage lowered to CPS_CHAIN_DEV_MIN_TRANSACTION_CPU_US. CPS bills the VM's
 * deterministic units (CPS_CHAIN_UNITS_PER_US), and an eosio.token transfer costs far less than
 * EOSIO's 100 µs floor, which alone would cap a 200 ms block at 2,000 transfers
 * (docs/performance.md). Every other field is nodeos's default. */
#define CPS_CHAIN_DEV_MIN_TRANSACTION_CPU_US 10u
void cps_chain_genesis_development(cps_chain_genesis *out);

/* chain_config::validate(), the same rules in the same order; CPS_ERR_INVALID_ARG with nodeos's
 * message for the first rule broken ("max transaction net usage must be less than max block net
 * usage"). The rules: both target percentages within [0.1%, 100%]; max transaction net < max block
 * net; max transaction cpu < max block cpu; base net per transaction < max transaction net and at
 * least 10 KiB below it; discount denominator > 0 and num <= den; min transaction cpu <= max
 * transaction cpu < max block cpu - min transaction cpu; max_authority_depth >= 1. */
CPS_MUST_USE int cps_chain_config_validate(const cps_chain_config *c);

/* Binary forms (68 bytes). Pack appends and returns b->failed; unpack advances r. */
int cps_chain_config_pack(cps_buf *b, const cps_chain_config *c);
CPS_MUST_USE int cps_chain_config_unpack(cps_reader *r, cps_chain_config *out);

/* JSON as nodeos reads it (fc from_variant): an object whose known fields override `*inout`
 * (absent fields keep their value, unknown fields are ignored). Values are integers or strings of
 * decimal digits; out-of-range, negative, fractional or non-numeric values fail with
 * CPS_ERR_JSON naming the field ("initial_configuration.max_authority_depth: 70000 does not fit
 * in uint16"). Does not validate (see cps_chain_config_validate). */
CPS_MUST_USE int cps_chain_config_from_json_value(const json_t *value, cps_chain_config *inout);
/* Appends the object as nodeos prints it (fields in FC_REFLECT order; integers above
 * 0xffffffff as strings, as fc's JSON writer does). */
int cps_chain_config_to_json(const cps_chain_config *c, cps_buf *out);

/* Genesis JSON as nodeos's --genesis-json reads it: {"initial_timestamp":
 * "2018-06-01T12:00:00.000", "initial_key": "EOS..." or "PUB_K1_..." or "PUB_R1_...",
 * "initial_configuration": {...}}. The timestamp must not be before 1970 and has at most
 * millisecond precision (the precision nodeos reads and prints). Absent fields take nodeos's
 * defaults (cps_chain_genesis_default), unknown ones (such as the "initial_chain_id" old tutorials
 * carry) are ignored; duplicate keys are rejected rather than resolved one way or the other.
 * The configuration is then validated as the controller does at startup. Errors: CPS_ERR_JSON
 * (syntax, with line and column; wrong types; bad timestamp or key, naming the field) or the
 * validation's CPS_ERR_INVALID_ARG. */
CPS_MUST_USE int cps_chain_genesis_from_json(const char *json, size_t len, cps_chain_genesis *out);
CPS_MUST_USE int cps_chain_genesis_from_json_value(const json_t *value, cps_chain_genesis *out);
/* Reads and parses a genesis file (CPS_ERR_IO if it cannot be read; at most 1 MiB). */
CPS_MUST_USE int cps_chain_genesis_from_file(const char *path, cps_chain_genesis *out);
/* Appends the genesis as nodeos prints it (timestamp with milliseconds, K1 keys as "EOS..."). */
int cps_chain_genesis_to_json(const cps_chain_genesis *g, cps_buf *out);

/* Binary form (raw genesis_state). Pack fails (b->failed) for a key that is not K1 or R1. */
int cps_chain_genesis_pack(cps_buf *b, const cps_chain_genesis *g);
CPS_MUST_USE int cps_chain_genesis_unpack(cps_reader *r, cps_chain_genesis *out);

/* chain_id = sha256(raw genesis_state). */
CPS_MUST_USE int cps_chain_genesis_chain_id(const cps_chain_genesis *g, cps_checksum256 *chain_id);

/* ==========================================================================================
 * Block log (block_log.c): the append-only file of irreversible blocks, byte-compatible with
 * nodeos's blocks/blocks.log and blocks/blocks.index (EOSIO 2.0 libraries/chain/block_log.cpp,
 * versions 1 to 3; CPS writes version 3, as nodeos 2.0 does).
 *
 *   blocks.log
 *   +---------+----------------+------------------------------+-------------------+
 *   | version | first_block_num| genesis_state (110 bytes)    | totem             |  header
 *   | u32 LE  | u32 LE  (v>=2) |   if v <= 2 or first == 1,   | u64 0xffff..ffff  |
 *   |         |                | else chain_id (32 bytes)     | (v >= 2)          |
 *   +---------+----------------+------------------------------+-------------------+
 *   | raw signed_block (first_block_num)      | u64 LE: offset of this block's start |  entry
 *   +-----------------------------------------+--------------------------------------+
 *   | raw signed_block (first_block_num + 1)  | u64 LE: offset of this block's start |
 *   +-----------------------------------------+--------------------------------------+
 *   | ...                                     | ...                                  |
 *   +-----------------------------------------+--------------------------------------+
 *
 *   blocks.index: one u64 LE per block, the offset of block (first_block_num + i) in blocks.log
 *   +------------------+------------------+-----+---------------------+
 *   | offset of first  | offset of second | ... | offset of head      |
 *   +------------------+------------------+-----+---------------------+
 *
 * Version 1 has neither first_block_num (it is 1) nor totem. Every entry ends with its own
 * start offset, so the log can be walked backwards from its last 8 bytes; the index can always
 * be rebuilt from the log, which is the only file that must persist. A version of 0 marks a
 * header whose writing did not finish (the version is written last).
 *
 * Crash safety. An entry is written with one pwrite at the end of the file, then its index slot.
 * On open, the last entry is checked (its trailing offset must point at a signed_block that ends
 * exactly at the trailer); if it is torn (a crash in the middle of an append left a partial
 * entry, or zeros), the log is truncated to the end of the last complete entry. The index is
 * checked (size, first and last offsets) and rebuilt from the log if it is shorter, longer or
 * inconsistent; a read that finds an index slot pointing at the wrong block rebuilds it once.
 * Only the tail is repaired: damage before the last complete entry is reported as
 * CPS_ERR_DB_CORRUPT.
 *
 * fsync policy. With CPS_CHAIN_BLOCK_LOG_SYNC_EACH (the default) every append fdatasync()s
 * blocks.log before returning, so an appended block survives a power loss; the index is not
 * synced per block (it is rebuilt when found inconsistent) but is synced on close and after a
 * rebuild. With CPS_CHAIN_BLOCK_LOG_SYNC_NONE nothing is synced until cps_chain_block_log_sync or
 * close: a killed process loses nothing, an OS crash may lose the last blocks (repaired on open).
 * Header writes (reset) and repairs are always synced, and so is the directory entry of new files.
 *
 * One process at a time: the log holds an exclusive flock on blocks.log while open.
 * ========================================================================================== */

#define CPS_CHAIN_BLOCK_LOG_VERSION 3     /* written */
#define CPS_CHAIN_BLOCK_LOG_MIN_VERSION 1 /* read */
#define CPS_CHAIN_BLOCK_LOG_MAX_VERSION 3
#define CPS_CHAIN_BLOCK_LOG_TOTEM UINT64_MAX
/* Largest block entry accepted when reading (a sanity bound against corrupt offsets). */
#define CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE (64u * 1024u * 1024u)

typedef struct cps_chain_block_log cps_chain_block_log;

enum cps_chain_block_log_sync {
    CPS_CHAIN_BLOCK_LOG_SYNC_EACH = 0, /* fdatasync blocks.log after every append (default) */
    CPS_CHAIN_BLOCK_LOG_SYNC_NONE = 1, /* only on cps_chain_block_log_sync and close */
};

typedef struct cps_chain_block_log_options {
    enum cps_chain_block_log_sync sync;
} cps_chain_block_log_options;

/* What opening found and repaired (for logs and tests). */
typedef struct cps_chain_block_log_recovery {
    uint64_t truncated_bytes; /* torn tail removed from blocks.log */
    bool header_discarded;    /* a header with version 0 (unfinished reset) was removed */
    bool index_rebuilt;       /* blocks.index was rebuilt from blocks.log */
} cps_chain_block_log_recovery;

/* Opens (creating the directory and empty files if needed) the block log in directory `dir`,
 * repairing a torn tail and the index as described above. `opt` may be NULL for defaults. A new
 * or empty log has no header: call cps_chain_block_log_reset_genesis or _reset_chain_id before
 * appending. Errors: CPS_ERR_IO (file system; the detail names the file and errno text),
 * CPS_ERR_STATE (another process holds the log), CPS_ERR_UNSUPPORTED (version > 3),
 * CPS_ERR_FORMAT (bad totem, first_block_num 0, undecodable genesis), CPS_ERR_DB_CORRUPT (damage
 * before the tail). On success the caller owns *out and frees it with cps_chain_block_log_close. */
CPS_MUST_USE int cps_chain_block_log_open(const char *dir, const cps_chain_block_log_options *opt,
                                          cps_chain_block_log **out);
/* Syncs (whatever the policy) and closes; NULL is allowed. */
void cps_chain_block_log_close(cps_chain_block_log *log);

/* Empties both files and writes a version-3 header for a log that starts at block 1 with this
 * genesis (block_log::reset(genesis_state, ...)). Synced before returning. */
CPS_MUST_USE int cps_chain_block_log_reset_genesis(cps_chain_block_log *log,
                                                   const cps_chain_genesis *genesis);
/* The same for a log that starts at first_block_num > 1 (after a snapshot): the header carries
 * the chain id instead of the genesis. CPS_ERR_INVALID_ARG if first_block_num <= 1. */
CPS_MUST_USE int cps_chain_block_log_reset_chain_id(cps_chain_block_log *log,
                                                    const cps_checksum256 *chain_id,
                                                    uint32_t first_block_num);

/* Header facts. has_header is false for a new or empty log. */
bool cps_chain_block_log_has_header(const cps_chain_block_log *log);
uint32_t cps_chain_block_log_version(const cps_chain_block_log *log);
uint32_t cps_chain_block_log_first_block_num(const cps_chain_block_log *log);
/* The genesis in the header: CPS_ERR_NOT_FOUND when the header carries a chain id instead (or
 * there is no header). */
CPS_MUST_USE int cps_chain_block_log_genesis(const cps_chain_block_log *log,
                                             cps_chain_genesis *out);
/* The chain id: computed from the genesis, or as stored. CPS_ERR_NOT_FOUND without a header. */
CPS_MUST_USE int cps_chain_block_log_chain_id(const cps_chain_block_log *log, cps_checksum256 *out);
/* Number and id of the last block, 0 and zeros when the log holds no block. */
uint32_t cps_chain_block_log_head_num(const cps_chain_block_log *log);
void cps_chain_block_log_head_id(const cps_chain_block_log *log, cps_checksum256 *out);
/* What opening repaired. */
void cps_chain_block_log_recovery_info(const cps_chain_block_log *log,
                                       cps_chain_block_log_recovery *out);

/* Appends one block given as its raw signed_block bytes (borrowed for the call). The bytes must
 * decode as exactly one signed_block whose number is head + 1 (or first_block_num for an empty
 * log) and whose `previous` is the head's id (when the log holds a block); otherwise
 * CPS_ERR_BLOCK (or the decoder's error) and nothing is written. *pos (may be NULL) receives the
 * block's offset in blocks.log. An I/O failure truncates the log back to where it was; if even
 * that fails the handle is poisoned (CPS_ERR_STATE afterwards) and reopening repairs the tail. */
CPS_MUST_USE int cps_chain_block_log_append(cps_chain_block_log *log, const uint8_t *raw, size_t n,
                                            uint64_t *pos);
/* The same from a structure (packed here). */
CPS_MUST_USE int cps_chain_block_log_append_block(cps_chain_block_log *log,
                                                  const cps_signed_block *block, uint64_t *pos);
/* fdatasync both files now. */
CPS_MUST_USE int cps_chain_block_log_sync(cps_chain_block_log *log);

/* Offset of block `num` in blocks.log; CPS_ERR_NOT_FOUND outside [first_block_num, head]. */
CPS_MUST_USE int cps_chain_block_log_block_pos(cps_chain_block_log *log, uint32_t num,
                                               uint64_t *pos);
/* Replaces out's contents with the raw signed_block bytes of block `num` (out is the caller's;
 * free it with cps_buf_free). CPS_ERR_NOT_FOUND outside [first_block_num, head];
 * CPS_ERR_DB_CORRUPT if the entry on disk is not block `num` even after rebuilding the index. */
CPS_MUST_USE int cps_chain_block_log_read_raw(cps_chain_block_log *log, uint32_t num, cps_buf *out);
/* The head block's raw bytes (nodeos's read_head); CPS_ERR_NOT_FOUND when the log holds none. */
CPS_MUST_USE int cps_chain_block_log_read_head(cps_chain_block_log *log, cps_buf *out);
/* Reads and decodes block `num`: the raw bytes are copied into the arena and *out borrows from
 * them, so everything stays valid until the arena is freed. A block abi cannot decode is
 * CPS_ERR_DB_CORRUPT, except one carrying WebAuthn keys or signatures: CPS_ERR_UNSUPPORTED (such
 * blocks, valid in nodeos logs, are kept and readable raw). */
CPS_MUST_USE int cps_chain_block_log_read_block(cps_chain_block_log *log, uint32_t num,
                                                cps_arena *a, cps_signed_block *out);
/* The id of block `num` (sha256 of its header with the number in the first 4 bytes). */
CPS_MUST_USE int cps_chain_block_log_read_block_id(cps_chain_block_log *log, uint32_t num,
                                                   cps_checksum256 *id);

/* Forward iteration over blocks [from, head]. A plain value; the log must stay open and must not
 * be appended to while iterating (blocks appended meanwhile are not visited). */
typedef struct cps_chain_block_log_iter {
    cps_chain_block_log *log;
    uint32_t next_num;
    uint32_t last_num;
} cps_chain_block_log_iter;

/* Starts at block `from` (clamped up to first_block_num). */
void cps_chain_block_log_iter_begin(cps_chain_block_log *log, uint32_t from,
                                    cps_chain_block_log_iter *it);
/* Reads the next block's raw bytes into `raw` (replacing its contents) and its number into *num.
 * CPS_ERR_NOT_FOUND when the iteration is over; other errors as cps_chain_block_log_read_raw. */
CPS_MUST_USE int cps_chain_block_log_iter_next(cps_chain_block_log_iter *it, cps_buf *raw,
                                               uint32_t *num);

/* ==========================================================================================
 * Authority checking (authority.c): EOSIO's authority_checker (EOSIO 2.0
 * libraries/chain/include/eosio/chain/authority_checker.hpp) and the parts of
 * authorization_manager that need no linkauth table: parent-permission satisfaction, the check
 * of a transaction's declared authorizations with the irrelevant-signature rule, and
 * get_required_keys.
 *
 * How a permission level is satisfied, exactly as nodeos decides it:
 *   - A level given in `permissions` (e.g. contract@eosio.code for inline actions) is satisfied
 *     outright; a given level with permission 0 stands for every permission of its actor.
 *   - Otherwise its authority (looked up through the callback) must reach its threshold. The
 *     authority's entries are visited from the highest weight down; at equal weight waits first,
 *     then keys, then accounts, each in the authority's order; the visit stops as soon as the
 *     tally reaches the threshold. A key counts if it is among the provided keys (and is marked
 *     used); a wait counts if the provided delay is >= wait_sec; an account@permission counts if
 *     that level is satisfied, recursively.
 *   - Recursion: the level asked for is depth 0; the accounts of an authority at depth d are
 *     expanded only while d < max_depth (chain_config.max_authority_depth). Each level's outcome
 *     is cached for the rest of the question; a level being evaluated counts as unsatisfied where
 *     it is met again, so cycles end. A level whose lookup says CPS_ERR_NOT_FOUND (or whose actor
 *     or permission is 0) simply adds nothing.
 *   - Keys marked used while evaluating an authority that ends unsatisfied are unmarked again;
 *     so after a successful check the used keys are those that contributed, in the greedy visit
 *     order above, and the unused ones are the "irrelevant signatures" nodeos rejects.
 * ========================================================================================== */

/* Finds the authority of a permission level. Returns 0 and sets *out (borrowed: it must stay
 * valid until the checker call that asked returns), CPS_ERR_NOT_FOUND when there is no such
 * permission (the checker then counts nothing for it), or another error to abort the check. */
typedef int (*cps_chain_permission_lookup)(void *ctx, const cps_permission_level *level,
                                           const cps_authority **out);
/* Called before each permission lookup; a non-zero result (e.g. CPS_ERR_DEADLINE) aborts. */
typedef int (*cps_chain_checktime)(void *ctx);

typedef struct cps_chain_auth_params {
    cps_chain_permission_lookup lookup; /* required */
    void *lookup_ctx;
    uint16_t max_depth; /* chain_config.max_authority_depth */
    const cps_public_key
        *keys; /* keys recovered from the signatures; copied, sorted, deduplicated */
    size_t key_count;
    const cps_permission_level *permissions; /* levels satisfied outright; copied */
    size_t permission_count;
    int64_t delay_us; /* provided delay; INT64_MAX for "unbounded" (see effective_delay) */
    cps_chain_checktime checktime; /* optional */
    void *checktime_ctx;
} cps_chain_auth_params;

typedef struct cps_chain_auth_checker cps_chain_auth_checker;

/* Creates a checker (the caller frees it with cps_chain_auth_checker_destroy). Fails with
 * CPS_ERR_INVALID_ARG without a lookup callback, CPS_ERR_NOMEM. */
CPS_MUST_USE int cps_chain_auth_checker_create(const cps_chain_auth_params *params,
                                               cps_chain_auth_checker **out);
void cps_chain_auth_checker_destroy(cps_chain_auth_checker *checker);

/* Whether `level` is satisfied (with the checker's delay, or with `delay_us` for the _delay form,
 * as nodeos's satisfied(permission, override_delay)). Each call starts a fresh permission cache;
 * used keys accumulate over calls (a call that fails leaves them as they were). Returns 0 and
 * sets *ok, or an error from the callbacks or CPS_ERR_NOMEM (then *ok is false). */
CPS_MUST_USE int cps_chain_auth_satisfied(cps_chain_auth_checker *checker,
                                          const cps_permission_level *level, bool *ok);
CPS_MUST_USE int cps_chain_auth_satisfied_delay(cps_chain_auth_checker *checker,
                                                const cps_permission_level *level, int64_t delay_us,
                                                bool *ok);
/* Whether an authority itself is satisfied (its accounts at depth 0). */
CPS_MUST_USE int cps_chain_auth_authority_satisfied(cps_chain_auth_checker *checker,
                                                    const cps_authority *auth, bool *ok);

/* The provided keys, sorted by (type, bytes) and deduplicated, and which of them are used. */
size_t cps_chain_auth_key_count(const cps_chain_auth_checker *checker);
const cps_public_key *cps_chain_auth_key(const cps_chain_auth_checker *checker, size_t i);
bool cps_chain_auth_key_used(const cps_chain_auth_checker *checker, size_t i);
bool cps_chain_auth_all_keys_used(const cps_chain_auth_checker *checker);
/* Appends the unused keys as nodeos prints them in tx_irrelevant_sig: ["EOS...","PUB_R1_..."]. */
int cps_chain_auth_unused_keys_json(const cps_chain_auth_checker *checker, cps_buf *out);

/* nodeos's effective delay: a provided delay at or beyond max_transaction_delay (seconds) counts
 * as unbounded (INT64_MAX). */
int64_t cps_chain_auth_effective_delay(int64_t provided_us, uint32_t max_transaction_delay_sec);

/* One authorization an action declares, with the delay it is checked under. */
typedef struct cps_chain_declared_auth {
    cps_permission_level level;
    int64_t delay_us;
} cps_chain_declared_auth;

/* The last step of authorization_manager::check_authorization: the declared levels are
 * deduplicated (keeping the smallest delay of each) and checked in ascending (actor, permission)
 * order; then, unless allow_unused_keys, every provided key must have been used. Errors:
 * CPS_ERR_AUTH "transaction declares authority '{"actor":"alice","permission":"active"}', but
 * does not have signatures for it under a provided delay of 0 ms, ..." or "transaction bears
 * irrelevant signatures from these keys: [...]", or a callback's error. */
CPS_MUST_USE int cps_chain_auth_check_declared(cps_chain_auth_checker *checker,
                                               const cps_chain_declared_auth *auths, size_t n,
                                               bool allow_unused_keys);

/* nodeos's get_required_keys: checks each declared level in the given order with the candidate
 * keys (no provided permissions) and returns the keys the checker marked used. Note this is the
 * greedy selection described above (highest weights first, stopping at the threshold), as nodeos
 * computes it, not a search for the globally smallest subset. *out (sorted) is allocated with
 * malloc and freed by the caller with free(); NULL when *out_n is 0. CPS_ERR_AUTH "transaction
 * declares authority '...', but does not have signatures for it." if a level is not satisfied. */
CPS_MUST_USE int cps_chain_get_required_keys(cps_chain_permission_lookup lookup, void *lookup_ctx,
                                             uint16_t max_depth,
                                             const cps_permission_level *declared, size_t n,
                                             const cps_public_key *candidates,
                                             size_t candidate_count, int64_t delay_us,
                                             cps_public_key **out, size_t *out_n);

/* Parent chains (permission_object::satisfies): `declared` satisfies `required` when both belong
 * to the same account and declared is required itself or one of its ancestors (owner satisfies
 * active and every custom permission below it). The callback gives a permission's parent name
 * (0 for a root such as owner) or CPS_ERR_NOT_FOUND. Returns 0 and *ok, CPS_ERR_NOT_FOUND if
 * `required` does not exist, or CPS_ERR_DB_CORRUPT for a parent chain longer than 65536 (a cycle
 * in the stored tree). */
typedef int (*cps_chain_permission_parent)(void *ctx, const cps_permission_level *level,
                                           cps_name *parent);
CPS_MUST_USE int cps_chain_permission_satisfies(cps_chain_permission_parent parent_of, void *ctx,
                                                const cps_permission_level *declared,
                                                const cps_permission_level *required, bool *ok);

/* Authority validation (threshold > 0, sorted unique keys/accounts/waits, weights sum >=
 * threshold) is abi's cps_abi_authority_validate. */

#endif
