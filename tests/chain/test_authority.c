/* Tests of the authority checker against EOSIO's rules: thresholds and weights, the visiting order
 * that decides which keys count as used, nested accounts, the depth limit, cycles, waits and
 * delays, provided permissions (eosio.code), parent permissions, the declared-authorization check
 * with irrelevant signatures, and get_required_keys. Permissions live in a small in-memory table
 * the lookup callback reads. */
#include "chain/chain.h"
#include "test.h"

#include <stdio.h>

/* ---- a permission table ------------------------------------------------------------------ */
#define MAX_PERMS 64
#define MAX_ENTRIES 1200

struct perm {
    cps_permission_level level;
    cps_name parent;
    cps_authority auth;
    cps_key_weight keys[8];
    cps_permission_level_weight accounts[MAX_ENTRIES];
    cps_wait_weight waits[4];
};

static struct perm perms[MAX_PERMS];
static size_t perm_count;
static int lookups;
static int lookup_error; /* when non-zero, the lookup fails with it */

static cps_name N(const char *s)
{
    return cps_abi_name(s);
}

static cps_permission_level L(const char *actor, const char *perm)
{
    cps_permission_level l = {N(actor), perm ? N(perm) : 0};
    return l;
}

static void reset_perms(void)
{
    memset(perms, 0, sizeof perms);
    perm_count = 0;
    lookups = 0;
    lookup_error = 0;
}

/* Adds actor@perm with the given parent and threshold; entries are added with the helpers below
 * and must come in the order validation requires. */
static struct perm *add_perm(const char *actor, const char *perm, const char *parent,
                             uint32_t threshold)
{
    struct perm *p = &perms[perm_count++];
    p->level = L(actor, perm);
    p->parent = parent ? N(parent) : 0;
    p->auth.threshold = threshold;
    p->auth.keys = p->keys;
    p->auth.accounts = p->accounts;
    p->auth.waits = p->waits;
    return p;
}

static void add_key(struct perm *p, const cps_public_key *k, uint16_t w)
{
    p->keys[p->auth.key_count].key = *k;
    p->keys[p->auth.key_count++].weight = w;
}

static void add_account(struct perm *p, const char *actor, const char *perm, uint16_t w)
{
    p->accounts[p->auth.account_count].permission = L(actor, perm);
    p->accounts[p->auth.account_count++].weight = w;
}

static void add_wait(struct perm *p, uint32_t sec, uint16_t w)
{
    p->waits[p->auth.wait_count].wait_sec = sec;
    p->waits[p->auth.wait_count++].weight = w;
}

static int lookup(void *ctx, const cps_permission_level *l, const cps_authority **out)
{
    (void)ctx;
    lookups++;
    if (lookup_error) return cps_fail(lookup_error, "lookup failed on purpose");
    for (size_t i = 0; i < perm_count; i++)
        if (perms[i].level.actor == l->actor && perms[i].level.permission == l->permission) {
            *out = &perms[i].auth;
            return 0;
        }
    return CPS_ERR_NOT_FOUND;
}

static int parent_of(void *ctx, const cps_permission_level *l, cps_name *parent)
{
    (void)ctx;
    for (size_t i = 0; i < perm_count; i++)
        if (perms[i].level.actor == l->actor && perms[i].level.permission == l->permission) {
            *parent = perms[i].parent;
            return 0;
        }
    return cps_fail(CPS_ERR_NOT_FOUND, "no such permission");
}

/* ---- keys: deterministic K1 keys, index i -> sha256("key" i) -------------------------------- */
static cps_public_key K[8];

