/* cli: the internals of the `cps` command-line program (cleos's commands, options and output):
 * the context every command receives, the table that describes commands, and shared helpers.
 *
 * Adding a command: define a `const cps_cli_command` (name, help, options, positionals,
 * subcommands or a run function) in a cmd_*.c file, declare it below and list it in the root
 * table in main.c (or in its parent's subcommand list). The parser (args.c) does the rest:
 * `--help` on every level, usage errors, global options accepted before or after the command.
 * Nothing here is a library API: it is one program's wiring, so names are cps_cli_*. */
#ifndef CPS_CLI_H
#define CPS_CLI_H

#include "abi/abi.h"
#include "base/base.h"
#include "crypto/crypto.h"

#include <jansson.h>
#include <stdio.h>

#define CPS_CLI_VERSION "v0.1.0"
#define CPS_CLI_DEFAULT_URL "http://127.0.0.1:8888/"
#define CPS_CLI_DEFAULT_WALLET_URL "http://127.0.0.1:8900/"

/* Exit codes: 0 success, 1 the command failed, 2 the command line was wrong (usage printed). */
enum { CPS_CLI_EXIT_OK = 0, CPS_CLI_EXIT_FAIL = 1, CPS_CLI_EXIT_USAGE = 2 };

/* ---- the command table -------------------------------------------------------------------- */

/* One option of a command. `names` lists its spellings as cleos's help shows them
 * ("-k,--private-key"); `value_name` is NULL for a flag. A repeatable option may be given several
 * times (all values are kept); otherwise the last one given wins, as in CLI11. */
typedef struct cps_cli_option {
    const char *names;
    const char *value_name;
    const char *default_text; /* shown in help as "TEXT=default"; NULL for none */
    const char *help;
    bool repeatable;
} cps_cli_option;

typedef struct cps_cli_positional {
    const char *name;
    const char *value_name;
    const char *help;
    bool required;
} cps_cli_positional;

typedef struct cps_cli_ctx cps_cli_ctx;
typedef struct cps_cli_args cps_cli_args;

/* A command: either a group with subcommands (one of which must be given) or a leaf with `run`.
 * Lists end with an all-zero entry (options, positionals) or NULL (subcommands). `run` returns
 * an exit code; it reports its own errors through cps_cli_error(). */
typedef struct cps_cli_command {
    const char *name;
    const char *help;
    const cps_cli_option *options;
    const cps_cli_positional *positionals;
    const struct cps_cli_command *const *subcommands;
    int (*run)(cps_cli_ctx *ctx, const cps_cli_args *args);
    /* The last positional takes that argument and every one after it (CLI11's vector
     * positionals, e.g. voteproducer's producer list); cps_cli_arg(args, i) reads them in order. */
    bool last_positional_repeats;
} cps_cli_command;

/* ---- parsed command lines ----------------------------------------------------------------- */
#define CPS_CLI_MAX_DEPTH 8

typedef struct cps_cli_given {
    const cps_cli_option *option;
    const char *value; /* NULL for a flag; borrowed from argv */
} cps_cli_given;

/* The result of parsing argv against the table. Strings are borrowed from argv; the arrays are
 * owned and freed by cps_cli_args_free. */
struct cps_cli_args {
    const cps_cli_command *path[CPS_CLI_MAX_DEPTH]; /* path[0] is the root */
    size_t depth;
    cps_cli_given *given;
    size_t given_count;
    const char **positionals;
    size_t positional_count;
    bool help; /* -h/--help was given: print the help of path[depth-1] */
};

/* Parses argv (argv[0] is skipped). On a usage error returns CPS_ERR_INVALID_ARG with a
 * cps_fail detail, and `out` still tells which command was reached (for its usage text). The
 * caller frees `out` with cps_cli_args_free in both cases. */
CPS_MUST_USE int cps_cli_parse(const cps_cli_command *root, int argc, char **argv,
                               cps_cli_args *out);
void cps_cli_args_free(cps_cli_args *args);

/* Lookups by any spelling of an option ("--file" or "-f"), searching every level of the path. */
bool cps_cli_flag(const cps_cli_args *args, const char *name);
/* The last value given for the option, or NULL. */
const char *cps_cli_value(const cps_cli_args *args, const char *name);
/* The i-th value given for a repeatable option, or NULL past the last one. */
const char *cps_cli_value_at(const cps_cli_args *args, const char *name, size_t i);
/* The i-th positional argument of the command, or NULL. */
const char *cps_cli_arg(const cps_cli_args *args, size_t i);

