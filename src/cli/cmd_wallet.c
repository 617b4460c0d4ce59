/* cmd_wallet: `cps wallet ...` — keosd's wallet API served locally (wallet.c holds the files and
 * sessions): create, open, lock, lock_all, unlock, import, remove_key, create_key, keys,
 * private_keys, list, with cleos's output and keosd's errors. Also the key lookup the node
 * commands sign with (cps_cli_wallet_unlocked_keys). */
#include "cli/cli.h"
#include "cli/wallet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* keosd's exception codes and names (libraries/chain/include/eosio/chain/exceptions.hpp). */
#define ERR_WALLET_EXIST 3120001u
#define ERR_WALLET_NONEXISTENT 3120002u
#define ERR_WALLET_LOCKED 3120003u
#define ERR_WALLET_INVALID_PASSWORD 3120005u
#define ERR_WALLET_NOT_AVAILABLE 3120006u
#define ERR_WALLET_UNLOCKED 3120007u
#define ERR_KEY_EXIST 3120008u
#define ERR_KEY_NONEXISTENT 3120009u
#define ERR_PUBLIC_KEY_TYPE 3010002u
#define ERR_PRIVATE_KEY_TYPE 3010003u

static const char *wallet_name(const cps_cli_args *args)
{
    const char *name = cps_cli_value(args, "--name");
    return name ? name : "default";
}

static uint32_t timeout_option(const cps_cli_args *args, int *rc)
{
    const char *text = cps_cli_value(args, "--unlock-timeout");
    *rc = 0;
    if (!text) return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || errno || v == 0 || v > UINT32_MAX) {
        *rc = cps_fail(CPS_ERR_INVALID_ARG, "--unlock-timeout: expected seconds, got \"%s\"", text);
        return 0;
    }
    return (uint32_t)v;
}

/* Opens the store and checks the wallet name; prints the error and returns non-zero on failure. */
static int open_store(cps_cli_ctx *ctx, const cps_cli_args *args, cps_cli_wallet_store *s,
                      const char *name)
{
    int rc;
    uint32_t timeout = timeout_option(args, &rc);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if (name && (rc = cps_cli_wallet_check_name(name)) != 0)
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if ((rc = cps_cli_wallet_store_open(s, timeout)) != 0)
        return cps_cli_error(ctx, rc, "wallet directory: %s", cps_last_error());
    return 0;
}

/* Prints a failure of the wallet layer as keosd would have reported it. */
static int wallet_failure(cps_cli_ctx *ctx, int rc)
{
    const char *detail = cps_last_error();
    switch (rc) {
    case CPS_ERR_AUTH:
        return cps_cli_eosio_error(ctx, ERR_WALLET_INVALID_PASSWORD, "Invalid wallet password",
                                   "%s", detail);
    case CPS_ERR_NOT_FOUND:
        return cps_cli_eosio_error(ctx, ERR_WALLET_NONEXISTENT, "Nonexistent wallet", "%s", detail);
    case CPS_ERR_STATE:
        return cps_cli_eosio_error(ctx, ERR_WALLET_LOCKED, "Locked wallet", "%s", detail);
    case CPS_ERR_EXISTS:
        return cps_cli_eosio_error(ctx, ERR_WALLET_EXIST, "Wallet already exists", "%s", detail);
    default:
        return cps_cli_error(ctx, rc, "%s", detail);
    }
}

/* The password from --password or the prompt "password: ". */
static int get_password(cps_cli_ctx *ctx, const cps_cli_args *args, char *buf, size_t cap)
{
    const char *given = cps_cli_value(args, "--password");
    if (given) {
        snprintf(buf, cap, "%s", given);
        return 0;
    }
    int rc = cps_cli_read_secret(ctx, "password: ", buf, cap);
    if (rc) return cps_cli_error(ctx, rc, "no password given: %s", cps_last_error());
    return 0;
}

/* keosd's preconditions for using a wallet's keys: opened, then unlocked. On success *out is the
 * decrypted wallet. */