static void make_keys(void)
{
    static bool made;
    if (made) return;
    for (int i = 0; i < 8; i++) {
        char seed[16];
        snprintf(seed, sizeof seed, "key%d", i);
        cps_private_key sk = {CPS_KEY_K1, {0}};
        cps_sha256(seed, strlen(seed), sk.secret);
        if (cps_key_public(&sk, &K[i]) != 0) abort();
    }
    /* Sort so that authorities can list them in the order validation wants. */
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            if (cps_public_key_compare(&K[j], &K[i]) < 0) {
                cps_public_key t = K[i];
                K[i] = K[j];
                K[j] = t;
            }
    made = true;
}

/* A checker over the table with these keys (indices into K, -1 terminated) and permissions. */
static cps_chain_auth_checker *checker(const int *keys, const cps_permission_level *pl, size_t npl,
                                       uint16_t depth, int64_t delay_us)
{
    cps_public_key provided[16];
    size_t n = 0;
    for (; keys && keys[n] >= 0; n++)
        provided[n] = K[keys[n]];
    cps_chain_auth_params p = {lookup, NULL, depth, provided, n, pl, npl, delay_us, NULL, NULL};
    cps_chain_auth_checker *c = NULL;
    if (cps_chain_auth_checker_create(&p, &c) != 0) abort();
    return c;
}

/* Whether level is satisfied with these keys (no permissions, depth 6, no delay). */
static bool sat(const char *actor, const char *perm, const int *keys)
{
    cps_chain_auth_checker *c = checker(keys, NULL, 0, 6, 0);
    cps_permission_level l = L(actor, perm);
    bool ok = false;
    if (cps_chain_auth_satisfied(c, &l, &ok) != 0) abort();
    cps_chain_auth_checker_destroy(c);
    return ok;
}

/* Index i in the checker of key K[k]. */
static bool used(const cps_chain_auth_checker *c, int k)
{
    for (size_t i = 0; i < cps_chain_auth_key_count(c); i++)
        if (cps_public_key_compare(cps_chain_auth_key(c, i), &K[k]) == 0)
            return cps_chain_auth_key_used(c, i);
    abort();
}

#define KEYS(...) ((const int[]){__VA_ARGS__, -1})
#define NO_KEYS ((const int[]){-1})

/* ---- tests ---------------------------------------------------------------------------------- */
TEST(single_key_and_unused_keys)
{
    make_keys();
    reset_perms();
    struct perm *p = add_perm("alice", "active", "owner", 1);
    add_key(p, &K[0], 1);
    ASSERT_OK(cps_abi_authority_validate(&p->auth));
    ASSERT(sat("alice", "active", KEYS(0)));
    ASSERT(!sat("alice", "active", NO_KEYS));
    ASSERT(!sat("alice", "active", KEYS(1)));

    cps_chain_auth_checker *c = checker(KEYS(0, 1, 1), NULL, 0, 6, 0);
    ASSERT_EQ(cps_chain_auth_key_count(c), 2); /* duplicates collapse, as in a flat_set */
    cps_permission_level l = L("alice", "active");
    bool ok;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(used(c, 0));
    ASSERT(!used(c, 1));
    ASSERT(!cps_chain_auth_all_keys_used(c));
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_auth_unused_keys_json(c, &b));
    char k1[CPS_PUBLIC_KEY_STR_MAX], expect[128];
    ASSERT_OK(cps_public_key_to_string(&K[1], false, k1, sizeof k1));
    snprintf(expect, sizeof expect, "[\"%s\"]", k1);
    ASSERT_STR_EQ(cps_buf_cstr(&b), expect);
    cps_buf_free(&b);
    cps_chain_auth_checker_destroy(c);
}

TEST(weights_and_threshold)
{
    make_keys();
    reset_perms();
    struct perm *p = add_perm("alice", "active", "owner", 2);
    add_key(p, &K[0], 1);
    add_key(p, &K[1], 1);
    add_key(p, &K[2], 2);
    ASSERT_OK(cps_abi_authority_validate(&p->auth));
    ASSERT(!sat("alice", "active", KEYS(0)));
    ASSERT(!sat("alice", "active", KEYS(1)));
    ASSERT(sat("alice", "active", KEYS(0, 1)));
    ASSERT(sat("alice", "active", KEYS(2)));
    ASSERT(!sat("alice", "active", KEYS(3, 4)));
}

