/* cmd_system: `cps system ...` — cleos's system subcommands: eosio.system actions built from the
 * command line (newaccount with RAM and stake, RAM, stake, producers, votes, rewards, name bids)
 * and the table reads that go with them (listbw, listproducers, bidnameinfo). */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The system contract's account and the token contract of the core symbol (cleos's defaults). */
#define SYSTEM_ACCOUNT "eosio"
#define CORE_TOKEN_CONTRACT "eosio.token"

/* cleos's symbol_type_exception, for amounts whose symbols disagree. */
#define EOSIO_SYMBOL_TYPE_EXCEPTION 3010004u

/* ---- argument helpers --------------------------------------------------------------------- */

/* A usage mistake the parser cannot see (an option the command requires, or options that
 * exclude each other): "Error: ..." and the command's usage, exit code 2, as the parser's. */
static int usage_error(cps_cli_ctx *ctx, const cps_cli_args *args, const char *message)
{
    fprintf(ctx->err, "Error: %s\n", message);
    cps_cli_print_help(ctx->err, args);
    return CPS_CLI_EXIT_USAGE;
}

/* An unsigned decimal integer up to max; `what` names the argument in the error. */
static int parse_uint(const char *text, const char *what, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || errno || text[0] == '-' || text[0] == '+' || text[0] == ' ' || v > max)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "%s: expected an integer from 0 to %" PRIu64 ", got \"%s\"", what, max,
                        text);
    *out = v;
    return 0;
}

/* Checks name arguments (NULL-terminated pairs of text and what) so a bad one is reported by its
 * argument name before anything is sent. */
static int check_names(cps_cli_ctx *ctx, const char *const *pairs)
{
    for (; pairs[0]; pairs += 2) {
        cps_name n;
        if (cps_cli_parse_name(pairs[0], pairs[1], &n))
            return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    }
    return 0;
}

/* An amount in the core token (cleos's to_asset with the default token contract). */
static int core_amount(cps_cli_ctx *ctx, const char *text, char out[CPS_ASSET_STR_MAX])
{
    return cps_cli_to_asset(ctx, CORE_TOKEN_CONTRACT, text, out);
}

/* True if two asset texts (as core_amount wrote them) have the same symbol. */
static bool same_symbol(const char *a, const char *b)
{
    cps_asset x, y;
    return cps_abi_asset_from_string(a, strlen(a), &x) == 0 &&
           cps_abi_asset_from_string(b, strlen(b), &y) == 0 && x.symbol == y.symbol;
}

/* Appends eosio::<action> with `data` (stolen; packed through eosio's ABI from the node),
 * authorized by -p or by default_actor@active. Returns a CPS error with a detail. */
static int add_action(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *actions,
                      const char *action, const char *default_actor, json_t *data)
{
    json_t *auth = NULL, *act = NULL;
    int rc = data ? 0 : cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = cps_cli_authorization(args, default_actor, "active", &auth);
    if (!rc) rc = cps_cli_make_action(ctx, SYSTEM_ACCOUNT, action, auth, data, NULL, 0, &act);
    json_decref(data);
    json_decref(auth);
    if (!rc && json_array_append_new(actions, act)) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    return rc;
}

/* Sends the actions (stolen) as one transaction, or reports why they could not be built. */
static int send_or_fail(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *actions, int rc)
{
    if (rc) {
        json_decref(actions);
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    return cps_cli_send_actions(ctx, args, actions);
}

/* One eosio action in one transaction; `data` is stolen. */
static int send_system_action(cps_cli_ctx *ctx, const cps_cli_args *args, const char *action,
                              const char *default_actor, json_t *data)
{
    ctx->node_abis = true;
    json_t *actions = json_array();
    if (!actions) {
        json_decref(data);
        return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    }
    return send_or_fail(ctx, args, actions,
                        add_action(ctx, args, actions, action, default_actor, data));
}

/* A KiB count as bytes within buyrambytes's uint32. */
static int ram_bytes(const char *text, const char *what, bool kib, uint64_t *bytes)
{
    uint64_t max = kib ? UINT32_MAX / 1024 : UINT32_MAX;
    int rc = parse_uint(text, what, max, bytes);
    if (!rc && kib) *bytes *= 1024;
    return rc;
}

/* get_table_rows on eosio's table in `scope` (all rows as JSON, or one key with `key`). */
static int system_table(cps_cli_ctx *ctx, const char *scope, const char *table, const char *key,
                        json_t **result, char **text)
{
    json_t *params = json_pack("{s:b,s:s,s:s,s:s}", "json", 1, "code", SYSTEM_ACCOUNT, "scope",
                               scope, "table", table);
    if (!params) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    if (key) {
        /* cleos asks for [key, key + 1) with limit 1, the key as its 64-bit value. */
        cps_name n;
        char lo[24], hi[24];
        if (cps_cli_parse_name(key, table, &n)) {
            json_decref(params);
            return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
        }
        snprintf(lo, sizeof lo, "%" PRIu64, (uint64_t)n);
        snprintf(hi, sizeof hi, "%" PRIu64, (uint64_t)n + (n != UINT64_MAX));
        json_object_set_new(params, "lower_bound", json_string(lo));
        json_object_set_new(params, "upper_bound", json_string(hi));
        json_object_set_new(params, "limit", json_integer(1));
    }
    int rc = cps_cli_call(ctx, "/v1/chain/get_table_rows", params, result, text);
    json_decref(params);
    return rc;
}

/* A JSON value that fc may print as a number or as a string (64-bit integers, doubles). */
static bool json_as_double(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return !*end && !errno;
}

static bool json_as_i64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || errno) return false;
    *out = (int64_t)x;
    return true;
}

