/* cmd_push: how `cps` sends transactions to cpsd as cleos does (send_actions: TaPoS from
 * get_info, keys chosen by /v1/chain/get_required_keys among the unlocked wallets' keys, push
 * and print), and the commands `push action`, `push transaction` and `transfer`. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_uint_option(const cps_cli_args *args, const char *name, uint32_t max,
                             uint32_t fallback, uint32_t *out)
{
    const char *text = cps_cli_value(args, name);
    *out = fallback;
    if (!text) return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || errno || v > max || text[0] == '-')
        return cps_fail(CPS_ERR_INVALID_ARG, "%s: expected an integer from 0 to %u, got \"%s\"",
                        name, max, text);
    *out = (uint32_t)v;
    return 0;
}

static int permission_level(const char *text, const char *default_perm, json_t **out)
{
    const char *at = strchr(text, '@');
    char actor[32], perm[32];
    size_t an = at ? (size_t)(at - text) : strlen(text);
    if (an >= sizeof actor) return cps_fail(CPS_ERR_INVALID_ARG, "permission \"%s\": name too long", text);
    memcpy(actor, text, an);
    actor[an] = '\0';
    snprintf(perm, sizeof perm, "%s", at ? at + 1 : default_perm);
    cps_name a, p;
    int rc = cps_cli_parse_name(actor, "permission actor", &a);
    if (!rc) rc = cps_cli_parse_name(perm, "permission name", &p);
    if (rc) return rc;
    *out = json_pack("{s:s,s:s}", "actor", actor, "permission", perm);
    return *out ? 0 : cps_fail(CPS_ERR_NOMEM, "out of memory");
}

int cps_cli_authorization(const cps_cli_args *args, const char *default_actor,
                          const char *default_perm, json_t **out)
{
    json_t *list = json_array();
    if (!list) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    const char *p;
    size_t i = 0;
    int rc = 0;
    for (; !rc && (p = cps_cli_value_at(args, "--permission", i)) != NULL; i++) {
        json_t *level;
        rc = permission_level(p, "active", &level);
        if (!rc) json_array_append_new(list, level);
    }
    if (!rc && i == 0 && default_actor) {
        json_t *level;
        char text[64];
        snprintf(text, sizeof text, "%s@%s", default_actor, default_perm ? default_perm : "active");
        rc = permission_level(text, "active", &level);
        if (!rc) json_array_append_new(list, level);
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}

int cps_cli_make_action(cps_cli_ctx *ctx, const char *account, const char *name,
                        json_t *authorization, const json_t *data_json, const uint8_t *raw,
                        size_t raw_size, json_t **out)
{
    *out = NULL;
    cps_name acc, act;
    int rc = cps_cli_parse_name(account, "contract account", &acc);
    if (!rc) rc = cps_cli_parse_name(name, "action", &act);
    if (rc) return rc;
    cps_buf data;
    cps_buf_init(&data);
    if (data_json) {
        const cps_abi *abi;
        bool found;
        rc = cps_cli_abi_for(ctx, acc, &abi, &found);
        if (rc) return rc;
        if (!found) return cps_fail(CPS_ERR_NOT_FOUND, "no ABI for contract %s", account);
        rc = cps_abi_action_json_to_bin(abi, act, data_json, &data);
        if (rc == CPS_ERR_NOT_FOUND)
            return cps_fail(rc, "Unknown action %s in contract %s", name, account);
        if (rc) {
            cps_buf_free(&data);
            return cps_fail_prefix(rc, "action %s::%s data", account, name);
        }
        raw = data.data;
        raw_size = data.size;
    }
    cps_buf hex;
    cps_buf_init(&hex);
    cps_hex_append(&hex, raw ? raw : (const uint8_t *)"", raw_size);
    cps_buf_free(&data);
    if (hex.failed) {
        cps_buf_free(&hex);
        return cps_fail(CPS_ERR_NOMEM, "out of memory");
    }
    *out = json_pack("{s:s,s:s,s:O,s:s}", "account", account, "name", name, "authorization",
                     authorization, "data", cps_buf_cstr(&hex));
    cps_buf_free(&hex);
    return *out ? 0 : cps_fail(CPS_ERR_NOMEM, "out of memory");
}

/* ---- send_actions ------------------------------------------------------------------------- */