TEST(highest_weight_first_decides_which_keys_are_used)
{
    make_keys();
    reset_perms();
    struct perm *p = add_perm("alice", "active", "owner", 2);
    add_key(p, &K[0], 1);
    add_key(p, &K[1], 1);
    add_key(p, &K[2], 2);
    /* With all three, the weight-2 key is visited first and reaches the threshold alone: the
     * other two are irrelevant signatures, as nodeos reports them. */
    cps_chain_auth_checker *c = checker(KEYS(0, 1, 2), NULL, 0, 6, 0);
    cps_permission_level l = L("alice", "active");
    bool ok;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(used(c, 2));
    ASSERT(!used(c, 0));
    ASSERT(!used(c, 1));
    cps_chain_auth_checker_destroy(c);
}

TEST(equal_weights_visit_waits_then_keys_then_accounts)
{
    make_keys();
    reset_perms();
    struct perm *p = add_perm("alice", "active", "owner", 1);
    add_key(p, &K[0], 1);
    add_account(p, "bob", "active", 1);
    add_wait(p, 10, 1);
    struct perm *b = add_perm("bob", "active", "owner", 1);
    add_key(b, &K[1], 1);
    ASSERT_OK(cps_abi_authority_validate(&p->auth));
    cps_permission_level l = L("alice", "active");
    bool ok;

    /* No delay: the key comes before the account, so bob's key stays unused. */
    cps_chain_auth_checker *c = checker(KEYS(0, 1), NULL, 0, 6, 0);
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(used(c, 0));
    ASSERT(!used(c, 1));
    cps_chain_auth_checker_destroy(c);

    /* With the delay, the wait comes first and no key is needed at all. */
    c = checker(KEYS(0, 1), NULL, 0, 6, 10 * 1000000);
    lookups = 0;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(!used(c, 0));
    ASSERT(!used(c, 1));
    ASSERT_EQ(lookups, 1); /* alice only: bob was never looked up */
    cps_chain_auth_checker_destroy(c);

    /* Only bob's key: the account entry is reached and satisfies alice. */
    c = checker(KEYS(1), NULL, 0, 6, 0);
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(used(c, 1));
    cps_chain_auth_checker_destroy(c);
}

TEST(nested_accounts)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 2);
    add_account(a, "bob", "active", 1);
    add_account(a, "carol", "active", 1);
    ASSERT_OK(cps_abi_authority_validate(&a->auth));
    add_key(add_perm("bob", "active", "owner", 1), &K[1], 1);
    struct perm *c = add_perm("carol", "active", "owner", 2);
    add_key(c, &K[2], 1);
    add_key(c, &K[3], 1);
    ASSERT(!sat("alice", "active", KEYS(1)));
    ASSERT(!sat("alice", "active", KEYS(1, 2)));
    ASSERT(sat("alice", "active", KEYS(1, 2, 3)));
    ASSERT(!sat("alice", "active", KEYS(2, 3)));
}

TEST(failed_sub_authority_releases_its_keys)
{
    make_keys();
    reset_perms();
    /* bob (weight 2) is visited first and fails with only one of his two keys; that key must not
     * count as used when alice is then satisfied by her own key. */
    struct perm *a = add_perm("alice", "active", "owner", 1);
    add_key(a, &K[0], 1);
    add_account(a, "bob", "active", 2);
    struct perm *b = add_perm("bob", "active", "owner", 2);
    add_key(b, &K[1], 1);
    add_key(b, &K[2], 1);
    cps_chain_auth_checker *c = checker(KEYS(0, 1), NULL, 0, 6, 0);
    cps_permission_level l = L("alice", "active");
    bool ok;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT(used(c, 0));
    ASSERT(!used(c, 1));
    cps_chain_auth_checker_destroy(c);
}

