/* config: the server's defaults and its options by their nodeos command-line names, so the node
 * can pass `--http-server-address 0.0.0.0:8888` and friends straight through. */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cps_api_config_defaults(cps_api_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->http_server_address = CPS_API_DEFAULT_ADDRESS;
    cfg->http_threads = 2;
    cfg->max_body_size = CPS_API_DEFAULT_MAX_BODY_SIZE;
    cfg->max_response_time_ms = 30;
    cfg->max_queue_time_ms = 10000;
    cfg->max_in_flight_requests = -1;
    cfg->keep_alive = true;
    cfg->idle_timeout_s = 60;
    cfg->max_connections = 1000;
    cfg->shutdown_grace_ms = 1000;
    cfg->validate_host = true;
}

enum option_kind { OPT_STRING, OPT_BOOL, OPT_SIZE, OPT_UINT, OPT_MILLIS, OPT_INT32 };

struct option {
    const char *name;
    enum option_kind kind;
    size_t offset;
    uint64_t max; /* for numbers */
};

#define FIELD_(f) offsetof(cps_api_config, f)
static const struct option options[] = {
    {"http-server-address", OPT_STRING, FIELD_(http_server_address), 0},
    {"http-threads", OPT_UINT, FIELD_(http_threads), 1024},
    {"max-body-size", OPT_SIZE, FIELD_(max_body_size), UINT32_MAX},
    {"http-max-body-size", OPT_SIZE, FIELD_(max_body_size), UINT32_MAX},
    {"http-max-response-time-ms", OPT_MILLIS, FIELD_(max_response_time_ms), INT32_MAX},
    {"http-max-queue-time-ms", OPT_MILLIS, FIELD_(max_queue_time_ms), INT32_MAX},
    {"http-max-in-flight-requests", OPT_INT32, FIELD_(max_in_flight_requests), INT32_MAX},
    {"http-keep-alive", OPT_BOOL, FIELD_(keep_alive), 0},
    {"verbose-http-errors", OPT_BOOL, FIELD_(verbose_http_errors), 0},
    {"http-idle-timeout-sec", OPT_UINT, FIELD_(idle_timeout_s), 86400},
    {"http-max-connections", OPT_UINT, FIELD_(max_connections), 1000000},
    {"http-shutdown-grace-ms", OPT_UINT, FIELD_(shutdown_grace_ms), 600000},
    {"access-control-allow-origin", OPT_STRING, FIELD_(access_control_allow_origin), 0},
    {"access-control-allow-headers", OPT_STRING, FIELD_(access_control_allow_headers), 0},
    {"access-control-max-age", OPT_STRING, FIELD_(access_control_max_age), 0},
    {"access-control-allow-credentials", OPT_BOOL, FIELD_(access_control_allow_credentials), 0},
    {"http-validate-host", OPT_BOOL, FIELD_(validate_host), 0},
    {"http-alias", OPT_STRING, FIELD_(http_alias), 0},
};
#undef FIELD_

const char *const CPS_API_OPTION_NAMES[] = {"http-server-address",
                                            "http-threads",
                                            "max-body-size",
                                            "http-max-body-size",
                                            "http-max-response-time-ms",
                                            "http-max-queue-time-ms",
                                            "http-max-in-flight-requests",
                                            "http-keep-alive",
                                            "verbose-http-errors",
                                            "http-idle-timeout-sec",
                                            "http-max-connections",
                                            "http-shutdown-grace-ms",
                                            "access-control-allow-origin",
                                            "access-control-allow-headers",
                                            "access-control-max-age",
                                            "access-control-allow-credentials",
                                            "http-validate-host",
                                            "http-alias",
                                            NULL};

_Static_assert(CPS_ARRAY_LEN(options) + 1 == CPS_ARRAY_LEN(CPS_API_OPTION_NAMES),
               "CPS_API_OPTION_NAMES must list every option");

static int parse_bool(const char *name, const char *v, bool *out)
{
    if (!v) {
        *out = true;
        return 0;
    }
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(yes); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "--%s: \"%s\" is not a boolean", name, v);
}

/* A decimal integer with an optional leading '-', the whole string, within [min, max]. */
static int parse_int(const char *name, const char *v, int64_t min, int64_t max, int64_t *out)
{
    if (!v || !*v) return cps_fail(CPS_ERR_INVALID_ARG, "--%s needs a number", name);
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || (v[0] != '-' && (v[0] < '0' || v[0] > '9')))
        return cps_fail(CPS_ERR_INVALID_ARG, "--%s: \"%s\" is not a number", name, v);
    if (n < min || n > max)
        return cps_fail(CPS_ERR_INVALID_ARG, "--%s: %lld is out of range [%lld, %lld]", name, n,
                        (long long)min, (long long)max);
    *out = n;
    return 0;
}

int cps_api_config_set(cps_api_config *cfg, const char *name, const char *value)
{
    if (!cfg || !name) return cps_fail(CPS_ERR_INVALID_ARG, "cps_api_config_set: NULL argument");
    const struct option *o = NULL;
    for (size_t i = 0; i < CPS_ARRAY_LEN(options); i++)
        if (strcmp(options[i].name, name) == 0) o = &options[i];
    if (!o) return cps_fail(CPS_ERR_NOT_FOUND, "unknown HTTP option --%s", name);
    char *field = (char *)cfg + o->offset;
    int64_t n;
    int rc;
    switch (o->kind) {
    case OPT_STRING:
        if (!value) return cps_fail(CPS_ERR_INVALID_ARG, "--%s needs a value", name);
        *(const char **)field = value;
        return 0;
    case OPT_BOOL:
        return parse_bool(name, value, (bool *)field);
    case OPT_SIZE:
        if ((rc = parse_int(name, value, 0, (int64_t)o->max, &n))) return rc;
        *(size_t *)field = (size_t)n;
        return 0;
    case OPT_UINT:
        if ((rc = parse_int(name, value, 0, (int64_t)o->max, &n))) return rc;
        *(unsigned *)field = (unsigned)n;
        return 0;
    case OPT_MILLIS:
        if ((rc = parse_int(name, value, -1, (int64_t)o->max, &n))) return rc;
        *(int64_t *)field = n;
        return 0;
    case OPT_INT32:
        if ((rc = parse_int(name, value, -1, (int64_t)o->max, &n))) return rc;
        *(int32_t *)field = (int32_t)n;
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "--%s", name);
}