/* cleos's print_action: "#<receiver right-aligned in 14> <= <code::name left-aligned in 28>
 * <data JSON, cut at 100 characters>", then the first console line after ">> ". */
static void print_action(cps_cli_ctx *ctx, const json_t *trace)
{
    const json_t *act = json_object_get(trace, "act");
    const char *receiver = json_string_value(json_object_get(trace, "receiver"));
    if (!receiver)
        receiver = json_string_value(json_object_get(json_object_get(trace, "receipt"), "receiver"));
    const char *code = json_string_value(json_object_get(act, "account"));
    const char *func = json_string_value(json_object_get(act, "name"));
    char *args = json_dumps(json_object_get(act, "data"),
                            JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    char code_func[64];
    snprintf(code_func, sizeof code_func, "%s::%s", code ? code : "", func ? func : "");
    size_t n = args ? strlen(args) : 0;
    fprintf(ctx->out, "#%14s <= %-28s %.*s%s\n", receiver ? receiver : "", code_func,
            (int)(n > 100 ? 100 : n), args ? args : "", n > 100 ? "..." : "");
    free(args);
    const char *console = json_string_value(json_object_get(trace, "console"));
    if (console && *console) fprintf(ctx->out, ">> %.*s\n", (int)strcspn(console, "\n"), console);
    /* Nodes that nest inline traces (EOSIO 1.x) list them under inline_traces. */
    size_t i;
    json_t *inner;
    json_array_foreach(json_object_get(trace, "inline_traces"), i, inner) print_action(ctx, inner);
}

static void print_push_result(cps_cli_ctx *ctx, const json_t *result)
{
    const json_t *processed = json_object_get(result, "processed");
    const json_t *receipt = json_object_get(processed, "receipt");
    const char *id = json_string_value(json_object_get(result, "transaction_id"));
    if (!id) id = json_string_value(json_object_get(processed, "id"));
    const char *status = json_string_value(json_object_get(receipt, "status"));
    json_t *net = json_object_get(receipt, "net_usage_words");
    json_t *cpu = json_object_get(receipt, "cpu_usage_us");
    fprintf(ctx->err, "%s transaction: %s  ", status ? status : "executed", id ? id : "");
    if (json_is_integer(net)) fprintf(ctx->err, "%lld", (long long)json_integer_value(net) * 8);
    else fprintf(ctx->err, "<unknown>");
    fprintf(ctx->err, " bytes  ");
    if (json_is_integer(cpu)) fprintf(ctx->err, "%lld", (long long)json_integer_value(cpu));
    else fprintf(ctx->err, "<unknown>");
    fprintf(ctx->err, " us\n");
    size_t i;
    json_t *trace;
    json_array_foreach(json_object_get(processed, "action_traces"), i, trace)
    {
        /* Flat traces (EOSIO 2+): only the top-level ones here, the rest by creator order is
         * what cleos shows too, as each trace appears once. */
        print_action(ctx, trace);
    }
    fflush(ctx->out);
    fprintf(ctx->err,
            "warning: transaction executed locally, but may not be confirmed by the network yet\n");
}

/* TaPoS, expiration and limits from get_info and the options (cleos: reference block = last
 * irreversible block, expiration = head block time + -x seconds). */
static int fill_header(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *trx,
                       cps_checksum256 *chain_id)
{
    uint32_t expiration, max_cpu, max_net, delay;
    int rc = parse_uint_option(args, "--expiration", UINT32_MAX, 30, &expiration);
    if (!rc) rc = parse_uint_option(args, "--max-cpu-usage-ms", 255, 0, &max_cpu);
    if (!rc) rc = parse_uint_option(args, "--max-net-usage", UINT32_MAX, 0, &max_net);
    if (!rc) rc = parse_uint_option(args, "--delay-sec", UINT32_MAX, 0, &delay);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());

    json_t *info;
    if (cps_cli_call(ctx, "/v1/chain/get_info", NULL, &info, NULL)) return CPS_CLI_EXIT_FAIL;
    const char *chain = json_string_value(json_object_get(info, "chain_id"));
    const char *ref = json_string_value(json_object_get(info, "last_irreversible_block_id"));
    if (!ref) ref = json_string_value(json_object_get(info, "head_block_id"));
    const char *head_time = json_string_value(json_object_get(info, "head_block_time"));
    cps_checksum256 ref_id;
    size_t n;
    int64_t head_us;
    if (!chain || !ref || !head_time ||
        cps_hex_decode(chain_id->b, 32, &n, chain, strlen(chain)) || n != 32 ||
        cps_hex_decode(ref_id.b, 32, &n, ref, strlen(ref)) || n != 32 ||
        cps_time_parse(head_time, strlen(head_time), &head_us)) {
        json_decref(info);
        return cps_cli_error(ctx, CPS_ERR_FORMAT,
                             "get_info from %s lacks a valid chain_id, block id or head_block_time",
                             ctx->url);
    }
    json_decref(info);
    uint16_t ref_num;
    uint32_t ref_prefix;
    cps_abi_tapos_from_block_id(&ref_id, &ref_num, &ref_prefix);
    char exp_text[40];
    cps_time_format(exp_text, sizeof exp_text, head_us + (int64_t)expiration * 1000000, false);
    json_object_set_new(trx, "expiration", json_string(exp_text));
    json_object_set_new(trx, "ref_block_num", json_integer(ref_num));
    json_object_set_new(trx, "ref_block_prefix", json_integer(ref_prefix));
    /* max_net_usage_words counts 8-byte words; cleos rounds the byte budget down. */
    json_object_set_new(trx, "max_net_usage_words", json_integer(max_net / 8));
    json_object_set_new(trx, "max_cpu_usage_ms", json_integer(max_cpu));
    json_object_set_new(trx, "delay_sec", json_integer(delay));
    return 0;
}

