/* cmd_get: `cps get ...` — read-only queries of cpsd's /v1/chain API with cleos's output: info,
 * block, account (cleos's human-readable layout, or -j), code, abi, table, scope,
 * currency balance / stats, transaction-status. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Calls `path` and pretty-prints the reply as it came (key order kept, as cleos prints it). */
static int call_and_print(cps_cli_ctx *ctx, const char *path, json_t *params)
{
    char *text = NULL;
    int rc = cps_cli_call(ctx, path, params, NULL, &text);
    json_decref(params);
    if (rc) return CPS_CLI_EXIT_FAIL;
    rc = cps_cli_print_json(ctx, text, strlen(text));
    free(text);
    return rc ? CPS_CLI_EXIT_FAIL : CPS_CLI_EXIT_OK;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int need(cps_cli_ctx *ctx, json_t *v)
{
    if (!v) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    return 0;
}

static int run_get_info(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    (void)args;
    return call_and_print(ctx, "/v1/chain/get_info", NULL);
}

static int run_get_block(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *p = json_pack("{s:s}", "block_num_or_id", cps_cli_arg(args, 0));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    return call_and_print(ctx, cps_cli_flag(args, "--header-state")
                                   ? "/v1/chain/get_block_header_state"
                                   : "/v1/chain/get_block",
                          p);
}

static int run_get_transaction_status(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *p = json_pack("{s:s}", "id", cps_cli_arg(args, 0));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    return call_and_print(ctx, "/v1/chain/get_transaction_status", p);
}

/* ---- get account -------------------------------------------------------------------------- */

/* cleos's to_pretty_net / to_pretty_time: 4 significant digits and the unit, padded to `width`
 * (cleos pads to 5 in the tables, not at all in running text); -1 is "unlimited". */
static void pretty_amount(char *out, size_t cap, json_int_t v, bool time_units, int width)
{
    if (v == -1) {
        snprintf(out, cap, "unlimited");
        return;
    }
    double x = (double)v;
    const char *unit;
    if (time_units) {
        unit = "us";
        if (x > 3600e6) x /= 3600e6, unit = "hr";
        else if (x > 60e6) x /= 60e6, unit = "min";
        else if (x > 1e6) x /= 1e6, unit = "sec";
        else if (x > 1e3) x /= 1e3, unit = "ms";
    } else {
        unit = "bytes";
        if (x >= 1099511627776.0) x /= 1099511627776.0, unit = "TiB";
        else if (x >= 1073741824.0) x /= 1073741824.0, unit = "GiB";
        else if (x >= 1048576.0) x /= 1048576.0, unit = "MiB";
        else if (x >= 1024.0) x /= 1024.0, unit = "KiB";
    }
    snprintf(out, cap, "%.4g %-*s", x, width, unit);
}

static json_int_t int_field(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) return json_integer_value(v);
    if (json_is_string(v)) return strtoll(json_string_value(v), NULL, 10);
    return -1;
}

/* An asset field of a reply ("10.0000 CPS"); false when absent or malformed. */
static bool asset_field(const json_t *obj, const char *key, cps_asset *out)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && cps_abi_asset_from_string(s, strlen(s), out) == 0;
}

/* The asset's text, or "?" if it cannot be printed (an amount out of range after a sum). */
static const char *asset_text(const cps_asset *a, char buf[CPS_ASSET_STR_MAX])
{
    if (cps_abi_asset_to_string(a, buf)) snprintf(buf, CPS_ASSET_STR_MAX, "?");
    return buf;
}

/* a + b, or INT64_MAX (which no asset prints, so "?") when a malformed reply overflows it. */
static int64_t add_amounts(int64_t a, int64_t b)
{
    int64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

/* Walks the permission tree depth-first as cleos's dfs_exec (children of each permission in
 * name order), calling `visit` on each. */
typedef void (*perm_visit)(cps_cli_ctx *ctx, const json_t *perm, int depth);

static int by_perm_name(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "perm_name"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "perm_name"));
    return strcmp(x ? x : "", y ? y : "");
}

