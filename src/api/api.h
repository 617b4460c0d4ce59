/* api: the HTTP server of the chain API — libmicrohttpd underneath, nodeos's transport rules on
 * top (routing, body limits, parameter parsing, the EOSIO error JSON, CORS, time limits), a
 * libuv hand-off for handlers that must run on the node's event loop, and a Prometheus registry.
 *
 * Threads (DESIGN.md §4). libmicrohttpd runs `http_threads` polling threads (poll(), one listen
 * socket shared by all); each accepts connections and parses requests. An endpoint runs either
 *   - on the HTTP thread that received the request (read-only queries against a consistent
 *     snapshot; they must not block for long: every connection served by that thread waits), or
 *   - on the event loop given at creation (CPS_API_ON_LOOP: anything that touches chain state in
 *     order): the request is queued, a uv_async_t wakes the loop, the handler runs there.
 * Either kind may answer later from any thread: until it calls cps_api_respond*(), the connection
 * is suspended (MHD_suspend_connection), which holds no thread. A server-owned timer thread
 * answers requests whose time is up, so a stuck loop or a forgotten answer cannot hang a client.
 *
 * Errors follow nodeos (http_plugin.hpp error_results): every failure is a JSON body
 *   {"code":<http status>,"message":"<status text>","error":{"code":<EOSIO code>,"name":"...",
 *    "what":"...","details":[{"message":"...","file":"...","line_number":N,"method":"..."}]}}
 * with the EOSIO exception numbers of libraries/chain/include/eosio/chain/exceptions.hpp and
 * fc/exception/exception.hpp. CPS_API_EXCEPTIONS below is the one table of them, and
 * CPS_API_ERROR_MAP says which exception each CPS_ERR_* code becomes.
 *
 * Ownership in one paragraph: the server owns requests; a handler borrows its request from the
 * call until it answers with exactly one cps_api_respond*() call (after which it must not touch
 * it). Bodies passed to cps_api_respond_take() become the server's. Strings in cps_api_config are
 * borrowed only until cps_api_server_create() returns. */
#ifndef CPS_API_H
#define CPS_API_H

#include "base/base.h"

#include <jansson.h>

/* ==========================================================================================
 * EOSIO exceptions the API reports. One row each: symbol, EOSIO code, fc name, fc what(),
 * HTTP status and status text (http_plugin.cpp handle_exception: a few exceptions have their
 * own status; everything else is 500 "Internal Service Error").
 * ========================================================================================== */
