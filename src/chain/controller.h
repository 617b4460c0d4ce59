/* chain: the controller — CPS's state machine, in Antelope's explicit block phases:
 *
 *   open ──> start_block ──> push_transaction* ──> finalize_block ──> commit_block ──┐
 *              ^    │                                                                 │
 *              │    └──────────── abort_block (hands back the unapplied transactions) │
 *              └─────────────────────────────────────────────────────────────────────┘
 *   push_block (a block produced elsewhere) = start + replay its transactions + compare + commit
 *
 *   set_lib (blocks up to num become irreversible: to blocks.log)   pop_block (undo the head)
 *
 * State lives in LMDB (state/state.h); irreversible blocks go to the block log (chain.h). A block
 * whose active producer schedule has one producer is irreversible at once: commit appends it to
 * the log and keeps no undo log; the block goes to the log before the state commits, so a crash
 * between the two leaves the log one block ahead and open replays it. With more producers a
 * committed block is reversible (undo log kept, bytes in <data_dir>/reversible) until set_lib;
 * see "reversible blocks" and "producer schedules" below. The state's tables this module owns
 * (all rows keyed big-endian, values little-endian):
 *
 *   chain.account  name                          -> account record (controller.c)
 *   chain.code     code hash                     -> refcount u32 | wasm bytes
 *   chain.perm     owner | name                  -> parent u64 | last_updated i64 | last_used i64 |
 *                                                   authority (packed)
 *   chain.link     account | code | type         -> required permission u64
 *   chain.global   "config" / "head" / "hhdr" /  -> chain_config / head block state and header /
 *                  "seq" / "rlstate" /              sequences / resource-limit state (resource.c) /
 *                  "pfact" / "pfpre" / "sched"      activated and pre-activated features /
 *                                                   producer schedules (schedule.c)
 *   chain.bsum     block_num & 0xffff (u16)      -> block id (TaPoS block summary)
 *   chain.dedup    id                            -> expiration u32
 *   chain.expiry   expiration u32 | id           -> (empty): purge of expired dedup entries
 *   chain.rlimit   name                          -> ram_bytes i64 | net_weight i64 | cpu_weight i64
 *   chain.rusage   name                          -> ram_usage i64 | net and cpu 24 h averages
 *   chain.gentrx / chain.genid / chain.gendue      -> scheduled (deferred) transactions (deferred.c)
 *
 * Threads: one controller belongs to one thread (the node's loop). Signature recovery of a
 * transaction runs on a pool of worker threads when `signature_threads` > 0. */
#ifndef CPS_CHAIN_CONTROLLER_H
#define CPS_CHAIN_CONTROLLER_H

#include "base/base.h"
#include "abi/abi.h"
#include "crypto/crypto.h"
#include "state/state.h"
#include "chain/chain.h"

typedef struct cps_chain_controller cps_chain_controller;

/* CPU billing: the VM's deterministic cost units (vm_cost.c) are billed as microseconds at this
 * rate, so every node bills the same; a transaction is billed at least
 * min_transaction_cpu_usage and may use at most max_transaction_cpu_usage (or its header's
 * max_cpu_usage_ms) of them. */
#define CPS_CHAIN_UNITS_PER_US 100u

typedef struct cps_chain_controller_options {
    const char *data_dir;              /* state in <dir>/state, block log in <dir>/blocks */
    const cps_chain_genesis *genesis;  /* for a new chain; NULL: nodeos's default genesis */
    uint64_t state_map_size;           /* 0: state default */
    enum cps_state_sync state_sync;    /* CPS_STATE_SYNC_FULL by default */
    bool block_log_no_sync;            /* fdatasync the block log only on close */
    uint32_t signature_threads;        /* 0: recover signatures on the calling thread */
    const char *snapshot;              /* start an empty data_dir from this snapshot file */
} cps_chain_controller_options;

/* Opens (creating if needed) a chain in opt->data_dir. A new chain is initialised from the
 * genesis as nodeos does (accounts eosio, eosio.null, eosio.prods; block 1 in the block log).
 * An existing chain reopens at its head; if the block log holds blocks beyond the state's head
 * (the state was lost or is behind), they are replayed. Caller frees *out with
 * cps_chain_controller_close. Errors: the state's or the block log's, CPS_ERR_BLOCK (the block
 * log and the state disagree), CPS_ERR_INVALID_ARG (a genesis for another chain). */
