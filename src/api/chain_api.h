/* api (chain endpoints): nodeos's /v1/chain/... endpoints on top of the HTTP server of api.h and the chain
 * controller — reads, ABI conversions, transaction submission — as eosjs 22 and wharfkit use them.
 *
 * Threads (DESIGN.md §4). The controller belongs to the node's libuv loop, so everything that
 * goes through it (get_block from the block log, get_account, get_required_keys, ...) runs there
 * as CPS_API_ON_LOOP handlers. Pushes (push_transaction and friends) are decoded and their
 * signatures recovered on the HTTP threads, queued, applied by the loop and answered from
 * worker threads (chain_api_ingress.c, docs/architecture.md). The hot read-only queries never
 * wait behind block production:
 *   - get_info answers on the HTTP thread from a snapshot of the head the loop publishes after
 *     every block (cps_chain_api_head_changed), under a mutex held for a copy;
 *   - get_table_rows, get_table_by_scope, get_currency_balance and get_currency_stats answer on
 *     the HTTP thread from a read-only LMDB view of the last committed block
 *     (cps_state_view_open), which never blocks the writer.
 *
 * Push endpoints answer when the block holding the transaction commits (at most one 500 ms slot
 * later): a client then reads its own writes, and a 202 means the transaction is final.
 *
 * Irreversibility: last_irreversible_block_num/id/time are the controller's LIB. With a one-producer
 * schedule it equals the head; with more, blocks above it are reversible and get_block,
 * get_block_info, get_block_header_state and get_transaction_status read them through the
 * controller (blocks.log up to LIB, the reversible store above; docs/api.md).
 *
 * Ownership: the cps_chain_api borrows the controller, loop, server and metrics given to it; it
 * must be destroyed after the server has stopped and before the controller closes. */
#ifndef CPS_API_CHAIN_API_H
#define CPS_API_CHAIN_API_H

#include "api/api.h"
#include "chain/controller.h"

typedef struct cps_chain_api cps_chain_api;

typedef struct cps_chain_api_options {
    cps_chain_controller *controller; /* borrowed; used on the loop thread only */
    cps_api_server *server;           /* borrowed; endpoints are added to it */
    cps_api_metrics *metrics;         /* borrowed; NULL: the server's registry */
    const char *server_version_string; /* e.g. "v0.1.0"; borrowed until create returns */
    struct uv_loop_s *loop;           /* the loop the controller lives on (required) */
    /* Transaction queue bounds (0: defaults, docs/node.md): queued transactions in all, and
     * per first authorizer. */
    uint32_t max_queued_transactions;
    uint32_t max_queued_per_account;
} cps_chain_api_options;

/* Registers every /v1/chain/... endpoint on opt->server (which must not be started yet) and
 * publishes the first head snapshot. Call on the loop thread. Caller frees *out with
 * cps_chain_api_destroy. Errors: the server's (CPS_ERR_EXISTS for a path added twice), NOMEM. */
CPS_MUST_USE int cps_chain_api_create(const cps_chain_api_options *opt, cps_chain_api **out);
void cps_chain_api_destroy(cps_chain_api *api);

/* Called on the loop after each committed block (and after open): refreshes the get_info
 * snapshot and the head/LIB gauges, and notes the head's schedules and LIB for
 * get_block_header_state. `raw_block` (may be NULL) is the committed block, whose transaction
 * count and usage feed the metrics. Call it with NULL too after set_lib or pop_block, so get_info
 * shows the new LIB or head. */
void cps_chain_api_head_changed(cps_chain_api *api, const cps_buf *raw_block);

/* Called on the loop right after a new pending block started: queued transactions go into it
 * (round-robin over their first authorizers, until the block is full). */
void cps_chain_api_block_started(cps_chain_api *api);

/* A transaction from a peer, already prepared off the loop (keys recovered on a worker): it
 * joins the API pushes' bounded queue, fair per first authorizer, and is applied to the pending
 * block in turn (then gossiped through the relay). Takes ownership of meta whatever the outcome.
 * Returns 0 when queued; CPS_ERR_TX_DUPLICATE (already queued or in the pending block),
 * CPS_ERR_RESOURCE (the queue, or the account's share of it, is full), CPS_ERR_STATE (no pending
 * block). Nobody is answered: a failure later in the block is only counted. Loop thread. */
CPS_MUST_USE int cps_chain_api_queue_prepared(cps_chain_api *api, cps_chain_trx_meta *meta);

/* Called on the loop when the pending block was dropped instead of committed: transactions
 * waiting for it are answered with an error (they are not in the chain). */
void cps_chain_api_block_aborted(cps_chain_api *api, const char *why);

/* The node's P2P relay (NULL: none). A transaction the API applied to the pending block is handed
 * to `relay` for gossip once applied (trace NULL). On a node with no pending block (a follower),
 * a pushed transaction is decoded and handed to `relay` with `trace` instead of being refused:
 * relay executes it speculatively, as nodeos does, and returns 0 once it went to at least one
 * peer with *trace the speculative trace (caller frees; may stay NULL), or the error that
 * refuses it (the push is answered with it). The push is answered when a committed block holds
 * the transaction — "processed" is the speculative trace with block_num, block_time and receipt
 * taken from that block (action receipts' sequence numbers stay the speculative ones, as a
 * nodeos follower's) — or with an expired error once the head passes its expiration. `packed`
 * is the packed_transaction's bytes, borrowed for the call. Loop thread. */
typedef int (*cps_chain_api_relay_fn)(void *ctx, const uint8_t *packed, size_t n,
                                      cps_chain_transaction_trace **trace);
void cps_chain_api_set_relay(cps_chain_api *api, cps_chain_api_relay_fn relay, void *ctx);

/* The get_info JSON body (as served), for tests and tools; appended to out. Thread-safe. */
int cps_chain_api_info_json(cps_chain_api *api, cps_buf *out);

/* Reads the binary ABI of `account` from a read-only view (any thread). *out is replaced; empty
 * when the account has none. CPS_ERR_NOT_FOUND if there is no such account. The record layout
 * read here is the controller's chain.account (controller.c); tests/node/test_chain_api.c checks
 * this reader against cps_chain_controller_get_abi so a layout change cannot go unnoticed. */
CPS_MUST_USE int cps_chain_api_view_abi(cps_state *st, cps_state_view *v, cps_name account,
                                        cps_buf *out);

#endif