#define CPS_API_EXCEPTIONS(X)                                                                      \
    /* fc (fc/exception/exception.hpp); code 0 is a plain fc::exception, as nodeos reports a       \
     * std::exception or an unknown endpoint. */                                                   \
    X(CPS_API_EXC_UNSPECIFIED, 0, "exception", "unspecified", 500, "Internal Service Error")       \
    X(CPS_API_EXC_TIMEOUT, 2, "timeout_exception", "Timeout", 500, "Internal Service Error")       \
    X(CPS_API_EXC_PARSE_ERROR, 4, "parse_error_exception", "Parse Error", 500,                     \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_INVALID_ARG, 5, "invalid_arg_exception", "Invalid Argument", 500,                \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_KEY_NOT_FOUND, 6, "key_not_found_exception", "Key Not Found", 500,               \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_BAD_CAST, 7, "bad_cast_exception", "Bad Cast", 500, "Internal Service Error")    \
    X(CPS_API_EXC_OUT_OF_RANGE, 8, "out_of_range_exception", "Out of Range", 500,                  \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_ASSERT, 10, "assert_exception", "Assert Exception", 500,                         \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_EOF, 11, "eof_exception", "End Of File", 422, "Unprocessable Entity")            \
    /* chain types */                                                                              \
    X(CPS_API_EXC_NAME_TYPE, 3010001, "name_type_exception", "Invalid name", 500,                  \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_PUBLIC_KEY_TYPE, 3010002, "public_key_type_exception", "Invalid public key",     \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_AUTHORITY_TYPE, 3010004, "authority_type_exception", "Invalid authority", 500,   \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_ACTION_TYPE, 3010005, "action_type_exception", "Invalid action", 500,            \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_TRANSACTION_TYPE, 3010006, "transaction_type_exception", "Invalid transaction",  \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_ABI_TYPE, 3010007, "abi_type_exception", "Invalid ABI", 500,                     \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_BLOCK_ID_TYPE, 3010008, "block_id_type_exception", "Invalid block ID", 500,      \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_TRANSACTION_ID_TYPE, 3010009, "transaction_id_type_exception",                   \
      "Invalid transaction ID", 500, "Internal Service Error")                                     \
    X(CPS_API_EXC_PACKED_TRANSACTION_TYPE, 3010010, "packed_transaction_type_exception",           \
      "Invalid packed transaction", 500, "Internal Service Error")                                 \
    X(CPS_API_EXC_ASSET_TYPE, 3010011, "asset_type_exception", "Invalid asset", 500,               \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_SYMBOL_TYPE, 3010014, "symbol_type_exception", "Invalid symbol", 500,            \
      "Internal Service Error")                                                                    \
    /* ABI */                                                                                      \
    X(CPS_API_EXC_ABI, 3015000, "abi_exception", "ABI exception", 500, "Internal Service Error")   \
    X(CPS_API_EXC_ABI_NOT_FOUND, 3015001, "abi_not_found_exception", "No ABI found", 500,          \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_INVALID_TYPE_INSIDE_ABI, 3015004, "invalid_type_inside_abi",                     \
      "The type defined in the ABI is invalid", 500, "Internal Service Error")                     \
    X(CPS_API_EXC_ABI_SERIALIZATION_DEADLINE, 3015010, "abi_serialization_deadline_exception",     \
      "ABI serialization time has exceeded the deadline", 500, "Internal Service Error")           \
    X(CPS_API_EXC_UNPACK, 3015013, "unpack_exception", "Unpack data exception", 500,               \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_PACK, 3015014, "pack_exception", "Pack data exception", 500,                     \
      "Internal Service Error")                                                                    \
    /* blocks */                                                                                   \
    X(CPS_API_EXC_BLOCK_VALIDATE, 3030000, "block_validate_exception", "Block exception", 500,     \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_UNLINKABLE_BLOCK, 3030001, "unlinkable_block_exception", "Unlinkable block",     \
      500, "Internal Service Error")                                                               \
    /* transactions */                                                                             \
    X(CPS_API_EXC_TRANSACTION, 3040000, "transaction_exception", "Transaction exception", 500,     \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_TX_DECOMPRESSION, 3040001, "tx_decompression_error",                             \
      "Error decompressing transaction", 500, "Internal Service Error")                            \
    X(CPS_API_EXC_TX_NO_ACTION, 3040002, "tx_no_action",                                           \
      "Transaction should have at least one normal action", 500, "Internal Service Error")         \
    X(CPS_API_EXC_TX_NO_AUTHS, 3040003, "tx_no_auths",                                             \
      "Transaction should have at least one required authority", 500, "Internal Service Error")    \
    X(CPS_API_EXC_CFA_IRRELEVANT_AUTH, 3040004, "cfa_irrelevant_auth",                             \
      "Context-free action should have no required authority", 500, "Internal Service Error")      \
    X(CPS_API_EXC_EXPIRED_TX, 3040005, "expired_tx_exception", "Expired Transaction", 500,         \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_TX_EXP_TOO_FAR, 3040006, "tx_exp_too_far_exception",                             \
      "Transaction Expiration Too Far", 500, "Internal Service Error")                             \
    X(CPS_API_EXC_INVALID_REF_BLOCK, 3040007, "invalid_ref_block_exception",                       \
      "Invalid Reference Block", 500, "Internal Service Error")                                    \
    X(CPS_API_EXC_TX_DUPLICATE, 3040008, "tx_duplicate", "Duplicate transaction", 409, "Conflict") \
    X(CPS_API_EXC_DEFERRED_TX_DUPLICATE, 3040009, "deferred_tx_duplicate",                         \
      "Duplicate deferred transaction", 500, "Internal Service Error")                             \
    X(CPS_API_EXC_TX_NOT_FOUND, 3040011, "tx_not_found", "The transaction can not be found", 500,  \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_TOO_MANY_TX_AT_ONCE, 3040012, "too_many_tx_at_once",                             \
      "Pushing too many transactions at once", 500, "Internal Service Error")                      \
    X(CPS_API_EXC_TX_TOO_BIG, 3040013, "tx_too_big", "Transaction is too big", 500,                \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_UNKNOWN_TRANSACTION_COMPRESSION, 3040014, "unknown_transaction_compression",     \
      "Unknown transaction compression", 500, "Internal Service Error")                            \
    /* actions */                                                                                  \
    X(CPS_API_EXC_ACTION_VALIDATE, 3050000, "action_validate_exception",                           \
      "Action validate exception", 500, "Internal Service Error")                                  \
    X(CPS_API_EXC_ACCOUNT_NAME_EXISTS, 3050001, "account_name_exists_exception",                   \
      "Account name already exists", 500, "Internal Service Error")                                \
    X(CPS_API_EXC_INVALID_ACTION_ARGS, 3050002, "invalid_action_args_exception",                   \
      "Invalid Action Arguments", 500, "Internal Service Error")                                   \
    X(CPS_API_EXC_EOSIO_ASSERT_MESSAGE, 3050003, "eosio_assert_message_exception",                 \
      "eosio_assert_message assertion failure", 500, "Internal Service Error")                     \
    X(CPS_API_EXC_EOSIO_ASSERT_CODE, 3050004, "eosio_assert_code_exception",                       \
      "eosio_assert_code assertion failure", 500, "Internal Service Error")                        \
    X(CPS_API_EXC_ACTION_NOT_FOUND, 3050005, "action_not_found_exception",                         \
      "Action can not be found", 500, "Internal Service Error")                                    \
    X(CPS_API_EXC_UNACCESSIBLE_API, 3050007, "unaccessible_api",                                   \
      "Attempt to use unaccessible API", 500, "Internal Service Error")                            \
    X(CPS_API_EXC_ABORT_CALLED, 3050008, "abort_called", "Abort Called", 500,                      \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_INLINE_ACTION_TOO_BIG, 3050009, "inline_action_too_big",                         \
      "Inline Action exceeds maximum size limit", 500, "Internal Service Error")                   \
    X(CPS_API_EXC_UNAUTHORIZED_RAM_USAGE_INCREASE, 3050010, "unauthorized_ram_usage_increase",     \
      "Action attempts to increase RAM usage of account without authorization", 500,               \
      "Internal Service Error")                                                                    \
    /* database queries */                                                                         \
    X(CPS_API_EXC_DATABASE, 3060000, "database_exception", "Database exception", 500,              \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_PERMISSION_QUERY, 3060001, "permission_query_exception",                         \
      "Permission Query Exception", 500, "Internal Service Error")                                 \
    X(CPS_API_EXC_ACCOUNT_QUERY, 3060002, "account_query_exception", "Account Query Exception",    \
      400, "Account lookup")                                                                       \
    X(CPS_API_EXC_CONTRACT_TABLE_QUERY, 3060003, "contract_table_query_exception",                 \
      "Contract Table Query Exception", 500, "Internal Service Error")                             \
    X(CPS_API_EXC_CONTRACT_QUERY, 3060004, "contract_query_exception", "Contract Query Exception", \
      500, "Internal Service Error")                                                               \
    /* WebAssembly */                                                                              \
    X(CPS_API_EXC_WASM, 3070000, "wasm_exception", "WASM Exception", 500,                          \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_WASM_EXECUTION, 3070002, "wasm_execution_error",                                 \
      "Runtime Error Processing WASM", 500, "Internal Service Error")                              \
    X(CPS_API_EXC_WASM_SERIALIZATION, 3070003, "wasm_serialization_error",                         \
      "Serialization Error Processing WASM", 500, "Internal Service Error")                        \
    /* resources */                                                                                \
    X(CPS_API_EXC_RESOURCE_EXHAUSTED, 3080000, "resource_exhausted_exception",                     \
      "Resource exhausted exception", 500, "Internal Service Error")                               \
    X(CPS_API_EXC_RAM_USAGE_EXCEEDED, 3080001, "ram_usage_exceeded",                               \
      "Account using more than allotted RAM usage", 500, "Internal Service Error")                 \
    X(CPS_API_EXC_TX_NET_USAGE_EXCEEDED, 3080002, "tx_net_usage_exceeded",                         \
      "Transaction exceeded the current network usage limit imposed on the transaction", 500,      \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_BLOCK_NET_USAGE_EXCEEDED, 3080003, "block_net_usage_exceeded",                   \
      "Transaction network usage is too much for the remaining allowable usage of the current "    \
      "block",                                                                                     \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_TX_CPU_USAGE_EXCEEDED, 3080004, "tx_cpu_usage_exceeded",                         \
      "Transaction exceeded the current CPU usage limit imposed on the transaction", 500,          \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_BLOCK_CPU_USAGE_EXCEEDED, 3080005, "block_cpu_usage_exceeded",                   \
      "Transaction CPU usage is too much for the remaining allowable usage of the current block",  \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_DEADLINE, 3080006, "deadline_exception", "Transaction took too long", 500,       \
      "Internal Service Error")                                                                    \
    /* authorization */                                                                            \
    X(CPS_API_EXC_AUTHORIZATION, 3090000, "authorization_exception", "Authorization exception",    \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_TX_DUPLICATE_SIG, 3090001, "tx_duplicate_sig", "Duplicate signature included",   \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_TX_IRRELEVANT_SIG, 3090002, "tx_irrelevant_sig",                                 \
      "Irrelevant signature included", 500, "Internal Service Error")                              \
    X(CPS_API_EXC_UNSATISFIED_AUTHORIZATION, 3090003, "unsatisfied_authorization",                 \
      "Provided keys, permissions, and delays do not satisfy declared authorizations", 401,        \
      "UnAuthorized")                                                                              \
    X(CPS_API_EXC_MISSING_AUTH, 3090004, "missing_auth_exception", "Missing required authority",   \
      500, "Internal Service Error")                                                               \
    X(CPS_API_EXC_IRRELEVANT_AUTH, 3090005, "irrelevant_auth_exception",                           \
      "Irrelevant authority included", 500, "Internal Service Error")                              \
    X(CPS_API_EXC_INSUFFICIENT_DELAY, 3090006, "insufficient_delay_exception",                     \
      "Insufficient delay", 500, "Internal Service Error")                                         \
    X(CPS_API_EXC_INVALID_PERMISSION, 3090007, "invalid_permission", "Invalid Permission", 500,    \
      "Internal Service Error")                                                                    \
    /* miscellaneous */                                                                            \
    X(CPS_API_EXC_MISC, 3100000, "misc_exception", "Miscellaneous exception", 500,                 \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_UNKNOWN_BLOCK, 3100002, "unknown_block_exception", "Unknown block", 400,         \
      "Unknown Block")                                                                             \
    X(CPS_API_EXC_UNKNOWN_TRANSACTION, 3100003, "unknown_transaction_exception",                   \
      "Unknown transaction", 500, "Internal Service Error")                                        \
    X(CPS_API_EXC_UNSUPPORTED_FEATURE, 3100008, "unsupported_feature",                             \
      "Feature is currently unsupported", 500, "Internal Service Error")                           \
    X(CPS_API_EXC_JSON_PARSE, 3100010, "json_parse_exception", "JSON parse exception", 500,        \
      "Internal Service Error")                                                                    \
    /* producer and HTTP */                                                                        \
    X(CPS_API_EXC_PRODUCER, 3170000, "producer_exception", "Producer exception", 500,              \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_MISSING_PENDING_BLOCK_STATE, 3170002, "missing_pending_block_state",             \
      "Pending block state is missing", 500, "Internal Service Error")                             \
    X(CPS_API_EXC_HTTP, 3200000, "http_exception", "http exception", 500,                          \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_INVALID_HTTP_REQUEST, 3200006, "invalid_http_request", "invalid http request",   \
      400, "Invalid Request")                                                                      \
    /* contract host functions */                                                                  \
    X(CPS_API_EXC_CRYPTO_API, 3230001, "crypto_api_exception", "Crypto API Exception", 500,        \
      "Internal Service Error")                                                                    \
    X(CPS_API_EXC_DB_API, 3230002, "db_api_exception", "Database API Exception", 500,              \
      "Internal Service Error")