static int load_unlocked(cps_cli_ctx *ctx, const cps_cli_wallet_store *s, const char *name,
                         cps_cli_wallet **out)
{
    *out = NULL;
    if (!cps_cli_wallet_is_open(s, name))
        return cps_cli_eosio_error(ctx, ERR_WALLET_NONEXISTENT, "Nonexistent wallet",
                                   "Wallet not found: %s", name);
    int rc = cps_cli_wallet_session_load(s, name, out);
    if (rc) return wallet_failure(ctx, rc);
    return 0;
}

/* Checks a password against an unlocked wallet, as keosd's check_password does before handing
 * out or removing keys. */
static int check_password(cps_cli_ctx *ctx, const cps_cli_wallet_store *s, const char *name,
                          const char *password)
{
    cps_cli_wallet *w;
    int rc = cps_cli_wallet_decrypt(s, name, password, &w);
    if (rc == CPS_ERR_AUTH) {
        char *path = cps_cli_wallet_path(s, name);
        cps_cli_eosio_error(ctx, ERR_WALLET_INVALID_PASSWORD, "Invalid wallet password",
                            "Invalid password for wallet: \"%s\"", path ? path : name);
        free(path);
        return CPS_CLI_EXIT_FAIL;
    }
    if (rc) return wallet_failure(ctx, rc);
    cps_cli_wallet_free(w);
    return 0;
}

static int public_key_text(const cps_private_key *k, char *out, size_t cap)
{
    cps_public_key pub;
    int rc = cps_key_public(k, &pub);
    if (!rc) rc = cps_public_key_to_string(&pub, false, out, cap);
    return rc;
}

/* ---- create, open, lock, unlock ----------------------------------------------------------- */

