/* chain (internal): the controller's own structures, shared by controller.c, transaction.c,
 * apply_context.c, eosio_contract.c and resource.c. Nothing outside src/chain includes this. */
#ifndef CPS_CHAIN_CONTROLLER_INTERNAL_H
#define CPS_CHAIN_CONTROLLER_INTERNAL_H

#include "chain/apply_context.h"
#include "chain/controller.h"
#include "chain/intrinsics.h"

/* EOSIO constants (config.hpp) the controller applies. */
#define CPS_CHAIN_PRODUCER_REPETITIONS 12
#define CPS_CHAIN_BLOCK_SUMMARY_SLOTS 0x10000u
#define CPS_CHAIN_OVERHEAD_PER_ACCOUNT_RAM 2048    /* overhead_per_account_ram_bytes */
#define CPS_CHAIN_SETCODE_RAM_MULTIPLIER 10        /* setcode_ram_bytes_multiplier */
/* RAM billed per stored permission and link (CPS's own figures for its rows; EOSIO bills its
 * chainbase objects' sizes, which CPS's layout does not share). */
#define CPS_CHAIN_PERMISSION_RAM 256
#define CPS_CHAIN_LINK_RAM 128
/* RAM billed for a generated (deferred or delayed) transaction besides its packed bytes. */
#define CPS_CHAIN_GENERATED_TRX_RAM 96
#define CPS_CHAIN_TRX_ID_NET_USAGE 32 /* config::transaction_id_net_usage */
/* Hard bound on actions per transaction (EOSIO bounds them only through NET usage). */
#define CPS_CHAIN_MAX_TRX_ACTIONS 4096
#define CPS_CHAIN_MAX_INCREMENTAL_DEPTH 64

/* EOSIO's incremental_merkle over block ids (block_header_state::blockroot_merkle). */
typedef struct cps_chain_incremental_merkle {
    uint64_t node_count;
    uint32_t active_count;
    cps_checksum256 active[CPS_CHAIN_MAX_INCREMENTAL_DEPTH];
} cps_chain_incremental_merkle;

void cps_chain__imerkle_append(cps_chain_incremental_merkle *m, const cps_checksum256 *digest);
void cps_chain__imerkle_root(const cps_chain_incremental_merkle *m, cps_checksum256 *out);

/* The head block's header state, stored in chain.global "head" so a reopened chain knows it. */
typedef struct cps_chain_head {
    uint32_t block_num;
    cps_checksum256 id;
    uint32_t timestamp;
    cps_name producer;
    cps_chain_incremental_merkle blockroot_merkle; /* ids of blocks 1..block_num - 1 */
    uint32_t schedule_version;                     /* the active schedule's (header field) */
    cps_checksum256 schedule_hash;                 /* pending_schedule.schedule_hash: sha256 of
                                                      the last announced legacy schedule */
    /* Finality the chain itself proves (docs/finality.md "Schedule changes"): final_num is the
     * highest block B such that this chain holds B's next-slot child C claiming QC(B) and a
     * child of C claiming QC(C), or the newest block of a one-producer schedule; claim_num is
     * the parent's number when this block claims its parent's QC in the next slot, else 0. */
    uint32_t final_num, claim_num;
} cps_chain_head;

/* The account record of chain.account. `abi` borrows the value it was decoded from. */
typedef struct cps_chain_account {
    cps_name name;
    int64_t creation_date_us;
    bool privileged;
    cps_checksum256 code_hash;
    uint8_t vm_type, vm_version;
    uint32_t code_sequence, abi_sequence;
    uint64_t recv_sequence, auth_sequence;
    int64_t last_auth_us;
    cps_bytes abi;
} cps_chain_account;

/* A contract instance kept per code hash and reset before each action; made under the wasm
 * configuration's max_pages and max_call_depth it records (another configuration remakes it). */
typedef struct cps_chain_instance_entry {
    cps_checksum256 code_hash;
    cps_vm_instance *inst;
    uint32_t max_pages, max_call_depth;
} cps_chain_instance_entry;