enum cps_api_exception {
#define CPS_API_EXC_ENUM_(sym, code, name, what, status, status_text) sym,
    CPS_API_EXCEPTIONS(CPS_API_EXC_ENUM_)
#undef CPS_API_EXC_ENUM_
        CPS_API_EXC_COUNT_
};

/* Which exception a CPS_ERR_* code becomes when a handler answers with cps_api_respond_error().
 * A code missing here becomes CPS_API_EXC_UNSPECIFIED (how nodeos reports a std::exception).
 * Codes about the shape of the caller's input become invalid_http_request (400), as nodeos's
 * parse_params wraps every conversion failure of the request body. */
#define CPS_API_ERROR_MAP(X)                                                                       \
    X(CPS_ERR_INVALID_ARG, CPS_API_EXC_INVALID_HTTP_REQUEST)                                       \
    X(CPS_ERR_FORMAT, CPS_API_EXC_INVALID_HTTP_REQUEST)                                            \
    X(CPS_ERR_CHECKSUM, CPS_API_EXC_INVALID_HTTP_REQUEST)                                          \
    X(CPS_ERR_TYPE, CPS_API_EXC_INVALID_HTTP_REQUEST)                                              \
    X(CPS_ERR_TRAILING, CPS_API_EXC_INVALID_HTTP_REQUEST)                                          \
    X(CPS_ERR_JSON, CPS_API_EXC_INVALID_HTTP_REQUEST)                                              \
    X(CPS_ERR_HTTP, CPS_API_EXC_INVALID_HTTP_REQUEST)                                              \
    X(CPS_ERR_TRUNCATED, CPS_API_EXC_OUT_OF_RANGE)                                                 \
    X(CPS_ERR_OVERFLOW, CPS_API_EXC_OUT_OF_RANGE)                                                  \
    X(CPS_ERR_LIMIT, CPS_API_EXC_OUT_OF_RANGE)                                                     \
    X(CPS_ERR_NONCANONICAL, CPS_API_EXC_ASSERT)                                                    \
    X(CPS_ERR_UNSUPPORTED, CPS_API_EXC_UNSUPPORTED_FEATURE)                                        \
    X(CPS_ERR_EXISTS, CPS_API_EXC_ACCOUNT_NAME_EXISTS)                                             \
    X(CPS_ERR_TIMEOUT, CPS_API_EXC_TIMEOUT)                                                        \
    X(CPS_ERR_WASM_MALFORMED, CPS_API_EXC_WASM_SERIALIZATION)                                      \
    X(CPS_ERR_WASM_INVALID, CPS_API_EXC_WASM_EXECUTION)                                            \
    X(CPS_ERR_WASM_UNLINKABLE, CPS_API_EXC_WASM_EXECUTION)                                         \
    X(CPS_ERR_WASM_UNINSTANTIABLE, CPS_API_EXC_WASM_EXECUTION)                                     \
    X(CPS_ERR_TRAP, CPS_API_EXC_WASM_EXECUTION)                                                    \
    X(CPS_ERR_EXHAUSTION, CPS_API_EXC_WASM_EXECUTION)                                              \
    X(CPS_ERR_HOST, CPS_API_EXC_WASM_EXECUTION)                                                    \
    X(CPS_ERR_DEADLINE, CPS_API_EXC_TX_CPU_USAGE_EXCEEDED)                                         \
    X(CPS_ERR_ABI, CPS_API_EXC_ABI)                                                                \
    X(CPS_ERR_ABI_TYPE, CPS_API_EXC_INVALID_TYPE_INSIDE_ABI)                                       \
    X(CPS_ERR_DB, CPS_API_EXC_DATABASE)                                                            \
    X(CPS_ERR_DB_CORRUPT, CPS_API_EXC_DATABASE)                                                    \
    X(CPS_ERR_AUTH, CPS_API_EXC_UNSATISFIED_AUTHORIZATION)                                         \
    X(CPS_ERR_TX, CPS_API_EXC_TRANSACTION)                                                         \
    X(CPS_ERR_TX_EXPIRED, CPS_API_EXC_EXPIRED_TX)                                                  \
    X(CPS_ERR_TX_DUPLICATE, CPS_API_EXC_TX_DUPLICATE)                                              \
    X(CPS_ERR_TX_TAPOS, CPS_API_EXC_INVALID_REF_BLOCK)                                             \
    X(CPS_ERR_RESOURCE, CPS_API_EXC_RESOURCE_EXHAUSTED)                                            \
    X(CPS_ERR_ASSERT, CPS_API_EXC_EOSIO_ASSERT_MESSAGE)                                            \
    X(CPS_ERR_BLOCK, CPS_API_EXC_BLOCK_VALIDATE)                                                   \
    X(CPS_ERR_ACCOUNT, CPS_API_EXC_ACCOUNT_QUERY)

