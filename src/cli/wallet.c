/* wallet: the encrypted wallet files and unlock sessions of `cps wallet` (formats and threat
 * model in wallet.h). Secrets pass through libsodium and are wiped as soon as they are used. */
#include "cli/wallet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALLET_MAGIC "CPSWALLT"
#define WALLET_VERSION 1
#define WALLET_KDF_ARGON2ID13 1
#define WALLET_HEADER_SIZE 64
#define WALLET_TAG_SIZE crypto_aead_xchacha20poly1305_ietf_ABYTES
#define WALLET_KEY_RECORD 33
/* Bounds on KDF parameters read from a file, so a crafted file cannot make cps spend minutes
 * or gigabytes deriving a key. */
#define WALLET_MAX_OPSLIMIT 16u
#define WALLET_MAX_MEMLIMIT (UINT64_C(1) << 30)
#define WALLET_MAX_FILE (WALLET_HEADER_SIZE + 4 + WALLET_KEY_RECORD * CPS_CLI_WALLET_MAX_KEYS + 16)

#define SESSION_MAGIC "CPSUNLK1"
#define SESSION_SIZE 68

/* ---- small file helpers ------------------------------------------------------------------ */

static char *join_path(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + 1 + strlen(name) + strlen(ext) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

/* Creates each missing component of `path` with mode 0700 (like mkdir -p). */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        int r = mkdir(path, 0700);
        int e = errno;
        *p = saved;
        if (r != 0 && e != EEXIST) {
            *p = '\0';
            int rc = cps_fail(CPS_ERR_IO, "cannot create directory %s: %s", path, strerror(e));
            *p = saved;
            return rc;
        }
        if (saved == '\0') break;
    }
    return 0;
}

/* Reads a whole file of at most `max` bytes into a new buffer the caller frees with free().
 * A missing file gives CPS_ERR_NOT_FOUND; symbolic links are not followed. */
static int read_small_file(const char *path, size_t max, uint8_t **data, size_t *size,
                           struct stat *st)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return cps_fail(CPS_ERR_NOT_FOUND, "%s does not exist", path);
        return cps_fail(CPS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    struct stat local;
    if (!st) st = &local;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return cps_fail(CPS_ERR_FORMAT, "%s is not a regular file", path);
    }
    if ((uint64_t)st->st_size > max) {
        close(fd);
        return cps_fail(CPS_ERR_FORMAT, "%s is too large (%lld bytes, at most %zu)", path,
                        (long long)st->st_size, max);
    }
    size_t want = (size_t)st->st_size, got = 0;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        close(fd);
        return cps_fail(CPS_ERR_NOMEM, "out of memory reading %s", path);
    }
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != want) {
        free(buf);
        return cps_fail(CPS_ERR_IO, "cannot read %s", path);
    }
    *data = buf;
    *size = got;
    return 0;
}

/* Writes `data` to `path` through a 0600 temporary file in the same directory and a rename, so
 * a crash never leaves a half-written wallet. */
static int write_file_atomic(const char *path, const uint8_t *data, size_t size)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = cps_fail(CPS_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    int rc = 0;
    if (fchmod(fd, 0600) != 0) rc = cps_fail(CPS_ERR_IO, "chmod %s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (!rc && done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) rc = cps_fail(CPS_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        else done += (size_t)w;
    }
    if (!rc && fsync(fd) != 0) rc = cps_fail(CPS_ERR_IO, "fsync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc) rc = cps_fail(CPS_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = cps_fail(CPS_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- the store ---------------------------------------------------------------------------- */

/* A directory that will hold secrets must be ours and closed to others. */
static int check_private_dir(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0) return cps_fail(CPS_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return cps_fail(CPS_ERR_IO, "%s is not a directory", dir);
    if (st.st_uid != geteuid())
        return cps_fail(CPS_ERR_IO, "%s belongs to another user: refusing to keep secrets there",
                        dir);
    if (st.st_mode & 077) {
        if (chmod(dir, 0700) != 0)
            return cps_fail(CPS_ERR_IO, "%s is open to other users and chmod failed: %s", dir,
                            strerror(errno));
    }
    return 0;
}

static int parse_timeout(const char *text, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || errno || v == 0 || v > UINT32_MAX)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "CPS_WALLET_UNLOCK_TIMEOUT: expected seconds (1..4294967295), got \"%s\"",
                        text);
    *out = (uint32_t)v;
    return 0;
}

