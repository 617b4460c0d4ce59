/* crypto: the hashes EOSIO contracts and the protocol use, secp256k1 (K1) keys and canonical
 * recoverable signatures through libsecp256k1, secp256r1 (R1) verification and recovery through
 * OpenSSL, and the text forms of keys and signatures (EOS…, PUB_K1_…, PVT_K1_…, WIF, SIG_K1_…).
 *
 * Binary forms follow fc: a public key is a variant index (0 K1, 1 R1, 2 WebAuthn) and a 33-byte
 * compressed point; a signature is the index and 65 bytes [27+4+recid][r][s]; a private key is
 * 32 bytes. WebAuthn keys and signatures are not supported (decoding one fails cleanly).
 *
 * Secrets: private keys live in cps_private_key values; callers wipe them with
 * cps_private_key_wipe() when done; every function here wipes its own temporaries. */
#ifndef CPS_CRYPTO_H
#define CPS_CRYPTO_H

#include "base/base.h"

/* ---- hashes -------------------------------------------------------------------------------- */
#define CPS_SHA1_SIZE 20
#define CPS_SHA256_SIZE 32
#define CPS_SHA512_SIZE 64
#define CPS_RIPEMD160_SIZE 20

void cps_sha1(const void *data, size_t n, uint8_t out[20]);
void cps_sha256(const void *data, size_t n, uint8_t out[32]);
void cps_sha512(const void *data, size_t n, uint8_t out[64]);
void cps_ripemd160(const void *data, size_t n, uint8_t out[20]);
/* Keccak-256 as Ethereum uses it (original padding 0x01), and FIPS-202 SHA3-256 (padding 0x06). */
void cps_keccak256(const void *data, size_t n, uint8_t out[32]);
void cps_sha3_256(const void *data, size_t n, uint8_t out[32]);

/* Incremental SHA-256 (for digests over several pieces without copying them together).
 * A plain value: no allocation, may be copied, nothing to free. */
typedef struct cps_sha256_ctx {
    _Alignas(16) unsigned char opaque[128];
} cps_sha256_ctx;
void cps_sha256_init(cps_sha256_ctx *c);
void cps_sha256_update(cps_sha256_ctx *c, const void *data, size_t n);
void cps_sha256_final(cps_sha256_ctx *c, uint8_t out[32]);

/* ---- keys and signatures ------------------------------------------------------------------- */
enum cps_key_type { CPS_KEY_K1 = 0, CPS_KEY_R1 = 1, CPS_KEY_WA = 2 };

typedef struct cps_public_key {
    uint8_t type;     /* enum cps_key_type: K1 or R1 */
    uint8_t data[33]; /* compressed point */
} cps_public_key;

typedef struct cps_private_key {
    uint8_t type; /* K1 or R1 */
    uint8_t secret[32];
} cps_private_key;

typedef struct cps_signature {
    uint8_t type;     /* K1 or R1 */
    uint8_t data[65]; /* [27 + 4 + recid][r 32][s 32] */
} cps_signature;

/* Longest text forms, including the terminating NUL. */
#define CPS_PUBLIC_KEY_STR_MAX 64
#define CPS_PRIVATE_KEY_STR_MAX 64
#define CPS_SIGNATURE_STR_MAX 112

/* Makes a new random key of the given type (K1 or R1) from the system's CSPRNG. */
CPS_MUST_USE int cps_key_generate(enum cps_key_type type, cps_private_key *out);
CPS_MUST_USE int cps_key_public(const cps_private_key *key, cps_public_key *out);
void cps_private_key_wipe(cps_private_key *key);

/* Signs a 32-byte digest. K1: deterministic RFC 6979 nonces personalized with an attempt counter
 * (1, 2, ...), repeated until the signature is canonical by EOSIO's rule, exactly as eosjs and
 * wharfkit sign, so the result is byte-identical to theirs (fc's sign_compact also loops until
 * canonical but feeds its counter differently, so nodeos-made signatures may differ; all verify).
 * R1: a low-S signature with its recovery id, using elliptic's RFC 6979 nonce (also identical to
 * eosjs and wharfkit). Deterministic: the same key and digest always give the same signature. */
