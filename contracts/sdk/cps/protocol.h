/* CPS contract SDK, EOSIO protocol structures as ABI structs: permission levels, actions,
 * transactions and authorities, in the chain's wire layout, for contracts that carry them in
 * their arguments or tables (eosio.msig, eosio.wrap, cps.recover, eosio.system). Each is a
 * CPS_ABI_STRUCT, so a contract's .abi naming them is checked field by field (abi.test.sh passes
 * this header to abi_check.js). Layouts: EOSIO libraries/chain/include/eosio/chain/{action,
 * transaction,authority}.hpp. */
#ifndef CPS_SDK_PROTOCOL_H
#define CPS_SDK_PROTOCOL_H

#include "cps/datastream.h"
#include "cps/name.h"

/* account@permission (the same layout as cps_permission_level in cps/action.h). */
#define PERMISSION_LEVEL_FIELDS(X) X(actor, name) X(permission, name)
CPS_ABI_STRUCT(permission_level, PERMISSION_LEVEL_FIELDS)
CPS_ABI_NESTED(permission_level)
#define CPS_CTYPE_permission_level permission_level_t
CPS_ABI_ARRAY(permission_level)

#define ACTION_FIELDS(X)                                                                           \
    X(account, name) X(name, name) X(authorization, array(permission_level)) X(data, bytes)
CPS_ABI_STRUCT(action, ACTION_FIELDS)
CPS_ABI_NESTED(action)
#define CPS_CTYPE_action action_t
CPS_ABI_ARRAY(action)

/* transaction_extensions entries: (type, data). */
#define EXTENSION_FIELDS(X) X(type, uint16) X(data, bytes)
CPS_ABI_STRUCT(extension, EXTENSION_FIELDS)
CPS_ABI_NESTED(extension)
#define CPS_CTYPE_extension extension_t
CPS_ABI_ARRAY(extension)

/* The header fields a contract checks without unpacking the actions (expiration, delay). */
#define TRANSACTION_HEADER_FIELDS(X)                                                               \
    X(expiration, time_point_sec) X(ref_block_num, uint16) X(ref_block_prefix, uint32)             \
    X(max_net_usage_words, varuint32) X(max_cpu_usage_ms, uint8) X(delay_sec, varuint32)
CPS_ABI_STRUCT(transaction_header, TRANSACTION_HEADER_FIELDS)

/* A transaction, with the header fields inlined (EOSIO's ABIs spell it as a struct with base
 * transaction_header; the bytes and the JSON are the same). */
#define TRANSACTION_FIELDS(X)                                                                      \
    TRANSACTION_HEADER_FIELDS(X)                                                                   \
    X(context_free_actions, array(action)) X(actions, array(action))                               \
    X(transaction_extensions, array(extension))
CPS_ABI_STRUCT(transaction, TRANSACTION_FIELDS)

/* Authorities (updateauth, newaccount). */
#define KEY_WEIGHT_FIELDS(X) X(key, public_key) X(weight, uint16)
CPS_ABI_STRUCT(key_weight, KEY_WEIGHT_FIELDS)
CPS_ABI_NESTED(key_weight)
#define CPS_CTYPE_key_weight key_weight_t
CPS_ABI_ARRAY(key_weight)

#define PERMISSION_LEVEL_WEIGHT_FIELDS(X) X(permission, permission_level) X(weight, uint16)
CPS_ABI_STRUCT(permission_level_weight, PERMISSION_LEVEL_WEIGHT_FIELDS)
CPS_ABI_NESTED(permission_level_weight)
#define CPS_CTYPE_permission_level_weight permission_level_weight_t
CPS_ABI_ARRAY(permission_level_weight)

#define WAIT_WEIGHT_FIELDS(X) X(wait_sec, uint32) X(weight, uint16)
CPS_ABI_STRUCT(wait_weight, WAIT_WEIGHT_FIELDS)
CPS_ABI_NESTED(wait_weight)
#define CPS_CTYPE_wait_weight wait_weight_t
CPS_ABI_ARRAY(wait_weight)

#define AUTHORITY_FIELDS(X)                                                                        \
    X(threshold, uint32) X(keys, array(key_weight)) X(accounts, array(permission_level_weight))     \
    X(waits, array(wait_weight))
CPS_ABI_STRUCT(authority, AUTHORITY_FIELDS)
CPS_ABI_NESTED(authority)
#define CPS_CTYPE_authority authority_t

CPS_ABI_ARRAY(name)

/* Packs `value` with `pack` into a fresh heap block; *size receives its length. The block lives
 * until the action ends (or until freed). */
static inline uint8_t *cps_pack_to_heap(void (*pack)(const void *, cps_ds *), const void *value,
                                        uint32_t *size)
{
    cps_ds sizer = cps_ds_sizer();
    pack(value, &sizer);
    uint8_t *out = malloc(sizer.pos ? sizer.pos : 1);
    cps_ds writer = cps_ds_writer(out, sizer.pos);
    pack(value, &writer);
    *size = sizer.pos;
    return out;
}

#endif
