/* genesis: nodeos's genesis_state and chain_config — defaults, JSON as --genesis-json reads it,
 * the raw binary form, validation as the controller does it, and the chain id derived from it. */
#include "chain/chain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One table drives packing, unpacking and JSON so the three cannot disagree on the field order,
 * which is FC_REFLECT's order in chain_config.hpp (the chain id depends on it). */
enum field_width { W16 = 2, W32 = 4, W64 = 8 };

struct config_field {
    const char *name;
    size_t offset;
    enum field_width width;
};

#define CONFIG_FIELD(name, width)                                                                  \
    {                                                                                              \
#name, offsetof(cps_chain_config, name), width                                             \
    }
static const struct config_field config_fields[] = {
    CONFIG_FIELD(max_block_net_usage, W64),
    CONFIG_FIELD(target_block_net_usage_pct, W32),
    CONFIG_FIELD(max_transaction_net_usage, W32),
    CONFIG_FIELD(base_per_transaction_net_usage, W32),
    CONFIG_FIELD(net_usage_leeway, W32),
    CONFIG_FIELD(context_free_discount_net_usage_num, W32),
    CONFIG_FIELD(context_free_discount_net_usage_den, W32),
    CONFIG_FIELD(max_block_cpu_usage, W32),
    CONFIG_FIELD(target_block_cpu_usage_pct, W32),
    CONFIG_FIELD(max_transaction_cpu_usage, W32),
    CONFIG_FIELD(min_transaction_cpu_usage, W32),
    CONFIG_FIELD(max_transaction_lifetime, W32),
    CONFIG_FIELD(deferred_trx_expiration_window, W32),
    CONFIG_FIELD(max_transaction_delay, W32),
    CONFIG_FIELD(max_inline_action_size, W32),
    CONFIG_FIELD(max_inline_action_depth, W16),
    CONFIG_FIELD(max_authority_depth, W16),
};
#undef CONFIG_FIELD

static uint64_t field_get(const cps_chain_config *c, const struct config_field *f)
{
    const uint8_t *p = (const uint8_t *)c + f->offset;
    switch (f->width) {
    case W16:
        return *(const uint16_t *)(const void *)p;
    case W32:
        return *(const uint32_t *)(const void *)p;
    default:
        return *(const uint64_t *)(const void *)p;
    }
}

static void field_set(cps_chain_config *c, const struct config_field *f, uint64_t v)
{
    uint8_t *p = (uint8_t *)c + f->offset;
    switch (f->width) {
    case W16:
        *(uint16_t *)(void *)p = (uint16_t)v;
        break;
    case W32:
        *(uint32_t *)(void *)p = (uint32_t)v;
        break;
    default:
        *(uint64_t *)(void *)p = v;
        break;
    }
}

static uint64_t width_max(enum field_width w)
{
    return w == W16 ? UINT16_MAX : w == W32 ? UINT32_MAX : UINT64_MAX;
}

/* ------------------------------------------------------------------------------------------
 * Defaults and validation
 * ------------------------------------------------------------------------------------------ */
void cps_chain_config_default(cps_chain_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_block_net_usage = 1024 * 1024;
    c->target_block_net_usage_pct = 10 * CPS_CHAIN_PERCENT_1;
    c->max_transaction_net_usage = 1024 * 1024 / 2;
    c->base_per_transaction_net_usage = 12;
    c->net_usage_leeway = 500;
    c->context_free_discount_net_usage_num = 20;
    c->context_free_discount_net_usage_den = 100;
    c->max_block_cpu_usage = 200000;
    c->target_block_cpu_usage_pct = 10 * CPS_CHAIN_PERCENT_1;
    c->max_transaction_cpu_usage = 3 * 200000 / 4;
    c->min_transaction_cpu_usage = 100;
    c->max_transaction_lifetime = 60 * 60;
    c->deferred_trx_expiration_window = 10 * 60;
    c->max_transaction_delay = 45 * 24 * 3600;
    c->max_inline_action_size = 512 * 1024;
    c->max_inline_action_depth = 4;
    c->max_authority_depth = 6;
}

void cps_chain_genesis_default(cps_chain_genesis *g)
{
    memset(g, 0, sizeof *g);
    g->initial_timestamp = CPS_CHAIN_DEFAULT_INITIAL_TIMESTAMP_US;
    /* The literal is a valid key (checked by the tests), so this cannot fail. */
    int rc = cps_public_key_from_string(CPS_CHAIN_DEFAULT_INITIAL_KEY,
                                        strlen(CPS_CHAIN_DEFAULT_INITIAL_KEY), &g->initial_key);
    (void)rc;
    cps_chain_config_default(&g->initial_configuration);
}