/* Signs with the unlocked wallet keys the node requires (get_required_keys). */
static int sign_with_wallet(cps_cli_ctx *ctx, const cps_checksum256 *chain_id,
                            cps_signed_transaction *strx, cps_arena *arena)
{
    cps_private_key *keys = NULL;
    size_t key_count = 0;
    int rc = cps_cli_wallet_unlocked_keys(ctx, &keys, &key_count);
    if (rc) return cps_cli_wallet_keys_error(ctx, rc);
    int exit_code = CPS_CLI_EXIT_FAIL;
    cps_public_key *pubs = calloc(key_count ? key_count : 1, sizeof *pubs);
    json_t *available = json_array(), *params = NULL, *reply = NULL;
    cps_buf trx_json;
    cps_buf_init(&trx_json);
    json_t *trx_value = NULL;
    if (!pubs || !available) {
        cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < key_count; i++) {
        char text[CPS_PUBLIC_KEY_STR_MAX];
        if (cps_key_public(&keys[i], &pubs[i]) ||
            cps_public_key_to_string(&pubs[i], false, text, sizeof text)) {
            cps_cli_error(ctx, CPS_ERR_CRYPTO, "a wallet key is invalid: %s", cps_last_error());
            goto done;
        }
        json_array_append_new(available, json_string(text));
    }
    if (cps_abi_transaction_to_json(&strx->trx, NULL, NULL, &trx_json) ||
        cps_abi_json_parse((const char *)trx_json.data, trx_json.size, &trx_value)) {
        cps_cli_error(ctx, CPS_ERR_FORMAT, "cannot print the transaction: %s", cps_last_error());
        goto done;
    }
    params = json_pack("{s:O,s:O}", "transaction", trx_value, "available_keys", available);
    if (!params || cps_cli_call(ctx, "/v1/chain/get_required_keys", params, &reply, NULL))
        goto done;
    json_t *required = json_object_get(reply, "required_keys");
    size_t count = json_array_size(required);
    cps_signature *sigs = cps_abi_arena_alloc(arena, (count ? count : 1) * sizeof *sigs);
    if (!sigs) {
        cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    cps_checksum256 digest;
    if ((rc = cps_abi_signing_digest(chain_id, strx, &digest)) != 0) {
        cps_cli_error(ctx, rc, "signing digest: %s", cps_last_error());
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const char *text = json_string_value(json_array_get(required, i));
        cps_public_key want;
        if (!text || cps_public_key_from_string(text, strlen(text), &want)) {
            cps_cli_error(ctx, CPS_ERR_FORMAT, "get_required_keys returned a bad key: %s",
                          text ? text : "(not a string)");
            goto done;
        }
        size_t k = 0;
        while (k < key_count && cps_public_key_compare(&pubs[k], &want) != 0) k++;
        if (k == key_count) {
            cps_cli_error(ctx, CPS_ERR_AUTH, "the node asks for key %s, which no unlocked wallet holds",
                          text);
            goto done;
        }
        if ((rc = cps_sign(&keys[k], digest.b, &sigs[i])) != 0) {
            cps_cli_error(ctx, rc, "signing: %s", cps_last_error());
            goto done;
        }
    }
    strx->signatures = sigs;
    strx->signature_count = (uint32_t)count;
    exit_code = 0;
done:
    if (keys) cps_wipe(keys, key_count * sizeof *keys);
    free(keys);
    free(pubs);
    json_decref(available);
    json_decref(params);
    json_decref(reply);
    json_decref(trx_value);
    cps_buf_free(&trx_json);
    return exit_code;
}

/* Pushes (or prints) a signed transaction. */
static int broadcast(cps_cli_ctx *ctx, const cps_cli_args *args, cps_signed_transaction *strx,
                     cps_arena *arena)
{
    cps_buf out;
    cps_buf_init(&out);
    int exit_code = CPS_CLI_EXIT_FAIL, rc;
    cps_packed_transaction packed;
    if ((rc = cps_abi_packed_transaction_make(strx, CPS_COMPRESSION_NONE, arena, &packed)) != 0) {
        cps_cli_error(ctx, rc, "cannot pack the transaction: %s", cps_last_error());
        goto done;
    }
    if (cps_cli_flag(args, "--dont-broadcast")) {
        if (cps_cli_flag(args, "--return-packed"))
            rc = cps_abi_packed_transaction_to_json(&packed, false, NULL, NULL, &out);
        else
            rc = cps_abi_signed_transaction_to_json(strx, cps_cli_abi_resolver, ctx, &out);
        if (rc) {
            cps_cli_error(ctx, rc, "cannot print the transaction: %s", cps_last_error());
            goto done;
        }
        if (cps_cli_print_json(ctx, (const char *)out.data, out.size) == 0)
            exit_code = CPS_CLI_EXIT_OK;
        goto done;
    }
    json_t *body = NULL, *result = NULL;
    char *text = NULL;
    if ((rc = cps_abi_packed_transaction_to_json(&packed, false, NULL, NULL, &out)) != 0 ||
        (rc = cps_abi_json_parse((const char *)out.data, out.size, &body)) != 0) {
        cps_cli_error(ctx, rc, "cannot print the transaction: %s", cps_last_error());
        goto done;
    }
    if (cps_cli_call(ctx, "/v1/chain/push_transaction", body, &result, &text) == 0) {
        if (cps_cli_flag(args, "--json"))
            exit_code = cps_cli_print_json(ctx, text, strlen(text)) == 0 ? CPS_CLI_EXIT_OK
                                                                         : CPS_CLI_EXIT_FAIL;
        else {
            print_push_result(ctx, result);
            exit_code = CPS_CLI_EXIT_OK;
        }
    }
    json_decref(body);
    json_decref(result);
    free(text);
done:
    cps_buf_free(&out);
    return exit_code;
}

/* A transaction given as JSON (push transaction), or one built from actions: header from the
 * node, then signing and broadcast. `trx` is stolen. */
static int send_transaction(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *trx,
                            bool fill)
{
    cps_arena arena;
    cps_abi_arena_init(&arena);
    cps_checksum256 chain_id;
    int exit_code = CPS_CLI_EXIT_FAIL;
    ctx->node_abis = true;
    if (fill && fill_header(ctx, args, trx, &chain_id)) goto done;
    if (!fill) {
        /* A complete transaction: only the chain id is needed from the node. */
        json_t *info;
        if (cps_cli_call(ctx, "/v1/chain/get_info", NULL, &info, NULL)) goto done;
        const char *chain = json_string_value(json_object_get(info, "chain_id"));
        size_t n;
        int bad = !chain || cps_hex_decode(chain_id.b, 32, &n, chain, strlen(chain)) || n != 32;
        json_decref(info);
        if (bad) {
            cps_cli_error(ctx, CPS_ERR_FORMAT, "get_info from %s lacks a valid chain_id", ctx->url);
            goto done;
        }
    }
    /* Report ABI problems (unreachable node, broken ABI) before converting action data. */
    size_t i;
    json_t *action;
    json_array_foreach(json_object_get(trx, "actions"), i, action)
    {
        const char *account = json_string_value(json_object_get(action, "account"));
        cps_name acc;
        const cps_abi *abi;
        bool found;
        if (account && json_is_object(json_object_get(action, "data")) &&
            cps_abi_name_from_string(account, strlen(account), &acc) == 0 &&
            cps_cli_abi_for(ctx, acc, &abi, &found) != 0) {
            cps_cli_error(ctx, CPS_ERR_ABI, "ABI of %s: %s", account, cps_last_error());
            goto done;
        }
    }
    cps_signed_transaction strx;
    int rc = cps_abi_signed_transaction_from_json(trx, cps_cli_abi_resolver, ctx, &arena, &strx);
    if (rc) {
        char msg[1200];
        cps_cli_error(ctx, rc, "%s", cps_cli_error_path(msg, sizeof msg, "transaction", cps_last_error()));
        goto done;
    }
    if (!cps_cli_flag(args, "--skip-sign") && sign_with_wallet(ctx, &chain_id, &strx, &arena))
        goto done;
    exit_code = broadcast(ctx, args, &strx, &arena);
done:
    json_decref(trx);
    cps_abi_arena_free(&arena);
    return exit_code;
}

int cps_cli_send_actions(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *actions)
{
    json_t *trx = json_pack("{s:[],s:o,s:[]}", "context_free_actions", "actions", actions,
                            "transaction_extensions");
    if (!trx) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    return send_transaction(ctx, args, trx, true);
}

/* ---- push action / push transaction ------------------------------------------------------- */

static int run_push_action(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *contract = cps_cli_arg(args, 0), *action = cps_cli_arg(args, 1);
    json_t *data = NULL, *auth = NULL, *act = NULL;
    ctx->node_abis = true;
    int rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 2), "data", &data);
    if (!rc) rc = cps_cli_authorization(args, NULL, NULL, &auth);
    if (!rc) rc = cps_cli_make_action(ctx, contract, action, auth, data, NULL, 0, &act);
    json_decref(data);
    json_decref(auth);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    json_t *actions = json_array();
    if (!actions) {
        json_decref(act);
        return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    }
    json_array_append_new(actions, act);
    return cps_cli_send_actions(ctx, args, actions);
}

