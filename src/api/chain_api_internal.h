/* api (chain endpoints, internal): what chain_api.c, chain_api_read.c and chain_api_trx.c share —
 * the endpoint object, parameter readers that answer nodeos-shaped errors, JSON value helpers. */
#ifndef CPS_API_CHAIN_API_INTERNAL_H
#define CPS_API_CHAIN_API_INTERNAL_H

#include "api/chain_api.h"

#include <pthread.h>

/* Transactions whose fate get_transaction_status can tell (a ring of the most recent). */
#define CHAIN_API_TRX_RING 4096

typedef struct chain_api_trx_seen {
    cps_checksum256 id;
    uint32_t block_num; /* 0 while in the pending block */
    cps_checksum256 block_id; /* the block that held it (tells a fork switch that dropped it) */
    uint32_t expiration;
    bool used;
} chain_api_trx_seen;

/* What get_block_header_state shows of a recent block and the state does not keep per block
 * (chain_api_blocks.c): the LIB when it became the head and the producer schedules after it, a
 * snapshot shared by every block with the same schedules. Loop thread only. */
#define CHAIN_API_BLOCK_NOTES 1024
#define CHAIN_API_SCHEDULE_SNAPSHOTS 4

typedef struct chain_api_block_note {
    uint32_t num; /* 0: empty slot */
    cps_checksum256 id;
    uint32_t lib_num;
    uint64_t schedules_serial; /* of a snapshot below; stale once it was evicted */
} chain_api_block_note;

typedef struct chain_api_schedules_snapshot {
    uint64_t serial; /* 0: empty slot */
    cps_chain_schedules s;
} chain_api_schedules_snapshot;

/* A push_transactions batch a follower forwarded: answered with every item's result, in order,
 * once each forwarded item is in a block or expired. */
typedef struct chain_api_batch {
    cps_api_request *req;
    json_t *results;  /* the answer array; forwarded items are filled in as they complete */
    size_t remaining; /* forwarded items not completed */
    bool answered;    /* already answered with an error (shutdown) */
} chain_api_batch;

/* A push answered once its block commits (so a client reads its own writes from the committed
 * view the read-only queries use, and a 202 means the transaction is in an irreversible block). */
typedef struct chain_api_waiting {
    cps_api_request *req; /* NULL for an item of a batch */
    json_t *result;
    /* A push forwarded to peers by a follower: answered when a block holds `id`, or expired;
     * `processed` is its speculative trace (NULL: none), completed from the block. */
    bool forwarded;
    json_t *processed;
    cps_checksum256 id;
    uint32_t expiration;
    chain_api_batch *batch; /* an item of a forwarded push_transactions batch, at `index` */
    size_t index;
} chain_api_waiting;

struct cps_chain_api {
    cps_chain_controller *ctl; /* loop thread only */
    cps_state *st;             /* for read views (any thread) */
    cps_api_server *server;
    cps_api_metrics *metrics;
    cps_api_node_metrics nm;
    cps_api_metric *api_latency; /* histogram of handler times on the HTTP threads */
    cps_checksum256 chain_id;
    cps_chain_config config;
    char version_string[64];

    pthread_mutex_t info_lock; /* guards the fields below */
    char *info_json;
    size_t info_len;
    uint32_t head_num;
    cps_checksum256 head_id;
    uint32_t head_time;
    cps_name head_producer;
    uint32_t lib_num; /* the controller's last irreversible block */
    cps_checksum256 lib_id;
    uint32_t lib_time; /* its timestamp (slot) */

    /* Loop thread only. */
    chain_api_trx_seen trx_ring[CHAIN_API_TRX_RING];
    uint32_t trx_ring_next;
    chain_api_waiting *waiting;
    size_t waiting_count, waiting_cap;
    cps_chain_api_relay_fn relay; /* P2P gossip / forwarding (NULL: none) */
    void *relay_ctx;
    struct chain_api_ingress *ingress; /* the transaction pipeline (chain_api_ingress.c) */
    chain_api_block_note notes[CHAIN_API_BLOCK_NOTES]; /* by block_num % CHAIN_API_BLOCK_NOTES */
    chain_api_schedules_snapshot snapshots[CHAIN_API_SCHEDULE_SNAPSHOTS]; /* by serial % count */
    uint64_t snapshots_serial; /* the latest snapshot's */
};