CPS_MUST_USE int cps_chain_controller_open(const cps_chain_controller_options *opt,
                                           cps_chain_controller **out);
/* With opt->snapshot, data_dir must hold no state and no block: the state is loaded from the
 * snapshot (cps_chain_controller_write_snapshot) and the block log starts at the block after the
 * snapshot's head; later opens need no snapshot. A data_dir started so cannot rebuild a lost
 * state from its log (that needs the snapshot again). Errors: CPS_ERR_INVALID_ARG (data_dir not
 * empty), CPS_ERR_FORMAT (not a CPS snapshot, or truncated/damaged: the state's checks), and the
 * state's and block log's. */
/* Aborts a pending block and closes. NULL is allowed. */
void cps_chain_controller_close(cps_chain_controller *c);

/* ---- facts ---------------------------------------------------------------------------------- */
const cps_checksum256 *cps_chain_controller_chain_id(const cps_chain_controller *c);
const cps_chain_config *cps_chain_controller_config(const cps_chain_controller *c);
uint32_t cps_chain_controller_head_num(const cps_chain_controller *c);
void cps_chain_controller_head_id(const cps_chain_controller *c, cps_checksum256 *out);
uint32_t cps_chain_controller_head_timestamp(const cps_chain_controller *c); /* slot */
/* The underlying state (for read views: cps_state_view_open; do not write through it). */
cps_state *cps_chain_controller_state(cps_chain_controller *c);
/* The block log (borrowed; read only). */
cps_chain_block_log *cps_chain_controller_block_log(cps_chain_controller *c);
/* SHA-256 of the whole state at the head (or of the pending block when one is open). */
CPS_MUST_USE int cps_chain_controller_state_hash(cps_chain_controller *c, uint8_t out[32]);

/* Writes a portable snapshot of the state at the head (no block may be pending) to `path`
 * (written to path.tmp, synced, then renamed): "CPSCHSN1", the chain id, then the state's
 * snapshot (state.h), which carries the head block's state and header. */
CPS_MUST_USE int cps_chain_controller_write_snapshot(cps_chain_controller *c, const char *path);

/* ---- reading accounts (from the pending block if any, else the head) ---------------------- */
typedef struct cps_chain_account_info {
    cps_name name;
    int64_t creation_date_us;
    bool privileged;
    cps_checksum256 code_hash;     /* zeros without code */
    uint32_t code_sequence;
    uint32_t abi_sequence;
    uint64_t recv_sequence;
    uint64_t auth_sequence;
    int64_t last_auth_us;          /* last time the account authorized anything (0: never) */
    size_t abi_size;               /* bytes of the binary ABI */
} cps_chain_account_info;

/* CPS_ERR_NOT_FOUND if there is no such account. */
CPS_MUST_USE int cps_chain_controller_get_account(cps_chain_controller *c, cps_name name,
                                                  cps_chain_account_info *out);
/* The account's binary ABI (replaces out's contents; empty when none). */
CPS_MUST_USE int cps_chain_controller_get_abi(cps_chain_controller *c, cps_name name,
                                              cps_buf *out);
/* A permission: its parent and authority (arrays in the arena). CPS_ERR_NOT_FOUND if absent. */
CPS_MUST_USE int cps_chain_controller_get_permission(cps_chain_controller *c, cps_name owner,
                                                     cps_name perm, cps_arena *a,
                                                     cps_name *parent, cps_authority *auth,
                                                     int64_t *last_used_us);
/* The permission a linkauth requires for (account, code, type), with EOSIO's fallback to the
 * code-wide link (type 0); CPS_ERR_NOT_FOUND when there is none (active applies). */
CPS_MUST_USE int cps_chain_controller_get_link(cps_chain_controller *c, cps_name account,
                                               cps_name code, cps_name type, cps_name *required);
/* A contract table row by primary key (copied into out). CPS_ERR_NOT_FOUND if absent. */
CPS_MUST_USE int cps_chain_controller_get_row(cps_chain_controller *c, cps_name code,
                                              cps_name scope, cps_name table, uint64_t primary,
                                              cps_buf *out);