CPS_MUST_USE int cps_sign(const cps_private_key *key, const uint8_t digest[32], cps_signature *out);

/* EOSIO's canonicality rule for compact signatures (fc public_key::is_canonical): r and s each
 * below 2^255 with no redundant leading zero byte. Not the low-S rule. */
bool cps_signature_is_canonical(const cps_signature *sig);

/* Recovers the public key that made `sig` over `digest`. Fails with CPS_ERR_NONCANONICAL for a
 * non-canonical K1 signature or a high-S R1 signature (as nodeos does), CPS_ERR_CRYPTO for a
 * header byte outside 27..34 or if no key recovers. Thread-safe. */
CPS_MUST_USE int cps_recover(const cps_signature *sig, const uint8_t digest[32],
                             cps_public_key *out);

/* 0 if `sig` is a valid signature of `digest` by `key`, CPS_ERR_CRYPTO otherwise. As in nodeos,
 * "valid" means the signature recovers to `key` (so the recovery id must be right and a K1
 * signature must be canonical). */
CPS_MUST_USE int cps_verify(const cps_public_key *key, const uint8_t digest[32],
                            const cps_signature *sig);

/* ---- text forms ---------------------------------------------------------------------------- */
/* K1 public keys print in the legacy form "EOS…" unless `prefer_new` (then "PUB_K1_…"), as nodeos
 * prints them; R1 keys always print "PUB_R1_…". `out` holds CPS_PUBLIC_KEY_STR_MAX bytes. */
CPS_MUST_USE int cps_public_key_to_string(const cps_public_key *key, bool prefer_new, char *out,
                                          size_t cap);
/* Accepts "EOS…", "PUB_K1_…" and "PUB_R1_…" (len bytes, not necessarily NUL-terminated). Errors say
 * what is wrong: unknown prefix, bad base58 character, wrong length, checksum mismatch, a point not
 * on the curve. */
CPS_MUST_USE int cps_public_key_from_string(const char *s, size_t len, cps_public_key *out);

/* K1 private keys print as legacy WIF unless `prefer_new` ("PVT_K1_…"); R1 as "PVT_R1_…". */
CPS_MUST_USE int cps_private_key_to_string(const cps_private_key *key, bool prefer_new, char *out,
                                           size_t cap);
/* Accepts WIF (double- or single-SHA-256 checksum), "PVT_K1_…" and "PVT_R1_…". */
CPS_MUST_USE int cps_private_key_from_string(const char *s, size_t len, cps_private_key *out);

CPS_MUST_USE int cps_signature_to_string(const cps_signature *sig, char *out, size_t cap);
/* Accepts "SIG_K1_…" and "SIG_R1_…". */
CPS_MUST_USE int cps_signature_from_string(const char *s, size_t len, cps_signature *out);

/* ---- binary forms (fc::raw) ---------------------------------------------------------------- */
/* Packers append to `b` and return b->failed (a key or signature of an unknown type or WA sets it
 * to an error). Unpackers borrow the reader, fill `out` and advance; on failure the reader is left
 * where it was. Unpacking does not check that a key's point is on its curve (whether such a key
 * is acceptable is a chain rule, not the codec's); cps_public_key_is_valid() checks it. */
int cps_public_key_pack(cps_buf *b, const cps_public_key *key);
/* Fails cleanly on a truncated key, an unknown type or a WebAuthn key (unsupported). */
CPS_MUST_USE int cps_public_key_unpack(cps_reader *r, cps_public_key *out);
int cps_signature_pack(cps_buf *b, const cps_signature *sig);
CPS_MUST_USE int cps_signature_unpack(cps_reader *r, cps_signature *out);

/* Orders keys as EOSIO's authority validation does (type index, then bytes): <0, 0, >0. */
int cps_public_key_compare(const cps_public_key *a, const cps_public_key *b);

/* True if `key` is K1 or R1 and its 33 bytes are a compressed point on that curve. */
bool cps_public_key_is_valid(const cps_public_key *key);

#endif