static void walk_permissions(cps_cli_ctx *ctx, const json_t *perms, const char *parent, int depth,
                             perm_visit visit)
{
    /* A parent cycle in a malformed reply must not recurse forever. */
    if (depth > 16) return;
    size_t n = json_array_size(perms), k = 0;
    json_t **kids = calloc(n ? n : 1, sizeof *kids);
    if (!kids) return;
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(perms, i);
        const char *pp = json_string_value(json_object_get(p, "parent"));
        if (!strcmp(pp ? pp : "", parent)) kids[k++] = p;
    }
    qsort(kids, k, sizeof *kids, by_perm_name);
    for (size_t i = 0; i < k; i++) {
        const char *name = json_string_value(json_object_get(kids[i], "perm_name"));
        visit(ctx, kids[i], depth);
        if (name && *name) walk_permissions(ctx, perms, name, depth + 1, visit);
    }
    free(kids);
}

/* "     owner     1:    1 EOS...": the name indented by depth, threshold, then weights. */
static void print_permission(cps_cli_ctx *ctx, const json_t *perm, int depth)
{
    const char *name = json_string_value(json_object_get(perm, "perm_name"));
    const json_t *auth = json_object_get(perm, "required_auth");
    fprintf(ctx->out, "     %*s%s %5lld:    ", depth * 3, "", or_empty(name),
            (long long)int_field(auth, "threshold"));
    const char *sep = "";
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(auth, "keys"), i, e)
    {
        fprintf(ctx->out, "%s%lld %s", sep, (long long)int_field(e, "weight"),
                or_empty(json_string_value(json_object_get(e, "key"))));
        sep = ", ";
    }
    json_array_foreach(json_object_get(auth, "accounts"), i, e)
    {
        const json_t *pl = json_object_get(e, "permission");
        fprintf(ctx->out, "%s%lld %s@%s", sep, (long long)int_field(e, "weight"),
                or_empty(json_string_value(json_object_get(pl, "actor"))),
                or_empty(json_string_value(json_object_get(pl, "permission"))));
        sep = ", ";
    }
    fputc('\n', ctx->out);
}

/* "          code::action" lines of linked actions ("*": every action of the contract). */
static void print_links(cps_cli_ctx *ctx, const json_t *links)
{
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l)
    {
        const char *action = json_string_value(json_object_get(l, "action"));
        fprintf(ctx->out, "          %s::%s\n",
                or_empty(json_string_value(json_object_get(l, "account"))),
                action && *action ? action : "*");
    }
}

static void print_permission_links(cps_cli_ctx *ctx, const json_t *perm, int depth)
{
    (void)depth;
    const json_t *links = json_object_get(perm, "linked_actions");
    if (!json_array_size(links)) return;
    fprintf(ctx->out, "     %s:\n", or_empty(json_string_value(json_object_get(perm, "perm_name"))));
    print_links(ctx, links);
}

/* The stake lines of a resource: own stake and others' delegations (cleos prints only the
 * delegated line when the account has no self-delegation row). */
static void print_stake(cps_cli_ctx *ctx, const json_t *a, const char *field, cps_asset *staked)
{
    cps_asset total, own;
    char t1[CPS_ASSET_STR_MAX], t2[CPS_ASSET_STR_MAX];
    if (!asset_field(json_object_get(a, "total_resources"), field, &total)) return;
    if (asset_field(json_object_get(a, "self_delegated_bandwidth"), field, &own)) {
        staked->amount = add_amounts(staked->amount, own.amount);
        cps_asset others = {total.amount - own.amount, total.symbol};
        fprintf(ctx->out, "     staked:%20s           (total stake delegated from account to self)\n",
                asset_text(&own, t1));
        fprintf(ctx->out,
                "     delegated:%17s           (total staked delegated to account from others)\n",
                asset_text(&others, t2));
    } else {
        fprintf(ctx->out,
                "     delegated:%17s           (total staked delegated to account from others)\n",
                asset_text(&total, t1));
    }
}

