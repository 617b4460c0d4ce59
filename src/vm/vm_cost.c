/* vm: the cost table, the one source of truth for metering. Every wasm instruction the
 * interpreter executes is charged cps_vm__cost(opcode) units; bulk operations (memory.fill/copy/
 * init, table.fill/copy/init/grow, memory.grow) add cps_vm__bulk_cost() of their size at run
 * time. Changing a number here changes consensus: do it only with a protocol upgrade. */
#include "vm/vm_internal.h"

uint32_t cps_vm__cost(uint32_t opcode)
{
    switch (opcode) {
    /* structure only: no work of its own at run time */
    case 0x01: /* nop */
    case 0x02: /* block */
    case 0x03: /* loop */
    case 0x05: /* else */
    case 0x0b: /* end */
        return 0;
    /* calls set up a frame */
    case 0x10:
        return 4; /* call */
    case 0x11:
        return 6; /* call_indirect */
    /* integer division and remainder */
    case 0x6d:
    case 0x6e:
    case 0x6f:
    case 0x70:
    case 0x7f:
    case 0x80:
    case 0x81:
    case 0x82:
        return 4;
    /* float division and square root */
    case 0x91:
    case 0x95:
    case 0x9f:
    case 0xa3:
        return 4;
    case 0x40:
        return 32; /* memory.grow (plus its pages) */
    case 0xfc08:
    case 0xfc0a:
    case 0xfc0b: /* memory.init / copy / fill (plus their bytes) */
    case 0xfc0c:
    case 0xfc0e:
    case 0xfc0f:
    case 0xfc11: /* table bulk ops (plus elements) */
        return 4;
    default:
        return 1;
    }
}
