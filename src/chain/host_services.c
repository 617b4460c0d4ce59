/* host_services: interim implementations of the controller services host_groups.h asks for,
 * until the controller provides them (then this file goes). The read-only one is real; the ones
 * that would change chain-wide state the controller owns — its configuration, producer schedule
 * and protocol features, which must be undone with a failed transaction — refuse with
 * CPS_ERR_UNSUPPORTED and say so, so a contract calling them aborts its transaction cleanly rather
 * than acting on state the controller does not track. */
#include "chain/controller_internal.h"
#include "chain/host_groups.h"

/* CPS runs one producer (controller_internal.h: cps_chain_head.schedule_producer): the active
 * schedule is that one name. */
int cps_chain__get_active_producers(cps_chain_apply_context *ctx, cps_name *out, size_t cap,
                                    size_t *count)
{
    const cps_chain_controller *c = ctx->trx->chain;
    *count = 1;
    if (cap >= 1) out[0] = c->head.schedule_producer;
    return 0;
}

int cps_chain__set_proposed_producers(cps_chain_apply_context *ctx,
                                      const cps_chain_producer_authority *producers, size_t count,
                                      int64_t *version)
{
    (void)ctx, (void)producers, (void)count;
    *version = -1;
    return cps_fail(
        CPS_ERR_UNSUPPORTED,
        "set_proposed_producers: the controller does not manage producer schedules yet");
}

int cps_chain__set_chain_config(cps_chain_apply_context *ctx, const cps_chain_config *cfg,
                                uint32_t max_action_return_value_size)
{
    (void)ctx, (void)cfg, (void)max_action_return_value_size;
    return cps_fail(CPS_ERR_UNSUPPORTED, "set_blockchain_parameters_packed: the controller cannot "
                                         "change its configuration inside a transaction yet");
}

int cps_chain__is_feature_activated(cps_chain_apply_context *ctx, const cps_checksum256 *digest,
                                    bool *activated)
{
    (void)ctx, (void)digest;
    *activated = false;
    return cps_fail(CPS_ERR_UNSUPPORTED,
                    "is_feature_activated: the controller does not track protocol features yet");
}

int cps_chain__preactivate_feature(cps_chain_apply_context *ctx, const cps_checksum256 *digest)
{
    (void)ctx, (void)digest;
    return cps_fail(CPS_ERR_UNSUPPORTED,
                    "preactivate_feature: the controller does not track protocol features yet");
}
