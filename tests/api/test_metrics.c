/* The Prometheus registry: exact text output for each metric type, label escaping, name rules,
 * re-registration, number forms and exact counts under concurrent updates. */
#include "api/api.h"
#include "test.h"

#include <math.h>
#include <pthread.h>

TEST(counter_and_gauge_render_exactly)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    cps_api_metric *c, *g, *g2;
    ASSERT_OK(cps_api_metrics_counter(reg, "cps_test_total", "Things counted.", NULL, &c));
    ASSERT_OK(cps_api_metrics_gauge(reg, "cps_test_level", "A level\nwith \\ newline.",
                                    (const char *[]){"node", "a", NULL}, &g));
    ASSERT_OK(cps_api_metrics_gauge(reg, "cps_test_level", "ignored",
                                    (const char *[]){"node", "b\"q\\\n", NULL}, &g2));
    cps_api_metric_inc(c);
    cps_api_metric_add(c, 2.5);
    cps_api_metric_add(c, -10); /* counters never go down */
    cps_api_metric_set(g, 42);
    cps_api_metric_set(g2, -0.125);
    cps_api_metric_set(c, 1000); /* not a gauge: ignored */
    cps_buf b = {0};
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "# HELP cps_test_total Things counted.\n"
                                    "# TYPE cps_test_total counter\n"
                                    "cps_test_total 3.5\n"
                                    "# HELP cps_test_level A level\\nwith \\\\ newline.\n"
                                    "# TYPE cps_test_level gauge\n"
                                    "cps_test_level{node=\"a\"} 42\n"
                                    "cps_test_level{node=\"b\\\"q\\\\\\n\"} -0.125\n");
    ASSERT(cps_api_metric_value(c) == 3.5);
    cps_buf_free(&b);
    cps_api_metrics_destroy(reg);
}

TEST(histogram_renders_cumulative_buckets)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    cps_api_metric *h;
    const double bounds[] = {0.1, 1, 10};
    ASSERT_OK(cps_api_metrics_histogram(reg, "cps_test_seconds", "Durations.",
                                        (const char *[]){"endpoint", "/x", NULL}, bounds, 3, &h));
    double samples[] = {0.05, 0.1, 0.5, 2, 20, 30};
    for (size_t i = 0; i < CPS_ARRAY_LEN(samples); i++)
        cps_api_metric_observe(h, samples[i]);
    cps_api_metric_observe(h, NAN); /* not a sample */
    cps_buf b = {0};
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "# HELP cps_test_seconds Durations.\n"
                                    "# TYPE cps_test_seconds histogram\n"
                                    "cps_test_seconds_bucket{endpoint=\"/x\",le=\"0.1\"} 2\n"
                                    "cps_test_seconds_bucket{endpoint=\"/x\",le=\"1\"} 3\n"
                                    "cps_test_seconds_bucket{endpoint=\"/x\",le=\"10\"} 4\n"
                                    "cps_test_seconds_bucket{endpoint=\"/x\",le=\"+Inf\"} 6\n"
                                    "cps_test_seconds_sum{endpoint=\"/x\"} 52.65\n"
                                    "cps_test_seconds_count{endpoint=\"/x\"} 6\n");
    ASSERT_EQ(cps_api_metric_count(h), 6);
    cps_buf_free(&b);
    cps_api_metrics_destroy(reg);
}

TEST(default_buckets_and_special_numbers)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    cps_api_metric *h, *g;
    ASSERT_OK(cps_api_metrics_histogram(reg, "lat", "", NULL, NULL, 0, &h));
    ASSERT_OK(cps_api_metrics_gauge(reg, "g", "", NULL, &g));
    cps_api_metric_set(g, INFINITY);
    cps_buf b = {0};
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "lat_bucket{le=\"0.0001\"} 0\n");
    ASSERT_CONTAINS(cps_buf_cstr(&b), "lat_bucket{le=\"0.00025\"} 0\n");
    ASSERT_CONTAINS(cps_buf_cstr(&b), "lat_bucket{le=\"10\"} 0\n");
    ASSERT_CONTAINS(cps_buf_cstr(&b), "lat_count 0\n");
    ASSERT_CONTAINS(cps_buf_cstr(&b), "g +Inf\n");
    cps_api_metric_set(g, NAN);
    cps_api_metric_add(g, 0); /* NaN stays NaN */
    cps_buf_reset(&b);
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "g NaN\n");
    cps_api_metric_set(g, 0.1);
    cps_buf_reset(&b);
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "g 0.1\n");
    cps_api_metric_set(g, 1e300);
    cps_buf_reset(&b);
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "g 1e+300\n");
    cps_buf_free(&b);
    cps_api_metrics_destroy(reg);
}