TEST(unsatisfied_question_marks_no_key)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 4);
    add_key(a, &K[0], 1);
    add_account(a, "bob", "active", 2);
    struct perm *b = add_perm("bob", "active", "owner", 2);
    add_key(b, &K[1], 1);
    add_key(b, &K[2], 1);
    cps_chain_auth_checker *c = checker(KEYS(0, 1, 2), NULL, 0, 6, 0);
    cps_permission_level l = L("alice", "active");
    bool ok = true;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(!ok); /* 2 + 1 < 4 */
    ASSERT(!used(c, 0));
    ASSERT(!used(c, 1));
    ASSERT(!used(c, 2));
    cps_chain_auth_checker_destroy(c);
}

/* Name of the i-th link of a chain: "link" + i in base 26 letters ("linka", "linkb", ...). */
static void link_name(char *out, size_t cap, int i)
{
    snprintf(out, cap, "link%c%c", 'a' + i / 26 % 26, 'a' + i % 26);
}

/* link(1)@active -> link(2)@active -> ... -> link(n)@active, the key in link(n)'s authority. */
static void chain_of(int n)
{
    reset_perms();
    for (int i = 1; i <= n; i++) {
        char name[16], next[16];
        link_name(name, sizeof name, i);
        struct perm *p = add_perm(name, "active", "owner", 1);
        if (i < n) {
            link_name(next, sizeof next, i + 1);
            add_account(p, next, "active", 1);
        } else {
            add_key(p, &K[0], 1);
        }
    }
}

static bool sat_depth(uint16_t depth)
{
    cps_chain_auth_checker *c = checker(KEYS(0), NULL, 0, depth, 0);
    char first[16];
    link_name(first, sizeof first, 1);
    cps_permission_level l = L(first, "active");
    bool ok = false;
    if (cps_chain_auth_satisfied(c, &l, &ok) != 0) abort();
    cps_chain_auth_checker_destroy(c);
    return ok;
}

TEST(depth_limit)
{
    make_keys();
    /* a_k's authority is evaluated at depth k and may expand its accounts only while k < limit:
     * with the default 6, a chain of 6 permissions works, a chain of 7 does not. */
    chain_of(6);
    ASSERT(sat_depth(6));
    ASSERT(!sat_depth(5));
    chain_of(7);
    ASSERT(!sat_depth(6));
    ASSERT(sat_depth(7));
    chain_of(1);
    ASSERT(sat_depth(1));
    ASSERT(!sat_depth(0)); /* nothing may be looked up at all */
    /* A deep limit with a long chain runs without recursion in C. */
    chain_of(60);
    ASSERT(sat_depth(60));
    ASSERT(!sat_depth(59));
}

TEST(cycles_terminate_and_count_as_unsatisfied)
{
    make_keys();
    reset_perms();
    add_account(add_perm("alice", "active", "owner", 1), "bob", "active", 1);
    add_account(add_perm("bob", "active", "owner", 1), "alice", "active", 1);
    ASSERT(!sat("alice", "active", KEYS(0, 1)));

    /* alice needs her key and bob; bob only refers back to alice, who is being evaluated, so bob
     * fails even though alice would end up with her key. */
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 2);
    add_key(a, &K[0], 1);
    add_account(a, "bob", "active", 1);
    add_account(add_perm("bob", "active", "owner", 1), "alice", "active", 1);
    ASSERT(!sat("alice", "active", KEYS(0)));

    /* A cycle with a way out. */
    struct perm *b = &perms[1];
    b->auth.threshold = 1;
    add_key(b, &K[1], 1);
    ASSERT(sat("alice", "active", KEYS(0, 1)));
}

