/* SPDX-License-Identifier: MIT */
/* The values written to QEMU's isa-debug-exit port; QEMU exits with (v << 1) | 1. */
#ifndef MNEMO_EXITCODE_H
#define MNEMO_EXITCODE_H

#define MNEMO_DEBUG_EXIT_PORT 0xf4
#define MNEMO_EXIT_PASS 0x10 /* QEMU exit status 33 */
#define MNEMO_EXIT_FAIL 0x11 /* QEMU exit status 35 */
/* No thread can ever run again (all halted or blocked with nothing to wake them). */
#define MNEMO_EXIT_STOPPED 0x12 /* QEMU exit status 37 */

#endif
