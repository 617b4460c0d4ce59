/* crypto internals shared by the files of the crypto module: the RFC 6979 HMAC-DRBG that both
 * curves' deterministic signers use, big-endian 256-bit helpers, and the per-curve operations
 * that keys.c dispatches to. Not for use outside src/crypto/. */
#ifndef CPS_CRYPTO_INTERNAL_H
#define CPS_CRYPTO_INTERNAL_H

#include "crypto/crypto.h"

/* HMAC-SHA-256 (RFC 2104) over the concatenation of up to three pieces (NULL/0 pieces allowed). */
void cps_crypto__hmac_sha256(const uint8_t key[32], const void *a, size_t an, const void *b,
                             size_t bn, const void *c, size_t cn, uint8_t out[32]);

/* The HMAC-SHA-256 DRBG of RFC 6979 §3.2 (equivalently NIST SP 800-90A HMAC_DRBG without
 * reseeding), seeded the way the npm `elliptic` signer seeds it: entropy = private key,
 * nonce = message reduced modulo the group order, personalization = `pers` (may be empty).
 * Holds secret state: callers wipe it with cps_crypto__drbg_wipe(). */
typedef struct cps_crypto__drbg {
    uint8_t k[32];
    uint8_t v[32];
} cps_crypto__drbg;

void cps_crypto__drbg_init(cps_crypto__drbg *d, const uint8_t key32[32], const uint8_t msg32[32],
                           const uint8_t *pers, size_t pers_len);
/* Writes the next 32 output bytes and advances the state as RFC 6979 step h.3 does between
 * candidates. */
void cps_crypto__drbg_next(cps_crypto__drbg *d, uint8_t out[32]);
void cps_crypto__drbg_wipe(cps_crypto__drbg *d);

/* Big-endian 256-bit helpers (not constant time: used on public values and on nonce candidates
 * only to decide whether they are in range, as every RFC 6979 signer must). */
int cps_crypto__be256_cmp(const uint8_t a[32], const uint8_t b[32]);
/* out = a - b mod 2^256 (out may alias a). */
void cps_crypto__be256_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
bool cps_crypto__be256_is_zero(const uint8_t a[32]);

/* Group orders, big-endian. */
extern const uint8_t cps_crypto__k1_order[32];
extern const uint8_t cps_crypto__r1_order[32];

/* The `elliptic` nonce rule: the candidate k must satisfy 1 < k < n - 1 (it skips the others). */
bool cps_crypto__nonce_in_range(const uint8_t k[32], const uint8_t order[32]);

/* Per-curve operations. Argument checks are done by the callers in keys.c. */
int cps_crypto__k1_generate(uint8_t secret[32]);
int cps_crypto__k1_public(const uint8_t secret[32], uint8_t out[33]);
int cps_crypto__k1_sign(const uint8_t secret[32], const uint8_t digest[32], uint8_t out[65]);
int cps_crypto__k1_recover(const uint8_t sig[65], const uint8_t digest[32], uint8_t out[33]);
bool cps_crypto__k1_point_valid(const uint8_t point[33]);
bool cps_crypto__k1_secret_valid(const uint8_t secret[32]);

int cps_crypto__r1_generate(uint8_t secret[32]);
int cps_crypto__r1_public(const uint8_t secret[32], uint8_t out[33]);
int cps_crypto__r1_sign(const uint8_t secret[32], const uint8_t digest[32], uint8_t out[65]);
int cps_crypto__r1_recover(const uint8_t sig[65], const uint8_t digest[32], uint8_t out[33]);
bool cps_crypto__r1_point_valid(const uint8_t point[33]);
bool cps_crypto__r1_secret_valid(const uint8_t secret[32]);

/* Keccak-f[1600] step constants (keccak.c), exposed so the tests can re-derive them from FIPS 202.
 */
extern const uint64_t cps_crypto__keccak_rc[24];
extern const uint8_t cps_crypto__keccak_rotc[24];
extern const uint8_t cps_crypto__keccak_piln[24];

/* Fills `out` from the operating system's CSPRNG (getrandom), or fails with CPS_ERR_IO. */
int cps_crypto__random(void *out, size_t n);

#endif