TEST(a_satisfied_permission_is_cached_for_the_question)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 2);
    add_account(a, "bob", "active", 1);
    add_account(a, "carol", "active", 1);
    add_account(add_perm("carol", "active", "owner", 1), "bob", "active", 1);
    add_key(add_perm("bob", "active", "owner", 1), &K[1], 1);
    cps_chain_auth_checker *c = checker(KEYS(1), NULL, 0, 6, 0);
    cps_permission_level l = L("alice", "active");
    bool ok;
    lookups = 0;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    ASSERT_EQ(lookups, 3); /* alice, bob, carol: bob is not looked up a second time */
    cps_chain_auth_checker_destroy(c);
}

TEST(waits_count_only_with_enough_delay)
{
    make_keys();
    reset_perms();
    struct perm *p = add_perm("alice", "active", "owner", 2);
    add_key(p, &K[0], 1);
    add_wait(p, 3600, 1);
    ASSERT_OK(cps_abi_authority_validate(&p->auth));
    cps_permission_level l = L("alice", "active");
    int64_t delays[] = {0, 3599999999, 3600000000, INT64_MAX};
    bool expect[] = {false, false, true, true};
    for (size_t i = 0; i < 4; i++) {
        cps_chain_auth_checker *c = checker(KEYS(0), NULL, 0, 6, delays[i]);
        bool ok;
        ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
        ASSERT_MSG(ok == expect[i], "delay %lld", (long long)delays[i]);
        /* The per-call delay overrides the checker's. */
        ASSERT_OK(cps_chain_auth_satisfied_delay(c, &l, 3600000000, &ok));
        ASSERT(ok);
        ASSERT_OK(cps_chain_auth_satisfied_delay(c, &l, 0, &ok));
        ASSERT(!ok);
        cps_chain_auth_checker_destroy(c);
    }
    ASSERT_EQ(cps_chain_auth_effective_delay(100, 3888000), 100);
    ASSERT_EQ(cps_chain_auth_effective_delay(3888000ll * 1000000, 3888000), INT64_MAX);
    ASSERT_EQ(cps_chain_auth_effective_delay(3888000ll * 1000000 - 1, 3888000),
              3888000ll * 1000000 - 1);
}

TEST(provided_permissions_such_as_eosio_code)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 1);
    add_key(a, &K[0], 1);
    add_account(a, "token", "eosio.code", 1);
    cps_permission_level code = L("token", "eosio.code");
    cps_permission_level l = L("alice", "active");
    bool ok;
    /* Inline action sent by `token`: no keys, token@eosio.code provided. */
    cps_chain_auth_checker *c = checker(NO_KEYS, &code, 1, 6, 0);
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    cps_chain_auth_checker_destroy(c);
    /* Without it, eosio.code is not a stored permission and adds nothing. */
    c = checker(NO_KEYS, NULL, 0, 6, 0);
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(!ok);
    cps_chain_auth_checker_destroy(c);
    /* Another contract's code permission does not help. */
    cps_permission_level other = L("evil", "eosio.code");
    c = checker(NO_KEYS, &other, 1, 6, 0);
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(!ok);
    cps_chain_auth_checker_destroy(c);
    /* A provided level is satisfied outright, and a level with permission 0 stands for every
     * permission of its actor. */
    cps_permission_level any = L("alice", NULL);
    c = checker(NO_KEYS, &any, 1, 6, 0);
    cps_permission_level custom = L("alice", "whatever");
    ASSERT_OK(cps_chain_auth_satisfied(c, &custom, &ok));
    ASSERT(ok);
    cps_chain_auth_checker_destroy(c);
}

