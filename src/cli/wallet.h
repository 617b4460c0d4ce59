/* wallet: cps's local key wallet (keosd's job without a daemon) — password-encrypted wallet
 * files, and the "unlocked" state kept between invocations in a short-lived session file.
 *
 * Wallet file `<dir>/<name>.wallet` (mode 0600, dir 0700), all integers little-endian:
 *
 *   offset size  field
 *   0      8     magic "CPSWALLT"
 *   8      1     format version (1)
 *   9      1     KDF id (1 = argon2id v1.3, libsodium crypto_pwhash)
 *   10     2     reserved, 0
 *   12     4     KDF opslimit
 *   16     8     KDF memlimit in bytes
 *   24     16    salt
 *   40     24    nonce (random for every save)
 *   64     n+16  XChaCha20-Poly1305-IETF(key = argon2id(password, salt), ad = bytes 0..63)
 *                of the plaintext:  u32 count, then count x (u8 key type, 32-byte secret)
 *
 * The header is authenticated as associated data, so changing any byte of the file (parameters,
 * salt, nonce or ciphertext) makes decryption fail. A wrong password and a modified file cannot
 * be told apart (both fail authentication).
 *
 * Session file `<session dir>/<name>.unlock` (mode 0600, dir 0700, where the session dir is
 * $CPS_WALLET_SESSION_DIR or $XDG_RUNTIME_DIR/cps-wallet or /tmp/cps-wallet-<uid>, then a
 * sub-directory per wallet directory):
 *
 *   0 8 magic "CPSUNLK1" | 8 8 expiry (microseconds since 1970) | 16 4 timeout (seconds) |
 *   20 16 salt of the wallet file | 36 32 derived wallet key          (68 bytes)
 *
 * It holds the derived key in clear: whoever can read it (the same user, root) can use the
 * wallet until it expires, exactly what they could do by reading keosd's memory. Every use
 * pushes the expiry `timeout` seconds ahead (keosd's --unlock-timeout); an expired or
 * foreign-owned session file counts as locked and is removed. `<name>.open` marks a wallet as
 * opened (keosd's open list). Nothing here is a library API; the names are cps_cli_wallet_*. */
#ifndef CPS_CLI_WALLET_H
#define CPS_CLI_WALLET_H

#include "base/base.h"
#include "crypto/crypto.h"

#define CPS_CLI_WALLET_NAME_MAX 64
#define CPS_CLI_WALLET_PASSWORD_MAX 96
#define CPS_CLI_WALLET_DEFAULT_TIMEOUT 900
#define CPS_CLI_WALLET_MAX_KEYS 10000

/* Where wallets and sessions live; both strings owned, freed by cps_cli_wallet_store_close. */
typedef struct cps_cli_wallet_store {
    char *dir;
    char *session_dir;
    uint32_t timeout; /* seconds an unlocked wallet stays unlocked without use */
} cps_cli_wallet_store;

/* A decrypted wallet in memory. Owned by the caller, freed (and its secrets wiped) by
 * cps_cli_wallet_free. `keys` are the private keys in the order they were imported. */
typedef struct cps_cli_wallet {
    char name[CPS_CLI_WALLET_NAME_MAX + 1];
    uint8_t key[32]; /* derived from the password: secret */
    uint8_t salt[16];
    uint32_t opslimit;
    uint64_t memlimit;
    cps_private_key *keys;
    size_t key_count;
} cps_cli_wallet;

/* Resolves the directories ($CPS_WALLET_DIR or ~/.local/share/cps/wallets; the session dir as
 * above), creating them with mode 0700, and the timeout ($CPS_WALLET_UNLOCK_TIMEOUT or 900 s,
 * overridden by `timeout` when non-zero). Refuses a session dir not owned by the user or open
 * to others. */
CPS_MUST_USE int cps_cli_wallet_store_open(cps_cli_wallet_store *s, uint32_t timeout);
void cps_cli_wallet_store_close(cps_cli_wallet_store *s);

