/* CPS contract SDK, sending actions: packing an action (account, name, authorization, data) or
 * a whole transaction in EOSIO's layout, and handing it to send_inline / send_deferred.
 *
 *   action       = account:name, name:name, authorization:permission_level[], data:bytes
 *   transaction  = expiration:time_point_sec, ref_block_num:uint16, ref_block_prefix:uint32,
 *                  max_net_usage_words:varuint32, max_cpu_usage_ms:uint8, delay_sec:varuint32,
 *                  context_free_actions:action[], actions:action[], transaction_extensions:[] */
#ifndef CPS_SDK_ACTION_H
#define CPS_SDK_ACTION_H

#include "cps/datastream.h"
#include "cps/name.h"

typedef struct cps_permission_level {
    cps_name actor;
    cps_name permission;
} cps_permission_level;

/* An action to send; every pointer is borrowed for the duration of the call that uses it. */
typedef struct cps_action {
    cps_name account;
    cps_name name;
    const cps_permission_level *authorization;
    uint32_t authorization_count;
    const void *data; /* packed arguments */
    uint32_t data_size;
} cps_action;

void cps_action_pack(const cps_action *action, cps_ds *out);

/* Packs and sends the action inline (runs after the current one, same transaction). */
void cps_action_send_inline(const cps_action *action);

/* Same as a context-free inline action (authorization must be empty). */
void cps_action_send_context_free_inline(const cps_action *action);

typedef struct cps_transaction {
    uint32_t expiration; /* seconds since 1970; see cps_transaction_init */
    uint16_t ref_block_num;
    uint32_t ref_block_prefix;
    uint32_t max_net_usage_words;
    uint8_t max_cpu_usage_ms;
    uint32_t delay_sec;
    const cps_action *context_free_actions;
    uint32_t context_free_action_count;
    const cps_action *actions;
    uint32_t action_count;
} cps_transaction;

/* A transaction expiring 60 seconds after the current block time (eosio.cdt's default), no
 * delay, no actions. */
cps_transaction cps_transaction_init(void);

void cps_transaction_pack(const cps_transaction *trx, cps_ds *out);

/* Packs and schedules the transaction as deferred (sender_id identifies it for replace and
 * cancel_deferred; payer pays its storage). */
void cps_transaction_send_deferred(const cps_transaction *trx, cps_uint128 sender_id,
                                   cps_name payer, bool replace_existing);

#endif
