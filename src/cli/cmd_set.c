/* cmd_set: `cps set ...` — contract code and ABI (setcode/setabi), account permissions
 * (updateauth/deleteauth) and action permissions (linkauth/unlinkauth), sent as eosio's native
 * actions through cps_cli_send_actions, with cleos's messages. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* A public key alone means {threshold 1, that key with weight 1}, as cleos's parse_json_authority_or_key;
 * otherwise the text (or the file it names) is an authority in JSON. New reference in *out. */
int cps_cli_parse_authority(const char *text, json_t **out)
{
    *out = NULL;
    const char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (strncmp(p, "EOS", 3) == 0 || strncmp(p, "PUB_", 4) == 0) {
        cps_public_key key;
        int rc = cps_public_key_from_string(p, strlen(p), &key);
        if (rc) return cps_fail_prefix(rc, "Invalid public key: %s", text);
        *out = json_pack("{s:i,s:[{s:s,s:i}],s:[],s:[]}", "threshold", 1, "keys", "key", p, "weight",
                         1, "accounts", "waits");
        return *out ? 0 : cps_fail(CPS_ERR_NOMEM, "out of memory");
    }
    return cps_cli_json_from_file_or_string(text, "authority", out);
}

/* Sends one action of eosio's with JSON data packed through eosio's ABI. `data` is stolen. */
static int send_eosio_action(cps_cli_ctx *ctx, const cps_cli_args *args, const char *action,
                             const char *actor, json_t *data)
{
    json_t *auth = NULL, *act = NULL, *actions = json_array();
    int rc = (!data || !actions) ? cps_fail(CPS_ERR_NOMEM, "out of memory") : 0;
    if (!rc) rc = cps_cli_authorization(args, actor, "active", &auth);
    if (!rc) rc = cps_cli_make_action(ctx, "eosio", action, auth, data, NULL, 0, &act);
    json_decref(data);
    json_decref(auth);
    if (rc) {
        json_decref(actions);
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    json_array_append_new(actions, act);
    return cps_cli_send_actions(ctx, args, actions);
}

/* ---- set contract / code / abi ------------------------------------------------------------ */

static char *path_join(const char *dir, const char *file)
{
    if (!dir || !*dir || file[0] == '/') return strdup(file);
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", file);
    return p;
}

/* <dir>/<last component of dir><ext>, cleos's default file names. */
static char *default_file(const char *dir, const char *ext)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/') start--;
    char name[512];
    snprintf(name, sizeof name, "%.*s%s", (int)(n - start), dir + start, ext);
    return path_join(dir, name);
}

/* The setcode action (hex of the wasm file), or NULL in *out when the chain already runs exactly
 * this code (cleos skips it then). */
static int setcode_action(cps_cli_ctx *ctx, const cps_cli_args *args, const char *account,
                          const char *path, json_t **out)
{
    *out = NULL;
    char *wasm;
    size_t size;
    fprintf(ctx->err, "Reading WASM from %s...\n", path);
    int rc = cps_cli_read_file(path, &wasm, &size);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if (size == 0) {
        free(wasm);
        return cps_cli_error(ctx, CPS_ERR_FORMAT, "no wasm file found %s", path);
    }
    uint8_t hash[32];
    char hash_hex[65];
    cps_sha256(wasm, size, hash);
    cps_hex_encode(hash_hex, hash, 32);
    json_t *p = json_pack("{s:s}", "account_name", account), *reply = NULL;
    if (p && cps_cli_call(ctx, "/v1/chain/get_code_hash", p, &reply, NULL) != 0) {
        json_decref(p);
        free(wasm);
        return CPS_CLI_EXIT_FAIL;
    }
    json_decref(p);
    const char *current = json_string_value(json_object_get(reply, "code_hash"));
    bool same = current && strcmp(current, hash_hex) == 0;
    json_decref(reply);
    if (same) {
        free(wasm);
        fprintf(ctx->err, "Skipping set code because the new code is the same as the existing code\n");
        return 0;
    }
    cps_buf hex;
    cps_buf_init(&hex);
    cps_hex_append(&hex, wasm, size);
    free(wasm);
    json_t *data = hex.failed ? NULL
                              : json_pack("{s:s,s:i,s:i,s:s}", "account", account, "vmtype", 0,
                                          "vmversion", 0, "code", cps_buf_cstr(&hex));
    cps_buf_free(&hex);
    json_t *auth = NULL;
    rc = data ? cps_cli_authorization(args, account, "active", &auth)
              : cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = cps_cli_make_action(ctx, "eosio", "setcode", auth, data, NULL, 0, out);
    json_decref(auth);
    json_decref(data);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    return 0;
}