/* used (the current, decayed value, or the stored one marked out of date when the node gives no
 * current_used), available and limit. */
static void print_limit(cps_cli_ctx *ctx, const json_t *limit, bool time)
{
    char s[64];
    const json_t *current = json_object_get(limit, "current_used");
    pretty_amount(s, sizeof s, current ? int_field(limit, "current_used") : int_field(limit, "used"),
                  time, 5);
    fprintf(ctx->out, "     %-11s%18s%s\n", "used:", s, current ? "" : "    ( out of date )");
    pretty_amount(s, sizeof s, int_field(limit, "available"), time, 5);
    fprintf(ctx->out, "     %-11s%18s\n", "available:", s);
    pretty_amount(s, sizeof s, int_field(limit, "max"), time, 5);
    fprintf(ctx->out, "     %-11s%18s\n\n", "limit:", s);
}

/* "unstaking tokens:" for a pending refund: when it was asked, when it can be claimed (cleos
 * assumes the reference contract's 3-day delay, as does CPS's), and the amounts. */
static void print_refund(cps_cli_ctx *ctx, const json_t *a, cps_asset *unstaking)
{
    const json_t *r = json_object_get(a, "refund_request");
    cps_asset net, cpu;
    const char *when = json_string_value(json_object_get(r, "request_time"));
    if (!when || !asset_field(r, "net_amount", &net) || !asset_field(r, "cpu_amount", &cpu)) return;
    *unstaking = (cps_asset){add_amounts(net.amount, cpu.amount), net.symbol};
    if (unstaking->amount <= 0) return;
    int64_t request_us, now_us;
    const char *head = json_string_value(json_object_get(a, "head_block_time"));
    if (cps_abi_time_point_from_string(when, strlen(when), &request_us) ||
        !head || cps_abi_time_point_from_string(head, strlen(head), &now_us))
        return;
    int64_t refund_us = add_amounts(request_us, INT64_C(3) * 24 * 3600 * 1000000);
    char t1[CPS_ASSET_STR_MAX], t2[CPS_ASSET_STR_MAX], t3[CPS_ASSET_STR_MAX];
    fprintf(ctx->out, "unstaking tokens:\n     %-25s%20s", "time of unstake request:", when);
    if (now_us >= refund_us) {
        fprintf(ctx->out, " (available to claim now with 'eosio::refund' action)\n");
    } else {
        char left[64];
        pretty_amount(left, sizeof left, add_amounts(refund_us, now_us == INT64_MIN ? INT64_MAX : -now_us),
                      true, 0);
        fprintf(ctx->out, " (funds will be available in %s)\n", left);
    }
    fprintf(ctx->out, "     %-25s%18s\n     %-25s%18s\n     %-25s%18s\n\n", "from net bandwidth:",
            asset_text(&net, t1), "from cpu bandwidth:", asset_text(&cpu, t2), "total:",
            asset_text(unstaking, t3));
}