typedef struct cps_api_exception_info {
    int64_t code;             /* EOSIO / fc error code (error.code) */
    const char *name;         /* error.name */
    const char *what;         /* error.what */
    unsigned http_status;     /* top-level "code" and the HTTP status */
    const char *http_message; /* top-level "message" */
} cps_api_exception_info;

/* The row of `exc` (static storage); the UNSPECIFIED row for a value out of range. */
const cps_api_exception_info *cps_api_exception_get(enum cps_api_exception exc);
/* The exception a CPS_ERR_* code maps to (CPS_API_ERROR_MAP), UNSPECIFIED if none. */
enum cps_api_exception cps_api_exception_for_error(int cps_code);
/* Finds a row by EOSIO name ("tx_duplicate"); false if there is none. */
bool cps_api_exception_by_name(const char *name, enum cps_api_exception *out);

/* One entry of error.details. `file` may be a path: only its last component is shown, as fc
 * shows source file names. */
typedef struct cps_api_error_detail {
    const char *message;
    const char *file;
    unsigned line;
    const char *method;
} cps_api_error_detail;

/* Appends the nodeos error body for `exc` with the given details (n may be 0) to out. */
int cps_api_error_json(cps_buf *out, enum cps_api_exception exc,
                       const cps_api_error_detail *details, size_t n);