static int run_push_transaction(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *trx;
    int rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 0), "transaction", &trx);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if (!json_is_object(trx)) {
        json_decref(trx);
        return cps_cli_error(ctx, CPS_ERR_TYPE, "transaction: expected a JSON object");
    }
    /* cleos fills the header only when the transaction has no reference block. */
    bool fill = json_object_get(trx, "ref_block_num") == NULL &&
                json_object_get(trx, "ref_block_prefix") == NULL;
    if (fill) {
        for (const char *k = "context_free_actions"; k; k = k[0] == 'c' ? "transaction_extensions" : NULL)
            if (!json_object_get(trx, k)) json_object_set_new(trx, k, json_array());
    }
    return send_transaction(ctx, args, trx, fill);
}

static const cps_cli_option push_options[] = {CPS_CLI_TRX_OPTIONS, {0}};

static const cps_cli_positional push_action_positionals[] = {
    {"account", "TEXT", "The account providing the contract to execute", true},
    {"action", "TEXT", "A JSON string or filename defining the action to execute on the contract",
     true},
    {"data", "TEXT", "The arguments to the contract", true},
    {0},
};
static const cps_cli_positional push_transaction_positionals[] = {
    {"transaction", "TEXT", "The JSON string or filename defining the transaction to push", true},
    {0},
};