/* cleos's clean_output: control characters in chain data (URLs) are printed escaped, so a
 * producer cannot rewrite the terminal. Returns a malloc'ed string or NULL. */
static char *clean_output(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 6 + 1);
    if (!out) return NULL;
    char *w = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            w += sprintf(w, "\\n");
        else if (*p == '\t')
            w += sprintf(w, "\\t");
        else if (*p == '\r')
            w += sprintf(w, "\\r");
        else if (*p < 0x20 || *p == 0x7f)
            w += sprintf(w, "\\u%04x", *p);
        else
            *w++ = (char)*p;
    }
    *w = '\0';
    return out;
}

/* ---- newaccount --------------------------------------------------------------------------- */

static int run_newaccount(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *creator = cps_cli_arg(args, 0), *name = cps_cli_arg(args, 1);
    const char *owner_text = cps_cli_arg(args, 2), *active_text = cps_cli_arg(args, 3);
    const char *net_text = cps_cli_value(args, "--stake-net");
    const char *cpu_text = cps_cli_value(args, "--stake-cpu");
    const char *kib_text = cps_cli_value(args, "--buy-ram-kbytes");
    const char *bytes_text = cps_cli_value(args, "--buy-ram-bytes");
    const char *ram_text = cps_cli_value(args, "--buy-ram");
    if (!net_text) return usage_error(ctx, args, "--stake-net is required");
    if (!cpu_text) return usage_error(ctx, args, "--stake-cpu is required");
    if (kib_text && bytes_text)
        return usage_error(ctx, args,
                           "--buy-ram-kbytes and --buy-ram-bytes cannot be set at the same time");
    if (ram_text && (kib_text || bytes_text))
        return usage_error(ctx, args,
                           "--buy-ram cannot be combined with --buy-ram-kbytes or --buy-ram-bytes");
    if (!ram_text && !kib_text && !bytes_text)
        return usage_error(ctx, args,
                           "one of --buy-ram, --buy-ram-kbytes or --buy-ram-bytes is required");
    const char *names[] = {creator, "creator", name, "name", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;

    uint64_t bytes = 0;
    int rc = 0;
    if (kib_text)
        rc = ram_bytes(kib_text, "--buy-ram-kbytes", true, &bytes);
    else if (bytes_text)
        rc = ram_bytes(bytes_text, "--buy-ram-bytes", false, &bytes);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if (!ram_text && bytes == 0)
        return cps_cli_error(
            ctx, CPS_ERR_INVALID_ARG,
            "One of --buy-ram, --buy-ram-kbytes or --buy-ram-bytes should have non-zero value");

    ctx->node_abis = true;
    char net[CPS_ASSET_STR_MAX], cpu[CPS_ASSET_STR_MAX], ram[CPS_ASSET_STR_MAX];
    if (core_amount(ctx, net_text, net) || core_amount(ctx, cpu_text, cpu))
        return CPS_CLI_EXIT_FAIL;
    if (!same_symbol(net, cpu))
        return cps_cli_eosio_error(ctx, EOSIO_SYMBOL_TYPE_EXCEPTION, "Invalid symbol",
                                   "--stake-net & --stake-cpu asset symbol must match");
    if (ram_text && core_amount(ctx, ram_text, ram)) return CPS_CLI_EXIT_FAIL;

    json_t *owner = NULL, *active = NULL, *actions = json_array();
    if (!actions) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    rc = cps_cli_parse_authority(owner_text, &owner);
    if (rc) rc = cps_fail_prefix(rc, "OwnerKey");
    /* cleos gives active the owner's authority when no active key is given. */
    if (!rc && (rc = cps_cli_parse_authority(active_text ? active_text : owner_text, &active)))
        rc = cps_fail_prefix(rc, "ActiveKey");
    if (!rc)
        rc = add_action(ctx, args, actions, "newaccount", creator,
                        json_pack("{s:s,s:s,s:O,s:O}", "creator", creator, "name", name, "owner",
                                  owner, "active", active));
    json_decref(owner);
    json_decref(active);
    if (!rc && ram_text)
        rc = add_action(
            ctx, args, actions, "buyram", creator,
            json_pack("{s:s,s:s,s:s}", "payer", creator, "receiver", name, "quant", ram));
    else if (!rc)
        rc = add_action(ctx, args, actions, "buyrambytes", creator,
                        json_pack("{s:s,s:s,s:I}", "payer", creator, "receiver", name, "bytes",
                                  (json_int_t)bytes));
    /* As cleos: no delegatebw when both stakes are zero. */
    cps_asset n, c;
    bool stake = !(cps_abi_asset_from_string(net, strlen(net), &n) == 0 && n.amount == 0 &&
                   cps_abi_asset_from_string(cpu, strlen(cpu), &c) == 0 && c.amount == 0);
    if (!rc && stake)
        rc = add_action(ctx, args, actions, "delegatebw", creator,
                        json_pack("{s:s,s:s,s:s,s:s,s:b}", "from", creator, "receiver", name,
                                  "stake_net_quantity", net, "stake_cpu_quantity", cpu, "transfer",
                                  cps_cli_flag(args, "--transfer")));
    return send_or_fail(ctx, args, actions, rc);
}

/* ---- RAM ---------------------------------------------------------------------------------- */

static int run_buyram(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *payer = cps_cli_arg(args, 0), *receiver = cps_cli_arg(args, 1);
    const char *amount = cps_cli_arg(args, 2);
    bool kib = cps_cli_flag(args, "--kbytes"), bytes = cps_cli_flag(args, "--bytes");
    if (kib && bytes)
        return usage_error(ctx, args, "--kbytes and --bytes cannot be set at the same time");
    const char *names[] = {payer, "payer", receiver, "receiver", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    if (kib || bytes) {
        uint64_t n;
        if (ram_bytes(amount, "amount", kib, &n))
            return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
        return send_system_action(ctx, args, "buyrambytes", payer,
                                  json_pack("{s:s,s:s,s:I}", "payer", payer, "receiver", receiver,
                                            "bytes", (json_int_t)n));
    }
    ctx->node_abis = true;
    char quant[CPS_ASSET_STR_MAX];
    if (core_amount(ctx, amount, quant)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(
        ctx, args, "buyram", payer,
        json_pack("{s:s,s:s,s:s}", "payer", payer, "receiver", receiver, "quant", quant));
}

static int run_sellram(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0);
    const char *names[] = {account, "account", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    uint64_t bytes;
    if (parse_uint(cps_cli_arg(args, 1), "bytes", INT64_MAX, &bytes))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    return send_system_action(
        ctx, args, "sellram", account,
        json_pack("{s:s,s:I}", "account", account, "bytes", (json_int_t)bytes));
}

/* ---- stake -------------------------------------------------------------------------------- */

static int run_delegatebw(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *from = cps_cli_arg(args, 0), *receiver = cps_cli_arg(args, 1);
    const char *ram_text = cps_cli_value(args, "--buyram");
    const char *bytes_text = cps_cli_value(args, "--buy-ram-bytes");
    if (ram_text && bytes_text)
        return usage_error(ctx, args,
                           "--buyram and --buy-ram-bytes cannot be set at the same time");
    const char *names[] = {from, "from", receiver, "receiver", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    uint64_t bytes = 0;
    if (bytes_text && ram_bytes(bytes_text, "--buy-ram-bytes", false, &bytes))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    ctx->node_abis = true;
    char net[CPS_ASSET_STR_MAX], cpu[CPS_ASSET_STR_MAX], ram[CPS_ASSET_STR_MAX];
    if (core_amount(ctx, cps_cli_arg(args, 2), net) || core_amount(ctx, cps_cli_arg(args, 3), cpu))
        return CPS_CLI_EXIT_FAIL;
    if (!same_symbol(net, cpu))
        return cps_cli_eosio_error(
            ctx, EOSIO_SYMBOL_TYPE_EXCEPTION, "Invalid symbol",
            "stake_net_quantity & stake_cpu_quantity asset symbols must match");
    if (ram_text) {
        if (core_amount(ctx, ram_text, ram)) return CPS_CLI_EXIT_FAIL;
        if (!same_symbol(ram, cpu))
            return cps_cli_eosio_error(
                ctx, EOSIO_SYMBOL_TYPE_EXCEPTION, "Invalid symbol",
                "stake_net_quantity & stake_cpu_quantity & --buyram asset symbols must match");
    }
    json_t *actions = json_array();
    if (!actions) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    int rc = add_action(ctx, args, actions, "delegatebw", from,
                        json_pack("{s:s,s:s,s:s,s:s,s:b}", "from", from, "receiver", receiver,
                                  "stake_net_quantity", net, "stake_cpu_quantity", cpu, "transfer",
                                  cps_cli_flag(args, "--transfer")));
    if (!rc && ram_text)
        rc = add_action(
            ctx, args, actions, "buyram", from,
            json_pack("{s:s,s:s,s:s}", "payer", from, "receiver", receiver, "quant", ram));
    else if (!rc && bytes)
        rc = add_action(ctx, args, actions, "buyrambytes", from,
                        json_pack("{s:s,s:s,s:I}", "payer", from, "receiver", receiver, "bytes",
                                  (json_int_t)bytes));
    return send_or_fail(ctx, args, actions, rc);
}

static int run_undelegatebw(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *from = cps_cli_arg(args, 0), *receiver = cps_cli_arg(args, 1);
    const char *names[] = {from, "from", receiver, "receiver", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    ctx->node_abis = true;
    char net[CPS_ASSET_STR_MAX], cpu[CPS_ASSET_STR_MAX];
    if (core_amount(ctx, cps_cli_arg(args, 2), net) || core_amount(ctx, cps_cli_arg(args, 3), cpu))
        return CPS_CLI_EXIT_FAIL;
    if (!same_symbol(net, cpu))
        return cps_cli_eosio_error(
            ctx, EOSIO_SYMBOL_TYPE_EXCEPTION, "Invalid symbol",
            "unstake_net_quantity & unstake_cpu_amount asset symbols must match");
    return send_system_action(ctx, args, "undelegatebw", from,
                              json_pack("{s:s,s:s,s:s,s:s}", "from", from, "receiver", receiver,
                                        "unstake_net_quantity", net, "unstake_cpu_quantity", cpu));
}

/* CPS has no deferred transactions: unstaked tokens come back with `refund` once due. */
static int run_refund(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *owner = cps_cli_arg(args, 0);
    const char *names[] = {owner, "owner", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(ctx, args, "refund", owner, json_pack("{s:s}", "owner", owner));
}

static int run_listbw(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0);
    const char *names[] = {account, "account", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    json_t *result = NULL;
    char *text = NULL;
    if (system_table(ctx, account, "delband", NULL, &result, &text)) return CPS_CLI_EXIT_FAIL;
    int exit_code = CPS_CLI_EXIT_OK;
    if (cps_cli_flag(args, "--json")) {
        if (cps_cli_print_json(ctx, text, strlen(text))) exit_code = CPS_CLI_EXIT_FAIL;
    } else if (json_array_size(json_object_get(result, "rows")) == 0) {
        fprintf(ctx->err, "Delegated bandwidth not found\n");
    } else {
        fprintf(ctx->out, "%-13s%-21s%-21s\n", "Receiver", "Net bandwidth", "CPU bandwidth");
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(result, "rows"), i, row)
        {
            const char *to = json_string_value(json_object_get(row, "to"));
            const char *net = json_string_value(json_object_get(row, "net_weight"));
            const char *cpu = json_string_value(json_object_get(row, "cpu_weight"));
            fprintf(ctx->out, "%-13s%-21s%-21s\n", to ? to : "", net ? net : "", cpu ? cpu : "");
        }
    }
    json_decref(result);
    free(text);
    return exit_code;
}

/* ---- producers and votes ------------------------------------------------------------------ */

static int run_regproducer(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0), *key_text = cps_cli_arg(args, 1);
    const char *url = cps_cli_arg(args, 2), *location_text = cps_cli_arg(args, 3);
    const char *inflation_text = cps_cli_value(args, "--annual-inflation-bp");
    const char *names[] = {account, "account", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    cps_public_key key;
    if (cps_public_key_from_string(key_text, strlen(key_text), &key))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "Invalid producer public key: %s", key_text);
    uint64_t location = 0, inflation = 0;
    if ((location_text && parse_uint(location_text, "location", UINT16_MAX, &location)) ||
        (inflation_text &&
         parse_uint(inflation_text, "--annual-inflation-bp", UINT16_MAX, &inflation)))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    json_t *data = json_pack("{s:s,s:s,s:s,s:I}", "producer", account, "producer_key", key_text,
                             "url", url ? url : "", "location", (json_int_t)location);
    /* The binary extension is left out without the option: the contract then keeps the
     * producer's current proposal (0 for a new producer). */
    if (data && inflation_text)
        json_object_set_new(data, "annual_inflation_bp", json_integer((json_int_t)inflation));
    return send_system_action(ctx, args, "regproducer", account, data);
}

static int run_unregprod(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0);
    const char *names[] = {account, "account", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(ctx, args, "unregprod", account,
                              json_pack("{s:s}", "producer", account));
}

static int compare_names(const void *a, const void *b)
{
    cps_name x = *(const cps_name *)a, y = *(const cps_name *)b;
    return x < y ? -1 : x > y;
}

/* voteproducer with `count` producer names, sorted by name value as the contract requires. */
static int send_vote(cps_cli_ctx *ctx, const cps_cli_args *args, const char *voter,
                     const char *proxy, const cps_name *producers, size_t count)
{
    cps_name *sorted = calloc(count ? count : 1, sizeof *sorted);
    json_t *list = json_array();
    if (!sorted || !list) {
        free(sorted);
        json_decref(list);
        return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    }
    if (count) memcpy(sorted, producers, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_names);
    for (size_t i = 0; i < count; i++) {
        char text[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(sorted[i], text);
        json_array_append_new(list, json_string(text));
    }
    free(sorted);
    return send_system_action(
        ctx, args, "voteproducer", voter,
        json_pack("{s:s,s:s,s:o}", "voter", voter, "proxy", proxy, "producers", list));
}

static int run_vote_prods(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *voter = cps_cli_arg(args, 0);
    const char *names[] = {voter, "voter", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    size_t count = args->positional_count - 1;
    cps_name *prods = calloc(count ? count : 1, sizeof *prods);
    if (!prods) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        if (cps_cli_parse_name(cps_cli_arg(args, i + 1), "producers", &prods[i])) {
            free(prods);
            return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
        }
    int exit_code = send_vote(ctx, args, voter, "", prods, count);
    free(prods);
    return exit_code;
}

static int run_vote_proxy(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *voter = cps_cli_arg(args, 0), *proxy = cps_cli_arg(args, 1);
    const char *names[] = {voter, "voter", proxy, "proxy", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_vote(ctx, args, voter, proxy, NULL, 0);
}

/* approve / unapprove: the voter's current list from the voters table, one producer added or
 * removed, voted again (cleos's messages when there is nothing to do). */
static int change_vote(cps_cli_ctx *ctx, const cps_cli_args *args, bool add)
{
    const char *voter = cps_cli_arg(args, 0), *producer = cps_cli_arg(args, 1);
    const char *names[] = {voter, "voter", producer, "producer", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    cps_name who;
    if (cps_cli_parse_name(producer, "producer", &who))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    json_t *result = NULL;
    if (system_table(ctx, SYSTEM_ACCOUNT, "voters", voter, &result, NULL)) return CPS_CLI_EXIT_FAIL;
    const json_t *row = json_array_get(json_object_get(result, "rows"), 0);
    const char *owner = json_string_value(json_object_get(row, "owner"));
    if (!owner || strcmp(owner, voter) != 0) {
        json_decref(result);
        fprintf(ctx->err, "Voter info not found for account %s\n", voter);
        return CPS_CLI_EXIT_FAIL;
    }
    const json_t *current = json_object_get(row, "producers");
    size_t count = json_array_size(current), kept = 0;
    cps_name *prods = calloc(count + 1, sizeof *prods);
    if (!prods) {
        json_decref(result);
        return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    }
    bool found = false;
    for (size_t i = 0; i < count; i++) {
        const char *text = json_string_value(json_array_get(current, i));
        cps_name n;
        if (!text || cps_abi_name_from_string(text, strlen(text), &n)) {
            free(prods);
            json_decref(result);
            return cps_cli_error(ctx, CPS_ERR_FORMAT,
                                 "voters row of %s: producers[%zu] is not a name", voter, i);
        }
        if (n == who) {
            found = true;
            if (!add) continue;
        }
        prods[kept++] = n;
    }
    json_decref(result);
    int exit_code;
    if (add && found) {
        fprintf(ctx->err, "Producer \"%s\" is already on the list.\n", producer);
        exit_code = CPS_CLI_EXIT_FAIL;
    } else if (!add && !found) {
        fprintf(ctx->err, "Cannot remove: producer \"%s\" is not on the list.\n", producer);
        exit_code = CPS_CLI_EXIT_FAIL;
    } else {
        if (add) prods[kept++] = who;
        exit_code = send_vote(ctx, args, voter, "", prods, kept);
    }
    free(prods);
    return exit_code;
}

static int run_vote_approve(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return change_vote(ctx, args, true);
}

static int run_vote_unapprove(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return change_vote(ctx, args, false);
}

static int run_regproxy(cps_cli_ctx *ctx, const cps_cli_args *args, bool is_proxy)
{
    const char *proxy = cps_cli_arg(args, 0);
    const char *names[] = {proxy, "proxy", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(ctx, args, "regproxy", proxy,
                              json_pack("{s:s,s:b}", "proxy", proxy, "isproxy", is_proxy));
}

static int run_register_proxy(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return run_regproxy(ctx, args, true);
}

static int run_unregister_proxy(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    return run_regproxy(ctx, args, false);
}

static int run_listproducers(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *lower = cps_cli_value(args, "--lower");
    const char *limit_text = cps_cli_value(args, "--limit");
    const char *time_text = cps_cli_value(args, "--time-limit");
    uint64_t limit = 50, time_limit = 0;
    if ((limit_text && parse_uint(limit_text, "--limit", UINT32_MAX, &limit)) ||
        (time_text && parse_uint(time_text, "--time-limit", UINT32_MAX, &time_limit)))
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "%s", cps_last_error());
    json_t *params = json_pack("{s:b,s:s,s:I}", "json", 1, "lower_bound", lower ? lower : "",
                               "limit", (json_int_t)limit);
    if (!params) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    if (time_limit)
        json_object_set_new(params, "time_limit_ms", json_integer((json_int_t)time_limit));
    json_t *result = NULL;
    char *text = NULL;
    int rc = cps_cli_call(ctx, "/v1/chain/get_producers", params, &result, &text);
    json_decref(params);
    if (rc) return CPS_CLI_EXIT_FAIL;
    int exit_code = CPS_CLI_EXIT_OK;
    const json_t *rows = json_object_get(result, "rows");
    const char *more = json_string_value(json_object_get(result, "more"));
    if (!more) more = "";
    if (cps_cli_flag(args, "--json")) {
        if (cps_cli_print_json(ctx, text, strlen(text))) exit_code = CPS_CLI_EXIT_FAIL;
    } else if (json_array_size(rows) == 0 && !*more) {
        fprintf(ctx->out, "No producers found\n");
    } else {
        double weight = 0;
        json_as_double(json_object_get(result, "total_producer_vote_weight"), &weight);
        if (weight == 0) weight = 1;
        fprintf(ctx->out, "%-13s %-57s %-59s %s\n", "Producer", "Producer key", "Url",
                "Scaled votes");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            const char *owner = json_string_value(json_object_get(row, "owner"));
            const char *key = json_string_value(json_object_get(row, "producer_key"));
            const char *url = json_string_value(json_object_get(row, "url"));
            double votes = 0;
            json_as_double(json_object_get(row, "total_votes"), &votes);
            char *clean = clean_output(url ? url : "");
            if (!clean) {
                exit_code = cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
                break;
            }
            fprintf(ctx->out, "%-13.13s %-57.57s %-59.59s %1.4f\n", owner ? owner : "",
                    key ? key : "", clean, votes / weight);
            free(clean);
        }
        if (*more) {
            char *clean = clean_output(more);
            if (clean) fprintf(ctx->out, "-L %s for more\n", clean);
            free(clean);
        }
    }
    json_decref(result);
    free(text);
    return exit_code;
}

static int run_claimrewards(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *owner = cps_cli_arg(args, 0);
    const char *names[] = {owner, "owner", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(ctx, args, "claimrewards", owner, json_pack("{s:s}", "owner", owner));
}

/* ---- name auctions ------------------------------------------------------------------------ */

static int run_bidname(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *bidder = cps_cli_arg(args, 0), *newname = cps_cli_arg(args, 1);
    const char *names[] = {bidder, "bidder", newname, "newname", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    ctx->node_abis = true;
    char bid[CPS_ASSET_STR_MAX];
    if (core_amount(ctx, cps_cli_arg(args, 2), bid)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(
        ctx, args, "bidname", bidder,
        json_pack("{s:s,s:s,s:s}", "bidder", bidder, "newname", newname, "bid", bid));
}

/* CPS has no deferred transactions: an outbid amount comes back with `bidrefund`. */
static int run_bidrefund(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *bidder = cps_cli_arg(args, 0), *newname = cps_cli_arg(args, 1);
    const char *names[] = {bidder, "bidder", newname, "newname", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    return send_system_action(ctx, args, "bidrefund", bidder,
                              json_pack("{s:s,s:s}", "bidder", bidder, "newname", newname));
}

static int run_bidnameinfo(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *newname = cps_cli_arg(args, 0);
    const char *names[] = {newname, "newname", NULL};
    if (check_names(ctx, names)) return CPS_CLI_EXIT_FAIL;
    json_t *result = NULL;
    char *text = NULL;
    if (system_table(ctx, SYSTEM_ACCOUNT, "namebids", newname, &result, &text))
        return CPS_CLI_EXIT_FAIL;
    int exit_code = CPS_CLI_EXIT_OK;
    const json_t *row = json_array_get(json_object_get(result, "rows"), 0);
    const char *name = json_string_value(json_object_get(row, "newname"));
    if (cps_cli_flag(args, "--json")) {
        if (cps_cli_print_json(ctx, text, strlen(text))) exit_code = CPS_CLI_EXIT_FAIL;
    } else if (!name || strcmp(name, newname) != 0) {
        fprintf(ctx->out, "No bidname record found\n");
    } else {
        const char *bidder = json_string_value(json_object_get(row, "high_bidder"));
        const char *time = json_string_value(json_object_get(row, "last_bid_time"));
        int64_t bid = 0;
        json_as_i64(json_object_get(row, "high_bid"), &bid);
        /* A closed auction keeps its winning bid negated. */
        uint64_t shown = bid < 0 ? (uint64_t)0 - (uint64_t)bid : (uint64_t)bid;
        fprintf(ctx->out, "%-18s%24s\n", "bidname:", name);
        fprintf(ctx->out, "%-18s%24s\n", "highest bidder:", bidder ? bidder : "");
        fprintf(ctx->out, "%-18s%24" PRIu64 "\n", "highest bid:", shown);
        fprintf(ctx->out, "%-18s%24s\n", "last bid time:", time ? time : "");
        if (bid < 0) fprintf(ctx->out, "This auction has already closed\n");
    }
    json_decref(result);
    free(text);
    return exit_code;
}

/* ---- the command table -------------------------------------------------------------------- */

static const cps_cli_option trx_options[] = {CPS_CLI_TRX_OPTIONS, {0}};
static const cps_cli_option json_options[] = {
    {"-j,--json", NULL, NULL, "Output in JSON format", false},
    {0},
};

static const cps_cli_option newaccount_options[] = {
    {"--stake-net", "TEXT", NULL, "The amount of tokens delegated for net bandwidth (required)",
     false},
    {"--stake-cpu", "TEXT", NULL, "The amount of tokens delegated for CPU bandwidth (required)",
     false},
    {"--buy-ram-kbytes", "UINT", NULL,
     "The amount of RAM bytes to purchase for the new account in kibibytes (KiB)", false},
    {"--buy-ram-bytes", "UINT", NULL,
     "The amount of RAM bytes to purchase for the new account in bytes", false},
    {"--buy-ram", "TEXT", NULL, "The amount of RAM bytes to purchase for the new account in tokens",
     false},
    {"--transfer", NULL, NULL, "Transfer voting power and right to unstake tokens to receiver",
     false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional newaccount_positionals[] = {
    {"creator", "TEXT", "The name of the account creating the new account", true},
    {"name", "TEXT", "The name of the new account", true},
    {"OwnerKey", "TEXT", "The owner public key or authority for the new account", true},
    {"ActiveKey", "TEXT", "The active public key or authority for the new account", false},
    {0},
};
static const cps_cli_command cmd_newaccount = {
    .name = "newaccount",
    .help = "Create a new account on the blockchain with initial resources",
    .options = newaccount_options,
    .positionals = newaccount_positionals,
    .run = run_newaccount,
};

static const cps_cli_option buyram_options[] = {
    {"-k,--kbytes", NULL, NULL, "The amount to buy in kibibytes (KiB)", false},
    {"-b,--bytes", NULL, NULL, "The amount to buy in bytes", false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional buyram_positionals[] = {
    {"payer", "TEXT", "The account paying for RAM", true},
    {"receiver", "TEXT", "The account receiving bought RAM", true},
    {"amount", "TEXT",
     "The amount of tokens to pay for RAM, or number of bytes/kibibytes of RAM if --bytes/--kbytes "
     "is set",
     true},
    {0},
};
static const cps_cli_command cmd_buyram = {
    .name = "buyram",
    .help = "Buy RAM",
    .options = buyram_options,
    .positionals = buyram_positionals,
    .run = run_buyram,
};

static const cps_cli_positional sellram_positionals[] = {
    {"account", "TEXT", "The account to receive tokens for sold RAM", true},
    {"bytes", "UINT", "The amount of RAM bytes to sell", true},
    {0},
};
static const cps_cli_command cmd_sellram = {
    .name = "sellram",
    .help = "Sell RAM",
    .options = trx_options,
    .positionals = sellram_positionals,
    .run = run_sellram,
};

static const cps_cli_option delegatebw_options[] = {
    {"--buyram", "TEXT", NULL, "The amount of tokens to buy RAM with", false},
    {"--buy-ram-bytes", "UINT", NULL, "The amount of RAM to buy in bytes", false},
    {"--transfer", NULL, NULL, "Transfer voting power and right to unstake tokens to receiver",
     false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional delegatebw_positionals[] = {
    {"from", "TEXT", "The account to delegate bandwidth from", true},
    {"receiver", "TEXT", "The account to receive the delegated bandwidth", true},
    {"stake_net_quantity", "TEXT", "The amount of tokens to stake for network bandwidth", true},
    {"stake_cpu_quantity", "TEXT", "The amount of tokens to stake for CPU bandwidth", true},
    {0},
};
static const cps_cli_command cmd_delegatebw = {
    .name = "delegatebw",
    .help = "Delegate bandwidth",
    .options = delegatebw_options,
    .positionals = delegatebw_positionals,
    .run = run_delegatebw,
};

static const cps_cli_positional undelegatebw_positionals[] = {
    {"from", "TEXT", "The account undelegating bandwidth", true},
    {"receiver", "TEXT", "The account to undelegate bandwidth from", true},
    {"unstake_net_quantity", "TEXT", "The amount of tokens to undelegate for network bandwidth",
     true},
    {"unstake_cpu_quantity", "TEXT", "The amount of tokens to undelegate for CPU bandwidth", true},
    {0},
};
static const cps_cli_command cmd_undelegatebw = {
    .name = "undelegatebw",
    .help = "Undelegate bandwidth",
    .options = trx_options,
    .positionals = undelegatebw_positionals,
    .run = run_undelegatebw,
};

static const cps_cli_positional refund_positionals[] = {
    {"owner", "TEXT", "The account whose unstaked tokens are due", true},
    {0},
};
static const cps_cli_command cmd_refund = {
    .name = "refund",
    .help = "Claim unstaked tokens once the refund delay has passed (CPS: no deferred refund)",
    .options = trx_options,
    .positionals = refund_positionals,
    .run = run_refund,
};

static const cps_cli_positional listbw_positionals[] = {
    {"account", "TEXT", "The account delegated bandwidth", true},
    {0},
};
static const cps_cli_command cmd_listbw = {
    .name = "listbw",
    .help = "List delegated bandwidth",
    .options = json_options,
    .positionals = listbw_positionals,
    .run = run_listbw,
};

static const cps_cli_option regproducer_options[] = {
    {"--annual-inflation-bp", "UINT", NULL,
     "CPS: the producer's proposed annual inflation in basis points (at most 500 = 5%); without "
     "it a registered producer keeps its proposal and a new one proposes 0",
     false},
    CPS_CLI_TRX_OPTIONS,
    {0},
};
static const cps_cli_positional regproducer_positionals[] = {
    {"account", "TEXT", "The account to register as a producer", true},
    {"producer_key", "TEXT", "The producer's public key", true},
    {"url", "TEXT", "The URL where info about producer can be found", false},
    {"location", "UINT", "Relative location for purpose of nearest neighbor scheduling", false},
    {0},
};
static const cps_cli_command cmd_regproducer = {
    .name = "regproducer",
    .help = "Register a new producer",
    .options = regproducer_options,
    .positionals = regproducer_positionals,
    .run = run_regproducer,
};

static const cps_cli_positional unregprod_positionals[] = {
    {"account", "TEXT", "The account to unregister as a producer", true},
    {0},
};
static const cps_cli_command cmd_unregprod = {
    .name = "unregprod",
    .help = "Unregister an existing producer",
    .options = trx_options,
    .positionals = unregprod_positionals,
    .run = run_unregprod,
};

static const cps_cli_positional vote_proxy_positionals[] = {
    {"voter", "TEXT", "The voting account", true},
    {"proxy", "TEXT", "The proxy account", true},
    {0},
};
static const cps_cli_command cmd_vote_proxy = {
    .name = "proxy",
    .help = "Vote your stake through a proxy",
    .options = trx_options,
    .positionals = vote_proxy_positionals,
    .run = run_vote_proxy,
};
static const cps_cli_positional vote_prods_positionals[] = {
    {"voter", "TEXT", "The voting account", true},
    {"producers", "TEXT",
     "The account(s) to vote for. All options from this position and following will be treated "
     "as the producer list.",
     true},
    {0},
};
static const cps_cli_command cmd_vote_prods = {
    .name = "prods",
    .help = "Vote for one or more producers",
    .options = trx_options,
    .positionals = vote_prods_positionals,
    .run = run_vote_prods,
    .last_positional_repeats = true,
};
static const cps_cli_positional vote_approve_positionals[] = {
    {"voter", "TEXT", "The voting account", true},
    {"producer", "TEXT", "The account to vote for", true},
    {0},
};
static const cps_cli_command cmd_vote_approve = {
    .name = "approve",
    .help = "Add one producer to list of voted producers",
    .options = trx_options,
    .positionals = vote_approve_positionals,
    .run = run_vote_approve,
};
static const cps_cli_positional vote_unapprove_positionals[] = {
    {"voter", "TEXT", "The voting account", true},
    {"producer", "TEXT", "The account to remove from voted producers", true},
    {0},
};
static const cps_cli_command cmd_vote_unapprove = {
    .name = "unapprove",
    .help = "Remove one producer from list of voted producers",
    .options = trx_options,
    .positionals = vote_unapprove_positionals,
    .run = run_vote_unapprove,
};
static const cps_cli_command *const voteproducer_subcommands[] = {
    &cmd_vote_proxy, &cmd_vote_prods, &cmd_vote_approve, &cmd_vote_unapprove, NULL,
};
static const cps_cli_command cmd_voteproducer = {
    .name = "voteproducer",
    .help = "Vote for a producer",
    .subcommands = voteproducer_subcommands,
};

static const cps_cli_option listproducers_options[] = {
    {"-j,--json", NULL, NULL, "Output in JSON format", false},
    {"-l,--limit", "UINT", "50", "The maximum number of rows to return", false},
    {"-L,--lower", "TEXT", NULL, "Lower bound value of key, defaults to first", false},
    {"--time-limit", "UINT", NULL, "Limit time of execution in milliseconds", false},
    {0},
};
static const cps_cli_command cmd_listproducers = {
    .name = "listproducers",
    .help = "List producers",
    .options = listproducers_options,
    .run = run_listproducers,
};

static const cps_cli_positional regproxy_positionals[] = {
    {"proxy", "TEXT", "The proxy account to register", true},
    {0},
};
static const cps_cli_command cmd_regproxy = {
    .name = "regproxy",
    .help = "Register an account as a proxy (for voting)",
    .options = trx_options,
    .positionals = regproxy_positionals,
    .run = run_register_proxy,
};
static const cps_cli_positional unregproxy_positionals[] = {
    {"proxy", "TEXT", "The proxy account to unregister", true},
    {0},
};
static const cps_cli_command cmd_unregproxy = {
    .name = "unregproxy",
    .help = "Unregister an account as a proxy (for voting)",
    .options = trx_options,
    .positionals = unregproxy_positionals,
    .run = run_unregister_proxy,
};

static const cps_cli_positional claimrewards_positionals[] = {
    {"owner", "TEXT", "The account to claim rewards for", true},
    {0},
};
static const cps_cli_command cmd_claimrewards = {
    .name = "claimrewards",
    .help = "Claim producer rewards",
    .options = trx_options,
    .positionals = claimrewards_positionals,
    .run = run_claimrewards,
};

static const cps_cli_positional bidname_positionals[] = {
    {"bidder", "TEXT", "The bidding account", true},
    {"newname", "TEXT", "The bidding name", true},
    {"bid", "TEXT", "The amount of tokens to bid", true},
    {0},
};
static const cps_cli_command cmd_bidname = {
    .name = "bidname",
    .help = "Name bidding",
    .options = trx_options,
    .positionals = bidname_positionals,
    .run = run_bidname,
};
static const cps_cli_positional bidrefund_positionals[] = {
    {"bidder", "TEXT", "The outbid account", true},
    {"newname", "TEXT", "The name that was bid on", true},
    {0},
};
static const cps_cli_command cmd_bidrefund = {
    .name = "bidrefund",
    .help = "Take back an outbid amount (CPS: no deferred refund)",
    .options = trx_options,
    .positionals = bidrefund_positionals,
    .run = run_bidrefund,
};
static const cps_cli_positional bidnameinfo_positionals[] = {
    {"newname", "TEXT", "The bidding name", true},
    {0},
};
static const cps_cli_command cmd_bidnameinfo = {
    .name = "bidnameinfo",
    .help = "Get bidname info",
    .options = json_options,
    .positionals = bidnameinfo_positionals,
    .run = run_bidnameinfo,
};

static const cps_cli_command *const system_subcommands[] = {
    &cmd_newaccount,  &cmd_regproducer,  &cmd_unregprod, &cmd_voteproducer, &cmd_listproducers,
    &cmd_delegatebw,  &cmd_undelegatebw, &cmd_listbw,    &cmd_refund,       &cmd_bidname,
    &cmd_bidnameinfo, &cmd_bidrefund,    &cmd_buyram,    &cmd_sellram,      &cmd_claimrewards,
    &cmd_regproxy,    &cmd_unregproxy,   NULL,
};

const cps_cli_command cps_cli_cmd_system = {
    .name = "system",
    .help = "Send eosio.system actions to the blockchain.",
    .subcommands = system_subcommands,
};
