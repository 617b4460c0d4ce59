/* node: the cpsd program's own pieces — options (command line and config.ini, with nodeos's
 * names), the chain's data directory chores (fresh, replay, delete), and block production on the
 * libuv loop. Only src/node includes this. */
#ifndef CPS_NODE_H
#define CPS_NODE_H

#include "api/chain_api.h"
#include "chain/controller.h"

#include <uv.h>

#define CPS_NODE_MAX_PROVIDERS 8
#define CPS_NODE_MAX_API_OPTIONS 32

/* nodeos's --signature-provider PUBLIC=KEY:PRIVATE. */
typedef struct cps_node_signer {
    cps_public_key pub;
    cps_private_key priv;
} cps_node_signer;

typedef struct cps_node_options {
    char *data_dir;
    char *config_dir;
    char *config_file; /* -c/--config, relative to config_dir */
    char *genesis_json;
    char *genesis_timestamp;
    char *snapshot;
    cps_name producer;
    bool has_producer;
    cps_node_signer signers[CPS_NODE_MAX_PROVIDERS];
    size_t signer_count;
    bool enable_stale_production;
    bool replay, hard_replay, delete_all_blocks;
    bool print_state_hash; /* open, print "<head> <state hash>", exit (CPS) */
    char *write_snapshot;  /* open, write a snapshot of the head to this file, exit (CPS) */
    int64_t max_transaction_time_ms;
    bool log_json;
    enum cps_log_level log_level;
    /* Options for the HTTP server (cps_api_config_set names), kept as text. */
    struct {
        char *name, *value;
    } api[CPS_NODE_MAX_API_OPTIONS];
    size_t api_count;
} cps_node_options;

/* Parses argv and then config.ini (command-line values win). Prints help/version and sets
 * *exit_now for --help/--version. Errors name the option. Caller frees with
 * cps_node_options_free. */
CPS_MUST_USE int cps_node_options_parse(int argc, char **argv, cps_node_options *out,
                                        bool *exit_now);
void cps_node_options_free(cps_node_options *o);

/* EOSIO's well-known development key pair (nodeos tutorials): for development chains only. */
#define CPS_NODE_DEV_PUBLIC_KEY "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"
#define CPS_NODE_DEV_PRIVATE_KEY "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"

/* Data directory chores before the controller opens (replay.c): --delete-all-blocks removes
 * state and blocks; --replay-blockchain / --hard-replay-blockchain move the block log aside,
 * rebuild the state from genesis and push every block again with a progress line. A replay
 * interrupted by a crash resumes at the next start. On success *ctl is the open controller. */
CPS_MUST_USE int cps_node_open_chain(const cps_node_options *o, cps_chain_controller **ctl);

#endif
