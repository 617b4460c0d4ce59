/* Tests of the block log: the byte layout of blocks.log and blocks.index (nodeos's version 3),
 * appending and reading many blocks, reopening, torn appends cut or garbled at every byte of the
 * last entry repaired to the previous block, index rebuilds, logs of versions 1 and 2 and logs
 * that start after block 1, and clean rejection of bad headers and bad blocks. */
#include "chain/chain.h"
#include "test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers -------------------------------------------------------------------------------- */
static char dir[64];

static void remove_dir(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp) return;
    struct dirent *e;
    char path[600];
    while ((e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", d, e->d_name);
        unlink(path);
    }
    closedir(dp);
    rmdir(d);
}

/* A new empty directory, in memory when /dev/shm exists: the tests open and repair logs hundreds
 * of times and every repair syncs, which on a real disk only makes them slow. */
static void fresh_dir(void)
{
    if (dir[0]) remove_dir(dir);
    struct stat st;
    const char *base =
        stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
            ? "/dev/shm"
            : "/tmp";
    snprintf(dir, sizeof dir, "%s/cps-blocklog-XXXXXX", base);
    if (!mkdtemp(dir)) abort();
}

static char *path_of(const char *name)
{
    static char p[2][128];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void read_file(const char *name, cps_buf *out)
{
    cps_buf_reset(out);
    FILE *f = fopen(path_of(name), "rb");
    if (!f) return;
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        cps_write_bytes(out, tmp, n);
    fclose(f);
}

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
}

static long file_size(const char *name)
{
    struct stat st;
    return stat(path_of(name), &st) == 0 ? (long)st.st_size : -1;
}

/* A synthetic block: number `num` after `prev` (whose first 4 bytes carry num - 1), with a
 * number of receipts that varies so entries differ in size. */
static void make_block(uint32_t num, const cps_checksum256 *prev, cps_buf *raw, cps_checksum256 *id)
{
    cps_transaction_receipt receipts[8];
    memset(receipts, 0, sizeof receipts);
    uint32_t n = num % 7;
    for (uint32_t i = 0; i < n; i++) {
        receipts[i].status = CPS_TRX_EXECUTED;
        receipts[i].cpu_usage_us = 100 + i;
        receipts[i].net_usage_words = 12 + num;
        uint8_t seed[8];
        cps_store_u32(seed, num);
        cps_store_u32(seed + 4, i);
        cps_sha256(seed, 8, receipts[i].trx_id.b);
    }
    cps_signed_block b;
    memset(&b, 0, sizeof b);
    b.signed_header.header.timestamp = 1000 + num;
    b.signed_header.header.producer = cps_abi_name("eosio");
    b.signed_header.header.previous = *prev;
    cps_sha256(&num, sizeof num, b.signed_header.header.transaction_mroot.b);
    b.signed_header.producer_signature.type = CPS_KEY_K1;
    b.signed_header.producer_signature.data[0] = 31;
    memset(b.signed_header.producer_signature.data + 1, (int)num, 64);
    b.transactions = receipts;
    b.transaction_count = n;
    cps_buf_reset(raw);
    if (cps_abi_signed_block_pack(raw, &b) != 0) abort();
    if (cps_abi_block_id(&b.signed_header.header, id) != 0) abort();
}

/* Blocks 1..n of a chain, kept in memory to compare with what the log returns. */
#define MAX_BLOCKS 400
static cps_buf blocks[MAX_BLOCKS + 1];
static cps_checksum256 ids[MAX_BLOCKS + 1];

static void make_chain(uint32_t n)
{
    cps_checksum256 prev = {{0}};
    for (uint32_t i = 1; i <= n; i++) {
        make_block(i, &prev, &blocks[i], &ids[i]);
        prev = ids[i];
    }
}

static cps_chain_block_log *open_log(void)
{
    cps_chain_block_log *log = NULL;
    int rc = cps_chain_block_log_open(dir, NULL, &log);
    if (rc) {
        fprintf(stderr, "open: %s: %s\n", cps_error_name(rc), cps_last_error());
        return NULL;
    }
    return log;
}

static cps_chain_genesis genesis(void)
{
    cps_chain_genesis g;
    cps_chain_genesis_default(&g);
    return g;
}