/* The same shape with an explicit top-level status/message and error code/name/what — for the
 * few bodies nodeos builds by hand (404 "Not Found", 503 "Busy"). */
int cps_api_error_json_custom(cps_buf *out, unsigned http_status, const char *http_message,
                              int64_t code, const char *name, const char *what,
                              const cps_api_error_detail *details, size_t n);

/* ==========================================================================================
 * Metrics: a registry of counters, gauges and histograms rendered in the Prometheus text
 * exposition format (version 0.0.4). Registering takes a lock; updating a metric is lock-free
 * (atomics) and may happen on any thread. Metrics live as long as their registry.
 * ========================================================================================== */
typedef struct cps_api_metrics cps_api_metrics;
typedef struct cps_api_metric cps_api_metric;

CPS_MUST_USE int cps_api_metrics_create(cps_api_metrics **out);
void cps_api_metrics_destroy(cps_api_metrics *reg);

/* Registers (or finds, when the same name and labels were registered before) a metric.
 * `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*; `labels` is NULL or a NULL-terminated array of
 * key, value pairs, e.g. (const char *[]){"endpoint", "/v1/chain/get_info", NULL}; keys match
 * [a-zA-Z_][a-zA-Z0-9_]* and values are any text (escaped on output). A name keeps the type and
 * help it was first registered with (another type fails with CPS_ERR_TYPE). *out is owned by the
 * registry. Histogram `bounds` are the upper bounds of the buckets, strictly increasing and
 * finite (+Inf is implicit); NULL/0 takes CPS_API_LATENCY_BUCKETS. */