/* Writes CLI11-style help of the command reached in `args` ("Usage: cps convert ...",
 * "Positionals:", "Options:", "Subcommands:") to `out`. */
void cps_cli_print_help(FILE *out, const cps_cli_args *args);

/* ---- context ------------------------------------------------------------------------------ */

/* A contract ABI given with --abi-file account:path, loaded on first use. */
typedef struct cps_cli_abi_file {
    cps_name account;
    const char *path; /* borrowed from argv */
    cps_abi *abi;     /* owned; NULL until loaded */
} cps_cli_abi_file;

/* Everything a command may use; the program keeps no other state. Built by main() from the
 * global options, freed by cps_cli_ctx_free. */
struct cps_cli_ctx {
    char *url;        /* node API base URL without trailing '/'; owned */
    char *wallet_url; /* wallet service URL without trailing '/'; owned */
    bool verbose;
    FILE *out; /* results */
    FILE *err; /* errors, prompts, notices */
    cps_cli_abi_file *abi_files;
    size_t abi_file_count;
    /* Node commands set node_abis: contracts without an --abi-file then get their ABI from
     * /v1/chain/get_abi, fetched once per run (a NULL abi records a contract without one). */
    bool node_abis;
    struct cps_cli_node_abi {
        cps_name account;
        cps_abi *abi; /* owned; NULL: the account has no ABI */
    } *node_abi_cache;
    size_t node_abi_count;
};

void cps_cli_ctx_free(cps_cli_ctx *ctx);

/* Prints "Error: <message>" as one line to ctx->err (with -v, also the error code's symbol) and
 * returns CPS_CLI_EXIT_FAIL, so a command ends with `return cps_cli_error(ctx, rc, "...")`. */
int cps_cli_error(cps_cli_ctx *ctx, int code, const char *fmt, ...) CPS_PRINTF(3, 4);

/* ---- shared helpers (input.c, pretty.c) -------------------------------------------------- */

/* Prints an error as cleos prints nodeos's and keosd's: "Error <code>: <what>", then
 * "Error Details:" and the formatted detail (skipped when fmt is NULL or empty), on ctx->err.
 * Returns CPS_CLI_EXIT_FAIL. */
int cps_cli_eosio_error(cps_cli_ctx *ctx, uint32_t code, const char *what, const char *fmt, ...)
    CPS_PRINTF(4, 5);

/* Prompts on ctx->err and reads one line from standard input into buf (without its newline),
 * not echoed on a terminal, as cleos asks for passwords and keys. The caller wipes buf. */
CPS_MUST_USE int cps_cli_read_secret(cps_cli_ctx *ctx, const char *prompt, char *buf, size_t cap);

/* Writes len bytes of text to a new or truncated file readable by its owner only (0600), as
 * key and password files must be. Errors name the path and the system's reason. */
CPS_MUST_USE int cps_cli_write_secret_file(const char *path, const char *text, size_t len);

/* Reads a whole file into a NUL-terminated buffer the caller frees with free(). Files above
 * 64 MiB are refused (CPS_ERR_LIMIT). Errors name the path and the system's reason. */
CPS_MUST_USE int cps_cli_read_file(const char *path, char **data, size_t *size);

/* cleos's json_from_file_or_string: text starting with '{' or '[' (after blanks) is JSON; else,
 * if it names a regular file, the file's content; else the text itself. `what` names the
 * argument in errors ("transaction: malformed JSON at line 1, column 3: ..."). On success
 * *out is a new reference the caller json_decref()s. */
CPS_MUST_USE int cps_cli_json_from_file_or_string(const char *text, const char *what, json_t **out);

/* fc::json::to_pretty_string's layout applied to compact JSON text (what nodeos/cleos print):
 * 2-space indentation, "key": value, and fc's placement of brackets (`[{` on one line, closing
 * brackets on their own lines, empty containers as [] and {}). Appends to out. */
int cps_cli_json_pretty(cps_buf *out, const char *json, size_t n);
/* Pretty-prints compact JSON text to ctx->out followed by a newline. */
int cps_cli_print_json(cps_cli_ctx *ctx, const char *json, size_t n);

/* Records an --abi-file value ("account:path") in the context (validated, not loaded yet). */
CPS_MUST_USE int cps_cli_abi_file_add(cps_cli_ctx *ctx, const char *spec);
/* The ABI for a contract account: from --abi-file (loaded now if needed), else (with
 * ctx->node_abis) the node's, else eosio's native ABI for the account eosio, else NULL with *found = false (not an error: the caller decides).
 * Loading errors (unreadable or invalid ABI file) are returned. */