TEST(missing_permissions_and_lookup_errors)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 1);
    add_account(a, "ghost", "active", 1);
    add_key(a, &K[0], 1);
    ASSERT(!sat("nobody", "active", KEYS(0)));
    ASSERT(sat("alice", "active", KEYS(0))); /* ghost is skipped, the key still counts */
    ASSERT(!sat("alice", "active", NO_KEYS));
    cps_permission_level empty = {0, N("active")};
    cps_chain_auth_checker *c = checker(KEYS(0), NULL, 0, 6, 0);
    bool ok = true;
    lookups = 0;
    ASSERT_OK(cps_chain_auth_satisfied(c, &empty, &ok));
    ASSERT(!ok);
    ASSERT_EQ(lookups, 0);
    lookup_error = CPS_ERR_DB;
    cps_permission_level l = L("alice", "active");
    ASSERT_EQ(cps_chain_auth_satisfied(c, &l, &ok), CPS_ERR_DB);
    ASSERT(!ok);
    ASSERT(!used(c, 0));
    cps_chain_auth_checker_destroy(c);
    cps_chain_auth_params bad = {0};
    ASSERT_EQ(cps_chain_auth_checker_create(&bad, &c), CPS_ERR_INVALID_ARG);
}

static int fail_on_carol(void *ctx, const cps_permission_level *l, const cps_authority **out)
{
    if (l->actor == N("carol")) return cps_fail(CPS_ERR_DB, "carol is unreadable");
    return lookup(ctx, l, out);
}

TEST(an_aborted_question_leaves_used_keys_unchanged)
{
    make_keys();
    reset_perms();
    /* bob's key is marked before carol's lookup fails. */
    struct perm *a = add_perm("alice", "active", "owner", 2);
    add_account(a, "bob", "active", 1);
    add_account(a, "carol", "active", 1);
    add_key(add_perm("bob", "active", "owner", 1), &K[1], 1);
    cps_public_key k = K[1];
    cps_chain_auth_params p = {fail_on_carol, NULL, 6, &k, 1, NULL, 0, 0, NULL, NULL};
    cps_chain_auth_checker *c;
    ASSERT_OK(cps_chain_auth_checker_create(&p, &c));
    cps_permission_level l = L("alice", "active");
    bool ok = true;
    ASSERT_EQ(cps_chain_auth_satisfied(c, &l, &ok), CPS_ERR_DB);
    ASSERT(!ok);
    ASSERT(!used(c, 1));
    cps_chain_auth_checker_destroy(c);
}

static int deadline(void *ctx)
{
    int *budget = ctx;
    return (*budget)-- > 0 ? 0 : CPS_ERR_DEADLINE;
}

TEST(checktime_aborts_the_check)
{
    make_keys();
    chain_of(5);
    int budget = 3;
    cps_public_key k = K[0];
    cps_chain_auth_params p = {lookup, NULL, 6, &k, 1, NULL, 0, 0, deadline, &budget};
    cps_chain_auth_checker *c;
    ASSERT_OK(cps_chain_auth_checker_create(&p, &c));
    char first[16];
    link_name(first, sizeof first, 1);
    cps_permission_level l = L(first, "active");
    bool ok;
    ASSERT_EQ(cps_chain_auth_satisfied(c, &l, &ok), CPS_ERR_DEADLINE);
    budget = 100;
    ASSERT_OK(cps_chain_auth_satisfied(c, &l, &ok));
    ASSERT(ok);
    cps_chain_auth_checker_destroy(c);
}

TEST(authority_itself)
{
    make_keys();
    reset_perms();
    add_key(add_perm("bob", "active", "owner", 1), &K[1], 1);
    cps_key_weight kw[1] = {{K[0], 1}};
    cps_permission_level_weight pw[1] = {{L("bob", "active"), 1}};
    cps_authority auth = {2, kw, 1, pw, 1, NULL, 0};
    cps_chain_auth_checker *c = checker(KEYS(0, 1), NULL, 0, 1, 0);
    bool ok;
    /* Accounts of an authority checked directly are at depth 0, so depth 1 may expand them. */
    ASSERT_OK(cps_chain_auth_authority_satisfied(c, &auth, &ok));
    ASSERT(ok);
    ASSERT(cps_chain_auth_all_keys_used(c));
    cps_chain_auth_checker_destroy(c);
}