/* ---- parameters (each reader answers the request with an error and returns false) ---------- */
/* Field `key` as a name (string); absent: *out = dflt unless required. */
bool chain_api_param_name(cps_api_request *req, const char *key, bool required, cps_name *out);
bool chain_api_param_bool(cps_api_request *req, const char *key, bool dflt, bool *out);
/* Unsigned integer given as a number or a decimal string. */
bool chain_api_param_u64(cps_api_request *req, const char *key, uint64_t dflt, uint64_t *out);
/* String (numbers are printed into buf); absent: "" . */
bool chain_api_param_text(cps_api_request *req, const char *key, char *buf, size_t cap);

/* ---- JSON ------------------------------------------------------------------------------------ */
/* fc's rule: 64-bit values above 0xffffffff are strings. New references. */
json_t *chain_api_json_u64(uint64_t v);
json_t *chain_api_json_i64(int64_t v);
json_t *chain_api_json_name(cps_name n);
json_t *chain_api_json_hex(const void *data, size_t n);
json_t *chain_api_json_checksum(const cps_checksum256 *c);
json_t *chain_api_json_time_us(int64_t us);
json_t *chain_api_json_slot(uint32_t slot);
json_t *chain_api_json_public_key(const cps_public_key *k);
json_t *chain_api_json_signature(const cps_signature *s);
/* Parses JSON text produced by another module (trace, ABI) into a value; NULL on failure. */
json_t *chain_api_json_from_buf(const cps_buf *b);
/* An authority as nodeos prints it: {threshold, keys[{key,weight}], accounts[...], waits[...]}. */
json_t *chain_api_json_authority(const cps_authority *a);

/* Reads a contract account's ABI from a view and parses it: *abi is NULL (and 0 returned) when
 * the account has no ABI; CPS_ERR_NOT_FOUND when there is no account. Caller cps_abi_free()s. */
CPS_MUST_USE int chain_api_view_load_abi(cps_chain_api *api, cps_state_view *v, cps_name account,
                                         cps_abi **abi);
/* The account record's code hash from a view (zeros without code). */
CPS_MUST_USE int chain_api_view_code_hash(cps_chain_api *api, cps_state_view *v, cps_name account,
                                          cps_checksum256 *hash, int64_t *created_us,
                                          bool *privileged);

/* ---- endpoints (registered by chain_api.c) ------------------------------------------------- */
void chain_api_get_table_rows(cps_api_request *req, void *user);
void chain_api_get_table_by_scope(cps_api_request *req, void *user);
void chain_api_get_currency_balance(cps_api_request *req, void *user);
void chain_api_get_currency_stats(cps_api_request *req, void *user);
void chain_api_get_abi(cps_api_request *req, void *user);
void chain_api_get_raw_abi(cps_api_request *req, void *user);
void chain_api_get_code(cps_api_request *req, void *user);
void chain_api_get_code_hash(cps_api_request *req, void *user);
void chain_api_get_raw_code_and_abi(cps_api_request *req, void *user);
void chain_api_abi_json_to_bin(cps_api_request *req, void *user);
void chain_api_abi_bin_to_json(cps_api_request *req, void *user);

