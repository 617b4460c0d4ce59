/* chain (internal): the intrinsic groups beyond the core group — secondary indexes, crypto,
 * system, transaction, privileged, permission, compiler-rt and console extras (host_*.c) — and
 * what they need from the controller that apply_context.h does not offer yet.
 *
 * Until intrinsics.h / intrinsics.c list these groups, a program that wants them binds them
 * itself (the tests do); the lead merges the declarations below into intrinsics.h and the list in
 * intrinsics.c. Every group follows EOSIO's registration (Leap libraries/chain/webassembly):
 * functions registered without "CF" refuse to run in a context-free action ("only context free
 * api's can be used in this context"), privileged ones refuse an unprivileged receiver
 * ("<receiver> does not have permission to call this API"), and get_context_free_data refuses a
 * normal action ("this API may only be called from context_free apply"). */
#ifndef CPS_CHAIN_HOST_GROUPS_H
#define CPS_CHAIN_HOST_GROUPS_H

#include "chain/intrinsics.h"

/* ---- the groups (see each file's table for the names and signatures) --------------------- */
extern const cps_chain_intrinsic_group cps_chain__host_db_idx;      /* host_db_idx.c */
extern const cps_chain_intrinsic_group cps_chain__host_crypto;      /* host_crypto.c */
extern const cps_chain_intrinsic_group cps_chain__host_system;      /* host_system.c */
extern const cps_chain_intrinsic_group cps_chain__host_transaction; /* host_transaction.c */
extern const cps_chain_intrinsic_group cps_chain__host_privileged;  /* host_privileged.c */
extern const cps_chain_intrinsic_group cps_chain__host_permission;  /* host_permission.c */
extern const cps_chain_intrinsic_group cps_chain__host_compiler_rt; /* host_compiler_rt.c */
extern const cps_chain_intrinsic_group cps_chain__host_console;     /* host_console.c */

/* eosio_exit: the host function returns this code to stop the contract; the action then ends
 * successfully with everything it did so far (EOSIO throws wasm_exit, which the wasm interface
 * catches as a normal return). cps_chain__run_wasm maps it to 0. */
#define CPS_CHAIN_WASM_EXIT CPS_ERR_WASM_EXIT

/* ---- checks every group applies (EOSIO's preconditions) ---------------------------------- */

/* context_aware_check: functions that are not "CF" may not run in a context-free action. */
static inline int cps_chain__check_context_aware(const cps_chain_apply_context *ctx)
{
    if (!ctx->context_free) return 0;
    return cps_fail(CPS_ERR_STATE, "only context free api's can be used in this context");
}

/* context_free_check: get_context_free_data only runs in a context-free action. */
static inline int cps_chain__check_context_free(const cps_chain_apply_context *ctx)
{
    if (ctx->context_free) return 0;
    return cps_fail(CPS_ERR_STATE, "this API may only be called from context_free apply");
}

/* privileged_check (after context_aware_check, as EOSIO orders them). */
static inline int cps_chain__check_privileged(const cps_chain_apply_context *ctx)
{
    int rc = cps_chain__check_context_aware(ctx);
    if (rc || ctx->privileged) return rc;
    char n[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(ctx->receiver, n);
    return cps_fail(CPS_ERR_AUTH, "%s does not have permission to call this API", n);
}

/* ---- controller services the groups need beyond apply_context.h ---------------------------
 * Requested additions to apply_context.h (the lead merges them). Until the controller
 * implements them, host_services.c provides each one over the controller's internal functions:
 * for real where the controller has the machinery (active producers, delayed transactions,
 * protocol features), and otherwise (configuration changes, producer schedules) by failing with
 * CPS_ERR_UNSUPPORTED and a detail naming the missing support, so a contract calling them aborts
 * its transaction cleanly instead of acting wrongly. */

/* A producer and its block signing authority (block_signing_authority_v0: threshold and weighted
 * keys), as set_proposed_producers(_ex) hands them over. Arrays are borrowed for the call. */
typedef struct cps_chain_producer_authority {
    cps_name producer_name;
    uint32_t threshold;
    const cps_key_weight *keys;
    uint32_t key_count;
} cps_chain_producer_authority;

/* controller::set_proposed_producers: the list has already been validated as EOSIO's
 * set_proposed_producers_common does (at most 125 producers, none empty, accounts exist, keys
 * valid and unique, thresholds satisfiable, names unique). *version receives the version the
 * proposed schedule gets, or -1 when nothing is proposed (a schedule proposed in an earlier block
 * is still waiting, or the schedule would not change), exactly as controller.cpp decides. */
CPS_MUST_USE int cps_chain__set_proposed_producers(cps_chain_apply_context *ctx,
                                                   const cps_chain_producer_authority *producers,
                                                   size_t count, int64_t *version);
/* The active schedule's producer names in schedule order (apply_context::get_active_producers):
 * writes at most `cap` names to out and the schedule's size to *count. */
CPS_MUST_USE int cps_chain__get_active_producers(cps_chain_apply_context *ctx, cps_name *out,
                                                 size_t cap, size_t *count);
/* Replaces the chain configuration (global_property_object.configuration, chain_config_v1)
 * inside the running transaction: undone with it if it fails; later actions of the transaction
 * see the new values (ctx->trx->config), as EOSIO's db.modify of the global properties does.
 * `cfg` has been validated (cps_chain_config_validate); `max_action_return_value_size` is the
 * v1 field, which CPS keeps as the constant CPS_CHAIN_MAX_ACTION_RETURN_VALUE until the
 * controller stores it (set_blockchain_parameters_packed passes that constant). */
CPS_MUST_USE int cps_chain__set_chain_config(cps_chain_apply_context *ctx,
                                             const cps_chain_config *cfg,
                                             uint32_t max_action_return_value_size);
/* check_canceldelay_authorization's lookup: the delay (delay_until - published) of the delayed
 * input transaction `trx_id`, which must declare `canceling` in one of its actions. Errors as
 * nodeos raises them: CPS_ERR_NOT_FOUND "cannot cancel trx_id=<hex>, there is no deferred
 * transaction with that transaction id" (none, or one a contract scheduled) and CPS_ERR_INVALID_ARG
 * "canceling_auth in canceldelay action was not found as authorization in the original delayed
 * transaction". */
CPS_MUST_USE int cps_chain__delayed_trx_delay(cps_chain_apply_context *ctx,
                                              const cps_checksum256 *trx_id,
                                              const cps_permission_level *canceling,
                                              int64_t *delay_us);
/* Protocol features: whether the feature with this digest is activated, and
 * controller::preactivate_feature (which fails, with nodeos's messages, for an unknown or already
 * activated or pre-activated feature, or one whose dependencies are not activated). */
CPS_MUST_USE int cps_chain__is_feature_activated(cps_chain_apply_context *ctx,
                                                 const cps_checksum256 *digest, bool *activated);
CPS_MUST_USE int cps_chain__preactivate_feature(cps_chain_apply_context *ctx,
                                                const cps_checksum256 *digest);

#endif
