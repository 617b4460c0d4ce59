/* cmd_sign: `cps sign` — signs a transaction (plain or packed JSON, as text or a file) with a
 * private key for a chain id, printing it as cleos does. Pushing and wallet keys need the node
 * and the wallet service, which later commands bring. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_chain_id(const char *text, cps_checksum256 *out)
{
    size_t len = strlen(text), n;
    if (len != 64)
        return cps_fail(CPS_ERR_FORMAT, "--chain-id: expected 64 hex digits, got %zu characters",
                        len);
    int rc = cps_hex_decode(out->b, sizeof out->b, &n, text, len);
    if (rc) return cps_fail_prefix(rc, "--chain-id");
    return 0;
}

static int run_sign(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *key_text = cps_cli_value(args, "--private-key");
    const char *public_key = cps_cli_value(args, "--public-key");
    const char *chain_text = cps_cli_value(args, "--chain-id");

    if (key_text && public_key) {
        fprintf(ctx->err,
                "ERROR: Either -k/--private-key or --public-key or none of them can be set\n");
        return CPS_CLI_EXIT_FAIL;
    }
    if (public_key)
        return cps_cli_error(ctx, CPS_ERR_UNSUPPORTED,
                             "--public-key: signing with a wallet key needs the wallet service "
                             "(%s), which cps does not support yet; use -k/--private-key",
                             ctx->wallet_url);
    if (cps_cli_flag(args, "--push-transaction"))
        return cps_cli_error(ctx, CPS_ERR_UNSUPPORTED,
                             "--push-transaction: pushing needs a running node (%s), which cps "
                             "does not support yet; sign without -p and push the output later",
                             ctx->url);
    if (!chain_text)
        return cps_cli_error(ctx, CPS_ERR_INVALID_ARG,
                             "--chain-id is required: reading the chain id from a node (%s) is "
                             "not supported yet",
                             ctx->url);
    cps_checksum256 chain_id;
    int rc = parse_chain_id(chain_text, &chain_id);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());

    json_t *value = NULL;
    cps_arena arena;
    cps_buf out;
    cps_abi_arena_init(&arena);
    cps_buf_init(&out);
    cps_private_key key;
    memset(&key, 0, sizeof key);
    char typed_key[256] = "";
    int exit_code = CPS_CLI_EXIT_FAIL;
    char msg[1200];

    rc = cps_cli_json_from_file_or_string(cps_cli_arg(args, 0), "transaction", &value);
    if (rc) {
        cps_cli_error(ctx, rc, "%s", cps_last_error());
        goto done;
    }
    /* Action data given as JSON is packed through --abi-file ABIs (cleos's sign takes hex only). */
    cps_signed_transaction strx;
    bool was_packed;
    rc = cps_cli_load_transaction(ctx, value, true, &arena, &strx, &was_packed);
    if (rc) {
        cps_cli_error(ctx, rc, "%s",
                      cps_cli_error_path(msg, sizeof msg, "transaction", cps_last_error()));
        goto done;
    }

    if (!key_text) {
        /* cleos asks for the key on the terminal when -k is not given, without echoing it. */
        rc = cps_cli_read_secret(ctx, "private key: ", typed_key, sizeof typed_key);
        if (rc) {
            cps_cli_error(ctx, rc, "no private key given on standard input");
            goto done;
        }
        key_text = typed_key;
    }
    rc = cps_private_key_from_string(key_text, strlen(key_text), &key);
    if (rc) {
        /* cleos's words, without repeating the crypto layer's own "private key: " prefix. */
        const char *detail = cps_last_error();
        if (strncmp(detail, "private key: ", 13) == 0) detail += 13;
        cps_cli_error(ctx, rc, "Invalid private key: %s", detail);
        goto done;
    }

    cps_checksum256 digest;
    cps_signature *sigs;
    rc = cps_abi_signing_digest(&chain_id, &strx, &digest);
    if (rc) {
        cps_cli_error(ctx, rc, "cannot compute the signing digest: %s", cps_last_error());
        goto done;
    }
    /* The new signature goes after those the transaction already carries, as cleos appends. */
    sigs = cps_abi_arena_alloc(&arena, (strx.signature_count + 1) * sizeof *sigs);
    if (!sigs) {
        cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (strx.signature_count) memcpy(sigs, strx.signatures, strx.signature_count * sizeof *sigs);
    rc = cps_sign(&key, digest.b, &sigs[strx.signature_count]);
    if (rc) {
        cps_cli_error(ctx, rc, "signing failed: %s", cps_last_error());
        goto done;
    }
    strx.signatures = sigs;
    strx.signature_count++;

    if (was_packed) {
        cps_packed_transaction packed;
        rc = cps_abi_packed_transaction_make(&strx, CPS_COMPRESSION_NONE, &arena, &packed);
        if (!rc) rc = cps_abi_packed_transaction_to_json(&packed, false, NULL, NULL, &out);
    } else {
        rc = cps_abi_signed_transaction_to_json(&strx, NULL, NULL, &out);
    }
    if (rc) {
        cps_cli_error(ctx, rc, "cannot print the transaction: %s", cps_last_error());
        goto done;
    }
    cps_cli_print_json(ctx, (const char *)out.data, out.size);
    exit_code = CPS_CLI_EXIT_OK;
done:
    cps_private_key_wipe(&key);
    cps_wipe(typed_key, sizeof typed_key);
    json_decref(value);
    cps_buf_free(&out);
    cps_abi_arena_free(&arena);
    return exit_code;
}

static const cps_cli_option sign_options[] = {
    {"-k,--private-key", "TEXT", NULL,
     "The private key that will be used to sign the transaction (asked for on standard input "
     "when absent)",
     false},
    {"--public-key", "TEXT", NULL,
     "Ask cps-wallet to sign with the corresponding private key of the given public key", false},
    {"-c,--chain-id", "TEXT", NULL, "The chain id that will be used to sign the transaction",
     false},
    {"-p,--push-transaction", NULL, NULL, "Push transaction after signing", false},
    {0},
};

static const cps_cli_positional sign_positionals[] = {
    {"transaction", "TEXT", "The JSON string or filename defining the transaction to sign", true},
    {0},
};

const cps_cli_command cps_cli_cmd_sign = {
    .name = "sign",
    .help = "Sign a transaction",
    .options = sign_options,
    .positionals = sign_positionals,
    .run = run_sign,
};
