/* block_log: nodeos-compatible blocks.log / blocks.index (format drawn in chain.h): open with
 * torn-tail repair and index rebuild, header reset, append, random and sequential reads. */
#include "chain/chain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Largest header: version, first_block_num, genesis_state, totem. */
#define HEADER_MAX (4 + 4 + CPS_CHAIN_GENESIS_PACKED_SIZE + 8)
/* Offset of `previous` in a block header: timestamp u32, producer u64, confirmed u16. */
#define PREVIOUS_OFFSET 14
/* How many index slots, from the last, are tried as a starting point when the tail is torn
 * before falling back to a scan from the first block. */
#define INDEX_PROBES 16

struct cps_chain_block_log {
    int log_fd;
    int index_fd;
    char *dir;
    char *log_path;
    char *index_path;
    enum cps_chain_block_log_sync sync;

    bool has_header;
    uint32_t version;
    uint32_t first_block_num;
    bool has_genesis;
    cps_chain_genesis genesis;
    cps_checksum256 chain_id;
    uint64_t header_end; /* offset of the first block */

    uint64_t end;         /* size of blocks.log: end of the last complete entry */
    uint32_t block_count; /* blocks in the log */
    uint64_t head_pos;
    cps_checksum256 head_id;

    cps_chain_block_log_recovery recovery;
    bool poisoned; /* an I/O failure left the file in an unknown state */
};

/* ------------------------------------------------------------------------------------------
 * File helpers
 * ------------------------------------------------------------------------------------------ */
static int io_error(const char *what, const char *path)
{
    return cps_fail(CPS_ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Reads exactly n bytes at off; CPS_ERR_TRUNCATED if the file ends first. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off, const char *path)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot read", path);
        }
        if (r == 0)
            return cps_fail(CPS_ERR_TRUNCATED, "%s ends before offset %llu", path,
                            (unsigned long long)(off + n));
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int pwrite_full(int fd, const void *buf, size_t n, uint64_t off, const char *path)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = pwrite(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot write", path);
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int file_size(int fd, const char *path, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return io_error("cannot stat", path);
    *size = (uint64_t)st.st_size;
    return 0;
}

static int truncate_to(int fd, uint64_t size, const char *path)
{
    while (ftruncate(fd, (off_t)size) != 0) {
        if (errno == EINTR) continue;
        return io_error("cannot truncate", path);
    }
    return 0;
}

static int sync_fd(int fd, const char *path)
{
    while (fdatasync(fd) != 0) {
        if (errno == EINTR) continue;
        return io_error("cannot sync", path);
    }
    return 0;
}

/* Makes a file creation or rename durable: the directory entry must reach the disk too. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open directory", dir);
    int rc = 0;
    while (fsync(fd) != 0) {
        if (errno == EINTR) continue;
        rc = io_error("cannot sync directory", dir);
        break;
    }
    close(fd);
    return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    memcpy(p, dir, n + 1);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) rc = io_error("cannot create directory", p);
        p[i] = saved;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(dir, &st) != 0)
            rc = io_error("cannot stat", dir);
        else if (!S_ISDIR(st.st_mode))
            rc = cps_fail(CPS_ERR_IO, "block log directory %s is not a directory", dir);
    }
    free(p);
    return rc;
}

static char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + 1 + b + 1);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* ------------------------------------------------------------------------------------------
 * Header
 * ------------------------------------------------------------------------------------------ */
static bool contains_genesis(uint32_t version, uint32_t first_block_num)
{
    return version <= 2 || first_block_num == 1;
}

/* Parses the header from its first bytes. Returns 1 for an unfinished header (version 0 or
 * fewer than 4 bytes), 0 on success, or an error. */
static int parse_header(cps_chain_block_log *log, const uint8_t *data, size_t n)
{
    if (n < 4) return 1;
    cps_reader r = cps_reader_make(data, n);
    uint32_t version = 0, first = 1;
    int rc = cps_read_u32(&r, &version);
    if (rc) return rc;
    if (version == 0) return 1;
    if (version < CPS_CHAIN_BLOCK_LOG_MIN_VERSION || version > CPS_CHAIN_BLOCK_LOG_MAX_VERSION)
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "%s: unsupported block log version %u (supported: %u to %u)", log->log_path,
                        version, CPS_CHAIN_BLOCK_LOG_MIN_VERSION, CPS_CHAIN_BLOCK_LOG_MAX_VERSION);
    if (version >= 2) {
        if (cps_read_u32(&r, &first))
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: header ends before first_block_num",
                            log->log_path);
        if (first == 0)
            return cps_fail(CPS_ERR_FORMAT, "%s: first_block_num is 0 but must be at least 1",
                            log->log_path);
    }
    log->has_genesis = contains_genesis(version, first);
    if (log->has_genesis) {
        rc = cps_chain_genesis_unpack(&r, &log->genesis);
        if (rc == CPS_ERR_TRUNCATED)
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: header ends inside the genesis state (%s)",
                            log->log_path, cps_last_error());
        if (rc)
            return cps_fail(CPS_ERR_FORMAT, "%s: cannot decode the genesis state in the header: %s",
                            log->log_path, cps_last_error());
        rc = cps_chain_genesis_chain_id(&log->genesis, &log->chain_id);
        if (rc) return cps_fail(CPS_ERR_FORMAT, "%s: %s", log->log_path, cps_last_error());
    } else if (cps_read_bytes(&r, log->chain_id.b, 32)) {
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: header ends inside the chain id", log->log_path);
    }
    if (version >= 2) {
        uint64_t totem;
        if (cps_read_u64(&r, &totem))
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: header ends before the totem", log->log_path);
        if (totem != CPS_CHAIN_BLOCK_LOG_TOTEM)
            return cps_fail(CPS_ERR_FORMAT,
                            "%s: expected the totem ffffffffffffffff between header and blocks "
                            "at offset %zu, found %016llx",
                            log->log_path, r.pos - 8, (unsigned long long)totem);
    }
    log->has_header = true;
    log->version = version;
    log->first_block_num = first;
    log->header_end = r.pos;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Entries
 * ------------------------------------------------------------------------------------------ */