/* A log with blocks 1..n appended. */
static cps_chain_block_log *log_with(uint32_t n)
{
    fresh_dir();
    make_chain(n);
    cps_chain_block_log *log = open_log();
    cps_chain_genesis g = genesis();
    if (!log || cps_chain_block_log_reset_genesis(log, &g)) abort();
    for (uint32_t i = 1; i <= n; i++)
        if (cps_chain_block_log_append(log, blocks[i].data, blocks[i].size, NULL)) abort();
    return log;
}

/* Every block reads back byte for byte, with its id. */
static bool reads_back(cps_chain_block_log *log, uint32_t first, uint32_t last)
{
    cps_buf raw;
    cps_buf_init(&raw);
    bool ok = true;
    for (uint32_t i = first; i <= last && ok; i++) {
        cps_checksum256 id;
        ok = cps_chain_block_log_read_raw(log, i, &raw) == 0 && raw.size == blocks[i].size &&
             memcmp(raw.data, blocks[i].data, raw.size) == 0 &&
             cps_chain_block_log_read_block_id(log, i, &id) == 0 && memcmp(id.b, ids[i].b, 32) == 0;
        if (!ok) fprintf(stderr, "block %u does not read back: %s\n", i, cps_last_error());
    }
    cps_buf_free(&raw);
    return ok;
}

/* ---- tests ---------------------------------------------------------------------------------- */
TEST(file_layout_is_nodeos_version_3)
{
    cps_chain_block_log *log = log_with(3);
    ASSERT(log != NULL);
    uint64_t pos2;
    ASSERT_OK(cps_chain_block_log_block_pos(log, 2, &pos2));
    cps_chain_block_log_close(log);

    cps_buf f;
    cps_buf_init(&f);
    read_file("blocks.log", &f);
    cps_buf expect;
    cps_buf_init(&expect);
    cps_chain_genesis g = genesis();
    cps_write_u32(&expect, 3);
    cps_write_u32(&expect, 1);
    ASSERT_OK(cps_chain_genesis_pack(&expect, &g));
    cps_write_u64(&expect, UINT64_MAX);
    uint64_t header_end = expect.size;
    ASSERT_EQ(header_end, 4 + 4 + 110 + 8);
    uint64_t positions[4];
    for (uint32_t i = 1; i <= 3; i++) {
        positions[i] = expect.size;
        cps_write_bytes(&expect, blocks[i].data, blocks[i].size);
        cps_write_u64(&expect, positions[i]);
    }
    ASSERT_EQ(f.size, expect.size);
    ASSERT_MEM_EQ(f.data, expect.data, f.size);
    ASSERT_EQ(pos2, positions[2]);

    read_file("blocks.index", &f);
    ASSERT_EQ(f.size, 24);
    for (uint32_t i = 1; i <= 3; i++)
        ASSERT_U64_EQ(cps_load_u64(f.data + (i - 1) * 8), positions[i]);
    cps_buf_free(&f);
    cps_buf_free(&expect);
}

