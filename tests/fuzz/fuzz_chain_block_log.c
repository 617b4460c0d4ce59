/* Fuzz target for the block log's reader of untrusted files: the input is split into a
 * blocks.log and a blocks.index (first 2 bytes: index length), written to a fresh directory and
 * opened; whatever opens must read each block it claims to hold or report it as damaged.
 * Files go to /dev/shm when it exists (no disk I/O per run). */
#include "chain/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const uint8_t *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
}

static void drop(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        struct stat st;
        snprintf(dir, sizeof dir, "%s/cps-fuzz-blocklog-XXXXXX",
                 stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) abort();
        cps_log_set_level(CPS_LOG_OFF);
    }
    if (size < 2) return 0;
    size_t index_n = (size_t)(data[0] | data[1] << 8);
    data += 2;
    size -= 2;
    if (index_n > size) index_n = size;
    put("blocks.index", data, index_n);
    put("blocks.log", data + index_n, size - index_n);
    cps_chain_block_log *log;
    if (cps_chain_block_log_open(dir, NULL, &log) == 0) {
        uint32_t head = cps_chain_block_log_head_num(log);
        uint32_t first = cps_chain_block_log_first_block_num(log);
        cps_buf raw = {0};
        for (uint32_t n = first; head && n <= head; n++) {
            cps_arena a = {0};
            cps_signed_block b;
            /* The tail was verified on open and the index rebuilt if inconsistent; a block in
             * range either reads back or is reported as damage before the tail. */
            int rc = cps_chain_block_log_read_raw(log, n, &raw);
            if (rc == 0) rc = cps_chain_block_log_read_block(log, n, &a, &b);
            if (rc != 0 && rc != CPS_ERR_DB_CORRUPT) __builtin_trap();
            cps_abi_arena_free(&a);
        }
        cps_buf_free(&raw);
        cps_chain_block_log_close(log);
    }
    drop("blocks.log");
    drop("blocks.index");
    drop("blocks.index.tmp");
    return 0;
}