/* Resource limits and usage: -1 means unlimited. */
CPS_MUST_USE int cps_chain_controller_get_resources(cps_chain_controller *c, cps_name account,
                                                    int64_t *ram_bytes, int64_t *ram_usage,
                                                    int64_t *net_weight, int64_t *cpu_weight);

/* CPU (µs) and NET (bytes) of an account over the 24 h window, as get_account's net_limit /
 * cpu_limit: used, still available and the maximum its staked share allows (available and max
 * are -1 when unlimited: weight -1, or nothing staked chain-wide); and the usage accumulator
 * behind `used` (slot of its last update, 0 before any; the average times 1,000,000) so a reader
 * can decay it to another time as nodeos's current_used does. */
typedef struct cps_chain_account_resource_limit {
    int64_t used, available, max;
    uint32_t last_ordinal;
    uint64_t value_ex;
} cps_chain_account_resource_limit;
CPS_MUST_USE int cps_chain_controller_get_account_limits(cps_chain_controller *c, cps_name account,
                                                         cps_chain_account_resource_limit *net,
                                                         cps_chain_account_resource_limit *cpu);
/* The elastic virtual block limits (NET bytes, CPU µs) the account shares are computed from. */
CPS_MUST_USE int cps_chain_controller_get_virtual_limits(cps_chain_controller *c, uint64_t *net,
                                                         uint64_t *cpu);

/* ---- protocol features -------------------------------------------------------------------------
 * CPS recognizes nodeos's builtin features (PREACTIVATE_FEATURE ... CRYPTO_PRIMITIVES) by their
 * digests. A feature is activated at the start of a block whose header lists it (extension 0,
 * protocol_feature_activation): the producer's next block lists every feature a contract
 * pre-activated (preactivate_feature, e.g. eosio.boot's `activate`) and those scheduled here;
 * PREACTIVATE_FEATURE itself needs no pre-activation, every other one does. CPS keeps the records
 * (is_feature_activated, get_activated_protocol_features); the features' behaviour changes are
 * not switched by them (see the report). */
typedef struct cps_chain_activated_feature {
    cps_checksum256 digest;
    uint32_t activation_block_num;
    const char *codename; /* static; "" if unknown */
} cps_chain_activated_feature;
/* The activated features in activation order (*out malloc'd; caller frees; NULL when none). */
CPS_MUST_USE int cps_chain_controller_get_activated_features(cps_chain_controller *c,
                                                             cps_chain_activated_feature **out,
                                                             size_t *count);
/* The features the next block this node starts activates besides the pre-activated ones
 * (replaces the previous list; cleared once a block activates them). CPS_ERR_INVALID_ARG for an
 * unrecognized digest. */
CPS_MUST_USE int cps_chain_controller_schedule_protocol_features(cps_chain_controller *c,
                                                                 const cps_checksum256 *digests,
                                                                 size_t n);

/* ---- producer schedules ------------------------------------------------------------------------
 * EOSIO's producer_authority_schedule: up to 125 producers, each with a block signing authority
 * (threshold and weighted keys; a legacy producer_key is threshold 1, one key of weight 1). The
 * chain keeps three (chain.global "sched", so state hashes and snapshots carry them):
 *
 *   proposed  set by set_proposed_producers(_ex) in block P (version = pending's or active's + 1)
 *   pending   announced in the legacy header field new_producers of the block it became pending in
 *   active    the schedule blocks are produced under; headers carry its version
 *
 * Promotion is a function of the blocks alone (never of a node's view of finality): with
 * round(slot) = slot / (12 * n), n the size of the parent block's active schedule, the first
 * block of a new round (its round differs from its parent's) first makes the pending schedule
 * active, then makes the proposed one pending. So a schedule proposed in round R is pending
 * from the first block of a round > R and active from the first block of the round after that
 * (Savanna's proposed -> pending -> active steps at round starts, proposer_policy.hpp, without
 * its finality condition). The producer of slot s is producers[(s % (12 * n)) / 12] of the
 * schedule active for that block (EOSIO's rotation: 12 consecutive slots each). */
#define CPS_CHAIN_MAX_PRODUCERS 125

typedef struct cps_chain_schedule_producer {
    cps_name name;
    uint32_t threshold;
    cps_key_weight *keys;
    uint32_t key_count;
} cps_chain_schedule_producer;

