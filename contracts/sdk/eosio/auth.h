/* EOSIO host interface: authorization, notifications and permission queries
 * (EOSIO libraries/chain/webassembly/authorization.cpp, permission.cpp). */
#ifndef EOSIO_AUTH_H
#define EOSIO_AUTH_H

#include "eosio/types.h"

/* Aborts the action unless `account` is among the action's authorizations (any permission). */
EOSIO_IMPORT(require_auth) void require_auth(cps_name account);

/* Aborts unless `account@permission` is among the action's authorizations. */
EOSIO_IMPORT(require_auth2) void require_auth2(cps_name account, cps_name permission);

/* True when `account` is among the action's authorizations. */
EOSIO_IMPORT(has_auth) bool has_auth(cps_name account);

/* Schedules a notification: once this action completes, the same action is delivered to
 * `account`'s code with receiver = account (at most once per account). */
EOSIO_IMPORT(require_recipient) void require_recipient(cps_name account);

/* True when the account exists. */
EOSIO_IMPORT(is_account) bool is_account(cps_name account);

/* Checks a packed transaction against packed public keys (vector<public_key>) and packed
 * permission levels (vector<permission_level>); returns 1 if satisfied, 0 otherwise. */
EOSIO_IMPORT(check_transaction_authorization)
int32_t check_transaction_authorization(const void *trx, uint32_t trx_size, const void *pubkeys,
                                        uint32_t pubkeys_size, const void *perms,
                                        uint32_t perms_size);

/* Checks whether account@permission is satisfied by the packed keys and permission levels with
 * the given delay (microseconds); returns 1 or 0. */
EOSIO_IMPORT(check_permission_authorization)
int32_t check_permission_authorization(cps_name account, cps_name permission, const void *pubkeys,
                                       uint32_t pubkeys_size, const void *perms,
                                       uint32_t perms_size, uint64_t delay_us);

/* Time (microseconds since 1970) the permission was last used. */
EOSIO_IMPORT(get_permission_last_used)
int64_t get_permission_last_used(cps_name account, cps_name permission);

/* Time (microseconds since 1970) the account was created. */
EOSIO_IMPORT(get_account_creation_time) int64_t get_account_creation_time(cps_name account);

#endif