CPS_MUST_USE int cps_api_metrics_counter(cps_api_metrics *reg, const char *name, const char *help,
                                         const char *const *labels, cps_api_metric **out);
CPS_MUST_USE int cps_api_metrics_gauge(cps_api_metrics *reg, const char *name, const char *help,
                                       const char *const *labels, cps_api_metric **out);
CPS_MUST_USE int cps_api_metrics_histogram(cps_api_metrics *reg, const char *name, const char *help,
                                           const char *const *labels, const double *bounds,
                                           size_t n_bounds, cps_api_metric **out);

/* Latency buckets in seconds (from 100 µs to 10 s). */
#define CPS_API_LATENCY_BUCKETS_N 15
extern const double CPS_API_LATENCY_BUCKETS[CPS_API_LATENCY_BUCKETS_N];

/* Counter: add a non-negative amount (a negative one is ignored: counters never go down).
 * Gauge: add any amount, or set. Histogram: observe one sample. A NULL metric is ignored, so
 * optional metrics need no checks at the call sites. */
void cps_api_metric_inc(cps_api_metric *m);
void cps_api_metric_add(cps_api_metric *m, double v);
void cps_api_metric_set(cps_api_metric *m, double v);
void cps_api_metric_observe(cps_api_metric *m, double v);
/* Current value (counter, gauge) or sample sum (histogram); sample count for histograms. */
double cps_api_metric_value(const cps_api_metric *m);
uint64_t cps_api_metric_count(const cps_api_metric *m);

/* Appends the whole registry in the Prometheus text format, families in registration order. */
int cps_api_metrics_render(cps_api_metrics *reg, cps_buf *out);

/* The node's standard figures, registered under fixed names (docs/api.md) so dashboards do not
 * depend on who registers them. Each field belongs to the registry. */
typedef struct cps_api_node_metrics {
    cps_api_metric *head_block_num;              /* gauge cps_chain_head_block_num */
    cps_api_metric *last_irreversible_block_num; /* gauge cps_chain_last_irreversible_block_num */
    cps_api_metric *blocks_total;                /* counter cps_chain_blocks_total */
    cps_api_metric *transactions_total;          /* counter cps_chain_transactions_total */
    cps_api_metric *transactions_failed_total;   /* counter cps_chain_transactions_failed_total */
    cps_api_metric *cpu_usage_us_total;          /* counter cps_chain_cpu_usage_us_total */
    cps_api_metric *net_usage_bytes_total;       /* counter cps_chain_net_usage_bytes_total */
} cps_api_node_metrics;
CPS_MUST_USE int cps_api_node_metrics_register(cps_api_metrics *reg, cps_api_node_metrics *out);

/* ==========================================================================================
 * Server configuration. Every field has the name of the nodeos option it mirrors (or a CPS
 * option where nodeos has none); cps_api_config_set() takes those names.
 * ========================================================================================== */
typedef struct cps_api_config {
    /* http-server-address: "host:port", "[v6]:port" or ":port" (all IPv4 interfaces); port 0
     * picks a free port (cps_api_server_port() tells which). Default "127.0.0.1:8888". */
    const char *http_server_address;
    unsigned http_threads;        /* http-threads: libmicrohttpd polling threads, default 2 */
    size_t max_body_size;         /* max-body-size (alias http-max-body-size): default 1 MiB */
    int64_t max_response_time_ms; /* http-max-response-time-ms: default 30; -1 no limit */
    /* http-max-queue-time-ms (CPS): how long a CPS_API_ON_LOOP request may wait for the loop
     * before it is answered 503 Busy; default 10000; -1 no limit. */
    int64_t max_queue_time_ms;
    int32_t max_in_flight_requests; /* http-max-in-flight-requests: -1 (default) unlimited */
    bool keep_alive;                /* http-keep-alive: default true */
    bool verbose_http_errors;       /* verbose-http-errors: more entries in error.details */
    unsigned idle_timeout_s;        /* http-idle-timeout-sec (CPS): idle connection, default 60 */
    unsigned max_connections;       /* http-max-connections (CPS): default 1000 */
    unsigned shutdown_grace_ms;     /* http-shutdown-grace-ms (CPS): default 1000 */
    const char *access_control_allow_origin;  /* access-control-allow-origin: NULL none */
    const char *access_control_allow_headers; /* access-control-allow-headers */
    const char *access_control_max_age;       /* access-control-max-age */
    bool access_control_allow_credentials;    /* access-control-allow-credentials */
    /* http-validate-host: reject a Host header that names neither the listening address, nor
     * the host of http-server-address, nor an http-alias. Default true, as nodeos. */
    bool validate_host;
    /* http-alias: comma-separated extra Host values ("localhost:8888,node.example:80"). */
    const char *http_alias;
    /* The registry the server adds its own metrics to and /metrics renders. Borrowed (must
     * outlive the server); NULL: the server makes and owns one (cps_api_server_metrics()). */
    cps_api_metrics *metrics;
} cps_api_config;