typedef struct cps_chain_producer_schedule {
    uint32_t version;
    cps_chain_schedule_producer *producers;
    uint32_t producer_count;
} cps_chain_producer_schedule;

typedef struct cps_chain_schedules {
    cps_chain_producer_schedule active;
    bool has_pending;
    cps_chain_producer_schedule pending;
    uint32_t pending_block_num;  /* the block that announced it */
    bool has_proposed;
    cps_chain_producer_schedule proposed;
    uint32_t proposed_block_num; /* the block whose transaction proposed it */
} cps_chain_schedules;

/* Frees the arrays of every schedule in *s (the struct itself is the caller's). NULL allowed. */
void cps_chain_schedules_free(cps_chain_schedules *s);
/* The head block's schedules (deep copies; caller frees with cps_chain_schedules_free). */
CPS_MUST_USE int cps_chain_controller_get_schedules(cps_chain_controller *c,
                                                    cps_chain_schedules *out);
/* The same read from any view of the state (any thread: the HTTP API). CPS_ERR_DB_CORRUPT when
 * the record is missing or damaged. */
CPS_MUST_USE int cps_chain_read_schedules(cps_state *st, cps_state_view *v,
                                          cps_chain_schedules *out);
/* Who produces a block at `slot` on top of the head (slot > head's timestamp; the promotion the
 * block would make is taken into account): its name and a key that can sign alone (the first key
 * whose weight reaches the threshold; *key may be NULL). CPS_ERR_INVALID_ARG for a slot not after
 * the head's. */
CPS_MUST_USE int cps_chain_controller_scheduled_producer(cps_chain_controller *c, uint32_t slot,
                                                         cps_name *name, cps_public_key *key);

/* ---- reversible blocks and the last irreversible block --------------------------------------
 * Blocks above LIB are reversible: the state keeps their undo logs and their bytes are kept in
 * <data_dir>/reversible/<num>.blk (written, synced unless block_log_no_sync, before the state
 * commits the block); blocks.log holds exactly blocks up to LIB. When the block's active schedule
 * has one producer, committing it makes it (and every block before it) irreversible at once (its
 * producer's signature is 2/3+1 of one): the block goes to blocks.log and no undo log is kept.
 * With more producers LIB moves only through set_lib (the finality module's call). */
uint32_t cps_chain_controller_lib_num(const cps_chain_controller *c);
void cps_chain_controller_lib_id(const cps_chain_controller *c, cps_checksum256 *out);
/* Makes blocks up to `num` irreversible: appends LIB+1..num to blocks.log in order (the log
 * first, so a crash replays cleanly), then drops their undo logs and stored bytes. num == LIB is
 * a no-op. Allowed while a block is pending (the undo logs are then dropped with its commit or
 * abort). Errors: CPS_ERR_INVALID_ARG (num < LIB or num > head), the block log's and state's. */
CPS_MUST_USE int cps_chain_controller_set_lib(cps_chain_controller *c, uint32_t num);
/* Undoes the head block (which must be above LIB; no block may be pending): the state returns to
 * the previous block exactly. Its input transactions are handed back as abort_block does
 * (*unapplied: array of cps_buf, caller frees each and the array; may be NULL). Errors:
 * CPS_ERR_STATE (pending block, or head == LIB), the state's. */
CPS_MUST_USE int cps_chain_controller_pop_block(cps_chain_controller *c, cps_buf **unapplied,
                                                size_t *count);
/* The signed block `num` (<= head): from blocks.log up to LIB, from the reversible store above.
 * Replaces out's contents. CPS_ERR_NOT_FOUND when the chain has no such block here. */
CPS_MUST_USE int cps_chain_controller_read_block(cps_chain_controller *c, uint32_t num,
                                                 cps_buf *out);

/* ---- finality (finality.h, consensus.h) ----------------------------------------------------------
 * A block may carry, in block_extensions, one QC (type CPS_CHAIN_QC_EXTENSION_ID = 0xC350) on its
 * parent. The extension is outside the header: the block id and the producer's signature do not
 * cover it, but every validator checks it (push_block refuses the block otherwise), so a block
 * that carries a QC proves its producer knew its parent was certified. */
