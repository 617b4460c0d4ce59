/* host_services: the controller services host_groups.h asks for, written here over the
 * controller's internal queries until apply_context.c provides them (then this file goes). Delayed
 * transactions and protocol features are real (producer schedules live in schedule.c); a change of
 * the chain configuration, which the controller does not keep undoable yet, refuses with
 * CPS_ERR_UNSUPPORTED and says so, so a contract calling it aborts its transaction cleanly. */
#include "chain/controller_internal.h"
#include "chain/host_groups.h"

int cps_chain__delayed_trx_delay(cps_chain_apply_context *ctx, const cps_checksum256 *trx_id,
                                 const cps_permission_level *canceling, int64_t *delay_us)
{
    char hex[65];
    cps_hex_encode(hex, trx_id->b, 32);
    cps_chain_gentrx g;
    int rc = cps_chain__gentrx_find_id(ctx->trx->chain, trx_id, &g);
    if (rc == CPS_ERR_NOT_FOUND || (rc == 0 && g.sender != 0))
        return cps_fail(CPS_ERR_NOT_FOUND,
                        "cannot cancel trx_id=%s, there is no deferred "
                        "transaction with that transaction id",
                        hex);
    if (rc) return rc;
    cps_arena a = {0};
    cps_transaction t;
    cps_reader r = cps_reader_make(g.packed_trx.data, g.packed_trx.size);
    rc = cps_abi_transaction_unpack(&r, &a, &t);
    bool found = false;
    for (uint32_t i = 0; !rc && i < t.action_count && !found; i++)
        for (uint32_t k = 0; k < t.actions[i].authorization_count && !found; k++)
            found = t.actions[i].authorization[k].actor == canceling->actor &&
                    t.actions[i].authorization[k].permission == canceling->permission;
    cps_abi_arena_free(&a);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "stored delayed transaction %s", hex);
    if (!found)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "canceling_auth in canceldelay action was not found "
                        "as authorization in the original delayed transaction");
    *delay_us = g.delay_until_us - g.published_us;
    return 0;
}

int cps_chain__set_chain_config(cps_chain_apply_context *ctx, const cps_chain_config *cfg,
                                uint32_t max_action_return_value_size)
{
    /* CPS keeps max_action_return_value_size at a constant (apply_context.h) */
    if (max_action_return_value_size != CPS_CHAIN_MAX_ACTION_RETURN_VALUE)
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "max_action_return_value_size is fixed at %u bytes on CPS",
                        CPS_CHAIN_MAX_ACTION_RETURN_VALUE);
    return cps_chain__config_write(ctx->trx->chain, cfg);
}

/* Protocol features live in the controller's features.c. */
int cps_chain__is_feature_activated(cps_chain_apply_context *ctx, const cps_checksum256 *digest,
                                    bool *activated)
{
    *activated = false;
    return cps_chain__feature_is_activated(ctx->trx->chain, digest, activated);
}

int cps_chain__preactivate_feature(cps_chain_apply_context *ctx, const cps_checksum256 *digest)
{
    return cps_chain__feature_preactivate(ctx->trx->chain, digest);
}
