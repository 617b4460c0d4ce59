/* node: cpsd's options — nodeos's names and meanings, from the command line and from
 * <config-dir>/config.ini ("name = value" lines, '#' comments, repeatable list options). */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_FLAG, OPT_VALUE };

typedef struct opt_def {
    const char *name;
    enum opt_kind kind;
    const char *help;
} opt_def;

static const opt_def NODE_OPTIONS[] = {
    {"data-dir", OPT_VALUE, "directory of the chain's state and block log"},
    {"config-dir", OPT_VALUE, "directory holding config.ini (default: <data-dir>/../config)"},
    {"config", OPT_VALUE, "configuration file name, relative to config-dir (config.ini)"},
    {"genesis-json", OPT_VALUE, "genesis file for a new chain"},
    {"genesis-timestamp", OPT_VALUE, "override the genesis timestamp of a new chain ('now' ok)"},
    {"snapshot", OPT_VALUE, "start from this state snapshot"},
    {"producer-name", OPT_VALUE, "produce blocks as this account in its schedule slots (repeatable)"},
    {"signature-provider", OPT_VALUE, "PUBLIC_KEY=KEY:PRIVATE_KEY (repeatable)"},
    {"enable-stale-production", OPT_FLAG, "produce even when the head block is old"},
    {"replay-blockchain", OPT_FLAG, "rebuild the state by replaying the block log"},
    {"hard-replay-blockchain", OPT_FLAG, "replay, repairing the block log first"},
    {"delete-all-blocks", OPT_FLAG, "delete the state and the block log, start from genesis"},
    {"max-transaction-time", OPT_VALUE,
     "CPU limit of a transaction pushed to this node, ms of billed CPU (-1: none; default 30)"},
    {"log-level", OPT_VALUE, "debug, info, warn, error (CPS)"},
    {"log-format", OPT_VALUE, "plain or json lines on stderr (CPS)"},
    {"print-state-hash", OPT_FLAG, "open the chain, print '<head> <state sha256>' and exit (CPS)"},
    {"write-snapshot", OPT_VALUE, "open the chain, write a state snapshot of the head to FILE, exit (CPS)"},
    {"p2p-listen-endpoint", OPT_VALUE, "host:port to accept P2P peers on (none: dial out only)"},
    {"p2p-peer-address", OPT_VALUE, "host:port of a peer to dial and re-dial (repeatable)"},
    {"p2p-server-address", OPT_VALUE, "accepted for nodeos compatibility (peers learn the address)"},
    {"p2p-max-nodes-per-host", OPT_VALUE, "inbound P2P connections from one IP (1)"},
    {"max-clients", OPT_VALUE, "inbound P2P connections in total (25; 0: none)"},
    {"agent-name", OPT_VALUE, "name sent in the P2P handshake (\"CPS Agent\")"},
    {"plugin", OPT_VALUE, "accepted for nodeos compatibility (every CPS facility is built in)"},
    {"help", OPT_FLAG, "this text"},
    {"version", OPT_FLAG, "print the version"},
};

static const opt_def *find_def(const char *name)
{
    for (size_t i = 0; i < CPS_ARRAY_LEN(NODE_OPTIONS); i++)
        if (!strcmp(NODE_OPTIONS[i].name, name)) return &NODE_OPTIONS[i];
    return NULL;
}

static bool is_api_option(const char *name)
{
    for (size_t i = 0; CPS_API_OPTION_NAMES[i]; i++)
        if (!strcmp(CPS_API_OPTION_NAMES[i], name)) return true;
    return false;
}

static int parse_bool(const char *name, const char *v, bool *out)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off")) {
        *out = false;
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "--%s: '%s' is not a boolean", name, v);
}

static int set_str(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
    return *field ? 0 : cps_fail(CPS_ERR_NOMEM, "options");
}

static int parse_signer(const char *v, cps_node_signer *s)
{
    /* PUBLIC=KEY:PRIVATE (nodeos also knows KEOSD:, which CPS has no wallet daemon for). */
    const char *eq = strchr(v, '=');
    if (!eq || strncmp(eq + 1, "KEY:", 4))
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "--signature-provider: expected PUBLIC_KEY=KEY:PRIVATE_KEY");
    int rc = cps_public_key_from_string(v, (size_t)(eq - v), &s->pub);
    if (!rc) rc = cps_private_key_from_string(eq + 5, strlen(eq + 5), &s->priv);
    if (rc) return cps_fail_prefix(CPS_ERR_INVALID_ARG, "--signature-provider");
    cps_public_key derived;
    if (cps_key_public(&s->priv, &derived) || cps_public_key_compare(&derived, &s->pub) != 0)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "--signature-provider: the private key does not match the public key");
    return 0;
}

