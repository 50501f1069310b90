/* SPDX-License-Identifier: MIT */
/* The checkpointing pager's disk: the ATA driver under the checkpoint store. */
#ifndef PERSIST_DISK_H
#define PERSIST_DISK_H

#include <stddef.h>
#include <l4/types.h>

#define DISK_OK 0
#define DISK_EATA (-100) /* DISK_EATA + an ATA error: the disk itself */

/* Opens the store on the primary ATA disk: DISK_OK, or a ckpt/ata error. */
int disk_open(void);
const char *disk_error(int e);
/* Formats the disk (only when the user said `fresh`) and opens it. */
int disk_format(void);
/* Sequence of the committed checkpoint (0: none). */
L4_Word_t disk_seq(void);
int disk_begin(void);
int disk_put_page(L4_Word_t id, const void *data);
int disk_put_meta(const void *meta, size_t len);
int disk_commit(void);
int disk_get_meta(void *meta, size_t len);
int disk_get_page(L4_Word_t id, void *buf);
/* Sectors the last commit wrote. */
L4_Word_t disk_last_commit_sectors(void);

/* Called before every write to the device (main.c: power cuts on purpose). */
void count_write(void);

#endif
