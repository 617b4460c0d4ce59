/* CPS contract SDK: packing actions and transactions and sending them inline or deferred. */
#include "cps/action.h"

void cps_action_pack(const cps_action *action, cps_ds *out)
{
    cps_ds_write_name(out, action->account);
    cps_ds_write_name(out, action->name);
    cps_ds_write_varuint32(out, action->authorization_count);
    for (uint32_t i = 0; i < action->authorization_count; i++) {
        cps_ds_write_name(out, action->authorization[i].actor);
        cps_ds_write_name(out, action->authorization[i].permission);
    }
    cps_ds_write_varuint32(out, action->data_size);
    cps_ds_write(out, action->data, action->data_size);
}

/* Packs into a fresh heap block (sized first); the caller frees it. */
static uint8_t *pack_action(const cps_action *action, uint32_t *size)
{
    cps_ds sizer = cps_ds_sizer();
    cps_action_pack(action, &sizer);
    uint8_t *buffer = malloc(sizer.pos);
    cps_ds writer = cps_ds_writer(buffer, sizer.pos);
    cps_action_pack(action, &writer);
    *size = sizer.pos;
    return buffer;
}

void cps_action_send_inline(const cps_action *action)
{
    uint32_t size;
    uint8_t *packed = pack_action(action, &size);
    send_inline(packed, size);
    free(packed);
}

void cps_action_send_context_free_inline(const cps_action *action)
{
    check(action->authorization_count == 0, "context free actions cannot have authorizations");
    uint32_t size;
    uint8_t *packed = pack_action(action, &size);
    send_context_free_inline(packed, size);
    free(packed);
}

cps_transaction cps_transaction_init(void)
{
    cps_transaction trx;
    memset(&trx, 0, sizeof trx);
    trx.expiration = (uint32_t)(current_time() / 1000000) + 60;
    return trx;
}

void cps_transaction_pack(const cps_transaction *trx, cps_ds *out)
{
    cps_ds_write_uint32(out, trx->expiration);
    cps_ds_write_uint16(out, trx->ref_block_num);
    cps_ds_write_uint32(out, trx->ref_block_prefix);
    cps_ds_write_varuint32(out, trx->max_net_usage_words);
    cps_ds_write_uint8(out, trx->max_cpu_usage_ms);
    cps_ds_write_varuint32(out, trx->delay_sec);
    cps_ds_write_varuint32(out, trx->context_free_action_count);
    for (uint32_t i = 0; i < trx->context_free_action_count; i++)
        cps_action_pack(&trx->context_free_actions[i], out);
    cps_ds_write_varuint32(out, trx->action_count);
    for (uint32_t i = 0; i < trx->action_count; i++)
        cps_action_pack(&trx->actions[i], out);
    cps_ds_write_varuint32(out, 0); /* transaction_extensions */
}

void cps_transaction_send_deferred(const cps_transaction *trx, cps_uint128 sender_id,
                                   cps_name payer, bool replace_existing)
{
    cps_ds sizer = cps_ds_sizer();
    cps_transaction_pack(trx, &sizer);
    uint8_t *packed = malloc(sizer.pos);
    cps_ds writer = cps_ds_writer(packed, sizer.pos);
    cps_transaction_pack(trx, &writer);
    send_deferred(&sender_id, payer, packed, sizer.pos, replace_existing ? 1 : 0);
    free(packed);
}