/* The producers of a schedule with the one key each signs votes with (the first key reaching
 * the threshold alone, else the first key): *out malloc'd, producer_count entries, caller frees.
 * CPS_ERR_INVALID_ARG for an empty schedule. */
CPS_MUST_USE int cps_chain_schedule_signing_keys(const cps_chain_producer_schedule *s,
                                                 cps_producer_key **out);
/* Between start_block and finalize_block: the pending block will carry this QC extension payload
 * (copied; replaces an earlier one). It must certify the head with 2/3+1 valid signatures of the
 * head's schedule: else CPS_ERR_BLOCK (QC decode/verify detail) and nothing changes.
 * CPS_ERR_STATE without a block being built. */
CPS_MUST_USE int cps_chain_controller_set_qc_extension(cps_chain_controller *c,
                                                       const uint8_t *data, size_t n);
/* The two roots, besides the header, that the head block's producer signed
 * (sha256(sha256(sha256(header) || blockroot_merkle_root) || schedule_hash)): what a
 * double-block evidence record needs (finality.h, cps_chain_signed_header_proof). */
void cps_chain_controller_head_sig_roots(const cps_chain_controller *c,
                                         cps_checksum256 *blockroot_merkle_root,
                                         cps_checksum256 *schedule_hash);
/* The same for any child of the head (a block whose previous is the head): the schedule hash
 * holds unless the child announces a schedule (new_producers), whose legacy hash it then signs. */
void cps_chain_controller_child_sig_roots(const cps_chain_controller *c,
                                          cps_checksum256 *blockroot_merkle_root,
                                          cps_checksum256 *schedule_hash);

/* ---- traces ----------------------------------------------------------------------------------- */

/* action_receipt (EOSIO's layout: its digest is an action_mroot leaf). */
typedef struct cps_chain_auth_sequence {
    cps_name account;
    uint64_t sequence;
} cps_chain_auth_sequence;

typedef struct cps_chain_action_trace {
    uint32_t action_ordinal;          /* 1-based, in creation order */
    uint32_t creator_action_ordinal;  /* 0 for the transaction's own actions */
    uint32_t closest_unnotified_ancestor_action_ordinal;
    cps_name receiver;
    /* the action: account, name, authorizations, data (owned by the trace) */
    cps_name account;
    cps_name name;
    cps_permission_level *authorization;
    uint32_t authorization_count;
    uint8_t *data;
    size_t data_size;
    bool context_free;
    uint32_t execution_index;         /* order of execution (0 = not executed) */
    /* receipt (present when executed) */
    bool has_receipt;
    cps_checksum256 act_digest;
    uint64_t global_sequence;
    uint64_t recv_sequence;
    cps_chain_auth_sequence *auth_sequence;
    uint32_t auth_sequence_count;
    uint32_t code_sequence;
    uint32_t abi_sequence;
    /* output */
    char *console;                    /* NUL-terminated */
    size_t console_size;
    uint8_t *return_value;
    size_t return_value_size;
    uint64_t cpu_units;               /* VM units this action used */
} cps_chain_action_trace;

typedef struct cps_chain_transaction_trace {
    cps_checksum256 id;
    uint32_t block_num;
    uint32_t block_time;              /* slot */
    uint8_t status;                   /* enum cps_transaction_status */
    uint32_t cpu_usage_us;            /* billed */
    uint32_t net_usage_words;         /* billed, in 8-byte words */
    uint64_t cpu_units;               /* VM units used */
    int64_t elapsed_us;               /* wall time, for monitoring only */
    cps_chain_action_trace *actions;  /* in creation order */
    uint32_t action_count;
    uint32_t action_cap;
    int error;                        /* 0, or the error that failed the transaction */
    char *error_message;              /* NULL when error == 0 */
} cps_chain_transaction_trace;

void cps_chain_transaction_trace_free(cps_chain_transaction_trace *t);
/* The trace as JSON in nodeos's shape (id, block_num, receipt, elapsed, net_usage, action_traces
 * with receipt/receiver/act/console/return_value_hex_data, except); action data stays hex. */
int cps_chain_transaction_trace_to_json(const cps_chain_transaction_trace *t, cps_buf *out);

/* ---- block phases ------------------------------------------------------------------------------ */

