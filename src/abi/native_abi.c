/* native_abi: the ABI of eosio's native actions as nodeos's eosio_contract_abi.cpp defines it
 * (types, structs, field names and order). Its binary form is the ABI that the eosio account
 * holds from genesis; it affects consensus (it is hashed into state), so it must not change. */
#include "abi/abi_internal.h"

#include <pthread.h>

#define FIELDS(...) ((cps_abi_field[]){__VA_ARGS__})
#define NFIELDS(...) (uint32_t)(sizeof((cps_abi_field[]){__VA_ARGS__}) / sizeof(cps_abi_field))
#define STRUCT(nm, bs, ...)                                                                        \
    {                                                                                              \
        .name = nm, .base = bs, .fields = FIELDS(__VA_ARGS__), .field_count = NFIELDS(__VA_ARGS__) \
    }

static cps_abi_typedef native_types[] = {
    {"account_name", "name"},
    {"permission_name", "name"},
    {"action_name", "name"},
    {"table_name", "name"},
    {"transaction_id_type", "checksum256"},
    {"block_id_type", "checksum256"},
    {"weight_type", "uint16"},
};

static cps_abi_struct native_structs[] = {
    STRUCT("permission_level", "", {"actor", "account_name"}, {"permission", "permission_name"}),
    STRUCT("action", "", {"account", "account_name"}, {"name", "action_name"},
           {"authorization", "permission_level[]"}, {"data", "bytes"}),
    STRUCT("extension", "", {"type", "uint16"}, {"data", "bytes"}),
    STRUCT("transaction_header", "", {"expiration", "time_point_sec"}, {"ref_block_num", "uint16"},
           {"ref_block_prefix", "uint32"}, {"max_net_usage_words", "varuint32"},
           {"max_cpu_usage_ms", "uint8"}, {"delay_sec", "varuint32"}),
    STRUCT("transaction", "transaction_header", {"context_free_actions", "action[]"},
           {"actions", "action[]"}, {"transaction_extensions", "extension[]"}),
    STRUCT("producer_key", "", {"producer_name", "account_name"},
           {"block_signing_key", "public_key"}),
    STRUCT("producer_schedule", "", {"version", "uint32"}, {"producers", "producer_key[]"}),
    /* nodeos declares the timestamp as uint32 here (the slot), not block_timestamp_type. */
    STRUCT("block_header", "", {"timestamp", "uint32"}, {"producer", "account_name"},
           {"confirmed", "uint16"}, {"previous", "block_id_type"},
           {"transaction_mroot", "checksum256"}, {"action_mroot", "checksum256"},
           {"schedule_version", "uint32"}, {"new_producers", "producer_schedule?"},
           {"header_extensions", "extension[]"}),
    STRUCT("key_weight", "", {"key", "public_key"}, {"weight", "weight_type"}),
    STRUCT("permission_level_weight", "", {"permission", "permission_level"},
           {"weight", "weight_type"}),
    STRUCT("wait_weight", "", {"wait_sec", "uint32"}, {"weight", "weight_type"}),
    STRUCT("authority", "", {"threshold", "uint32"}, {"keys", "key_weight[]"},
           {"accounts", "permission_level_weight[]"}, {"waits", "wait_weight[]"}),
    STRUCT("newaccount", "", {"creator", "account_name"}, {"name", "account_name"},
           {"owner", "authority"}, {"active", "authority"}),
    STRUCT("setcode", "", {"account", "account_name"}, {"vmtype", "uint8"}, {"vmversion", "uint8"},
           {"code", "bytes"}),
    STRUCT("setabi", "", {"account", "account_name"}, {"abi", "bytes"}),
    STRUCT("updateauth", "", {"account", "account_name"}, {"permission", "permission_name"},
           {"parent", "permission_name"}, {"auth", "authority"}),
    STRUCT("deleteauth", "", {"account", "account_name"}, {"permission", "permission_name"}),
    STRUCT("linkauth", "", {"account", "account_name"}, {"code", "account_name"},
           {"type", "action_name"}, {"requirement", "permission_name"}),
    STRUCT("unlinkauth", "", {"account", "account_name"}, {"code", "account_name"},
           {"type", "action_name"}),
    STRUCT("canceldelay", "", {"canceling_auth", "permission_level"},
           {"trx_id", "transaction_id_type"}),
    STRUCT("onerror", "", {"sender_id", "uint128"}, {"sent_trx", "bytes"}),
    STRUCT("onblock", "", {"header", "block_header"}),
};

static const char *const native_action_names[] = {
    "newaccount", "setcode",    "setabi",      "updateauth", "deleteauth",
    "linkauth",   "unlinkauth", "canceldelay", "onerror",    "onblock"};

static const cps_abi *native_abi;
static int native_rc;
static pthread_once_t native_once = PTHREAD_ONCE_INIT;

static void build_native(void)
{
    cps_abi_action actions[CPS_ARRAY_LEN(native_action_names)];
    for (size_t i = 0; i < CPS_ARRAY_LEN(native_action_names); i++) {
        actions[i].name = cps_abi_name(native_action_names[i]);
        actions[i].type = native_action_names[i];
        actions[i].ricardian_contract = "";
    }
    cps_abi_def def = {
        .version = "eosio::abi/1.0",
        .types = native_types,
        .type_count = CPS_ARRAY_LEN(native_types),
        .structs = native_structs,
        .struct_count = CPS_ARRAY_LEN(native_structs),
        .actions = actions,
        .action_count = CPS_ARRAY_LEN(actions),
        /* The genesis blob was captured from nodeos 1.7/1.8, whose abi_def carried the variants
         * extension (empty) but not yet action_results. */
        .binary_extension_count = 1,
    };
    cps_abi *abi = NULL;
    native_rc = cps_abi_from_def(&def, &abi);
    native_abi = abi;
}

const cps_abi *cps_abi_eosio_native(void)
{
    pthread_once(&native_once, build_native);
    /* The definition is fixed and valid; failure here can only be out of memory at start-up. */
    return native_rc == 0 ? native_abi : NULL;
}