/* One transaction applied in the pending block, kept for the block's receipts and for abort. */
typedef struct cps_chain_pending_trx {
    cps_buf packed;         /* the packed_transaction bytes (empty when is_id) */
    bool is_id;             /* a scheduled transaction: the receipt carries only its id */
    cps_checksum256 id;
    uint8_t status;
    uint32_t cpu_usage_us;
    uint32_t net_usage_words;
} cps_chain_pending_trx;

typedef struct cps_chain_pending {
    bool active, finalized, implicit_only;
    uint32_t timestamp;
    cps_name producer;
    uint32_t block_num;
    cps_chain_pending_trx *trxs;
    size_t trx_count, trx_cap;
    cps_checksum256 *action_digests; /* action receipt digests in order (action_mroot leaves) */
    size_t action_count, action_cap;
    uint64_t cpu_used_us, net_used_bytes;
    cps_checksum256 *new_features;   /* activated at this block's start (header extension 0) */
    size_t new_feature_count;
    /* producer schedule of this block (start_block): the producer's signing authority (borrowed
     * from c->sched: its active or pending schedule), the header's schedule_version, and the
     * schedule this block announces as pending (new_producers) */
    const cps_chain_schedule_producer *signer;
    uint32_t schedule_version;
    bool announces;
    cps_producer_schedule announced; /* legacy form; producers malloc'd */
    bool irreversible;               /* one producer: the block is final once committed */
    bool single_producer;            /* its active schedule has one producer */
    bool parent_qc;                  /* it carries (and its header claims) a QC on the head */
    cps_chain_head next_head;        /* filled by finalize */
    cps_buf raw_block;               /* signed block, filled by finalize */
    cps_buf qc_extension;            /* QC on the head to carry (block extension 0xC350), or empty */
} cps_chain_pending;

/* One entry of the recovered-key cache (transaction.c). */
#define CPS_CHAIN_KEY_CACHE_SIZE 4096u
typedef struct cps_chain_key_cache_entry {
    uint8_t tag[32]; /* sha256(signature type | signature | digest) */
    cps_public_key key;
    bool used;
} cps_chain_key_cache_entry;

struct cps_chain_controller {
    char *dir;
    cps_state *st;
    cps_chain_block_log *log;
    cps_chain_genesis genesis;
    cps_checksum256 chain_id;
    cps_chain_config config;
    bool config_dirty; /* set_blockchain_parameters wrote the state: resync after undo points */
    cps_state_table t_account, t_code, t_perm, t_link, t_global, t_bsum, t_dedup, t_expiry,
        t_rlimit, t_rusage, t_gentrx, t_genid, t_gendue;
    cps_chain_head head;
    cps_chain_pending pending;
    cps_vm_cache *vm_cache;
    cps_vm_limits vm_limits;
    cps_chain_instance_entry *instances;
    size_t instance_count, instance_cap;
    cps_state_db *db;
    uint32_t signature_threads;
    bool replaying; /* applying blocks from the log: receipts' billing is taken as given */
    bool replaying_reversible; /* re-applying stored reversible blocks at open (no re-store) */
    cps_chain_schedules sched; /* the head's schedules (chain.global "sched"), reloaded per block */
    uint32_t lib_num;          /* last irreversible block */
    cps_checksum256 lib_id;
    char *rdir;                /* <data_dir>/reversible */
    bool rblock_no_sync;       /* block_log_no_sync: reversible block files are not fsync'd */
    uint32_t rblock_dropped;   /* reversible files up to this number are deleted */
    cps_checksum256 *scheduled_features;  /* the producer's next block activates these */
    size_t scheduled_feature_count;
    cps_chain_key_cache_entry *key_cache; /* NULL until first used */
    uint64_t key_cache_hits;              /* recoveries saved (for tests and monitoring) */
    struct cps_chain_subjective *subjective; /* resource.c; NULL until a first failure */
    uint64_t signatures_recovered;        /* recoveries while applying (loop and block helpers) */
    /* dry_run.c: a dry run (compute_transaction) skips signature checks; this node's own CPU
     * limit on input transactions (--max-transaction-time), in µs, 0 when none. */
    bool dry_run;
    uint64_t node_trx_cpu_limit_us;
};

