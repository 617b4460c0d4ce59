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
    uint32_t expiration;
    bool used;
} chain_api_trx_seen;

/* A push answered once its block commits (so a client reads its own writes from the committed
 * view the read-only queries use, and a 202 means the transaction is in an irreversible block). */
typedef struct chain_api_waiting {
    cps_api_request *req;
    json_t *result;
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

    /* Loop thread only. */
    chain_api_trx_seen trx_ring[CHAIN_API_TRX_RING];
    uint32_t trx_ring_next;
    chain_api_waiting *waiting;
    size_t waiting_count, waiting_cap;
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

void chain_api_get_account(cps_api_request *req, void *user);
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

#endif