static void print_voter(cps_cli_ctx *ctx, const json_t *voter)
{
    if (!json_is_object(voter)) return;
    const char *proxy = json_string_value(json_object_get(voter, "proxy"));
    if (proxy && *proxy) {
        fprintf(ctx->out, "proxy:     %s\n", proxy);
        return;
    }
    const json_t *prods = json_object_get(voter, "producers");
    fprintf(ctx->out, "producers:");
    if (!json_array_size(prods)) {
        fprintf(ctx->out, "     <not voted>\n");
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(prods, i, p)
    {
        if (i % 3 == 0) fprintf(ctx->out, "\n     ");
        fprintf(ctx->out, "%-16s", or_empty(json_string_value(p)));
    }
    fputc('\n', ctx->out);
}

/* cleos's `get account` layout (programs/cleos/main.cpp get_account), section by section. */
static void print_account(cps_cli_ctx *ctx, const json_t *a)
{
    fprintf(ctx->out, "created: %s\n", or_empty(json_string_value(json_object_get(a, "created"))));
    if (json_is_true(json_object_get(a, "privileged"))) fprintf(ctx->out, "privileged: true\n");
    const json_t *perms = json_object_get(a, "permissions");
    fprintf(ctx->out, "permissions: \n");
    walk_permissions(ctx, perms, "", 0, print_permission);
    fprintf(ctx->out, "\npermission links: \n");
    walk_permissions(ctx, perms, "", 0, print_permission_links);
    fprintf(ctx->out, "     eosio.any: \n");
    print_links(ctx, json_object_get(a, "eosio_any_linked_actions"));
    fputc('\n', ctx->out);

    char quota[64], used[64];
    pretty_amount(quota, sizeof quota, int_field(a, "ram_quota"), false, 5);
    pretty_amount(used, sizeof used, int_field(a, "ram_usage"), false, 5);
    fprintf(ctx->out, "memory: \n     quota: %15s  used: %15s\n\n", quota, used);

    /* staked and unstaking count in the core symbol: the liquid balance's, else the stake's. */
    cps_asset liquid = {0, 0}, total_net;
    bool has_liquid = asset_field(a, "core_liquid_balance", &liquid);
    cps_symbol core = liquid.symbol;
    if (asset_field(json_object_get(a, "total_resources"), "net_weight", &total_net))
        core = total_net.symbol;
    cps_asset staked = {0, core}, unstaking = {0, core};

    fprintf(ctx->out, "net bandwidth: \n");
    print_stake(ctx, a, "net_weight", &staked);
    print_limit(ctx, json_object_get(a, "net_limit"), false);
    fprintf(ctx->out, "cpu bandwidth:\n");
    print_stake(ctx, a, "cpu_weight", &staked);
    print_limit(ctx, json_object_get(a, "cpu_limit"), true);

    const json_t *subjective = json_object_get(a, "subjective_cpu_bill_limit");
    if (json_is_object(subjective)) {
        char s[64];
        pretty_amount(s, sizeof s, int_field(subjective, "used"), true, 5);
        fprintf(ctx->out, "subjective cpu bandwidth:\n     %-11s%18s\n\n", "used:", s);
    }
    print_refund(ctx, a, &unstaking);

    if (has_liquid) {
        char code[CPS_ASSET_STR_MAX], t[4][CPS_ASSET_STR_MAX];
        cps_asset total = {add_amounts(add_amounts(liquid.amount, staked.amount), unstaking.amount),
                           liquid.symbol};
        if (cps_abi_symbol_code_to_string(cps_abi_symbol_code(liquid.symbol), code))
            snprintf(code, sizeof code, "?");
        fprintf(ctx->out,
                "%s balances: \n     %-11s%18s\n     %-11s%18s\n     %-11s%18s\n     %-11s%18s\n\n",
                code, "liquid:", asset_text(&liquid, t[0]), "staked:", asset_text(&staked, t[1]),
                "unstaking:", asset_text(&unstaking, t[2]), "total:", asset_text(&total, t[3]));
    }
    const json_t *rex = json_object_get(a, "rex_info");
    cps_asset rex_balance, vote_stake;
    if (asset_field(rex, "rex_balance", &rex_balance) && asset_field(rex, "vote_stake", &vote_stake)) {
        char code[CPS_ASSET_STR_MAX], t1[CPS_ASSET_STR_MAX], t2[CPS_ASSET_STR_MAX];
        if (cps_abi_symbol_code_to_string(cps_abi_symbol_code(rex_balance.symbol), code))
            snprintf(code, sizeof code, "?");
        fprintf(ctx->out, "%s balances: \n     %-11s%18s\n     %-11s%18s\n\n", code, "balance:",
                asset_text(&rex_balance, t1), "staked:", asset_text(&vote_stake, t2));
    }
    print_voter(ctx, json_object_get(a, "voter_info"));
    fputc('\n', ctx->out);
}

static int run_get_account(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *p = json_pack("{s:s}", "account_name", cps_cli_arg(args, 0));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    /* cleos sends the symbol as "4,SYS"; cpsd also takes a bare code. */
    const char *core = cps_cli_arg(args, 1);
    if (core && json_object_set_new(p, "expected_core_symbol", json_string(core))) {
        json_decref(p);
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "core-symbol: not valid UTF-8");
    }
    if (cps_cli_flag(args, "--json")) return call_and_print(ctx, "/v1/chain/get_account", p);
    json_t *result;
    int rc = cps_cli_call(ctx, "/v1/chain/get_account", p, &result, NULL);
    json_decref(p);
    if (rc) return CPS_CLI_EXIT_FAIL;
    print_account(ctx, result);
    json_decref(result);
    return CPS_CLI_EXIT_OK;
}

