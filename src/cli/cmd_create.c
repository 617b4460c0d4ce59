/* cmd_create: `cps create ...` — `create key` (a new key pair, printed as cleos prints it) and
 * `create account` (cmd_create_account.c). */
#include "cli/cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Writes the two lines cleos writes. The file gets mode 0600 (cleos leaves it to the umask):
 * it holds a private key. */
static int run_create_key(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *file = cps_cli_value(args, "--file");
    bool to_console = cps_cli_flag(args, "--to-console");
    if ((!file || !*file) && !to_console) {
        /* cleos's exact words, so scripts that look for them keep working. */
        fprintf(ctx->err,
                "ERROR: Either indicate a file using \"--file\" or pass \"--to-console\"\n");
        return CPS_CLI_EXIT_FAIL;
    }

    cps_private_key key;
    cps_public_key pub;
    char priv_text[CPS_PRIVATE_KEY_STR_MAX], pub_text[CPS_PUBLIC_KEY_STR_MAX];
    char lines[2 * CPS_PRIVATE_KEY_STR_MAX + 64];
    int rc = cps_key_generate(cps_cli_flag(args, "--r1") ? CPS_KEY_R1 : CPS_KEY_K1, &key);
    if (!rc) rc = cps_key_public(&key, &pub);
    /* Legacy forms, as cleos prints by default: WIF / EOS... for K1, PVT_R1 / PUB_R1 for R1. */
    if (!rc) rc = cps_private_key_to_string(&key, false, priv_text, sizeof priv_text);
    if (!rc) rc = cps_public_key_to_string(&pub, false, pub_text, sizeof pub_text);
    cps_private_key_wipe(&key);
    if (rc) {
        cps_wipe(priv_text, sizeof priv_text);
        return cps_cli_error(ctx, rc, "cannot create a key: %s", cps_last_error());
    }

    int len =
        snprintf(lines, sizeof lines, "Private key: %s\nPublic key: %s\n", priv_text, pub_text);
    cps_wipe(priv_text, sizeof priv_text);
    int exit_code = CPS_CLI_EXIT_OK;
    if (to_console) {
        fwrite(lines, 1, (size_t)len, ctx->out);
    } else {
        fprintf(ctx->err, "saving keys to %s\n", file);
        rc = cps_cli_write_secret_file(file, lines, (size_t)len);
        if (rc) exit_code = cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    cps_wipe(lines, sizeof lines);
    return exit_code;
}

static const cps_cli_option create_key_options[] = {
    {"--r1", NULL, NULL,
     "Generate a key using the R1 curve (iPhone), instead of the K1 curve (Bitcoin)", false},
    {"-f,--file", "TEXT", NULL,
     "Name of file to write private/public key output to. (Must be set, unless \"--to-console\" "
     "is passed",
     false},
    {"--to-console", NULL, NULL, "Print private/public keys to console.", false},
    {0},
};

static const cps_cli_command cmd_create_key = {
    .name = "key",
    .help = "Create a new keypair and print the public and private keys",
    .options = create_key_options,
    .run = run_create_key,
};

static const cps_cli_command *const create_subcommands[] = {&cmd_create_key,
                                                            &cps_cli_cmd_create_account, NULL};

const cps_cli_command cps_cli_cmd_create = {
    .name = "create",
    .help = "Create various items, on and off the blockchain",
    .subcommands = create_subcommands,
};