TEST(registration_rules)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    cps_api_metric *a, *b;
    ASSERT_OK(cps_api_metrics_counter(reg, "x_total", "", (const char *[]){"k", "v", NULL}, &a));
    ASSERT_OK(cps_api_metrics_counter(reg, "x_total", "", (const char *[]){"k", "v", NULL}, &b));
    ASSERT(a == b);
    ASSERT_OK(cps_api_metrics_counter(reg, "x_total", "", (const char *[]){"k", "w", NULL}, &b));
    ASSERT(a != b);
    ASSERT_EQ(cps_api_metrics_gauge(reg, "x_total", "", NULL, &b), CPS_ERR_TYPE);
    const char *bad_names[] = {"", "1abc", "a-b", "a b", "é"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(bad_names); i++)
        ASSERT_EQ(cps_api_metrics_counter(reg, bad_names[i], "", NULL, &b), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_api_metrics_counter(reg, "ns:sub_name1", "", NULL, &b));
    ASSERT_EQ(cps_api_metrics_counter(reg, "y", "", (const char *[]){"__reserved", "v", NULL}, &b),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_metrics_counter(reg, "y", "", (const char *[]){"a:b", "v", NULL}, &b),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_metrics_counter(reg, "y", "", (const char *[]){"k", NULL}, &b),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(
        cps_api_metrics_histogram(reg, "h", "", (const char *[]){"le", "1", NULL}, NULL, 0, &b),
        CPS_ERR_INVALID_ARG);
    const double unordered[] = {1, 0.5};
    ASSERT_EQ(cps_api_metrics_histogram(reg, "h", "", NULL, unordered, 2, &b), CPS_ERR_INVALID_ARG);
    const double infinite[] = {1, INFINITY};
    ASSERT_EQ(cps_api_metrics_histogram(reg, "h", "", NULL, infinite, 2, &b), CPS_ERR_INVALID_ARG);
    /* A NULL metric is accepted by every update. */
    cps_api_metric_inc(NULL);
    cps_api_metric_set(NULL, 1);
    cps_api_metric_observe(NULL, 1);
    ASSERT(cps_api_metric_value(NULL) == 0);
    cps_api_metrics_destroy(reg);
}

struct hammer {
    cps_api_metric *c, *h;
};

static void *hammer_main(void *p)
{
    struct hammer *hm = p;
    for (int i = 0; i < 100000; i++) {
        cps_api_metric_inc(hm->c);
        cps_api_metric_observe(hm->h, 0.5);
    }
    return NULL;
}

TEST(concurrent_updates_are_exact)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    struct hammer hm;
    ASSERT_OK(cps_api_metrics_counter(reg, "c", "", NULL, &hm.c));
    ASSERT_OK(cps_api_metrics_histogram(reg, "h", "", NULL, NULL, 0, &hm.h));
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer_main, &hm);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    ASSERT(cps_api_metric_value(hm.c) == 400000);
    ASSERT_EQ(cps_api_metric_count(hm.h), 400000);
    ASSERT(cps_api_metric_value(hm.h) == 200000);
    cps_api_metrics_destroy(reg);
}

TEST(node_metrics_have_fixed_names)
{
    cps_api_metrics *reg;
    ASSERT_OK(cps_api_metrics_create(&reg));
    cps_api_node_metrics m, again;
    ASSERT_OK(cps_api_node_metrics_register(reg, &m));
    ASSERT_OK(cps_api_node_metrics_register(reg, &again));
    ASSERT(m.head_block_num == again.head_block_num);
    cps_api_metric_set(m.last_irreversible_block_num, 77);
    cps_api_metric_add(m.cpu_usage_us_total, 150);
    cps_buf b = {0};
    ASSERT_OK(cps_api_metrics_render(reg, &b));
    const char *text = cps_buf_cstr(&b);
    ASSERT_CONTAINS(text, "# TYPE cps_chain_head_block_num gauge\ncps_chain_head_block_num 0\n");
    ASSERT_CONTAINS(text, "cps_chain_last_irreversible_block_num 77\n");
    ASSERT_CONTAINS(text, "# TYPE cps_chain_cpu_usage_us_total counter\n");
    ASSERT_CONTAINS(text, "cps_chain_cpu_usage_us_total 150\n");
    ASSERT_CONTAINS(text, "cps_chain_blocks_total 0\n");
    ASSERT_CONTAINS(text, "cps_chain_transactions_failed_total 0\n");
    ASSERT_CONTAINS(text, "cps_chain_net_usage_bytes_total 0\n");
    cps_buf_free(&b);
    cps_api_metrics_destroy(reg);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