/* The setabi action (the ABI in its binary form), or NULL when the chain holds the same ABI. */
static int setabi_action(cps_cli_ctx *ctx, const cps_cli_args *args, const char *account,
                         const char *path, json_t **out)
{
    *out = NULL;
    char *text;
    size_t size;
    int rc = cps_cli_read_file(path, &text, &size);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    cps_abi *abi = NULL;
    rc = cps_abi_from_json(text, size, &abi);
    free(text);
    if (rc) return cps_cli_error(ctx, rc, "%s: %s", path, cps_last_error());
    cps_buf bin, hex;
    cps_buf_init(&bin);
    cps_buf_init(&hex);
    rc = cps_abi_to_bin(abi, &bin);
    cps_abi_free(abi);
    if (rc) {
        cps_buf_free(&bin);
        return cps_cli_error(ctx, rc, "%s: %s", path, cps_last_error());
    }
    uint8_t hash[32];
    char hash_hex[65];
    cps_sha256(bin.data, bin.size, hash);
    cps_hex_encode(hash_hex, hash, 32);
    json_t *p = json_pack("{s:s}", "account_name", account), *reply = NULL;
    if (p && cps_cli_call(ctx, "/v1/chain/get_raw_abi", p, &reply, NULL) != 0) {
        json_decref(p);
        cps_buf_free(&bin);
        return CPS_CLI_EXIT_FAIL;
    }
    json_decref(p);
    const char *current = json_string_value(json_object_get(reply, "abi_hash"));
    bool same = current && strcmp(current, hash_hex) == 0;
    json_decref(reply);
    if (same) {
        cps_buf_free(&bin);
        fprintf(ctx->err, "Skipping set abi because the new abi is the same as the existing abi\n");
        return 0;
    }
    cps_hex_append(&hex, bin.data, bin.size);
    cps_buf_free(&bin);
    json_t *data = hex.failed ? NULL
                              : json_pack("{s:s,s:s}", "account", account, "abi", cps_buf_cstr(&hex));
    cps_buf_free(&hex);
    json_t *auth = NULL;
    rc = data ? cps_cli_authorization(args, account, "active", &auth)
              : cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = cps_cli_make_action(ctx, "eosio", "setabi", auth, data, NULL, 0, out);
    json_decref(auth);
    json_decref(data);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    return 0;
}