void chain_api_get_account(cps_api_request *req, void *user); /* chain_api_account.c */
void chain_api_get_block(cps_api_request *req, void *user);
void chain_api_get_block_info(cps_api_request *req, void *user);
void chain_api_get_block_header_state(cps_api_request *req, void *user);
void chain_api_get_required_keys(cps_api_request *req, void *user);
void chain_api_push_transaction(cps_api_request *req, void *user);
void chain_api_push_transactions(cps_api_request *req, void *user);
void chain_api_send_transaction(cps_api_request *req, void *user);
void chain_api_send_transaction2(cps_api_request *req, void *user);
void chain_api_get_transaction_status(cps_api_request *req, void *user);
void chain_api_get_producers(cps_api_request *req, void *user);
void chain_api_get_producer_schedule(cps_api_request *req, void *user);
void chain_api_get_activated_protocol_features(cps_api_request *req, void *user);
void chain_api_compute_transaction(cps_api_request *req, void *user); /* chain_api_compute.c */

/* ---- blocks (chain_api_blocks.c) ------------------------------------------------------------ */
/* Records the new head's note for get_block_header_state (loop; after head_changed's facts). */
void chain_api_blocks_note_head(cps_chain_api *api);
/* Frees the schedule snapshots (loop; destroy). */
void chain_api_blocks_free(cps_chain_api *api);
/* A producer_authority_schedule as nodeos prints it ({version, producers: [{producer_name,
 * authority: [0, {threshold, keys}]}]}); a new reference. */
json_t *chain_api_authority_schedule_json(const cps_chain_producer_schedule *s);
/* A block_signing_authority as nodeos prints it: [0, {threshold, keys: [{key, weight}]}]. */
json_t *chain_api_signing_authority_json(const cps_chain_schedule_producer *p);

/* ---- transactions (chain_api_trx.c: the loop-side handlers, used for non-producing nodes) ---- */
/* Records a transaction applied to the pending block for get_transaction_status (loop). */
void chain_api_remember_trx(cps_chain_api *api, const cps_checksum256 *id, uint32_t expiration);
/* Answers a failed push: CPS_ERR_FORMAT as packed_transaction_type_exception, CPS_ERR_STATE as
 * missing pending block state, anything else through the error map. Any thread. */
void chain_api_respond_trx_error(cps_api_request *req, int rc, const char *detail);

/* ---- the ingress pipeline (chain_api_ingress.c, docs/architecture.md) ---------------------- */
/* Creates the pipeline's queues (bounds from opt) and its wake-up on opt->loop (loop thread). */
CPS_MUST_USE int chain_api_ingress_create(cps_chain_api *api, const cps_chain_api_options *opt);
/* Answers everything still queued or in the pending block with an error and frees (loop). */
void chain_api_ingress_destroy(cps_chain_api *api);
/* The pending block committed / was dropped: its transactions' pushes are answered (loop). */
void chain_api_ingress_committed(cps_chain_api *api);
void chain_api_ingress_aborted(cps_chain_api *api, const char *why);
/* push_transaction, send_transaction, send_transaction2, push_transactions on the HTTP threads:
 * they decode and recover there and queue the transactions for the loop. */
void chain_api_ingress_push_transaction(cps_api_request *req, void *user);
void chain_api_ingress_send_transaction(cps_api_request *req, void *user);
void chain_api_ingress_send_transaction2(cps_api_request *req, void *user);
void chain_api_ingress_push_transactions(cps_api_request *req, void *user);

/* ---- pushes (chain_api_trx.c) ------------------------------------------------------------------ */
/* Answers req with result (taken) once a block commits: at once after the next commit, or, with
 * forward->forwarded, when a committed block holds forward->id (or expired). Loop thread. */
void chain_api_answer_after_commit(cps_chain_api *api, cps_api_request *req, json_t *result,
                                   const chain_api_waiting *forward);
/* Forwards a transaction to the peers through api->relay (which executes it speculatively on a
 * node without a pending block): on 0, *forward says what to wait for (with the speculative
 * trace rendered, nested for push_transaction) and *result is {transaction_id}; else *detail
 * (malloc'd) says why it was refused. Loop thread; api->relay must be set. */
/* One push_transactions item's failure, as nodeos puts it in place of the result:
 * {processed: {except: <error>}}. */
json_t *chain_api_item_error(int rc, const char *detail);
json_t *chain_api_item_exception(enum cps_api_exception exc, const char *detail);
/* A forwarded item of a batch waits for its block; false if it could not be queued (out of
 * memory: the caller answers it with its transaction id alone). */
