/* The EOSIO exception table, the CPS_ERR_* → exception map, the error body's exact bytes and the
 * server options by their nodeos names. */
#include "api/api.h"
#include "test.h"

TEST(exception_rows_match_eosio_exceptions_hpp)
{
    /* Numbers and names from EOSIO libraries/chain/include/eosio/chain/exceptions.hpp and
     * fc/exception/exception.hpp. */
    struct {
        enum cps_api_exception exc;
        long long code;
        const char *name;
        const char *what;
        unsigned status;
        const char *message;
    } rows[] = {
        {CPS_API_EXC_UNSPECIFIED, 0, "exception", "unspecified", 500, "Internal Service Error"},
        {CPS_API_EXC_TIMEOUT, 2, "timeout_exception", "Timeout", 500, "Internal Service Error"},
        {CPS_API_EXC_EOF, 11, "eof_exception", "End Of File", 422, "Unprocessable Entity"},
        {CPS_API_EXC_EXPIRED_TX, 3040005, "expired_tx_exception", "Expired Transaction", 500,
         "Internal Service Error"},
        {CPS_API_EXC_INVALID_REF_BLOCK, 3040007, "invalid_ref_block_exception",
         "Invalid Reference Block", 500, "Internal Service Error"},
        {CPS_API_EXC_TX_DUPLICATE, 3040008, "tx_duplicate", "Duplicate transaction", 409,
         "Conflict"},
        {CPS_API_EXC_EOSIO_ASSERT_MESSAGE, 3050003, "eosio_assert_message_exception",
         "eosio_assert_message assertion failure", 500, "Internal Service Error"},
        {CPS_API_EXC_TX_IRRELEVANT_SIG, 3090002, "tx_irrelevant_sig",
         "Irrelevant signature included", 500, "Internal Service Error"},
        {CPS_API_EXC_UNSATISFIED_AUTHORIZATION, 3090003, "unsatisfied_authorization",
         "Provided keys, permissions, and delays do not satisfy declared authorizations", 401,
         "UnAuthorized"},
        {CPS_API_EXC_MISSING_AUTH, 3090004, "missing_auth_exception", "Missing required authority",
         500, "Internal Service Error"},
        {CPS_API_EXC_UNKNOWN_BLOCK, 3100002, "unknown_block_exception", "Unknown block", 400,
         "Unknown Block"},
        {CPS_API_EXC_ACCOUNT_QUERY, 3060002, "account_query_exception", "Account Query Exception",
         400, "Account lookup"},
        {CPS_API_EXC_INVALID_HTTP_REQUEST, 3200006, "invalid_http_request", "invalid http request",
         400, "Invalid Request"},
        {CPS_API_EXC_TX_CPU_USAGE_EXCEEDED, 3080004, "tx_cpu_usage_exceeded",
         "Transaction exceeded the current CPU usage limit imposed on the transaction", 500,
         "Internal Service Error"},
        {CPS_API_EXC_DEADLINE, 3080006, "deadline_exception", "Transaction took too long", 500,
         "Internal Service Error"},
        {CPS_API_EXC_ABI_NOT_FOUND, 3015001, "abi_not_found_exception", "No ABI found", 500,
         "Internal Service Error"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(rows); i++) {
        const cps_api_exception_info *e = cps_api_exception_get(rows[i].exc);
        ASSERT_EQ(e->code, rows[i].code);
        ASSERT_STR_EQ(e->name, rows[i].name);
        ASSERT_STR_EQ(e->what, rows[i].what);
        ASSERT_EQ(e->http_status, rows[i].status);
        ASSERT_STR_EQ(e->http_message, rows[i].message);
    }
    /* Out of range falls back to the plain exception. */
    ASSERT_EQ(cps_api_exception_get((enum cps_api_exception)9999)->code, 0);
}

TEST(exception_table_has_unique_codes_and_names)
{
    for (unsigned i = 0; i < CPS_API_EXC_COUNT_; i++) {
        const cps_api_exception_info *a = cps_api_exception_get((enum cps_api_exception)i);
        ASSERT(a->name && *a->name && a->what && *a->what && a->http_message);
        ASSERT(a->http_status >= 400 && a->http_status < 600);
        for (unsigned k = i + 1; k < CPS_API_EXC_COUNT_; k++) {
            const cps_api_exception_info *b = cps_api_exception_get((enum cps_api_exception)k);
            ASSERT_MSG(a->code != b->code, "code %lld twice", (long long)a->code);
            ASSERT_MSG(strcmp(a->name, b->name) != 0, "name %s twice", a->name);
        }
        enum cps_api_exception found;
        ASSERT(cps_api_exception_by_name(a->name, &found));
        ASSERT_EQ(found, i);
    }
    enum cps_api_exception found;
    ASSERT(!cps_api_exception_by_name("no_such_exception", &found));
    ASSERT(!cps_api_exception_by_name(NULL, &found));
}

TEST(cps_errors_map_to_their_eosio_exceptions)
{
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_TX_EXPIRED), CPS_API_EXC_EXPIRED_TX);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_TX_DUPLICATE), CPS_API_EXC_TX_DUPLICATE);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_TX_TAPOS), CPS_API_EXC_INVALID_REF_BLOCK);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_AUTH), CPS_API_EXC_UNSATISFIED_AUTHORIZATION);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_ASSERT), CPS_API_EXC_EOSIO_ASSERT_MESSAGE);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_JSON), CPS_API_EXC_INVALID_HTTP_REQUEST);
    /* a transaction stopped by a CPU limit: nodeos's transaction_context::checktime */
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_DEADLINE), CPS_API_EXC_TX_CPU_USAGE_EXCEEDED);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_TIMEOUT), CPS_API_EXC_TIMEOUT);
    /* Unmapped codes are reported as nodeos reports a std::exception. */
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_NOMEM), CPS_API_EXC_UNSPECIFIED);
    ASSERT_EQ(cps_api_exception_for_error(CPS_ERR_IO), CPS_API_EXC_UNSPECIFIED);
    ASSERT_EQ(cps_api_exception_for_error(-12345), CPS_API_EXC_UNSPECIFIED);
    ASSERT_EQ(cps_api_exception_for_error(0), CPS_API_EXC_UNSPECIFIED);
    /* Every mapped code is a real CPS error code. */