TEST(append_read_many_and_reopen)
{
    cps_chain_block_log *log = log_with(300);
    ASSERT(log != NULL);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 300);
    cps_checksum256 head;
    cps_chain_block_log_head_id(log, &head);
    ASSERT_MEM_EQ(head.b, ids[300].b, 32);
    ASSERT(reads_back(log, 1, 300));
    cps_chain_block_log_close(log);

    log = open_log();
    ASSERT(log != NULL);
    cps_chain_block_log_recovery rec;
    cps_chain_block_log_recovery_info(log, &rec);
    ASSERT_EQ(rec.truncated_bytes, 0);
    ASSERT(!rec.index_rebuilt);
    ASSERT(!rec.header_discarded);
    ASSERT_EQ(cps_chain_block_log_version(log), 3);
    ASSERT_EQ(cps_chain_block_log_first_block_num(log), 1);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 300);
    cps_chain_block_log_head_id(log, &head);
    ASSERT_MEM_EQ(head.b, ids[300].b, 32);
    ASSERT(reads_back(log, 1, 300));

    cps_checksum256 cid, expect_cid;
    cps_chain_genesis g = genesis(), back;
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &expect_cid));
    ASSERT_OK(cps_chain_block_log_chain_id(log, &cid));
    ASSERT_MEM_EQ(cid.b, expect_cid.b, 32);
    ASSERT_OK(cps_chain_block_log_genesis(log, &back));
    ASSERT_EQ(back.initial_timestamp, g.initial_timestamp);

    /* Decoded reads borrow from the arena. */
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block b;
    ASSERT_OK(cps_chain_block_log_read_block(log, 123, &a, &b));
    ASSERT_EQ(cps_abi_block_header_num(&b.signed_header.header), 123);
    ASSERT_EQ(b.transaction_count, 123 % 7);
    cps_abi_arena_free(&a);

    cps_buf head_raw;
    cps_buf_init(&head_raw);
    ASSERT_OK(cps_chain_block_log_read_head(log, &head_raw));
    ASSERT_EQ(head_raw.size, blocks[300].size);
    ASSERT_MEM_EQ(head_raw.data, blocks[300].data, head_raw.size);
    cps_buf_free(&head_raw);

    /* Appending continues after a reopen. */
    make_chain(301);
    ASSERT_OK(cps_chain_block_log_append(log, blocks[301].data, blocks[301].size, NULL));
    ASSERT(reads_back(log, 299, 301));
    cps_buf raw;
    cps_buf_init(&raw);
    ASSERT_EQ(cps_chain_block_log_read_raw(log, 0, &raw), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_chain_block_log_read_raw(log, 302, &raw), CPS_ERR_NOT_FOUND);
    cps_buf_free(&raw);
    cps_chain_block_log_close(log);
}

TEST(iterate_forward)
{
    cps_chain_block_log *log = log_with(40);
    ASSERT(log != NULL);
    cps_chain_block_log_iter it;
    cps_chain_block_log_iter_begin(log, 0, &it);
    cps_buf raw;
    cps_buf_init(&raw);
    uint32_t num, expect = 1;
    int rc;
    while ((rc = cps_chain_block_log_iter_next(&it, &raw, &num)) == 0) {
        ASSERT_EQ(num, expect);
        ASSERT_EQ(raw.size, blocks[num].size);
        ASSERT_MEM_EQ(raw.data, blocks[num].data, raw.size);
        expect++;
    }
    ASSERT_EQ(rc, CPS_ERR_NOT_FOUND);
    ASSERT_EQ(expect, 41);
    cps_chain_block_log_iter_begin(log, 38, &it);
    ASSERT_OK(cps_chain_block_log_iter_next(&it, &raw, &num));
    ASSERT_EQ(num, 38);
    cps_chain_block_log_iter_begin(log, 41, &it);
    ASSERT_EQ(cps_chain_block_log_iter_next(&it, &raw, &num), CPS_ERR_NOT_FOUND);
    cps_buf_free(&raw);
    cps_chain_block_log_close(log);
}

/* The heart of crash safety: an append cut short at any byte (or followed by zeros or garbage,
 * as a crash can leave pages that were allocated but never written) is removed on open, the log
 * ends at the previous block, and appending works again. */