/* keosd's rule for wallet names: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
CPS_MUST_USE int cps_cli_wallet_check_name(const char *name);
/* The wallet file's path (caller frees with free()), or NULL when out of memory. */
char *cps_cli_wallet_path(const cps_cli_wallet_store *s, const char *name);
bool cps_cli_wallet_exists(const cps_cli_wallet_store *s, const char *name);

/* Creates an empty wallet file with a fresh random password ("PW5..." as keosd makes them),
 * written to `password` (CPS_CLI_WALLET_PASSWORD_MAX bytes; the caller wipes it). Fails with
 * CPS_ERR_EXISTS if the file exists. *out receives the open wallet. */
CPS_MUST_USE int cps_cli_wallet_create(const cps_cli_wallet_store *s, const char *name,
                                       char *password, cps_cli_wallet **out);
/* Decrypts the wallet file with a password: CPS_ERR_NOT_FOUND without the file, CPS_ERR_FORMAT
 * for a file that is not a wallet (bad size, magic, version, parameters), CPS_ERR_AUTH when
 * authentication fails (wrong password or modified file). */
CPS_MUST_USE int cps_cli_wallet_decrypt(const cps_cli_wallet_store *s, const char *name,
                                        const char *password, cps_cli_wallet **out);
/* Writes the wallet back (new nonce, same key), atomically (temporary file + rename). */
CPS_MUST_USE int cps_cli_wallet_save(const cps_cli_wallet_store *s, const cps_cli_wallet *w);
void cps_cli_wallet_free(cps_cli_wallet *w);

/* Adds a key (CPS_ERR_EXISTS if its public key is already there) or removes the key of a public
 * key (CPS_ERR_NOT_FOUND). Memory only: save afterwards. */
CPS_MUST_USE int cps_cli_wallet_add_key(cps_cli_wallet *w, const cps_private_key *key);
CPS_MUST_USE int cps_cli_wallet_remove_key(cps_cli_wallet *w, const cps_public_key *pub);

/* Marks the wallet unlocked for s->timeout seconds (writes its session file). */
CPS_MUST_USE int cps_cli_wallet_session_save(const cps_cli_wallet_store *s,
                                             const cps_cli_wallet *w);
/* The wallet of a live session, decrypted with the session's key; its expiry moves ahead.
 * CPS_ERR_STATE when the wallet is locked (no session, expired, or a session for an older wallet
 * file with the same name); CPS_ERR_AUTH if the file no longer decrypts under the session key. */
CPS_MUST_USE int cps_cli_wallet_session_load(const cps_cli_wallet_store *s, const char *name,
                                             cps_cli_wallet **out);
bool cps_cli_wallet_is_unlocked(const cps_cli_wallet_store *s, const char *name);
/* Removes the session file (locking the wallet); no error when there is none. */
CPS_MUST_USE int cps_cli_wallet_session_remove(const cps_cli_wallet_store *s, const char *name);

/* The opened-wallets list: marks `name` opened, tells whether it is, and lists the opened wallets
 * whose file still exists, sorted (caller frees each name and the array with free()). */
CPS_MUST_USE int cps_cli_wallet_mark_open(const cps_cli_wallet_store *s, const char *name);
bool cps_cli_wallet_is_open(const cps_cli_wallet_store *s, const char *name);
CPS_MUST_USE int cps_cli_wallet_list_open(const cps_cli_wallet_store *s, char ***names,
                                          size_t *count);

/* Decoders of the two file formats, exposed for the unit tests and the fuzz target: they check
 * every length and field of untrusted bytes. The header parser fills the KDF parameters and
 * salt; the plaintext parser fills w->keys. */
CPS_MUST_USE int cps_cli_wallet_parse_header(const uint8_t *data, size_t size, cps_cli_wallet *w);
CPS_MUST_USE int cps_cli_wallet_parse_plaintext(const uint8_t *data, size_t size,
                                                cps_cli_wallet *w);

#endif