int cps_cli_wallet_store_open(cps_cli_wallet_store *s, uint32_t timeout)
{
    memset(s, 0, sizeof *s);
    if (sodium_init() < 0) return cps_fail(CPS_ERR_CRYPTO, "libsodium failed to initialize");
    s->timeout = CPS_CLI_WALLET_DEFAULT_TIMEOUT;
    const char *env_timeout = getenv("CPS_WALLET_UNLOCK_TIMEOUT");
    int rc;
    if (env_timeout && (rc = parse_timeout(env_timeout, &s->timeout)) != 0) return rc;
    if (timeout) s->timeout = timeout;

    const char *dir = getenv("CPS_WALLET_DIR");
    char buf[4096];
    if (dir && *dir) {
        snprintf(buf, sizeof buf, "%s", dir);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return cps_fail(CPS_ERR_INVALID_ARG, "neither CPS_WALLET_DIR nor HOME is set");
        snprintf(buf, sizeof buf, "%s/.local/share/cps/wallets", home);
    }
    if ((rc = make_dirs(buf)) != 0 || (rc = check_private_dir(buf)) != 0) return rc;
    s->dir = realpath(buf, NULL);
    if (!s->dir) return cps_fail(CPS_ERR_IO, "%s: %s", buf, strerror(errno));

    const char *sess = getenv("CPS_WALLET_SESSION_DIR");
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    char base[3072];
    if (sess && *sess) snprintf(base, sizeof base, "%s", sess);
    else if (runtime && *runtime) snprintf(base, sizeof base, "%s/cps-wallet", runtime);
    else snprintf(base, sizeof base, "/tmp/cps-wallet-%lu", (unsigned long)geteuid());
    if ((rc = make_dirs(base)) != 0 || (rc = check_private_dir(base)) != 0) goto fail;
    /* One sub-directory per wallet directory, so two wallet directories holding a wallet of the
     * same name keep separate unlock states. */
    uint8_t h[32];
    char hex[17];
    cps_sha256(s->dir, strlen(s->dir), h);
    cps_hex_encode(hex, h, 8);
    int len = snprintf(buf, sizeof buf, "%s/%s", base, hex);
    if (len < 0 || (size_t)len >= sizeof buf) {
        rc = cps_fail(CPS_ERR_LIMIT, "session directory path too long: %s", base);
        goto fail;
    }
    if ((rc = make_dirs(buf)) != 0 || (rc = check_private_dir(buf)) != 0) goto fail;
    s->session_dir = strdup(buf);
    if (!s->session_dir) {
        rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return 0;
fail:
    cps_cli_wallet_store_close(s);
    return rc;
}

void cps_cli_wallet_store_close(cps_cli_wallet_store *s)
{
    free(s->dir);
    free(s->session_dir);
    s->dir = s->session_dir = NULL;
}

int cps_cli_wallet_check_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CPS_CLI_WALLET_NAME_MAX)
        return cps_fail(CPS_ERR_INVALID_ARG, "wallet name must have 1 to %d characters",
                        CPS_CLI_WALLET_NAME_MAX);
    if (name[0] == '.')
        return cps_fail(CPS_ERR_INVALID_ARG, "wallet name \"%s\" must not start with '.'", name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "Invalid filename, path not allowed in wallet name %s", name);
    }
    return 0;
}

char *cps_cli_wallet_path(const cps_cli_wallet_store *s, const char *name)
{
    return join_path(s->dir, name, ".wallet");
}

bool cps_cli_wallet_exists(const cps_cli_wallet_store *s, const char *name)
{
    char *p = cps_cli_wallet_path(s, name);
    struct stat st;
    bool found = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return found;
}

/* ---- wallet contents ---------------------------------------------------------------------- */

static cps_cli_wallet *wallet_new(const char *name)
{
    cps_cli_wallet *w = calloc(1, sizeof *w);
    if (w) snprintf(w->name, sizeof w->name, "%s", name);
    return w;
}

void cps_cli_wallet_free(cps_cli_wallet *w)
{
    if (!w) return;
    if (w->keys) {
        sodium_memzero(w->keys, w->key_count * sizeof *w->keys);
        free(w->keys);
    }
    sodium_memzero(w, sizeof *w);
    free(w);
}

