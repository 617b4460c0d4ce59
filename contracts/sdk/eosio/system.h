/* EOSIO host interface: aborting the action, the block time, protocol features
 * (EOSIO libraries/chain/webassembly/cf_system.cpp, system.cpp). */
#ifndef EOSIO_SYSTEM_H
#define EOSIO_SYSTEM_H

#include "eosio/types.h"

/* When test is 0, aborts the transaction with the NUL-terminated message
 * ("assertion failure with message: <msg>"). */
EOSIO_IMPORT(eosio_assert) void eosio_assert(uint32_t test, const char *msg);

/* Same with an explicit message length (the message need not be NUL-terminated). */
EOSIO_IMPORT(eosio_assert_message)
void eosio_assert_message(uint32_t test, const char *msg, uint32_t msg_len);

/* When test is 0, aborts with a numeric error code instead of a message. */
EOSIO_IMPORT(eosio_assert_code) void eosio_assert_code(uint32_t test, uint64_t code);

/* Ends the action successfully right now (code is ignored by the chain). */
EOSIO_IMPORT(eosio_exit) _Noreturn void eosio_exit(int32_t code);

/* Aborts the transaction ("abort() called"). */
EOSIO_IMPORT(abort) _Noreturn void abort(void);

/* Time of the current block, microseconds since 1970-01-01 UTC (the same value all action long). */
EOSIO_IMPORT(current_time) uint64_t current_time(void);

/* True when the protocol feature with this digest is active. Needs PREACTIVATE_FEATURE. */
EOSIO_IMPORT(is_feature_activated) bool is_feature_activated(const cps_checksum256 *feature_digest);

#endif