#define CPS_API_DEFAULT_ADDRESS "127.0.0.1:8888"
#define CPS_API_DEFAULT_MAX_BODY_SIZE ((size_t)1024 * 1024)

void cps_api_config_defaults(cps_api_config *cfg);
/* Sets one option by its command-line name (without "--"), from its text form. Boolean options
 * accept true/false/1/0/yes/no/on/off, and a NULL value means true (a bare `--flag`). `value` is
 * borrowed as the fields are. Unknown name: CPS_ERR_NOT_FOUND; bad value: CPS_ERR_INVALID_ARG. */
CPS_MUST_USE int cps_api_config_set(cps_api_config *cfg, const char *name, const char *value);
/* The option names cps_api_config_set() knows, NULL-terminated (for help texts). */
extern const char *const CPS_API_OPTION_NAMES[];

/* ==========================================================================================
 * Server, endpoints, requests.
 * ========================================================================================== */
typedef struct cps_api_server cps_api_server;
typedef struct cps_api_request cps_api_request;
struct uv_loop_s;

/* A handler answers its request with exactly one cps_api_respond*() call, from any thread,
 * now or later; `user` is the endpoint's. */
typedef void (*cps_api_handler)(cps_api_request *req, void *user);

enum cps_api_endpoint_flags {
    /* Where the handler runs: default on the HTTP thread; with this, on the event loop. */
    CPS_API_ON_LOOP = 1u << 0,
    /* How the body is checked before the handler runs (nodeos parse_params). Default
     * (CPS_API_PARAMS_REQUIRED): an empty body or "{}" is 400 "A Request body is required",
     * invalid JSON is 400 "Unable to parse valid input from POST body". */
    CPS_API_PARAMS_REQUIRED = 0,
    CPS_API_PARAMS_NONE = 1u << 1, /* only empty/{} accepted, else "no parameter should be given" */
    CPS_API_PARAMS_OPTIONAL = 1u << 2, /* empty/{} or any JSON */
    CPS_API_PARAMS_RAW = 1u << 3,      /* no parsing: the handler reads the body itself */
    /* As REQUIRED (the same empty-body answer), but the JSON is parsed only when the handler
     * asks (cps_api_request_parse_params): a handler with a faster reader for its usual bodies
     * skips the JSON tree for them. */
    CPS_API_PARAMS_LAZY = 1u << 4,
};

/* The time limit of an endpoint: the server's max_response_time_ms (default), none (handlers
 * that wait for a result, like push_transaction), or a number of milliseconds. */
#define CPS_API_TIMEOUT_DEFAULT 0
#define CPS_API_TIMEOUT_NONE (-1)

typedef struct cps_api_endpoint {
    const char *path; /* exact path, e.g. "/v1/chain/get_info" (copied) */
    cps_api_handler handler;
    void *user;         /* passed to the handler; borrowed for the server's life */
    unsigned flags;     /* enum cps_api_endpoint_flags */
    int64_t timeout_ms; /* CPS_API_TIMEOUT_DEFAULT, CPS_API_TIMEOUT_NONE or > 0 */
} cps_api_endpoint;

/* Creates a server (not yet listening). `loop` is the event loop CPS_API_ON_LOOP handlers run
 * on, or NULL if there are none; with a loop, call this on the loop's thread (or before the loop
 * runs): it registers a uv_async_t on it. The built-in endpoints are added here:
 * /v1/node/get_supported_apis and /metrics. */
CPS_MUST_USE int cps_api_server_create(const cps_api_config *cfg, struct uv_loop_s *loop,
                                       cps_api_server **out);
/* Adds an endpoint; only before cps_api_server_start(). A path already present fails with
 * CPS_ERR_EXISTS; CPS_API_ON_LOOP without a loop with CPS_ERR_INVALID_ARG. */
