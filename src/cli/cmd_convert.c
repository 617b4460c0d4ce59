/* cmd_convert: `cps convert ...` — cleos's offline conversions between a transaction's plain JSON
 * and its packed form, and between an action's JSON data and its binary (hex) form. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Prints "Error: <what>.<path>: <detail>" from the last failure. */
static int fail_at(cps_cli_ctx *ctx, int rc, const char *what)
{
    char msg[1200];
    return cps_cli_error(ctx, rc, "%s",
                         cps_cli_error_path(msg, sizeof msg, what, cps_last_error()));
}

/* ---- pack_transaction ---------------------------------------------------------------------- */

static int run_pack_transaction(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    bool pack_data = cps_cli_flag(args, "--pack-action-data");
    json_t *value = NULL;
    cps_arena arena;
    cps_buf out;
    cps_abi_arena_init(&arena);
    cps_buf_init(&out);
    int exit_code = CPS_CLI_EXIT_FAIL;

    int rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 0), "transaction", &value);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    if (!json_is_object(value)) {
        cps_cli_error(ctx, CPS_ERR_TYPE, "transaction: expected a JSON object");
        goto done;
    }
    rc = pack_data ? cps_cli_abi_files_load(ctx) : 0;
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    cps_signed_transaction strx;
    cps_packed_transaction packed;
    rc = cps_cli_check_action_data(ctx, value, pack_data);
    if (!rc)
        rc = cps_abi_signed_transaction_from_json(value, pack_data ? cps_cli_abi_resolver : NULL,
                                                  ctx, &arena, &strx);
    if (rc) {
        fail_at(ctx, rc, "transaction");
        goto done;
    }
    rc = cps_abi_packed_transaction_make(&strx, CPS_COMPRESSION_NONE, &arena, &packed);
    if (!rc) rc = cps_abi_packed_transaction_to_json(&packed, false, NULL, NULL, &out);
    if (rc) {
        cps_cli_error(ctx, rc, "cannot pack the transaction: %s", cps_last_error());
        goto done;
    }
    cps_cli_print_json(ctx, (const char *)out.data, out.size);
    exit_code = CPS_CLI_EXIT_OK;
done:
    json_decref(value);
    cps_buf_free(&out);
    cps_abi_arena_free(&arena);
    return exit_code;
}

/* ---- unpack_transaction -------------------------------------------------------------------- */

static int run_unpack_transaction(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    bool unpack_data = cps_cli_flag(args, "--unpack-action-data");
    json_t *value = NULL;
    cps_arena arena;
    cps_buf out;
    cps_abi_arena_init(&arena);
    cps_buf_init(&out);
    int exit_code = CPS_CLI_EXIT_FAIL;

    int rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 0), "transaction", &value);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    if (!json_is_object(value)) {
        cps_cli_error(ctx, CPS_ERR_TYPE, "transaction: expected a JSON object");
        goto done;
    }
    cps_packed_transaction packed;
    cps_signed_transaction strx;
    rc = cps_abi_packed_transaction_from_json(value, NULL, NULL, &arena, &packed);
    if (!rc) rc = cps_cli_signed_from_packed(&packed, &arena, &strx);
    if (rc) {
        fail_at(ctx, rc, "transaction");
        goto done;
    }
    if (unpack_data) {
        rc = cps_cli_abi_files_load(ctx);
        if (!rc) rc = cps_cli_warn_missing_abis(ctx, &strx.trx);
        if (rc) {
            cps_cli_error(ctx, rc, "%s", cps_last_error());
            goto done;
        }
    }
    rc = cps_abi_signed_transaction_to_json(&strx, unpack_data ? cps_cli_abi_resolver : NULL, ctx,
                                            &out);
    if (rc) {
        cps_cli_error(ctx, rc, "cannot print the transaction: %s", cps_last_error());
        goto done;
    }
    cps_cli_print_json(ctx, (const char *)out.data, out.size);
    exit_code = CPS_CLI_EXIT_OK;