void cps_chain_genesis_development(cps_chain_genesis *g)
{
    cps_chain_genesis_default(g);
    g->initial_configuration.min_transaction_cpu_usage = CPS_CHAIN_DEV_MIN_TRANSACTION_CPU_US;
}

int cps_chain_config_validate(const cps_chain_config *c)
{
    /* Same order as chain_config::validate so the first broken rule reported is nodeos's. */
    if (c->target_block_net_usage_pct > CPS_CHAIN_PERCENT_100)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "target block net usage percentage cannot exceed 100%%");
    if (c->target_block_net_usage_pct < CPS_CHAIN_PERCENT_1 / 10)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "target block net usage percentage must be at least 0.1%%");
    if (c->target_block_cpu_usage_pct > CPS_CHAIN_PERCENT_100)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "target block cpu usage percentage cannot exceed 100%%");
    if (c->target_block_cpu_usage_pct < CPS_CHAIN_PERCENT_1 / 10)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "target block cpu usage percentage must be at least 0.1%%");
    if (!(c->max_transaction_net_usage < c->max_block_net_usage))
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "max transaction net usage must be less than max block net usage");
    if (!(c->max_transaction_cpu_usage < c->max_block_cpu_usage))
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "max transaction cpu usage must be less than max block cpu usage");
    if (!(c->base_per_transaction_net_usage < c->max_transaction_net_usage))
        return cps_fail(CPS_ERR_INVALID_ARG, "base net usage per transaction must be less than the "
                                             "max transaction net usage");
    if (c->max_transaction_net_usage - c->base_per_transaction_net_usage <
        CPS_CHAIN_MIN_NET_USAGE_DELTA_BETWEEN_BASE_AND_MAX_FOR_TRX)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "max transaction net usage must be at least %u bytes larger than base net "
                        "usage per transaction",
                        CPS_CHAIN_MIN_NET_USAGE_DELTA_BETWEEN_BASE_AND_MAX_FOR_TRX);
    if (c->context_free_discount_net_usage_den == 0)
        return cps_fail(CPS_ERR_INVALID_ARG, "net usage discount ratio for context free data "
                                             "cannot have a 0 denominator");
    if (c->context_free_discount_net_usage_num > c->context_free_discount_net_usage_den)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "net usage discount ratio for context free data cannot exceed 1");
    if (c->min_transaction_cpu_usage > c->max_transaction_cpu_usage)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "min transaction cpu usage cannot exceed max transaction cpu usage");
    /* In nodeos the subtraction is unsigned 32-bit; min <= max < max_block holds here, so it
     * cannot wrap and the comparison is the same. */
    if (!(c->max_transaction_cpu_usage < c->max_block_cpu_usage - c->min_transaction_cpu_usage))
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "max transaction cpu usage must be at less than the difference between the "
                        "max block cpu usage and the min transaction cpu usage");
    if (c->max_authority_depth < 1)
        return cps_fail(CPS_ERR_INVALID_ARG, "max authority depth should be at least 1");
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Binary forms
 * ------------------------------------------------------------------------------------------ */
int cps_chain_config_pack(cps_buf *b, const cps_chain_config *c)
{
    for (size_t i = 0; i < CPS_ARRAY_LEN(config_fields); i++) {
        const struct config_field *f = &config_fields[i];
        uint64_t v = field_get(c, f);
        switch (f->width) {
        case W16:
            cps_write_u16(b, (uint16_t)v);
            break;
        case W32:
            cps_write_u32(b, (uint32_t)v);
            break;
        default:
            cps_write_u64(b, v);
            break;
        }
    }
    return b->failed;
}

int cps_chain_config_unpack(cps_reader *r, cps_chain_config *out)
{
    cps_chain_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < CPS_ARRAY_LEN(config_fields); i++) {
        const struct config_field *f = &config_fields[i];
        int rc;
        uint64_t v = 0;
        if (f->width == W16) {
            uint16_t x = 0;
            rc = cps_read_u16(r, &x);
            v = x;
        } else if (f->width == W32) {
            uint32_t x = 0;
            rc = cps_read_u32(r, &x);
            v = x;
        } else {
            rc = cps_read_u64(r, &v);
        }
        if (rc) return cps_fail_prefix(rc, "chain_config.%s", f->name);
        field_set(&c, f, v);
    }
    *out = c;
    return 0;
}