CPS_MUST_USE int cps_api_server_add(cps_api_server *s, const cps_api_endpoint *ep);
/* Binds http-server-address and starts serving. Fails with CPS_ERR_IO (address in use, ...),
 * CPS_ERR_INVALID_ARG (unparsable address) or CPS_ERR_STATE (already started). */
CPS_MUST_USE int cps_api_server_start(cps_api_server *s);
/* The bound TCP port (after start), 0 before. */
uint16_t cps_api_server_port(const cps_api_server *s);
/* The metrics registry the server renders on /metrics (borrowed or its own). */
cps_api_metrics *cps_api_server_metrics(cps_api_server *s);
/* Graceful stop, from any thread but never from inside a handler running on an HTTP thread:
 * stops accepting, answers every request still waiting (for the loop or for a handler) with 503
 * "Busy" (shutting down), lets answers in progress finish for up to shutdown_grace_ms, then
 * closes every connection. Requests a handler still holds stay valid until it answers (the
 * answer then goes nowhere). Idempotent. */
void cps_api_server_stop(cps_api_server *s);
/* Stops (if needed) and frees the server. With a loop, call it on the loop's thread; the
 * uv_async_t is closed and freed by the loop on its next turn, so run the loop once more before
 * uv_loop_close(). */
void cps_api_server_destroy(cps_api_server *s);

/* ---- requests (borrowed by a handler until it answers) ---------------------------------- */
const char *cps_api_request_method(const cps_api_request *req);
const char *cps_api_request_path(const cps_api_request *req);
/* The body, NUL-terminated (the NUL is not counted). */
cps_bytes cps_api_request_body(const cps_api_request *req);
/* The parsed body, borrowed: an object, array or other JSON value; an empty object when the
 * body was empty or "{}" (PARAMS_NONE/OPTIONAL); NULL with CPS_API_PARAMS_RAW. Integers above
 * INT64_MAX do not parse (jansson): endpoints that need them read the body raw. */
json_t *cps_api_request_params(const cps_api_request *req);
/* With CPS_API_PARAMS_LAZY: parses the body as the default check would (once; later calls and
 * cps_api_request_params return the same value). On invalid JSON it answers the request with
 * the same 400 "Unable to parse valid input from POST body" (the handler's answer: the handler
 * must not answer again) and returns NULL. Without LAZY it returns cps_api_request_params. Call
 * it on the handler's thread only, before the request is handed to another thread. */
json_t *cps_api_request_parse_params(cps_api_request *req);
/* Monotonic deadline (cps_time_mono_ns) for this handler's work, UINT64_MAX with no limit.
 * Long handlers check it to stop early, as nodeos's read-only calls do. */
uint64_t cps_api_request_deadline_ns(const cps_api_request *req);
/* True once the request has been answered for the handler — it timed out or the server is
 * stopping: the handler should give up and still call cps_api_respond*() to release it. */
bool cps_api_request_abandoned(cps_api_request *req);

/* ---- answers: each consumes the handler's borrow of `req` ------------------------------- */
/* JSON body (compact), `status` e.g. 200 or 202. Takes the reference to `value`. */
void cps_api_respond_json(cps_api_request *req, unsigned status, json_t *value);
/* Copies `len` bytes of body. `content_type` is static text or NULL (application/json). */
void cps_api_respond_copy(cps_api_request *req, unsigned status, const char *content_type,
                          const void *body, size_t len);
/* Takes the malloc()ed `body` (freed by the server with free()). */
void cps_api_respond_take(cps_api_request *req, unsigned status, const char *content_type,
                          char *body, size_t len);
/* Takes the storage of `b` (left empty); a failed buffer (b->failed) answers 500. */
void cps_api_respond_buf(cps_api_request *req, unsigned status, cps_buf *b);
/* The nodeos error body for `exc`, whose one detail message is printf-formatted; `file`, `line`
 * and `method` name where the error was found (use the macro). */
void cps_api_respond_exception(cps_api_request *req, enum cps_api_exception exc, const char *file,
                               unsigned line, const char *method, const char *fmt, ...)
    CPS_PRINTF(6, 7);
/* The error body for a CPS_ERR_* code through CPS_API_ERROR_MAP; detail NULL takes
 * cps_last_error() of the calling thread (or cps_strerror(code) when that is empty). */
void cps_api_respond_error(cps_api_request *req, int cps_code, const char *file, unsigned line,
                           const char *method, const char *detail);

#define CPS_API_RESPOND_EXCEPTION(req, exc, ...)                                                   \
    cps_api_respond_exception((req), (exc), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define CPS_API_RESPOND_ERROR(req, code, detail)                                                   \
    cps_api_respond_error((req), (code), __FILE__, __LINE__, __func__, (detail))

#endif