int cps_cli_wallet_add_key(cps_cli_wallet *w, const cps_private_key *key)
{
    cps_public_key pub, other;
    int rc = cps_key_public(key, &pub);
    if (rc) return rc;
    for (size_t i = 0; i < w->key_count; i++) {
        if (cps_key_public(&w->keys[i], &other) == 0 && cps_public_key_compare(&pub, &other) == 0)
            return cps_fail(CPS_ERR_EXISTS, "Key already in wallet");
    }
    if (w->key_count >= CPS_CLI_WALLET_MAX_KEYS)
        return cps_fail(CPS_ERR_LIMIT, "a wallet holds at most %d keys", CPS_CLI_WALLET_MAX_KEYS);
    /* Grow by copying into a new block so the old one can be wiped (realloc would leave the
     * secrets behind in freed memory). */
    cps_private_key *grown = calloc(w->key_count + 1, sizeof *grown);
    if (!grown) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (w->key_count) {
        memcpy(grown, w->keys, w->key_count * sizeof *grown);
        sodium_memzero(w->keys, w->key_count * sizeof *w->keys);
    }
    free(w->keys);
    grown[w->key_count++] = *key;
    w->keys = grown;
    return 0;
}

int cps_cli_wallet_remove_key(cps_cli_wallet *w, const cps_public_key *pub)
{
    cps_public_key other;
    for (size_t i = 0; i < w->key_count; i++) {
        if (cps_key_public(&w->keys[i], &other) != 0) continue;
        if (cps_public_key_compare(pub, &other) != 0) continue;
        memmove(&w->keys[i], &w->keys[i + 1], (w->key_count - i - 1) * sizeof *w->keys);
        w->key_count--;
        sodium_memzero(&w->keys[w->key_count], sizeof *w->keys);
        return 0;
    }
    return cps_fail(CPS_ERR_NOT_FOUND, "Key not in wallet");
}

/* ---- the file format ---------------------------------------------------------------------- */

int cps_cli_wallet_parse_header(const uint8_t *data, size_t size, cps_cli_wallet *w)
{
    if (size < WALLET_HEADER_SIZE + WALLET_TAG_SIZE + 4)
        return cps_fail(CPS_ERR_FORMAT, "wallet file too short: %zu bytes, at least %d", size,
                        WALLET_HEADER_SIZE + (int)WALLET_TAG_SIZE + 4);
    if (memcmp(data, WALLET_MAGIC, 8) != 0)
        return cps_fail(CPS_ERR_FORMAT, "not a cps wallet file (bad magic at offset 0)");
    if (data[8] != WALLET_VERSION)
        return cps_fail(CPS_ERR_FORMAT, "unsupported wallet format version %u at offset 8",
                        data[8]);
    if (data[9] != WALLET_KDF_ARGON2ID13)
        return cps_fail(CPS_ERR_FORMAT, "unknown key derivation %u at offset 9", data[9]);
    if (data[10] || data[11])
        return cps_fail(CPS_ERR_FORMAT, "reserved bytes at offset 10 are not zero");
    uint32_t ops = cps_load_u32(data + 12);
    uint64_t mem = cps_load_u64(data + 16);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > WALLET_MAX_OPSLIMIT)
        return cps_fail(CPS_ERR_FORMAT, "KDF opslimit %u at offset 12 out of range %u..%u", ops,
                        (unsigned)crypto_pwhash_OPSLIMIT_MIN, WALLET_MAX_OPSLIMIT);
    if (mem < crypto_pwhash_MEMLIMIT_MIN || mem > WALLET_MAX_MEMLIMIT)
        return cps_fail(CPS_ERR_FORMAT, "KDF memlimit %llu at offset 16 out of range",
                        (unsigned long long)mem);
    size_t body = size - WALLET_HEADER_SIZE - WALLET_TAG_SIZE;
    if ((body - 4) % WALLET_KEY_RECORD != 0)
        return cps_fail(CPS_ERR_FORMAT, "wallet file size %zu does not fit whole key records",
                        size);
    w->opslimit = ops;
    w->memlimit = mem;
    memcpy(w->salt, data + 24, sizeof w->salt);
    return 0;
}