static int run_wallet_create(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    const char *file = cps_cli_value(args, "--file");
    bool to_console = cps_cli_flag(args, "--to-console");
    if ((!file || !*file) && !to_console) {
        fprintf(ctx->err,
                "ERROR: Either indicate a file using \"--file\" or pass \"--to-console\"\n");
        return CPS_CLI_EXIT_FAIL;
    }
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    char password[CPS_CLI_WALLET_PASSWORD_MAX];
    cps_cli_wallet *w = NULL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    int rc = cps_cli_wallet_create(&s, name, password, &w);
    if (rc) {
        wallet_failure(ctx, rc);
        goto done;
    }
    /* keosd leaves a new wallet opened and unlocked. */
    if ((rc = cps_cli_wallet_mark_open(&s, name)) != 0 ||
        (rc = cps_cli_wallet_session_save(&s, w)) != 0) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "Creating wallet: %s\n", name);
    fprintf(ctx->out, "Save password to use in the future to unlock this wallet.\n");
    fprintf(ctx->out, "Without password imported keys will not be retrievable.\n");
    if (to_console) {
        fprintf(ctx->out, "\"%s\"\n", password);
    } else {
        fprintf(ctx->out, "saving password to %s\n", file);
        if ((rc = cps_cli_write_secret_file(file, password, strlen(password))) != 0) {
            cps_cli_error(ctx, rc, "%s", cps_last_error());
            goto done;
        }
    }
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_wipe(password, sizeof password);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_open(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    int rc;
    if (!cps_cli_wallet_exists(&s, name)) {
        char *path = cps_cli_wallet_path(&s, name);
        cps_cli_eosio_error(ctx, ERR_WALLET_NONEXISTENT, "Nonexistent wallet",
                            "Unable to open file: %s", path ? path : name);
        free(path);
        goto done;
    }
    /* keosd re-reads an opened wallet on open, which leaves it locked. */
    if ((rc = cps_cli_wallet_session_remove(&s, name)) != 0 ||
        (rc = cps_cli_wallet_mark_open(&s, name)) != 0) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "Opened: %s\n", name);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_lock(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    int rc;
    if (!cps_cli_wallet_is_open(&s, name)) {
        cps_cli_eosio_error(ctx, ERR_WALLET_NONEXISTENT, "Nonexistent wallet",
                            "Wallet not found: %s", name);
    } else if ((rc = cps_cli_wallet_session_remove(&s, name)) != 0) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
    } else {
        fprintf(ctx->out, "Locked: %s\n", name);
        exit_code = CPS_CLI_EXIT_OK;
    }
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_lock_all(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, NULL)) return CPS_CLI_EXIT_FAIL;
    char **names;
    size_t count;
    int exit_code = CPS_CLI_EXIT_OK;
    int rc = cps_cli_wallet_list_open(&s, &names, &count);
    if (rc) exit_code = cps_cli_error(ctx, rc, "%s", cps_last_error());
    for (size_t i = 0; !rc && i < count; i++) {
        if ((rc = cps_cli_wallet_session_remove(&s, names[i])) != 0)
            exit_code = cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    if (exit_code == CPS_CLI_EXIT_OK) fprintf(ctx->out, "Locked All Wallets\n");
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_unlock(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    char password[1024] = "";
    cps_cli_wallet *w = NULL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    int rc;
    if (get_password(ctx, args, password, sizeof password)) goto done;
    if (!cps_cli_wallet_exists(&s, name)) {
        char *path = cps_cli_wallet_path(&s, name);
        cps_cli_eosio_error(ctx, ERR_WALLET_NONEXISTENT, "Nonexistent wallet",
                            "Unable to open file: %s", path ? path : name);
        free(path);
        goto done;
    }
    if (cps_cli_wallet_is_open(&s, name) && cps_cli_wallet_is_unlocked(&s, name)) {
        cps_cli_eosio_error(ctx, ERR_WALLET_UNLOCKED, "Already unlocked",
                            "Wallet is already unlocked: %s", name);
        goto done;
    }
    rc = cps_cli_wallet_decrypt(&s, name, password, &w);
    if (rc == CPS_ERR_AUTH) {
        char *path = cps_cli_wallet_path(&s, name);
        cps_cli_eosio_error(ctx, ERR_WALLET_INVALID_PASSWORD, "Invalid wallet password",
                            "Invalid password for wallet: \"%s\"", path ? path : name);
        free(path);
        goto done;
    }
    if (rc) {
        wallet_failure(ctx, rc);
        goto done;
    }
    /* keosd opens a wallet that unlock names when it is not open yet. */
    if ((rc = cps_cli_wallet_mark_open(&s, name)) != 0 ||
        (rc = cps_cli_wallet_session_save(&s, w)) != 0) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "Unlocked: %s\n", name);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_wipe(password, sizeof password);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

/* ---- keys --------------------------------------------------------------------------------- */

static int run_wallet_import(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    const char *key_text = cps_cli_value(args, "--private-key");
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    char typed[256] = "";
    cps_private_key key;
    memset(&key, 0, sizeof key);
    cps_cli_wallet *w = NULL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    int rc;
    char pub_text[CPS_PUBLIC_KEY_STR_MAX];
    if (!key_text) {
        if ((rc = cps_cli_read_secret(ctx, "private key: ", typed, sizeof typed)) != 0) {
            cps_cli_error(ctx, rc, "no private key given: %s", cps_last_error());
            goto done;
        }
        key_text = typed;
    }
    if ((rc = cps_private_key_from_string(key_text, strlen(key_text), &key)) != 0) {
        /* The detail says what is wrong without repeating the (secret) text. */
        cps_cli_eosio_error(ctx, ERR_PRIVATE_KEY_TYPE, "Invalid private key", "%s",
                            cps_last_error());
        goto done;
    }
    if (load_unlocked(ctx, &s, name, &w)) goto done;
    rc = cps_cli_wallet_add_key(w, &key);
    if (rc == CPS_ERR_EXISTS) {
        cps_cli_eosio_error(ctx, ERR_KEY_EXIST, "Key already exists", "Key already in wallet");
        goto done;
    }
    if (!rc) rc = cps_cli_wallet_save(&s, w);
    if (!rc) rc = public_key_text(&key, pub_text, sizeof pub_text);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "imported private key for: %s\n", pub_text);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_wipe(typed, sizeof typed);
    cps_private_key_wipe(&key);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_remove_key(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    const char *pub_text = cps_cli_arg(args, 0);
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    char password[1024] = "";
    cps_cli_wallet *w = NULL;
    int exit_code = CPS_CLI_EXIT_FAIL;
    cps_public_key pub;
    int rc;
    if (get_password(ctx, args, password, sizeof password)) goto done;
    if (cps_public_key_from_string(pub_text, strlen(pub_text), &pub) != 0) {
        cps_cli_eosio_error(ctx, ERR_PUBLIC_KEY_TYPE, "Invalid public key",
                            "Invalid public key: %s (%s)", pub_text, cps_last_error());
        goto done;
    }
    if (load_unlocked(ctx, &s, name, &w)) goto done;
    if (check_password(ctx, &s, name, password)) goto done;
    rc = cps_cli_wallet_remove_key(w, &pub);
    if (rc == CPS_ERR_NOT_FOUND) {
        cps_cli_eosio_error(ctx, ERR_KEY_NONEXISTENT, "Nonexistent key", "Key not in wallet");
        goto done;
    }
    if (!rc) rc = cps_cli_wallet_save(&s, w);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "removed private key for: %s\n", pub_text);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_wipe(password, sizeof password);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_create_key(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    const char *type = cps_cli_arg(args, 0);
    enum cps_key_type kt = CPS_KEY_K1;
    if (type && *type && strcmp(type, "K1") != 0) {
        if (strcmp(type, "R1") != 0)
            return cps_cli_eosio_error(ctx, 3120010u, "Unsupported key type",
                                       "Key type \"%s\" not supported by software wallet", type);
        kt = CPS_KEY_R1;
    }
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    cps_cli_wallet *w = NULL;
    cps_private_key key;
    memset(&key, 0, sizeof key);
    char pub_text[CPS_PUBLIC_KEY_STR_MAX];
    int exit_code = CPS_CLI_EXIT_FAIL;
    if (load_unlocked(ctx, &s, name, &w)) goto done;
    int rc = cps_key_generate(kt, &key);
    if (!rc) rc = cps_cli_wallet_add_key(w, &key);
    if (!rc) rc = cps_cli_wallet_save(&s, w);
    if (!rc) rc = public_key_text(&key, pub_text, sizeof pub_text);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "Created new private key with a public key of: \"%s\"\n", pub_text);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_private_key_wipe(&key);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

/* The public keys of every unlocked wallet, sorted and without duplicates (keosd returns a
 * flat_set). */
static int compare_public_keys(const void *a, const void *b)
{
    return cps_public_key_compare(a, b);
}

int cps_cli_wallet_unlocked_keys(cps_cli_ctx *ctx, cps_private_key **keys, size_t *count)
{
    *keys = NULL;
    *count = 0;
    cps_cli_wallet_store s;
    int rc = cps_cli_wallet_store_open(&s, 0);
    if (rc) return cps_fail_prefix(rc, "wallet directory");
    char **names = NULL;
    size_t n = 0, opened_count = 0;
    cps_private_key *all = NULL;
    size_t total = 0;
    rc = cps_cli_wallet_list_open(&s, &names, &n);
    bool any_unlocked = false;
    for (size_t i = 0; !rc && i < n; i++) {
        opened_count++;
        cps_cli_wallet *w;
        int lr = cps_cli_wallet_session_load(&s, names[i], &w);
        if (lr == CPS_ERR_STATE) continue;
        if (lr) {
            rc = lr;
            break;
        }
        any_unlocked = true;
        if (w->key_count) {
            cps_private_key *grown = calloc(total + w->key_count, sizeof *grown);
            if (!grown) {
                cps_cli_wallet_free(w);
                rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
                break;
            }
            if (total) memcpy(grown, all, total * sizeof *all);
            memcpy(grown + total, w->keys, w->key_count * sizeof *all);
            if (all) cps_wipe(all, total * sizeof *all);
            free(all);
            all = grown;
            total += w->key_count;
        }
        cps_cli_wallet_free(w);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    cps_cli_wallet_store_close(&s);
    (void)ctx;
    if (!rc && opened_count == 0) rc = cps_fail(CPS_ERR_NOT_FOUND, "You don't have any wallet!");
    if (!rc && !any_unlocked) rc = cps_fail(CPS_ERR_STATE, "You don't have any unlocked wallet!");
    if (rc) {
        if (all) cps_wipe(all, total * sizeof *all);
        free(all);
        return rc;
    }
    *keys = all;
    *count = total;
    return 0;
}

int cps_cli_wallet_keys_error(cps_cli_ctx *ctx, int rc)
{
    if (rc == CPS_ERR_NOT_FOUND)
        return cps_cli_eosio_error(ctx, ERR_WALLET_NOT_AVAILABLE, "No available wallet", "%s",
                                   cps_last_error());
    if (rc == CPS_ERR_STATE)
        return cps_cli_eosio_error(ctx, ERR_WALLET_LOCKED, "Locked wallet", "%s",
                                   cps_last_error());
    return wallet_failure(ctx, rc);
}

static int run_wallet_keys(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    int rc;
    uint32_t timeout = timeout_option(args, &rc);
    (void)timeout; /* listing keys uses each session's own timeout */
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    cps_private_key *keys;
    size_t count;
    rc = cps_cli_wallet_unlocked_keys(ctx, &keys, &count);
    if (rc) return cps_cli_wallet_keys_error(ctx, rc);
    cps_public_key *pubs = calloc(count ? count : 1, sizeof *pubs);
    cps_buf out;
    cps_buf_init(&out);
    if (!pubs) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < count; i++) rc = cps_key_public(&keys[i], &pubs[i]);
    if (count) cps_wipe(keys, count * sizeof *keys);
    free(keys);
    if (!rc) qsort(pubs, count, sizeof *pubs, compare_public_keys);
    cps_write_u8(&out, '[');
    size_t printed = 0;
    for (size_t i = 0; !rc && i < count; i++) {
        if (i && cps_public_key_compare(&pubs[i], &pubs[i - 1]) == 0) continue;
        char text[CPS_PUBLIC_KEY_STR_MAX];
        rc = cps_public_key_to_string(&pubs[i], false, text, sizeof text);
        if (rc) break;
        if (printed++) cps_write_u8(&out, ',');
        cps_json_quote(&out, text, strlen(text));
    }
    cps_write_u8(&out, ']');
    free(pubs);
    if (!rc && out.failed) rc = out.failed;
    int exit_code = rc ? cps_cli_error(ctx, rc, "%s", cps_last_error())
                       : cps_cli_print_json(ctx, (const char *)out.data, out.size) == 0
                             ? CPS_CLI_EXIT_OK
                             : CPS_CLI_EXIT_FAIL;
    cps_buf_free(&out);
    return exit_code;
}

static int run_wallet_private_keys(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *name = wallet_name(args);
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, name)) return CPS_CLI_EXIT_FAIL;
    char password[1024] = "";
    cps_cli_wallet *w = NULL;
    cps_buf out;
    cps_buf_init(&out);
    int exit_code = CPS_CLI_EXIT_FAIL;
    if (get_password(ctx, args, password, sizeof password)) goto done;
    if (load_unlocked(ctx, &s, name, &w)) goto done;
    if (check_password(ctx, &s, name, password)) goto done;
    /* keosd returns a map public -> private, so the pairs come out ordered by public key. */
    size_t *order = calloc(w->key_count ? w->key_count : 1, sizeof *order);
    cps_public_key *pubs = calloc(w->key_count ? w->key_count : 1, sizeof *pubs);
    int rc = (!order || !pubs) ? cps_fail(CPS_ERR_NOMEM, "out of memory") : 0;
    for (size_t i = 0; !rc && i < w->key_count; i++) {
        order[i] = i;
        rc = cps_key_public(&w->keys[i], &pubs[i]);
    }
    for (size_t i = 1; !rc && i < w->key_count; i++) /* insertion sort: wallets are small */
        for (size_t j = i; j > 0 && cps_public_key_compare(&pubs[order[j]], &pubs[order[j - 1]]) < 0;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    cps_write_u8(&out, '[');
    for (size_t i = 0; !rc && i < w->key_count; i++) {
        char pub_text[CPS_PUBLIC_KEY_STR_MAX], priv_text[CPS_PRIVATE_KEY_STR_MAX];
        rc = cps_public_key_to_string(&pubs[order[i]], false, pub_text, sizeof pub_text);
        if (!rc) rc = cps_private_key_to_string(&w->keys[order[i]], false, priv_text,
                                                sizeof priv_text);
        if (!rc) {
            if (i) cps_write_u8(&out, ',');
            cps_write_u8(&out, '[');
            cps_json_quote(&out, pub_text, strlen(pub_text));
            cps_write_u8(&out, ',');
            cps_json_quote(&out, priv_text, strlen(priv_text));
            cps_write_u8(&out, ']');
        }
        cps_wipe(priv_text, sizeof priv_text);
    }
    cps_write_u8(&out, ']');
    free(order);
    free(pubs);
    if (!rc && out.failed) rc = out.failed;
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    if (cps_cli_print_json(ctx, (const char *)out.data, out.size) == 0)
        exit_code = CPS_CLI_EXIT_OK;
done:
    cps_buf_wipe_free(&out);
    cps_wipe(password, sizeof password);
    cps_cli_wallet_free(w);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

static int run_wallet_list(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    cps_cli_wallet_store s;
    if (open_store(ctx, args, &s, NULL)) return CPS_CLI_EXIT_FAIL;
    char **names;
    size_t count;
    int rc = cps_cli_wallet_list_open(&s, &names, &count);
    if (rc) {
        cps_cli_wallet_store_close(&s);
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    cps_buf out;
    cps_buf_init(&out);
    cps_write_u8(&out, '[');
    for (size_t i = 0; i < count; i++) {
        char item[CPS_CLI_WALLET_NAME_MAX + 3];
        snprintf(item, sizeof item, "%s%s", names[i],
                 cps_cli_wallet_is_unlocked(&s, names[i]) ? " *" : "");
        if (i) cps_write_u8(&out, ',');
        cps_json_quote(&out, item, strlen(item));
        free(names[i]);
    }
    free(names);
    cps_write_u8(&out, ']');
    int exit_code = CPS_CLI_EXIT_FAIL;
    if (out.failed) {
        cps_cli_error(ctx, out.failed, "out of memory");
    } else {
        fprintf(ctx->out, "Wallets:\n");
        if (cps_cli_print_json(ctx, (const char *)out.data, out.size) == 0)
            exit_code = CPS_CLI_EXIT_OK;
    }
    cps_buf_free(&out);
    cps_cli_wallet_store_close(&s);
    return exit_code;
}

/* ---- the command table -------------------------------------------------------------------- */

#define NAME_OPTION(verb)                                                                          \
    {"-n,--name", "TEXT", "default", "The name of the wallet to " verb, false}
#define PASSWORD_OPTION                                                                            \
    {"--password", "TEXT", NULL, "The password returned by wallet create", false}

static const cps_cli_option create_options[] = {
    {"-n,--name", "TEXT", "default", "The name of the new wallet", false},
    {"-f,--file", "TEXT", NULL,
     "Name of file to write wallet password output to. (Must be set, unless \"--to-console\" is "
     "passed",
     false},
    {"--to-console", NULL, NULL, "Print password to console.", false},
    {0},
};
static const cps_cli_option open_options[] = {NAME_OPTION("open"), {0}};
static const cps_cli_option lock_options[] = {NAME_OPTION("lock"), {0}};
static const cps_cli_option unlock_options[] = {NAME_OPTION("unlock"), PASSWORD_OPTION, {0}};
static const cps_cli_option import_options[] = {
    NAME_OPTION("import key into"),
    {"--private-key", "TEXT", NULL,
     "Private key in WIF format to import (asked for on standard input when absent)", false},
    {0},
};
static const cps_cli_option remove_key_options[] = {
    NAME_OPTION("remove key from"), PASSWORD_OPTION, {0}};
static const cps_cli_positional remove_key_positionals[] = {
    {"key", "TEXT", "Public key in WIF format to remove", true},
    {0},
};
static const cps_cli_option create_key_options[] = {NAME_OPTION("create key into"), {0}};
static const cps_cli_positional create_key_positionals[] = {
    {"key_type", "K1", "Key type to create (K1/R1)", false},
    {0},
};
static const cps_cli_option private_keys_options[] = {
    NAME_OPTION("list keys from"), PASSWORD_OPTION, {0}};

static const cps_cli_command cmd_wallet_create = {
    .name = "create",
    .help = "Create a new wallet locally",
    .options = create_options,
    .run = run_wallet_create,
};
static const cps_cli_command cmd_wallet_open = {
    .name = "open",
    .help = "Open an existing wallet",
    .options = open_options,
    .run = run_wallet_open,
};
static const cps_cli_command cmd_wallet_lock = {
    .name = "lock",
    .help = "Lock wallet",
    .options = lock_options,
    .run = run_wallet_lock,
};
static const cps_cli_command cmd_wallet_lock_all = {
    .name = "lock_all",
    .help = "Lock all unlocked wallets",
    .run = run_wallet_lock_all,
};
static const cps_cli_command cmd_wallet_unlock = {
    .name = "unlock",
    .help = "Unlock wallet",
    .options = unlock_options,
    .run = run_wallet_unlock,
};
static const cps_cli_command cmd_wallet_import = {
    .name = "import",
    .help = "Import private key into wallet",
    .options = import_options,
    .run = run_wallet_import,
};
static const cps_cli_command cmd_wallet_remove_key = {
    .name = "remove_key",
    .help = "Remove key from wallet",
    .options = remove_key_options,
    .positionals = remove_key_positionals,
    .run = run_wallet_remove_key,
};
static const cps_cli_command cmd_wallet_create_key = {
    .name = "create_key",
    .help = "Create private key within wallet",
    .options = create_key_options,
    .positionals = create_key_positionals,
    .run = run_wallet_create_key,
};
static const cps_cli_command cmd_wallet_list = {
    .name = "list",
    .help = "List opened wallets, * = unlocked",
    .run = run_wallet_list,
};
static const cps_cli_command cmd_wallet_keys = {
    .name = "keys",
    .help = "List of public keys from all unlocked wallets.",
    .run = run_wallet_keys,
};
static const cps_cli_command cmd_wallet_private_keys = {
    .name = "private_keys",
    .help = "List of private keys from an unlocked wallet in wif or PVT_R1 format.",
    .options = private_keys_options,
    .run = run_wallet_private_keys,
};

static const cps_cli_command *const wallet_subcommands[] = {
    &cmd_wallet_create,     &cmd_wallet_open, &cmd_wallet_lock,         &cmd_wallet_lock_all,
    &cmd_wallet_unlock,     &cmd_wallet_import, &cmd_wallet_remove_key, &cmd_wallet_create_key,
    &cmd_wallet_list,       &cmd_wallet_keys, &cmd_wallet_private_keys, NULL,
};

static const cps_cli_option wallet_options[] = {
    {"--unlock-timeout", "SECONDS", "900",
     "Seconds an unlocked wallet stays unlocked without use (or $CPS_WALLET_UNLOCK_TIMEOUT)",
     false},
    {0},
};

const cps_cli_command cps_cli_cmd_wallet = {
    .name = "wallet",
    .help = "Interact with local wallet",
    .options = wallet_options,
    .subcommands = wallet_subcommands,
};
