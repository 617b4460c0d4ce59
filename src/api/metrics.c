/* metrics: a small Prometheus registry — families of counters, gauges and histograms, children per
 * label set, lock-free updates through atomics and the text exposition format (version 0.0.4). */
#include "api/api.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };
static const char *const type_names[] = {"counter", "gauge", "histogram"};

struct family;

struct cps_api_metric {
    struct family *family;
    char *labels; /* rendered `k="v",k2="v2"`, "" without labels */
    struct cps_api_metric *next;
    /* The value of a counter or gauge, or the sample sum of a histogram, as the bits of a double:
     * C11 has no atomic add on doubles, so adds are compare-and-swap loops on these bits. */
    _Atomic uint64_t value_bits;
    size_t n_bounds;
    double *bounds;
    /* Per-bucket sample counts, not cumulative: bucket i counts samples in (bounds[i-1],
     * bounds[i]], the last one those above every bound. Rendering sums them up, and the total
     * is also the sample count, so _count and the +Inf bucket always agree. */
    _Atomic uint64_t *buckets;
};

struct family {
    char *name;
    char *help;
    enum metric_type type;
    cps_api_metric *children, **children_tail;
    struct family *next;
};

struct cps_api_metrics {
    pthread_mutex_t lock;
    struct family *families, **families_tail;
};

const double CPS_API_LATENCY_BUCKETS[CPS_API_LATENCY_BUCKETS_N] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

int cps_api_metrics_create(cps_api_metrics **out)
{
    cps_api_metrics *reg = calloc(1, sizeof *reg);
    if (!reg) return cps_fail(CPS_ERR_NOMEM, "metrics registry");
    pthread_mutex_init(&reg->lock, NULL);
    reg->families_tail = &reg->families;
    *out = reg;
    return 0;
}

