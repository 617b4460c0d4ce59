/* cmd_create_account: `cps create account <creator> <name> <owner> [active]` — eosio's native
 * newaccount with keys (or JSON authorities) for owner and active, as cleos sends it. */
#include "cli/cli.h"

static int run_create_account(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    const char *creator = cps_cli_arg(args, 0), *name = cps_cli_arg(args, 1);
    const char *owner_text = cps_cli_arg(args, 2), *active_text = cps_cli_arg(args, 3);
    ctx->node_abis = true;
    cps_name check;
    int rc = cps_cli_parse_name(creator, "creator", &check);
    if (!rc) rc = cps_cli_parse_name(name, "name", &check);
    json_t *owner = NULL, *active = NULL, *data = NULL, *auth = NULL, *act = NULL, *actions = NULL;
    if (!rc) rc = cps_cli_parse_authority(owner_text, &owner);
    /* cleos gives active the owner key when no active key is given. */
    if (!rc) rc = cps_cli_parse_authority(active_text ? active_text : owner_text, &active);
    if (!rc) {
        data = json_pack("{s:s,s:s,s:O,s:O}", "creator", creator, "name", name, "owner", owner,
                         "active", active);
        actions = json_array();
        if (!data || !actions) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    }
    if (!rc) rc = cps_cli_authorization(args, creator, "active", &auth);
    if (!rc) rc = cps_cli_make_action(ctx, "eosio", "newaccount", auth, data, NULL, 0, &act);
    json_decref(owner);
    json_decref(active);
    json_decref(data);
    json_decref(auth);
    if (rc) {
        json_decref(actions);
        return cps_cli_error(ctx, rc, "%s", cps_last_error());
    }
    json_array_append_new(actions, act);
    return cps_cli_send_actions(ctx, args, actions);
}

static const cps_cli_option create_account_options[] = {CPS_CLI_TRX_OPTIONS, {0}};
static const cps_cli_positional create_account_positionals[] = {
    {"creator", "TEXT", "The name of the account creating the new account", true},
    {"name", "TEXT", "The name of the new account", true},
    {"OwnerKey", "TEXT", "The owner public key, permission level, or authority for the new account",
     true},
    {"ActiveKey", "TEXT",
     "The active public key, permission level, or authority for the new account", false},
    {0},
};

const cps_cli_command cps_cli_cmd_create_account = {
    .name = "account",
    .help = "Create a new account on the blockchain (assumes system contract does not restrict RAM usage)",
    .options = create_account_options,
    .positionals = create_account_positionals,
    .run = run_create_account,
};