struct entry {
    uint64_t pos;  /* start of the block */
    uint64_t next; /* end of the entry (after its trailing offset) */
    uint32_t num;
    cps_checksum256 id;
};

static uint32_t raw_block_num(const uint8_t *raw)
{
    const uint8_t *p = raw + PREVIOUS_OFFSET;
    uint32_t prev = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return prev + 1;
}

/* Decodes a block from raw bytes (all of them when `exact`) and computes its number and id. */
static int block_identity(const uint8_t *raw, size_t n, bool exact, size_t *used, uint32_t *num,
                          cps_checksum256 *id)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block blk;
    cps_reader r = cps_reader_make(raw, n);
    int rc = cps_abi_signed_block_unpack(&r, &a, &blk);
    if (rc == 0 && exact && cps_reader_left(&r))
        rc = cps_fail(CPS_ERR_TRAILING, "signed_block: %zu unexpected bytes after offset %zu",
                      cps_reader_left(&r), r.pos);
    if (rc == 0) {
        if (used) *used = r.pos;
        *num = cps_abi_block_header_num(&blk.signed_header.header);
        rc = cps_abi_block_id(&blk.signed_header.header, id);
    }
    cps_abi_arena_free(&a);
    return rc;
}

/* Number and id from the block header alone, for a block the decoder cannot read in full (one
 * carrying a WebAuthn signature, which CPS does not support) but whose length is known from its
 * trailer: a valid nodeos log must not be cut because of it. */
static int header_identity(const uint8_t *raw, size_t n, uint32_t *num, cps_checksum256 *id)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_reader r = cps_reader_make(raw, n);
    cps_block_header h;
    int rc = cps_abi_block_header_unpack(&r, &a, &h);
    if (rc == 0) {
        *num = cps_abi_block_header_num(&h);
        rc = cps_abi_block_id(&h, id);
    }
    cps_abi_arena_free(&a);
    return rc;
}

/* Whether a complete entry ends exactly at `end`: its trailing offset must point at a block that
 * decodes to exactly the bytes before the trailer. Returns 0 (and *e), 1 if not, or an I/O
 * error. */
static int entry_ending_at(cps_chain_block_log *log, uint64_t end, struct entry *e)
{
    if (end < log->header_end + 8) return 1;
    uint8_t t[8];
    int rc = pread_full(log->log_fd, t, 8, end - 8, log->log_path);
    if (rc) return rc == CPS_ERR_TRUNCATED ? 1 : rc;
    uint64_t pos = cps_load_u64(t);
    if (pos < log->header_end || pos >= end - 8 ||
        end - 8 - pos > CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE)
        return 1;
    size_t n = (size_t)(end - 8 - pos);
    uint8_t *raw = malloc(n);
    if (!raw) return cps_fail(CPS_ERR_NOMEM, "out of memory reading %s", log->log_path);
    rc = pread_full(log->log_fd, raw, n, pos, log->log_path);
    if (rc == 0) {
        rc = block_identity(raw, n, true, NULL, &e->num, &e->id);
        if (rc == CPS_ERR_UNSUPPORTED) rc = header_identity(raw, n, &e->num, &e->id);
        rc = rc ? 1 : 0;
        e->pos = pos;
        e->next = end;
    } else if (rc == CPS_ERR_TRUNCATED) {
        rc = 1;
    }
    free(raw);
    return rc;
}

/* Whether a complete entry starts at `pos` and ends at or before `limit`. The block's length is
 * unknown until it is decoded, so the read grows until the decoder no longer runs out of bytes.
 * Returns 0 (and *e), 1 if not, or an I/O error. */