/* ---- state records (controller.c) -------------------------------------------------------- */
void cps_chain__key_name(uint8_t out[8], cps_name n); /* big-endian */
CPS_MUST_USE int cps_chain__account_get(cps_chain_controller *c, cps_state_view *v, cps_name n,
                                        cps_chain_account *out);
CPS_MUST_USE int cps_chain__account_put(cps_chain_controller *c, const cps_chain_account *a);
CPS_MUST_USE int cps_chain__account_exists(cps_chain_controller *c, cps_name n, bool *exists);
/* Permissions: the authority goes into the arena. */
CPS_MUST_USE int cps_chain__perm_get(cps_chain_controller *c, cps_state_view *v, cps_name owner,
                                     cps_name name, cps_arena *a, cps_name *parent,
                                     cps_authority *auth, int64_t *last_updated,
                                     int64_t *last_used);
CPS_MUST_USE int cps_chain__perm_put(cps_chain_controller *c, cps_name owner, cps_name name,
                                     cps_name parent, const cps_authority *auth,
                                     int64_t last_updated, int64_t last_used);
CPS_MUST_USE int cps_chain__link_get(cps_chain_controller *c, cps_name account, cps_name code,
                                     cps_name type, cps_name *required);
/* The view reads go through: the pending view while a block is pending, else NULL. */
cps_state_view *cps_chain__view(cps_chain_controller *c);
CPS_MUST_USE int cps_chain__next_global_sequence(cps_chain_controller *c, uint64_t *seq);

/* ---- producer schedules (schedule.c) ----------------------------------------------------- */
/* Reads the "sched" record through a view (NULL: the pending view). Caller frees *out. */
CPS_MUST_USE int cps_chain__schedules_load(cps_chain_controller *c, cps_state_view *v,
                                           cps_chain_schedules *out);
/* Writes the record in the pending block: active, then the optional pending and proposed ones. */
CPS_MUST_USE int cps_chain__schedules_store(cps_chain_controller *c,
                                            const cps_chain_producer_schedule *active,
                                            const cps_chain_producer_schedule *pending,
                                            uint32_t pending_block_num,
                                            const cps_chain_producer_schedule *proposed,
                                            uint32_t proposed_block_num);
/* What the first block at `slot` on top of a block at `parent_slot` with schedules `s` does:
 * whether it activates the pending schedule and announces the proposed one. Both happen at a
 * round's first block, and only once the chain proves final (final_num, the parent's
 * cps_chain_head.final_num) the block where the schedule became pending, resp. was proposed;
 * a proposal is announced only into a free pending slot. */
typedef struct cps_chain_schedule_step {
    bool activate, announce;
    const cps_chain_producer_schedule *active; /* the block's active schedule (borrowed from s) */
} cps_chain_schedule_step;
void cps_chain__schedule_step(const cps_chain_schedules *s, uint32_t final_num,
                              uint32_t parent_slot, uint32_t slot, cps_chain_schedule_step *out);
/* The producer of `slot` in schedule `a` (EOSIO's 12-slot rotation). */
const cps_chain_schedule_producer *cps_chain__schedule_producer_at(
    const cps_chain_producer_schedule *a, uint32_t slot);
/* Whether `key` alone satisfies the producer's block signing authority. */
bool cps_chain__producer_key_signs(const cps_chain_schedule_producer *p,
                                   const cps_public_key *key);
/* The legacy producer_schedule {version, [{name, first key}]} (producers malloc'd; caller frees
 * out->producers) and the sha256 of its packing (schedule_hash). */
CPS_MUST_USE int cps_chain__schedule_to_legacy(const cps_chain_producer_schedule *a,
                                               cps_producer_schedule *out);
CPS_MUST_USE int cps_chain__legacy_schedule_hash(const cps_producer_schedule *s,
                                                 cps_checksum256 *out);