/* Starts a block on top of the head at slot `timestamp` (> head's) for `producer` (who must be
 * the scheduled producer of that slot, after the block's schedule promotion; else CPS_ERR_BLOCK):
 * opens the pending block in the state, records TaPoS and
 * runs onblock on eosio when eosio has code. CPS_ERR_STATE if a block is already pending. */
CPS_MUST_USE int cps_chain_controller_start_block(cps_chain_controller *c, uint32_t timestamp,
                                                  cps_name producer);
/* Validates and applies one packed_transaction (raw bytes, borrowed for the call) in the pending
 * block. On success the transaction is in the block and *trace (may be NULL) receives its trace
 * (caller frees with cps_chain_transaction_trace_free). On failure nothing of it stays in the
 * state, the block or the dedup table; *trace (if not NULL) receives the trace of the failed
 * attempt (with error set), or NULL when it failed before executing anything. Errors:
 * CPS_ERR_TX_EXPIRED, CPS_ERR_TX_DUPLICATE, CPS_ERR_TX_TAPOS, CPS_ERR_TX (limits, format),
 * CPS_ERR_AUTH, CPS_ERR_RESOURCE, CPS_ERR_ACCOUNT, CPS_ERR_ASSERT, CPS_ERR_TRAP, ... */
CPS_MUST_USE int cps_chain_controller_push_transaction(cps_chain_controller *c, const uint8_t *packed,
                                                       size_t n, cps_chain_transaction_trace **trace);

/* A transaction prepared ahead of the loop (nodeos's transaction_metadata): its packed bytes
 * (copied), decoding, id, signing digest and the keys recovered from its signatures.
 * cps_chain_controller_prepare_transaction may run on ANY thread while the loop uses the
 * controller: it reads only the chain id, which never changes while the controller is open. It
 * checks what needs no chain state — format, expiration against now_us (wall clock, µs), at
 * least one action, no extensions — and recovers every signature (a non-canonical or
 * unrecoverable one fails with CPS_ERR_AUTH naming it). Caller frees *out with
 * cps_chain_trx_meta_free. Errors: CPS_ERR_TX (format), CPS_ERR_TX_EXPIRED, CPS_ERR_AUTH,
 * CPS_ERR_NOMEM. */
typedef struct cps_chain_trx_meta cps_chain_trx_meta;
CPS_MUST_USE int cps_chain_controller_prepare_transaction(const cps_chain_controller *c,
                                                          const uint8_t *packed, size_t n,
                                                          int64_t now_us, cps_chain_trx_meta **out);
void cps_chain_trx_meta_free(cps_chain_trx_meta *m);
const cps_checksum256 *cps_chain_trx_meta_id(const cps_chain_trx_meta *m);
uint32_t cps_chain_trx_meta_expiration(const cps_chain_trx_meta *m);
cps_name cps_chain_trx_meta_first_authorizer(const cps_chain_trx_meta *m); /* 0 if none */
cps_bytes cps_chain_trx_meta_packed(const cps_chain_trx_meta *m);           /* borrowed */
/* cps_chain_controller_push_transaction for a prepared transaction (borrowed; it may be pushed
 * again after a failure): same checks and outcome, without decoding or recovering again. */
CPS_MUST_USE int cps_chain_controller_push_prepared(cps_chain_controller *c,
                                                    const cps_chain_trx_meta *m,
                                                    cps_chain_transaction_trace **trace);
/* Puts a prepared transaction's recovered keys (borrowed m) into the controller's
 * recovered-key cache, keyed by signature and signing digest, so that a block carrying the
 * transaction later is validated without recovering them again (push_prepared does this too).
 * Loop thread only, as every controller call but prepare_transaction. */
void cps_chain_controller_remember_keys(cps_chain_controller *c, const cps_chain_trx_meta *m);
/* Signatures recovered while applying transactions and blocks (on the loop or the block's helper
 * threads; not those of prepare_transaction), and recoveries saved by the recovered-key cache. */
void cps_chain_controller_signature_stats(const cps_chain_controller *c, uint64_t *recovered,
                                          uint64_t *cache_hits);
/* CPU (µs billed) and NET (bytes) used so far by the pending block (0 when none). */
void cps_chain_controller_block_usage(const cps_chain_controller *c, uint64_t *cpu_us,
                                      uint64_t *net_bytes);