/* ---- get code / abi ----------------------------------------------------------------------- */

static int write_file(cps_cli_ctx *ctx, const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return cps_cli_error(ctx, CPS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    const uint8_t *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return cps_cli_error(ctx, CPS_ERR_IO, "cannot write %s: %s", path, strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0)
        return cps_cli_error(ctx, CPS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

static int run_get_code(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *account = cps_cli_arg(args, 0);
    const char *code_file = cps_cli_value(args, "--code");
    const char *abi_file = cps_cli_value(args, "--abi");
    json_t *p = json_pack("{s:s}", "account_name", account), *hash = NULL;
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    int rc = cps_cli_call(ctx, "/v1/chain/get_code_hash", p, &hash, NULL);
    if (rc) {
        json_decref(p);
        return CPS_CLI_EXIT_FAIL;
    }
    const char *h = json_string_value(json_object_get(hash, "code_hash"));
    fprintf(ctx->out, "code hash: %s\n", h ? h : "");
    json_decref(hash);
    int exit_code = CPS_CLI_EXIT_OK;
    if (code_file || abi_file) {
        json_t *raw = NULL;
        exit_code = CPS_CLI_EXIT_FAIL;
        if (cps_cli_call(ctx, "/v1/chain/get_raw_code_and_abi", p, &raw, NULL) == 0) {
            exit_code = CPS_CLI_EXIT_OK;
            if (code_file) {
                const char *b64 = json_string_value(json_object_get(raw, "wasm"));
                size_t len = b64 ? strlen(b64) : 0, n = 0;
                uint8_t *wasm = malloc(len + 1);
                if (!wasm || sodium_base642bin(wasm, len + 1, b64 ? b64 : "", len, NULL, &n, NULL,
                                               sodium_base64_VARIANT_ORIGINAL) != 0) {
                    exit_code = cps_cli_error(ctx, CPS_ERR_FORMAT, "the node's wasm is not base64");
                } else {
                    fprintf(ctx->out, "saving wasm to %s\n", code_file);
                    if (write_file(ctx, code_file, wasm, n)) exit_code = CPS_CLI_EXIT_FAIL;
                }
                free(wasm);
            }
            if (abi_file && exit_code == CPS_CLI_EXIT_OK) {
                /* The ABI as JSON (cleos saves get_abi's "abi"). */
                json_t *abi = NULL;
                json_t *q = json_pack("{s:s}", "account_name", account);
                if (q && cps_cli_call(ctx, "/v1/chain/get_abi", q, &abi, NULL) == 0) {
                    char *text = json_dumps(json_object_get(abi, "abi"),
                                            JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
                    cps_buf pretty;
                    cps_buf_init(&pretty);
                    if (!text || cps_cli_json_pretty(&pretty, text, strlen(text))) {
                        exit_code = cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
                    } else {
                        fprintf(ctx->out, "saving abi to %s\n", abi_file);
                        cps_write_u8(&pretty, '\n');
                        if (write_file(ctx, abi_file, pretty.data, pretty.size))
                            exit_code = CPS_CLI_EXIT_FAIL;
                    }
                    free(text);
                    cps_buf_free(&pretty);
                } else {
                    exit_code = CPS_CLI_EXIT_FAIL;
                }
                json_decref(q);
                json_decref(abi);
            }
        }
        json_decref(raw);
    }
    json_decref(p);
    return exit_code;
}

static int run_get_abi(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *p = json_pack("{s:s}", "account_name", cps_cli_arg(args, 0)), *result = NULL;
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    int rc = cps_cli_call(ctx, "/v1/chain/get_abi", p, &result, NULL);
    json_decref(p);
    if (rc) return CPS_CLI_EXIT_FAIL;
    const json_t *abi = json_object_get(result, "abi");
    char *text = json_dumps(abi ? abi : json_null(),
                            JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(result);
    if (!text) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    const char *file = cps_cli_value(args, "--file");
    int exit_code;
    if (file) {
        cps_buf pretty;
        cps_buf_init(&pretty);
        fprintf(ctx->out, "saving abi to %s\n", file);
        if (cps_cli_json_pretty(&pretty, text, strlen(text)) || cps_write_u8(&pretty, '\n'))
            exit_code = cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
        else
            exit_code = write_file(ctx, file, pretty.data, pretty.size) ? CPS_CLI_EXIT_FAIL
                                                                         : CPS_CLI_EXIT_OK;
        cps_buf_free(&pretty);
    } else {
        exit_code = cps_cli_print_json(ctx, text, strlen(text)) ? CPS_CLI_EXIT_FAIL : CPS_CLI_EXIT_OK;
    }
    free(text);
    return exit_code;
}

/* ---- tables, scopes, currency ------------------------------------------------------------- */

static int limit_value(cps_cli_ctx *ctx, const cps_cli_args *args, json_int_t *out)
{
    const char *text = cps_cli_value(args, "--limit");
    *out = 10;
    if (!text) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < 0 || v > UINT32_MAX)
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG, "--limit: expected a count, got \"%s\"", text);
    *out = v;
    return 0;
}

static int run_get_table(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_int_t limit;
    if (limit_value(ctx, args, &limit)) return CPS_CLI_EXIT_FAIL;
    const char *lower = cps_cli_value(args, "--lower"), *upper = cps_cli_value(args, "--upper");
    const char *index = cps_cli_value(args, "--index"), *key_type = cps_cli_value(args, "--key-type");
    const char *encode = cps_cli_value(args, "--encode-type");
    json_t *p = json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:b}", "json",
                          !cps_cli_flag(args, "--binary"), "code", cps_cli_arg(args, 0), "scope",
                          cps_cli_arg(args, 1), "table", cps_cli_arg(args, 2), "table_key", "",
                          "lower_bound", lower ? lower : "", "upper_bound", upper ? upper : "",
                          "limit", limit, "key_type", key_type ? key_type : "", "index_position",
                          index ? index : "", "encode_type", encode ? encode : "dec", "reverse",
                          cps_cli_flag(args, "--reverse"), "show_payer",
                          cps_cli_flag(args, "--show-payer"));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    return call_and_print(ctx, "/v1/chain/get_table_rows", p);
}

static int run_get_scope(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_int_t limit;
    if (limit_value(ctx, args, &limit)) return CPS_CLI_EXIT_FAIL;
    const char *table = cps_cli_value(args, "--table");
    const char *lower = cps_cli_value(args, "--lower"), *upper = cps_cli_value(args, "--upper");
    json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:I,s:b}", "code", cps_cli_arg(args, 0), "table",
                          table ? table : "", "lower_bound", lower ? lower : "", "upper_bound",
                          upper ? upper : "", "limit", limit, "reverse",
                          cps_cli_flag(args, "--reverse"));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    return call_and_print(ctx, "/v1/chain/get_table_by_scope", p);
}