static int entry_starting_at(cps_chain_block_log *log, uint64_t pos, uint64_t limit,
                             struct entry *e)
{
    if (pos < log->header_end || pos >= limit) return 1;
    uint64_t avail = limit - pos;
    if (avail > (uint64_t)CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE + 8)
        avail = (uint64_t)CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE + 8;
    size_t want = avail < 65536 ? (size_t)avail : 65536;
    uint8_t *raw = NULL;
    int rc;
    for (;;) {
        uint8_t *p = realloc(raw, want);
        if (!p) {
            rc = cps_fail(CPS_ERR_NOMEM, "out of memory reading %s", log->log_path);
            break;
        }
        raw = p;
        rc = pread_full(log->log_fd, raw, want, pos, log->log_path);
        if (rc) break;
        size_t used;
        rc = block_identity(raw, want, false, &used, &e->num, &e->id);
        if (rc == CPS_ERR_TRUNCATED && want < avail) {
            want = avail - want < want ? (size_t)avail : want * 2;
            continue;
        }
        if (rc) {
            rc = 1;
            break;
        }
        if (used + 8 > want) { /* the block fits but its trailer was not read yet */
            if (used + 8 > avail) {
                rc = 1;
                break;
            }
            want = used + 8;
            continue;
        }
        if (cps_load_u64(raw + used) != pos) {
            rc = 1;
            break;
        }
        e->pos = pos;
        e->next = pos + used + 8;
        rc = 0;
        break;
    }
    free(raw);
    if (rc == CPS_ERR_TRUNCATED) rc = 1;
    return rc;
}

static uint32_t head_num(const cps_chain_block_log *log)
{
    return log->block_count ? log->first_block_num + log->block_count - 1 : 0;
}

/* ------------------------------------------------------------------------------------------
 * Index
 * ------------------------------------------------------------------------------------------ */

/* Reads blocks.log backwards through a window, for the walk along the trailing offsets. */
struct back_reader {
    cps_chain_block_log *log;
    uint8_t *buf;
    size_t cap;
    uint64_t start, stop; /* the window holds [start, stop) */
};

static int back_read(struct back_reader *br, uint64_t off, size_t n, uint8_t *out)
{
    /* Callers pass offsets inside the log, which is far from 2^64; refuse anything else. */
    if (off > br->log->end || br->log->end - off < n)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: offset %llu is outside the log", br->log->log_path,
                        (unsigned long long)off);
    if (off < br->start || off + n > br->stop) {
        uint64_t stop = off + n;
        uint64_t start = stop > br->cap ? stop - br->cap : 0;
        if (start > off) start = off;
        int rc =
            pread_full(br->log->log_fd, br->buf, (size_t)(stop - start), start, br->log->log_path);
        if (rc) return rc;
        br->start = start;
        br->stop = stop;
    }
    memcpy(out, br->buf + (off - br->start), n);
    return 0;
}

/* Writes the index slots [keep, count) by walking the trailing offsets from the head back to
 * slot `keep` (as nodeos's construct_index walks to the first block), checking on the way that
 * offsets decrease and that each points at the block with the expected number.
 *
 * keep == 0: a full rebuild, written to blocks.index.tmp, synced, then renamed over blocks.index.
 * keep > 0: the first `keep` slots of the current index are kept when the walk confirms the last
 * of them (the entry before slot `keep` must start where slot keep - 1 says); the new slots are
 * written in place and the file cut to its length. This is the common repair after a crash, where
 * the index lags the log by a few blocks or holds one slot too many, and costs a walk over those
 * blocks only. Returns 1 when the kept prefix does not match (the caller rebuilds fully). */
