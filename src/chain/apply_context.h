/* chain (internal): the context one action runs in — what EOSIO's apply_context and
 * transaction_context give host functions. Intrinsic groups (host_*.c) are written against this
 * header only; the controller (controller.c, transaction.c, apply_context.c) fills it in.
 *
 * Stability: this header is the contract between the controller and the intrinsics. Fields may
 * be added; existing fields and functions keep their meaning. Host functions read the fields
 * marked "read" directly and change state only through the functions below, so that the
 * controller's bookkeeping (notifications, inline queues, RAM, traces) stays consistent.
 *
 * Lifetimes: a cps_chain_apply_context lives for one action (one receiver); everything it points
 * to is borrowed from the transaction being applied and stays valid until the action returns.
 * Host functions obtain it with cps_chain__apply_from_vm(vm_ctx). */
#ifndef CPS_CHAIN_APPLY_CONTEXT_H
#define CPS_CHAIN_APPLY_CONTEXT_H

#include "base/base.h"
#include "abi/abi.h"
#include "state/state.h"
#include "vm/vm.h"
#include "chain/chain.h"
#include "chain/controller.h"

typedef struct cps_chain_trx_context cps_chain_trx_context;
typedef struct cps_chain_apply_context cps_chain_apply_context;

/* The transaction being applied (one per push_transaction / block transaction / onblock).
 * Everything is read-only for host functions. */
struct cps_chain_trx_context {
    cps_chain_controller *chain;
    cps_state *state;                  /* the pending block's state (writes go to its session) */
    const cps_chain_config *config;    /* the chain's current configuration */
    cps_checksum256 id;                /* transaction id */
    const cps_transaction *trx;        /* decoded transaction (borrowed from the packed bytes) */
    cps_bytes raw_trx;                 /* the raw transaction bytes (read_transaction) */
    const cps_bytes *cfd;              /* context-free data items */
    uint32_t cfd_count;
    int64_t block_time_us;             /* pending block's timestamp: current_time() */
    uint32_t block_num;                /* pending block's number */
    int64_t published_us;              /* when the transaction entered the chain */
    bool is_implicit;                  /* onblock / onerror: no signatures, no billing */
    /* CPU accounting in VM units: every action's wasm run draws from the same budget. */
    uint64_t cpu_budget_units;
    uint64_t cpu_used_units;
    /* The budget is this node's own limit (--max-transaction-time), not the chain's: running
     * out of it is nodeos's tx_cpu_usage_exceeded "reached node configured
     * max-transaction-time" (CPS_ERR_DEADLINE) rather than a consensus CPU failure. */
    bool cpu_limit_by_node;
    /* The keys recovered from the signatures (sorted, unique) and the delay they were checked
     * under; used to authorize deferred transactions a contract schedules. */
    const cps_public_key *keys;
    size_t key_count;
    int64_t delay_us;
    /* The execution's output: traces and receipts in execution order (controller.h). */
    cps_chain_transaction_trace *trace;
    /* Internal to the controller (bookkeeping the intrinsics must not touch). */
    void *internal;
};

/* The context of one action on one receiver. */
struct cps_chain_apply_context {
    cps_chain_trx_context *trx;   /* read */
    const cps_action *act;        /* read: the action (act->account is the "code") */
    cps_name receiver;            /* read: whose apply() runs (code, or a notified account) */
    bool context_free;            /* read: a context-free action (no state, no auth) */
    bool privileged;              /* read: the receiver is a privileged account */
    uint32_t depth;               /* read: inline depth (0 for the transaction's own actions) */
    uint32_t action_ordinal;      /* read: index of this action's trace in trx->trace (1-based) */
    cps_state_db *db;             /* read: contract tables, reset for this receiver with RAM
                                   * accounting; NULL in context-free actions */
    /* Output collected while the action runs (copied into the trace when it completes). */
    cps_buf console;              /* prints*: append through cps_chain__console_append */
    cps_buf return_value;         /* set_action_return_value */
    /* Internal to the controller. */
    void *internal;
};

/* The apply context of the running wasm call (the `user` of cps_vm_call). */
static inline cps_chain_apply_context *cps_chain__apply_from_vm(cps_vm_ctx *vm)
{
    return (cps_chain_apply_context *)cps_vm_call_user(vm);
}

/* ---- authorization (apply_context::require_authorization, has_authorization) ------------- */

/* Whether the action declares an authorization by `account` (any permission). */
bool cps_chain__has_auth(const cps_chain_apply_context *ctx, cps_name account);
/* Fails with CPS_ERR_AUTH "missing authority of alice" unless the action declares `account`
 * (any permission), or `account`@`permission` exactly when permission != 0 (require_auth2). */