/* Authorities from the state are validated, but the checker does what nodeos does with any: a
 * threshold of 0 is reached after the first entry, whatever it adds, and never without one. */
TEST(zero_threshold_as_nodeos)
{
    make_keys();
    reset_perms();
    add_account(add_perm("alice", "active", "owner", 0), "ghost", "active", 1);
    add_account(add_perm("bob", "active", "owner", 0), "alice", "owner", 1);
    add_perm("alice", "owner", NULL, 1);
    add_perm("carol", "active", "owner", 0);
    ASSERT(sat("alice", "active", NO_KEYS));
    ASSERT(sat("bob", "active", NO_KEYS)); /* alice@owner (threshold 1) fails, bob passes anyway */
    ASSERT(!sat("carol", "active", NO_KEYS));
}

TEST(wide_authorities)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 2);
    /* 1000 accounts that do not exist, then one that does. */
    for (int i = 0; i < 1000; i++) {
        char name[13];
        snprintf(name, sizeof name, "acc%c%c%c", 'a' + i / 100 % 10, 'a' + i / 10 % 10,
                 'a' + i % 10);
        add_account(a, name, "active", 1);
    }
    add_account(a, "zed", "active", 1);
    add_key(add_perm("zed", "active", "owner", 1), &K[3], 1);
    ASSERT(!sat("alice", "active", KEYS(3)));
    a->auth.threshold = 1;
    ASSERT(sat("alice", "active", KEYS(3)));
}

TEST(parent_permissions)
{
    reset_perms();
    add_perm("alice", "owner", NULL, 1);
    add_perm("alice", "active", "owner", 1);
    add_perm("alice", "transfer", "active", 1);
    add_perm("alice", "vote", "owner", 1);
    add_perm("bob", "owner", NULL, 1);
    add_perm("bob", "active", "owner", 1);
    struct {
        const char *declared_actor, *declared, *required_actor, *required;
        bool expect;
    } cases[] = {
        {"alice", "owner", "alice", "active", true},
        {"alice", "active", "alice", "active", true},
        {"alice", "active", "alice", "owner", false},
        {"alice", "owner", "alice", "transfer", true},
        {"alice", "active", "alice", "transfer", true},
        {"alice", "transfer", "alice", "active", false},
        {"alice", "vote", "alice", "transfer", false},
        {"alice", "owner", "alice", "owner", true},
        {"bob", "owner", "alice", "active", false},
        {"alice", "owner", "bob", "active", false},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        cps_permission_level d = L(cases[i].declared_actor, cases[i].declared);
        cps_permission_level r = L(cases[i].required_actor, cases[i].required);
        bool ok = !cases[i].expect;
        ASSERT_OK(cps_chain_permission_satisfies(parent_of, NULL, &d, &r, &ok));
        ASSERT_MSG(ok == cases[i].expect, "case %zu", i);
    }
    cps_permission_level d = L("alice", "owner"), r = L("alice", "nothere");
    bool ok;
    ASSERT_EQ(cps_chain_permission_satisfies(parent_of, NULL, &d, &r, &ok), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_chain_permission_satisfies(parent_of, NULL, &r, &d, &ok), CPS_ERR_NOT_FOUND);
    /* A stored tree with a cycle is reported, not walked forever. */
    add_perm("carol", "a", "b", 1);
    add_perm("carol", "b", "a", 1);
    add_perm("carol", "owner", NULL, 1);
    d = L("carol", "owner");
    r = L("carol", "a");
    ASSERT_EQ(cps_chain_permission_satisfies(parent_of, NULL, &d, &r, &ok), CPS_ERR_DB_CORRUPT);
}

