/* EOSIO host interface: calls reserved to privileged accounts (eosio, eosio.bios, the system
 * contract): resource limits, producer schedule, chain parameters, features
 * (EOSIO libraries/chain/webassembly/privileged.cpp). Called by an unprivileged contract, each
 * aborts the transaction. */
#ifndef EOSIO_PRIVILEGED_H
#define EOSIO_PRIVILEGED_H

#include "eosio/types.h"

EOSIO_IMPORT(get_resource_limits)
void get_resource_limits(cps_name account, int64_t *ram_bytes, int64_t *net_weight,
                         int64_t *cpu_weight);
EOSIO_IMPORT(set_resource_limits)
void set_resource_limits(cps_name account, int64_t ram_bytes, int64_t net_weight,
                         int64_t cpu_weight);

/* Proposes a producer schedule, packed as vector<producer_key> (name + public key);
 * returns the proposed schedule version, or -1 if it was not proposed (unchanged schedule). */
EOSIO_IMPORT(set_proposed_producers)
int64_t set_proposed_producers(const void *producers, uint32_t size);

/* Same with a format tag: 0 = vector<producer_key>, 1 = vector<producer_authority>.
 * Needs WTMSIG_BLOCK_SIGNATURES. */
EOSIO_IMPORT(set_proposed_producers_ex)
int64_t set_proposed_producers_ex(uint64_t format, const void *producers, uint32_t size);

EOSIO_IMPORT(is_privileged) bool is_privileged(cps_name account);
EOSIO_IMPORT(set_privileged) void set_privileged(cps_name account, bool is_priv);

/* The chain's blockchain_parameters struct, packed. get returns the packed size. */
EOSIO_IMPORT(set_blockchain_parameters_packed)
void set_blockchain_parameters_packed(const void *data, uint32_t size);
EOSIO_IMPORT(get_blockchain_parameters_packed)
uint32_t get_blockchain_parameters_packed(void *data, uint32_t size);

/* Parameters by id (varuint32 count, then id + value pairs). Need BLOCKCHAIN_PARAMETERS. */
EOSIO_IMPORT(set_parameters_packed) void set_parameters_packed(const void *params, uint32_t size);
EOSIO_IMPORT(get_parameters_packed)
uint32_t get_parameters_packed(const void *ids, uint32_t ids_size, void *params, uint32_t size);

/* WebAssembly limits (wasm_config). Need CONFIGURABLE_WASM_LIMITS. */
EOSIO_IMPORT(set_wasm_parameters_packed)
void set_wasm_parameters_packed(const void *params, uint32_t size);
EOSIO_IMPORT(get_wasm_parameters_packed)
uint32_t get_wasm_parameters_packed(void *params, uint32_t size, uint32_t max_version);

/* Pre-activates a protocol feature by digest. Needs PREACTIVATE_FEATURE. */
EOSIO_IMPORT(preactivate_feature) void preactivate_feature(const cps_checksum256 *feature_digest);

#endif