TEST(torn_last_entry_at_every_offset_is_repaired)
{
    cps_chain_block_log *log = log_with(6);
    ASSERT(log != NULL);
    cps_chain_block_log_close(log);
    cps_buf full, index;
    cps_buf_init(&full);
    cps_buf_init(&index);
    read_file("blocks.log", &full);
    read_file("blocks.index", &index);
    uint64_t last_start = cps_load_u64(full.data + full.size - 8);
    ASSERT(last_start < full.size);

    uint8_t *damaged = malloc(full.size);
    ASSERT(damaged != NULL);
    int failures = 0;
    for (int mode = 0; mode < 3 && failures == 0; mode++) {
        for (uint64_t cut = last_start; cut < full.size && failures == 0; cut++) {
            memcpy(damaged, full.data, full.size);
            size_t size = (size_t)cut;
            if (mode == 1) { /* zeros after the cut, up to the full length */
                memset(damaged + cut, 0, full.size - cut);
                size = full.size;
            } else if (mode == 2) { /* garbage after the cut */
                for (size_t i = (size_t)cut; i < full.size; i++)
                    damaged[i] = (uint8_t)(i * 131 + 7);
                size = full.size;
            }
            if (size == full.size && memcmp(damaged, full.data, size) == 0)
                continue; /* the "damage" rewrote the bytes that were there (zeros over zeros) */
            write_file("blocks.log", damaged, size);
            write_file("blocks.index", index.data, index.size); /* index already has block 6 */
            log = open_log();
            bool ok = log != NULL;
            cps_chain_block_log_recovery rec = {0};
            uint32_t head = 0;
            long log_size = file_size("blocks.log"), index_size = file_size("blocks.index");
            if (ok) {
                cps_chain_block_log_recovery_info(log, &rec);
                head = cps_chain_block_log_head_num(log);
                ok = head == 5 && rec.truncated_bytes == size - last_start && rec.index_rebuilt &&
                     log_size == (long)last_start && index_size == 40 && reads_back(log, 1, 5) &&
                     cps_chain_block_log_append(log, blocks[6].data, blocks[6].size, NULL) == 0 &&
                     reads_back(log, 6, 6);
                cps_chain_block_log_close(log);
            }
            if (ok) {
                cps_buf now;
                cps_buf_init(&now);
                read_file("blocks.log", &now);
                ok = now.size == full.size && memcmp(now.data, full.data, full.size) == 0;
                cps_buf_free(&now);
            }
            if (!ok) {
                failures++;
                fprintf(stderr,
                        "mode %d cut %llu (entry %llu..%zu): head %u, truncated %llu, "
                        "rebuilt %d, sizes %ld %ld: %s\n",
                        mode, (unsigned long long)cut, (unsigned long long)last_start, full.size,
                        head, (unsigned long long)rec.truncated_bytes, rec.index_rebuilt, log_size,
                        index_size, cps_last_error());
            }
        }
    }
    ASSERT_EQ(failures, 0);
    free(damaged);

    /* A log cut inside its only block goes back to an empty log with its header. */
    log = log_with(1);
    ASSERT(log != NULL);
    cps_chain_block_log_close(log);
    read_file("blocks.log", &full);
    write_file("blocks.log", full.data, full.size - 3);
    log = open_log();
    ASSERT(log != NULL);
    ASSERT(cps_chain_block_log_has_header(log));
    ASSERT_EQ(cps_chain_block_log_head_num(log), 0);
    ASSERT_EQ(file_size("blocks.log"), 126);
    ASSERT_EQ(file_size("blocks.index"), 0);
    ASSERT_OK(cps_chain_block_log_append(log, blocks[1].data, blocks[1].size, NULL));
    cps_chain_block_log_close(log);
    cps_buf_free(&full);
    cps_buf_free(&index);
}

TEST(torn_tail_without_index_is_repaired_by_scanning)
{
    cps_chain_block_log *log = log_with(30);
    ASSERT(log != NULL);
    cps_chain_block_log_close(log);
    cps_buf full;
    cps_buf_init(&full);
    read_file("blocks.log", &full);
    uint64_t last_start = cps_load_u64(full.data + full.size - 8);
    write_file("blocks.log", full.data, (size_t)last_start + 17);
    unlink(path_of("blocks.index"));
    log = open_log();
    ASSERT(log != NULL);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 29);
    ASSERT(reads_back(log, 1, 29));
    cps_chain_block_log_close(log);
    cps_buf_free(&full);
}

