/* main: the `cps` program (CPS's cleos) — the root of the command table, the global options
 * (-u/--url, --wallet-url, --abi-file, -v, --version) and dispatch to the chosen command. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const cps_cli_option root_options[] = {
    {"-u,--url", "TEXT", CPS_CLI_DEFAULT_URL, "The http/https URL where cpsd is running", false},
    {"--wallet-url", "TEXT", CPS_CLI_DEFAULT_WALLET_URL,
     "The http/https URL where cps-wallet is running", false},
    {"--abi-file", "TEXT", NULL,
     "In form of <contract name>:<abi file path>, use a local abi file for serialization and "
     "deserialization instead of getting the abi data from the blockchain; repeat this option to "
     "pass multiple abi files for different contracts",
     true},
    {"-v,--verbose", NULL, NULL, "Output verbose errors (with the CPS error code)", false},
    {"--version", NULL, NULL, "Print the client version and exit", false},
    {0},
};

/* The top-level commands. The node-facing ones (get, push, set, wallet, system, ...) join this
 * list as they are written. */
static const cps_cli_command *const root_subcommands[] = {
    &cps_cli_cmd_version, &cps_cli_cmd_create, &cps_cli_cmd_convert,
    &cps_cli_cmd_sign,    &cps_cli_cmd_wallet, &cps_cli_cmd_get,
    &cps_cli_cmd_push,    &cps_cli_cmd_set,    &cps_cli_cmd_transfer, &cps_cli_cmd_system,
    NULL,
};

/* `--version` works without a subcommand, so the root has a run function that only answers it
 * (and otherwise says that a subcommand is needed). */
static int run_root(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    if (cps_cli_flag(args, "--version")) {
        fprintf(ctx->out, "%s\n", CPS_CLI_VERSION);
        return CPS_CLI_EXIT_OK;
    }
    fprintf(ctx->err, "Error: a subcommand is required\n");
    cps_cli_print_help(ctx->err, args);
    return CPS_CLI_EXIT_USAGE;
}

const cps_cli_command cps_cli_cmd_root = {
    .name = "cps",
    .help = "Command Line Interface to CPS Client",
    .options = root_options,
    .subcommands = root_subcommands,
    .run = run_root,
};

/* ---- version ------------------------------------------------------------------------------ */

static int run_version_client(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    (void)args;
    fprintf(ctx->out, "%s\n", CPS_CLI_VERSION);
    return CPS_CLI_EXIT_OK;
}

static const cps_cli_command cmd_version_client = {
    .name = "client",
    .help = "Retrieve basic version information of the client",
    .run = run_version_client,
};

static const cps_cli_command *const version_subcommands[] = {&cmd_version_client, NULL};

const cps_cli_command cps_cli_cmd_version = {
    .name = "version",
    .help = "Retrieve version information",
    .subcommands = version_subcommands,
};

/* ---- wiring ------------------------------------------------------------------------------- */

/* cleos stores URLs without their trailing '/'. */
static char *url_without_slash(const char *url)
{
    size_t n = strlen(url);
    if (n && url[n - 1] == '/') n--;
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, url, n);
    copy[n] = '\0';
    return copy;
}

static int apply_global_options(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *url = cps_cli_value(args, "--url");
    const char *wallet_url = cps_cli_value(args, "--wallet-url");
    ctx->url = url_without_slash(url ? url : CPS_CLI_DEFAULT_URL);
    ctx->wallet_url = url_without_slash(wallet_url ? wallet_url : CPS_CLI_DEFAULT_WALLET_URL);
    if (!ctx->url || !ctx->wallet_url) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    ctx->verbose = cps_cli_flag(args, "--verbose");
    const char *spec;
    for (size_t i = 0; (spec = cps_cli_value_at(args, "--abi-file", i)) != NULL; i++) {
        int rc = cps_cli_abi_file_add(ctx, spec);
        if (rc) return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cps_cli_ctx ctx = {.out = stdout, .err = stderr};
    cps_cli_args args;
    int exit_code;

    int rc = cps_cli_parse(&cps_cli_cmd_root, argc, argv, &args);
    if (args.help) {
        cps_cli_print_help(stdout, &args);
        exit_code = CPS_CLI_EXIT_OK;
    } else if (rc) {
        fprintf(stderr, "Error: %s\n", cps_last_error());
        cps_cli_print_help(stderr, &args);
        exit_code = CPS_CLI_EXIT_USAGE;
    } else if ((rc = apply_global_options(&ctx, &args)) != 0) {
        fprintf(stderr, "Error: %s\n", cps_last_error());
        exit_code = CPS_CLI_EXIT_USAGE;
    } else {
        const cps_cli_command *cmd = args.path[args.depth - 1];
        exit_code = cmd->run(&ctx, &args);
    }
    if (fflush(stdout) != 0 && exit_code == CPS_CLI_EXIT_OK) exit_code = CPS_CLI_EXIT_FAIL;
    cps_cli_args_free(&args);
    cps_cli_ctx_free(&ctx);
    return exit_code;
}