static const cps_cli_command cmd_push_action = {
    .name = "action",
    .help = "Push a transaction with a single action",
    .options = push_options,
    .positionals = push_action_positionals,
    .run = run_push_action,
};
static const cps_cli_command cmd_push_transaction = {
    .name = "transaction",
    .help = "Push an arbitrary JSON transaction",
    .options = push_options,
    .positionals = push_transaction_positionals,
    .run = run_push_transaction,
};
static const cps_cli_command *const push_subcommands[] = {&cmd_push_action,
                                                          &cmd_push_transaction, NULL};

const cps_cli_command cps_cli_cmd_push = {
    .name = "push",
    .help = "Push arbitrary transactions to the blockchain",
    .subcommands = push_subcommands,
};

/* ---- transfer ----------------------------------------------------------------------------- */

/* cleos's to_asset: the amount is rescaled to the precision the token contract declares for its
 * symbol (get_currency_stats), so "1 SYS" sends "1.0000 SYS"; more decimals than the token has
 * is an error. */
int cps_cli_to_asset(cps_cli_ctx *ctx, const char *contract, const char *text, char *out)
{
    cps_asset a, max_supply;
    int rc = cps_abi_asset_from_string(text, strlen(text), &a);
    if (rc) return cps_cli_error(ctx, rc, "amount: %s", cps_last_error());
    char code[16];
    if ((rc = cps_abi_symbol_code_to_string(cps_abi_symbol_code(a.symbol), code)) != 0)
        return cps_cli_error(ctx, rc, "amount: %s", cps_last_error());
    json_t *params = json_pack("{s:b,s:s,s:s}", "json", 0, "code", contract, "symbol", code);
    json_t *stats = NULL;
    rc = params ? cps_cli_call(ctx, "/v1/chain/get_currency_stats", params, &stats, NULL)
                : cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    json_decref(params);
    if (rc) return rc;
    const char *max_text = json_string_value(json_object_get(json_object_get(stats, code), "max_supply"));
    if (!max_text || cps_abi_asset_from_string(max_text, strlen(max_text), &max_supply)) {
        json_decref(stats);
        return cps_cli_eosio_error(ctx, 3010004u, "Invalid symbol",
                                   "Symbol %s is not supported by token contract %s", code, contract);
    }
    json_decref(stats);
    unsigned have = cps_abi_symbol_precision(a.symbol);
    unsigned want = cps_abi_symbol_precision(max_supply.symbol);
    if (have > want)
        return cps_cli_eosio_error(ctx, 3010004u, "Invalid symbol",
                                   "Too many decimal digits in %s, only %u supported", text, want);
    for (unsigned i = have; i < want; i++) {
        if (a.amount > INT64_MAX / 10 || a.amount < INT64_MIN / 10)
            return cps_cli_error(ctx, CPS_ERR_OVERFLOW, "amount: %s is too large", text);
        a.amount *= 10;
    }
    a.symbol = max_supply.symbol;
    if ((rc = cps_abi_asset_to_string(&a, out)) != 0)
        return cps_cli_error(ctx, rc, "amount: %s", cps_last_error());
    return 0;
}