static int write_index(cps_chain_block_log *log, uint32_t keep)
{
    enum { WINDOW = 1 << 20, SLOTS = 8192 };
    char *tmp_path = keep ? NULL : path_join(log->dir, "blocks.index.tmp");
    const char *out_path = keep ? log->index_path : tmp_path;
    struct back_reader br = {log, malloc(WINDOW), WINDOW, 0, 0};
    uint8_t *slots = malloc(SLOTS * 8);
    int fd = keep ? log->index_fd : -1, rc = 0;
    if ((!keep && !tmp_path) || !br.buf || !slots) {
        rc = cps_fail(CPS_ERR_NOMEM, "out of memory rebuilding the block index");
        goto done;
    }
    if (!keep) {
        fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = io_error("cannot create", tmp_path);
            goto done;
        }
    }
    uint64_t entry_end = log->end;
    uint32_t k = log->block_count; /* slots [k, count) are known */
    uint32_t chunk_hi = k;         /* slots [k, chunk_hi) are in `slots` */
    while (k > keep) {
        uint8_t t[8], hdr[PREVIOUS_OFFSET + 4];
        rc = back_read(&br, entry_end - 8, 8, t);
        if (rc) goto done;
        uint64_t pos = cps_load_u64(t);
        uint32_t want_num = log->first_block_num + k - 1;
        if (pos < log->header_end || pos > entry_end || entry_end - pos < sizeof hdr + 8 ||
            (k == 1) != (pos == log->header_end)) {
            rc = cps_fail(CPS_ERR_DB_CORRUPT,
                          "%s is corrupt: the entry of block %u ending at offset %llu points at "
                          "offset %llu",
                          log->log_path, want_num, (unsigned long long)entry_end,
                          (unsigned long long)pos);
            goto done;
        }
        rc = back_read(&br, pos, sizeof hdr, hdr);
        if (rc) goto done;
        if (raw_block_num(hdr) != want_num) {
            rc = cps_fail(CPS_ERR_DB_CORRUPT,
                          "%s is corrupt: block at offset %llu is number %u, expected %u",
                          log->log_path, (unsigned long long)pos, raw_block_num(hdr), want_num);
            goto done;
        }
        if (chunk_hi - k == SLOTS) { /* the buffer holds [k, chunk_hi): write it out */
            rc = pwrite_full(fd, slots, (size_t)SLOTS * 8, (uint64_t)k * 8, out_path);
            if (rc) goto done;
            chunk_hi = k;
        }
        k--;
        /* Slots fill the buffer from its end, so a chunk is one contiguous write. */
        cps_store_u64(slots + ((size_t)SLOTS - (chunk_hi - k)) * 8, pos);
        entry_end = pos;
    }
    if (keep) {
        /* The entry before slot `keep` must start where the kept slot keep - 1 says. */
        uint8_t t[8], s8[8];
        if ((rc = back_read(&br, entry_end - 8, 8, t))) goto done;
        if ((rc = pread_full(fd, s8, 8, (uint64_t)(keep - 1) * 8, out_path))) goto done;
        if (cps_load_u64(t) != cps_load_u64(s8)) {
            rc = 1;
            goto done;
        }
    }
    if (chunk_hi > k) {
        size_t n = (size_t)(chunk_hi - k);
        rc = pwrite_full(fd, slots + ((size_t)SLOTS - n) * 8, n * 8, (uint64_t)k * 8, out_path);
        if (rc) goto done;
    }
    if (keep && (rc = truncate_to(fd, (uint64_t)log->block_count * 8, out_path))) goto done;
    if ((rc = sync_fd(fd, out_path))) goto done;
    if (!keep) {
        if (rename(tmp_path, log->index_path) != 0) {
            rc = io_error("cannot rename to", log->index_path);
            goto done;
        }
        close(log->index_fd);
        log->index_fd = fd;
        fd = -1;
        if ((rc = sync_dir(log->dir))) goto done;
    }
    log->recovery.index_rebuilt = true;
    cps_log_info("chain", "%s %s from %s (%u blocks, %u slots written)",
                 keep ? "extended" : "rebuilt", log->index_path, log->log_path, log->block_count,
                 log->block_count - keep);
done:
    if (!keep && fd >= 0) {
        close(fd);
        unlink(tmp_path);
    }
    free(tmp_path);
    free(br.buf);
    free(slots);
    return rc;
}

static int rebuild_index(cps_chain_block_log *log)
{
    return write_index(log, 0);
}

/* nodeos compares only the last offsets; the first one and the size are checked too, since
 * they cost nothing and catch an index from another log. */
static int index_is_consistent(cps_chain_block_log *log, bool *ok)
{
    uint64_t size = 0;
    int rc = file_size(log->index_fd, log->index_path, &size);
    if (rc) return rc;
    *ok = size == (uint64_t)log->block_count * 8;
    if (!*ok || log->block_count == 0) return 0;
    uint8_t t[8];
    if ((rc = pread_full(log->index_fd, t, 8, 0, log->index_path))) return rc;
    if (cps_load_u64(t) != log->header_end) *ok = false;
    if ((rc = pread_full(log->index_fd, t, 8, size - 8, log->index_path))) return rc;
    if (cps_load_u64(t) != log->head_pos) *ok = false;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Open: header, tail repair, head, index
 * ------------------------------------------------------------------------------------------ */

/* Finds where the complete entries end when the last entry is torn: from the furthest index
 * slot that still points at a complete entry of the right block (or from the first block), scan
 * forward while entries are complete and numbered in sequence. */
static int find_complete_end(cps_chain_block_log *log, uint64_t size, uint64_t *good_end)
{
    uint64_t start = log->header_end;
    uint32_t expected = log->first_block_num;
    uint64_t index_size = 0;
    int rc = file_size(log->index_fd, log->index_path, &index_size);
    if (rc) return rc;
    uint64_t slots = index_size / 8;
    for (uint64_t i = 0; i < INDEX_PROBES && i < slots; i++) {
        uint64_t k = slots - 1 - i;
        if (k > UINT32_MAX - log->first_block_num) continue;
        uint8_t t[8];
        if ((rc = pread_full(log->index_fd, t, 8, k * 8, log->index_path))) return rc;
        struct entry e;
        rc = entry_starting_at(log, cps_load_u64(t), size, &e);
        if (rc < 0) return rc;
        if (rc == 0 && e.num == log->first_block_num + k) {
            start = e.next;
            expected = e.num + 1;
            break;
        }
    }
    for (;;) {
        struct entry e;
        rc = entry_starting_at(log, start, size, &e);
        if (rc < 0) return rc;
        if (rc == 1 || e.num != expected) break;
        start = e.next;
        expected++;
    }
    *good_end = start;
    return 0;
}

static int load_tail(cps_chain_block_log *log)
{
    uint64_t size = 0;
    int rc = file_size(log->log_fd, log->log_path, &size);
    if (rc) return rc;
    struct entry e;
    rc = size == log->header_end ? 1 : entry_ending_at(log, size, &e);
    if (rc < 0) return rc;
    if (rc == 1 && size != log->header_end) {
        uint64_t good_end;
        if ((rc = find_complete_end(log, size, &good_end))) return rc;
        cps_log_warn("chain", "%s: removing a torn tail of %llu bytes after offset %llu",
                     log->log_path, (unsigned long long)(size - good_end),
                     (unsigned long long)good_end);
        if ((rc = truncate_to(log->log_fd, good_end, log->log_path))) return rc;
        if ((rc = sync_fd(log->log_fd, log->log_path))) return rc;
        log->recovery.truncated_bytes = size - good_end;
        size = good_end;
        rc = size == log->header_end ? 1 : entry_ending_at(log, size, &e);
        if (rc < 0) return rc;
        if (rc == 1 && size != log->header_end)
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: no complete entry ends at offset %llu",
                            log->log_path, (unsigned long long)size);
    }
    log->end = size;
    if (size == log->header_end) {
        log->block_count = 0;
        log->head_pos = 0;
        memset(&log->head_id, 0, sizeof log->head_id);
        return 0;
    }
    if (e.num < log->first_block_num)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: last block %u is before first_block_num %u",
                        log->log_path, e.num, log->first_block_num);
    log->block_count = e.num - log->first_block_num + 1;
    log->head_pos = e.pos;
    log->head_id = e.id;
    return 0;
}

