/* node: the cpsd program's own pieces — options (command line and config.ini, with nodeos's
 * names), the chain's data directory chores (fresh, replay, delete), and block production on the
 * libuv loop. Only src/node includes this. */
#ifndef CPS_NODE_H
#define CPS_NODE_H

#include "api/chain_api.h"
#include "chain/consensus.h"
#include "chain/controller.h"
#include "net/net.h"

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
    cps_name producer; /* the first --producer-name */
    bool has_producer;
    /* Every --producer-name (repeatable, as nodeos's -p): the node produces in the slots the
     * active schedule gives any of them, with the matching --signature-provider key. */
    cps_name producer_names[CPS_NODE_MAX_PROVIDERS];
    size_t producer_name_count;
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
    /* P2P (--p2p-listen-endpoint, --p2p-peer-address, --p2p-max-nodes-per-host, --agent-name,
     * --max-clients): owned, freed by cps_node_options_free. */
    cps_net_config p2p;
    bool p2p_enabled; /* any P2P endpoint or peer given */
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

/* ---- P2P (net_glue.c) -----------------------------------------------------------------------
 * The node's side of src/net: the handshake's head from the controller, blocks from peers applied
 * with push_block, range sync of a node behind its peers, block requests served from the block
 * log, transactions gossiped both ways. The producer (main.c) plugs in through hooks, so that
 * this file holds no production policy beyond "do not produce while a peer is ahead". */
typedef struct cps_node_p2p cps_node_p2p;

typedef struct cps_node_p2p_hooks {
    void *ctx;
    /* Before and after a peer's block is applied: a producer sets its pending block aside first
     * and starts a new one after (rc = push_block's result). May be NULL. */
    void (*before_block)(void *ctx);
    void (*after_block)(void *ctx, int rc);
    /* A transaction from a peer, prepared on a worker (meta owned by the hook from here): a
     * producer queues it for its pending block (cps_chain_api_queue_prepared) and returns 0, or
     * an error when it is refused (duplicate, queue full). Called only while a block is pending.
     * NULL (follower): relayed at once, its keys kept for the block that will carry it. */
    int (*transaction)(void *ctx, cps_chain_trx_meta *meta);
    /* The node is no longer behind any peer (called again after each catch-up): a producer that
     * waited may start a block. May be NULL. */
    void (*synced)(void *ctx);
} cps_node_p2p_hooks;

/* Creates the P2P side on `loop` from o->p2p (borrowed: ctl, api, loop; hooks copied). The API
 * gets its transaction relay (cps_chain_api_set_relay). Caller frees with cps_node_p2p_close
 * and then runs the loop until it returns. */
CPS_MUST_USE int cps_node_p2p_create(uv_loop_t *loop, const cps_node_options *o,
                                     cps_chain_controller *ctl, cps_chain_api *api,
                                     const cps_node_p2p_hooks *hooks, cps_node_p2p **out);
/* Registers the P2P ingress counters and the controller's signature counters (recovered, cache
 * hits) in reg (borrowed; the server's /metrics registry). */
CPS_MUST_USE int cps_node_p2p_set_metrics(cps_node_p2p *p, cps_api_metrics *reg);
/* Listens and dials; prints "cpsd p2p on port N" on stdout when listening (tests read it). */
CPS_MUST_USE int cps_node_p2p_start(cps_node_p2p *p);
void cps_node_p2p_close(cps_node_p2p *p);
/* True while the node must not produce: a peer reported a head above ours, or the node has
 * peers to dial and has heard from none yet (for at most the start-up grace period). */
bool cps_node_p2p_behind(const cps_node_p2p *p);
/* The producer committed a block (raw signed_block): gossip it and update the handshake's head. */
void cps_node_p2p_block_committed(cps_node_p2p *p, const cps_buf *raw);
/* Hands blocks and votes from peers to the consensus (borrowed; required before
 * cps_node_p2p_start): blocks that do not link make the node fetch the missing ones from its
 * LIB, and forks are switched by the fork database's choice. */
void cps_node_p2p_set_consensus(cps_node_p2p *p, cps_chain_consensus *cs);
/* Gossips one of this node's finality votes. NULL p allowed. */
void cps_node_p2p_broadcast_vote(cps_node_p2p *p, const cps_chain_vote *v);
/* The head or LIB moved outside a peer's block (a vote finalized a block): new handshake head. */
void cps_node_p2p_head_changed(cps_node_p2p *p);

/* ---- consensus (consensus_glue.c) ------------------------------------------------------------
 * Opens the consensus over ctl for the node's producers (names; each votes with the signature
 * provider the active schedule names for it, else the one in the same position; dev_signer, when
 * not NULL, for all), voters' safety files in <data-dir>/finality. Caller closes it before the
 * controller. Errors: cps_chain_consensus_open's (a damaged safety file stops the node). */
CPS_MUST_USE int cps_node_consensus_open(const cps_node_options *o, cps_chain_controller *ctl,
                                         const cps_name *names, size_t name_count,
                                         const cps_node_signer *dev_signer,
                                         const cps_chain_consensus_callbacks *cb,
                                         cps_chain_consensus **out);
/* GET (or POST) /v1/chain/get_finality_evidence: LIB by the finality rule, the newest QC, the
 * consensus counters (finality latency included) and every equivocation record. *cs is read at
 * each request (main.c's pointer, NULL when not running). Before the server starts. */
CPS_MUST_USE int cps_node_finality_api_register(cps_api_server *server, cps_chain_consensus **cs,
                                                cps_chain_controller *ctl);

#endif