TEST(declared_authorizations_and_irrelevant_signatures)
{
    make_keys();
    reset_perms();
    add_key(add_perm("alice", "active", "owner", 1), &K[0], 1);
    add_key(add_perm("bob", "active", "owner", 1), &K[1], 1);
    struct perm *d = add_perm("dave", "active", "owner", 2);
    add_key(d, &K[3], 1);
    add_wait(d, 60, 1);
    cps_chain_declared_auth auths[] = {
        {L("bob", "active"), 0},
        {L("alice", "active"), 0},
        {L("alice", "active"), 0},
    };
    cps_chain_auth_checker *c = checker(KEYS(0, 1), NULL, 0, 6, 0);
    ASSERT_OK(cps_chain_auth_check_declared(c, auths, 3, false));
    cps_chain_auth_checker_destroy(c);

    c = checker(KEYS(0, 1, 2), NULL, 0, 6, 0);
    ASSERT_EQ(cps_chain_auth_check_declared(c, auths, 3, false), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(),
                    "transaction bears irrelevant signatures from these keys: [\"EOS");
    cps_chain_auth_checker_destroy(c);
    c = checker(KEYS(0, 1, 2), NULL, 0, 6, 0);
    ASSERT_OK(cps_chain_auth_check_declared(c, auths, 3, true));
    cps_chain_auth_checker_destroy(c);

    c = checker(KEYS(0), NULL, 0, 6, 0);
    ASSERT_EQ(cps_chain_auth_check_declared(c, auths, 3, false), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "transaction declares authority "
                                      "'{\"actor\":\"bob\",\"permission\":\"active\"}', but does "
                                      "not have signatures for it");
    cps_chain_auth_checker_destroy(c);

    /* The same level declared with two delays is checked under the smaller one. */
    cps_chain_declared_auth waits[] = {
        {L("dave", "active"), 60 * 1000000},
        {L("dave", "active"), 0},
    };
    c = checker(KEYS(3), NULL, 0, 6, 0);
    ASSERT_EQ(cps_chain_auth_check_declared(c, waits, 2, false), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "provided delay of 0 ms");
    ASSERT_OK(cps_chain_auth_check_declared(c, waits, 1, false));
    cps_chain_auth_checker_destroy(c);
}

TEST(get_required_keys_is_nodeos_greedy_choice)
{
    make_keys();
    reset_perms();
    struct perm *a = add_perm("alice", "active", "owner", 2);
    add_key(a, &K[0], 1);
    add_key(a, &K[1], 1);
    add_key(a, &K[2], 2);
    add_key(add_perm("bob", "active", "owner", 1), &K[4], 1);
    cps_permission_level declared[] = {L("alice", "active"), L("bob", "active")};
    cps_public_key cands[] = {K[5], K[0], K[1], K[2], K[4]};
    cps_public_key *out;
    size_t n;
    ASSERT_OK(cps_chain_get_required_keys(lookup, NULL, 6, declared, 2, cands, 5, 0, &out, &n));
    ASSERT_EQ(n, 2);
    ASSERT_EQ(cps_public_key_compare(&out[0], &K[2]), 0);
    ASSERT_EQ(cps_public_key_compare(&out[1], &K[4]), 0);
    free(out);
    /* Without the heavy key both light ones are needed. */
    cps_public_key light[] = {K[1], K[0], K[4]};
    ASSERT_OK(cps_chain_get_required_keys(lookup, NULL, 6, declared, 1, light, 3, 0, &out, &n));
    ASSERT_EQ(n, 2);
    ASSERT_EQ(cps_public_key_compare(&out[0], &K[0]), 0);
    ASSERT_EQ(cps_public_key_compare(&out[1], &K[1]), 0);
    free(out);
    /* Not enough keys. */
    ASSERT_EQ(cps_chain_get_required_keys(lookup, NULL, 6, declared, 2, light, 2, 0, &out, &n),
              CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "'{\"actor\":\"bob\",\"permission\":\"active\"}'");
    ASSERT(out == NULL);
    ASSERT_EQ(n, 0);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