TEST(index_is_rebuilt_when_missing_short_long_or_wrong)
{
    cps_chain_block_log *log = log_with(50);
    ASSERT(log != NULL);
    cps_chain_block_log_close(log);
    cps_buf index;
    cps_buf_init(&index);
    read_file("blocks.index", &index);

    struct {
        const char *what;
        size_t size;
        int damage_slot; /* -1: none */
        bool expect_rebuild_on_open;
    } cases[] = {
        {"missing", 0, -1, true},
        {"half", 25 * 8, -1, true},
        {"torn slot", 49 * 8 + 3, -1, true},
        {"longer", 52 * 8, -1, true},
        {"wrong last slot", 50 * 8, 49, true},
        {"wrong first slot", 50 * 8, 0, true},
        {"wrong middle slot", 50 * 8, 20, false}, /* found when block 21 is read */
        /* A shorter index is extended: its last kept slot is checked by the walk ... */
        {"half, last kept slot wrong", 25 * 8, 24, true},
        /* ... the slots before it are trusted until a read finds one wrong. */
        {"half, early slot wrong", 25 * 8, 3, true},
    };
    for (size_t c = 0; c < CPS_ARRAY_LEN(cases); c++) {
        uint8_t buf[52 * 8];
        memset(buf, 0xab, sizeof buf);
        memcpy(buf, index.data, cases[c].size < index.size ? cases[c].size : index.size);
        if (cases[c].damage_slot >= 0) cps_store_u64(buf + cases[c].damage_slot * 8, 12345);
        if (!strcmp(cases[c].what, "missing"))
            unlink(path_of("blocks.index"));
        else
            write_file("blocks.index", buf, cases[c].size);
        log = open_log();
        ASSERT_MSG(log != NULL, "%s", cases[c].what);
        cps_chain_block_log_recovery rec;
        cps_chain_block_log_recovery_info(log, &rec);
        ASSERT_MSG(rec.index_rebuilt == cases[c].expect_rebuild_on_open, "%s", cases[c].what);
        ASSERT_EQ(rec.truncated_bytes, 0);
        ASSERT_MSG(reads_back(log, 1, 50), "%s", cases[c].what);
        cps_chain_block_log_recovery_info(log, &rec);
        ASSERT_MSG(rec.index_rebuilt, "%s: rebuilt by the time every block was read",
                   cases[c].what);
        cps_chain_block_log_close(log);
        cps_buf now;
        cps_buf_init(&now);
        read_file("blocks.index", &now);
        ASSERT_EQ(now.size, index.size);
        ASSERT_MEM_EQ(now.data, index.data, index.size);
        cps_buf_free(&now);
    }
    cps_buf_free(&index);
}

TEST(damage_before_the_tail_is_reported_not_truncated)
{
    cps_chain_block_log *log = log_with(10);
    ASSERT(log != NULL);
    uint64_t pos5, pos6;
    ASSERT_OK(cps_chain_block_log_block_pos(log, 5, &pos5));
    ASSERT_OK(cps_chain_block_log_block_pos(log, 6, &pos6));
    cps_chain_block_log_close(log);
    cps_buf full;
    cps_buf_init(&full);
    read_file("blocks.log", &full);
    /* Break the trailer of block 5 and drop the index: the rebuild walk cannot pass it. */
    cps_store_u64(full.data + pos6 - 8, 99);
    write_file("blocks.log", full.data, full.size);
    unlink(path_of("blocks.index"));
    cps_chain_block_log *bad = NULL;
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &bad), CPS_ERR_DB_CORRUPT);
    ASSERT_CONTAINS(cps_last_error(), "corrupt");
    ASSERT(bad == NULL);
    ASSERT_EQ(file_size("blocks.log"), (long)full.size); /* nothing was cut */
    cps_buf_free(&full);
}

/* nodeos logs may hold blocks with WebAuthn signatures, which abi does not decode: such a block
 * at the tail must be kept (its trailer proves the entry complete), and reads say what is wrong. */
TEST(undecodable_webauthn_block_at_the_tail_is_kept)
{
    cps_chain_block_log *log = log_with(3);
    ASSERT(log != NULL);
    cps_chain_block_log_close(log);

    cps_signature sig = {CPS_KEY_K1, {0}};
    memset(sig.data, 0xee, sizeof sig.data);
    uint8_t trx[4] = {1, 2, 3, 4};
    cps_transaction_receipt rcpt;
    memset(&rcpt, 0, sizeof rcpt);
    rcpt.is_packed = true;
    rcpt.packed.signatures = &sig;
    rcpt.packed.signature_count = 1;
    rcpt.packed.packed_trx.data = trx;
    rcpt.packed.packed_trx.size = sizeof trx;
    cps_signed_block b;
    memset(&b, 0, sizeof b);
    b.signed_header.header.previous = ids[3];
    b.transactions = &rcpt;
    b.transaction_count = 1;
    cps_buf raw;
    cps_buf_init(&raw);
    ASSERT_OK(cps_abi_signed_block_pack(&raw, &b));
    size_t at = 0;
    for (size_t i = 0; i + 8 <= raw.size && !at; i++)
        if (!memcmp(raw.data + i, "\xee\xee\xee\xee\xee\xee\xee\xee", 8)) at = i;
    ASSERT(at > 0);
    raw.data[at - 1] = CPS_KEY_WA; /* the signature's variant index */

    cps_buf f;
    cps_buf_init(&f);
    read_file("blocks.log", &f);
    uint64_t pos = f.size;
    cps_write_bytes(&f, raw.data, raw.size);
    cps_write_u64(&f, pos);
    write_file("blocks.log", f.data, f.size);
    log = open_log();
    ASSERT(log != NULL);
    cps_chain_block_log_recovery rec;
    cps_chain_block_log_recovery_info(log, &rec);
    ASSERT_EQ(rec.truncated_bytes, 0);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 4);
    cps_buf got;
    cps_buf_init(&got);
    ASSERT_OK(cps_chain_block_log_read_raw(log, 4, &got));
    ASSERT_EQ(got.size, raw.size);
    ASSERT_MEM_EQ(got.data, raw.data, raw.size);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block back;
    ASSERT_EQ(cps_chain_block_log_read_block(log, 4, &a, &back), CPS_ERR_UNSUPPORTED);
    ASSERT_OK(cps_chain_block_log_read_block(log, 3, &a, &back));
    cps_abi_arena_free(&a);
    cps_chain_block_log_close(log);
    cps_buf_free(&raw);
    cps_buf_free(&f);
    cps_buf_free(&got);
}

