/* EOSIO host interface: inline actions, deferred transactions and the running transaction
 * (EOSIO libraries/chain/webassembly/transaction.cpp, cf_transaction.cpp, context_free.cpp).
 * cps/action.h packs actions and transactions for these calls. */
#ifndef EOSIO_TRANSACTION_H
#define EOSIO_TRANSACTION_H

#include "eosio/types.h"

/* Queues a packed action (eosio `action`: account, name, authorization, data) to run after this
 * one, in the same transaction. Its authorizations must be held by this action or be
 * receiver@eosio.code. */
EOSIO_IMPORT(send_inline) void send_inline(const void *action, uint32_t size);

/* Same for a context-free action (no authorization allowed). */
EOSIO_IMPORT(send_context_free_inline)
void send_context_free_inline(const void *action, uint32_t size);

/* Schedules a packed transaction to run later (after its delay_sec), identified by
 * (receiver, sender_id); replace_existing != 0 replaces a pending one with the same id.
 * `payer` pays for storing it. */
EOSIO_IMPORT(send_deferred)
void send_deferred(const cps_uint128 *sender_id, cps_name payer, const void *trx, uint32_t size,
                   uint32_t replace_existing);

/* Cancels a pending deferred transaction sent by this contract; returns 1 if one was found. */
EOSIO_IMPORT(cancel_deferred) int32_t cancel_deferred(const cps_uint128 *sender_id);

/* Copies up to `size` bytes of the packed running transaction; returns the bytes copied
 * (or the full size when size is 0). */
EOSIO_IMPORT(read_transaction) uint32_t read_transaction(void *buffer, uint32_t size);
EOSIO_IMPORT(transaction_size) uint32_t transaction_size(void);

/* Fields of the running transaction's header. */
EOSIO_IMPORT(tapos_block_num) int32_t tapos_block_num(void);
EOSIO_IMPORT(tapos_block_prefix) int32_t tapos_block_prefix(void);
EOSIO_IMPORT(expiration) uint32_t expiration(void); /* seconds since 1970 */

/* Copies the packed action number `index` of the transaction (type 0 = context-free actions,
 * 1 = actions); returns its size, or -1 when there is no such action. */
EOSIO_IMPORT(get_action)
int32_t get_action(uint32_t type, uint32_t index, void *buffer, uint32_t size);

/* Context-free data entry `index` (only callable from context-free actions); returns its size
 * or -1. */
EOSIO_IMPORT(get_context_free_data)
int32_t get_context_free_data(uint32_t index, void *buffer, uint32_t size);

#endif