/* ---- the chain's wasm limits (wasm_config.c) ---------------------------------------------- */
/* EOSIO's wasm_config: the global properties' wasm_configuration, in its field order. */
typedef struct cps_chain_wasm_config {
    uint32_t max_mutable_global_bytes, max_table_elements, max_section_elements,
        max_linear_memory_init, max_func_local_bytes, max_nested_structures, max_symbol_bytes,
        max_module_bytes, max_code_bytes, max_pages, max_call_depth;
} cps_chain_wasm_config;
#define CPS_CHAIN_WASM_CONFIG_PACKED_SIZE 44

/* genesis_state::default_initial_wasm_configuration (1024, 1024, 8192, 64 KiB, 8192, 1024,
 * 8192, 20 MiB, 20 MiB, 528, 251). */
void cps_chain__wasm_config_default(cps_chain_wasm_config *out);
/* The 11 u32 fields (44 bytes), as fc::raw packs wasm_config. */
void cps_chain__wasm_config_pack(cps_buf *b, const cps_chain_wasm_config *cfg);
CPS_MUST_USE int cps_chain__wasm_config_unpack(cps_reader *r, cps_chain_wasm_config *out);
/* wasm_config::validate: CPS_ERR_INVALID_ARG "<field> cannot be less than <min>" for the first
 * field under its minimum. */
CPS_MUST_USE int cps_chain__wasm_config_validate(const cps_chain_wasm_config *cfg);
/* The configuration in chain.global "wasmcfg" through a view (NULL: the pending view, else the
 * head); the defaults when there is no record. */
CPS_MUST_USE int cps_chain__wasm_config_load(cps_chain_controller *c, cps_state_view *v,
                                             cps_chain_wasm_config *out);
/* Writes the record in the pending block (undone with a failed transaction). */
CPS_MUST_USE int cps_chain__wasm_config_store(cps_chain_controller *c,
                                              const cps_chain_wasm_config *cfg);
/* The VM limits a contract runs under (eos-vm's apply options: max_pages, max_call_depth; the
 * rest as c->vm_limits), and those setcode validates it under (every field, as eos-vm's parser
 * applies wasm_config). */
void cps_chain__wasm_run_limits(const cps_chain_controller *c, const cps_chain_wasm_config *cfg,
                                cps_vm_limits *out);
void cps_chain__wasm_setcode_limits(const cps_chain_controller *c,
                                    const cps_chain_wasm_config *cfg, cps_vm_limits *out);

/* ---- native actions (eosio_contract.c) ------------------------------------------------------ */
/* Runs the native handler of eosio's action `name` if there is one (*handled tells). */
CPS_MUST_USE int cps_chain__native_apply(cps_chain_apply_context *ctx, bool *handled);
/* The creation of an account with owner/active (newaccount, genesis). */
CPS_MUST_USE int cps_chain__create_account(cps_chain_controller *c, cps_name name,
                                           int64_t now_us, bool privileged,
                                           const cps_authority *owner,
                                           const cps_authority *active);

/* ---- transactions (transaction.c) -------------------------------------------------------- */
/* Executes one action (and its notifications and inline actions, recursively). */
CPS_MUST_USE int cps_chain__execute_action(cps_chain_trx_context *tc, uint32_t action_ordinal,
                                           uint32_t depth);
/* Adds a trace entry for an action to run (copying the action); *ordinal receives its ordinal. */
CPS_MUST_USE int cps_chain__schedule_action(cps_chain_trx_context *tc, const cps_action *act,
                                            cps_name receiver, bool context_free,
                                            uint32_t creator, uint32_t closest_unnotified,
                                            uint32_t *ordinal);
/* The permission lookup for the authority checker (ctx = controller, arena in a wrapper). */
typedef struct cps_chain_lookup_ctx {
    cps_chain_controller *c;
    cps_arena arena;
} cps_chain_lookup_ctx;
int cps_chain__permission_lookup(void *ctx, const cps_permission_level *level,
                                 const cps_authority **out);
int cps_chain__permission_parent(void *ctx, const cps_permission_level *level, cps_name *parent);
/* Applies an implicit transaction (onblock) made of one action by eosio. Failure is logged and
 * its writes undone, as nodeos ignores a failing onblock. */