static void write_header_file(uint32_t version, uint32_t first, const uint8_t *mid, size_t mid_n,
                              uint64_t totem, bool with_totem)
{
    cps_buf h;
    cps_buf_init(&h);
    cps_write_u32(&h, version);
    if (version != 1) cps_write_u32(&h, first);
    cps_write_bytes(&h, mid, mid_n);
    if (with_totem) cps_write_u64(&h, totem);
    write_file("blocks.log", h.data, h.size);
    unlink(path_of("blocks.index"));
    cps_buf_free(&h);
}

TEST(bad_headers_are_rejected_cleanly)
{
    fresh_dir();
    cps_chain_genesis g = genesis();
    cps_buf gb;
    cps_buf_init(&gb);
    ASSERT_OK(cps_chain_genesis_pack(&gb, &g));
    cps_chain_block_log *log = NULL;

    write_header_file(3, 1, gb.data, gb.size, 0x1234, true);
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &log), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "totem");

    write_header_file(4, 1, gb.data, gb.size, UINT64_MAX, true);
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &log), CPS_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(cps_last_error(), "version 4");

    write_header_file(3, 0, gb.data, gb.size, UINT64_MAX, true);
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &log), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "first_block_num");

    write_header_file(3, 1, gb.data, 50, 0, false);
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &log), CPS_ERR_DB_CORRUPT);

    gb.data[8] = 9; /* key type */
    write_header_file(3, 1, gb.data, gb.size, UINT64_MAX, true);
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &log), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "genesis");
    ASSERT(log == NULL);

    /* An unfinished reset (version still 0) holds nothing: it is discarded. */
    gb.data[8] = 0;
    write_header_file(0, 1, gb.data, gb.size, UINT64_MAX, true);
    ASSERT_OK(cps_chain_block_log_open(dir, NULL, &log));
    cps_chain_block_log_recovery rec;
    cps_chain_block_log_recovery_info(log, &rec);
    ASSERT(rec.header_discarded);
    ASSERT(!cps_chain_block_log_has_header(log));
    ASSERT_EQ(file_size("blocks.log"), 0);
    cps_checksum256 cid;
    ASSERT_EQ(cps_chain_block_log_chain_id(log, &cid), CPS_ERR_NOT_FOUND);
    make_chain(1);
    ASSERT_EQ(cps_chain_block_log_append(log, blocks[1].data, blocks[1].size, NULL), CPS_ERR_STATE);
    cps_chain_block_log_close(log);
    cps_buf_free(&gb);
}