static int set_contract(cps_cli_ctx *ctx, const cps_cli_args *args, bool code, bool abi)
{
    const char *account = cps_cli_arg(args, 0);
    cps_name acc;
    ctx->node_abis = true;
    int rc = cps_cli_parse_name(account, "account", &acc);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    char *wasm_path = NULL, *abi_path = NULL;
    json_t *actions = json_array(), *act;
    int exit_code = CPS_CLI_EXIT_FAIL;
    if (!actions) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    if (code && abi) { /* set contract <account> <dir> [wasm] [abi] */
        const char *dir = cps_cli_arg(args, 1), *w = cps_cli_arg(args, 2), *a = cps_cli_arg(args, 3);
        if (cps_cli_value(args, "--abi")) a = cps_cli_value(args, "--abi");
        wasm_path = w && *w ? path_join(dir, w) : default_file(dir, ".wasm");
        abi_path = a && *a ? path_join(dir, a) : default_file(dir, ".abi");
    } else if (code) {
        wasm_path = strdup(cps_cli_arg(args, 1));
    } else {
        abi_path = strdup(cps_cli_arg(args, 1));
    }
    if ((code && !wasm_path) || (abi && !abi_path)) {
        cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (code) {
        if (setcode_action(ctx, args, account, wasm_path, &act)) goto done;
        if (act) json_array_append_new(actions, act);
    }
    if (abi) {
        if (setabi_action(ctx, args, account, abi_path, &act)) goto done;
        if (act) json_array_append_new(actions, act);
    }
    if (json_array_size(actions) == 0) {
        exit_code = CPS_CLI_EXIT_OK; /* nothing changed: cleos sends nothing either */
        goto done;
    }
    fprintf(ctx->err, "Publishing contract...\n");
    exit_code = cps_cli_send_actions(ctx, args, actions);
    actions = NULL;
done:
    json_decref(actions);
    free(wasm_path);
    free(abi_path);
    return exit_code;
}

static int run_set_contract(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return set_contract(ctx, args, true, true);
}
static int run_set_code(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return set_contract(ctx, args, true, false);
}
static int run_set_abi(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return set_contract(ctx, args, false, true);
}

/* ---- permissions -------------------------------------------------------------------------- */

static int run_set_account_permission(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0), *perm = cps_cli_arg(args, 1);
    const char *auth_text = cps_cli_arg(args, 2), *parent = cps_cli_arg(args, 3);
    ctx->node_abis = true;
    cps_name check;
    int rc = cps_cli_parse_name(account, "account", &check);
    if (!rc) rc = cps_cli_parse_name(perm, "permission", &check);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    /* An empty authority (or "null") deletes the permission, as in cleos. */
    if (!*auth_text || strcmp(auth_text, "null") == 0 || strcmp(auth_text, "NULL") == 0)
        return send_eosio_action(ctx, args, "deleteauth", account,
                                 json_pack("{s:s,s:s}", "account", account, "permission", perm));
    json_t *authority;
    if ((rc = cps_cli_parse_authority(auth_text, &authority)) != 0)
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    char parent_name[16] = "";
    if (parent) {
        snprintf(parent_name, sizeof parent_name, "%s", parent);
    } else if (strcmp(perm, "owner") != 0) {
        /* cleos keeps an existing permission's parent, and gives a new one "active". */
        json_t *p = json_pack("{s:s}", "account_name", account), *acc = NULL;
        if (!p || cps_cli_call(ctx, "/v1/chain/get_account", p, &acc, NULL)) {
            json_decref(p);
            json_decref(authority);
            return CPS_CLI_EXIT_FAIL;
        }
        json_decref(p);
        snprintf(parent_name, sizeof parent_name, "active");
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(acc, "permissions"), i, e)
        {
            const char *name = json_string_value(json_object_get(e, "perm_name"));
            const char *par = json_string_value(json_object_get(e, "parent"));
            if (name && par && strcmp(name, perm) == 0) snprintf(parent_name, sizeof parent_name, "%s", par);
        }
        json_decref(acc);
    }
    return send_eosio_action(ctx, args, "updateauth", account,
                             json_pack("{s:s,s:s,s:s,s:o}", "account", account, "permission", perm,
                                       "parent", parent_name, "auth", authority));
}

static int run_set_action_permission(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0), *code = cps_cli_arg(args, 1);
    const char *type = cps_cli_arg(args, 2), *requirement = cps_cli_arg(args, 3);
    ctx->node_abis = true;
    if (strcmp(requirement, "null") == 0 || strcmp(requirement, "NULL") == 0)
        return send_eosio_action(ctx, args, "unlinkauth", account,
                                 json_pack("{s:s,s:s,s:s}", "account", account, "code", code,
                                           "type", type));
    return send_eosio_action(ctx, args, "linkauth", account,
                             json_pack("{s:s,s:s,s:s,s:s}", "account", account, "code", code,
                                       "type", type, "requirement", requirement));
}