#define CHECK_(code, exc)                                                                          \
    ASSERT_MSG(strcmp(cps_error_name(code), "CPS_ERR_UNKNOWN") != 0, "%d is not a CPS error", code);
    CPS_API_ERROR_MAP(CHECK_)
#undef CHECK_
}

TEST(error_body_is_byte_exact_nodeos_shape)
{
    cps_buf b = {0};
    cps_api_error_detail d = {"assertion failure with message: overdrawn balance",
                              "/home/x/src/chain/apply.c", 14, "eosio_assert"};
    ASSERT_OK(cps_api_error_json(&b, CPS_API_EXC_EOSIO_ASSERT_MESSAGE, &d, 1));
    ASSERT_STR_EQ(
        cps_buf_cstr(&b),
        "{\"code\":500,\"message\":\"Internal Service Error\",\"error\":{\"code\":3050003,"
        "\"name\":\"eosio_assert_message_exception\",\"what\":\"eosio_assert_message "
        "assertion failure\",\"details\":[{\"message\":\"assertion failure with message: "
        "overdrawn balance\",\"file\":\"apply.c\",\"line_number\":14,\"method\":"
        "\"eosio_assert\"}]}}");
    cps_buf_reset(&b);
    /* Quotes, backslashes and control characters in messages stay valid JSON. */
    cps_api_error_detail q = {"say \"hi\"\\\n\x01", NULL, 0, NULL};
    ASSERT_OK(cps_api_error_json(&b, CPS_API_EXC_TX_DUPLICATE, &q, 1));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "{\"code\":409,\"message\":\"Conflict\",\"error\":{\"code\":"
                                    "3040008,\"name\":\"tx_duplicate\",\"what\":\"Duplicate "
                                    "transaction\",\"details\":[{\"message\":\"say \\\"hi\\\"\\\\"
                                    "\\n\\u0001\",\"file\":\"\",\"line_number\":0,\"method\":\"\"}"
                                    "]}}");
    json_t *parsed = json_loads(cps_buf_cstr(&b), 0, NULL);
    ASSERT(parsed != NULL);
    json_decref(parsed);
    cps_buf_reset(&b);
    ASSERT_OK(
        cps_api_error_json_custom(&b, 503, "Busy", 503, "Busy", "Too many requests", NULL, 0));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "{\"code\":503,\"message\":\"Busy\",\"error\":{\"code\":503,"
                                    "\"name\":\"Busy\",\"what\":\"Too many requests\",\"details\":"
                                    "[]}}");
    cps_buf_free(&b);
}