void cps_chain__apply_onblock(cps_chain_controller *c);
/* Applies a packed transaction in the pending block. With `receipt` (replay of a block), the
 * billing given is checked against what execution bills. */
CPS_MUST_USE int cps_chain__push_transaction(cps_chain_controller *c, const uint8_t *packed,
                                             size_t n, const cps_transaction_receipt *receipt,
                                             cps_chain_transaction_trace **trace);
/* The same with the keys already recovered (one per signature, from these bytes). */
CPS_MUST_USE int cps_chain__push_transaction_keys(cps_chain_controller *c, const uint8_t *packed,
                                                  size_t n, const cps_transaction_receipt *receipt,
                                                  const cps_public_key *keys);
/* Starts recovering the keys of a block's input transactions on helper threads
 * (signature_threads, or one per other online CPU) while the block applies; NULL when not worth
 * it or out of memory (then every transaction recovers its own). Owned by the caller:
 * cps_chain__block_keys_free (joins the helpers). blk must outlive it. */
typedef struct cps_chain_block_keys cps_chain_block_keys;
cps_chain_block_keys *cps_chain__block_keys_recover(cps_chain_controller *c,
                                                    const cps_signed_block *blk);
/* The keys of receipt i (borrowed from bk), waiting for them (and recovering receipts not yet
 * taken meanwhile); NULL: recover them on the ordinary path. Calling thread of _recover only. */
const cps_public_key *cps_chain__block_keys_get(cps_chain_block_keys *bk, uint32_t i);
void cps_chain__block_keys_free(cps_chain_block_keys *bk);

/* ---- generated transactions (deferred.c) ------------------------------------------------- */
typedef struct cps_chain_gentrx {
    cps_name sender;          /* 0 for a delayed input transaction */
    cps_uint128 sender_id;
    cps_checksum256 id;
    cps_name payer;
    int64_t published_us, delay_until_us, expiration_us;
    cps_bytes packed_trx;     /* the packed transaction (borrowed from the state's value) */
} cps_chain_gentrx;

cps_uint128 cps_chain__trx_id_to_sender_id(const cps_checksum256 *id);
/* Lookups: CPS_ERR_NOT_FOUND when absent. */
CPS_MUST_USE int cps_chain__gentrx_find_sender(cps_chain_controller *c, cps_name sender,
                                               cps_uint128 sender_id, cps_chain_gentrx *out);
CPS_MUST_USE int cps_chain__gentrx_find_id(cps_chain_controller *c, const cps_checksum256 *id,
                                           cps_chain_gentrx *out);
/* Store / remove with the payer's RAM (through tc's RAM hook when tc is not NULL). */
CPS_MUST_USE int cps_chain__gentrx_store(cps_chain_controller *c, cps_chain_trx_context *tc,
                                         const cps_chain_gentrx *g);
CPS_MUST_USE int cps_chain__gentrx_remove(cps_chain_controller *c, cps_chain_trx_context *tc,
                                          const cps_chain_gentrx *g);
/* Ids of the generated transactions with delay_until <= now_us, by (delay_until, id). */
CPS_MUST_USE int cps_chain__gentrx_due(cps_chain_controller *c, int64_t now_us,
                                       cps_checksum256 *ids, size_t cap, size_t *count);
/* The canceldelay native action once its declared authorization has been checked. */
CPS_MUST_USE int cps_chain__canceldelay(cps_chain_apply_context *ctx,
                                        const cps_permission_level *canceling,
                                        const cps_checksum256 *trx_id);
/* Executes (or expires) the scheduled transaction `id` in the pending block
 * (controller::push_scheduled_transaction); with `receipt`, replays a block's receipt. */
CPS_MUST_USE int cps_chain__push_scheduled(cps_chain_controller *c, const cps_checksum256 *id,
                                           const cps_transaction_receipt *receipt,
                                           cps_chain_transaction_trace **trace);