int cps_chain_genesis_pack(cps_buf *b, const cps_chain_genesis *g)
{
    cps_write_u64(b, (uint64_t)g->initial_timestamp);
    cps_public_key_pack(b, &g->initial_key);
    return cps_chain_config_pack(b, &g->initial_configuration);
}

int cps_chain_genesis_unpack(cps_reader *r, cps_chain_genesis *out)
{
    cps_chain_genesis g;
    memset(&g, 0, sizeof g);
    uint64_t ts;
    int rc = cps_read_u64(r, &ts);
    if (rc) return cps_fail_prefix(rc, "genesis_state.initial_timestamp");
    g.initial_timestamp = (int64_t)ts;
    rc = cps_public_key_unpack(r, &g.initial_key);
    if (rc) return cps_fail_prefix(rc, "genesis_state.initial_key");
    rc = cps_chain_config_unpack(r, &g.initial_configuration);
    if (rc) return cps_fail_prefix(rc, "genesis_state.initial_configuration");
    *out = g;
    return 0;
}

int cps_chain_genesis_chain_id(const cps_chain_genesis *g, cps_checksum256 *chain_id)
{
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_chain_genesis_pack(&b, g);
    if (rc == 0)
        cps_sha256(b.data, b.size, chain_id->b);
    else
        rc = cps_fail_prefix(rc, "genesis_state: cannot pack (initial_key type %u)",
                             g->initial_key.type);
    cps_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------------------------ */

/* An unsigned integer as fc's variant conversion accepts it: a JSON integer or a string of
 * decimal digits. Stricter than fc where fc would silently wrap (negative numbers, values beyond
 * the field's width) — those are configuration mistakes, reported rather than truncated. */
static int json_uint(const json_t *v, uint64_t max, const char *path, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0)
            return cps_fail(CPS_ERR_JSON, "%s: %" JSON_INTEGER_FORMAT " is negative", path, x);
        if ((uint64_t)x > max)
            return cps_fail(CPS_ERR_JSON, "%s: %" JSON_INTEGER_FORMAT " does not fit in uint%d",
                            path, x,
                            max == UINT16_MAX   ? 16
                            : max == UINT32_MAX ? 32
                                                : 64);
        *out = (uint64_t)x;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n == 0 || n > 20)
            return cps_fail(CPS_ERR_JSON, "%s: \"%.40s\" is not an unsigned integer", path, s);
        uint64_t x = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return cps_fail(CPS_ERR_JSON, "%s: \"%.40s\" is not an unsigned integer", path, s);
            unsigned d = (unsigned)(s[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                return cps_fail(CPS_ERR_JSON, "%s: \"%s\" does not fit in uint64", path, s);
            x = x * 10 + d;
        }
        if (x > max)
            return cps_fail(CPS_ERR_JSON, "%s: %s does not fit in uint%d", path, s,
                            max == UINT16_MAX   ? 16
                            : max == UINT32_MAX ? 32
                                                : 64);
        *out = x;
        return 0;
    }
    return cps_fail(CPS_ERR_JSON, "%s: expected an unsigned integer", path);
}

static int config_from_json_at(const json_t *value, const char *prefix, cps_chain_config *inout)
{
    if (!json_is_object(value)) return cps_fail(CPS_ERR_JSON, "%s: expected an object", prefix);
    cps_chain_config c = *inout;
    for (size_t i = 0; i < CPS_ARRAY_LEN(config_fields); i++) {
        const struct config_field *f = &config_fields[i];
        const json_t *v = json_object_get(value, f->name);
        if (!v) continue; /* fc keeps the member's current value for an absent key */
        char path[128];
        snprintf(path, sizeof path, "%s.%s", prefix, f->name);
        uint64_t x = 0;
        int rc = json_uint(v, width_max(f->width), path, &x);
        if (rc) return rc;
        field_set(&c, f, x);
    }
    *inout = c;
    return 0;
}

int cps_chain_config_from_json_value(const json_t *value, cps_chain_config *inout)
{
    return config_from_json_at(value, "initial_configuration", inout);
}

int cps_chain_config_to_json(const cps_chain_config *c, cps_buf *out)
{
    cps_write_u8(out, '{');
    for (size_t i = 0; i < CPS_ARRAY_LEN(config_fields); i++) {
        const struct config_field *f = &config_fields[i];
        uint64_t v = field_get(c, f);
        /* fc's JSON writer quotes integers above 32 bits (stringify_large_ints_and_doubles). */
        const char *quote = v > 0xffffffffu ? "\"" : "";
        cps_buf_printf(out, "%s\"%s\":%s%" PRIu64 "%s", i ? "," : "", f->name, quote, v, quote);
    }
    cps_write_u8(out, '}');
    return out->failed;
}