/* Applies one option. `from_file` values do not override values the command line gave. */
static int apply(cps_node_options *o, const char *name, const char *value)
{
    if (is_api_option(name)) {
        if (o->api_count >= CPS_NODE_MAX_API_OPTIONS)
            return cps_fail(CPS_ERR_LIMIT, "too many HTTP options");
        o->api[o->api_count].name = strdup(name);
        o->api[o->api_count].value = value ? strdup(value) : NULL;
        o->api_count++;
        return 0;
    }
    const opt_def *d = find_def(name);
    if (!d) return cps_fail(CPS_ERR_INVALID_ARG, "unknown option --%s (see --help)", name);
    if (d->kind == OPT_VALUE && !value)
        return cps_fail(CPS_ERR_INVALID_ARG, "--%s needs a value", name);
    if (!strcmp(name, "data-dir")) return set_str(&o->data_dir, value);
    if (!strcmp(name, "config-dir")) return set_str(&o->config_dir, value);
    if (!strcmp(name, "config")) return set_str(&o->config_file, value);
    if (!strcmp(name, "genesis-json")) return set_str(&o->genesis_json, value);
    if (!strcmp(name, "genesis-timestamp")) return set_str(&o->genesis_timestamp, value);
    if (!strcmp(name, "snapshot")) return set_str(&o->snapshot, value);
    if (!strcmp(name, "producer-name")) {
        cps_name pn;
        if (cps_abi_name_from_string(value, strlen(value), &pn))
            return cps_fail_prefix(CPS_ERR_INVALID_ARG, "--producer-name");
        for (size_t i = 0; i < o->producer_name_count; i++)
            if (o->producer_names[i] == pn) return 0;
        if (o->producer_name_count >= CPS_NODE_MAX_PROVIDERS)
            return cps_fail(CPS_ERR_LIMIT, "more than %d producer names", CPS_NODE_MAX_PROVIDERS);
        if (!o->has_producer) o->producer = pn;
        o->has_producer = true;
        o->producer_names[o->producer_name_count++] = pn;
        return 0;
    }
    if (!strcmp(name, "signature-provider")) {
        if (o->signer_count >= CPS_NODE_MAX_PROVIDERS)
            return cps_fail(CPS_ERR_LIMIT, "more than %d signature providers",
                            CPS_NODE_MAX_PROVIDERS);
        return parse_signer(value, &o->signers[o->signer_count++]);
    }
    if (!strcmp(name, "enable-stale-production"))
        return parse_bool(name, value, &o->enable_stale_production);
    if (!strcmp(name, "replay-blockchain")) return parse_bool(name, value, &o->replay);
    if (!strcmp(name, "hard-replay-blockchain")) return parse_bool(name, value, &o->hard_replay);
    if (!strcmp(name, "delete-all-blocks")) return parse_bool(name, value, &o->delete_all_blocks);
    if (!strcmp(name, "print-state-hash")) return parse_bool(name, value, &o->print_state_hash);
    if (!strcmp(name, "write-snapshot")) return set_str(&o->write_snapshot, value);
    if (!strcmp(name, "max-transaction-time")) {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (*end || errno || v < -1 || v == 0)
            return cps_fail(CPS_ERR_INVALID_ARG, "--max-transaction-time: '%s' is not a positive "
                                                 "number of milliseconds (or -1)", value);
        o->max_transaction_time_ms = v;
        return 0;
    }
    if (!strcmp(name, "log-level")) {
        if (cps_log_parse_level(value, &o->log_level))
            return cps_fail(CPS_ERR_INVALID_ARG, "--log-level: '%s'", value);
        return 0;
    }
    if (!strcmp(name, "log-format")) {
        if (strcmp(value, "plain") && strcmp(value, "json"))
            return cps_fail(CPS_ERR_INVALID_ARG, "--log-format: plain or json, not '%s'", value);
        o->log_json = !strcmp(value, "json");
        return 0;
    }
    if (!strcmp(name, "p2p-server-address")) return 0;
    if (!strncmp(name, "p2p-", 4) || !strcmp(name, "agent-name") || !strcmp(name, "max-clients")) {
        int rc = cps_net_config_set(&o->p2p, name, value);
        if (rc) return rc;
        if (!strcmp(name, "p2p-listen-endpoint") || !strcmp(name, "p2p-peer-address"))
            o->p2p_enabled = true;
        return 0;
    }
    return 0; /* plugin: accepted */
}

static void print_help(void)
{
    printf("usage: cpsd [options]\n\nNode options (nodeos's names; (CPS) marks CPS's own):\n");
    for (size_t i = 0; i < CPS_ARRAY_LEN(NODE_OPTIONS); i++)
        printf("  --%-28s %s\n", NODE_OPTIONS[i].name, NODE_OPTIONS[i].help);
    printf("\nHTTP options (see docs/api.md):\n");
    for (size_t i = 0; CPS_API_OPTION_NAMES[i]; i++) printf("  --%s\n", CPS_API_OPTION_NAMES[i]);
    printf("\nEvery option can also be written as `name = value` in <config-dir>/config.ini.\n");
}

/* Reads config.ini: "name = value" per line; a missing file is fine. Values the command line
 * set take precedence because the file is applied first. */