TEST(config_defaults_are_nodeos_defaults)
{
    cps_api_config c;
    cps_api_config_defaults(&c);
    ASSERT_STR_EQ(c.http_server_address, "127.0.0.1:8888");
    ASSERT_EQ(c.http_threads, 2);
    ASSERT_EQ(c.max_body_size, 1024 * 1024);
    ASSERT_EQ(c.max_response_time_ms, 30);
    ASSERT_EQ(c.max_in_flight_requests, -1);
    ASSERT(c.keep_alive);
    ASSERT(c.validate_host);
    ASSERT(!c.verbose_http_errors);
    ASSERT(c.access_control_allow_origin == NULL);
    ASSERT(!c.access_control_allow_credentials);
}

TEST(config_set_by_option_name)
{
    cps_api_config c;
    cps_api_config_defaults(&c);
    ASSERT_OK(cps_api_config_set(&c, "http-server-address", "0.0.0.0:9999"));
    ASSERT_STR_EQ(c.http_server_address, "0.0.0.0:9999");
    ASSERT_OK(cps_api_config_set(&c, "http-threads", "4"));
    ASSERT_EQ(c.http_threads, 4);
    ASSERT_OK(cps_api_config_set(&c, "http-max-body-size", "2048"));
    ASSERT_EQ(c.max_body_size, 2048);
    ASSERT_OK(cps_api_config_set(&c, "max-body-size", "4096"));
    ASSERT_EQ(c.max_body_size, 4096);
    ASSERT_OK(cps_api_config_set(&c, "http-max-response-time-ms", "-1"));
    ASSERT_EQ(c.max_response_time_ms, -1);
    ASSERT_OK(cps_api_config_set(&c, "http-max-in-flight-requests", "100"));
    ASSERT_EQ(c.max_in_flight_requests, 100);
    ASSERT_OK(cps_api_config_set(&c, "access-control-allow-credentials", NULL));
    ASSERT(c.access_control_allow_credentials);
    ASSERT_OK(cps_api_config_set(&c, "access-control-allow-credentials", "off"));
    ASSERT(!c.access_control_allow_credentials);
    ASSERT_OK(cps_api_config_set(&c, "http-validate-host", "FALSE"));
    ASSERT(!c.validate_host);
    ASSERT_OK(cps_api_config_set(&c, "access-control-allow-origin", "*"));
    ASSERT_STR_EQ(c.access_control_allow_origin, "*");

    ASSERT_EQ(cps_api_config_set(&c, "no-such-option", "1"), CPS_ERR_NOT_FOUND);
    ASSERT_CONTAINS(cps_last_error(), "no-such-option");
    ASSERT_EQ(cps_api_config_set(&c, "http-threads", "many"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-threads", "-1"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-threads", "4x"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-threads", ""), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "max-body-size", "99999999999"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-max-response-time-ms", "-2"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-keep-alive", "maybe"), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_api_config_set(&c, "http-server-address", NULL), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(c.http_threads, 4); /* failures leave the field alone */
    /* Every listed name is accepted. */
    for (size_t i = 0; CPS_API_OPTION_NAMES[i]; i++) {
        cps_api_config t;
        cps_api_config_defaults(&t);
        int rc = cps_api_config_set(&t, CPS_API_OPTION_NAMES[i], "1");
        ASSERT_MSG(rc == 0, "option %s: %s", CPS_API_OPTION_NAMES[i], cps_last_error());
    }
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