int cps_chain_genesis_from_json_value(const json_t *value, cps_chain_genesis *out)
{
    if (!json_is_object(value)) return cps_fail(CPS_ERR_JSON, "genesis: expected a JSON object");
    cps_chain_genesis g;
    cps_chain_genesis_default(&g);

    const json_t *ts = json_object_get(value, "initial_timestamp");
    if (ts) {
        if (!json_is_string(ts))
            return cps_fail(CPS_ERR_JSON, "initial_timestamp: expected a time string such as "
                                          "\"2018-06-01T12:00:00.000\"");
        int rc =
            cps_time_parse(json_string_value(ts), json_string_length(ts), &g.initial_timestamp);
        if (rc)
            return cps_fail(CPS_ERR_JSON, "initial_timestamp: \"%.64s\" is not a valid time (%s)",
                            json_string_value(ts), cps_last_error());
        /* nodeos reads and prints this field with millisecond precision (fc's from_iso_string
         * mangles longer fractions), so a finer time could not be written back as it is hashed. */
        if (g.initial_timestamp < 0 || g.initial_timestamp % 1000 != 0)
            return cps_fail(CPS_ERR_JSON,
                            "initial_timestamp: \"%.64s\" must be after 1970 with at most "
                            "millisecond precision",
                            json_string_value(ts));
    }
    const json_t *key = json_object_get(value, "initial_key");
    if (key) {
        if (!json_is_string(key))
            return cps_fail(CPS_ERR_JSON, "initial_key: expected a public key string");
        int rc = cps_public_key_from_string(json_string_value(key), json_string_length(key),
                                            &g.initial_key);
        if (rc) return cps_fail(CPS_ERR_JSON, "initial_key: %s", cps_last_error());
    }
    const json_t *cfg = json_object_get(value, "initial_configuration");
    if (cfg) {
        int rc = config_from_json_at(cfg, "initial_configuration", &g.initial_configuration);
        if (rc) return rc;
    }
    /* The controller validates the genesis configuration before it builds the first state. */
    int rc = cps_chain_config_validate(&g.initial_configuration);
    if (rc) return cps_fail_prefix(rc, "initial_configuration");
    *out = g;
    return 0;
}

int cps_chain_genesis_from_json(const char *json, size_t len, cps_chain_genesis *out)
{
    json_error_t err;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return cps_fail(CPS_ERR_JSON, "genesis: %s at line %d, column %d", err.text, err.line,
                        err.column);
    int rc = cps_chain_genesis_from_json_value(root, out);
    json_decref(root);
    return rc;
}

int cps_chain_genesis_from_file(const char *path, cps_chain_genesis *out)
{
    enum { MAX_GENESIS_FILE = 1024 * 1024 };
    FILE *f = fopen(path, "rb");
    if (!f) return cps_fail(CPS_ERR_IO, "genesis file %s: %s", path, strerror(errno));
    char *text = malloc(MAX_GENESIS_FILE + 1);
    if (!text) {
        fclose(f);
        return cps_fail(CPS_ERR_NOMEM, "genesis file %s: out of memory", path);
    }
    size_t n = fread(text, 1, MAX_GENESIS_FILE + 1, f);
    int read_error = ferror(f);
    fclose(f);
    int rc;
    if (read_error)
        rc = cps_fail(CPS_ERR_IO, "genesis file %s: read error", path);
    else if (n > MAX_GENESIS_FILE)
        rc = cps_fail(CPS_ERR_LIMIT, "genesis file %s is larger than %d bytes", path,
                      MAX_GENESIS_FILE);
    else {
        rc = cps_chain_genesis_from_json(text, n, out);
        if (rc) cps_fail_prefix(rc, "%s", path);
    }
    free(text);
    return rc;
}

int cps_chain_genesis_to_json(const cps_chain_genesis *g, cps_buf *out)
{
    char ts[64];
    cps_time_format(ts, sizeof ts, g->initial_timestamp, true);
    char key[CPS_PUBLIC_KEY_STR_MAX];
    int rc = cps_public_key_to_string(&g->initial_key, false, key, sizeof key);
    if (rc) return rc;
    cps_buf_printf(out,
                   "{\"initial_timestamp\":\"%s\",\"initial_key\":\"%s\","
                   "\"initial_configuration\":",
                   ts, key);
    cps_chain_config_to_json(&g->initial_configuration, out);
    cps_write_u8(out, '}');
    return out->failed;
}