TEST(bad_blocks_are_rejected_and_nothing_is_written)
{
    cps_chain_block_log *log = log_with(5);
    ASSERT(log != NULL);
    make_chain(8);
    long before = file_size("blocks.log");
    ASSERT_EQ(cps_chain_block_log_append(log, blocks[7].data, blocks[7].size, NULL), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "block 7 given, block 6 expected");
    ASSERT_EQ(cps_chain_block_log_append(log, blocks[5].data, blocks[5].size, NULL), CPS_ERR_BLOCK);
    /* Right number, wrong parent. */
    cps_checksum256 other = ids[5];
    other.b[31] ^= 1;
    cps_buf raw;
    cps_buf_init(&raw);
    cps_checksum256 id;
    make_block(6, &other, &raw, &id);
    ASSERT_EQ(cps_chain_block_log_append(log, raw.data, raw.size, NULL), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "does not link");
    /* Not a block, or a block followed by more bytes. */
    ASSERT_NE(cps_chain_block_log_append(log, blocks[6].data, blocks[6].size - 1, NULL), 0);
    cps_buf_reset(&raw);
    cps_write_bytes(&raw, blocks[6].data, blocks[6].size);
    cps_write_u8(&raw, 0);
    ASSERT_EQ(cps_chain_block_log_append(log, raw.data, raw.size, NULL), CPS_ERR_TRAILING);
    ASSERT_EQ(file_size("blocks.log"), before);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 5);
    ASSERT_OK(cps_chain_block_log_append(log, blocks[6].data, blocks[6].size, NULL));
    cps_buf_free(&raw);
    cps_chain_block_log_close(log);
}

TEST(log_starting_after_block_one_carries_the_chain_id)
{
    fresh_dir();
    cps_chain_block_log *log = open_log();
    ASSERT(log != NULL);
    cps_checksum256 cid;
    memset(cid.b, 0x5a, 32);
    ASSERT_EQ(cps_chain_block_log_reset_chain_id(log, &cid, 1), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_chain_block_log_reset_chain_id(log, &cid, 100));
    ASSERT_EQ(file_size("blocks.log"), 4 + 4 + 32 + 8);
    cps_checksum256 prev = {{0}};
    prev.b[3] = 99; /* the parent of block 100 */
    cps_buf raw;
    cps_buf_init(&raw);
    cps_checksum256 id100;
    make_block(100, &prev, &raw, &id100);
    cps_buf b99;
    cps_buf_init(&b99);
    cps_checksum256 id99;
    prev.b[3] = 98;
    make_block(99, &prev, &b99, &id99);
    ASSERT_EQ(cps_chain_block_log_append(log, b99.data, b99.size, NULL), CPS_ERR_BLOCK);
    uint64_t pos;
    ASSERT_OK(cps_chain_block_log_append(log, raw.data, raw.size, &pos));
    ASSERT_EQ(pos, 48);
    cps_chain_block_log_close(log);

    log = open_log();
    ASSERT(log != NULL);
    ASSERT_EQ(cps_chain_block_log_version(log), 3);
    ASSERT_EQ(cps_chain_block_log_first_block_num(log), 100);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 100);
    cps_checksum256 back;
    ASSERT_OK(cps_chain_block_log_chain_id(log, &back));
    ASSERT_MEM_EQ(back.b, cid.b, 32);
    cps_chain_genesis g;
    ASSERT_EQ(cps_chain_block_log_genesis(log, &g), CPS_ERR_NOT_FOUND);
    cps_buf got;
    cps_buf_init(&got);
    ASSERT_OK(cps_chain_block_log_read_raw(log, 100, &got));
    ASSERT_EQ(got.size, raw.size);
    ASSERT_MEM_EQ(got.data, raw.data, raw.size);
    ASSERT_EQ(cps_chain_block_log_read_raw(log, 99, &got), CPS_ERR_NOT_FOUND);
    cps_chain_block_log_close(log);
    cps_buf_free(&raw);
    cps_buf_free(&b99);
    cps_buf_free(&got);
}