/* ---- protocol features (features.c) -------------------------------------------------------- */
CPS_MUST_USE int cps_chain__feature_digest(const char *codename, cps_checksum256 *out);
CPS_MUST_USE int cps_chain__feature_is_activated(cps_chain_controller *c, const cps_checksum256 *d,
                                                 bool *yes);
/* controller::preactivate_feature (CPS_ERR_STATE with nodeos's messages). */
CPS_MUST_USE int cps_chain__feature_preactivate(cps_chain_controller *c, const cps_checksum256 *d);
/* Activates `list` at the start of the pending block, as the block header names them
 * (CPS_ERR_BLOCK: unrecognized, duplicate, already active, missing dependency or
 * pre-activation, or a pre-activated feature left out). */
CPS_MUST_USE int cps_chain__features_start_block(cps_chain_controller *c,
                                                 const cps_checksum256 *list, size_t n);
/* What a block produced here activates (malloc'd list). */
CPS_MUST_USE int cps_chain__features_for_next_block(cps_chain_controller *c, cps_checksum256 **out,
                                                    size_t *n);

/* ---- apply context and wasm (apply_context.c) -------------------------------------------- */
CPS_MUST_USE int cps_chain__run_wasm(cps_chain_apply_context *ctx, const cps_chain_account *recv);
void cps_chain__instances_clear(cps_chain_controller *c);
/* set_blockchain_parameters: writes the configuration into the pending state and puts it in
 * force; cps_chain__config_sync re-reads it from the state after a point where an undo may have
 * reverted it (end of a transaction, dry run, onblock, abort). */
CPS_MUST_USE int cps_chain__config_write(cps_chain_controller *c, const cps_chain_config *cfg);
CPS_MUST_USE int cps_chain__config_sync(cps_chain_controller *c);
/* The RAM hook of cps_state_db (user = trx context). */
int cps_chain__ram_hook(void *user, uint64_t payer, int64_t delta);
/* Adds `account` to the transaction's end-of-transaction RAM check (usage <= limit); without
 * the controller's bookkeeping (host tests) the account is checked at once. */
CPS_MUST_USE int cps_chain__trx_verify_ram_at_end(cps_chain_trx_context *tc, cps_name account);

/* ---- resources (resource.c) --------------------------------------------------------------- */
CPS_MUST_USE int cps_chain__resource_init_account(cps_chain_controller *c, cps_name account);
CPS_MUST_USE int cps_chain__resource_add_ram(cps_chain_controller *c, cps_name account,
                                             int64_t delta);
/* Checks that every account's RAM usage is within its limit (after a transaction). */
CPS_MUST_USE int cps_chain__resource_verify_ram(cps_chain_controller *c, cps_name account);
CPS_MUST_USE int cps_chain__resource_get(cps_chain_controller *c, cps_name account,
                                         int64_t *ram_bytes, int64_t *ram_usage,
                                         int64_t *net_weight, int64_t *cpu_weight);
CPS_MUST_USE int cps_chain__resource_set(cps_chain_controller *c, cps_name account,
                                         int64_t ram_bytes, int64_t net_weight,
                                         int64_t cpu_weight);
/* EOSIO's rate limiting (resource_limits_private.hpp / config.hpp). */
#define CPS_CHAIN_RATE_LIMITING_PRECISION 1000000u
#define CPS_CHAIN_ACCOUNT_WINDOW_SLOTS (24u * 3600u * 2u) /* 24 h of 500 ms slots */
#define CPS_CHAIN_BLOCK_AVERAGE_WINDOW_SLOTS 120u         /* 60 s of blocks */

typedef struct cps_chain_usage_accumulator {
    uint32_t last_ordinal;
    uint64_t value_ex; /* average * precision */
    uint64_t consumed;
} cps_chain_usage_accumulator;

/* exponential_moving_average_accumulator::add / average. */
CPS_MUST_USE int cps_chain__usage_add(cps_chain_usage_accumulator *a, uint64_t units,
                                      uint32_t ordinal, uint32_t window);
uint64_t cps_chain__usage_average(const cps_chain_usage_accumulator *a);
/* End of block (resource_limits_manager::process_block_usage): folds the block's usage into the
 * block averages and moves the virtual limits. */