static int run_get_currency_balance(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *symbol = cps_cli_arg(args, 2);
    json_t *p = json_pack("{s:s,s:s}", "account", cps_cli_arg(args, 1), "code", cps_cli_arg(args, 0));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    if (symbol) json_object_set_new(p, "symbol", json_string(symbol));
    if (cps_cli_flag(args, "--json")) return call_and_print(ctx, "/v1/chain/get_currency_balance", p);
    json_t *rows;
    int rc = cps_cli_call(ctx, "/v1/chain/get_currency_balance", p, &rows, NULL);
    json_decref(p);
    if (rc) return CPS_CLI_EXIT_FAIL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) fprintf(ctx->out, "%s\n", or_empty(json_string_value(r)));
    json_decref(rows);
    return CPS_CLI_EXIT_OK;
}

static int run_get_currency_stats(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    json_t *p = json_pack("{s:b,s:s,s:s}", "json", 0, "code", cps_cli_arg(args, 0), "symbol",
                          cps_cli_arg(args, 1));
    if (need(ctx, p)) return CPS_CLI_EXIT_FAIL;
    return call_and_print(ctx, "/v1/chain/get_currency_stats", p);
}

/* ---- the command table -------------------------------------------------------------------- */

static const cps_cli_positional block_positionals[] = {
    {"block", "TEXT", "The number or ID of the block to retrieve", true}, {0}};