/* Logs written by older nodeos: version 1 (no first_block_num, no totem) and version 2. */
TEST(versions_1_and_2_are_read)
{
    for (uint32_t version = 1; version <= 2; version++) {
        fresh_dir();
        make_chain(12);
        cps_chain_genesis g = genesis();
        cps_buf f;
        cps_buf_init(&f);
        cps_write_u32(&f, version);
        if (version == 2) cps_write_u32(&f, 1);
        ASSERT_OK(cps_chain_genesis_pack(&f, &g));
        if (version == 2) cps_write_u64(&f, UINT64_MAX);
        for (uint32_t i = 1; i <= 12; i++) {
            uint64_t pos = f.size;
            cps_write_bytes(&f, blocks[i].data, blocks[i].size);
            cps_write_u64(&f, pos);
        }
        write_file("blocks.log", f.data, f.size);
        cps_chain_block_log *log = open_log();
        ASSERT(log != NULL);
        ASSERT_EQ(cps_chain_block_log_version(log), version);
        ASSERT_EQ(cps_chain_block_log_head_num(log), 12);
        ASSERT(reads_back(log, 1, 12));
        cps_checksum256 cid, expect;
        ASSERT_OK(cps_chain_genesis_chain_id(&g, &expect));
        ASSERT_OK(cps_chain_block_log_chain_id(log, &cid));
        ASSERT_MEM_EQ(cid.b, expect.b, 32);
        make_chain(13);
        ASSERT_OK(cps_chain_block_log_append(log, blocks[13].data, blocks[13].size, NULL));
        cps_chain_block_log_close(log);
        log = open_log();
        ASSERT(log != NULL);
        ASSERT(reads_back(log, 1, 13));
        cps_chain_block_log_close(log);
        cps_buf_free(&f);
    }
}

TEST(reset_empties_the_log_and_unsynced_mode_persists_on_close)
{
    fresh_dir();
    make_chain(20);
    cps_chain_block_log_options opt = {CPS_CHAIN_BLOCK_LOG_SYNC_NONE};
    cps_chain_block_log *log;
    ASSERT_OK(cps_chain_block_log_open(dir, &opt, &log));
    cps_chain_genesis g = genesis();
    ASSERT_OK(cps_chain_block_log_reset_genesis(log, &g));
    for (uint32_t i = 1; i <= 20; i++)
        ASSERT_OK(cps_chain_block_log_append(log, blocks[i].data, blocks[i].size, NULL));
    ASSERT_OK(cps_chain_block_log_sync(log));
    cps_chain_block_log_close(log);
    log = open_log();
    ASSERT(log != NULL);
    ASSERT_EQ(cps_chain_block_log_head_num(log), 20);
    ASSERT_OK(cps_chain_block_log_reset_genesis(log, &g));
    ASSERT_EQ(cps_chain_block_log_head_num(log), 0);
    ASSERT_EQ(file_size("blocks.log"), 126);
    ASSERT_EQ(file_size("blocks.index"), 0);
    cps_buf raw;
    cps_buf_init(&raw);
    ASSERT_EQ(cps_chain_block_log_read_head(log, &raw), CPS_ERR_NOT_FOUND);
    cps_buf_free(&raw);
    ASSERT_OK(cps_chain_block_log_append(log, blocks[1].data, blocks[1].size, NULL));
    cps_chain_block_log_close(log);
}

TEST(one_process_at_a_time)
{
    cps_chain_block_log *log = log_with(2);
    ASSERT(log != NULL);
    cps_chain_block_log *second = NULL;
    ASSERT_EQ(cps_chain_block_log_open(dir, NULL, &second), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "in use");
    cps_chain_block_log_close(log);
    ASSERT_OK(cps_chain_block_log_open(dir, NULL, &second));
    cps_chain_block_log_close(second);
    ASSERT_EQ(cps_chain_block_log_open("", NULL, &second), CPS_ERR_INVALID_ARG);
    write_file("notadir", "x", 1);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/notadir", dir);
    ASSERT_EQ(cps_chain_block_log_open(sub, NULL, &second), CPS_ERR_IO);
}

TEST(append_block_structure)
{
    fresh_dir();
    cps_chain_block_log *log = open_log();
    ASSERT(log != NULL);
    cps_chain_genesis g = genesis();
    ASSERT_OK(cps_chain_block_log_reset_genesis(log, &g));
    make_chain(2);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block b;
    ASSERT_OK(cps_abi_signed_block_decode(blocks[1].data, blocks[1].size, &a, &b));
    ASSERT_OK(cps_chain_block_log_append_block(log, &b, NULL));
    ASSERT(reads_back(log, 1, 1));
    cps_abi_arena_free(&a);
    cps_chain_block_log_close(log);
    remove_dir(dir);
    dir[0] = 0;
}

int main(int argc, char **argv)
{
    cps_log_set_level(CPS_LOG_ERROR); /* repairs log warnings by design */
    int rc = test_main(argc, argv);
    if (dir[0]) remove_dir(dir);
    for (int i = 0; i <= MAX_BLOCKS; i++)
        cps_buf_free(&blocks[i]);
    return rc;
}
