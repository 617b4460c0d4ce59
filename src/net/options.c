/* net: the nodeos-named P2P options (--p2p-listen-endpoint, --p2p-peer-address, ...) and the
 * "host:port" endpoint parser the node and cps_net share. */
#include "net/net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cps_net_config_init(cps_net_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->agent_name, "CPS Agent");
    c->max_nodes_per_host = 1; /* nodeos's default */
    c->max_clients = 25;       /* nodeos's default */
    c->max_message_size = CPS_NET_MAX_MESSAGE_DEFAULT;
    c->keepalive_ms = 10000;
    c->timeout_ms = 30000;
    c->handshake_timeout_ms = 5000;
    c->reconnect_min_ms = 500;
    c->reconnect_max_ms = 30000;
    c->write_queue_max = (size_t)32 << 20;
    c->dedup_capacity = 16384;
    c->ban_threshold = 100;
    c->ban_ms = 60000;
}

void cps_net_config_free(cps_net_config *c)
{
    free(c->listen_endpoint);
    for (size_t i = 0; i < c->peer_address_count; i++) free(c->peer_addresses[i]);
    free(c->peer_addresses);
    c->listen_endpoint = NULL;
    c->peer_addresses = NULL;
    c->peer_address_count = 0;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
    if (len == 0 || len > 5) return cps_fail(CPS_ERR_FORMAT, "port \"%.*s\"", (int)len, s);
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return cps_fail(CPS_ERR_FORMAT, "port \"%.*s\" is not a number", (int)len, s);
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535) return cps_fail(CPS_ERR_FORMAT, "port %u above 65535", v);
    *port = (uint16_t)v;
    return 0;
}

int cps_net_parse_endpoint(const char *s, uint16_t default_port, char *host, size_t host_cap,
                           uint16_t *port)
{
    if (!s || !host || !port || host_cap == 0) return cps_fail(CPS_ERR_INVALID_ARG, "endpoint");
    const char *h = s, *p = NULL;
    size_t hlen;
    if (s[0] == '[') {
        /* "[v6]:port": the brackets keep the address's colons apart from the port's. */
        const char *close = strchr(s, ']');
        if (!close) return cps_fail(CPS_ERR_FORMAT, "endpoint \"%s\": unclosed '['", s);
        h = s + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != 0)
            return cps_fail(CPS_ERR_FORMAT, "endpoint \"%s\": junk after ']'", s);
    } else {
        const char *colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon)
            return cps_fail(CPS_ERR_FORMAT, "endpoint \"%s\": write an IPv6 address as [addr]:port",
                            s);
        hlen = colon ? (size_t)(colon - s) : strlen(s);
        if (colon) p = colon + 1;
    }
    if (hlen == 0) return cps_fail(CPS_ERR_FORMAT, "endpoint \"%s\": empty host", s);
    if (hlen >= host_cap) return cps_fail(CPS_ERR_LIMIT, "endpoint \"%s\": host too long", s);
    for (size_t i = 0; i < hlen; i++)
        if ((unsigned char)h[i] <= ' ' || (unsigned char)h[i] >= 0x7f)
            return cps_fail(CPS_ERR_FORMAT, "endpoint \"%s\": bad character in host", s);
    uint16_t pv = default_port;
    if (p) {
        int rc = parse_port(p, strlen(p), &pv);
        if (rc) return cps_fail_prefix(rc, "endpoint \"%s\"", s);
    }
    memcpy(host, h, hlen);
    host[hlen] = 0;
    *port = pv;
    return 0;
}

static int parse_u32(const char *option, const char *value, uint32_t *out)
{
    if (!value || !*value) return cps_fail(CPS_ERR_FORMAT, "--%s: empty value", option);
    uint64_t v = 0;
    for (const char *c = value; *c; c++) {
        if (*c < '0' || *c > '9')
            return cps_fail(CPS_ERR_FORMAT, "--%s: \"%s\" is not a number", option, value);
        v = v * 10 + (uint64_t)(*c - '0');
        if (v > UINT32_MAX) return cps_fail(CPS_ERR_OVERFLOW, "--%s: %s is too large", option, value);
    }
    *out = (uint32_t)v;
    return 0;
}

static int check_endpoint(const char *option, const char *value)
{
    char host[256];
    uint16_t port;
    int rc = cps_net_parse_endpoint(value, CPS_NET_DEFAULT_PORT, host, sizeof host, &port);
    if (rc) return cps_fail_prefix(rc, "--%s", option);
    return 0;
}

int cps_net_config_set(cps_net_config *c, const char *option, const char *value)
{
    if (!c || !option) return cps_fail(CPS_ERR_INVALID_ARG, "config option");
    if (!value) return cps_fail(CPS_ERR_FORMAT, "--%s needs a value", option);
    int rc;
    if (strcmp(option, "p2p-listen-endpoint") == 0) {
        if ((rc = check_endpoint(option, value))) return rc;
        char *copy = strdup(value);
        if (!copy) return cps_fail(CPS_ERR_NOMEM, "--%s", option);
        free(c->listen_endpoint);
        c->listen_endpoint = copy;
        return 0;
    }
    if (strcmp(option, "p2p-peer-address") == 0) {
        if ((rc = check_endpoint(option, value))) return rc;
        char *copy = strdup(value);
        char **grown = copy ? realloc(c->peer_addresses,
                                      (c->peer_address_count + 1) * sizeof *c->peer_addresses)
                            : NULL;
        if (!grown) {
            free(copy);
            return cps_fail(CPS_ERR_NOMEM, "--%s", option);
        }
        c->peer_addresses = grown;
        c->peer_addresses[c->peer_address_count++] = copy;
        return 0;
    }
    if (strcmp(option, "p2p-max-nodes-per-host") == 0)
        return parse_u32(option, value, &c->max_nodes_per_host);
    if (strcmp(option, "max-clients") == 0) return parse_u32(option, value, &c->max_clients);
    if (strcmp(option, "agent-name") == 0) {
        size_t n = strlen(value);
        if (n > CPS_NET_AGENT_MAX)
            return cps_fail(CPS_ERR_LIMIT, "--agent-name: %zu bytes (at most %d)", n,
                            CPS_NET_AGENT_MAX);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
                return cps_fail(CPS_ERR_FORMAT, "--agent-name: printable ASCII only");
        memcpy(c->agent_name, value, n + 1);
        return 0;
    }
    return cps_fail(CPS_ERR_NOT_FOUND, "unknown P2P option --%s", option);
}