void cps_api_metrics_destroy(cps_api_metrics *reg)
{
    if (!reg) return;
    struct family *f = reg->families;
    while (f) {
        struct family *next_family = f->next;
        cps_api_metric *m = f->children;
        while (m) {
            cps_api_metric *next = m->next;
            free(m->labels);
            free(m->bounds);
            free(m->buckets);
            free(m);
            m = next;
        }
        free(f->name);
        free(f->help);
        free(f);
        f = next_family;
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

static bool valid_name(const char *s, bool colon_allowed)
{
    if (!s || !*s) return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon_allowed && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

/* Label values and help texts escape backslash and newline; label values also the quote. */
static void write_escaped(cps_buf *b, const char *s, bool quote_too)
{
    for (; *s; s++) {
        if (*s == '\\')
            cps_write_bytes(b, "\\\\", 2);
        else if (*s == '\n')
            cps_write_bytes(b, "\\n", 2);
        else if (quote_too && *s == '"')
            cps_write_bytes(b, "\\\"", 2);
        else
            cps_write_u8(b, (uint8_t)*s);
    }
}

static int render_labels(const char *const *labels, bool histogram, char **out)
{
    cps_buf b = {0};
    for (size_t i = 0; labels && labels[i]; i += 2) {
        const char *key = labels[i], *value = labels[i + 1];
        if (!value) {
            cps_buf_free(&b);
            return cps_fail(CPS_ERR_INVALID_ARG, "label \"%s\" has no value", key);
        }
        if (!valid_name(key, false) || strncmp(key, "__", 2) == 0 ||
            (histogram && strcmp(key, "le") == 0)) {
            cps_buf_free(&b);
            return cps_fail(CPS_ERR_INVALID_ARG, "invalid label name \"%s\"", key);
        }
        if (i) cps_write_u8(&b, ',');
        cps_buf_printf(&b, "%s=\"", key);
        write_escaped(&b, value, true);
        cps_write_u8(&b, '"');
    }
    cps_write_u8(&b, 0);
    if (b.failed) {
        cps_buf_free(&b);
        return cps_fail(CPS_ERR_NOMEM, "metric labels");
    }
    *out = (char *)cps_buf_release(&b, NULL);
    return 0;
}

static int register_metric(cps_api_metrics *reg, enum metric_type type, const char *name,
                           const char *help, const char *const *labels, const double *bounds,
                           size_t n_bounds, cps_api_metric **out)
{
    if (!reg || !out) return cps_fail(CPS_ERR_INVALID_ARG, "metrics: NULL argument");
    if (!valid_name(name, true))
        return cps_fail(CPS_ERR_INVALID_ARG, "invalid metric name \"%s\"", name ? name : "");
    if (type == METRIC_HISTOGRAM) {
        if (!bounds || n_bounds == 0) {
            bounds = CPS_API_LATENCY_BUCKETS;
            n_bounds = CPS_API_LATENCY_BUCKETS_N;
        }
        for (size_t i = 0; i < n_bounds; i++)
            if (!isfinite(bounds[i]) || (i && !(bounds[i] > bounds[i - 1])))
                return cps_fail(CPS_ERR_INVALID_ARG,
                                "histogram %s: bucket bounds must be finite and increasing", name);
    }
    char *rendered = NULL;
    int rc = render_labels(labels, type == METRIC_HISTOGRAM, &rendered);
    if (rc) return rc;

    pthread_mutex_lock(&reg->lock);
    struct family *f = reg->families;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    if (f && f->type != type) {
        pthread_mutex_unlock(&reg->lock);
        free(rendered);
        return cps_fail(CPS_ERR_TYPE, "metric %s is a %s, not a %s", name, type_names[f->type],
                        type_names[type]);
    }
    if (f)
        for (cps_api_metric *m = f->children; m; m = m->next)
            if (strcmp(m->labels, rendered) == 0) {
                pthread_mutex_unlock(&reg->lock);
                free(rendered);
                *out = m;
                return 0;
            }

    cps_api_metric *m = calloc(1, sizeof *m);
    struct family *new_family = NULL;
    if (!m) goto nomem;
    m->labels = rendered;
    rendered = NULL;
    if (type == METRIC_HISTOGRAM) {
        m->n_bounds = n_bounds;
        m->bounds = malloc(n_bounds * sizeof *m->bounds);
        m->buckets = calloc(n_bounds + 1, sizeof *m->buckets);
        if (!m->bounds || !m->buckets) goto nomem;
        memcpy(m->bounds, bounds, n_bounds * sizeof *bounds);
        for (size_t i = 0; i <= n_bounds; i++)
            atomic_init(&m->buckets[i], 0);
    }
    atomic_init(&m->value_bits, 0); /* the bits of +0.0 */
    if (!f) {
        new_family = calloc(1, sizeof *new_family);
        if (!new_family) goto nomem;
        new_family->name = strdup(name);
        new_family->help = strdup(help ? help : "");
        if (!new_family->name || !new_family->help) goto nomem;
        new_family->type = type;
        new_family->children_tail = &new_family->children;
        *reg->families_tail = new_family;
        reg->families_tail = &new_family->next;
        f = new_family;
    }
    m->family = f;
    *f->children_tail = m;
    f->children_tail = &m->next;
    pthread_mutex_unlock(&reg->lock);
    *out = m;
    return 0;

nomem:
    pthread_mutex_unlock(&reg->lock);
    free(rendered);
    if (m) {
        free(m->labels);
        free(m->bounds);
        free(m->buckets);
        free(m);
    }
    if (new_family) {
        free(new_family->name);
        free(new_family->help);
        free(new_family);
    }
    return cps_fail(CPS_ERR_NOMEM, "metric %s", name);
}

int cps_api_metrics_counter(cps_api_metrics *reg, const char *name, const char *help,
                            const char *const *labels, cps_api_metric **out)
{
    return register_metric(reg, METRIC_COUNTER, name, help, labels, NULL, 0, out);
}

int cps_api_metrics_gauge(cps_api_metrics *reg, const char *name, const char *help,
                          const char *const *labels, cps_api_metric **out)
{
    return register_metric(reg, METRIC_GAUGE, name, help, labels, NULL, 0, out);
}

int cps_api_metrics_histogram(cps_api_metrics *reg, const char *name, const char *help,
                              const char *const *labels, const double *bounds, size_t n_bounds,
                              cps_api_metric **out)
{
    return register_metric(reg, METRIC_HISTOGRAM, name, help, labels, bounds, n_bounds, out);
}

static double bits_to_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t double_to_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

static void atomic_add_double(_Atomic uint64_t *p, double v)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(p, &old, double_to_bits(bits_to_double(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

void cps_api_metric_inc(cps_api_metric *m)
{
    cps_api_metric_add(m, 1);
}

void cps_api_metric_add(cps_api_metric *m, double v)
{
    if (!m || m->family->type == METRIC_HISTOGRAM) return;
    if (m->family->type == METRIC_COUNTER && !(v >= 0)) return;
    atomic_add_double(&m->value_bits, v);
}

void cps_api_metric_set(cps_api_metric *m, double v)
{
    if (!m || m->family->type != METRIC_GAUGE) return;
    atomic_store_explicit(&m->value_bits, double_to_bits(v), memory_order_relaxed);
}

void cps_api_metric_observe(cps_api_metric *m, double v)
{
    if (!m || m->family->type != METRIC_HISTOGRAM || isnan(v)) return;
    /* Binary search for the first bound >= v (Prometheus buckets are "less or equal"). */
    size_t lo = 0, hi = m->n_bounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->bounds[mid] >= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    atomic_fetch_add_explicit(&m->buckets[lo], 1, memory_order_relaxed);
    atomic_add_double(&m->value_bits, v);
}

double cps_api_metric_value(const cps_api_metric *m)
{
    if (!m) return 0;
    return bits_to_double(
        atomic_load_explicit(&((cps_api_metric *)m)->value_bits, memory_order_relaxed));
}

uint64_t cps_api_metric_count(const cps_api_metric *m)
{
    if (!m || m->family->type != METRIC_HISTOGRAM) return 0;
    uint64_t total = 0;
    for (size_t i = 0; i <= m->n_bounds; i++)
        total += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
    return total;
}

/* Prometheus numbers: integers as integers, other values in the shortest form that reads back
 * to the same double, and the special values spelled as the format wants them. */
static void write_number(cps_buf *b, double v)
{
    if (isnan(v)) {
        cps_write_bytes(b, "NaN", 3);
        return;
    }
    if (isinf(v)) {
        cps_write_bytes(b, v > 0 ? "+Inf" : "-Inf", 4);
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        cps_buf_printf(b, "%lld", (long long)v);
        return;
    }
    char text[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, v);
        if (strtod(text, NULL) == v) break;
    }
    cps_buf_printf(b, "%s", text);
}

static void write_series(cps_buf *b, const char *name, const char *suffix, const char *labels,
                         const char *extra_label, double extra_value, bool with_extra)
{
    cps_buf_printf(b, "%s%s", name, suffix);
    if (*labels || with_extra) {
        cps_write_u8(b, '{');
        cps_buf_printf(b, "%s", labels);
        if (with_extra) {
            if (*labels) cps_write_u8(b, ',');
            cps_buf_printf(b, "%s=\"", extra_label);
            write_number(b, extra_value);
            cps_write_u8(b, '"');
        }
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ' ');
}

int cps_api_metrics_render(cps_api_metrics *reg, cps_buf *out)
{
    pthread_mutex_lock(&reg->lock);
    for (struct family *f = reg->families; f; f = f->next) {
        cps_buf_printf(out, "# HELP %s ", f->name);
        write_escaped(out, f->help, false);
        cps_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
        for (cps_api_metric *m = f->children; m; m = m->next) {
            if (f->type != METRIC_HISTOGRAM) {
                write_series(out, f->name, "", m->labels, NULL, 0, false);
                write_number(out, cps_api_metric_value(m));
                cps_write_u8(out, '\n');
                continue;
            }
            uint64_t cumulative = 0;
            for (size_t i = 0; i <= m->n_bounds; i++) {
                cumulative += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
                write_series(out, f->name, "_bucket", m->labels, "le",
                             i < m->n_bounds ? m->bounds[i] : INFINITY, true);
                cps_buf_printf(out, "%llu\n", (unsigned long long)cumulative);
            }
            write_series(out, f->name, "_sum", m->labels, NULL, 0, false);
            write_number(out, cps_api_metric_value(m));
            cps_write_u8(out, '\n');
            write_series(out, f->name, "_count", m->labels, NULL, 0, false);
            cps_buf_printf(out, "%llu\n", (unsigned long long)cumulative);
        }
    }
    pthread_mutex_unlock(&reg->lock);
    return out->failed;
}

int cps_api_node_metrics_register(cps_api_metrics *reg, cps_api_node_metrics *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = cps_api_metrics_gauge(reg, "cps_chain_head_block_num", "Number of the head block.",
                                    NULL, &out->head_block_num)) ||
        (rc = cps_api_metrics_gauge(reg, "cps_chain_last_irreversible_block_num",
                                    "Number of the last irreversible block.", NULL,
                                    &out->last_irreversible_block_num)) ||
        (rc = cps_api_metrics_counter(reg, "cps_chain_blocks_total",
                                      "Blocks applied (produced or received).", NULL,
                                      &out->blocks_total)) ||
        (rc = cps_api_metrics_counter(reg, "cps_chain_transactions_total",
                                      "Transactions applied successfully.", NULL,
                                      &out->transactions_total)) ||
        (rc = cps_api_metrics_counter(reg, "cps_chain_transactions_failed_total",
                                      "Transactions rejected or failed.", NULL,
                                      &out->transactions_failed_total)) ||
        (rc = cps_api_metrics_counter(reg, "cps_chain_cpu_usage_us_total",
                                      "CPU billed to transactions, in microseconds.", NULL,
                                      &out->cpu_usage_us_total)) ||
        (rc = cps_api_metrics_counter(reg, "cps_chain_net_usage_bytes_total",
                                      "NET billed to transactions, in bytes.", NULL,
                                      &out->net_usage_bytes_total)))
        return rc;
    return 0;
}