CPS_MUST_USE int cps_chain__require_auth(cps_chain_apply_context *ctx, cps_name account,
                                         cps_name permission);
/* Queues a notification of `account` (apply runs again with receiver = account after this
 * action); a receiver already notified for this action is not added twice. Fails with
 * CPS_ERR_ACCOUNT if the account does not exist. */
CPS_MUST_USE int cps_chain__require_recipient(cps_chain_apply_context *ctx, cps_name account);
/* Whether an account exists (0 and *exists, or a state error). */
CPS_MUST_USE int cps_chain__is_account(cps_chain_apply_context *ctx, cps_name account,
                                       bool *exists);

/* ---- inline and deferred actions ---------------------------------------------------------- */

/* Queues an inline action given as a packed action (bytes borrowed for the call; copied). The
 * action's account must exist, it must fit max_inline_action_size, and each declared
 * authorization must be satisfied by the current action's declared authorizations or by
 * receiver@eosio.code (checked when it is queued, as EOSIO does). Context-free inline actions
 * (context_free = true) must declare no authorization. Errors: CPS_ERR_FORMAT, CPS_ERR_LIMIT,
 * CPS_ERR_ACCOUNT, CPS_ERR_AUTH. */
CPS_MUST_USE int cps_chain__send_inline(cps_chain_apply_context *ctx, const uint8_t *packed_action,
                                        size_t n, bool context_free);
/* Deferred transactions (apply_context::schedule_deferred_transaction /
 * cancel_deferred_transaction). send_deferred stores the packed transaction (canonical bytes of
 * a `transaction`, borrowed for the call) under (receiver, sender_id), due at block time +
 * delay_sec and expiring deferred_trx_expiration_window later, billing its RAM to `payer`. Unless
 * the receiver is privileged, a payer other than the receiver must have authorized the action and
 * every authorization the transaction declares must be satisfied by receiver@eosio.code under its
 * delay. An existing record of the same sender_id is replaced when replace_existing (its RAM
 * refunded; the new one gets its own id), else CPS_ERR_TX_DUPLICATE. Context-free actions and
 * transaction extensions are refused (CPS_ERR_TX). Other errors: CPS_ERR_FORMAT, CPS_ERR_ACCOUNT
 * (an account the transaction names does not exist), CPS_ERR_AUTH.
 * cancel_deferred removes the receiver's record of sender_id (refunding its RAM) and tells
 * whether there was one. */
CPS_MUST_USE int cps_chain__send_deferred(cps_chain_apply_context *ctx, cps_uint128 sender_id,
                                          cps_name payer, const uint8_t *packed_trx, size_t n,
                                          bool replace_existing);
CPS_MUST_USE int cps_chain__cancel_deferred(cps_chain_apply_context *ctx, cps_uint128 sender_id,
                                            bool *cancelled);

/* ---- console and return value ------------------------------------------------------------- */

/* Appends to the action's console (bounded: beyond 1 MiB the rest is dropped, as the output is
 * only diagnostic). Never fails. */
void cps_chain__console_append(cps_chain_apply_context *ctx, const void *data, size_t n);
/* set_action_return_value: replaces the return value (at most max_action_return_value_size,
 * 256 bytes by Leap's default: CPS_ERR_LIMIT beyond). */
CPS_MUST_USE int cps_chain__set_return_value(cps_chain_apply_context *ctx, const void *data,
                                             size_t n);
#define CPS_CHAIN_MAX_ACTION_RETURN_VALUE 256u

/* ---- privileged calls (only when ctx->privileged; each fails with CPS_ERR_AUTH otherwise) - */

/* The per-account limits (resource_limits_manager::set_account_limits / get_account_limits);
 * -1 is unlimited. set fails with CPS_ERR_RESOURCE when ram_bytes is below the bytes in use. */
CPS_MUST_USE int cps_chain__set_resource_limits(cps_chain_apply_context *ctx, cps_name account,
                                                int64_t ram_bytes, int64_t net_weight,
                                                int64_t cpu_weight);
CPS_MUST_USE int cps_chain__get_resource_limits(cps_chain_apply_context *ctx, cps_name account,
                                                int64_t *ram_bytes, int64_t *net_weight,
                                                int64_t *cpu_weight);
CPS_MUST_USE int cps_chain__is_privileged(cps_chain_apply_context *ctx, cps_name account,
                                          bool *privileged);
CPS_MUST_USE int cps_chain__set_privileged(cps_chain_apply_context *ctx, cps_name account,
                                           bool privileged);

/* ---- CPU ----------------------------------------------------------------------------------- */

/* Host functions that do work proportional to their input charge it with cps_vm_budget_charge,
 * which draws on the transaction's budget (CPS_CHAIN_UNITS_PER_US in controller.h converts). */

#endif