/* nodeos's compute_transaction (a dry_run transaction): validates and executes one
 * packed_transaction (raw bytes, borrowed) in the pending block exactly as push_transaction,
 * except that its signatures need not satisfy its declared authorizations (nor those of inline
 * actions), and then undoes everything: afterwards the state, the pending block, the dedup table
 * and the resource usage are as before. Returns what push_transaction would have returned, with
 * *trace (may be NULL; caller frees) the would-be trace, or the failed attempt's. A delayed
 * transaction only shows its scheduling. CPS_ERR_STATE without a pending block. */
CPS_MUST_USE int cps_chain_controller_dry_run_transaction(cps_chain_controller *c,
                                                          const uint8_t *packed, size_t n,
                                                          cps_chain_transaction_trace **trace);
/* This node's own limit on the CPU an input transaction may use (nodeos's
 * --max-transaction-time, ms; <= 0 for none, the default): applied to push_transaction and
 * dry runs, never to blocks replayed by push_block. It is enforced in the chain's deterministic
 * CPU units (CPS_CHAIN_UNITS_PER_US), so the limit means the CPU the transaction would be
 * billed; a transaction that reaches it fails with CPS_ERR_DEADLINE "... reached node
 * configured max-transaction-time ...". */
void cps_chain_controller_set_max_transaction_time(cps_chain_controller *c, int64_t ms);

/* Scheduled transactions (delayed input transactions and those contracts send with
 * send_deferred) are executed by the producer, as nodeos's producer does: it lists those due at
 * the pending block's time (delay_until <= block time; at most `cap` ids, in (delay_until, id)
 * order) and pushes each. push_scheduled_transaction removes the record and either expires it
 * (past its expiration: receipt "expired"), executes it ("executed"), or on failure delivers
 * eosio::onerror to the sender's contract ("soft_fail" if that succeeds) or gives up
 * ("hard_fail"); each outcome adds a receipt with the transaction's id to the block and returns 0,
 * with *trace (may be NULL; caller frees) telling the status and error. Errors (nothing changed):
 * CPS_ERR_NOT_FOUND (no such scheduled transaction), CPS_ERR_TX (not due yet), CPS_ERR_STATE. */
CPS_MUST_USE int cps_chain_controller_get_scheduled_transactions(cps_chain_controller *c,
                                                                 cps_checksum256 *ids, size_t cap,
                                                                 size_t *count);
CPS_MUST_USE int cps_chain_controller_push_scheduled_transaction(cps_chain_controller *c,
                                                                 const cps_checksum256 *id,
                                                                 cps_chain_transaction_trace **trace);
/* Computes the merkle roots, builds the header and signs it with `key` (which must be the key
 * the schedule names for the block's producer). After this only commit or abort are allowed. */
CPS_MUST_USE int cps_chain_controller_finalize_block(cps_chain_controller *c,
                                                     const cps_private_key *key);
/* Makes the finalized block the head: state commit, block summary, block log append. *raw_block
 * (may be NULL) receives the signed block's bytes (replaced; the caller's buffer). */
CPS_MUST_USE int cps_chain_controller_commit_block(cps_chain_controller *c, cps_buf *raw_block);
/* Discards the pending block. The packed transactions it had applied are handed back as
 * malloc'd copies (*unapplied: array of cps_buf the caller frees each with cps_buf_free and the
 * array with free()); unapplied may be NULL. */
void cps_chain_controller_abort_block(cps_chain_controller *c, cps_buf **unapplied,
                                      size_t *count);
bool cps_chain_controller_block_pending(const cps_chain_controller *c);

/* Applies a signed block produced elsewhere (raw bytes, borrowed): its previous must be the head,
 * its timestamp later, its producer the scheduled one, its signature that producer's key, its
 * only block extension (if any) a valid QC on the head (set_qc_extension's checks); its
 * transactions are replayed with their receipts' billing and the block is rejected (nothing
 * kept) unless the recomputed transaction and action merkle roots, the receipts and the id
 * match. CPS_ERR_BLOCK with a detail naming the first mismatch. */
CPS_MUST_USE int cps_chain_controller_push_block(cps_chain_controller *c, const uint8_t *raw,
                                                 size_t n);

#endif
