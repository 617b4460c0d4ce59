/* CPS contract SDK: malloc and friends as a bump allocator over linear memory.
 *
 * A contract instance lives for one action (EOSIO resets memory between actions), so a heap that
 * only grows is both the simplest and the cheapest under metering. Layout:
 *
 *   0 ......... 8 KiB ........ __heap_base ..................... heap_top ...... memory end
 *   | shadow stack | data (statics) | [hdr|block][hdr|block]...[hdr|block] | free, grown on demand
 *
 * Each block is preceded by a 16-byte header holding its size, so realloc knows how much to copy.
 * free() only rolls back the most recent block (so alloc/free pairs in a loop reuse memory). */
#include "cps/base.h"

#define ALIGN 16u
#define HEADER 16u
#define PAGE 65536u

extern unsigned char __heap_base; /* defined by wasm-ld: first byte after stack and data */

static uintptr_t heap_top;   /* next free byte; 0 until the first allocation */
static uintptr_t heap_end;   /* linear memory known to exist: [0, heap_end); 0 until checked */
static uintptr_t last_block; /* most recent block still allocated, 0 if unknown */

static uintptr_t align_up(uintptr_t v)
{
    return (v + (ALIGN - 1)) & ~(uintptr_t)(ALIGN - 1);
}

/* Makes sure [0, end) is inside linear memory, growing it by whole pages. Every allocation
 * passes here, so the size already checked is remembered: the usual case is one comparison
 * instead of asking for the memory size again (each instruction is metered). */
static void grow_memory(uintptr_t end)
{
    uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
    if (end > have) {
        uintptr_t pages = (end - have + PAGE - 1) / PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            cps_abort("failed to allocate pages");
        have += pages * PAGE;
    }
    heap_end = have;
}
static inline void ensure_memory(uintptr_t end)
{
    if (end > heap_end) grow_memory(end);
}

static uint32_t block_size(const void *block)
{
    uint32_t size;
    __builtin_memcpy(&size, (const unsigned char *)block - HEADER, sizeof size);
    return size;
}

void *malloc(size_t size)
{
    if (heap_top == 0) heap_top = align_up((uintptr_t)&__heap_base);
    uintptr_t block = heap_top + HEADER;
    /* 32-bit address space: refuse sizes that would wrap instead of allocating a bogus block. */
    if (size > UINTPTR_MAX - block - ALIGN) cps_abort("failed to allocate pages");
    uintptr_t end = align_up(block + (size ? size : 1));
    ensure_memory(end);
    uint32_t size32 = (uint32_t)size;
    __builtin_memcpy((unsigned char *)block - HEADER, &size32, sizeof size32);
    heap_top = end;
    last_block = block;
    return (void *)block;
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) cps_abort("failed to allocate pages");
    void *block = malloc(count * size);
    memset(block, 0, count * size); /* memory may hold a freed block's bytes */
    return block;
}

void *realloc(void *block, size_t size)
{
    if (block == NULL) return malloc(size);
    uint32_t old_size = block_size(block);
    if ((uintptr_t)block == last_block) {
        /* The newest block can grow or shrink in place. */
        if (size > UINTPTR_MAX - (uintptr_t)block - ALIGN) cps_abort("failed to allocate pages");
        uintptr_t end = align_up((uintptr_t)block + (size ? size : 1));
        ensure_memory(end);
        uint32_t size32 = (uint32_t)size;
        __builtin_memcpy((unsigned char *)block - HEADER, &size32, sizeof size32);
        heap_top = end;
        return block;
    }
    void *moved = malloc(size);
    memcpy(moved, block, old_size < size ? old_size : size);
    return moved;
}

void free(void *block)
{
    if (block == NULL || (uintptr_t)block != last_block) return;
    heap_top = (uintptr_t)block - HEADER;
    last_block = 0;
}