static const cps_cli_option block_options[] = {
    {"--header-state", NULL, NULL, "Get block header state from fork database instead", false},
    {0}};
static const cps_cli_positional account_positionals[] = {
    {"name", "TEXT", "The name of the account to retrieve", true},
    {"core-symbol", "TEXT", "The expected core symbol of the chain you are querying", false},
    {0}};
static const cps_cli_option account_options[] = {
    {"-j,--json", NULL, NULL, "Output in JSON format", false}, {0}};
static const cps_cli_positional code_positionals[] = {
    {"name", "TEXT", "The name of the account whose code should be retrieved", true}, {0}};
static const cps_cli_option code_options[] = {
    {"-c,--code", "TEXT", NULL, "The name of the file to save the contract wasm to", false},
    {"-a,--abi", "TEXT", NULL, "The name of the file to save the contract .abi to", false},
    {0}};
static const cps_cli_positional abi_positionals[] = {
    {"name", "TEXT", "The name of the account whose abi should be retrieved", true}, {0}};
static const cps_cli_option abi_options[] = {
    {"-f,--file", "TEXT", NULL,
     "The name of the file to save the contract .abi to instead of writing to console", false},
    {0}};
static const cps_cli_positional table_positionals[] = {
    {"account", "TEXT", "The account who owns the table", true},
    {"scope", "TEXT", "The scope within the contract in which the table is found", true},
    {"table", "TEXT", "The name of the table as specified by the contract abi", true},
    {0}};
static const cps_cli_option table_options[] = {
    {"-b,--binary", NULL, NULL, "Return the value as BINARY rather than using abi to interpret as JSON", false},
    {"-l,--limit", "UINT", "10", "The maximum number of rows to return", false},
    {"-L,--lower", "TEXT", NULL, "JSON representation of lower bound value of key, defaults to first", false},
    {"-U,--upper", "TEXT", NULL, "JSON representation of upper bound value of key, defaults to last", false},
    {"--index", "TEXT", NULL, "Index number, 1 - primary (first), 2 - secondary index (in order defined by multi_index), 3 - third index, etc.", false},
    {"--key-type", "TEXT", NULL, "The key type of --index, primary only supports (i64), all others support (i64, i128, i256, float64, float128, ripemd160, sha256)", false},
    {"--encode-type", "TEXT", NULL, "The encoding type of key_type (i64 , i128 , float64, float128) only support decimal encoding e.g. 'dec'i256 - supports both 'dec' and 'hex', ripemd160 and sha256 is 'hex' only", false},
    {"-r,--reverse", NULL, NULL, "Iterate in reverse order", false},
    {"--show-payer", NULL, NULL, "Show RAM payer", false},
    {0}};
static const cps_cli_positional scope_positionals[] = {
    {"contract", "TEXT", "The contract who owns the table", true}, {0}};