static int open_files(cps_chain_block_log *log)
{
    int rc = make_dirs(log->dir);
    if (rc) return rc;
    bool created = access(log->log_path, F_OK) != 0 || access(log->index_path, F_OK) != 0;
    log->log_fd = open(log->log_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (log->log_fd < 0) return io_error("cannot open", log->log_path);
    if (flock(log->log_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return cps_fail(CPS_ERR_STATE, "%s is in use by another process", log->log_path);
        return io_error("cannot lock", log->log_path);
    }
    log->index_fd = open(log->index_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (log->index_fd < 0) return io_error("cannot open", log->index_path);
    if (created) return sync_dir(log->dir);
    return 0;
}

static int discard_all(cps_chain_block_log *log)
{
    int rc = truncate_to(log->log_fd, 0, log->log_path);
    if (!rc) rc = truncate_to(log->index_fd, 0, log->index_path);
    if (!rc) rc = sync_fd(log->log_fd, log->log_path);
    if (!rc) rc = sync_fd(log->index_fd, log->index_path);
    log->has_header = false;
    log->end = 0;
    log->block_count = 0;
    return rc;
}

static int open_log(cps_chain_block_log *log)
{
    int rc = open_files(log);
    if (rc) return rc;
    uint64_t size = 0;
    if ((rc = file_size(log->log_fd, log->log_path, &size))) return rc;
    if (size == 0) {
        uint64_t isize = 0;
        if ((rc = file_size(log->index_fd, log->index_path, &isize))) return rc;
        return isize ? truncate_to(log->index_fd, 0, log->index_path) : 0;
    }
    uint8_t header[HEADER_MAX];
    size_t n = size < HEADER_MAX ? (size_t)size : HEADER_MAX;
    if ((rc = pread_full(log->log_fd, header, n, 0, log->log_path))) return rc;
    rc = parse_header(log, header, n);
    if (rc < 0) return rc;
    if (rc == 1) {
        /* The version is written last, so a zero version means a reset that did not finish:
         * the file holds no block worth keeping. */
        cps_log_warn("chain", "%s: discarding an unfinished header", log->log_path);
        log->recovery.header_discarded = true;
        return discard_all(log);
    }
    if ((rc = load_tail(log))) return rc;
    bool ok;
    if ((rc = index_is_consistent(log, &ok))) return rc;
    if (ok) return 0;
    /* Keep what the index already holds when its slots are whole and its first one is right. */
    uint64_t isize = 0;
    uint8_t t[8];
    if ((rc = file_size(log->index_fd, log->index_path, &isize))) return rc;
    uint64_t keep = isize / 8 < log->block_count ? isize / 8 : log->block_count;
    if (keep && isize % 8 == 0) {
        if ((rc = pread_full(log->index_fd, t, 8, 0, log->index_path))) return rc;
        if (cps_load_u64(t) == log->header_end) {
            rc = write_index(log, (uint32_t)keep);
            if (rc != 1) return rc;
        }
    }
    return rebuild_index(log);
}

int cps_chain_block_log_open(const char *dir, const cps_chain_block_log_options *opt,
                             cps_chain_block_log **out)
{
    *out = NULL;
    if (!dir || !*dir) return cps_fail(CPS_ERR_INVALID_ARG, "block log: no directory given");
    cps_chain_block_log *log = calloc(1, sizeof *log);
    if (!log) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    log->log_fd = log->index_fd = -1;
    log->sync = opt ? opt->sync : CPS_CHAIN_BLOCK_LOG_SYNC_EACH;
    log->dir = strdup(dir);
    log->log_path = path_join(dir, "blocks.log");
    log->index_path = path_join(dir, "blocks.index");
    int rc = (log->dir && log->log_path && log->index_path)
                 ? open_log(log)
                 : cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (rc) {
        if (log->log_fd >= 0) close(log->log_fd);
        if (log->index_fd >= 0) close(log->index_fd);
        free(log->dir);
        free(log->log_path);
        free(log->index_path);
        free(log);
        return rc;
    }
    *out = log;
    return 0;
}

int cps_chain_block_log_sync(cps_chain_block_log *log)
{
    int rc = sync_fd(log->log_fd, log->log_path);
    if (!rc) rc = sync_fd(log->index_fd, log->index_path);
    return rc;
}

void cps_chain_block_log_close(cps_chain_block_log *log)
{
    if (!log) return;
    if (cps_chain_block_log_sync(log))
        cps_log_error("chain", "closing the block log: %s", cps_last_error());
    close(log->index_fd);
    close(log->log_fd); /* releases the lock */
    free(log->dir);
    free(log->log_path);
    free(log->index_path);
    free(log);
}

/* ------------------------------------------------------------------------------------------
 * Reset
 * ------------------------------------------------------------------------------------------ */
static int write_header(cps_chain_block_log *log, const cps_chain_genesis *genesis,
                        const cps_checksum256 *chain_id, uint32_t first_block_num)
{
    cps_buf h;
    cps_buf_init(&h);
    /* Version 0 first, the real version once everything else is on disk (as nodeos does), so
     * an interrupted reset is recognizable on the next open. */
    cps_write_u32(&h, 0);
    cps_write_u32(&h, first_block_num);
    if (genesis)
        cps_chain_genesis_pack(&h, genesis);
    else
        cps_write_bytes(&h, chain_id->b, 32);
    cps_write_u64(&h, CPS_CHAIN_BLOCK_LOG_TOTEM);
    int rc = h.failed;
    if (rc) {
        cps_buf_free(&h);
        return cps_fail_prefix(rc, "block log header");
    }
    rc = discard_all(log);
    if (!rc) rc = pwrite_full(log->log_fd, h.data, h.size, 0, log->log_path);
    if (!rc) rc = sync_fd(log->log_fd, log->log_path);
    uint8_t v[4];
    cps_store_u32(v, CPS_CHAIN_BLOCK_LOG_VERSION);
    if (!rc) rc = pwrite_full(log->log_fd, v, 4, 0, log->log_path);
    if (!rc) rc = sync_fd(log->log_fd, log->log_path);
    if (rc) {
        log->poisoned = true;
        cps_buf_free(&h);
        return rc;
    }
    /* Parse what was written so the in-memory header is exactly the file's. */
    cps_store_u32(h.data, CPS_CHAIN_BLOCK_LOG_VERSION);
    rc = parse_header(log, h.data, h.size);
    cps_buf_free(&h);
    if (rc) return rc < 0 ? rc : cps_fail(CPS_ERR_STATE, "block log header not written");
    log->end = log->header_end;
    log->block_count = 0;
    log->head_pos = 0;
    memset(&log->head_id, 0, sizeof log->head_id);
    log->poisoned = false;
    return 0;
}

int cps_chain_block_log_reset_genesis(cps_chain_block_log *log, const cps_chain_genesis *genesis)
{
    if (genesis->initial_key.type != CPS_KEY_K1 && genesis->initial_key.type != CPS_KEY_R1)
        return cps_fail(CPS_ERR_INVALID_ARG, "block log: genesis initial_key must be K1 or R1");
    return write_header(log, genesis, NULL, 1);
}

int cps_chain_block_log_reset_chain_id(cps_chain_block_log *log, const cps_checksum256 *chain_id,
                                       uint32_t first_block_num)
{
    if (first_block_num <= 1)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "block log: a log starting at block %u needs a genesis state, not a "
                        "chain id",
                        first_block_num);
    return write_header(log, NULL, chain_id, first_block_num);
}

/* ------------------------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------------------------ */
bool cps_chain_block_log_has_header(const cps_chain_block_log *log)
{
    return log->has_header;
}

uint32_t cps_chain_block_log_version(const cps_chain_block_log *log)
{
    return log->has_header ? log->version : 0;
}

uint32_t cps_chain_block_log_first_block_num(const cps_chain_block_log *log)
{
    return log->has_header ? log->first_block_num : 0;
}

int cps_chain_block_log_genesis(const cps_chain_block_log *log, cps_chain_genesis *out)
{
    if (!log->has_header || !log->has_genesis)
        return cps_fail(CPS_ERR_NOT_FOUND, "%s holds no genesis state", log->log_path);
    *out = log->genesis;
    return 0;
}

int cps_chain_block_log_chain_id(const cps_chain_block_log *log, cps_checksum256 *out)
{
    if (!log->has_header) return cps_fail(CPS_ERR_NOT_FOUND, "%s has no header", log->log_path);
    *out = log->chain_id;
    return 0;
}

uint32_t cps_chain_block_log_head_num(const cps_chain_block_log *log)
{
    return head_num(log);
}

void cps_chain_block_log_head_id(const cps_chain_block_log *log, cps_checksum256 *out)
{
    *out = log->head_id;
}

void cps_chain_block_log_recovery_info(const cps_chain_block_log *log,
                                       cps_chain_block_log_recovery *out)
{
    *out = log->recovery;
}

/* ------------------------------------------------------------------------------------------
 * Append
 * ------------------------------------------------------------------------------------------ */
int cps_chain_block_log_append(cps_chain_block_log *log, const uint8_t *raw, size_t n,
                               uint64_t *pos_out)
{
    if (log->poisoned)
        return cps_fail(CPS_ERR_STATE, "%s: an earlier write failed; reopen the log",
                        log->log_path);
    if (!log->has_header)
        return cps_fail(CPS_ERR_STATE, "%s: write a header (reset) before appending blocks",
                        log->log_path);
    if (n > CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE)
        return cps_fail(CPS_ERR_LIMIT, "block of %zu bytes is larger than the block log accepts",
                        n);
    uint32_t num;
    cps_checksum256 id;
    int rc = block_identity(raw, n, true, NULL, &num, &id);
    if (rc) return cps_fail_prefix(rc, "block log append");
    uint32_t expected = log->block_count ? head_num(log) + 1 : log->first_block_num;
    if (num != expected || (log->block_count == 0 && expected == 0))
        return cps_fail(CPS_ERR_BLOCK, "block log append: block %u given, block %u expected", num,
                        expected);
    if (log->block_count) {
        /* previous sits at a fixed offset of the raw header. */
        if (memcmp(raw + PREVIOUS_OFFSET, log->head_id.b, 32) != 0)
            return cps_fail(CPS_ERR_BLOCK,
                            "block log append: block %u does not link to the head block %u", num,
                            head_num(log));
    }
    if (log->block_count == UINT32_MAX) return cps_fail(CPS_ERR_LIMIT, "block log is full");

    uint64_t pos = log->end;
    cps_buf entry;
    cps_buf_init(&entry);
    cps_write_bytes(&entry, raw, n);
    cps_write_u64(&entry, pos);
    if (entry.failed) {
        cps_buf_free(&entry);
        return entry.failed;
    }
    rc = pwrite_full(log->log_fd, entry.data, entry.size, pos, log->log_path);
    cps_buf_free(&entry);
    uint8_t slot[8];
    cps_store_u64(slot, pos);
    if (!rc)
        rc = pwrite_full(log->index_fd, slot, 8, (uint64_t)log->block_count * 8, log->index_path);
    if (!rc && log->sync == CPS_CHAIN_BLOCK_LOG_SYNC_EACH) {
        rc = sync_fd(log->log_fd, log->log_path);
        if (rc) {
            /* After a failed fdatasync the kernel may have dropped the dirty pages: what is on
             * disk is unknown, so only a reopen (which checks the tail) may continue. */
            log->poisoned = true;
            return rc;
        }
    }
    if (rc) {
        /* Put both files back as they were; the caller may retry. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", cps_last_error());
        if (truncate_to(log->log_fd, log->end, log->log_path) ||
            truncate_to(log->index_fd, (uint64_t)log->block_count * 8, log->index_path))
            log->poisoned = true;
        return cps_fail(rc, "%s", msg);
    }
    log->end = pos + n + 8;
    log->block_count++;
    log->head_pos = pos;
    log->head_id = id;
    if (pos_out) *pos_out = pos;
    return 0;
}

int cps_chain_block_log_append_block(cps_chain_block_log *log, const cps_signed_block *block,
                                     uint64_t *pos)
{
    cps_buf raw;
    cps_buf_init(&raw);
    int rc = cps_abi_signed_block_pack(&raw, block);
    if (rc == 0) rc = cps_chain_block_log_append(log, raw.data, raw.size, pos);
    cps_buf_free(&raw);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Reads
 * ------------------------------------------------------------------------------------------ */
static int check_num(const cps_chain_block_log *log, uint32_t num)
{
    if (!log->block_count || num < log->first_block_num || num > head_num(log))
        return cps_fail(CPS_ERR_NOT_FOUND, "block %u is not in the block log (it holds %u to %u)",
                        num, log->block_count ? log->first_block_num : 0, head_num(log));
    return 0;
}

/* Locates block `num` through the index: its start and the end of its entry. Returns 1 if the
 * index slot does not point at a well-formed entry of that block. */
static int locate(cps_chain_block_log *log, uint32_t num, uint64_t *pos, uint64_t *entry_end)
{
    uint32_t k = num - log->first_block_num;
    uint8_t t[16];
    bool is_head = num == head_num(log);
    int rc = pread_full(log->index_fd, t, is_head ? 8 : 16, (uint64_t)k * 8, log->index_path);
    if (rc) return rc == CPS_ERR_TRUNCATED ? 1 : rc;
    *pos = cps_load_u64(t);
    *entry_end = is_head ? log->end : cps_load_u64(t + 8);
    /* Offsets come from a file: compare by differences, never by sums that could wrap. */
    if (*pos < log->header_end || *entry_end > log->end || *pos > *entry_end ||
        *entry_end - *pos < PREVIOUS_OFFSET + 4 + 8 ||
        *entry_end - *pos - 8 > CPS_CHAIN_BLOCK_LOG_MAX_BLOCK_SIZE)
        return 1;
    return 0;
}

static int read_entry(cps_chain_block_log *log, uint32_t num, cps_buf *out)
{
    for (int attempt = 0;; attempt++) {
        uint64_t pos, end;
        int rc = locate(log, num, &pos, &end);
        if (rc < 0) return rc;
        if (rc == 0) {
            size_t n = (size_t)(end - pos);
            cps_buf_reset(out);
            if ((rc = cps_buf_reserve(out, n))) return rc;
            rc = pread_full(log->log_fd, out->data, n, pos, log->log_path);
            if (rc && rc != CPS_ERR_TRUNCATED) return rc;
            if (rc == 0 && cps_load_u64(out->data + n - 8) == pos &&
                raw_block_num(out->data) == num) {
                out->size = n - 8;
                return 0;
            }
        }
        if (attempt > 0)
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: the entry of block %u is damaged",
                            log->log_path, num);
        cps_log_warn("chain", "%s: index entry of block %u is wrong; rebuilding the index",
                     log->index_path, num);
        if ((rc = rebuild_index(log))) return rc;
    }
}

int cps_chain_block_log_block_pos(cps_chain_block_log *log, uint32_t num, uint64_t *pos)
{
    int rc = check_num(log, num);
    if (rc) return rc;
    uint64_t end;
    rc = locate(log, num, pos, &end);
    if (rc == 1) {
        if ((rc = rebuild_index(log))) return rc;
        rc = locate(log, num, pos, &end);
        if (rc == 1)
            return cps_fail(CPS_ERR_DB_CORRUPT, "%s: no valid entry for block %u", log->index_path,
                            num);
    }
    return rc;
}

int cps_chain_block_log_read_raw(cps_chain_block_log *log, uint32_t num, cps_buf *out)
{
    int rc = check_num(log, num);
    return rc ? rc : read_entry(log, num, out);
}

int cps_chain_block_log_read_head(cps_chain_block_log *log, cps_buf *out)
{
    if (!log->block_count) return cps_fail(CPS_ERR_NOT_FOUND, "the block log holds no block");
    return read_entry(log, head_num(log), out);
}

int cps_chain_block_log_read_block(cps_chain_block_log *log, uint32_t num, cps_arena *a,
                                   cps_signed_block *out)
{
    cps_buf raw;
    cps_buf_init(&raw);
    int rc = cps_chain_block_log_read_raw(log, num, &raw);
    if (rc == 0) {
        uint8_t *copy = cps_abi_arena_dup(a, raw.data, raw.size);
        rc = copy ? cps_abi_signed_block_decode(copy, raw.size, a, out) : CPS_ERR_NOMEM;
        if (rc && copy && rc != CPS_ERR_UNSUPPORTED)
            rc = cps_fail_prefix(CPS_ERR_DB_CORRUPT, "%s: block %u", log->log_path, num);
    }
    cps_buf_free(&raw);
    return rc;
}

int cps_chain_block_log_read_block_id(cps_chain_block_log *log, uint32_t num, cps_checksum256 *id)
{
    if (log->block_count && num == head_num(log)) {
        *id = log->head_id;
        return 0;
    }
    cps_buf raw;
    cps_buf_init(&raw);
    int rc = cps_chain_block_log_read_raw(log, num, &raw);
    if (rc == 0) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_block_header h;
        cps_reader r = cps_reader_make(raw.data, raw.size);
        rc = cps_abi_block_header_unpack(&r, &a, &h);
        if (rc == 0)
            rc = cps_abi_block_id(&h, id);
        else
            rc = cps_fail_prefix(CPS_ERR_DB_CORRUPT, "%s: block %u", log->log_path, num);
        cps_abi_arena_free(&a);
    }
    cps_buf_free(&raw);
    return rc;
}

void cps_chain_block_log_iter_begin(cps_chain_block_log *log, uint32_t from,
                                    cps_chain_block_log_iter *it)
{
    it->log = log;
    it->next_num = from < log->first_block_num ? log->first_block_num : from;
    it->last_num = head_num(log);
    if (!log->block_count) {
        it->next_num = 1;
        it->last_num = 0;
    }
}

int cps_chain_block_log_iter_next(cps_chain_block_log_iter *it, cps_buf *raw, uint32_t *num)
{
    if (it->next_num == 0 || it->next_num > it->last_num) return CPS_ERR_NOT_FOUND;
    int rc = cps_chain_block_log_read_raw(it->log, it->next_num, raw);
    if (rc) return rc;
    *num = it->next_num;
    /* After the last block next_num wraps to 0 only when last_num is UINT32_MAX. */
    it->next_num++;
    return 0;
}