CPS_MUST_USE int cps_cli_abi_for(cps_cli_ctx *ctx, cps_name account, const cps_abi **abi,
                                 bool *found);
/* A cps_abi_resolver over the context (ctx as the void *): --abi-file ABIs, eosio's native ABI;
 * a contract without one yields NULL (its data stays hex). ABI files that fail to load also
 * yield NULL: call cps_cli_abi_files_load first to report those errors. */
const cps_abi *cps_cli_abi_resolver(void *ctx, cps_name account);
/* Loads every --abi-file given, failing on the first that cannot be read or parsed. */
CPS_MUST_USE int cps_cli_abi_files_load(cps_cli_ctx *ctx);

/* Parses a name given on the command line, with `what` naming the argument in errors. */
CPS_MUST_USE int cps_cli_parse_name(const char *text, const char *what, cps_name *out);

/* Joins an error path under an argument name: ("transaction", "actions[0].account: name ...")
 * gives "transaction.actions[0].account: name ..."; a detail not starting with a path gives
 * "transaction: detail". Returns a pointer into `buf`. */
const char *cps_cli_error_path(char *buf, size_t cap, const char *what, const char *detail);

/* ---- transactions (trx.c) ---------------------------------------------------------------- */

/* Before converting a transaction's JSON: action data given as JSON (not hex) is an error
 * without `use_abis` (it needs --pack-action-data), and with it the contract must have an ABI.
 * Errors name the action ("actions[0].data: no ABI for contract eosio.token: ..."). */
CPS_MUST_USE int cps_cli_check_action_data(cps_cli_ctx *ctx, const json_t *trx, bool use_abis);
/* Before printing a transaction with its action data decoded: a warning on ctx->err for each
 * contract without an ABI (its data stays hex). Fails only if an --abi-file cannot be loaded. */
CPS_MUST_USE int cps_cli_warn_missing_abis(cps_cli_ctx *ctx, const cps_transaction *t);
/* The signed transaction inside a packed one (decompressed and decoded into the arena;
 * signatures borrowed from `p`). */
CPS_MUST_USE int cps_cli_signed_from_packed(const cps_packed_transaction *p, cps_arena *arena,
                                            cps_signed_transaction *out);
/* What cleos's sign accepts: a plain (signed) transaction object, or a packed one (it has
 * "packed_trx"; then *was_packed). Action data as JSON is converted through the context's ABIs
 * when `use_abis`. Everything decoded lives in the arena (and borrows from `value`). */
CPS_MUST_USE int cps_cli_load_transaction(cps_cli_ctx *ctx, const json_t *value, bool use_abis,
                                          cps_arena *arena, cps_signed_transaction *out,
                                          bool *was_packed);

/* ---- the node API (http_client.c) -------------------------------------------------------- */

/* POSTs `body` to url + path over HTTP/1.1 (http:// only) and returns the status and the body
 * (NUL-terminated; caller frees *response with free()). Fails on connection errors, time-outs
 * (60 s without progress), malformed responses and bodies over 64 MiB. */
CPS_MUST_USE int cps_cli_http_post(const char *url, const char *path, const char *body,
                                   size_t body_size, int *status, char **response,
                                   size_t *response_size);
/* Calls the node API at ctx->url: `params` (borrowed; NULL for no body) as compact JSON. On a
 * 2xx reply gives the parsed value (*result, caller json_decref()s) and/or the reply text
 * (*text, caller frees), either pointer may be NULL. On failure prints the error as cleos does
 * (for nodeos error bodies: "Error <code>: <what>", "Error Details:", the details) and returns
 * CPS_CLI_EXIT_FAIL. */
CPS_MUST_USE int cps_cli_call(cps_cli_ctx *ctx, const char *path, json_t *params, json_t **result,
                              char **text);

/* The ABI the node holds for a contract (/v1/chain/get_abi), cached in ctx; *out is NULL when the
 * account has no ABI. Borrowed until cps_cli_ctx_free. Errors (unreachable node, bad ABI) are
 * returned with a detail, not printed. */
CPS_MUST_USE int cps_cli_node_abi(cps_cli_ctx *ctx, cps_name account, const cps_abi **out);

/* ---- transactions to the node (cmd_push.c) ------------------------------------------------ */

/* The transaction options every pushing command accepts (-x, -s, -d, -j, -p, --return-packed,
 * --max-cpu-usage-ms, --max-net-usage, --delay-sec); end with {0} after them is done by the
 * macro's user. */
