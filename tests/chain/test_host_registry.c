/* Tests of the intrinsic registry as a whole: the core groups and the groups of host_groups.h
 * provide each name once, every one binds into one wasm module, and their signatures match the
 * contract SDK's independent list (contracts/sdk/intrinsics.list, from EOSIO's registrations) —
 * so a contract built against the SDK links against CPS. The names of that list CPS does not
 * provide yet are named here, so adding one without updating this test fails it. */
#include "host_harness.h"

static const cps_chain_intrinsic_group *const all_groups[] = {&cps_chain__host_core,
                                                              &cps_chain__host_db_i64,
                                                              &cps_chain__host_db_idx,
                                                              &cps_chain__host_crypto,
                                                              &cps_chain__host_system,
                                                              &cps_chain__host_transaction,
                                                              &cps_chain__host_privileged,
                                                              &cps_chain__host_permission,
                                                              &cps_chain__host_compiler_rt,
                                                              &cps_chain__host_console,
                                                              NULL};

/* In the SDK's list but not provided: none at present (an empty entry keeps the array legal). */
static const char *const not_provided[] = {""};

static const cps_vm_host_func *find(const char *name)
{
    for (size_t g = 0; all_groups[g]; g++)
        for (size_t i = 0; i < all_groups[g]->count; i++)
            if (!strcmp(all_groups[g]->funcs[i].name, name)) return &all_groups[g]->funcs[i];
    return NULL;
}

TEST(every_name_is_provided_once)
{
    size_t total = 0;
    for (size_t g = 0; all_groups[g]; g++)
        for (size_t i = 0; i < all_groups[g]->count; i++) {
            total++;
            const cps_vm_host_func *f = &all_groups[g]->funcs[i];
            ASSERT_STR_EQ(f->module, "env");
            int seen = 0;
            for (size_t h = 0; all_groups[h]; h++)
                for (size_t k = 0; k < all_groups[h]->count; k++)
                    seen += !strcmp(all_groups[h]->funcs[k].name, f->name);
            ASSERT_MSG(seen == 1, "%s is provided %d times", f->name, seen);
        }
    ASSERT(total > 150);
}

TEST(every_group_binds_into_one_module)
{
    harness h;
    ASSERT_OK(harness_open(&h, all_groups));
    harness_close(&h);
}

/* "(i32, i64) -> nil" -> "(iI)" */
static bool list_signature(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = strchr(text, '(');
    if (!p || cap < 8) return false;
    out[n++] = '(';
    for (p++; *p && *p != ')'; p++) {
        if (!strncmp(p, "i32", 3))
            out[n++] = 'i', p += 2;
        else if (!strncmp(p, "i64", 3))
            out[n++] = 'I', p += 2;
        else if (!strncmp(p, "f32", 3))
            out[n++] = 'f', p += 2;
        else if (!strncmp(p, "f64", 3))
            out[n++] = 'F', p += 2;
        if (n + 3 >= cap) return false;
    }
    if (*p != ')') return false;
    out[n++] = ')';
    const char *r = strstr(p, "->");
    if (!r) return false;
    r += 2;
    while (*r == ' ')
        r++;
    if (!strncmp(r, "i32", 3))
        out[n++] = 'i';
    else if (!strncmp(r, "i64", 3))
        out[n++] = 'I';
    else if (!strncmp(r, "f32", 3))
        out[n++] = 'f';
    else if (!strncmp(r, "f64", 3))
        out[n++] = 'F';
    else if (strncmp(r, "nil", 3))
        return false;
    out[n] = 0;
    return true;
}

TEST(signatures_match_the_sdk_list)
{
    FILE *f = fopen("contracts/sdk/intrinsics.list", "r");
    ASSERT_MSG(f != NULL, "contracts/sdk/intrinsics.list not found (run from the repository root)");
    char line[512];
    int listed = 0, missing = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char *bar = strchr(line, '|');
        if (!bar) continue;
        char name[96];
        size_t n = (size_t)(bar - line);
        while (n && line[n - 1] == ' ')
            n--;
        if (n == 0 || n >= sizeof name) continue;
        memcpy(name, line, n);
        name[n] = 0;
        listed++;
        char sig[64];
        if (!list_signature(bar + 1, sig, sizeof sig)) {
            fclose(f);
            ASSERT_MSG(0, "cannot read the signature of %s", name);
        }
        const cps_vm_host_func *fn = find(name);
        bool excused = false;
        for (size_t i = 0; i < CPS_ARRAY_LEN(not_provided); i++)
            excused |= !strcmp(not_provided[i], name);
        if (!fn) {
            if (!excused) fprintf(stderr, "    not provided: %s\n", name);
            missing += !excused;
            continue;
        }
        if (excused) {
            fclose(f);
            ASSERT_MSG(0, "%s is provided now: take it off not_provided", name);
        }
        if (strcmp(fn->signature, sig) != 0) {
            fclose(f);
            ASSERT_MSG(0, "%s: registered %s, the SDK list says %s", name, fn->signature, sig);
        }
    }
    fclose(f);
    ASSERT(listed > 150);
    ASSERT_EQ(missing, 0);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