CPS_MUST_USE int cps_chain__resource_process_block(cps_chain_controller *c, uint32_t block_num);
CPS_MUST_USE int cps_chain__resource_account_limits(cps_chain_controller *c, cps_name account,
                                                    cps_chain_account_resource_limit *net,
                                                    cps_chain_account_resource_limit *cpu);
CPS_MUST_USE int cps_chain__resource_virtual_limits(cps_chain_controller *c, uint64_t *net,
                                                    uint64_t *cpu);
/* Bills a transaction's CPU and NET to the accounts that authorized its actions (EOSIO's
 * add_transaction_usage): each account's 24 h averages grow, and must stay within its share
 * weight / total weight of the virtual limit over the window (accounts with weight -1 are
 * unlimited; while nothing is staked, every account is); the block's totals grow and must stay
 * within the block maxima. CPS_ERR_RESOURCE names the account or the block. */
/* Subjective billing (nodeos's subjective_billing): this node's own, in-memory record of the
 * CPU that transactions it was asked to apply spent before failing, per first authorizer,
 * decaying over the 24 h account window. Not consensus: blocks never consult it.
 * resource_subjective_add records a failure; resource_precheck refuses, before any execution, an
 * input transaction one of whose authorizers' subjective bill already reaches the CPU its stake
 * still allows (nodeos: "estimated CPU time ... is not less than the maximum billable CPU time"),
 * so an account that keeps sending what it cannot pay for stops costing apply time; an account
 * without such a record still runs, as in nodeos (its transaction may raise its own limits, e.g.
 * delegatebw to itself), and is billed after execution. */
void cps_chain__resource_subjective_add(cps_chain_controller *c, cps_name account, uint32_t cpu_us);
CPS_MUST_USE int cps_chain__resource_precheck(cps_chain_controller *c, const cps_transaction *trx);
CPS_MUST_USE int cps_chain__resource_bill(cps_chain_controller *c, const cps_transaction *trx,
                                          uint32_t cpu_us, uint32_t net_words);
/* NET billed for a transaction: EOSIO's formula (packed size + base + cfd discount), words. */
uint32_t cps_chain__net_usage_words(const cps_chain_config *cfg, size_t packed_trx_size,
                                    size_t packed_cfd_size, size_t signature_count, bool delayed);
/* CPU billed for units used: max(min_transaction_cpu_usage, ceil(units / UNITS_PER_US)). */
uint32_t cps_chain__cpu_usage_us(const cps_chain_config *cfg, uint64_t units);

/* ---- dry runs and this node's limits (dry_run.c) ------------------------------------------- */
/* The error of a transaction stopped by this node's own CPU limit, in nodeos's words
 * (tx_cpu_usage_exceeded: "... reached node configured max-transaction-time ...");
 * returns CPS_ERR_DEADLINE. */
int cps_chain__node_cpu_limit_exceeded(const cps_chain_trx_context *tc);

/* ---- failure injection (tests) ------------------------------------------------------------
 * commit_block calls this hook, when set, at each point where a crash leaves different files
 * behind; a test forks, sets it to _exit at one point and reopens the directory in the parent. */
enum cps_chain_crash_point {
    CPS_CHAIN_CRASH_BEFORE_LOG = 1, /* nothing of the block is durable */
    CPS_CHAIN_CRASH_AFTER_LOG,      /* the block log has the block, the state does not */
    CPS_CHAIN_CRASH_AFTER_STATE,    /* both have it */
    CPS_CHAIN_CRASH_AFTER_RBLOCK,   /* a reversible block's file is written, the state has not
                                       committed the block */
    CPS_CHAIN_CRASH_SET_LIB_AFTER_LOG, /* set_lib: blocks.log has the newly irreversible blocks,
                                          the state still keeps their undo logs */
};
extern void (*cps_chain__crash_hook)(enum cps_chain_crash_point point);

/* ---- traces ---------------------------------------------------------------------------------- */
void cps_chain__action_trace_free(cps_chain_action_trace *a);

#endif