#define CPS_CLI_TRX_OPTIONS                                                                        \
    {"-x,--expiration", "INT", "30", "Set the time in seconds before a transaction expires", false}, \
    {"-s,--skip-sign", NULL, NULL, "Specify if unlocked wallet keys should be used to sign transaction", false}, \
    {"-j,--json", NULL, NULL, "Print result as JSON", false},                                     \
    {"-d,--dont-broadcast", NULL, NULL, "Don't broadcast transaction to the network (just print to stdout)", false}, \
    {"--return-packed", NULL, NULL, "Used in conjunction with --dont-broadcast to get the packed transaction", false}, \
    {"-p,--permission", "TEXT", NULL, "An account and permission level to authorize, as in 'account@permission'", true}, \
    {"--max-cpu-usage-ms", "UINT", NULL, "Set an upper limit on the milliseconds of cpu usage budget, for the execution of the transaction (defaults to 0 which means no limit)", false}, \
    {"--max-net-usage", "UINT", NULL, "Set an upper limit on the net usage budget, in bytes, for the transaction (defaults to 0 which means no limit)", false}, \
    {"--delay-sec", "UINT", NULL, "Set the delay_sec seconds, defaults to 0s", false}

/* An authority from a public key ({threshold 1, the key with weight 1}) or from JSON text or a
 * file holding it (cleos's parse_json_authority_or_key). New reference. */
CPS_MUST_USE int cps_cli_parse_authority(const char *text, json_t **out);

/* Builds the authorization array of an action from -p values ("actor@perm"; "actor" means
 * actor@active), or from `default_actor`@`default_perm` when no -p is given (NULL: none).
 * New reference. */
CPS_MUST_USE int cps_cli_authorization(const cps_cli_args *args, const char *default_actor,
                                       const char *default_perm, json_t **out);
/* An action object {"account","name","authorization","data":hex} with `data` packed from JSON
 * through the contract's ABI (`data_json` borrowed) or given as raw bytes (data_json NULL). */
CPS_MUST_USE int cps_cli_make_action(cps_cli_ctx *ctx, const char *account, const char *name,
                                     json_t *authorization, const json_t *data_json,
                                     const uint8_t *raw, size_t raw_size, json_t **out);
/* cleos's to_asset: parses an amount ("1.5 CPS") and rescales it to the precision `contract`
 * declares for its symbol (get_currency_stats), so "1 CPS" becomes "1.0000 CPS"; more decimals
 * than the token has, or a symbol the contract lacks, is cleos's error 3010004. Writes the asset's
 * text into out (CPS_ASSET_STR_MAX bytes). Returns 0, or prints the error and returns
 * CPS_CLI_EXIT_FAIL. */
int cps_cli_to_asset(cps_cli_ctx *ctx, const char *contract, const char *text, char *out);
/* cleos's send_actions: TaPoS and expiration from get_info, signing with the wallet keys the
 * node says are required, then push (or print with -d), printing the result as cleos does.
 * `actions` is stolen. Returns the exit code. */
int cps_cli_send_actions(cps_cli_ctx *ctx, const cps_cli_args *args, json_t *actions);

/* ---- wallet keys (cmd_wallet.c) ---------------------------------------------------------- */

/* The private keys of every unlocked wallet (each wallet's session is refreshed, as any keosd
 * call resets its timer). *keys is owned by the caller, who wipes it (cps_wipe) and frees it.
 * CPS_ERR_NOT_FOUND: no wallet is open; CPS_ERR_STATE: none is unlocked. */
CPS_MUST_USE int cps_cli_wallet_unlocked_keys(cps_cli_ctx *ctx, cps_private_key **keys,
                                              size_t *count);
/* Prints a failure of cps_cli_wallet_unlocked_keys as cleos prints keosd's; returns exit code 1. */
int cps_cli_wallet_keys_error(cps_cli_ctx *ctx, int rc);

/* ---- commands ----------------------------------------------------------------------------- */
extern const cps_cli_command cps_cli_cmd_root;
extern const cps_cli_command cps_cli_cmd_version;
extern const cps_cli_command cps_cli_cmd_create;
extern const cps_cli_command cps_cli_cmd_convert;
extern const cps_cli_command cps_cli_cmd_sign;
extern const cps_cli_command cps_cli_cmd_wallet;
extern const cps_cli_command cps_cli_cmd_get;
extern const cps_cli_command cps_cli_cmd_push;
extern const cps_cli_command cps_cli_cmd_set;
extern const cps_cli_command cps_cli_cmd_transfer;
extern const cps_cli_command cps_cli_cmd_system;
extern const cps_cli_command cps_cli_cmd_create_account; /* listed under `create` */

#endif