static int load_config(cps_node_options *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : cps_fail(CPS_ERR_IO, "%s: %s", path, strerror(errno));
    char line[4096];
    int lineno = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        char *end = s + strlen(s);
        while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = cps_fail(CPS_ERR_FORMAT, "%s:%d: expected 'name = value'", path, lineno);
            break;
        }
        char *ne = eq;
        while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
        *ne = 0;
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t') v++;
        if (!strcmp(s, "config-dir") || !strcmp(s, "config") || !strcmp(s, "data-dir")) {
            if (!strcmp(s, "data-dir") && !o->data_dir) rc = set_str(&o->data_dir, v);
            continue;
        }
        rc = apply(o, s, v);
        if (rc) cps_fail_prefix(rc, "%s:%d", path, lineno);
    }
    fclose(f);
    return rc;
}

int cps_node_options_parse(int argc, char **argv, cps_node_options *o, bool *exit_now)
{
    memset(o, 0, sizeof *o);
    cps_net_config_init(&o->p2p);
    o->log_level = CPS_LOG_INFO;
    o->max_transaction_time_ms = 30;
    *exit_now = false;
    /* Pass 1: where the configuration lives, and help/version. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help();
            *exit_now = true;
            return 0;
        }
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
            printf("v0.1.0\n");
            *exit_now = true;
            return 0;
        }
    }
    /* Pass 2: the command line, collected as name/value pairs. */
    int rc = 0;
    char **names = calloc((size_t)argc + 1, sizeof *names);
    char **values = calloc((size_t)argc + 1, sizeof *values);
    int n = 0;
    if (!names || !values) rc = cps_fail(CPS_ERR_NOMEM, "options");
    for (int i = 1; !rc && i < argc; i++) {
        const char *a = argv[i];
        const char *name;
        if (!strcmp(a, "-d")) name = "data-dir";
        else if (!strcmp(a, "-c")) name = "config";
        else if (!strcmp(a, "-p")) name = "producer-name";
        else if (!strcmp(a, "-e")) name = "enable-stale-production";
        else if (!strncmp(a, "--", 2)) name = a + 2;
        else {
            rc = cps_fail(CPS_ERR_INVALID_ARG, "unexpected argument '%s'", a);
            break;
        }
        char *nm = strdup(name);
        char *eq = nm ? strchr(nm, '=') : NULL;
        const char *value = NULL;
        if (eq) {
            *eq = 0;
            value = eq + 1;
        }
        const opt_def *d = nm ? find_def(nm) : NULL;
        bool takes_value = d ? d->kind == OPT_VALUE : (nm && is_api_option(nm));
        if (!eq && takes_value && i + 1 < argc) value = argv[++i];
        /* API booleans may be bare flags. */
        names[n] = nm;
        values[n] = value ? strdup(value) : NULL;
        n++;
    }
    for (int i = 0; !rc && i < n; i++) {
        if (!strcmp(names[i], "data-dir")) rc = set_str(&o->data_dir, values[i] ? values[i] : "");
        else if (!strcmp(names[i], "config-dir"))
            rc = set_str(&o->config_dir, values[i] ? values[i] : "");
        else if (!strcmp(names[i], "config")) rc = set_str(&o->config_file, values[i] ? values[i] : "");
    }
    if (!rc && !o->data_dir) {
        const char *home = getenv("HOME");
        char path[4096];
        snprintf(path, sizeof path, "%s/.local/share/cps/cpsd/data", home ? home : ".");
        rc = set_str(&o->data_dir, path);
    }
    if (!rc && !o->config_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/../config", o->data_dir);
        rc = set_str(&o->config_dir, path);
    }
    /* Pass 3: config.ini, then the command line over it. */
    if (!rc) {
        char path[4200];
        const char *file = o->config_file ? o->config_file : "config.ini";
        if (file[0] == '/') snprintf(path, sizeof path, "%s", file);
        else snprintf(path, sizeof path, "%s/%s", o->config_dir, file);
        rc = load_config(o, path);
    }
    for (int i = 0; !rc && i < n; i++) {
        if (!strcmp(names[i], "data-dir") || !strcmp(names[i], "config-dir") ||
            !strcmp(names[i], "config"))
            continue;
        rc = apply(o, names[i], values[i]);
    }
    for (int i = 0; i < n; i++) {
        free(names[i]);
        free(values[i]);
    }
    free(names);
    free(values);
    return rc;
}

void cps_node_options_free(cps_node_options *o)
{
    free(o->data_dir);
    free(o->config_dir);
    free(o->config_file);
    free(o->genesis_json);
    free(o->genesis_timestamp);
    free(o->snapshot);
    free(o->write_snapshot);
    for (size_t i = 0; i < o->api_count; i++) {
        free(o->api[i].name);
        free(o->api[i].value);
    }
    for (size_t i = 0; i < o->signer_count; i++) cps_private_key_wipe(&o->signers[i].priv);
    cps_net_config_free(&o->p2p);
    memset(o, 0, sizeof *o);
}
