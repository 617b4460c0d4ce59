/* EOSIO host interface: hashes and public-key recovery (EOSIO
 * libraries/chain/webassembly/crypto.cpp). The host computes them natively, far cheaper than
 * hashing in WebAssembly. */
#ifndef EOSIO_CRYPTO_H
#define EOSIO_CRYPTO_H

#include "eosio/types.h"

EOSIO_IMPORT(sha1) void sha1(const void *data, uint32_t size, cps_checksum160 *hash);
EOSIO_IMPORT(sha256) void sha256(const void *data, uint32_t size, cps_checksum256 *hash);
EOSIO_IMPORT(sha512) void sha512(const void *data, uint32_t size, cps_checksum512 *hash);
EOSIO_IMPORT(ripemd160) void ripemd160(const void *data, uint32_t size, cps_checksum160 *hash);

/* Abort the action unless the data hashes to `hash`. */
EOSIO_IMPORT(assert_sha1)
void assert_sha1(const void *data, uint32_t size, const cps_checksum160 *hash);
EOSIO_IMPORT(assert_sha256)
void assert_sha256(const void *data, uint32_t size, const cps_checksum256 *hash);
EOSIO_IMPORT(assert_sha512)
void assert_sha512(const void *data, uint32_t size, const cps_checksum512 *hash);
EOSIO_IMPORT(assert_ripemd160)
void assert_ripemd160(const void *data, uint32_t size, const cps_checksum160 *hash);

/* Recovers the public key that made `sig` (packed signature: 1 type byte + 65 bytes for K1)
 * over `digest` and writes it packed (1 type byte + 33-byte compressed key) into `pub`;
 * returns the packed key's size. Aborts on a malformed or non-canonical signature. */
EOSIO_IMPORT(recover_key)
int32_t recover_key(const cps_checksum256 *digest, const void *sig, uint32_t sig_size, void *pub,
                    uint32_t pub_size);

/* Aborts unless `sig` over `digest` recovers to the packed public key `pub`. */
EOSIO_IMPORT(assert_recover_key)
void assert_recover_key(const cps_checksum256 *digest, const void *sig, uint32_t sig_size,
                        const void *pub, uint32_t pub_size);

#endif