int cps_cli_wallet_parse_plaintext(const uint8_t *data, size_t size, cps_cli_wallet *w)
{
    cps_reader r = cps_reader_make(data, size);
    uint32_t count;
    int rc = cps_read_u32(&r, &count);
    if (rc) return cps_fail_prefix(rc, "wallet key count");
    if (count > CPS_CLI_WALLET_MAX_KEYS || cps_reader_left(&r) != (size_t)count * WALLET_KEY_RECORD)
        return cps_fail(CPS_ERR_FORMAT, "wallet holds %u keys but %zu bytes of key records",
                        count, cps_reader_left(&r));
    cps_private_key *keys = count ? calloc(count, sizeof *keys) : NULL;
    if (count && !keys) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *rec;
        if (cps_read_span(&r, WALLET_KEY_RECORD, &rec) != 0) break; /* sizes checked above */
        if (rec[0] != CPS_KEY_K1 && rec[0] != CPS_KEY_R1) {
            sodium_memzero(keys, count * sizeof *keys);
            free(keys);
            return cps_fail(CPS_ERR_FORMAT, "key %u has unknown type %u", i, rec[0]);
        }
        keys[i].type = rec[0];
        memcpy(keys[i].secret, rec + 1, 32);
    }
    w->keys = keys;
    w->key_count = count;
    return 0;
}

static void fill_header(uint8_t *h, const cps_cli_wallet *w, const uint8_t *nonce)
{
    memset(h, 0, WALLET_HEADER_SIZE);
    memcpy(h, WALLET_MAGIC, 8);
    h[8] = WALLET_VERSION;
    h[9] = WALLET_KDF_ARGON2ID13;
    cps_store_u32(h + 12, w->opslimit);
    cps_store_u64(h + 16, w->memlimit);
    memcpy(h + 24, w->salt, 16);
    memcpy(h + 40, nonce, 24);
}