done:
    json_decref(value);
    cps_buf_free(&out);
    cps_abi_arena_free(&arena);
    return exit_code;
}

/* ---- pack_action_data / unpack_action_data ------------------------------------------------- */

/* The ABI named by the first argument: an ABI file (the offline form this CLI adds), or a
 * contract account whose ABI comes from --abi-file (cleos's form; cleos would fetch it from the
 * node). *owned is set when the ABI was loaded here and must be freed. `label` receives the
 * contract or file for messages. */
static int abi_from_argument(cps_cli_ctx *ctx, const char *arg, const cps_abi **abi,
                             cps_abi **owned, const char **label)
{
    struct stat st;
    *abi = NULL;
    *owned = NULL;
    *label = arg;
    if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
        char *text;
        size_t size;
        int rc = cps_cli_read_file(arg, &text, &size);
        if (rc) return rc;
        rc = cps_abi_from_json(text, size, owned);
        free(text);
        if (rc) return cps_fail_prefix(rc, "ABI file %s", arg);
        *abi = *owned;
        return 0;
    }
    cps_name account;
    if (cps_abi_name_from_string(arg, strlen(arg), &account))
        return cps_fail(CPS_ERR_NOT_FOUND,
                        "\"%s\" is neither an ABI file nor a valid contract account name", arg);
    bool found;
    int rc = cps_cli_abi_for(ctx, account, abi, &found);
    if (rc) return rc;
    if (!found)
        return cps_fail(CPS_ERR_NOT_FOUND,
                        "no ABI for contract %s: \"%s\" is not a file, and fetching a contract's "
                        "ABI needs a running node (not supported yet); give an ABI file, or "
                        "--abi-file %s:<abi file>",
                        arg, arg, arg);
    return 0;
}

/* Looks up the action's type so that an unknown action gets cleos's message. */
static int action_of(const cps_abi *abi, const char *label, bool is_file, const char *text,
                     cps_name *action)
{
    int rc = cps_cli_parse_name(text, "name", action);
    if (rc) return rc;
    if (!cps_abi_action_type(abi, *action))
        return cps_fail(CPS_ERR_NOT_FOUND, "Unknown action %s in %s %s", text,
                        is_file ? "ABI file" : "contract", label);
    return 0;
}

static int run_pack_action_data(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const cps_abi *abi;
    cps_abi *owned = NULL;
    const char *label;
    json_t *value = NULL;
    cps_buf bin, hex;
    cps_buf_init(&bin);
    cps_buf_init(&hex);
    int exit_code = CPS_CLI_EXIT_FAIL;
    cps_name action;

    int rc = abi_from_argument(ctx, cps_cli_arg(args, 0), &abi, &owned, &label);
    if (!rc) rc = action_of(abi, label, owned != NULL, cps_cli_arg(args, 1), &action);
    if (!rc)
        rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 2), "unpacked_action_data", &value);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    rc = cps_abi_action_json_to_bin(abi, action, value, &bin);
    if (!rc) rc = cps_hex_append(&hex, bin.data, bin.size);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    fprintf(ctx->out, "%s\n", cps_buf_cstr(&hex));
    exit_code = CPS_CLI_EXIT_OK;
done:
    json_decref(value);
    cps_buf_free(&bin);
    cps_buf_free(&hex);
    cps_abi_free(owned);
    return exit_code;
}

