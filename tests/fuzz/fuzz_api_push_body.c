/* libFuzzer target for the direct reader of push bodies (src/api/chain_api_push_body.c): any
 * bytes, read in each of the three shapes. The reader must either refuse with
 * CPS_ERR_UNSUPPORTED or give, transaction by transaction, exactly the packed bytes of the
 * general path (jansson, cps_abi_packed_transaction_from_json, cps_abi_packed_transaction_pack);
 * and it must never read outside the input (ASan). */
#include "api/chain_api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_api_push_body: %s failed at line %d\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_shape(const char *body, size_t n, enum chain_api_push_shape shape)
{
    chain_api_push_body pb;
    int rc = chain_api_push_body_read(body, n, shape, 1000, &pb);
    if (rc) {
        REQUIRE(rc == CPS_ERR_UNSUPPORTED);
        return;
    }
    json_error_t err;
    json_t *root = json_loadb(body, n, JSON_DECODE_ANY, &err);
    REQUIRE(root); /* the direct form is valid JSON */
    size_t count = shape == CHAIN_API_PUSH_MANY ? json_array_size(root) : 1;
    REQUIRE(count == pb.count);
    for (size_t i = 0; i < count; i++) {
        const json_t *v = shape == CHAIN_API_PUSH_MANY   ? json_array_get(root, i)
                          : shape == CHAIN_API_PUSH_SEND2 ? json_object_get(root, "transaction")
                                                          : root;
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_packed_transaction p;
        cps_buf want = {0};
        REQUIRE(cps_abi_packed_transaction_from_json(v, NULL, NULL, &a, &p) == 0);
        REQUIRE(cps_abi_packed_transaction_pack(&want, &p) == 0);
        cps_bytes got = chain_api_push_body_get(&pb, i);
        REQUIRE(got.size == want.size && memcmp(got.data, want.data, want.size) == 0);
        cps_buf_free(&want);
        cps_abi_arena_free(&a);
    }
    json_decref(root);
    chain_api_push_body_free(&pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy: a read one past the end is caught */
    char *body = malloc(size ? size : 1);
    if (!body) return 0;
    memcpy(body, data, size);
    check_shape(body, size, CHAIN_API_PUSH_ONE);
    check_shape(body, size, CHAIN_API_PUSH_SEND2);
    check_shape(body, size, CHAIN_API_PUSH_MANY);
    free(body);
    return 0;
}