int cps_cli_wallet_save(const cps_cli_wallet_store *s, const cps_cli_wallet *w)
{
    size_t plain_size = 4 + w->key_count * WALLET_KEY_RECORD;
    size_t file_size = WALLET_HEADER_SIZE + plain_size + WALLET_TAG_SIZE;
    uint8_t *plain = malloc(plain_size);
    uint8_t *file = malloc(file_size);
    char *path = cps_cli_wallet_path(s, w->name);
    int rc = 0;
    if (!plain || !file || !path) {
        rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    cps_store_u32(plain, (uint32_t)w->key_count);
    for (size_t i = 0; i < w->key_count; i++) {
        plain[4 + i * WALLET_KEY_RECORD] = w->keys[i].type;
        memcpy(plain + 5 + i * WALLET_KEY_RECORD, w->keys[i].secret, 32);
    }
    uint8_t nonce[24];
    randombytes_buf(nonce, sizeof nonce);
    fill_header(file, w, nonce);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(file + WALLET_HEADER_SIZE, &clen, plain,
                                               plain_size, file, WALLET_HEADER_SIZE, NULL, nonce,
                                               w->key);
    rc = write_file_atomic(path, file, file_size);
done:
    if (plain) {
        sodium_memzero(plain, plain_size);
        free(plain);
    }
    free(file);
    free(path);
    return rc;
}

static void random_password(char *out, size_t cap)
{
    /* keosd's passwords are "PW" + a WIF private key; the same form keeps scripts that look for
     * "PW5" working. 256 bits from the system's CSPRNG. */
    cps_private_key k;
    char wif[CPS_PRIVATE_KEY_STR_MAX];
    k.type = CPS_KEY_K1;
    randombytes_buf(k.secret, sizeof k.secret);
    if (cps_private_key_to_string(&k, false, wif, sizeof wif) != 0) {
        /* Cannot happen for a K1 key; fall back to hex so a password always exists. */
        cps_hex_encode(wif, k.secret, 16);
    }
    snprintf(out, cap, "PW%s", wif);
    cps_private_key_wipe(&k);
    sodium_memzero(wif, sizeof wif);
}

static int derive_key(cps_cli_wallet *w, const char *password)
{
    if (crypto_pwhash(w->key, sizeof w->key, password, strlen(password), w->salt, w->opslimit,
                      (size_t)w->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return cps_fail(CPS_ERR_NOMEM, "argon2id needs %llu bytes of memory: out of memory",
                        (unsigned long long)w->memlimit);
    return 0;
}

int cps_cli_wallet_create(const cps_cli_wallet_store *s, const char *name, char *password,
                          cps_cli_wallet **out)
{
    *out = NULL;
    int rc = cps_cli_wallet_check_name(name);
    if (rc) return rc;
    char *path = cps_cli_wallet_path(s, name);
    if (!path) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (cps_cli_wallet_exists(s, name)) {
        rc = cps_fail(CPS_ERR_EXISTS, "Wallet with name: '%s' already exists at %s", name, path);
        free(path);
        return rc;
    }
    free(path);
    cps_cli_wallet *w = wallet_new(name);
    if (!w) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    w->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    w->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    randombytes_buf(w->salt, sizeof w->salt);
    random_password(password, CPS_CLI_WALLET_PASSWORD_MAX);
    rc = derive_key(w, password);
    if (!rc) rc = cps_cli_wallet_save(s, w);
    if (rc) {
        sodium_memzero(password, CPS_CLI_WALLET_PASSWORD_MAX);
        cps_cli_wallet_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Decrypts `file` with w->key (set by the caller) into w->keys. */
static int decrypt_file(const uint8_t *file, size_t size, cps_cli_wallet *w)
{
    size_t clen = size - WALLET_HEADER_SIZE;
    size_t plain_cap = clen - WALLET_TAG_SIZE;
    uint8_t *plain = malloc(plain_cap ? plain_cap : 1);
    if (!plain) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    unsigned long long plen;
    int rc;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, file + WALLET_HEADER_SIZE,
                                                   clen, file, WALLET_HEADER_SIZE, file + 40,
                                                   w->key) != 0)
        rc = cps_fail(CPS_ERR_AUTH, "wallet %s does not decrypt (wrong password or modified file)",
                      w->name);
    else
        rc = cps_cli_wallet_parse_plaintext(plain, (size_t)plen, w);
    sodium_memzero(plain, plain_cap);
    free(plain);
    return rc;
}

static int read_wallet_file(const cps_cli_wallet_store *s, const char *name, uint8_t **file,
                            size_t *size)
{
    char *path = cps_cli_wallet_path(s, name);
    if (!path) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    int rc = read_small_file(path, WALLET_MAX_FILE, file, size, NULL);
    if (rc == CPS_ERR_NOT_FOUND) rc = cps_fail(rc, "Unable to open file: %s", path);
    free(path);
    return rc;
}

int cps_cli_wallet_decrypt(const cps_cli_wallet_store *s, const char *name, const char *password,
                           cps_cli_wallet **out)
{
    *out = NULL;
    int rc = cps_cli_wallet_check_name(name);
    if (rc) return rc;
    uint8_t *file;
    size_t size;
    if ((rc = read_wallet_file(s, name, &file, &size)) != 0) return rc;
    cps_cli_wallet *w = wallet_new(name);
    if (!w) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = cps_cli_wallet_parse_header(file, size, w);
    if (!rc) rc = derive_key(w, password);
    if (!rc) rc = decrypt_file(file, size, w);
    free(file);
    if (rc) {
        cps_cli_wallet_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---- sessions ----------------------------------------------------------------------------- */

static int write_session(const cps_cli_wallet_store *s, const cps_cli_wallet *w, uint32_t timeout)
{
    uint8_t rec[SESSION_SIZE];
    memcpy(rec, SESSION_MAGIC, 8);
    cps_store_u64(rec + 8, (uint64_t)cps_time_now_us() + (uint64_t)timeout * 1000000u);
    cps_store_u32(rec + 16, timeout);
    memcpy(rec + 20, w->salt, 16);
    memcpy(rec + 36, w->key, 32);
    char *path = join_path(s->session_dir, w->name, ".unlock");
    int rc = path ? write_file_atomic(path, rec, sizeof rec) : cps_fail(CPS_ERR_NOMEM, "out of memory");
    sodium_memzero(rec, sizeof rec);
    free(path);
    return rc;
}

int cps_cli_wallet_session_save(const cps_cli_wallet_store *s, const cps_cli_wallet *w)
{
    return write_session(s, w, s->timeout);
}

int cps_cli_wallet_session_remove(const cps_cli_wallet_store *s, const char *name)
{
    char *path = join_path(s->session_dir, name, ".unlock");
    if (!path) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    int rc = 0;
    if (unlink(path) != 0 && errno != ENOENT)
        rc = cps_fail(CPS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* Reads a live session: its key and salt go into `w`, its timeout into *timeout. An expired,
 * malformed or foreign session is removed and reported as CPS_ERR_STATE (locked). */
static int read_session(const cps_cli_wallet_store *s, cps_cli_wallet *w, uint32_t *timeout)
{
    char *path = join_path(s->session_dir, w->name, ".unlock");
    if (!path) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    uint8_t *rec;
    size_t size;
    struct stat st;
    int rc = read_small_file(path, SESSION_SIZE, &rec, &size, &st);
    if (rc) {
        free(path);
        return cps_fail(CPS_ERR_STATE, "Wallet is locked: %s", w->name);
    }
    bool live = size == SESSION_SIZE && memcmp(rec, SESSION_MAGIC, 8) == 0 &&
                st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
                cps_load_u64(rec + 8) > (uint64_t)cps_time_now_us();
    if (live) {
        *timeout = cps_load_u32(rec + 16);
        memcpy(w->salt, rec + 20, 16);
        memcpy(w->key, rec + 36, 32);
    }
    sodium_memzero(rec, size);
    free(rec);
    if (!live) {
        unlink(path);
        free(path);
        return cps_fail(CPS_ERR_STATE, "Wallet is locked: %s", w->name);
    }
    free(path);
    return 0;
}

int cps_cli_wallet_session_load(const cps_cli_wallet_store *s, const char *name,
                                cps_cli_wallet **out)
{
    *out = NULL;
    int rc = cps_cli_wallet_check_name(name);
    if (rc) return rc;
    cps_cli_wallet *w = wallet_new(name);
    if (!w) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    uint32_t timeout = s->timeout;
    uint8_t *file = NULL;
    size_t size;
    uint8_t session_salt[16];
    if ((rc = read_session(s, w, &timeout)) != 0) goto fail;
    memcpy(session_salt, w->salt, sizeof session_salt);
    if ((rc = read_wallet_file(s, name, &file, &size)) != 0) goto fail;
    if ((rc = cps_cli_wallet_parse_header(file, size, w)) != 0) goto fail;
    if (memcmp(session_salt, w->salt, 16) != 0) {
        /* The file was replaced by another wallet of the same name: its session is stale. */
        if (cps_cli_wallet_session_remove(s, name) != 0) {
            rc = CPS_ERR_IO;
            goto fail;
        }
        rc = cps_fail(CPS_ERR_STATE, "Wallet is locked: %s", name);
        goto fail;
    }
    if ((rc = decrypt_file(file, size, w)) != 0) goto fail;
    free(file);
    file = NULL;
    /* Sliding expiry, as keosd resets its timer on every wallet call. */
    if ((rc = write_session(s, w, timeout)) != 0) goto fail;
    *out = w;
    return 0;
fail:
    free(file);
    cps_cli_wallet_free(w);
    return rc;
}

bool cps_cli_wallet_is_unlocked(const cps_cli_wallet_store *s, const char *name)
{
    cps_cli_wallet *w = wallet_new(name);
    if (!w) return false;
    uint32_t timeout;
    bool unlocked = read_session(s, w, &timeout) == 0;
    cps_cli_wallet_free(w);
    return unlocked;
}

/* ---- the opened list ---------------------------------------------------------------------- */

int cps_cli_wallet_mark_open(const cps_cli_wallet_store *s, const char *name)
{
    char *path = join_path(s->session_dir, name, ".open");
    if (!path) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = 0;
    if (fd < 0) rc = cps_fail(CPS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    else close(fd);
    free(path);
    return rc;
}

bool cps_cli_wallet_is_open(const cps_cli_wallet_store *s, const char *name)
{
    char *path = join_path(s->session_dir, name, ".open");
    struct stat st;
    bool open_ = path && stat(path, &st) == 0;
    free(path);
    return open_ && cps_cli_wallet_exists(s, name);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cps_cli_wallet_list_open(const cps_cli_wallet_store *s, char ***names, size_t *count)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(s->session_dir);
    if (!d) return cps_fail(CPS_ERR_IO, "cannot list %s: %s", s->session_dir, strerror(errno));
    char **list = NULL;
    size_t n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".open") != 0) continue;
        char name[CPS_CLI_WALLET_NAME_MAX + 1];
        if (len - 5 > CPS_CLI_WALLET_NAME_MAX) continue;
        memcpy(name, e->d_name, len - 5);
        name[len - 5] = '\0';
        if (cps_cli_wallet_check_name(name) != 0 || !cps_cli_wallet_exists(s, name)) continue;
        char **grown = realloc(list, (n + 1) * sizeof *list);
        char *copy = strdup(name);
        if (!grown || !copy) {
            free(copy);
            if (grown) list = grown;
            rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
            break;
        }
        list = grown;
        list[n++] = copy;
    }
    closedir(d);
    if (rc) {
        for (size_t i = 0; i < n; i++) free(list[i]);
        free(list);
        return rc;
    }
    if (n) qsort(list, n, sizeof *list, compare_names);
    *names = list;
    *count = n;
    return 0;
}