static int run_transfer(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *from = cps_cli_arg(args, 0), *to = cps_cli_arg(args, 1);
    const char *quantity = cps_cli_arg(args, 2), *memo = cps_cli_arg(args, 3);
    const char *contract = cps_cli_value(args, "--contract");
    if (!contract) contract = "eosio.token";
    ctx->node_abis = true;
    char qty[CPS_ASSET_STR_MAX];
    if (cps_cli_to_asset(ctx, contract, quantity, qty)) return CPS_CLI_EXIT_FAIL;
    json_t *data = json_pack("{s:s,s:s,s:s,s:s}", "from", from, "to", to, "quantity", qty, "memo",
                             memo ? memo : "");
    json_t *auth = NULL, *act = NULL;
    int rc = data ? 0 : cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = cps_cli_authorization(args, from, "active", &auth);
    if (!rc) rc = cps_cli_make_action(ctx, contract, "transfer", auth, data, NULL, 0, &act);
    json_decref(data);
    json_decref(auth);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    json_t *actions = json_array();
    json_array_append_new(actions, act);
    return cps_cli_send_actions(ctx, args, actions);
}

static const cps_cli_option transfer_options[] = {
    {"-c,--contract", "TEXT", "eosio.token", "The contract that controls the token", false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional transfer_positionals[] = {
    {"sender", "TEXT", "The account sending tokens", true},
    {"recipient", "TEXT", "The account receiving tokens", true},
    {"amount", "TEXT", "The amount of tokens to send", true},
    {"memo", "TEXT", "The memo for the transfer", false},
    {0},
};

const cps_cli_command cps_cli_cmd_transfer = {
    .name = "transfer",
    .help = "Transfer tokens from account to account",
    .options = transfer_options,
    .positionals = transfer_positionals,
    .run = run_transfer,
};