bool chain_api_wait_batch_item(cps_chain_api *api, chain_api_batch *batch, size_t index,
                               const chain_api_waiting *forward);
int chain_api_forward_packed(cps_chain_api *api, const uint8_t *packed, size_t n,
                             const cps_checksum256 *id, uint32_t expiration, bool nested,
                             chain_api_waiting *forward, json_t **result, char **detail);

/* ---- traces (chain_api_trace.c) --------------------------------------------------------------- */
/* Appends the trace as nodeos's "processed" object: action data decoded through `resolve`
 * (NULL: hex only) with hex_data beside it; `nested`: action traces under their closest
 * unnotified ancestor in "inline_traces" (push_transaction), else flat (send_transaction). Any
 * thread. Returns out->failed. */
int chain_api_trace_json(cps_buf *out, const cps_chain_transaction_trace *t, bool nested,
                         cps_abi_resolver resolve, void *ctx);

/* ABIs of the accounts a request on the loop names, loaded from the controller on first use
 * (at most 16 per request; more answer NULL: their data stays hex). Zero-initialize with the
 * controller: {ctl, {{0, NULL}}, 0}; free with cps_chain_api__abi_set_free. */
typedef struct cps_chain_api__abi_set {
    cps_chain_controller *ctl;
    struct {
        cps_name account;
        cps_abi *abi;
    } e[16];
    size_t n;
} cps_chain_api__abi_set;
const cps_abi *cps_chain_api__abi_set_get(void *ctx, cps_name account);
void cps_chain_api__abi_set_free(cps_chain_api__abi_set *s);
/* nodeos returns each traced action's data decoded through its contract's ABI, with the raw
 * bytes beside it as "hex_data"; data the ABI cannot decode stays hex. */
void cps_chain_api__decode_trace_data(json_t *processed, cps_chain_api__abi_set *abis);

/* The same from a read view of the last committed state (any thread; the view is opened on
 * first use): {api, NULL, {{0, NULL}}, 0}; free with cps_chain_api__view_abis_free. */
typedef struct cps_chain_api__view_abis {
    cps_chain_api *api;
    cps_state_view *view;
    struct {
        cps_name account;
        cps_abi *abi;
    } e[16];
    size_t n;
} cps_chain_api__view_abis;
const cps_abi *cps_chain_api__view_abis_get(void *ctx, cps_name account);
void cps_chain_api__view_abis_free(cps_chain_api__view_abis *s);

/* The direct reader of push bodies (chain_api_push_body.c): the usual bodies of the push
 * endpoints straight to packed_transaction bytes, without a JSON tree. It accepts only the plain
 * form and refuses anything else with CPS_ERR_UNSUPPORTED: the caller then takes the general
 * (jansson) path, which answers as it always did. On success pb holds `count` transactions
 * (at most max_count; more is refused); the caller frees it with chain_api_push_body_free. */
enum chain_api_push_shape {
    CHAIN_API_PUSH_ONE,   /* push_transaction, send_transaction: one packed transaction */
    CHAIN_API_PUSH_SEND2, /* send_transaction2: {transaction: <packed>, flags} */
    CHAIN_API_PUSH_MANY,  /* push_transactions: an array of packed transactions */
};
typedef struct chain_api_push_body {
    cps_buf packed; /* the transactions' packed_transaction bytes, one after another */
    size_t *ends;   /* malloc'd: where each one ends in packed */
    size_t count, cap;
} chain_api_push_body;
CPS_MUST_USE int chain_api_push_body_read(const char *body, size_t n,
                                          enum chain_api_push_shape shape, size_t max_count,
                                          chain_api_push_body *pb);
/* Transaction i's bytes, borrowed from pb. */
cps_bytes chain_api_push_body_get(const chain_api_push_body *pb, size_t i);
void chain_api_push_body_free(chain_api_push_body *pb);

#endif