/* ---- the command table -------------------------------------------------------------------- */

static const cps_cli_option set_options[] = {CPS_CLI_TRX_OPTIONS, {0}};
static const cps_cli_option set_contract_options[] = {
    {"-a,--abi", "TEXT", NULL, "The ABI for the contract relative to contract-dir", false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional contract_positionals[] = {
    {"account", "TEXT", "The account to publish a contract for", true},
    {"contract-dir", "TEXT", "The path containing the .wasm and .abi", true},
    {"wasm-file", "TEXT", "The file containing the contract WASM relative to contract-dir", false},
    {"abi-file", "TEXT", "The ABI for the contract relative to contract-dir", false},
    {0},
};
static const cps_cli_positional code_positionals[] = {
    {"account", "TEXT", "The account to set code for", true},
    {"code-file", "TEXT", "The path containing the contract WASM", true},
    {0},
};
static const cps_cli_positional abi_positionals[] = {
    {"account", "TEXT", "The account to set the ABI for", true},
    {"abi-file", "TEXT", "The path containing the contract ABI", true},
    {0},
};
static const cps_cli_positional account_permission_positionals[] = {
    {"account", "TEXT", "The account to set/delete a permission authority for", true},
    {"permission", "TEXT", "The permission name to set/delete an authority for", true},
    {"authority", "TEXT",
     "[delete] NULL, [create/update] public key, JSON string or filename defining the authority",
     true},
    {"parent", "TEXT",
     "[create] The permission name of this parents permission, defaults to 'active'", false},
    {0},
};
static const cps_cli_positional action_permission_positionals[] = {
    {"account", "TEXT", "The account to set/delete a permission authority for", true},
    {"code", "TEXT", "The account that owns the code for the action", true},
    {"type", "TEXT", "The type of the action", true},
    {"requirement", "TEXT", "[delete] NULL, [set/update] The permission name require for executing the given action", true},
    {0},
};

static const cps_cli_command cmd_set_contract = {.name = "contract",
                                                 .help = "Create or update the contract on an account",
                                                 .options = set_contract_options,
                                                 .positionals = contract_positionals,
                                                 .run = run_set_contract};
static const cps_cli_command cmd_set_code = {.name = "code",
                                             .help = "Create or update the code on an account",
                                             .options = set_options,
                                             .positionals = code_positionals,
                                             .run = run_set_code};
static const cps_cli_command cmd_set_abi = {.name = "abi",
                                            .help = "Create or update the abi on an account",
                                            .options = set_options,
                                            .positionals = abi_positionals,
                                            .run = run_set_abi};
static const cps_cli_command cmd_set_account_permission = {
    .name = "permission",
    .help = "Set parameters dealing with account permissions",
    .options = set_options,
    .positionals = account_permission_positionals,
    .run = run_set_account_permission};
static const cps_cli_command *const set_account_subcommands[] = {&cmd_set_account_permission, NULL};
static const cps_cli_command cmd_set_account = {.name = "account",
                                                .help = "Set or update blockchain account state",
                                                .subcommands = set_account_subcommands};
static const cps_cli_command cmd_set_action_permission = {
    .name = "permission",
    .help = "Set parameters dealing with account permissions",
    .options = set_options,
    .positionals = action_permission_positionals,
    .run = run_set_action_permission};
static const cps_cli_command *const set_action_subcommands[] = {&cmd_set_action_permission, NULL};
static const cps_cli_command cmd_set_action = {.name = "action",
                                               .help = "Set or update blockchain action state",
                                               .subcommands = set_action_subcommands};

static const cps_cli_command *const set_subcommands[] = {
    &cmd_set_code, &cmd_set_abi, &cmd_set_contract, &cmd_set_account, &cmd_set_action, NULL,
};

const cps_cli_command cps_cli_cmd_set = {
    .name = "set",
    .help = "Set or update blockchain state",
    .subcommands = set_subcommands,
};