static const cps_cli_option scope_options[] = {
    {"-t,--table", "TEXT", NULL, "The name of the table as filter", false},
    {"-l,--limit", "UINT", "10", "The maximum number of rows to return", false},
    {"-L,--lower", "TEXT", NULL, "Lower bound of scope", false},
    {"-U,--upper", "TEXT", NULL, "Upper bound of scope", false},
    {"-r,--reverse", NULL, NULL, "Iterate in reverse order", false},
    {0}};
static const cps_cli_positional balance_positionals[] = {
    {"contract", "TEXT", "The contract that operates the currency", true},
    {"account", "TEXT", "The account to query balances for", true},
    {"symbol", "TEXT", "The symbol for the currency if the contract operates multiple currencies", false},
    {0}};
static const cps_cli_option balance_options[] = {
    {"-j,--json", NULL, NULL, "Output in JSON format", false}, {0}};
static const cps_cli_positional stats_positionals[] = {
    {"contract", "TEXT", "The contract that operates the currency", true},
    {"symbol", "TEXT", "The symbol for the currency if the contract operates multiple currencies", true},
    {0}};
static const cps_cli_positional status_positionals[] = {
    {"id", "TEXT", "ID of the transaction to retrieve", true}, {0}};

static const cps_cli_command cmd_get_info = {
    .name = "info", .help = "Get current blockchain information", .run = run_get_info};
static const cps_cli_command cmd_get_block = {.name = "block",
                                              .help = "Retrieve a full block from the blockchain",
                                              .options = block_options,
                                              .positionals = block_positionals,
                                              .run = run_get_block};
static const cps_cli_command cmd_get_account = {.name = "account",
                                                .help = "Retrieve an account from the blockchain",
                                                .options = account_options,
                                                .positionals = account_positionals,
                                                .run = run_get_account};
static const cps_cli_command cmd_get_code = {.name = "code",
                                             .help = "Retrieve the code and ABI for an account",
                                             .options = code_options,
                                             .positionals = code_positionals,
                                             .run = run_get_code};
static const cps_cli_command cmd_get_abi = {.name = "abi",
                                            .help = "Retrieve the ABI for an account",
                                            .options = abi_options,
                                            .positionals = abi_positionals,
                                            .run = run_get_abi};
static const cps_cli_command cmd_get_table = {.name = "table",
                                              .help = "Retrieve the contents of a database table",
                                              .options = table_options,
                                              .positionals = table_positionals,
                                              .run = run_get_table};
static const cps_cli_command cmd_get_scope = {.name = "scope",
                                              .help = "Retrieve a list of scopes and tables owned by a contract",
                                              .options = scope_options,
                                              .positionals = scope_positionals,
                                              .run = run_get_scope};
static const cps_cli_command cmd_get_currency_balance = {
    .name = "balance",
    .help = "Retrieve the balance of an account for a given currency",
    .options = balance_options,
    .positionals = balance_positionals,
    .run = run_get_currency_balance};
static const cps_cli_command cmd_get_currency_stats = {
    .name = "stats",
    .help = "Retrieve the stats of for a given currency",
    .positionals = stats_positionals,
    .run = run_get_currency_stats};
static const cps_cli_command *const currency_subcommands[] = {&cmd_get_currency_balance,
                                                              &cmd_get_currency_stats, NULL};
static const cps_cli_command cmd_get_currency = {
    .name = "currency",
    .help = "Retrieve information related to standard currencies",
    .subcommands = currency_subcommands};
static const cps_cli_command cmd_get_transaction_status = {
    .name = "transaction-status",
    .help = "Gets current blockchain state and, if available, transaction information given the "
            "transaction id",
    .positionals = status_positionals,
    .run = run_get_transaction_status};

static const cps_cli_command *const get_subcommands[] = {
    &cmd_get_info,  &cmd_get_block, &cmd_get_account,  &cmd_get_code,
    &cmd_get_abi,   &cmd_get_table, &cmd_get_scope,    &cmd_get_currency,
    &cmd_get_transaction_status, NULL,
};

const cps_cli_command cps_cli_cmd_get = {
    .name = "get",
    .help = "Retrieve various items and information from the blockchain",
    .subcommands = get_subcommands,
};