static int run_unpack_action_data(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const cps_abi *abi;
    cps_abi *owned = NULL;
    const char *label;
    uint8_t *bin = NULL;
    cps_buf json;
    cps_buf_init(&json);
    int exit_code = CPS_CLI_EXIT_FAIL;
    cps_name action;
    const char *hex = cps_cli_arg(args, 2);
    size_t hex_len = strlen(hex), bin_len = 0;

    int rc = abi_from_argument(ctx, cps_cli_arg(args, 0), &abi, &owned, &label);
    if (!rc) rc = action_of(abi, label, owned != NULL, cps_cli_arg(args, 1), &action);
    if (!rc) {
        bin = malloc(hex_len / 2 + 1);
        rc = bin ? cps_hex_decode(bin, hex_len / 2 + 1, &bin_len, hex, hex_len)
                 : cps_fail(CPS_ERR_NOMEM, "out of memory");
        if (rc) rc = cps_fail_prefix(rc, "packed_action_data");
    }
    if (!rc) rc = cps_abi_action_bin_to_json(abi, action, bin, bin_len, &json);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    cps_cli_print_json(ctx, (const char *)json.data, json.size);
    exit_code = CPS_CLI_EXIT_OK;
done:
    free(bin);
    cps_buf_free(&json);
    cps_abi_free(owned);
    return exit_code;
}

/* ---- the table ----------------------------------------------------------------------------- */

static const cps_cli_option pack_transaction_options[] = {
    {"--pack-action-data", NULL, NULL,
     "Pack all action data within transaction, needs interaction with cpsd unless --abi-file",
     false},
    {0},
};
static const cps_cli_positional pack_transaction_positionals[] = {
    {"transaction", "TEXT", "The plain signed JSON (string or file)", true},
    {0},
};
static const cps_cli_command cmd_pack_transaction = {
    .name = "pack_transaction",
    .help = "From plain signed JSON to packed form",
    .options = pack_transaction_options,
    .positionals = pack_transaction_positionals,
    .run = run_pack_transaction,
};

static const cps_cli_option unpack_transaction_options[] = {
    {"--unpack-action-data", NULL, NULL,
     "Unpack all action data within transaction, needs interaction with cpsd unless --abi-file",
     false},
    {0},
};
static const cps_cli_positional unpack_transaction_positionals[] = {
    {"transaction", "TEXT",
     "The packed transaction JSON (string or file containing packed_trx and optionally "
     "compression fields)",
     true},
    {0},
};
static const cps_cli_command cmd_unpack_transaction = {
    .name = "unpack_transaction",
    .help = "From packed to plain signed JSON form",
    .options = unpack_transaction_options,
    .positionals = unpack_transaction_positionals,
    .run = run_unpack_transaction,
};

static const cps_cli_positional pack_action_data_positionals[] = {
    {"abi", "TEXT",
     "An ABI file, or the name of the account hosting the contract (its ABI from --abi-file)",
     true},
    {"name", "TEXT", "The name of the function called by this action", true},
    {"unpacked_action_data", "TEXT", "The action data expressed as JSON (string or file)", true},
    {0},
};
static const cps_cli_command cmd_pack_action_data = {
    .name = "pack_action_data",
    .help = "From JSON action data to packed form",
    .positionals = pack_action_data_positionals,
    .run = run_pack_action_data,
};

static const cps_cli_positional unpack_action_data_positionals[] = {
    {"abi", "TEXT",
     "An ABI file, or the name of the account that hosts the contract (its ABI from --abi-file)",
     true},
    {"name", "TEXT", "The name of the function that's called by this action", true},
    {"packed_action_data", "TEXT", "The action data expressed as packed hex string", true},
    {0},
};
static const cps_cli_command cmd_unpack_action_data = {
    .name = "unpack_action_data",
    .help = "From packed to JSON action data form",
    .positionals = unpack_action_data_positionals,
    .run = run_unpack_action_data,
};

static const cps_cli_command *const convert_subcommands[] = {
    &cmd_pack_transaction,
    &cmd_unpack_transaction,
    &cmd_pack_action_data,
    &cmd_unpack_action_data,
    NULL,
};

const cps_cli_command cps_cli_cmd_convert = {
    .name = "convert",
    .help = "Pack and unpack transactions",
    .subcommands = convert_subcommands,
};
